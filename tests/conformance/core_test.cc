// IReactorCore conformance (SEMANTICS.md 2.1, CORE-*), on every backend.
#include "reactor_builder.h"

#include <csignal>
#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::ReactorTest;
using Events = std::vector<std::string>;

class CoreTest : public ReactorTest {};

// CORE-01, CORE-12
TEST_P(CoreTest, stopFiresShutdownPhasesInOrderBeforeRunReturns) {
  auto reactor = buildReactor();
  Events events;
  reactor->addSystemEventTrigger("before", "shutdown", [&] { events.push_back("before"); });
  reactor->addSystemEventTrigger("during", "shutdown", [&] { events.push_back("during"); });
  reactor->addSystemEventTrigger("after", "shutdown", [&] { events.push_back("after"); });
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(events, (Events{"before", "during", "after"}));
}

// CORE-02
TEST_P(CoreTest, stopWhenNeverStartedRaisesReactorNotRunning) {
  auto reactor = buildReactor();
  EXPECT_THROW(reactor->stop(), error::ReactorNotRunning);
  EXPECT_THROW(reactor->stop(), error::RuntimeError);
}

// CORE-03
TEST_P(CoreTest, stopWhenAlreadyStoppedRaisesReactorNotRunning) {
  auto reactor = buildReactor();
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_THROW(reactor->stop(), error::ReactorNotRunning);
}

TEST_P(CoreTest, stopWhileStoppingRaisesReactorNotRunning) {
  auto reactor = buildReactor();
  bool raised = false;
  reactor->callWhenRunning([&] {
    reactor->stop();
    try {
      reactor->stop();
    } catch (const error::ReactorNotRunning&) {
      raised = true;
    }
  });
  runReactor(*reactor);
  EXPECT_TRUE(raised);
}

