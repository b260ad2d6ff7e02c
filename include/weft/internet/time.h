// IReactorTime and IDelayedCall (seed: interfaces.IReactorTime, IDelayedCall), the concrete
// DelayedCall, and TimerQueue: the timer store that both the real reactor and the test
// kit's Clock are built on. Thread affinity: the reactor thread only.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "weft/base/function.h"
#include "weft/base/rc.h"
#include "weft/base/time.h"

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

// The concrete delayed call. Owned jointly (intrusive, non-atomic count) by its TimerQueue
// while pending and by every DelayedCallPtr a caller keeps, so cancel() after firing can
// still answer AlreadyCalled.
class DelayedCall final : public IDelayedCall {
 public:
  enum class State : std::uint8_t { kPending, kRunning, kCalled, kCancelled };

  double getTime() const override { return time_; }
  void cancel() override;
  void delay(Seconds secondsLater) override;
  void reset(Seconds secondsFromNow) override;
  bool active() const override { return state_ == State::kPending; }
  State state() const { return state_; }
  // Twisted's str(DelayedCall): id, state, due time. Never throws.
  std::string str() const;

  // Ordering by due time (ties by scheduling order); equality is identity.
  friend bool operator<(const DelayedCall& a, const DelayedCall& b) { return a.before(b); }
  friend bool operator>(const DelayedCall& a, const DelayedCall& b) { return b.before(a); }
  friend bool operator<=(const DelayedCall& a, const DelayedCall& b) { return !b.before(a); }
  friend bool operator>=(const DelayedCall& a, const DelayedCall& b) { return !a.before(b); }

  void incRef() noexcept { ++refs_; }
  void decRef() noexcept {
    if (--refs_ == 0) delete this;
  }

 private:
  friend class TimerQueue;
  DelayedCall(TimerQueue* queue, double time, std::uint64_t seq, Function<void()> func)
      : func_(std::move(func)), queue_(queue), time_(time), seq_(seq) {}
  bool before(const DelayedCall& o) const {
    return time_ < o.time_ || (time_ == o.time_ && seq_ < o.seq_);
  }

  Function<void()> func_;
  TimerQueue* queue_;  // null once the call has left its queue for good
  double time_;
  std::uint64_t seq_;
  std::uint32_t heapIndex_ = 0;
  std::uint32_t refs_ = 0;
  State state_ = State::kPending;
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
    requires std::invocable<std::decay_t<F>&, std::decay_t<A>&...>
  DelayedCallPtr callLater(Seconds delay, F&& f, A&&... args) {
    if constexpr (sizeof...(A) == 0) {
      return scheduleCall(delay, Function<void()>(std::forward<F>(f)));
    } else {
      return scheduleCall(delay, [fn = std::forward<F>(f), ... a = std::forward<A>(args)]() mutable {
        std::invoke(fn, a...);
      });
    }
  }

  // Every call that is scheduled and has not run or been cancelled.
  virtual std::vector<DelayedCallPtr> getDelayedCalls() const = 0;

  // Deprecated in the seed: cancels a call made by this reactor's callLater. Throws
  // error::ValueError if the call is not a pending call of this reactor.
  virtual void cancelCallLater(const DelayedCallPtr& call) = 0;

 protected:
  virtual DelayedCallPtr scheduleCall(Seconds delay, Function<void()> f) = 0;
};

// The timer store: a 4-ary min-heap of DelayedCall* ordered by (time, seq), each call
// knowing its heap index, so cancel/reset/delay are O(log n) with no lazy deletion.
// Implements Twisted's rule that calls scheduled while due calls run wait for the next pass.
class TimerQueue {
 public:
  TimerQueue() = default;
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  ~TimerQueue();  // releases pending calls (they become neither called nor runnable)

  // Schedules f at absolute time `when`. Throws error::ValueError if when < now (negative
  // delay) or is NaN.
  DelayedCallPtr schedule(double now, double when, Function<void()> f);
  // Runs every call due at or before now, in (time, seq) order. Calls scheduled (or reset
  // to be due) while this pass runs wait for the next pass. An exception escaping a call
  // is logged at error level and the pass goes on. Returns the number of calls run.
  std::size_t runUntil(double now);
  // Due time of the earliest pending call, or a negative value when there is none.
  double nextTime() const;
  bool empty() const;
  std::size_t size() const;
  std::vector<DelayedCallPtr> pending() const;
  bool owns(const DelayedCall& call) const { return call.queue_ == this; }
  // Current time source used by reset(): seconds() of the owner. Set by the owner.
  void setTimeSource(Function<double()> now) { now_ = std::move(now); }

 private:
  friend class DelayedCall;
  void remove(DelayedCall* call);
  void update(DelayedCall* call);  // re-sift after its time changed
  double now() { return now_ ? now_() : 0.0; }

  std::vector<DelayedCall*> heap_;        // each holds one reference
  std::vector<DelayedCall*> newCalls_;    // scheduled during a pass: joined after it
  std::uint64_t nextSeq_ = 0;
  bool running_ = false;
  Function<double()> now_;
};

}  // namespace weft
