// Clock: task.Clock over a TimerQueue, stepping with runNext() as Twisted's advance() does.
#include "weft/testing/clock.h"

#include "weft/base/error.h"

#include <cmath>

namespace weft::testing {

Clock::Clock() {
  queue_.setTimeSource([this] { return now_; });
}

void Clock::advance(Seconds amount) {
  if (std::isnan(amount.count())) throw error::ValueError("Clock.advance: amount is not a number");
  now_ += amount.count();
  while (queue_.runNext(now_)) {
  }
}

void Clock::pump(std::span<const double> timings) {
  for (double t : timings) advance(t);
}

std::vector<DelayedCallPtr> Clock::getDelayedCalls() const { return queue_.pending(); }

void Clock::cancelCallLater(const DelayedCallPtr& call) {
  if (!call || !queue_.owns(*call)) {
    throw error::ValueError("cancelCallLater: not a pending call of this clock");
  }
  call->cancel();
}

DelayedCallPtr Clock::scheduleCall(Seconds delay, Function<void()> f) {
  double d = delay.count();
  if (!(d >= 0.0)) {
    throw error::ValueError(std::isnan(d) ? "callLater: the delay is not a number"
                                          : "callLater: negative delay");
  }
  return queue_.schedule(now_, now_ + d, std::move(f));
}

}  // namespace weft::testing