// CORE-04
TEST_P(CoreTest, runWhileRunningRaisesReactorAlreadyRunning) {
  auto reactor = buildReactor();
  bool raised = false;
  reactor->callWhenRunning([&] {
    try {
      reactor->run();
    } catch (const error::ReactorAlreadyRunning&) {
      raised = true;
    }
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_TRUE(raised);
}

// CORE-05
TEST_P(CoreTest, runAfterStopRaisesReactorNotRestartable) {
  auto reactor = buildReactor();
  bool raisedInAfterShutdown = false;
  reactor->addSystemEventTrigger("after", "shutdown", [&] {
    try {
      reactor->run();
    } catch (const error::ReactorNotRestartable&) {
      raisedInAfterShutdown = true;
    }
  });
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_TRUE(raisedInAfterShutdown);
  EXPECT_THROW(reactor->run(), error::ReactorNotRestartable);
}

// CORE-06
TEST_P(CoreTest, crashEndsTheLoopWithoutShutdownTriggers) {
  auto reactor = buildReactor();
  Events events;
  reactor->addSystemEventTrigger("before", "shutdown", [&] { events.push_back("before"); });
  reactor->addSystemEventTrigger("during", "shutdown", [&] { events.push_back("during"); });
  reactor->callWhenRunning([&] { reactor->crash(); });
  runReactor(*reactor);
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(reactor->running());
}

// CORE-07
TEST_P(CoreTest, runAfterCrashRestarts) {
  auto reactor = buildReactor();
  reactor->callWhenRunning([&] { reactor->crash(); });
  runReactor(*reactor);
  bool ran = false;
  bool runningInside = false;
  reactor->callWhenRunning([&] {
    ran = true;
    runningInside = reactor->running();
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_TRUE(ran);
  EXPECT_TRUE(runningInside);
  EXPECT_FALSE(reactor->running());
}

// CORE-08
TEST_P(CoreTest, callWhenRunningRunsInRegistrationOrder) {
  auto reactor = buildReactor();
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) reactor->callWhenRunning([&order, i] { order.push_back(i); });
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_P(CoreTest, callWhenRunningPassesArguments) {
  auto reactor = buildReactor();
  int sum = 0;
  reactor->callWhenRunning([&sum](int a, int b) { sum = a + b; }, 2, 3);
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(sum, 5);
}

// CORE-09
TEST_P(CoreTest, callWhenRunningOnARunningReactorCallsAtOnce) {
  auto reactor = buildReactor();
  bool calledSynchronously = false;
  bool returnedNone = false;
  reactor->callWhenRunning([&] {
    bool called = false;
    auto id = reactor->callWhenRunning([&] { called = true; });
    calledSynchronously = called;
    returnedNone = !id.has_value();
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_TRUE(calledSynchronously);
  EXPECT_TRUE(returnedNone);
}

TEST_P(CoreTest, callWhenRunningBeforeRunReturnsARemovableTriggerId) {
  auto reactor = buildReactor();
  bool called = false;
  auto id = reactor->callWhenRunning([&] { called = true; });
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->phase, "after");
  EXPECT_EQ(id->eventType, "startup");
  reactor->removeSystemEventTrigger(*id);
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_FALSE(called);
}

// CORE-10
TEST_P(CoreTest, runningIsFalseBeforeStartupAndTrueDuringAndAfter) {
  auto reactor = buildReactor();
  std::vector<bool> state;
  reactor->addSystemEventTrigger("before", "startup", [&] { state.push_back(reactor->running()); });
  reactor->addSystemEventTrigger("during", "startup", [&] { state.push_back(reactor->running()); });
  reactor->addSystemEventTrigger("after", "startup", [&] { state.push_back(reactor->running()); });
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(state, (std::vector<bool>{false, true, true}));
}

TEST_P(CoreTest, runningIsFalseInAfterShutdownTriggers) {
  auto reactor = buildReactor();
  std::vector<bool> state;
  reactor->addSystemEventTrigger("before", "shutdown",
                                 [&] { state.push_back(reactor->running()); });
  reactor->addSystemEventTrigger("after", "shutdown", [&] { state.push_back(reactor->running()); });
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(state, (std::vector<bool>{true, false}));
}

// CORE-11
TEST_P(CoreTest, signalHandlersAreInstalledDuringStartupAndRestoredAfter) {
  auto reactor = buildReactor();
  struct sigaction original {};
  ::sigaction(SIGTERM, nullptr, &original);
  auto currentHandler = [] {
    struct sigaction now {};
    ::sigaction(SIGTERM, nullptr, &now);
    return now.sa_handler;
  };
  std::vector<bool> installed;
  reactor->addSystemEventTrigger(
      "before", "startup", [&] { installed.push_back(currentHandler() != original.sa_handler); });
  reactor->addSystemEventTrigger(
      "after", "startup", [&] { installed.push_back(currentHandler() != original.sa_handler); });
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor, Seconds(10), {.installSignalHandlers = true});
  EXPECT_EQ(installed, (std::vector<bool>{false, true}));
  EXPECT_EQ(currentHandler(), original.sa_handler);
}

TEST_P(CoreTest, noSignalHandlersWhenNotAsked) {
  auto reactor = buildReactor();
  struct sigaction original {};
  ::sigaction(SIGINT, nullptr, &original);
  bool changed = true;
  reactor->callWhenRunning([&] {
    struct sigaction now {};
    ::sigaction(SIGINT, nullptr, &now);
    changed = now.sa_handler != original.sa_handler;
    reactor->stop();
  });
  runReactor(*reactor, Seconds(10), {.installSignalHandlers = false});
  EXPECT_FALSE(changed);
}

void signalStopsReactorCleanly(conformance::ReactorTest& test, Reactor& reactor, int signo,
                               auto runReactor) {
  static_cast<void>(test);
  Events events;
  reactor.addSystemEventTrigger("before", "shutdown", [&] { events.push_back("before"); });
  reactor.addSystemEventTrigger("after", "shutdown", [&] { events.push_back("after"); });
  reactor.callWhenRunning([signo] { ::kill(::getpid(), signo); });
  runReactor();
  EXPECT_EQ(events, (Events{"before", "after"}));
}

TEST_P(CoreTest, sigtermStopsTheReactorCleanly) {
  auto reactor = buildReactor();
  signalStopsReactorCleanly(*this, *reactor, SIGTERM, [&] {
    runReactor(*reactor, Seconds(10), {.installSignalHandlers = true});
  });
}

TEST_P(CoreTest, sigintStopsTheReactorCleanly) {
  auto reactor = buildReactor();
  signalStopsReactorCleanly(*this, *reactor, SIGINT, [&] {
    runReactor(*reactor, Seconds(10), {.installSignalHandlers = true});
  });
}

// CORE-13
TEST_P(CoreTest, stopReturnsBeforeShutdownTriggersRun) {
  auto reactor = buildReactor();
  Events events;
  reactor->addSystemEventTrigger("before", "shutdown", [&] { events.push_back("trigger"); });
  reactor->callWhenRunning([&] {
    reactor->stop();
    events.push_back("stop returned");
  });
  runReactor(*reactor);
  EXPECT_EQ(events, (Events{"stop returned", "trigger"}));
}

// CORE-14
TEST_P(CoreTest, asynchronousBeforeStartupTriggerDelaysStartupButNotTheLoop) {
  auto reactor = buildReactor();
  Events events;
  reactor->addSystemEventTrigger("before", "startup", [&]() -> Deferred<void> {
    events.push_back("trigger");
    Deferred<void> d;
    reactor->callLater(Seconds(0), [&events, d]() mutable {
      events.push_back("timer");
      d.callback();
    });
    return d;
  });
  reactor->callWhenRunning([&] {
    events.push_back("running");
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_EQ(events, (Events{"trigger", "timer", "running"}));
}

TEST_P(CoreTest, asynchronousBeforeShutdownTriggerDelaysTheDuringPhase) {
  auto reactor = buildReactor();
  Events events;
  reactor->addSystemEventTrigger("before", "shutdown", [&]() -> Deferred<void> {
    Deferred<void> d;
    reactor->callLater(Seconds(0), [&events, d]() mutable {
      events.push_back("fired");
      d.callback();
    });
    return d;
  });
  reactor->addSystemEventTrigger("during", "shutdown", [&] { events.push_back("during"); });
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(events, (Events{"fired", "during"}));
}

// CORE-16
TEST_P(CoreTest, iterateRunsOneIterationWithoutBlocking) {
  auto reactor = buildReactor();
  bool later = false;
  bool now = false;
  auto distant = reactor->callLater(Seconds(60), [&] { later = true; });
  reactor->callLater(Seconds(0), [&] { now = true; });
  reactor->iterate(Seconds(0));  // would block for 60 s if it waited for the timer
  EXPECT_TRUE(now);
  EXPECT_FALSE(later);
  EXPECT_TRUE(distant->active());
  distant->cancel();
}

// CORE-17
TEST_P(CoreTest, unknownPhaseRaisesKeyError) {
  auto reactor = buildReactor();
  EXPECT_THROW(reactor->addSystemEventTrigger("middle", "test", [] {}), error::KeyError);
}

// CORE-18
TEST_P(CoreTest, triggersRunOnlyForTheirEventInPhaseOrder) {
  auto reactor = buildReactor();
  Events events;
  reactor->addSystemEventTrigger("after", "test", [&] { events.push_back("after"); });
  reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("during"); });
  reactor->addSystemEventTrigger("before", "test", [&] { events.push_back("before"); });
  reactor->addSystemEventTrigger("before", "other", [&] { events.push_back("other"); });
  EXPECT_TRUE(events.empty());
  reactor->fireSystemEvent("test");
  EXPECT_EQ(events, (Events{"before", "during", "after"}));
}

TEST_P(CoreTest, triggersReceiveTheirArguments) {
  auto reactor = buildReactor();
  std::string got;
  reactor->addSystemEventTrigger(
      "during", "test", [&got](std::string a) { got = a; }, std::string("x"));
  reactor->fireSystemEvent("test");
  EXPECT_EQ(got, "x");
}

// CORE-19
TEST_P(CoreTest, duringWaitsForEveryBeforeDeferred) {
  auto reactor = buildReactor();
  Events events;
  Deferred<void> d1, d2;
  reactor->addSystemEventTrigger("before", "test", [&] { return d1; });
  reactor->addSystemEventTrigger("before", "test", [&] { return d2; });
  reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("during"); });
  reactor->addSystemEventTrigger("after", "test", [&] { events.push_back("after"); });
  reactor->fireSystemEvent("test");
  EXPECT_TRUE(events.empty());
  d1.callback();
  EXPECT_TRUE(events.empty());
  d2.callback();
  EXPECT_EQ(events, (Events{"during", "after"}));
}

TEST_P(CoreTest, beforeDeferredFiredByALaterBeforeTriggerStillCounts) {
  auto reactor = buildReactor();
  Events events;
  Deferred<void> d;
  reactor->addSystemEventTrigger("before", "test", [&] { return d; });
  reactor->addSystemEventTrigger("before", "test", [&] {
    events.push_back("second");
    d.callback();
  });
  reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("during"); });
  reactor->fireSystemEvent("test");
  EXPECT_EQ(events, (Events{"second", "during"}));
}

