// DelayedCall: the state checks of base.DelayedCall (cancel/delay/reset), str(), and the
// return of a node to its pool.
#include "internet/timer_queue_pool.h"

#include "weft/base/error.h"
#include "weft/internet/time.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace weft {

static_assert(sizeof(void*) != 8 || sizeof(DelayedCall) <= 96,
              "DelayedCall should stay at 96 bytes on LP64 (memory target: < 128 B per call)");

TimerQueue* DelayedCall::queue() const { return pool_->queue; }

void DelayedCall::checkActive() const {
  switch (state()) {
    case State::kPending:
      return;
    case State::kRunning:
    case State::kCalled:
      throw error::AlreadyCalled();
    case State::kCancelled:
      throw error::AlreadyCancelled();
  }
}

void DelayedCall::cancel() {
  checkActive();
  setState(State::kCancelled);
  TimerQueue* q = queue();
  if (q != nullptr) q->remove(this);
  // The function's captures may own this call's last handle: keep the node alive until
  // they are gone, then drop the queue's reference (or, orphaned, nothing: the queue
  // dropped its reference when it went away).
  incRef();
  func_.reset();
  if (q != nullptr) decRef();
  decRef();
}

void DelayedCall::delay(Seconds secondsLater) {
  checkActive();
  double t = time_ + secondsLater.count();
  if (std::isnan(t)) throw error::ValueError("DelayedCall.delay: the new time is not a number");
  if (TimerQueue* q = queue()) {
    q->update(this, t);
  } else {
    time_ = t;
  }
}

void DelayedCall::reset(Seconds secondsFromNow) {
  checkActive();
  TimerQueue* q = queue();
  if (q == nullptr) {
    if (std::isnan(secondsFromNow.count()))
      throw error::ValueError("DelayedCall.reset: the delay is not a number");
    return;  // no clock left to measure from; the call will never run anyway
  }
  double t = q->now() + secondsFromNow.count();
  if (std::isnan(t)) throw error::ValueError("DelayedCall.reset: the new time is not a number");
  q->update(this, t);
}

std::string DelayedCall::str() const {
  try {
    const char* name = "pending";
    switch (state()) {
      case State::kPending:
        break;
      case State::kRunning:
        name = "running";
        break;
      case State::kCalled:
        name = "called";
        break;
      case State::kCancelled:
        name = "cancelled";
        break;
    }
    bool called = state() == State::kRunning || state() == State::kCalled;
    bool cancelled = state() == State::kCancelled;
    char left[48] = "";
    if (TimerQueue* q = queue(); q != nullptr && q->now_) {
      std::snprintf(left, sizeof left, " [%gs]", time_ - q->now());
    }
    char buf[192];
    std::snprintf(buf, sizeof buf, "<DelayedCall %p%s called=%d cancelled=%d %s time=%g>",
                  static_cast<const void*>(this), left, called ? 1 : 0, cancelled ? 1 : 0, name,
                  time_);
    return buf;
  } catch (...) {
    return {};
  }
}

void DelayedCall::destroy() noexcept {
  detail::TimerPool* pool = pool_;
  this->~DelayedCall();
  pool->deallocate(this);
}

}  // namespace weft
