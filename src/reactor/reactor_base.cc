// ReactorBase: construction, the run/stop/crash state machine and the loop itself.
// System events, threads and the FD set glue: reactor_events.cc, reactor_threads.cc,
// reactor_fdset.cc.
#include "reactor/reactor_base.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <chrono>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace weft {
namespace {

Poller& requirePoller(const std::unique_ptr<Poller>& poller) {
  if (!poller) throw error::ValueError("ReactorBase needs a Poller");
  return *poller;
}

double monotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

const char* signalName(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal";
  }
}

}  // namespace

ReactorBase::ReactorBase(ReactorBaseOptions options)
    : poller_(std::move(options.poller)),
      kind_(options.kind),
      clock_(std::move(options.clock)),
      threadPoolFactory_(std::move(options.threadPoolFactory)),
      fds_(requirePoller(poller_)),
      ioThread_(std::this_thread::get_id()) {
  timers_.setTimeSource([this] { return seconds(); });
  fds_.addInternalReader(threadCalls_.wakeFd(), [this] { threadCalls_.drainWakeFd(); });
  addStartupTrigger();
  // Twisted's own 'during shutdown' triggers, in its order: end the loop, then disconnect
  // every remaining reader and writer.
  events_.add("during", "shutdown", [this]() -> std::optional<Deferred<void>> {
    crash();
    return std::nullopt;
  });
  events_.add("during", "shutdown", [this]() -> std::optional<Deferred<void>> {
    for (auto& d : fds_.removeAll()) {
      try {
        d->connectionLost(Failure(error::ConnectionLost()));
      } catch (...) {
        log::error("Unhandled error in connectionLost during shutdown:\n" +
                       Failure::current().getTraceback(),
                   d->logPrefix());
      }
    }
    return std::nullopt;
  });
}

ReactorBase::~ReactorBase() {
  // Join the pool's workers first: their jobs may still reach callFromThread.
  if (pool_) pool_->stop();
  for (auto& p : retiredPools_) p->stop();
  if (signals_.installed()) signals_.uninstall();
  // Drop user descriptors while everything they might call is still alive.
  fds_.removeAll().clear();
  fds_.removeInternalReader(threadCalls_.wakeFd());
  if (signals_.readFd() >= 0) fds_.removeInternalReader(signals_.readFd());
}

// --- state machine --------------------------------------------------------------------------

void ReactorBase::transition(State to) {
  bool ok = false;
  switch (state_) {
    case State::kIdle:
    case State::kCrashed:
      ok = to == State::kStarting;
      break;
    case State::kStarting:
      ok = to == State::kRunning || to == State::kStopping || to == State::kCrashed;
      break;
    case State::kRunning:
      ok = to == State::kStopping || to == State::kCrashed;
      break;
    case State::kStopping:
      ok = to == State::kStopped;
      break;
    case State::kStopped:
      break;
  }
  if (!ok) {
    throw error::AssertionError("reactor: invalid state transition " +
                                std::to_string(static_cast<int>(state_)) + " -> " +
                                std::to_string(static_cast<int>(to)));
  }
  state_ = to;
}

bool ReactorBase::loopActive() const {
  return state_ == State::kStarting || state_ == State::kRunning || state_ == State::kStopping;
}

bool ReactorBase::running() const {
  // Twisted: running turns True in the 'during startup' phase and False on crash (which the
  // 'during shutdown' phase performs); stop() alone leaves it True.
  return state_ == State::kRunning || state_ == State::kStopping;
}

void ReactorBase::assertIOThread([[maybe_unused]] const char* what) const {
#ifndef NDEBUG
  if (!isInIOThread()) {
    std::fprintf(stderr, "weft: %s called off the reactor thread\n", what);
    std::abort();
  }
#endif
}

void ReactorBase::addStartupTrigger() {
  if (startTriggerPending_) return;
  startTriggerPending_ = true;
  events_.add("during", "startup", [this]() -> std::optional<Deferred<void>> {
    reallyStartRunning();
    return std::nullopt;
  });
}

void ReactorBase::reallyStartRunning() {
  startTriggerPending_ = false;
  if (state_ != State::kStarting) return;  // stop() or crash() came first
  transition(State::kRunning);
  // After the 'before startup' triggers, before the 'after startup' ones (CORE-11).
  if (installSignalHandlers_ && !signals_.installed()) {
    int fd = signals_.install();
    fds_.addInternalReader(fd, [this] { onSignals(); });
  }
}

void ReactorBase::onSignals() {
  for (int signo : signals_.drain()) {
    if (signo != SIGINT && signo != SIGTERM) continue;
    log::info(std::string("Received ") + signalName(signo) + ", shutting down.");
    exitSignal_ = signo;
    if (state_ == State::kStarting || state_ == State::kRunning) stop();
  }
}

void ReactorBase::run(RunOptions options) {
  switch (state_) {
    case State::kIdle:
    case State::kCrashed:
      break;
    case State::kStopped:
      throw error::ReactorNotRestartable();
    default:
      throw error::ReactorAlreadyRunning();
  }
  ioThread_.store(std::this_thread::get_id());
  installSignalHandlers_ = options.installSignalHandlers;
  transition(State::kStarting);
  events_.fire("startup");
  while (loopActive()) {
    try {
      iteration(std::nullopt);
    } catch (...) {
      log::error("Unexpected error in main loop.\n" + Failure::current().getTraceback());
    }
  }
  if (signals_.installed()) {
    fds_.removeInternalReader(signals_.readFd());
    signals_.uninstall();
  }
}

