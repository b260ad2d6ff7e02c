// IReactorTime conformance on the real reactor (SEMANTICS.md 2.2, the reactor-side TIME
// items; DelayedCall details are unit-tested with TimerQueue in src/internet). The wait
// timeout (TIME-17) is unit-tested in src/reactor with a fake clock.
#include "reactor_builder.h"

#include <cmath>
#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::ReactorTest;

class TimeTest : public ReactorTest {};

// TIME-01, TIME-02
TEST_P(TimeTest, callLaterRunsOnceAtOrAfterItsTime) {
  auto reactor = buildReactor();
  int calls = 0;
  double ranAt = 0;
  double before = reactor->seconds();
  auto call = reactor->callLater(Seconds(0.01), [&] {
    ++calls;
    ranAt = reactor->seconds();
  });
  double after = reactor->seconds();
  EXPECT_GE(call->getTime(), before + 0.01);
  EXPECT_LE(call->getTime(), after + 0.01);
  reactor->callLater(Seconds(0.05), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(calls, 1);
  EXPECT_GE(ranAt, call->getTime());
  EXPECT_FALSE(call->active());
}

TEST_P(TimeTest, callLaterPassesArguments) {
  auto reactor = buildReactor();
  std::string got;
  reactor->callLater(
      Seconds(0), [&got](const std::string& a, int b) { got = a + std::to_string(b); },
      std::string("x"), 7);
  reactor->callLater(Seconds(0), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(got, "x7");
}

TEST_P(TimeTest, secondsIsMonotonic) {
  auto reactor = buildReactor();
  double a = reactor->seconds();
  double b = reactor->seconds();
  EXPECT_LE(a, b);
}

// TIME-03
TEST_P(TimeTest, negativeDelayIsRejected) {
  auto reactor = buildReactor();
  EXPECT_THROW(reactor->callLater(Seconds(-1), [] {}), error::ValueError);
  EXPECT_TRUE(reactor->getDelayedCalls().empty());
}

// TIME-04
TEST_P(TimeTest, callLaterZeroNeverRunsSynchronouslyAndKeepsOrder) {
  auto reactor = buildReactor();
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) reactor->callLater(Seconds(0), [&order, i] { order.push_back(i); });
  EXPECT_TRUE(order.empty());
  reactor->callLater(Seconds(0), [&] { reactor->stop(); });
  runReactor(*reactor);
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

// TIME-05
TEST_P(TimeTest, callScheduledWhileTimedCallsRunWaitsForTheNextIteration) {
  auto reactor = buildReactor();
  std::vector<std::string> events;
  reactor->callLater(Seconds(0), [&] {
    events.push_back("first");
    reactor->callLater(Seconds(0), [&] { events.push_back("nested"); });
  });
  reactor->iterate();
  EXPECT_EQ(events, (std::vector<std::string>{"first"}));
  reactor->iterate();
  EXPECT_EQ(events, (std::vector<std::string>{"first", "nested"}));
}

// TIME-06
TEST_P(TimeTest, callsWithEqualDelaysRunInSchedulingOrder) {
  auto reactor = buildReactor();
  std::vector<int> order;
  for (int i = 0; i < 20; ++i) {
    reactor->callLater(Seconds(0.001), [&order, i] { order.push_back(i); });
  }
  reactor->callLater(Seconds(0.01), [&] { reactor->stop(); });
  runReactor(*reactor);
  ASSERT_EQ(order.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

// TIME-07, TIME-08, TIME-14
TEST_P(TimeTest, cancelledCallNeverRuns) {
  auto reactor = buildReactor();
  bool called = false;
  auto call = reactor->callLater(Seconds(0), [&] { called = true; });
  EXPECT_TRUE(call->active());
  call->cancel();
  EXPECT_FALSE(call->active());
  EXPECT_THROW(call->cancel(), error::AlreadyCancelled);
  reactor->callLater(Seconds(0), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_FALSE(called);
}

// TIME-09
TEST_P(TimeTest, cancellingACallThatRanRaisesAlreadyCalled) {
  auto reactor = buildReactor();
  DelayedCallPtr self;
  bool raisedInside = false;
  self = reactor->callLater(Seconds(0), [&] {
    try {
      self->cancel();
    } catch (const error::AlreadyCalled&) {
      raisedInside = true;
    }
  });
  reactor->callLater(Seconds(0), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_TRUE(raisedInside);
  EXPECT_THROW(self->cancel(), error::AlreadyCalled);
  EXPECT_THROW(self->reset(Seconds(1)), error::AlreadyCalled);
  EXPECT_THROW(self->delay(Seconds(1)), error::AlreadyCalled);
}

// TIME-11, TIME-12, TIME-13
TEST_P(TimeTest, resetAndDelayMoveTheDueTimeAndTheOrder) {
  auto reactor = buildReactor();
  std::vector<std::string> order;
  auto a = reactor->callLater(Seconds(0.02), [&] { order.push_back("a"); });
  auto b = reactor->callLater(Seconds(0.03), [&] { order.push_back("b"); });
  double t = b->getTime();
  b->delay(Seconds(1));
  EXPECT_DOUBLE_EQ(b->getTime(), t + 1);
  double before = reactor->seconds();
  b->reset(Seconds(0.001));  // now earlier than a
  EXPECT_GE(b->getTime(), before + 0.001);
  EXPECT_LT(b->getTime(), a->getTime());
  reactor->callLater(Seconds(0.05), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_EQ(order, (std::vector<std::string>{"b", "a"}));
}

// TIME-15
TEST_P(TimeTest, getDelayedCallsListsExactlyThePendingCalls) {
  auto reactor = buildReactor();
  EXPECT_TRUE(reactor->getDelayedCalls().empty());
  auto a = reactor->callLater(Seconds(10), [] {});
  auto b = reactor->callLater(Seconds(0), [] {});
  auto c = reactor->callLater(Seconds(20), [] {});
  c->cancel();
  auto pending = reactor->getDelayedCalls();
  EXPECT_EQ(pending.size(), 2u);
  reactor->iterate();  // runs b
  pending = reactor->getDelayedCalls();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0], a);
  a->cancel();
  EXPECT_TRUE(reactor->getDelayedCalls().empty());
}

// TIME-16
TEST_P(TimeTest, absurdlyDistantCallDoesNotBreakTheLoop) {
  auto reactor = buildReactor();
  bool called = false;
  auto distant = reactor->callLater(Seconds(std::ldexp(1.0, 128)), [&] { called = true; });
  reactor->callLater(Seconds(0), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_FALSE(called);
  EXPECT_TRUE(distant->active());
  auto pending = reactor->getDelayedCalls();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0], distant);
}

// TIME-19
TEST_P(TimeTest, delayedCallCanStopTheReactor) {
  auto reactor = buildReactor();
  bool stopped = false;
  reactor->addSystemEventTrigger("after", "shutdown", [&] { stopped = true; });
  reactor->callLater(Seconds(0.01), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_TRUE(stopped);
}

TEST_P(TimeTest, exceptionInATimedCallIsLoggedAndTheLoopGoesOn) {
  auto reactor = buildReactor();
  bool after = false;
  reactor->callLater(Seconds(0), [] { throw error::RuntimeError("timer boom"); });
  reactor->callLater(Seconds(0.001), [&] {
    after = true;
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_TRUE(after);
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("timer boom"), std::string::npos);
}

TEST_P(TimeTest, cancelCallLaterCancelsAPendingCallAndRejectsOthers) {
  auto reactor = buildReactor();
  bool called = false;
  auto call = reactor->callLater(Seconds(0), [&] { called = true; });
  reactor->cancelCallLater(call);
  EXPECT_FALSE(call->active());
  EXPECT_THROW(reactor->cancelCallLater(call), error::ValueError);
  EXPECT_THROW(reactor->cancelCallLater(DelayedCallPtr()), error::ValueError);
  auto other = buildReactor();
  auto foreign = other->callLater(Seconds(1), [] {});
  EXPECT_THROW(reactor->cancelCallLater(foreign), error::ValueError);
  reactor->iterate();
  EXPECT_FALSE(called);
}

TEST_P(TimeTest, pendingCallsDoNotOutliveTheirReactorsCallables) {
  // Destroying a reactor with pending calls releases them; handles stay usable.
  DelayedCallPtr call;
  {
    auto reactor = buildReactor();
    call = reactor->callLater(Seconds(1), [] {});
  }
  EXPECT_GT(call->getTime(), 0.0);  // still valid memory (ASan would object otherwise)
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TimeTest);

}  // namespace
}  // namespace weft
