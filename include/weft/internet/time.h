// IReactorTime and IDelayedCall (seed: interfaces.IReactorTime, IDelayedCall), the concrete
// DelayedCall, and TimerQueue: the timer store that both the real reactor and the test
// kit's Clock are built on. Thread affinity: the reactor thread only.
#pragma once

#include "weft/base/function.h"
#include "weft/base/rc.h"
#include "weft/base/time.h"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace weft {

class TimerQueue;

// A call scheduled with callLater. Seed: IDelayedCall.
class IDelayedCall {
 public:
  virtual ~IDelayedCall() = default;
  // The time at which the call is scheduled to run, in the reactor's seconds().
  virtual double getTime() const = 0;
  // Unschedules the call. Throws error::AlreadyCalled if it has run (or is running),
  // error::AlreadyCancelled if it was already cancelled.
  virtual void cancel() = 0;
  // Moves the due time later by secondsLater. Same errors as cancel().
  virtual void delay(Seconds secondsLater) = 0;
  // Reschedules the call to run secondsFromNow after the current time. Same errors.
  virtual void reset(Seconds secondsFromNow) = 0;
  // True until the call has run or been cancelled.
  virtual bool active() const = 0;
};

namespace detail {
struct TimerPool;  // node memory of one TimerQueue (src/internet/timer_queue_pool.h)
}

// The concrete delayed call. Owned jointly (intrusive, non-atomic count) by its TimerQueue
// while pending and by every DelayedCallPtr a caller keeps, so cancel() after firing can
// still answer AlreadyCalled. Dropping every DelayedCallPtr does not cancel a pending call.
// The node lives in its queue's pool; it may outlive the queue (the pool then stays until
// the last node goes). Once its queue is gone a pending call never runs; cancel() still
// works, delay() moves the time, reset() has no clock left and only checks the state.
// Thread affinity: the thread of its queue.
class DelayedCall final : public IDelayedCall {
 public:
  enum class State : std::uint8_t { kPending, kRunning, kCalled, kCancelled };

  double getTime() const override { return time_; }
  // Throws AlreadyCalled when running or run (the state changes before the function is
  // invoked, so a call cancelling itself gets AlreadyCalled), AlreadyCancelled when
  // cancelled. Releases the stored function (and what it captured) at once.
  void cancel() override;
  // Adds secondsLater (negative moves it sooner) to the due time. Same errors as cancel(),
  // ValueError for NaN. Changed during a pass, the call waits for the next pass.
  void delay(Seconds secondsLater) override;
  // Due time becomes the owner's seconds() + secondsFromNow, earlier or later. Same errors.
  void reset(Seconds secondsFromNow) override;
  // Twisted-style float seconds: call->delay(2), call->reset(0.5).
  void delay(double secondsLater) { delay(Seconds(secondsLater)); }
  void reset(double secondsFromNow) { reset(Seconds(secondsFromNow)); }
  bool active() const override { return state() == State::kPending; }
  State state() const { return static_cast<State>(state_); }
  // Twisted's str(DelayedCall): id, seconds left, called/cancelled, state and due time,
  // e.g. "<DelayedCall 0x55d0c1a0 [2.5s] called=0 cancelled=0 pending time=12.5>".
  // Never throws (returns an empty string if even that fails).
  std::string str() const;
  // Twisted's repr(DelayedCall), which is its str() (TIME-18).
  std::string repr() const { return str(); }

  // Ordering by due time (ties by scheduling order); equality is identity.
  friend bool operator<(const DelayedCall& a, const DelayedCall& b) { return a.before(b); }
  friend bool operator>(const DelayedCall& a, const DelayedCall& b) { return b.before(a); }
  friend bool operator<=(const DelayedCall& a, const DelayedCall& b) { return !b.before(a); }
  friend bool operator>=(const DelayedCall& a, const DelayedCall& b) { return !a.before(b); }
  friend bool operator==(const DelayedCall& a, const DelayedCall& b) { return &a == &b; }

  void incRef() noexcept { ++refs_; }
  void decRef() noexcept {
    if (--refs_ == 0) destroy();
  }

 private:
  friend class TimerQueue;
  static constexpr std::uint32_t kInNewCalls = 0x80000000u;  // heapIndex_ flag

  DelayedCall(detail::TimerPool* pool, double time, std::uint64_t seq, Function<void()>&& func)
      : time_(time), func_(std::move(func)), pool_(pool), seq_(seq), state_(0) {}
  bool before(const DelayedCall& o) const {
    return time_ < o.time_ || (time_ == o.time_ && seq_ < o.seq_);
  }
  void setState(State s) { state_ = static_cast<std::uint8_t>(s); }
  void checkActive() const;   // throws AlreadyCalled / AlreadyCancelled
  TimerQueue* queue() const;  // null once the queue is gone
  void destroy() noexcept;    // returns the node to its pool

  // 96 bytes on LP64: the members after func_ sit in Function's tail padding.
  double time_;
  [[no_unique_address]] Function<void()> func_;  // empty once run or cancelled
  detail::TimerPool* pool_;
  std::uint64_t seq_ : 56;
  std::uint64_t state_ : 8;      // a State
  std::uint32_t heapIndex_ = 0;  // slot in the heap, or kInNewCalls | slot in newCalls_
  std::uint32_t refs_ = 0;
};