void ReactorBase::stop() {
  assertIOThread("stop()");
  if (state_ != State::kStarting && state_ != State::kRunning) throw error::ReactorNotRunning();
  transition(State::kStopping);
  shutdownPending_ = true;  // fired from the loop, never inside stop() (CORE-13)
}

void ReactorBase::crash() {
  assertIOThread("crash()");
  if (state_ == State::kStarting || state_ == State::kRunning) {
    transition(State::kCrashed);
  } else if (state_ == State::kStopping) {
    transition(State::kStopped);
  } else {
    return;
  }
  addStartupTrigger();  // a later run() must reach 'running' again (CORE-07)
}

void ReactorBase::iterate(Seconds delay) {
  assertIOThread("iterate()");
  double seconds = delay.count() > 0 ? delay.count() : 0.0;
  iteration(timeoutMillis(seconds));
}

// --- the loop -------------------------------------------------------------------------------

void ReactorBase::iteration(std::optional<int> waitMs) {
  ++iterations_;
  fds_.beginIteration();
  timers_.runUntil(seconds());
  threadCalls_.runPending();
  if (shutdownPending_) {
    shutdownPending_ = false;
    events_.fire("shutdown");
  }
  flushPhase();
  if (waitMs || loopActive()) {
    int ms = waitMs ? *waitMs : timeoutMillis(timeout());
    // Work that this iteration's flush made (closes to finish, a stop() to act on, flushes
    // queued after the phase) must not wait behind a blocking poll.
    if (!closeQueue_.empty() || shutdownPending_ || !flushQueue_.empty()) ms = 0;
    fds_.pollAndDispatch(ms);
    flushPhase();  // what dispatch wrote goes out before closes finish and before any wait
  }
  finishClosesPhase();
}

void ReactorBase::flushPhase() {
  // Flushes queued by a flush (or by a hook) run in this same phase.
  while (!flushQueue_.empty()) {
    flushBatch_.swap(flushQueue_);
    for (auto& f : flushBatch_) {
      try {
        f();
      } catch (...) {
        log::error("Unhandled error in a flush:\n" + Failure::current().getTraceback());
      }
    }
    flushBatch_.clear();
  }
  // A hook may remove itself or others: removal only clears the id (see removePrePollHook)
  // and the entries go here, after the pass; hooks added during the pass wait for the next.
  for (std::size_t i = 0, n = prePollHooks_.size(); i < n; ++i) {
    if (prePollHooks_[i].first == 0) continue;
    try {
      prePollHooks_[i].second();
    } catch (...) {
      log::error("Unhandled error in a pre-poll hook:\n" + Failure::current().getTraceback());
    }
  }
  std::erase_if(prePollHooks_, [](const auto& h) { return h.first == 0; });
}

void ReactorBase::finishClosesPhase() {
  while (!closeQueue_.empty()) {
    std::vector<Function<void()>> batch;
    batch.swap(closeQueue_);
    for (auto& f : batch) {
      try {
        f();
      } catch (...) {
        log::error("Unhandled error while finishing a close:\n" +
                   Failure::current().getTraceback());
      }
    }
  }
  fds_.finishIteration();
}

std::optional<double> ReactorBase::timeout() const {
  double next = timers_.nextTime();
  if (next < 0) return std::nullopt;
  double left = next - seconds();
  return left > 0 ? left : 0.0;
}

int ReactorBase::timeoutMillis(std::optional<double> seconds) {
  if (!seconds) return -1;
  // Round up: a 0.4 ms timer must not become a 0 ms wait and a busy loop.
  double ms = std::ceil(*seconds * 1000.0);
  if (!(ms < static_cast<double>(INT_MAX))) return INT_MAX;  // also catches NaN and inf
  return ms > 0 ? static_cast<int>(ms) : 0;
}

void ReactorBase::callBeforeWait(Function<void()> f) {
  assertIOThread("callBeforeWait()");
  flushQueue_.push_back(std::move(f));
}

ReactorBase::HookId ReactorBase::addPrePollHook(Function<void()> f) {
  assertIOThread("addPrePollHook()");
  HookId id = nextHookId_++;
  prePollHooks_.emplace_back(id, std::move(f));
  return id;
}

void ReactorBase::removePrePollHook(HookId id) {
  for (auto& h : prePollHooks_) {
    if (h.first == id) h.first = 0;  // erased after the current pass (flushPhase)
  }
}

void ReactorBase::deferClose(Function<void()> f) {
  assertIOThread("deferClose()");
  closeQueue_.push_back(std::move(f));
}

// --- time -----------------------------------------------------------------------------------

double ReactorBase::seconds() const { return clock_ ? clock_() : monotonicSeconds(); }

DelayedCallPtr ReactorBase::scheduleCall(Seconds delay, Function<void()> f) {
  assertIOThread("callLater()");
  if (std::isnan(delay.count()) || delay.count() < 0) {
    throw error::ValueError("callLater: negative or NaN delay " + std::to_string(delay.count()));
  }
  double now = seconds();
  return timers_.schedule(now, now + delay.count(), std::move(f));
}

std::vector<DelayedCallPtr> ReactorBase::getDelayedCalls() const { return timers_.pending(); }

void ReactorBase::cancelCallLater(const DelayedCallPtr& call) {
  if (!call || !timers_.owns(*call) || !call->active()) {
    throw error::ValueError("cancelCallLater: not a pending call of this reactor");
  }
  call->cancel();
}

}  // namespace weft
