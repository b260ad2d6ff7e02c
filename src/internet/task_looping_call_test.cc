// LoopingCall on a deterministic Clock: t/test_task.py LoopTests and ReactorLoopTests
// (TASK-01..TASK-06).
#include "weft/base/error.h"
#include "weft/defer/deferred.h"
#include "weft/internet/task.h"
#include "weft/testing/clock.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace weft {
namespace {

using testing::Clock;

struct TestException : std::runtime_error {
  TestException() : std::runtime_error("TestException") {}
};

// Records what a Deferred fires with, without consuming the caller's handle type.
template <class T>
std::shared_ptr<std::optional<Outcome<T>>> watch(Deferred<T>& d) {
  auto r = std::make_shared<std::optional<Outcome<T>>>();
  d = d.addBoth([r](Outcome<T> o) -> Outcome<T> {
    r->emplace(o);
    return o;
  });
  return r;
}

// --- TASK-01: basic function --------------------------------------------------------------

TEST(LoopingCallTest, startCallsAtOnceThenEveryIntervalAndStopFiresWithTheLoopingCall) {
  Clock clock;
  int calls = 0;
  LoopingCall lc(clock, [&] { ++calls; });
  auto d = lc.start(0.1);
  auto result = watch(d);
  EXPECT_EQ(calls, 1);
  clock.pump({0.05, 0.1, 0.1});
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(result->has_value());
  EXPECT_TRUE(lc.running());
  lc.stop();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), &lc);
  EXPECT_FALSE(lc.running());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, intervalAndCallReflectTheLoop) {
  Clock clock;
  LoopingCall lc(clock, [] {});
  EXPECT_EQ(lc.interval().count(), 0.0);
  EXPECT_EQ(lc.call(), nullptr);
  EXPECT_EQ(&lc.clock(), &clock);
  auto d = lc.start(2.5);
  EXPECT_EQ(lc.interval().count(), 2.5);
  ASSERT_NE(lc.call(), nullptr);
  EXPECT_EQ(lc.call()->getTime(), 2.5);
  lc.stop();
  EXPECT_EQ(lc.call(), nullptr);
}

TEST(LoopingCallTest, stoppingFromInsideTheSixthCallStopsAfterSixCalls) {
  Clock clock;
  int ran = 0;
  std::unique_ptr<LoopingCall> lc;
  lc = std::make_unique<LoopingCall>(clock, [&] {
    if (++ran > 5) lc->stop();
  });
  auto d = lc->start(0);
  auto result = watch(d);
  clock.advance(0);
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), lc.get());
  EXPECT_EQ(ran, 6);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, canBeStartedAgainAfterStop) {
  Clock clock;
  int calls = 0;
  LoopingCall lc(clock, [&] { ++calls; });
  auto d1 = lc.start(1);
  lc.stop();
  auto d2 = lc.start(1, false);
  EXPECT_EQ(calls, 1);
  clock.advance(1);
  EXPECT_EQ(calls, 2);
  auto result = watch(d2);
  lc.stop();
  EXPECT_TRUE(result->has_value());
}

TEST(LoopingCallTest, aDeferredOfAnyTypeFromFIsWaitedFor) {
  Clock clock;
  std::vector<Deferred<int>> pending;
  LoopingCall lc(clock, [&] {
    pending.emplace_back();
    return pending.back();
  });
  auto d = lc.start(1);
  clock.advance(5);
  EXPECT_EQ(pending.size(), 1u);
  pending[0].callback(7);
  clock.advance(1);
  EXPECT_EQ(pending.size(), 2u);
  lc.stop();
  pending[1].callback(8);
  EXPECT_TRUE(watch(d)->has_value());
}

// --- TASK-02: delayed start, bad delay, misuse --------------------------------------------

TEST(LoopingCallTest, startWithNowFalseWaitsOneIntervalBeforeTheFirstCall) {
  Clock clock;
  int calls = 0;
  LoopingCall lc(clock, [&] { ++calls; });
  auto d = lc.start(0.1, false);
  auto result = watch(d);
  EXPECT_EQ(calls, 0);
  clock.pump({0.05, 0.1, 0.1});
  EXPECT_EQ(calls, 2);
  lc.stop();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), &lc);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, startWithANegativeOrNaNIntervalRaisesValueError) {
  Clock clock;
  LoopingCall lc(clock, [] {});
  EXPECT_THROW(static_cast<void>(lc.start(-1)), error::ValueError);
  EXPECT_THROW(static_cast<void>(lc.start(std::nan(""))), error::ValueError);
  EXPECT_FALSE(lc.running());
  EXPECT_THROW(lc.setInterval(Seconds(-0.5)), error::ValueError);
}

TEST(LoopingCallTest, startingARunningLoopRaisesAssertionError) {
  Clock clock;
  LoopingCall lc(clock, [] {});
  auto d = lc.start(1);
  EXPECT_THROW(static_cast<void>(lc.start(1)), error::AssertionError);
  lc.stop();
}

