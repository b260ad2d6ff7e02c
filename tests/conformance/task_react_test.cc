// twisted.internet.task on the real reactor, every backend (SEMANTICS.md 2.3): react
// (TASK-08), and LoopingCall/deferLater driven by reactor time (t/test_task.py
// ReactorLoopTests). The Clock-based unit tests are in src/internet/task*_test.cc.
#include "reactor_builder.h"

#include "weft/defer/deferred.h"
#include "weft/internet/task.h"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::ReactorTest;

struct TestException : std::runtime_error {
  TestException() : std::runtime_error("TestException") {}
};

constexpr RunOptions kNoSignals{.installSignalHandlers = false};

class TaskReactTest : public ReactorTest {
 protected:
  // A guard that ends a scenario react() would otherwise never finish: stops the reactor
  // and fails the test (the reactor_builder runReactor guard, for react()).
  static void guard(Reactor& reactor, bool& timedOut) {
    auto call = reactor.callLater(Seconds(10), [&reactor, &timedOut] {
      timedOut = true;
      reactor.stop();
    });
    static_cast<void>(call);
  }
};

TEST_P(TaskReactTest, runsTheReactorUntilMainsDeferredFiresThenStopsItAndReturnsZero) {
  auto reactor = buildReactor();
  bool timedOut = false;
  bool shutdown = false;
  reactor->addSystemEventTrigger("during", "shutdown", [&] { shutdown = true; });
  int code = react(
      *reactor,
      [&](Reactor& r) {
        EXPECT_EQ(&r, reactor.get());
        guard(r, timedOut);
        return deferLater(r, 0.01);
      },
      kNoSignals);
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(timedOut);
  EXPECT_TRUE(shutdown);
  EXPECT_FALSE(reactor->running());
}

TEST_P(TaskReactTest, returnsOneAndLogsTheErrorWhenMainsDeferredFails) {
  auto reactor = buildReactor();
  int code = react(
      *reactor,
      [](Reactor& r) { return deferLater(r, 0.01, []() -> void { throw TestException(); }); },
      kNoSignals);
  EXPECT_EQ(code, 1);
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("main function encountered error"), std::string::npos);
}

TEST_P(TaskReactTest, returnsTheCodeOfASystemExit) {
  auto reactor = buildReactor();
  int code = react(
      *reactor,
      [](Reactor& r) { return deferLater(r, 0, []() -> void { throw error::SystemExit(23); }); },
      kNoSignals);
  EXPECT_EQ(code, 23);
}

TEST_P(TaskReactTest, returnsAtOnceWhenMainsDeferredHasAlreadyFired) {
  auto reactor = buildReactor();
  int code = react(
      *reactor, [](Reactor&) { return succeed(); }, kNoSignals);
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(reactor->running());
}

TEST_P(TaskReactTest, stopsTheReactorOnlyOnceWhenMainStopsItJustBeforeFiring) {
  auto reactor = buildReactor();
  int shutdowns = 0;
  reactor->addSystemEventTrigger("before", "shutdown", [&] { ++shutdowns; });
  int code = react(
      *reactor,
      [](Reactor& r) {
        Deferred<void> d;
        r.callWhenRunning([&r, d]() mutable {
          r.stop();
          d.callback();
        });
        return d;
      },
      kNoSignals);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(shutdowns, 1);
}

TEST_P(TaskReactTest, doesNotStopTheReactorAgainWhenMainFiresDuringShutdown) {
  auto reactor = buildReactor();
  int code = react(
      *reactor,
      [](Reactor& r) {
        r.callLater(Seconds(0.01), [&r] { r.stop(); });
        Deferred<void> finished;
        r.addSystemEventTrigger("during", "shutdown",
                                [finished]() mutable { finished.errback(TestException()); });
        return finished;
      },
      kNoSignals);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(flushLoggedErrors().size(), 1u);
}

TEST_P(TaskReactTest, returnsZeroWhenTheReactorStopsAndMainsDeferredNeverFires) {
  auto reactor = buildReactor();
  Deferred<void> never;
  int code = react(
      *reactor,
      [&never](Reactor& r) {
        r.callLater(Seconds(0.01), [&r] { r.stop(); });
        return never;
      },
      kNoSignals);
  EXPECT_EQ(code, 0);
}

TEST_P(TaskReactTest, makesAReactorOfItsOwn) {
  PollerKind seen = PollerKind::kDefault;
  int code = react(
      [&seen](Reactor& r) {
        seen = r.pollerKind();
        return deferLater(r, 0);
      },
      {.poller = GetParam()}, kNoSignals);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(seen, GetParam());
}

// ReactorLoopTests.testEveryIteration: interval 0 calls f on each reactor iteration.
TEST_P(TaskReactTest, loopingCallWithIntervalZeroRunsUntilStoppedFromInside) {
  auto reactor = buildReactor();
  int ran = 0;
  std::optional<LoopingCall> lc;
  lc.emplace(*reactor, [&] {
    if (++ran > 5) lc->stop();
  });
  bool timedOut = false;
  int code = react(
      *reactor,
      [&](Reactor& r) {
        guard(r, timedOut);
        return lc->start(0).addCallback([&](LoopingCall* stopped) {
          EXPECT_EQ(stopped, &*lc);
          EXPECT_EQ(ran, 6);
        });
      },
      kNoSignals);
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(timedOut);
  EXPECT_EQ(ran, 6);
}

// ReactorLoopTests.testStopAtOnceLater: stop() from another reactor callback prevents
// every later call.
TEST_P(TaskReactTest, loopingCallStoppedFromATimedCallNeverCallsF) {
  auto reactor = buildReactor();
  int ran = 0;
  LoopingCall lc(*reactor, [&] { ++ran; });
  int code = react(
      *reactor,
      [&](Reactor& r) {
        Deferred<LoopingCall*> started = lc.start(0.05, false);
        r.callLater(Seconds(0), [&lc] { lc.stop(); });
        return started.addCallback([&r](LoopingCall*) { return deferLater(r, 0.1); });
      },
      kNoSignals);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(ran, 0);
}

// A failing f ends react with 1 through the start() Deferred (testFailure on a reactor).
TEST_P(TaskReactTest, loopingCallFailureReachesReact) {
  auto reactor = buildReactor();
  int ran = 0;
  LoopingCall lc(*reactor, [&] {
    if (++ran == 3) throw TestException();
  });
  int code = react(
      *reactor, [&](Reactor&) { return lc.start(0.001).addCallback([](LoopingCall*) {}); },
      kNoSignals);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(flushLoggedErrors().size(), 1u);
}

TEST_P(TaskReactTest, deferLaterFiresNoSoonerThanItsDelay) {
  auto reactor = buildReactor();
  double started = 0;
  double fired = 0;
  int code = react(
      *reactor,
      [&](Reactor& r) {
        started = r.seconds();
        return deferLater(r, Seconds(0.02), [&] { fired = r.seconds(); });
      },
      kNoSignals);
  EXPECT_EQ(code, 0);
  EXPECT_GE(fired - started, 0.02 - 1e-9);
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TaskReactTest);

}  // namespace
}  // namespace weft
