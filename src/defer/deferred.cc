// The non-template half of Deferred: the iterative callback runner (Twisted's
// _runCallbacks with its explicit `chain` stack), cancellation, core destruction, and the
// debugging aids (setDebugging, AlreadyCalledError details, repr).
#include "weft/defer/deferred.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/base/type_name.h"
#include "weft/defer/detail/deferred_core.h"

#include <charconv>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace weft {
namespace defer {

void setDebugging(bool on) noexcept {
  detail::gDeferDebugging.store(on, std::memory_order_relaxed);
}
bool getDebugging() noexcept { return detail::deferDebugging(); }

}  // namespace defer

namespace detail {

std::atomic<bool> gDeferDebugging{false};

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

namespace {

bool recorded(const std::source_location& w) noexcept { return w.line() != 0; }

// One " X: file:line in function" block of Twisted's debug tracebacks.
void appendSite(std::string& out, const char* mark, const char* title,
                const std::source_location& w) {
  out += ' ';
  out += mark;
  out += ": ";
  out += title;
  out += "\n ";
  out += mark;
  out += ": ";
  out += w.file_name();
  out += ':';
  out += std::to_string(w.line());
  out += " in ";
  out += w.function_name();
  out += '\n';
}

std::string hexAddress(const void* p) {
  char buf[2 + 2 * sizeof(std::uintptr_t)] = {'0', 'x'};
  auto r = std::to_chars(buf + 2, buf + sizeof(buf), reinterpret_cast<std::uintptr_t>(p), 16);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string reprString(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '\\' || ch == '\'') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += ch;
    }
  }
  out += '\'';
  return out;
}

std::string reprPrinted(void (*print)(std::ostream&, const void*), const void* value) {
  std::ostringstream os;
  os << std::boolalpha;
  print(os, value);
  return os.str();
}

std::string reprTypeName(const std::type_info& type) { return "<" + demangle(type) + " object>"; }

std::string Core::debugInfo() const {
  std::string out;
  if (recorded(creator_)) appendSite(out, "C", "Deferred was created:", creator_);
  if (recorded(invoker_)) appendSite(out, "I", "First Invoker was:", invoker_);
  return out;
}

std::string Core::repr() const {
  std::string out = "<Deferred at " + hexAddress(this);
  if (chainedTo_ != nullptr) {
    out += " waiting on Deferred at " + hexAddress(chainedTo_);
  } else if (called_) {
    out += " current result: ";
    if (failure_.has_value()) {
      out += failure_->repr();
    } else if (!value_.empty()) {
      out += value_.repr();
    } else {
      out += "None";
    }
  }
  out += '>';
  return out;
}

void Core::throwAlreadyCalled(std::source_location where) const {
  if (!deferDebugging()) throw error::AlreadyCalledError();
  // Twisted lists where the Deferred was created (C) and first fired (I); a C++ exception
  // carries no stack, so the second call (S) is named as well.
  std::string message = error::AlreadyCalledError().what();
  message += '\n';
  message += debugInfo();
  appendSite(message, "S", "Second Invoker was:", where);
  throw error::AlreadyCalledError(message);
}

Core::~Core() {
  if (failure_.has_value()) {
    try {
      std::string info = debugInfo();
      std::string text = "Unhandled error in Deferred:\n";
      if (!info.empty()) text += "(debug: " + info + ")\n";
      log::error(text + failure_->getTraceback());
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

bool Core::beginFire(std::source_location where) {
  if (called_) {
    if (suppressAlreadyCalled_) {
      suppressAlreadyCalled_ = false;
      return false;
    }
    throwAlreadyCalled(where);
  }
  called_ = true;
  if (deferDebugging()) invoker_ = where;
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

void Core::errback(Failure f, std::source_location where) {
  if (!beginFire(where)) return;
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

void Core::cancel(std::source_location where) {
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
    if (!called_) errback(Failure(error::CancelledError(), where), where);
  } else if (chainedTo_ != nullptr) {
    chainedTo_->cancel(where);  // waiting on an inner Deferred: cancel that one instead
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

}  // namespace detail
}  // namespace weft