TEST_P(CoreTest, typedBeforeDeferredIsWaitedFor) {
  auto reactor = buildReactor();
  Events events;
  Deferred<int> d;
  reactor->addSystemEventTrigger("before", "test", [&] { return d; });
  reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("during"); });
  reactor->fireSystemEvent("test");
  EXPECT_TRUE(events.empty());
  d.callback(3);
  EXPECT_EQ(events, (Events{"during"}));
}

// CORE-20
TEST_P(CoreTest, removedTriggerDoesNotRun) {
  auto reactor = buildReactor();
  bool called = false;
  auto id = reactor->addSystemEventTrigger("during", "test", [&] { called = true; });
  reactor->removeSystemEventTrigger(id);
  reactor->fireSystemEvent("test");
  EXPECT_FALSE(called);
}

TEST_P(CoreTest, removeWithBadIdsRaisesTwistedsErrors) {
  auto reactor = buildReactor();
  auto id = reactor->addSystemEventTrigger("during", "test", [] {});
  EXPECT_THROW(reactor->removeSystemEventTrigger(TriggerId{}), error::TypeError);
  TriggerId badPhase = id;
  badPhase.phase = "xxx";
  EXPECT_THROW(reactor->removeSystemEventTrigger(badPhase), error::KeyError);
  reactor->removeSystemEventTrigger(id);
  EXPECT_THROW(reactor->removeSystemEventTrigger(id), error::ValueError);
  TriggerId wrongPhase = reactor->addSystemEventTrigger("before", "test", [] {});
  wrongPhase.phase = "after";
  EXPECT_THROW(reactor->removeSystemEventTrigger(wrongPhase), error::ValueError);
}