TEST(LoopingCallTest, stopAndResetOfALoopThatIsNotRunningRaiseAssertionError) {
  Clock clock;
  LoopingCall lc(clock, [] {});
  EXPECT_THROW(lc.stop(), error::AssertionError);
  EXPECT_THROW(lc.reset(), error::AssertionError);
}

// --- TASK-03: stopping early, reset ------------------------------------------------------

TEST(LoopingCallTest, stopBeforeTheFirstCallOfIntervalZeroMakesNoCall) {
  Clock clock;
  int ran = 0;
  LoopingCall lc(clock, [&] { ++ran; });
  auto d = lc.start(0, false);
  lc.stop();
  EXPECT_EQ(ran, 0);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, stopBeforeADelayedStartFiresStartWithTheLoopingCall) {
  Clock clock;
  int ran = 0;
  LoopingCall lc(clock, [&] { ++ran; });
  auto d = lc.start(10, false);
  auto result = watch(d);
  lc.stop();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), &lc);
  clock.advance(20);
  EXPECT_EQ(ran, 0);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, stopFromTheFirstCallStopsTheLoop) {
  Clock clock;
  int ran = 0;
  std::optional<LoopingCall> lc;
  lc.emplace(clock, [&] {
    ++ran;
    lc->stop();
  });
  auto d = lc->start(0);
  auto result = watch(d);
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), &*lc);
  clock.advance(1);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, stopFromAnotherTimedCallPreventsEveryLaterCall) {
  Clock clock;
  int ran = 0;
  LoopingCall lc(clock, [&] { ++ran; });
  auto d = lc.start(1, false);
  auto stopper = clock.callLater(0, [&] { lc.stop(); });
  clock.pump({0, 1, 1});
  EXPECT_EQ(ran, 0);
  EXPECT_TRUE(watch(d)->has_value());
}

TEST(LoopingCallTest, resetRestartsTheCurrentIntervalFromNow) {
  Clock clock;
  int ran = 0;
  LoopingCall lc(clock, [&] { ++ran; });
  auto d = lc.start(2, false);
  clock.advance(1);
  lc.reset();
  clock.advance(1);
  EXPECT_EQ(ran, 0);
  clock.advance(1);
  EXPECT_EQ(ran, 1);
  clock.advance(2);
  EXPECT_EQ(ran, 2);
  lc.stop();
}

TEST(LoopingCallTest, resetWhileFsDeferredIsPendingDoesNothing) {
  Clock clock;
  Deferred<void> inner;
  int ran = 0;
  LoopingCall lc(clock, [&] {
    ++ran;
    return inner;
  });
  auto d = lc.start(1);
  lc.reset();
  EXPECT_EQ(lc.call(), nullptr);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  inner.callback();
  ASSERT_NE(lc.call(), nullptr);
  EXPECT_EQ(lc.call()->getTime(), 1.0);
  lc.stop();
}

// --- TASK-04: failures --------------------------------------------------------------------

TEST(LoopingCallTest, anExceptionFromFStopsTheLoopAndErrbacksStart) {
  Clock clock;
  LoopingCall lc(clock, []() -> void { throw TestException(); });
  auto d = lc.start(0.1);
  auto result = watch(d);
  ASSERT_TRUE(result->has_value());
  ASSERT_FALSE((*result)->ok());
  EXPECT_TRUE((*result)->failure().check<TestException>());
  EXPECT_FALSE(lc.running());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  d = d.addErrback([](Failure) -> LoopingCall* { return nullptr; });
}

TEST(LoopingCallTest, stopThenThrowInsideFStillErrbacksStart) {
  Clock clock;
  std::unique_ptr<LoopingCall> lc;
  lc = std::make_unique<LoopingCall>(clock, [&]() -> void {
    lc->stop();
    throw TestException();
  });
  auto d = lc->start(0.1);
  auto result = watch(d);
  ASSERT_TRUE(result->has_value());
  EXPECT_TRUE((*result)->failure().check<TestException>());
  EXPECT_FALSE(lc->running());
  d = d.addErrback([](Failure) -> LoopingCall* { return nullptr; });
}

TEST(LoopingCallTest, aFailureOfFsDeferredErrbacksStartAndLeavesNothingScheduled) {
  Clock clock;
  std::vector<DelayedCallPtr> errbackers;
  LoopingCall lc(clock, [&] {
    Deferred<void> d;
    errbackers.push_back(clock.callLater(0.3, [d]() mutable { d.errback(TestException()); }));
    return d;
  });
  auto d = lc.start(1);
  auto result = watch(d);
  EXPECT_FALSE(result->has_value());
  clock.pump({0.3});
  ASSERT_TRUE(result->has_value());
  EXPECT_TRUE((*result)->failure().check<TestException>());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  EXPECT_FALSE(lc.running());
  d = d.addErrback([](Failure) -> LoopingCall* { return nullptr; });
}

