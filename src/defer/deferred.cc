// The non-template half of Deferred: the iterative callback runner (Twisted's
// _runCallbacks with its explicit `chain` stack), cancellation, and core destruction.
#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/defer/detail/deferred_core.h"

#include <string>
#include <vector>

namespace weft::detail {
namespace {

// Keeps a core alive across a call that may drop the last handle.
class Hold {
 public:
  explicit Hold(Core* c) noexcept : c_(c) { c_->addRef(); }
  ~Hold() { c_->release(); }
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;

 private:
  Core* c_;
};

}  // namespace

// The stack of Deferreds that results are being pushed through. Each holds a reference.
// The first few live inline so that an ordinary run does not allocate.
class ChainRunner {
 public:
  ChainRunner() = default;
  ChainRunner(const ChainRunner&) = delete;
  ChainRunner& operator=(const ChainRunner&) = delete;
  ~ChainRunner() {
    while (!empty()) popRelease();
  }
  bool empty() const noexcept { return size_ == 0; }
  Core* top() const noexcept { return size_ <= kInline ? inline_[size_ - 1] : more_.back(); }
  void push(Core* c) {  // takes over a reference
    if (size_ < kInline) {
      inline_[size_] = c;
    } else {
      more_.push_back(c);
    }
    ++size_;
  }
  void popRelease() noexcept {
    Core* c = top();
    if (size_ > kInline) more_.pop_back();
    --size_;
    c->release();
  }

  // The loop itself. `self` already has a reference on the stack.
  static void run(ChainRunner& chain);

