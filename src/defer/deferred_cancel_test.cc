// cancel() with and without a canceller, and addTimeout.
#include "test_util.h"

#include "weft/base/error.h"
#include "weft/defer/deferred.h"

#include <gtest/gtest.h>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

TEST(DeferredCancelTest, cancelWithoutCancellerErrbacksCancelledError) {
  Deferred<int> d;
  d.cancel();
  EXPECT_TRUE(failureResultOf(d).check<error::CancelledError>());
}

TEST(DeferredCancelTest, theCancellerIsCalledOnceWithTheDeferred) {
  int calls = 0;
  Deferred<int>* seen = nullptr;
  Deferred<int> d([&](Deferred<int>& self) {
    ++calls;
    seen = &self;
  });
  d.cancel();
  d.cancel();
  EXPECT_EQ(calls, 1);
  EXPECT_NE(seen, nullptr);
  EXPECT_TRUE(failureResultOf(d).check<error::CancelledError>());
}

TEST(DeferredCancelTest, aCancellerMayFireTheDeferredWithAResult) {
  Deferred<int> d([](Deferred<int>& self) { self.callback(5); });
  d.cancel();
  EXPECT_EQ(successResultOf(d), 5);
}

TEST(DeferredCancelTest, aCancellerMayFireTheDeferredWithItsOwnFailure) {
  Deferred<int> d([](Deferred<int>& self) { self.errback(Failure(error::ValueError("mine"))); });
  d.cancel();
  EXPECT_TRUE(failureResultOf(d).check<error::ValueError>());
}

TEST(DeferredCancelTest, oneLateCallbackAfterCancelIsIgnoredTheNextRaises) {
  Deferred<int> d;
  d.cancel();
  EXPECT_NO_THROW(d.callback(1));
  EXPECT_THROW(d.callback(2), error::AlreadyCalledError);
  EXPECT_TRUE(failureResultOf(d).check<error::CancelledError>());
}

TEST(DeferredCancelTest, oneLateErrbackAfterCancelIsIgnoredTheNextRaises) {
  Deferred<int> d;
  d.cancel();
  EXPECT_NO_THROW(d.errback(Failure(error::ValueError("late"))));
  EXPECT_THROW(d.errback(Failure(error::ValueError("later"))), error::AlreadyCalledError);
  EXPECT_TRUE(failureResultOf(d).check<error::CancelledError>());
}

TEST(DeferredCancelTest, repeatedCancelsDoNothing) {
  Deferred<int> d;
  d.cancel();
  d.cancel();
  d.callback(1);  // the one ignored late call
  d.cancel();
  EXPECT_TRUE(failureResultOf(d).check<error::CancelledError>());
}

TEST(DeferredCancelTest, withACancellerALateCallbackRaises) {
  Deferred<int> d([](Deferred<int>&) {});
  d.cancel();
  EXPECT_THROW(d.callback(1), error::AlreadyCalledError);
  (void)failureResultOf(d);
}

TEST(DeferredCancelTest, cancelAfterFiringDoesNothing) {
  Deferred<int> d([](Deferred<int>&) { FAIL() << "canceller after firing"; });
  d.callback(1);
  d.cancel();
  EXPECT_EQ(successResultOf(d), 1);
  Deferred<int> e;
  e.errback(Failure(error::ValueError("v")));
  e.cancel();
  EXPECT_TRUE(failureResultOf(e).check<error::ValueError>());
}

TEST(DeferredCancelTest, cancellingAnOuterDeferredCancelsTheInnerItWaitsOn) {
  bool innerCancelled = false;
  Deferred<int> inner([&](Deferred<int>&) { innerCancelled = true; });
  Deferred<int> outer;
  auto r = outer.addCallback([&](int) { return inner; });
  outer.callback(0);
  outer.cancel();
  EXPECT_TRUE(innerCancelled);
  EXPECT_TRUE(failureResultOf(r).check<error::CancelledError>());
}

TEST(DeferredCancelTest, aThrowingCancellerPropagates) {
  Deferred<int> d([](Deferred<int>&) { throw error::ValueError("canceller broke"); });
  EXPECT_THROW(d.cancel(), error::ValueError);
  d.callback(1);
  EXPECT_EQ(successResultOf(d), 1);
}

TEST(DeferredTimeoutTest, aResultBeforeTheTimeoutPassesThroughAndCancelsTheTimer) {
  test::FakeClock clock;
  Deferred<int> d;
  auto r = d.addTimeout(Seconds(10), clock);
  EXPECT_EQ(clock.pending(), 1u);
  d.callback(3);
  EXPECT_EQ(clock.pending(), 0u);
  EXPECT_EQ(successResultOf(r), 3);
}

TEST(DeferredTimeoutTest, aFailureBeforeTheTimeoutPassesThroughUntouched) {
  test::FakeClock clock;
  Deferred<int> d;
  auto r = d.addTimeout(Seconds(10), clock);
  d.errback(Failure(error::ValueError("v")));
  EXPECT_TRUE(failureResultOf(r).check<error::ValueError>());
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(DeferredTimeoutTest, theTimeoutCancelsAndFailsWithTimeoutError) {
  test::FakeClock clock;
  bool cancelled = false;
  Deferred<int> d([&](Deferred<int>&) { cancelled = true; });
  auto r = d.addTimeout(Seconds(10), clock);
  clock.advance(9);
  EXPECT_FALSE(d.called());
  clock.advance(1);
  EXPECT_TRUE(cancelled);
  Failure f = failureResultOf(r);
  EXPECT_TRUE(f.check<error::TimeoutError>()) << f.getTraceback();
}

TEST(DeferredTimeoutTest, aUserCancelStaysACancelledError) {
  test::FakeClock clock;
  Deferred<int> d;
  auto r = d.addTimeout(Seconds(10), clock);
  d.cancel();
  EXPECT_TRUE(failureResultOf(r).check<error::CancelledError>());
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(DeferredTimeoutTest, aCancellerResultIsRespected) {
  test::FakeClock clock;
  Deferred<int> d([](Deferred<int>& self) { self.callback(8); });
  auto r = d.addTimeout(Seconds(1), clock);
  clock.advance(1);
  EXPECT_EQ(successResultOf(r), 8);
}

TEST(DeferredTimeoutTest, onTimeoutCancelDecidesTheOutcome) {
  test::FakeClock clock;
  Deferred<int> d;
  double seenTimeout = 0;
  auto r = d.addTimeout(Seconds(2), clock, [&](Outcome<int> o, Seconds t) -> Outcome<int> {
    seenTimeout = t.count();
    EXPECT_TRUE(o.failure().check<error::CancelledError>());
    return 77;
  });
  clock.advance(2);
  EXPECT_EQ(seenTimeout, 2.0);
  EXPECT_EQ(successResultOf(r), 77);
}

}  // namespace
}  // namespace weft
