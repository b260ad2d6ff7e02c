// twisted.protocols.policies: TimeoutMixin.
#pragma once

#include "weft/base/time.h"
#include "weft/internet/time.h"

#include <optional>

namespace weft::protocols {

// Drops a connection that stays idle for too long. Mix it into a Protocol:
//
//   class Session : public Protocol, public TimeoutMixin {
//    public:
//     explicit Session(IReactorTime& clock) : TimeoutMixin(clock) {}
//     void connectionMade() override { setTimeout(30s); }
//     void dataReceived(std::string_view) override { resetTimeout(); ... }
//   };
//
// When the period passes without resetTimeout(), timeoutConnection() runs; by default it
// calls loseConnection() on the Protocol's transport. The clock is injected (the reactor,
// or a testing::Clock in tests). Thread affinity: the clock's thread.
class TimeoutMixin {
 public:
  explicit TimeoutMixin(IReactorTime& clock) : clock_(&clock) {}
  // Cancels the pending timeout (it refers to this object).
  virtual ~TimeoutMixin();
  TimeoutMixin(const TimeoutMixin&) = delete;
  TimeoutMixin& operator=(const TimeoutMixin&) = delete;

  // Sets the timeout period (nullopt: none) and returns the previous one. A pending timeout
  // is rescheduled to `period` from now, or cancelled for nullopt; when none is pending,
  // one is scheduled.
  std::optional<Seconds> setTimeout(std::optional<Seconds> period);
  std::optional<Seconds> setTimeout(double seconds) { return setTimeout(Seconds(seconds)); }
  // Restarts the countdown (call it whenever there is activity). Does nothing when no
  // timeout is pending.
  void resetTimeout();
  // Twisted's `timeOut` attribute: the current period, nullopt when none is set.
  std::optional<Seconds> timeOut() const { return timeOut_; }
  // The pending timeout call, if any.
  const DelayedCallPtr& timeoutCall() const { return call_; }
  IReactorTime& clock() const { return *clock_; }

  // The connection timed out. The default loses the connection when this object is a
  // Protocol with a transport.
  virtual void timeoutConnection();

 private:
  void timedOut();

  IReactorTime* clock_;
  std::optional<Seconds> timeOut_;
  DelayedCallPtr call_;
};

}  // namespace weft::protocols