 private:
  static constexpr std::size_t kInline = 8;
  Core* inline_[kInline];
  std::vector<Core*> more_;
  std::size_t size_ = 0;
};

void throwTypeMismatch(const char* what) {
  throw std::logic_error(std::string("weft::Deferred: ") + what);
}

Core::~Core() {
  if (failure_.has_value()) {
    try {
      log::error("Unhandled error in Deferred:\n" + failure_->getTraceback());
    } catch (...) {  // logging must not escape a destructor
    }
  }
  while (Entry* e = popEntry()) freeEntry(e);
  if (canceller_ != nullptr) freeEntry(std::exchange(canceller_, nullptr));
  if (returned_ != nullptr) std::exchange(returned_, nullptr)->release();
}

void Core::destroy(Core* c) noexcept {
  // Destroying a core can release others (continuations own their outer Deferred). A
  // trampoline keeps that iterative, so a long abandoned chain cannot overflow the stack.
  thread_local Core* pending = nullptr;
  thread_local bool active = false;
  if (active) {
    c->nextDead_ = pending;
    pending = c;
    return;
  }
  active = true;
  c->dispose_(c);
  while (pending != nullptr) {
    Core* next = pending;
    pending = next->nextDead_;
    next->dispose_(next);
  }
  active = false;
}

void* Core::allocEntry(std::size_t size, std::size_t align, bool& heap) {
  std::size_t offset = (arenaUsed_ + align - 1) & ~(align - 1);
  if (offset + size <= kArenaSize) {
    arenaUsed_ = static_cast<std::uint16_t>(offset + size);
    heap = false;
    return arena_ + offset;
  }
  heap = true;
  return ::operator new(size);
}

void Core::freeEntry(Entry* e) noexcept {
  if (Core* t = std::exchange(e->target, nullptr)) {
    if (t->chainedTo_ == this) t->chainedTo_ = nullptr;
    t->release();
  }
  bool heap = e->onHeap;
  e->destroy(e);
  if (heap) ::operator delete(e);
  // Reclaim the arena once nothing queued lives in it (the entry that was running is gone).
  if (head_ == nullptr) arenaUsed_ = arenaBase_;
}

Entry* Core::popEntry() noexcept {
  Entry* e = head_;
  if (e != nullptr) {
    head_ = e->next;
    if (head_ == nullptr) tail_ = nullptr;
    e->next = nullptr;
  }
  return e;
}

void Core::appendNoRun(Entry* e) noexcept {
  if (tail_ == nullptr) {
    head_ = tail_ = e;
  } else {
    tail_->next = e;
    tail_ = e;
  }
}

Entry* Core::makeLink(Entry::Kind kind, Core* target) {
  bool heap = false;
  void* mem = allocEntry(sizeof(Entry), alignof(Entry), heap);
  auto* e = ::new (mem) Entry();
  e->kind = kind;
  e->onHeap = heap;
  e->destroy = [](Entry* x) noexcept { x->~Entry(); };
  e->target = target;
  target->addRef();
  return e;
}

bool Core::beginFire() {
  if (called_) {
    if (suppressAlreadyCalled_) {
      suppressAlreadyCalled_ = false;
      return false;
    }
    throw error::AlreadyCalledError();
  }
  called_ = true;
  if (canceller_ != nullptr) freeEntry(std::exchange(canceller_, nullptr));
  return true;
}

bool Core::tryBeginFire() noexcept {
  if (called_) {
    suppressAlreadyCalled_ = false;
    return false;
  }
  called_ = true;
  if (canceller_ != nullptr) freeEntry(std::exchange(canceller_, nullptr));
  return true;
}

void Core::errback(Failure f) {
  if (!beginFire()) return;
  setFailure(std::move(f));
  runCallbacks();
}

void Core::setReturned(Core* inner, TypeTag tag) {
  (void)tag;  // checked by the typed caller before it gave up its handle
  if (returned_ != nullptr) returned_->release();
  returned_ = inner;
  value_.reset();
  failure_.reset();
  valueTag_ = typeTag<void>();
}

void Core::takeResultFrom(Core& src) noexcept {
  if (src.failure_.has_value()) {
    setFailure(std::move(*src.failure_));
    src.failure_.reset();
  } else {
    failure_.reset();
    src.value_.moveTo(value_);
    valueTag_ = src.valueTag_;
  }
  src.valueTag_ = typeTag<void>();
}

void Core::unpause() {
  if (paused_ == 0) return;
  if (--paused_ == 0 && called_) runCallbacks();
}

void Core::cancel() {
  Hold hold(this);
  if (!called_) {
    if (canceller_ != nullptr) {
      Entry* c = std::exchange(canceller_, nullptr);
      try {
        c->run(c, *this);
      } catch (...) {
        freeEntry(c);
        throw;
      }
      freeEntry(c);
    } else {
      // Twisted: without a canceller, one late callback()/errback() is ignored (DEF-19).
      suppressAlreadyCalled_ = true;
    }
    if (!called_) errback(Failure(error::CancelledError()));
  } else if (chainedTo_ != nullptr) {
    chainedTo_->cancel();  // waiting on an inner Deferred: cancel that one instead
  }
}

// Runs one callback entry of the current Deferred. Returns false when the callback
// returned a Deferred that has no result yet: this Deferred then pauses and waits on it.
bool Core::runOne(Entry* e) {
  running_ = true;
  e->run(e, *this);  // runners catch everything and store it as the result
  running_ = false;
  freeEntry(e);
  Core* inner = std::exchange(returned_, nullptr);
  if (inner == nullptr) return true;
  if (inner == this) {
    inner->release();
    setFailure(Failure(error::RuntimeError(
        "Callback returned the Deferred it was attached to; this breaks the callback chain")));
    return true;
  }
  if (inner->called_ && inner->paused_ == 0 && !inner->running_ && inner->head_ == nullptr) {
    // The inner one has its result: take it now, leaving it None (DEF-09).
    takeResultFrom(*inner);
    inner->tailTag_ = typeTag<void>();
    inner->release();
    return true;
  }
  ++paused_;
  chainedTo_ = inner;
  Entry* link;
  try {
    link = inner->makeLink(Entry::Kind::kContinue, this);
  } catch (...) {
    --paused_;
    chainedTo_ = nullptr;
    inner->release();
    setFailure(Failure::current());
    return true;
  }
  inner->appendNoRun(link);
  inner->tailTag_ = typeTag<void>();
  inner->release();
  return false;
}

void ChainRunner::run(ChainRunner& chain) {
  while (!chain.empty()) {
    Core* cur = chain.top();
    if (cur->paused_ > 0) {
      // It will not produce a result until unpaused; whoever fed it is done with it.
      chain.popRelease();
      continue;
    }
    bool finished = true;
    cur->chainedTo_ = nullptr;
    while (Entry* e = cur->popEntry()) {
      if (e->kind == Entry::Kind::kCall) {
        if (!cur->runOne(e)) break;
        continue;
      }
      Entry::Kind kind = e->kind;
      Core* target = std::exchange(e->target, nullptr);  // our reference now
      cur->freeEntry(e);
      if (kind == Entry::Kind::kContinue) {
        target->takeResultFrom(*cur);
        --target->paused_;
      } else if (target->called_) {  // chainDeferred into a Deferred that already fired
        if (target->suppressAlreadyCalled_) {
          target->suppressAlreadyCalled_ = false;
          cur->failure_.reset();
          cur->value_.reset();
          cur->valueTag_ = typeTag<void>();
        } else {
          cur->setFailure(Failure(error::AlreadyCalledError()));
        }
        target->release();
        continue;
      } else {
        target->called_ = true;
        if (target->canceller_ != nullptr) {
          target->freeEntry(std::exchange(target->canceller_, nullptr));
        }
        target->takeResultFrom(*cur);
      }
      chain.push(target);
      finished = false;
      break;
    }
    if (finished) chain.popRelease();
  }
}

void Core::runCallbacks() {
  if (running_) return;  // a callback of ours is on the stack: it will get to the new entries
  ChainRunner chain;
  addRef();
  chain.push(this);
  ChainRunner::run(chain);
}

}  // namespace weft::detail
