// LoopingCall: Twisted's task.LoopingCall, with its scheduling arithmetic kept exactly
// (_scheduleFrom, _intervalOf and withCount's counter), since the withCount tests depend on
// how the floating-point boundaries round.
#include "weft/base/error.h"
#include "weft/internet/task.h"

#include <climits>
#include <cmath>
#include <exception>
#include <memory>
#include <utility>

namespace weft {

// Outlives the LoopingCall while a scheduled call or f's Deferred still refers to it: self
// is null once the LoopingCall is gone. The body lives here so that f may destroy the
// LoopingCall that is calling it.
struct LoopingCall::Shared {
  LoopingCall* self;
  Body body;
};

namespace {

// Python's float %: the result has the sign of the divisor.
double pythonMod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) r += b;
  return r;
}

}  // namespace

LoopingCall::LoopingCall(IReactorTime& clock, Body body, bool withCount)
    : clock_(clock),
      shared_(std::make_shared<Shared>(Shared{this, std::move(body)})),
      withCount_(withCount) {}

LoopingCall::LoopingCall(LoopingCall&& other) noexcept
    : clock_(other.clock_),
      shared_(std::move(other.shared_)),
      call_(std::move(other.call_)),
      deferred_(std::move(other.deferred_)),
      interval_(other.interval_),
      starttime_(other.starttime_),
      realLastTime_(other.realLastTime_),
      run_(other.run_),
      state_(std::exchange(other.state_, State::kIdle)),
      runAtStart_(other.runAtStart_),
      withCount_(other.withCount_) {
  other.deferred_.reset();
  other.call_ = nullptr;
  shared_->self = this;
}

LoopingCall::~LoopingCall() {
  if (!shared_) return;  // moved from
  shared_->self = nullptr;
  if (call_ && call_->active()) call_->cancel();
}

Deferred<LoopingCall*> LoopingCall::start(Seconds interval, bool now) {
  if (running()) throw error::AssertionError("Tried to start an already running LoopingCall.");
  double i = interval.count();
  if (!(i >= 0.0)) throw error::ValueError("interval must be >= 0");
  Deferred<LoopingCall*> d;
  // A loop stopped while f's Deferred is pending may start again at once; the pending
  // result then belongs to the old run (see finish()).
  ++run_;
  deferred_ = d;
  starttime_ = clock_.seconds();
  interval_ = i;
  runAtStart_ = now;
  // Unlike Twisted (which keeps it from the previous run), withCount counts from this start.
  realLastTime_.reset();
  state_ = State::kCalling;
  if (now) {
    runOnce();
  } else {
    try {
      scheduleFrom(starttime_);
    } catch (...) {
      state_ = State::kIdle;
      deferred_.reset();
      throw;
    }
  }
  return d;
}

void LoopingCall::stop() {
  if (!running()) throw error::AssertionError("Tried to stop a LoopingCall that was not running.");
  if (state_ == State::kCalling) {
    state_ = State::kStopping;  // finish() fires the Deferred when f is done
    return;
  }
  if (call_ && call_->active()) call_->cancel();
  call_ = nullptr;
  state_ = State::kIdle;
  Deferred<LoopingCall*> d = std::move(*deferred_);
  deferred_.reset();
  d.callback(this);
}

void LoopingCall::reset() {
  if (!running()) throw error::AssertionError("Tried to reset a LoopingCall that was not running.");
  if (state_ != State::kScheduled) return;
  if (call_ && call_->active()) call_->cancel();
  call_ = nullptr;
  starttime_ = clock_.seconds();
  scheduleFrom(starttime_);
}

void LoopingCall::setInterval(Seconds interval) {
  double i = interval.count();
  if (!(i >= 0.0)) throw error::ValueError("interval must be >= 0");
  interval_ = i;
}

void LoopingCall::runOnce() {
  // f may destroy *this: everything used after it returns is held here.
  std::shared_ptr<Shared> shared = shared_;
  std::uint64_t run = run_;
  Deferred<LoopingCall*> started = *deferred_;
  call_ = nullptr;
  state_ = State::kCalling;

  std::optional<Deferred<void>> d;
  try {
    int count = 1;
    if (withCount_) count = countFor(clock_.seconds());
    if (count > 0) d = shared->body(count);
  } catch (...) {
    d = fail<void>(Failure::current());
  }
  if (!d) {
    finish(shared, run, started, Outcome<void>());
    return;
  }
  static_cast<void>(
      d->addBoth([shared, run, started = std::move(started)](Outcome<void> result) mutable {
        finish(shared, run, started, std::move(result));
      }));
}

void LoopingCall::finish(const std::shared_ptr<Shared>& shared, std::uint64_t run,
                         Deferred<LoopingCall*>& started, Outcome<void> result) {
  LoopingCall* self = shared->self;
  bool current = self != nullptr && self->run_ == run &&
                 (self->state_ == State::kCalling || self->state_ == State::kStopping);
  if (!result.ok()) {
    if (current) {
      self->state_ = State::kIdle;
      self->deferred_.reset();
    }
    started.errback(std::move(result).failure());
    return;
  }
  if (self == nullptr) return;  // destroyed: there is no LoopingCall to fire with
  if (current && self->state_ == State::kCalling) {
    try {
      self->scheduleFrom(self->clock_.seconds());
    } catch (...) {  // the clock refused the call: the loop ends with that failure
      self->state_ = State::kIdle;
      self->deferred_.reset();
      started.errback(Failure::current());
    }
    return;
  }
  if (current) {
    self->state_ = State::kIdle;
    self->deferred_.reset();
  }
  started.callback(self);
}

void LoopingCall::scheduleFrom(double when) {
  double delay = 0.0;
  if (interval_ != 0.0) {
    double runningFor = when - starttime_;
    double untilNextInterval = interval_ - pythonMod(runningFor, interval_);
    // Rounding can leave a step too small to move `when`: wait a whole interval instead.
    delay = (when == when + untilNextInterval) ? interval_ : untilNextInterval;
  }
  call_ = clock_.callLater(Seconds(delay), [shared = shared_] {
    if (shared->self != nullptr) shared->self->runOnce();
  });
  state_ = State::kScheduled;
}

double LoopingCall::intervalOf(double t) const { return std::trunc((t - starttime_) / interval_); }

int LoopingCall::countFor(double now) {
  if (interval_ == 0.0) {
    realLastTime_ = now;
    return 1;
  }
  double lastTime = starttime_;
  if (realLastTime_) {
    lastTime = *realLastTime_;
  } else if (runAtStart_) {
    lastTime -= interval_;
  }
  double count = intervalOf(now) - intervalOf(lastTime);
  if (!(count > 0.0)) return 0;
  realLastTime_ = now;
  return count >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(count);
}

}  // namespace weft
