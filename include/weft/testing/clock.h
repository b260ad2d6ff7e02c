// weft::testing::Clock: twisted.internet.task.Clock, a deterministic IReactorTime for tests.
// Time starts at 0 and moves only when the test calls advance() or pump().
//
// Like Twisted's Clock, advance(n) adds n to the time and then runs, one at a time and in
// (time, scheduling) order, every call due at or before the new time, re-checking after
// each: a call scheduled or reset by a running call takes part at once if it is due,
// so a callLater(0) made inside a call runs within the same advance() (Twisted's loop is
// `while calls and calls[0].getTime() <= seconds()`). An exception escaping a call
// propagates out of advance() as in Twisted; the calls still due stay pending and run on
// the next advance(). This differs from the reactor's TimerQueue::runUntil, which logs the
// exception and holds calls scheduled during a pass for the next pass.
// Thread affinity: one thread (the test's).
#pragma once

#include "weft/internet/time.h"

#include <initializer_list>
#include <span>
#include <vector>

namespace weft::testing {

class Clock final : public IReactorTime {
 public:
  Clock();
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  double seconds() const override { return now_; }

  // Moves time forward by amount and runs every call due at or before the new time.
  // Throws error::ValueError for NaN (as in Twisted, a negative amount is accepted).
  void advance(Seconds amount);
  void advance(double amount) { advance(Seconds(amount)); }
  // advance(t) for each t in turn, running the calls due at each step.
  void pump(std::span<const double> timings);
  void pump(std::initializer_list<double> timings) {
    pump(std::span<const double>(timings.begin(), timings.size()));
  }

  // The pending calls, earliest first.
  std::vector<DelayedCallPtr> getDelayedCalls() const override;
  // Throws error::ValueError unless call is a pending call of this clock.
  void cancelCallLater(const DelayedCallPtr& call) override;

 protected:
  // Throws error::ValueError for a negative or NaN delay.
  DelayedCallPtr scheduleCall(Seconds delay, Function<void()> f) override;

 private:
  double now_ = 0.0;
  TimerQueue queue_;
};

}  // namespace weft::testing
