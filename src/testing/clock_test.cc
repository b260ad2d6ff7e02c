// Clock: twisted.internet.task.Clock's behaviour (SEMANTICS 2.2, TIME-01..21 through the
// IReactorTime interface, and t/test_task.py ClockTests).
#include "weft/testing/clock.h"

#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace weft::testing {
namespace {

using namespace std::chrono_literals;
using Log = std::vector<std::pair<std::string, double>>;

TEST(ClockTest, secondsStartsAtZeroAndClockProvidesIReactorTime) {
  Clock clock;
  IReactorTime& reactor = clock;
  EXPECT_EQ(reactor.seconds(), 0.0);
}

TEST(ClockTest, callLaterReturnsADistinctCallDueAtSecondsPlusDelay) {
  Clock clock;
  clock.advance(3);
  auto a = clock.callLater(1, [] {});
  auto b = clock.callLater(1, [] {});
  EXPECT_NE(a, b);
  EXPECT_EQ(a->getTime(), 4.0);
  EXPECT_EQ(clock.callLater(1500ms, [] {})->getTime(), 4.5);
}

TEST(ClockTest, callLaterPassesDecayedCopiesOfItsArguments) {
  Clock clock;
  std::string seen;
  int counter = 0;
  std::string word = "hello";
  clock.callLater(
      1, [&](const std::string& s, int n) { seen = s + std::to_string(n); }, word, 7);
  clock.callLater(
      1, [](int& n) { ++n; }, std::ref(counter));
  word = "changed";
  clock.advance(1);
  EXPECT_EQ(seen, "hello7");
  EXPECT_EQ(counter, 1);
}

TEST(ClockTest, callLaterWithNegativeDelayThrowsValueError) {
  Clock clock;
  EXPECT_THROW(clock.callLater(-1, [] {}), error::ValueError);
  EXPECT_THROW(clock.callLater(std::nan(""), [] {}), error::ValueError);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(ClockTest, callLaterNeverRunsSynchronously) {
  Clock clock;
  bool ran = false;
  clock.callLater(0, [&] { ran = true; });
  EXPECT_FALSE(ran);
  clock.advance(0);
  EXPECT_TRUE(ran);
}

TEST(ClockTest, advanceRunsCallsDueAtOrBeforeNewTime) {
  Clock clock;
  Log log;
  auto record = [&](std::string name) { log.emplace_back(std::move(name), clock.seconds()); };
  auto a = clock.callLater(2, record, "a");
  clock.callLater(3, record, "b");
  clock.advance(1);
  EXPECT_TRUE(log.empty());
  EXPECT_TRUE(a->active());
  clock.advance(1);
  EXPECT_EQ(log, (Log{{"a", 2.0}}));
  EXPECT_FALSE(a->active());
  clock.advance(5);
  EXPECT_EQ(log, (Log{{"a", 2.0}, {"b", 7.0}}));
  EXPECT_EQ(clock.seconds(), 7.0);
}

TEST(ClockTest, pumpAdvancesInStepsRunningTheCallsDueAtEachStep) {
  Clock clock;
  Log log;
  auto record = [&](std::string name) { log.emplace_back(std::move(name), clock.seconds()); };
  clock.callLater(1, record, "a");
  clock.callLater(2.5, record, "b");
  clock.pump({1, 1, 1});
  EXPECT_EQ(log, (Log{{"a", 1.0}, {"b", 3.0}}));
  std::vector<double> steps{0.5, 0.5};
  clock.pump(steps);
  EXPECT_EQ(clock.seconds(), 4.0);
}

TEST(ClockTest, callLaterKeepsCallsOrdered) {
  Clock clock;
  std::vector<int> order;
  for (int i = 0; i < 20; ++i) clock.callLater(1, [&order, i] { order.push_back(i); });
  clock.callLater(0.5, [&order] { order.push_back(-1); });
  clock.advance(1);
  ASSERT_EQ(order.size(), 21u);
  EXPECT_EQ(order[0], -1);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i) + 1], i);
}

TEST(ClockTest, cancelledCallDoesNotRun) {
  Clock clock;
  bool ran = false;
  auto call = clock.callLater(1, [&] { ran = true; });
  call->cancel();
  EXPECT_FALSE(call->active());
  clock.advance(2);
  EXPECT_FALSE(ran);
  EXPECT_THROW(call->cancel(), error::AlreadyCancelled);
}

TEST(ClockTest, cancelInsideTheCallRaisesAlreadyCalled) {
  Clock clock;
  bool threw = false;
  DelayedCallPtr call;
  call = clock.callLater(1, [&] {
    try {
      call->cancel();
    } catch (const error::AlreadyCalled&) {
      threw = true;
    }
  });
  clock.advance(1);
  EXPECT_TRUE(threw);
  EXPECT_THROW(call->cancel(), error::AlreadyCalled);
  EXPECT_THROW(call->reset(1), error::AlreadyCalled);
  EXPECT_THROW(call->delay(1), error::AlreadyCalled);
}

TEST(ClockTest, callLaterDelayedAddsToTheDueTime) {
  Clock clock;
  Log log;
  auto record = [&](std::string name) { log.emplace_back(std::move(name), clock.seconds()); };
  auto call = clock.callLater(1, record, "x");
  call->delay(1);
  EXPECT_EQ(call->getTime(), 2.0);
  clock.advance(1.5);
  call->delay(1);
  EXPECT_EQ(call->getTime(), 3.0);
  clock.advance(1);
  EXPECT_TRUE(log.empty());
  clock.advance(0.5);
  EXPECT_EQ(log, (Log{{"x", 3.0}}));
}