TEST(LoopingCallTest, aFailureReturnedByFErrbacksStart) {
  Clock clock;
  LoopingCall lc(clock, [] { return Failure(TestException()); });
  auto d = lc.start(1);
  auto result = watch(d);
  ASSERT_TRUE(result->has_value());
  EXPECT_TRUE((*result)->failure().check<TestException>());
  d = d.addErrback([](Failure) -> LoopingCall* { return nullptr; });
}

// --- TASK-05: waiting for f's Deferred ----------------------------------------------------

TEST(LoopingCallTest, theNextCallWaitsForTheDeferredThatFReturns) {
  Clock clock;
  int ran = 0;
  std::vector<DelayedCallPtr> firers;
  std::unique_ptr<LoopingCall> lc;
  lc = std::make_unique<LoopingCall>(clock, [&] {
    ++ran;
    Deferred<void> d;
    Deferred<void> stopped = d.addCallback([&] { lc->stop(); });
    firers.push_back(clock.callLater(1, [d]() mutable { d.callback(); }));
    return stopped;
  });
  auto d = lc->start(0.2);
  auto result = watch(d);
  clock.pump({0.2, 0.8});
  EXPECT_EQ(ran, 1);
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), lc.get());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, stopWhileFsDeferredIsPendingFiresStartWhenItFires) {
  Clock clock;
  Deferred<void> inner;
  LoopingCall lc(clock, [&] { return inner; });
  auto d = lc.start(1);
  auto result = watch(d);
  lc.stop();
  EXPECT_FALSE(lc.running());
  EXPECT_FALSE(result->has_value());
  inner.callback();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), &lc);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(LoopingCallTest, restartWhileTheOldRunsDeferredIsPendingKeepsTheRunsApart) {
  Clock clock;
  std::vector<Deferred<void>> pending;
  LoopingCall lc(clock, [&] {
    pending.emplace_back();
    return pending.back();
  });
  auto first = lc.start(1);
  auto firstResult = watch(first);
  lc.stop();
  auto second = lc.start(1);
  auto secondResult = watch(second);
  ASSERT_EQ(pending.size(), 2u);
  pending[0].callback();  // the old run ends; the new one is untouched
  ASSERT_TRUE(firstResult->has_value());
  EXPECT_FALSE(secondResult->has_value());
  EXPECT_TRUE(lc.running());
  pending[1].callback();
  clock.advance(1);
  EXPECT_EQ(pending.size(), 3u);
  lc.stop();
  pending[2].callback();
  EXPECT_TRUE(secondResult->has_value());
}

// --- ownership ----------------------------------------------------------------------------

TEST(LoopingCallTest, destroyingARunningLoopCancelsItsPendingCall) {
  Clock clock;
  int ran = 0;
  auto lc = std::make_unique<LoopingCall>(clock, [&] { ++ran; });
  auto d = lc->start(1);
  auto result = watch(d);
  EXPECT_EQ(clock.getDelayedCalls().size(), 1u);
  lc.reset();
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  clock.advance(5);
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(result->has_value());
}

TEST(LoopingCallTest, destroyingTheLoopWhileFsDeferredIsPendingIsSafe) {
  Clock clock;
  Deferred<void> ok;
  Deferred<void> bad;
  bool first = true;
  auto lc = std::make_unique<LoopingCall>(clock, [&] {
    bool wasFirst = std::exchange(first, false);
    return wasFirst ? ok : bad;
  });
  auto d = lc->start(1);
  auto result = watch(d);
  lc.reset();
  ok.callback();
  EXPECT_FALSE(result->has_value());
  EXPECT_TRUE(clock.getDelayedCalls().empty());

  // A failure arriving after the loop is gone still reaches the start() Deferred.
  auto lc2 = std::make_unique<LoopingCall>(clock, [&] { return bad; });
  auto d2 = lc2->start(1);
  auto result2 = watch(d2);
  lc2.reset();
  bad.errback(TestException());
  ASSERT_TRUE(result2->has_value());
  EXPECT_TRUE((*result2)->failure().check<TestException>());
  d2 = d2.addErrback([](Failure) -> LoopingCall* { return nullptr; });
}

TEST(LoopingCallTest, fMayDestroyTheLoopThatCallsIt) {
  Clock clock;
  int ran = 0;
  std::unique_ptr<LoopingCall> lc;
  lc = std::make_unique<LoopingCall>(clock, [&, guard = std::make_shared<int>(1)] {
    ++ran;
    if (ran == 2) {
      lc.reset();
      EXPECT_EQ(*guard, 1);  // the captures are still alive after the loop is gone
    }
  });
  auto d = lc->start(1);
  clock.advance(1);
  EXPECT_EQ(lc, nullptr);
  clock.advance(5);
  EXPECT_EQ(ran, 2);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

}  // namespace
}  // namespace weft
