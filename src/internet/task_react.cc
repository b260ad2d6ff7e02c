// react (twisted.internet.task.react) over IReactorCore.
#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/internet/task.h"

#include <memory>
#include <utility>

namespace weft {
namespace {

struct ReactState {
  bool stopping = false;  // the reactor's shutdown has begun: react must not stop it again
  bool done = false;      // react() has returned: the reactor may be gone
  int code = 0;
};

void logMainFailure(const Failure& failure) {
  log::error("main function encountered error\n" + failure.getTraceback());
}

void recordResult(ReactState& state, const Outcome<void>& result) {
  if (result.ok()) return;
  const Failure& failure = result.failure();
  if (const auto* exit = dynamic_cast<const error::SystemExit*>(failure.value())) {
    state.code = exit->code();
  } else {
    logMainFailure(failure);
    state.code = 1;
  }
}

}  // namespace

int react(IReactorCore& reactor, Function<Deferred<void>()> main, RunOptions options) {
  auto state = std::make_shared<ReactState>();
  Deferred<void> finished = [&main] {
    try {
      return main();
    } catch (...) {
      return fail<void>(Failure::current());
    }
  }();
  TriggerId onShutdown =
      reactor.addSystemEventTrigger("before", "shutdown", [state] { state->stopping = true; });

  static_cast<void>(finished.addBoth([state, &reactor](Outcome<void> result) {
    if (state->done) {
      // Fired after react() returned: nobody is left to report it to but the log.
      if (!result.ok()) logMainFailure(result.failure());
      return;
    }
    if (state->stopping) {
      recordResult(*state, result);
      return;
    }
    // Runs at once when the reactor runs; otherwise (main's Deferred fired before run())
    // as a startup trigger.
    reactor.callWhenRunning([state, &reactor, result = std::move(result)] {
      if (state->done) return;
      try {
        reactor.stop();
      } catch (const error::ReactorNotRunning&) {
        // Already stopping (main stopped it itself just before its Deferred fired).
      }
      recordResult(*state, result);
    });
  }));

  struct Finally {
    ReactState& state;
    IReactorCore& reactor;
    TriggerId& trigger;
    ~Finally() {
      state.done = true;
      try {
        reactor.removeSystemEventTrigger(trigger);
      } catch (const error::Error&) {
        // Already fired and forgotten by a reactor that drops triggers after shutdown.
      }
    }
  } finally{*state, reactor, onShutdown};
  reactor.run(options);
  return state->code;
}

}  // namespace weft