TEST(ClockTest, callLaterResetLaterAndSooner) {
  Clock clock;
  Log log;
  auto record = [&](std::string name) { log.emplace_back(std::move(name), clock.seconds()); };
  auto later = clock.callLater(2, record, "later");
  auto sooner = clock.callLater(5, record, "sooner");
  clock.advance(1);
  later->reset(3);   // 1 + 3
  sooner->reset(1);  // 1 + 1
  EXPECT_EQ(later->getTime(), 4.0);
  EXPECT_EQ(sooner->getTime(), 2.0);
  clock.pump({1, 1, 1});
  EXPECT_EQ(log, (Log{{"sooner", 2.0}, {"later", 4.0}}));
}

TEST(ClockTest, callLaterResetKeepsCallsOrdered) {
  Clock clock;
  Log log;
  auto record = [&](std::string name) { log.emplace_back(std::move(name), clock.seconds()); };
  auto a = clock.callLater(1.0, record, "a");
  clock.callLater(2.0, record, "b");
  a->reset(3.0);
  clock.pump({1, 1, 1});
  EXPECT_EQ(log, (Log{{"b", 2.0}, {"a", 3.0}}));
}

TEST(ClockTest, callLaterResetInsideCallKeepsCallsOrdered) {
  Clock clock;
  Log log;
  auto record = [&](std::string name) { log.emplace_back(std::move(name), clock.seconds()); };
  auto b = clock.callLater(2.0, record, "b");
  clock.callLater(1.0, [&] { b->reset(3.0); });
  clock.callLater(3.0, record, "c");
  clock.pump(std::vector<double>(10, 0.5));
  EXPECT_EQ(log, (Log{{"c", 3.0}, {"b", 4.0}}));
}

TEST(ClockTest, zeroDelayCallMadeInsideACallRunsInTheSameAdvance) {
  // task.Clock re-checks the earliest call after each one; the reactor would wait a pass.
  Clock clock;
  std::vector<int> order;
  clock.callLater(1, [&] {
    order.push_back(1);
    clock.callLater(0, [&] { order.push_back(2); });
    clock.callLater(0.5, [&] { order.push_back(3); });
  });
  clock.advance(1);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  clock.advance(0.5);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(ClockTest, exceptionEscapingACallPropagatesOutOfAdvanceAndTheRestRunLater) {
  Clock clock;
  std::vector<int> order;
  auto bad = clock.callLater(1, [] { throw std::runtime_error("boom"); });
  clock.callLater(1, [&] { order.push_back(2); });
  EXPECT_THROW(clock.advance(1), std::runtime_error);
  EXPECT_EQ(bad->state(), DelayedCall::State::kCalled);
  EXPECT_TRUE(order.empty());
  clock.advance(0);
  EXPECT_EQ(order, (std::vector<int>{2}));
}

TEST(ClockTest, getDelayedCallsReturnsExactlyThePendingCalls) {
  Clock clock;
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  auto a = clock.callLater(1, [] {});
  auto b = clock.callLater(2, [] {});
  auto c = clock.callLater(3, [] {});
  b->cancel();
  auto calls = clock.getDelayedCalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], a);
  EXPECT_EQ(calls[1], c);
  clock.advance(1);
  calls = clock.getDelayedCalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], c);
}

TEST(ClockTest, cancelCallLaterCancelsOnlyThisClocksPendingCalls) {
  Clock clock, other;
  auto a = clock.callLater(1, [] {});
  auto b = other.callLater(1, [] {});
  clock.cancelCallLater(a);
  EXPECT_FALSE(a->active());
  EXPECT_THROW(clock.cancelCallLater(a), error::ValueError);
  EXPECT_THROW(clock.cancelCallLater(b), error::ValueError);
  EXPECT_THROW(clock.cancelCallLater(nullptr), error::ValueError);
  EXPECT_TRUE(b->active());
}

TEST(ClockTest, distantCallStaysActiveAndListed) {
  Clock clock;
  auto far = clock.callLater(std::pow(2.0, 128), [] {});
  bool ran = false;
  clock.callLater(1, [&] { ran = true; });
  clock.advance(1e6);
  EXPECT_TRUE(ran);
  EXPECT_TRUE(far->active());
  ASSERT_EQ(clock.getDelayedCalls().size(), 1u);
  EXPECT_EQ(clock.getDelayedCalls()[0], far);
}

TEST(ClockTest, strShowsSecondsLeftOnTheClock) {
  Clock clock;
  auto call = clock.callLater(5, [] {});
  clock.advance(2);
  EXPECT_NE(call->str().find("[3s]"), std::string::npos) << call->str();
}

TEST(ClockTest, callsSurviveTheirHandlesAndTheClockReleasesThemAtTheEnd) {
  auto token = std::make_shared<int>(0);
  DelayedCallPtr kept;
  {
    Clock clock;
    clock.callLater(1, [token] {});
    kept = clock.callLater(2, [token] {});
    EXPECT_EQ(token.use_count(), 3);
  }
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_TRUE(kept->active());
  kept->cancel();
}

}  // namespace
}  // namespace weft::testing
