// twisted.internet.task: LoopingCall, deferLater and react.
//
// Every helper takes its clock or reactor by reference (no global reactor): a LoopingCall or
// deferLater runs on any IReactorTime, so tests drive them with weft::testing::Clock.
//
// Twisted -> weft:
//   LoopingCall(f, *a)                 LoopingCall(clock, f)  (bind arguments in a lambda)
//   LoopingCall.withCount(f)           LoopingCall::withCount(clock, f)  (f(int count))
//   lc.start(i, now=True) -> Deferred  lc.start(i, now) -> Deferred<LoopingCall*>  (fires with &lc)
//   lc.stop(), lc.reset()              lc.stop(), lc.reset()
//   lc.running, lc.interval, lc.call   lc.running(), lc.interval() / setInterval(), lc.call()
//   deferLater(clock, d, f, *a)        deferLater(clock, d, f, args...) -> Deferred<R>
//   deferLater(clock, d)               deferLater(clock, d) -> Deferred<void>
//   react(main, argv)                  return react(main);  (an exit code; nothing calls exit())
//   SystemExit(code)                   error::SystemExit(code)
// Thread affinity: the clock's (reactor's) thread only.
#pragma once

#include "weft/base/error.h"
#include "weft/base/function.h"
#include "weft/base/time.h"
#include "weft/defer/deferred.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/reactor.h"
#include "weft/internet/time.h"

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace weft {
namespace error {

// Python's SystemExit, for react(): a main whose Deferred fails with SystemExit(code) makes
// react() return code, without logging anything.
class SystemExit : public Error {
 public:
  explicit SystemExit(int code = 0) : Error("SystemExit: " + std::to_string(code)), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace error

// Calls a function every `interval` seconds on a clock (Seconds, Twisted's float seconds).
//
// f takes no argument (withCount: one int) and returns void, a Deferred<X> (the next call
// waits until it fires), std::optional<Deferred<X>> (nullopt: nothing to wait for), a
// Failure or an Outcome<X>; any other result is ignored. If f
// throws or its Deferred fails, the loop stops and the start() Deferred errbacks with that
// Failure. Calls are made at starttime + k * interval; when calls are missed (a slow f, a
// busy reactor), the next one goes to the next multiple that is still in the future.
//
// Owned by the user. Move-constructible (even while running: scheduled calls and f's
// Deferred follow it to its new address, and the start() Deferred fires with that
// address); not copyable or assignable. Destroying it cancels its pending call; a Deferred
// returned by f that fires afterwards is ignored, except that a failure still errbacks the
// start() Deferred (it is not dropped). The start() Deferred of a loop destroyed while
// running never fires. f may destroy the LoopingCall that calls it.
// Thread affinity: the clock's thread.
class LoopingCall {
 public:
  template <class F>
  requires(std::invocable<std::decay_t<F>&>) LoopingCall(IReactorTime& clock, F&& f)
      : LoopingCall(clock, wrap(std::forward<F>(f)), false) {}

  // A LoopingCall that calls f(count): the number of intervals that have elapsed since the
  // last call (1 on time; more when calls were skipped; never 0: a call that finds no new
  // interval is skipped). With interval 0 the count is always 1. Use it as
  //   auto lc = LoopingCall::withCount(clock, [](int n) { ... });
  template <class F>
  requires(std::invocable<std::decay_t<F>&, int>) static LoopingCall
      withCount(IReactorTime& clock, F&& f) {
    return LoopingCall(clock, wrapCount(std::forward<F>(f)), true);
  }

  LoopingCall(LoopingCall&& other) noexcept;
  LoopingCall(const LoopingCall&) = delete;
  LoopingCall& operator=(const LoopingCall&) = delete;
  LoopingCall& operator=(LoopingCall&&) = delete;
  ~LoopingCall();

  // Starts the loop: calls f now (now = true, synchronously, before start returns) or one
  // interval from now, then every interval. Returns a Deferred that fires with this
  // LoopingCall once the loop has stopped through stop(), or errbacks with f's Failure.
  // Throws error::AssertionError when already running, error::ValueError for a negative or
  // NaN interval. Interval 0 calls f again as soon as the clock runs its calls (each call
  // is a new callLater(0)).
  Deferred<LoopingCall*> start(Seconds interval, bool now = true);
  Deferred<LoopingCall*> start(double interval, bool now = true) {
    return start(Seconds(interval), now);
  }
  // Stops the loop: cancels the pending call and fires the start() Deferred with this. When
  // called while f runs, or while f's Deferred is pending, the start() Deferred fires once
  // f has finished instead (and no further call is made). Throws error::AssertionError when
  // not running.
  void stop();
  // Restarts the current interval from now: the pending call moves to now + interval and
  // later calls are multiples of the interval from now. Does nothing while f's Deferred is
  // pending. Throws error::AssertionError when not running.
  void reset();

  // Twisted's `running`: true from start() until stop() or a failure. A moved-from
  // LoopingCall is not running and may only be destroyed.
  bool running() const noexcept { return state_ == State::kScheduled || state_ == State::kCalling; }
  // Twisted's `interval`: the interval of the last start() (0 before any start).
  Seconds interval() const noexcept { return Seconds(interval_); }
  // Twisted's `lc.interval = x`: used from the next scheduling on. ValueError when negative.
  void setInterval(Seconds interval);
  // Twisted's `call`: the pending DelayedCall, or null (not running, or f is in progress).
  const DelayedCallPtr& call() const noexcept { return call_; }
  IReactorTime& clock() const noexcept { return clock_; }

 private:
  using Body = Function<std::optional<Deferred<void>>(int count)>;
  struct Shared;  // what scheduled calls and f's Deferred refer to (task_looping_call.cc)
  // kCalling: f runs or its Deferred is pending. kStopping: the same after stop().
  enum class State : std::uint8_t { kIdle, kScheduled, kCalling, kStopping };

  LoopingCall(IReactorTime& clock, Body body, bool withCount);

  template <class X>
  struct IsOptional : std::false_type {};
  template <class X>
  struct IsOptional<std::optional<X>> : std::true_type {};
  // Turns what f returned into the Body's result: nullopt when the call succeeded at once.
  template <class R>
  static std::optional<Deferred<void>> toDeferred(R&& r) {
    using X = std::remove_cvref_t<R>;
    if constexpr (std::is_same_v<X, Deferred<void>>) {
      return std::optional<Deferred<void>>(std::forward<R>(r));
    } else if constexpr (kIsDeferred<X>) {
      return X(std::forward<R>(r)).addCallback([](auto&&...) {});
    } else if constexpr (IsOptional<X>::value) {
      if (!r.has_value()) return std::nullopt;
      return toDeferred(*std::forward<R>(r));
    } else if constexpr (std::is_same_v<X, Failure>) {
      return fail<void>(std::forward<R>(r));
    } else if constexpr (kIsOutcome<X>) {
      if (!r.ok()) return fail<void>(r.failure());
      return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  template <class F>
  static Body wrap(F&& f) {
    return [fn = std::forward<F>(f)](int) mutable -> std::optional<Deferred<void>> {
      if constexpr (std::is_void_v<std::invoke_result_t<std::decay_t<F>&>>) {
        fn();
        return std::nullopt;
      } else {
        return toDeferred(fn());
      }
    };
  }
  template <class F>
  static Body wrapCount(F&& f) {
    return [fn = std::forward<F>(f)](int count) mutable -> std::optional<Deferred<void>> {
      if constexpr (std::is_void_v<std::invoke_result_t<std::decay_t<F>&, int>>) {
        fn(count);
        return std::nullopt;
      } else {
        return toDeferred(fn(count));
      }
    };
  }

  void runOnce();                     // Twisted's __call__
  void scheduleFrom(double when);     // Twisted's _scheduleFrom
  int countFor(double now);           // withCount's counter; 0 means "skip this call"
  double intervalOf(double t) const;  // Twisted's _intervalOf (truncated toward zero)
  static void finish(const std::shared_ptr<Shared>& shared, std::uint64_t run,
                     Deferred<LoopingCall*>& started, Outcome<void> result);

  IReactorTime& clock_;
  std::shared_ptr<Shared> shared_;  // null once moved from
  DelayedCallPtr call_;
  std::optional<Deferred<LoopingCall*>> deferred_;  // the current start() Deferred
  double interval_ = 0.0;
  double starttime_ = 0.0;
  std::optional<double> realLastTime_;  // withCount: when f was last called
  std::uint64_t run_ = 0;               // counts start() calls; tells a stale f result apart
  State state_ = State::kIdle;
  bool runAtStart_ = false;
  bool withCount_;
};

// A Deferred that fires with nothing (Twisted's None) after delay seconds on clock.
// Cancelling it before then cancels the delayed call and errbacks CancelledError.
// Throws error::ValueError for a negative delay.
Deferred<void> deferLater(IReactorTime& clock, Seconds delay);
inline Deferred<void> deferLater(IReactorTime& clock, double delay) {
  return deferLater(clock, Seconds(delay));
}

// Calls f(args...) after delay seconds (the arguments are stored as decayed copies) and
// fires with its result: R, or U when f returns Deferred<U> (the Deferred then waits for
// it). Errbacks if f throws. Cancelling it before the call is made cancels the delayed call
// (f never runs) and errbacks CancelledError.
template <class F, class... A>
requires(std::invocable<std::decay_t<F>&, std::decay_t<A>&...>) auto deferLater(IReactorTime& clock,
                                                                                Seconds delay,
                                                                                F&& f,
                                                                                A&&... args) {
  return deferLater(clock, delay)
      .addCallback([fn = std::forward<F>(f), ... a = std::forward<A>(args)]() mutable
                   -> std::invoke_result_t<std::decay_t<F>&, std::decay_t<A>&...> {
        return std::invoke(fn, a...);
      });
}
template <class F, class... A>
requires(std::invocable<std::decay_t<F>&, std::decay_t<A>&...>) auto deferLater(IReactorTime& clock,
                                                                                double delay, F&& f,
                                                                                A&&... args) {
  return deferLater(clock, Seconds(delay), std::forward<F>(f), std::forward<A>(args)...);
}

// Twisted's task.react: calls main(), runs reactor until main's Deferred fires, then stops
// the reactor (exactly once: not if something else has already begun its shutdown) and
// returns an exit code: 0 on success; the code of an error::SystemExit failure; 1 for any
// other failure, which is logged at error level ("main function encountered error").
// If the reactor stops before main's Deferred fires, returns 0. An exception escaping
// main() itself counts as its Deferred failing. Exceptions from reactor.run() propagate.
// Uses only IReactorCore, so any reactor (or a test double) runs it.
int react(IReactorCore& reactor, Function<Deferred<void>()> main, RunOptions options = {});

// The same, main receiving the reactor: react(*reactor, [](Reactor& r) { ... }).
inline int react(Reactor& reactor, Function<Deferred<void>(Reactor&)> main,
                 RunOptions options = {}) {
  return react(
      static_cast<IReactorCore&>(reactor),
      Function<Deferred<void>()>([&reactor, m = std::move(main)]() mutable { return m(reactor); }),
      options);
}

// The same on a reactor of its own, made with makeReactor(reactorOptions) and destroyed
// before returning. Typical use:
//   int main() { return weft::react([](weft::Reactor& r) -> weft::Deferred<void> { ... }); }
// Defined by the posix_reactor module (src/posix_reactor/react.cc).
int react(Function<Deferred<void>(Reactor&)> main, ReactorOptions reactorOptions = {},
          RunOptions options = {});

}  // namespace weft
