// TimerQueue: a 4-ary min-heap of {time, call} with each call's slot stored in the call,
// plus the list of calls made during a pass (Twisted's _newTimedCalls).
#include "internet/timer_queue_pool.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/internet/time.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <utility>

namespace weft {
namespace {

constexpr std::size_t kArity = 4;

// (time, seq) order; the seq is read from the node only on a tie.
inline bool earlier(double ta, const DelayedCall* a, double tb, const DelayedCall* b) {
  return ta < tb || (ta == tb && *a < *b);
}

}  // namespace

TimerQueue::TimerQueue() : pool_(new detail::TimerPool(this)) {}

TimerQueue::~TimerQueue() {
  pool_->queue = nullptr;  // from now on the calls are orphans
  // Releasing a function may run destructors that touch other calls of this queue (cancel
  // them, even schedule): detach everything first, then release, until nothing is left.
  while (size_ > 0 || !newCalls_.empty()) {
    std::vector<DelayedCall*> calls(std::move(newCalls_));
    newCalls_.clear();
    for (std::size_t i = 0; i < size_; ++i) calls.push_back(heap_[i].call);
    size_ = 0;
    for (DelayedCall* c : calls) c->func_.reset();
    for (DelayedCall* c : calls) c->decRef();
  }
  std::free(heap_);
  pool_->unref();
}

DelayedCallPtr TimerQueue::schedule(double now, double when, Function<void()> f) {
  if (!(when >= now)) {
    throw error::ValueError(std::isnan(when) ? "callLater: the due time is not a number"
                                             : "callLater: negative delay");
  }
  if (!f) throw error::TypeError("callLater: the function is empty");
  // Make room first so that nothing below can throw once the node exists.
  if (running_) {
    newCalls_.reserve(newCalls_.size() + 1);
  } else if (size_ == capacity_) {
    grow();
  }
  auto* call = new (pool_->allocate()) DelayedCall(pool_, when, nextSeq_++, std::move(f));
  call->refs_ = 1;  // the queue's
  push(call);
  return DelayedCallPtr(call);
}

void TimerQueue::push(DelayedCall* call) {
  if (running_) {
    call->heapIndex_ = DelayedCall::kInNewCalls | static_cast<std::uint32_t>(newCalls_.size());
    newCalls_.push_back(call);
    return;
  }
  if (size_ == capacity_) grow();
  siftUp(size_++, Entry{call->time_, call});
}

void TimerQueue::grow() {
  std::size_t cap = capacity_ == 0 ? 64 : capacity_ * 2;
  if (cap > DelayedCall::kInNewCalls) throw std::bad_alloc();
  // realloc: Entry is trivially copyable, and glibc grows a big (mmap'd) block with mremap
  // instead of copying it and keeping the old block's pages around.
  void* p = std::realloc(heap_, cap * sizeof(Entry));
  if (p == nullptr) throw std::bad_alloc();
  heap_ = static_cast<Entry*>(p);
  capacity_ = cap;
}

void TimerQueue::siftUp(std::size_t i, Entry e) {
  while (i > 0) {
    std::size_t parent = (i - 1) / kArity;
    if (!earlier(e.time, e.call, heap_[parent].time, heap_[parent].call)) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, e);
}

void TimerQueue::siftDown(std::size_t i, Entry e) {
  for (;;) {
    std::size_t first = i * kArity + 1;
    if (first >= size_) break;
    std::size_t last = std::min(first + kArity, size_);
    std::size_t best = first;
    for (std::size_t c = first + 1; c < last; ++c) {
      if (earlier(heap_[c].time, heap_[c].call, heap_[best].time, heap_[best].call)) best = c;
    }
    if (!earlier(heap_[best].time, heap_[best].call, e.time, e.call)) break;
    place(i, heap_[best]);
    i = best;
  }
  place(i, e);
}

void TimerQueue::removeAt(std::size_t i) {
  Entry moved = heap_[--size_];
  if (i == size_) return;
  if (i > 0) {
    const Entry& parent = heap_[(i - 1) / kArity];
    if (earlier(moved.time, moved.call, parent.time, parent.call)) {
      siftUp(i, moved);
      return;
    }
  }
  siftDown(i, moved);
}

void TimerQueue::remove(DelayedCall* call) {
  std::uint32_t index = call->heapIndex_;
  if ((index & DelayedCall::kInNewCalls) == 0) {
    removeAt(index);
    return;
  }
  index &= ~DelayedCall::kInNewCalls;
  DelayedCall* last = newCalls_.back();
  newCalls_.pop_back();
  if (last != call) {
    newCalls_[index] = last;
    last->heapIndex_ = DelayedCall::kInNewCalls | index;
  }
}

void TimerQueue::update(DelayedCall* call, double time) {
  if ((call->heapIndex_ & DelayedCall::kInNewCalls) != 0) {
    call->time_ = time;  // keyed when it joins the heap
    return;
  }
  if (running_) {
    // Twisted defers a call whose time changes during a pass to the next pass.
    newCalls_.reserve(newCalls_.size() + 1);  // the only step that can throw
    call->time_ = time;
    removeAt(call->heapIndex_);
    push(call);
    return;
  }
  call->time_ = time;
  std::size_t i = call->heapIndex_;
  Entry e{time, call};
  if (i > 0 && earlier(time, call, heap_[(i - 1) / kArity].time, heap_[(i - 1) / kArity].call)) {
    siftUp(i, e);
  } else {
    siftDown(i, e);
  }
}

void TimerQueue::mergeNewCalls() {
  if (newCalls_.empty()) return;
  while (capacity_ < size_ + newCalls_.size()) grow();  // then nothing below throws
  for (DelayedCall* c : newCalls_) siftUp(size_++, Entry{c->time_, c});
  newCalls_.clear();
}

void TimerQueue::release(DelayedCall* call) noexcept { call->decRef(); }

void TimerQueue::invoke(DelayedCall* call) {
  // Twisted sets `called` before calling, so cancel() from inside answers AlreadyCalled.
  call->setState(DelayedCall::State::kRunning);
  struct Done {
    DelayedCall* call;
    ~Done() {
      call->setState(DelayedCall::State::kCalled);
      call->func_.reset();
    }
  } done{call};
  call->func_();
}

std::size_t TimerQueue::runUntil(double now) {
  mergeNewCalls();
  // Restores the outer state when the pass ends. The pass holds a reference on the pool,
  // which outlives the queue: pool->queue turns null if a call destroys the queue.
  struct Pass {
    detail::TimerPool* pool;
    bool wasRunning;
    explicit Pass(TimerQueue* q) : pool(q->pool_), wasRunning(std::exchange(q->running_, true)) {
      ++pool->refs;
    }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    ~Pass() {
      if (pool->queue != nullptr) pool->queue->running_ = wasRunning;
      pool->unref();
    }
    bool queueAlive() const { return pool->queue != nullptr; }
  } pass(this);
  std::size_t ran = 0;
  while (size_ > 0 && heap_[0].time <= now) {
    DelayedCall* call = heap_[0].call;
    removeAt(0);
    try {
      invoke(call);
    } catch (const std::exception& e) {
      logFailure(call, e.what());
    } catch (...) {
      logFailure(call, "unknown exception");
    }
    release(call);
    ++ran;
    if (!pass.queueAlive()) return ran;  // the call destroyed the queue
  }
  if (!pass.wasRunning) {
    running_ = false;
    mergeNewCalls();  // the outermost pass is over: its new calls join the heap now
  }
  return ran;
}

void TimerQueue::logFailure(const DelayedCall* call, const char* what) {
  log::error("Unhandled error in timed call " + call->str() + ": " + what);
}

bool TimerQueue::runNext(double now) {
  if (!running_) mergeNewCalls();
  if (size_ == 0 || heap_[0].time > now) return false;
  DelayedCall* call = heap_[0].call;
  removeAt(0);
  struct Release {
    DelayedCall* call;
    ~Release() { call->decRef(); }
  } releaseLater{call};
  invoke(call);
  return true;
}

double TimerQueue::nextTime() const {
  bool found = size_ > 0;
  double t = found ? heap_[0].time : -1.0;
  for (const DelayedCall* c : newCalls_) {
    if (!found || c->time_ < t) t = c->time_;
    found = true;
  }
  return t;
}

std::vector<DelayedCallPtr> TimerQueue::pending() const {
  std::vector<DelayedCall*> calls(newCalls_);
  calls.reserve(size());
  for (std::size_t i = 0; i < size_; ++i) calls.push_back(heap_[i].call);
  std::sort(calls.begin(), calls.end(),
            [](const DelayedCall* a, const DelayedCall* b) { return *a < *b; });
  return std::vector<DelayedCallPtr>(calls.begin(), calls.end());
}

}  // namespace weft