// CORE-21
TEST_P(CoreTest, throwingTriggersAreLoggedAndTheOthersStillRun) {
  auto reactor = buildReactor();
  Events events;
  reactor->addSystemEventTrigger("before", "test",
                                 [] { throw error::RuntimeError("before boom"); });
  reactor->addSystemEventTrigger("before", "test", [&] { events.push_back("before"); });
  reactor->addSystemEventTrigger("during", "test",
                                 [] { throw error::RuntimeError("during boom"); });
  reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("during"); });
  reactor->fireSystemEvent("test");
  EXPECT_EQ(events, (Events{"before", "during"}));
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].text.find("before boom"), std::string::npos);
  EXPECT_NE(errors[1].text.find("during boom"), std::string::npos);
}

// CORE-22
TEST_P(CoreTest, pendingTriggerRemovedByAnEarlierOneDoesNotRun) {
  auto reactor = buildReactor();
  Events events;
  TriggerId second, during;
  reactor->addSystemEventTrigger("before", "test", [&] {
    reactor->removeSystemEventTrigger(second);
    reactor->removeSystemEventTrigger(during);
  });
  second = reactor->addSystemEventTrigger("before", "test", [&] { events.push_back("second"); });
  during = reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("during"); });
  reactor->fireSystemEvent("test");
  EXPECT_TRUE(events.empty());
}

TEST_P(CoreTest, duringTriggerRemovedWhileWaitingOnBeforeDoesNotRun) {
  auto reactor = buildReactor();
  Events events;
  Deferred<void> d;
  reactor->addSystemEventTrigger("before", "test", [&] { return d; });
  auto during =
      reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("during"); });
  reactor->addSystemEventTrigger("after", "test", [&] { events.push_back("after"); });
  reactor->fireSystemEvent("test");
  reactor->removeSystemEventTrigger(during);
  d.callback();
  EXPECT_EQ(events, (Events{"after"}));
}

TEST_P(CoreTest, pendingDuringTriggerRemovedByAnEarlierDuringDoesNotRun) {
  auto reactor = buildReactor();
  Events events;
  TriggerId second;
  reactor->addSystemEventTrigger("during", "test",
                                 [&] { reactor->removeSystemEventTrigger(second); });
  second = reactor->addSystemEventTrigger("during", "test", [&] { events.push_back("second"); });
  reactor->fireSystemEvent("test");
  EXPECT_TRUE(events.empty());
}

TEST_P(CoreTest, removingAnAlreadyRunBeforeTriggerWhileWaitingOnlyWarns) {
  auto reactor = buildReactor();
  Deferred<void> d;
  auto first = reactor->addSystemEventTrigger("before", "test", [&] { return d; });
  bool during = false;
  reactor->addSystemEventTrigger("during", "test", [&] { during = true; });
  reactor->fireSystemEvent("test");
  EXPECT_NO_THROW(reactor->removeSystemEventTrigger(first));
  EXPECT_EQ(logs().count("DeprecationWarning"), 1u);
  d.callback();
  EXPECT_TRUE(during);
}