using DelayedCallPtr = Rc<DelayedCall>;

// Seed: IReactorTime.
class IReactorTime {
 public:
  virtual ~IReactorTime() = default;

  // The current time in seconds (monotonic for the real reactor; 0 at start for Clock).
  virtual double seconds() const = 0;

  // Calls f(args...) once, delay seconds from now. The arguments are stored as decayed
  // copies (Python's *args). Throws error::ValueError for a negative delay. The call never
  // runs synchronously; calls due at the same time run in scheduling order.
  template <class F, class... A>
  requires(std::invocable<std::decay_t<F>&, std::decay_t<A>&...>) DelayedCallPtr
      callLater(Seconds delay, F&& f, A&&... args) {
    if constexpr (sizeof...(A) == 0) {
      return scheduleCall(delay, Function<void()>(std::forward<F>(f)));
    } else {
      return scheduleCall(delay,
                          [fn = std::forward<F>(f), ... a = std::forward<A>(args)]() mutable {
                            std::invoke(fn, a...);
                          });
    }
  }

  // Twisted-style float delay: callLater(0.5, f) and callLater(2, f, x).
  template <class F, class... A>
  requires(std::invocable<std::decay_t<F>&, std::decay_t<A>&...>) DelayedCallPtr
      callLater(double delay, F&& f, A&&... args) {
    return callLater(Seconds(delay), std::forward<F>(f), std::forward<A>(args)...);
  }

  // Every call that is scheduled and has not run or been cancelled.
  virtual std::vector<DelayedCallPtr> getDelayedCalls() const = 0;

  // Deprecated in the seed: cancels a call made by this reactor's callLater. Throws
  // error::ValueError if the call is not a pending call of this reactor.
  virtual void cancelCallLater(const DelayedCallPtr& call) = 0;

 protected:
  virtual DelayedCallPtr scheduleCall(Seconds delay, Function<void()> f) = 0;
};

// The timer store: a 4-ary min-heap of {time, DelayedCall*} ordered by (time, seq), each
// call knowing its heap slot, so cancel/reset/delay are O(log n) with no lazy deletion.
// Implements Twisted's rule that calls scheduled while due calls run wait for the next pass.
// DelayedCall nodes come from a pool owned by the queue (no malloc per call in the steady
// state). Thread affinity: one thread (the owner's).
class TimerQueue {
 public:
  TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  ~TimerQueue();  // releases pending calls (they become neither called nor runnable)

  // Schedules f at absolute time `when`. Throws error::ValueError if when < now (negative
  // delay) or is NaN, error::TypeError if f is empty.
  DelayedCallPtr schedule(double now, double when, Function<void()> f);
  // Runs every call due at or before now, in (time, seq) order. Calls scheduled (or whose
  // time changes) while this pass runs wait for the next pass. An exception escaping a call
  // is logged at error level and the pass goes on. Returns the number of calls run.
  // Destroying the queue from inside a call ends the pass safely.
  std::size_t runUntil(double now);
  // task.Clock's step: runs the earliest pending call if it is due at or before now and
  // returns true. Calls scheduled by earlier steps take part at once, and an exception
  // escaping the call propagates to the caller (the call counts as called).
  bool runNext(double now);
  // Due time of the earliest pending call, or a negative value when there is none.
  double nextTime() const;
  bool empty() const { return size_ == 0 && newCalls_.empty(); }
  std::size_t size() const { return size_ + newCalls_.size(); }
  // The pending calls, sorted by (time, seq).
  std::vector<DelayedCallPtr> pending() const;
  // True if call is a pending call of this queue.
  bool owns(const DelayedCall& call) const { return call.pool_ == pool_ && call.active(); }
  // Current time source used by reset(): seconds() of the owner. Set by the owner.
  void setTimeSource(Function<double()> now) { now_ = std::move(now); }

 private:
  friend class DelayedCall;
  struct Entry {
    double time;
    DelayedCall* call;
  };
  void remove(DelayedCall* call);  // takes it out of the heap or newCalls_ (keeps the ref)
  void update(DelayedCall* call, double time);  // sets its time and re-sifts
  double now() const { return now_ ? now_() : 0.0; }
  void push(DelayedCall* call);
  void removeAt(std::size_t i);
  void siftUp(std::size_t i, Entry e);
  void siftDown(std::size_t i, Entry e);
  void place(std::size_t i, Entry e) {
    heap_[i] = e;
    e.call->heapIndex_ = static_cast<std::uint32_t>(i);
  }
  void grow();
  void mergeNewCalls();
  void release(DelayedCall* call) noexcept;  // drops the queue's reference
  static void invoke(DelayedCall* call);     // runs it, leaves it called
  static void logFailure(const DelayedCall* call, const char* what);

  Entry* heap_ = nullptr;  // malloc'd so growth can use realloc (mremap for big heaps)
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::vector<DelayedCall*> newCalls_;  // scheduled during a pass: joined after it
  std::uint64_t nextSeq_ = 0;
  bool running_ = false;
  detail::TimerPool* pool_;
  mutable Function<double()> now_;
};

}  // namespace weft
