// Chaining (a callback returning a Deferred, chainDeferred), pause, deep chains, and the
// unhandled-error log.
#include "test_util.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/defer/deferred.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

TEST(DeferredChainTest, aCallbackReturningAnUnfiredDeferredPausesTheOuterChain) {
  Deferred<int> outer;
  Deferred<std::string> inner;
  std::vector<std::string> seen;
  auto r = outer.addCallback([&](int) { return inner; }).addCallback([&](std::string s) {
    seen.push_back(s);
    return s.size();
  });
  outer.callback(1);
  EXPECT_TRUE(seen.empty());
  EXPECT_TRUE(outer.isWaitingOnDeferred());
  inner.callback("abc");
  EXPECT_EQ(seen, (std::vector<std::string>{"abc"}));
  EXPECT_FALSE(outer.isWaitingOnDeferred());
  EXPECT_EQ(successResultOf(r), 3u);
}

TEST(DeferredChainTest, aCallbackReturningAFiredDeferredContinuesAtOnce) {
  auto r = succeed(1).addCallback([](int x) { return succeed(x + 1); });
  EXPECT_EQ(successResultOf(r), 2);
}

TEST(DeferredChainTest, anErrbackMayReturnADeferred) {
  Deferred<int> inner;
  auto r = fail<int>(Failure(error::ValueError("v"))).addErrback([&](Failure) { return inner; });
  EXPECT_TRUE(r.isWaitingOnDeferred());
  inner.callback(7);
  EXPECT_EQ(successResultOf(r), 7);
}

TEST(DeferredChainTest, aChainedInnerDeferredHandsOverItsResultAndHoldsNone) {
  log::Capture capture;
  {
    Deferred<int> inner;
    auto r = succeed(0).addCallback([&](int) { return inner; });
    inner.errback(Failure(error::ValueError("v")));
    EXPECT_TRUE(failureResultOf(r).check<error::ValueError>());
    // The inner chain now holds None: its int-typed handles are stale.
    EXPECT_THROW((void)inner.addCallback([](int x) { return x; }), std::logic_error);
  }
  EXPECT_EQ(capture.count("Unhandled error in Deferred"), 0u);
}

TEST(DeferredChainTest, aSynchronousFailedInnerDeferredIsNotReportedTwice) {
  log::Capture capture;
  {
    auto r = succeed(0).addCallback([](int) { return fail<int>(Failure(error::ValueError("v"))); });
    EXPECT_TRUE(failureResultOf(r).check<error::ValueError>());
  }
  EXPECT_EQ(capture.count("Unhandled error in Deferred"), 0u);
}

TEST(DeferredChainTest, nestedChainsResolveInOrder) {
  std::vector<std::string> order;
  Deferred<int> a;
  Deferred<int> b;
  Deferred<int> c;
  auto ra = a.addCallback([&](int) {
               order.push_back("a");
               return b;
             }).addCallback([&](int x) {
    order.push_back("a2:" + std::to_string(x));
    return x;
  });
  auto rb = b.addCallback([&](int) {
               order.push_back("b");
               return c;
             }).addCallback([&](int x) {
    order.push_back("b2:" + std::to_string(x));
    return x + 1;
  });
  a.callback(0);
  b.callback(0);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b"}));
  c.callback(10);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "b2:10", "a2:11"}));
  EXPECT_EQ(successResultOf(ra), 11);
  (void)rb;
}

TEST(DeferredChainTest, innerCallbacksAddedBeforeChainingRunFirst) {
  std::vector<int> order;
  Deferred<int> inner;
  inner = inner.addCallback([&](int x) {
    order.push_back(1);
    return x * 2;
  });
  auto r = succeed(0).addCallback([&](int) { return inner; }).addCallback([&](int x) {
    order.push_back(2);
    return x;
  });
  inner.callback(5);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(successResultOf(r), 10);
}

TEST(DeferredChainTest, pauseHoldsCallbacksUntilUnpause) {
  Deferred<int> d;
  int seen = 0;
  d.pause();
  (void)d.addCallback([&](int x) { seen = x; });
  d.callback(3);
  EXPECT_EQ(seen, 0);
  EXPECT_TRUE(d.paused());
  d.unpause();
  EXPECT_EQ(seen, 3);
}

TEST(DeferredChainTest, pausesNest) {
  Deferred<int> d;
  int seen = 0;
  d.pause();
  d.pause();
  (void)d.addCallback([&](int x) { seen = x; });
  d.callback(3);
  d.unpause();
  EXPECT_EQ(seen, 0);
  d.unpause();
  EXPECT_EQ(seen, 3);
}

TEST(DeferredChainTest, unpauseBeforeCallbackRunsNothing) {
  Deferred<int> d;
  d.pause();
  d.unpause();
  int seen = 0;
  (void)d.addCallback([&](int x) { seen = x; });
  EXPECT_EQ(seen, 0);
  d.callback(2);
  EXPECT_EQ(seen, 2);
}

TEST(DeferredChainTest, aPausedFiredInnerDeferredBlocksTheOuterChainUntilUnpaused) {
  Deferred<int> paused;
  paused.callback(7);
  paused.pause();
  Deferred<int> chained;
  auto r = chained.addCallback([&](int) { return paused; });
  chained.callback(0);
  auto result = test::watch(r);
  EXPECT_FALSE(result->has_value());
  paused.unpause();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), 7);
}