// CORE-23
TEST_P(CoreTest, triggersRunOnlyOnTheFirstFiring) {
  auto reactor = buildReactor();
  int calls = 0;
  reactor->addSystemEventTrigger("before", "test", [&] { ++calls; });
  reactor->addSystemEventTrigger("during", "test", [&] { ++calls; });
  reactor->addSystemEventTrigger("after", "test", [&] { ++calls; });
  reactor->fireSystemEvent("test");
  reactor->fireSystemEvent("test");
  EXPECT_EQ(calls, 3);
}

TEST_P(CoreTest, alreadyRunBeforeTriggerCannotBeRemovedOnceDuringStarts) {
  auto reactor = buildReactor();
  TriggerId before = reactor->addSystemEventTrigger("before", "test", [] {});
  bool raised = false;
  reactor->addSystemEventTrigger("during", "test", [&] {
    try {
      reactor->removeSystemEventTrigger(before);
    } catch (const error::ValueError&) {
      raised = true;
    }
  });
  reactor->fireSystemEvent("test");
  EXPECT_TRUE(raised);
}

// CORE-24
TEST_P(CoreTest, eventsWaitingOnBeforeDoNotAffectOtherEvents) {
  auto reactor = buildReactor();
  Events events;
  Deferred<void> d;
  reactor->addSystemEventTrigger("before", "first", [&] { return d; });
  reactor->addSystemEventTrigger("during", "first", [&] { events.push_back("first"); });
  reactor->addSystemEventTrigger("during", "second", [&] { events.push_back("second"); });
  reactor->fireSystemEvent("first");
  reactor->fireSystemEvent("second");
  EXPECT_EQ(events, (Events{"second"}));
  d.callback();
  EXPECT_EQ(events, (Events{"second", "first"}));
}

// resolve() and installResolver (IReactorCore.resolve, IReactorPluggableResolver)
class FixedResolver final : public IResolverSimple {
 public:
  Deferred<std::string> getHostByName(std::string_view name, std::vector<int> timeout) override {
    asked.emplace_back(name);
    lastTimeout = std::move(timeout);
    return succeed(std::string("10.0.0.1"));
  }
  std::vector<std::string> asked;
  std::vector<int> lastTimeout;
};

TEST_P(CoreTest, resolveUsesTheInstalledResolverAndInstallReturnsThePrevious) {
  auto reactor = buildReactor();
  auto mine = std::make_shared<FixedResolver>();
  auto previous = reactor->installResolver(mine);
  EXPECT_NE(previous, nullptr);  // the default threaded resolver
  std::string got;
  static_cast<void>(reactor->resolve("example.invalid", {2}).addCallback([&](std::string address) {
    got = address;
  }));
  EXPECT_EQ(got, "10.0.0.1");
  EXPECT_EQ(mine->asked, (std::vector<std::string>{"example.invalid"}));
  EXPECT_EQ(mine->lastTimeout, (std::vector<int>{2}));
  EXPECT_EQ(reactor->installResolver(previous), mine);
}

TEST_P(CoreTest, resolveAnswersLiteralsWithoutAResolver) {
  auto reactor = buildReactor();
  auto mine = std::make_shared<FixedResolver>();
  reactor->installResolver(mine);
  std::vector<std::string> got;
  for (const char* name : {"127.0.0.1", ""}) {
    static_cast<void>(reactor->resolve(name).addCallback([&](std::string a) { got.push_back(a); }));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"127.0.0.1", "0.0.0.0"}));
  EXPECT_TRUE(mine->asked.empty());
}

TEST_P(CoreTest, aReactorLeavesNoFileDescriptorsBehind) {
  int before = conformance::openFdCount();
  {
    auto reactor = buildReactor();
    reactor->callWhenRunning([&] { reactor->stop(); });
    runReactor(*reactor, Seconds(10), {.installSignalHandlers = true});
  }
  EXPECT_EQ(conformance::openFdCount(), before);
}

TEST_P(CoreTest, stopFromTheFlushPhaseBeforeTheWaitDoesNotBlockTheLoop) {
  // Nothing else would wake the loop: no timers, no I/O. The stop() made in the flush phase
  // that precedes the wait must be acted on at once, not after the guard's 5 seconds.
  auto reactor = buildReactor();
  bool shutdown = false;
  reactor->addSystemEventTrigger("during", "shutdown", [&] { shutdown = true; });
  reactor->callWhenRunning([&] { reactor->callBeforeWait([&] { reactor->stop(); }); });
  runReactor(*reactor, Seconds(5));
  EXPECT_TRUE(shutdown);
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(CoreTest);

}  // namespace
}  // namespace weft