TEST(DeferredChainTest, aPausedOuterDeferredDoesNotBlockTheInnerOne) {
  Deferred<void> first;
  Deferred<void> second;
  (void)first.addCallback([&] { return second; });
  first.callback();
  first.pause();
  second.callback();
  bool ran = false;
  (void)second.addCallback([&] { ran = true; });
  EXPECT_TRUE(ran);
  first.unpause();
}

TEST(DeferredChainTest, chainDeferredForwardsTheResult) {
  Deferred<int> a;
  Deferred<int> b;
  a.chainDeferred(b);
  EXPECT_TRUE(b.isWaitingOnDeferred());
  a.callback(4);
  EXPECT_FALSE(b.isWaitingOnDeferred());
  EXPECT_EQ(successResultOf(b), 4);
}

TEST(DeferredChainTest, chainDeferredForwardsTheFailure) {
  log::Capture capture;
  {
    Deferred<int> a;
    Deferred<int> b;
    a.chainDeferred(b);
    a.errback(Failure(error::ValueError("v")));
    EXPECT_TRUE(failureResultOf(b).check<error::ValueError>());
  }
  EXPECT_EQ(capture.count("Unhandled error"), 0u);
}

TEST(DeferredChainTest, chainDeferredIntoAFiredDeferredFailsWithAlreadyCalled) {
  log::Capture capture;
  {
    Deferred<int> a;
    Deferred<int> b;
    b.callback(1);
    a.chainDeferred(b);
    a.callback(2);  // the forward fails inside a's chain, which is then left unhandled
  }
  EXPECT_EQ(capture.count("AlreadyCalledError"), 1u);
}

TEST(DeferredChainTest, aHundredThousandNestedDeferredsDoNotGrowTheStack) {
  constexpr int kDepth = 100000;
  std::vector<Deferred<int>> inners(kDepth);
  Deferred<int> top;
  Deferred<int> cur = top;
  // Each level waits on the next inner Deferred, which waits on the one after it.
  auto r = top.addCallback([&](int) { return inners[0]; });
  for (int i = 0; i + 1 < kDepth; ++i) {
    Deferred<int> next = inners[static_cast<std::size_t>(i) + 1];
    inners[static_cast<std::size_t>(i)] =
        inners[static_cast<std::size_t>(i)].addCallback([next](int) { return next; });
  }
  top.callback(0);
  for (int i = 0; i < kDepth; ++i) inners[static_cast<std::size_t>(i)].callback(i);
  EXPECT_EQ(successResultOf(r), kDepth - 1);
}

TEST(DeferredChainTest, aHundredThousandChainedDeferredsFireWithoutRecursion) {
  constexpr int kDepth = 100000;
  std::vector<Deferred<int>> ds(kDepth);
  for (int i = 0; i + 1 < kDepth; ++i) {
    ds[static_cast<std::size_t>(i)].chainDeferred(ds[static_cast<std::size_t>(i) + 1]);
  }
  ds[0].callback(42);
  EXPECT_EQ(successResultOf(ds.back()), 42);
}

TEST(DeferredChainTest, anAbandonedDeepChainIsFreedWithoutRecursion) {
  constexpr int kDepth = 100000;
  std::vector<Deferred<int>> ds(kDepth);
  for (int i = 0; i + 1 < kDepth; ++i) {
    ds[static_cast<std::size_t>(i)].chainDeferred(ds[static_cast<std::size_t>(i) + 1]);
  }
  // Dropping the handles from the tail releases links through a trampoline.
  while (!ds.empty()) ds.pop_back();
}

TEST(DeferredChainTest, anUnhandledFailureIsLoggedWhenTheLastHandleGoes) {
  log::Capture capture;
  {
    Deferred<int> d;
    d.errback(Failure(error::ValueError("lost")));
  }
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].text.rfind("Unhandled error in Deferred:", 0), 0u) << errors[0].text;
  EXPECT_NE(errors[0].text.find("weft::error::ValueError: lost"), std::string::npos);
}

TEST(DeferredChainTest, aHandledFailureLogsNothing) {
  log::Capture capture;
  {
    Deferred<int> d;
    d.errback(Failure(error::ValueError("handled")));
    (void)d.addErrback([](Failure) { return 0; });
  }
  EXPECT_TRUE(capture.errors().empty());
}

TEST(DeferredChainTest, aFailureLeftByACallbackIsLoggedOnce) {
  log::Capture capture;
  {
    auto d = succeed(1).addCallback([](int) -> int { throw error::TypeError("late"); });
  }
  EXPECT_EQ(capture.count("Unhandled error in Deferred"), 1u);
}

TEST(DeferredChainTest, anInnerDeferredDestroyedUnfiredLeavesTheOuterWaitingSafely) {
  Deferred<int> outer;
  {
    Deferred<int> inner;
    auto r = outer.addCallback([inner](int) { return inner; });
    outer.callback(1);
    EXPECT_TRUE(outer.isWaitingOnDeferred());
  }
  EXPECT_FALSE(outer.isWaitingOnDeferred());
  outer.cancel();  // nothing to forward to; must not crash
}

}  // namespace
}  // namespace weft
