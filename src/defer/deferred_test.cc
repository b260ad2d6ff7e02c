#include "weft/defer/deferred.h"

#include "test_util.h"

#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

template <class D, class A>
concept CanCallback = requires(D d, A a) {
  d.callback(std::move(a));
};
template <class D, class A>
concept CanErrback = requires(D d, A a) {
  d.errback(std::move(a));
};

TEST(DeferredTest, callbackWithADeferredArgumentIsRejectedAtCompileTime) {
  static_assert(!CanCallback<Deferred<int>, Deferred<int>>);
  static_assert(!IsDeferred<int>::value && IsDeferred<Deferred<int>>::value);
  static_assert(std::is_same_v<DeferredValueT<Deferred<long>>, long>);
}

TEST(DeferredTest, errbackWithANonExceptionIsRejectedAtCompileTime) {
  static_assert(!CanErrback<Deferred<int>, std::string>);
  static_assert(!CanErrback<Deferred<int>, int>);
  static_assert(CanErrback<Deferred<int>, error::ValueError>);
}

TEST(DeferredTest, isOneHandleWide) { EXPECT_EQ(sizeof(Deferred<int>), sizeof(void*)); }

TEST(DeferredTest, callbacksRunInOrderWithThePreviousResult) {
  Deferred<int> d;
  std::vector<std::string> seen;
  auto last = d.addCallback([&](int x) {
                 seen.push_back("a" + std::to_string(x));
                 return x * 2;
               })
                  .addCallback([&](int x) {
                    seen.push_back("b" + std::to_string(x));
                    return std::to_string(x + 1);
                  })
                  .addCallback([&](std::string s) { seen.push_back("c" + s); });
  EXPECT_TRUE(seen.empty());
  d.callback(5);
  EXPECT_EQ(seen, (std::vector<std::string>{"a5", "b10", "c11"}));
  EXPECT_TRUE(last.called());
}

TEST(DeferredTest, extraArgumentsAreBoundIntoTheCallable) {
  Deferred<int> d;
  int seen = 0;
  int extra = 7;
  (void)d.addCallback([&seen, extra](int x) { seen = x + extra; });
  d.callback(1);
  EXPECT_EQ(seen, 8);
}

TEST(DeferredTest, aThrowingCallbackSwitchesToTheErrbackPath) {
  Deferred<int> d;
  bool skipped = true;
  auto r = d.addCallback([](int) -> int { throw error::ValueError("no"); })
               .addCallback([&](int x) {
                 skipped = false;
                 return x;
               })
               .addErrback([](Failure f) {
                 f.trap<error::ValueError>();
                 return 99;
               });
  d.callback(1);
  EXPECT_TRUE(skipped);
  EXPECT_EQ(successResultOf(r), 99);
}

TEST(DeferredTest, aCallbackReturningFailureSwitchesToTheErrbackPathWithoutThrowing) {
  Deferred<int> d;
  auto r = d.addCallback([](int) { return Failure(error::TypeError("t")); });
  d.callback(1);
  EXPECT_TRUE(failureResultOf(r).check<error::TypeError>());
}

TEST(DeferredTest, anErrbackReturningAValueSwitchesBackToTheCallbackPath) {
  auto r = fail<int>(Failure(error::ValueError("v")))
               .addErrback([](Failure) { return 3; })
               .addCallback([](int x) { return x + 1; });
  EXPECT_EQ(successResultOf(r), 4);
}

TEST(DeferredTest, anErrbackReturningFailureStaysOnTheErrbackPath) {
  auto r = fail<int>(Failure(error::ValueError("v"))).addErrback([](Failure f) {
    return Failure(error::TypeError("wrapped " + f.getErrorMessage()));
  });
  Failure f = failureResultOf(r);
  EXPECT_TRUE(f.check<error::TypeError>());
  EXPECT_EQ(f.getErrorMessage(), "wrapped v");
}

TEST(DeferredTest, anErrbackThatRethrowsKeepsTheSameFailure) {
  Failure original(error::ValueError("v"));
  auto r = fail<int>(original).addErrback([](Failure f) -> int {
    f.trap<error::TypeError>();
    return 0;
  });
  EXPECT_TRUE(failureResultOf(r).sameAs(original));
}

TEST(DeferredTest, outcomeReturningCallbacksPickThePath) {
  auto ok = succeed(2).addCallback([](int x) { return Outcome<long>(x * 10L); });
  EXPECT_EQ(successResultOf(ok), 20L);
  auto bad =
      succeed(2).addCallback([](int) { return Outcome<long>(Failure(error::KeyError("k"))); });
  EXPECT_TRUE(failureResultOf(bad).check<error::KeyError>());
}

TEST(DeferredTest, addCallbacksUsesOnePathPerResult) {
  int cbs = 0;
  int ebs = 0;
  auto a = succeed(1).addCallbacks(
      [&](int x) {
        ++cbs;
        return x;
      },
      [&](Failure) {
        ++ebs;
        return 0;
      });
  auto b = fail<int>(Failure(error::ValueError("v")))
               .addCallbacks(
                   [&](int x) {
                     ++cbs;
                     return x;
                   },
                   [&](Failure) {
                     ++ebs;
                     return 5;
                   });
  EXPECT_EQ(cbs, 1);
  EXPECT_EQ(ebs, 1);
  EXPECT_EQ(successResultOf(b), 5);
  (void)a;
}

TEST(DeferredTest, addErrbackIsSkippedOnSuccessAndAddCallbackOnFailure) {
  bool eb = false;
  auto r = succeed(1).addErrback([&](Failure) {
    eb = true;
    return 0;
  });
  EXPECT_FALSE(eb);
  EXPECT_EQ(successResultOf(r), 1);
  bool cb = false;
  auto f = fail<int>(Failure(error::ValueError("v"))).addCallback([&](int) { cb = true; });
  EXPECT_FALSE(cb);
  EXPECT_TRUE(failureResultOf(f).check<error::ValueError>());
}

TEST(DeferredTest, addBothSeesEitherOutcome) {
  std::vector<bool> seen;
  auto a = succeed(1).addBoth([&](Outcome<int> o) { seen.push_back(o.ok()); });
  auto b = fail<int>(Failure(error::ValueError("v"))).addBoth([&](Outcome<int> o) {
    seen.push_back(o.ok());
    return o.ok() ? 0 : 1;
  });
  EXPECT_EQ(seen, (std::vector<bool>{true, false}));
  EXPECT_EQ(successResultOf(b), 1);
  (void)a;
}

TEST(DeferredTest, addBothWithANullaryCallableIsAFinallyThatKeepsTheResult) {
  int runs = 0;
  auto a = succeed(3).addBoth([&] { ++runs; });
  auto b = fail<int>(Failure(error::ValueError("v"))).addBoth([&] { ++runs; });
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(successResultOf(a), 3);
  EXPECT_TRUE(failureResultOf(b).check<error::ValueError>());
}

TEST(DeferredTest, callbackAddedAfterFiringRunsAtOnce) {
  Deferred<int> d;
  d.callback(4);
  int seen = 0;
  (void)d.addCallback([&](int x) { seen = x; });
  EXPECT_EQ(seen, 4);
}

TEST(DeferredTest, succeedAndFailAreAlreadyFired) {
  EXPECT_TRUE(succeed(1).called());
  EXPECT_TRUE(succeed().called());
  EXPECT_EQ(successResultOf(succeed(std::string("s"))), "s");
  EXPECT_TRUE(failureResultOf(fail(Failure(error::ValueError("v")))).check<error::ValueError>());
}

TEST(DeferredTest, voidDeferredsTakeNullaryCallbacks) {
  Deferred<void> d;
  bool ran = false;
  auto r = d.addCallback([&] {
    ran = true;
    return 1;
  });
  d.callback();
  EXPECT_TRUE(ran);
  EXPECT_EQ(successResultOf(r), 1);
  auto e = fail(Failure(error::ValueError("v"))).addErrback([](Failure) {});
  successResultOf(e);
}

TEST(DeferredTest, firingTwiceRaisesAlreadyCalledError) {
  Deferred<int> cc;
  cc.callback(1);
  EXPECT_THROW(cc.callback(2), error::AlreadyCalledError);
  EXPECT_THROW(cc.errback(Failure(error::ValueError("v"))), error::AlreadyCalledError);
  Deferred<int> ec;
  ec.errback(Failure(error::ValueError("v")));
  EXPECT_THROW(ec.callback(2), error::AlreadyCalledError);
  EXPECT_THROW(ec.errback(Failure(error::ValueError("w"))), error::AlreadyCalledError);
  (void)ec.addErrback([](Failure) { return 0; });
}

TEST(DeferredTest, errbackWithNoArgumentWrapsTheCurrentException) {
  Deferred<int> d;
  try {
    throw error::KeyError("k");
  } catch (...) {
    d.errback();
  }
  EXPECT_TRUE(failureResultOf(d).check<error::KeyError>());
}

TEST(DeferredTest, errbackWithNoArgumentOutsideACatchRaisesNoCurrentExceptionError) {
  Deferred<int> d;
  EXPECT_THROW(d.errback(), error::NoCurrentExceptionError);
  EXPECT_FALSE(d.called());
}

TEST(DeferredTest, errbackAcceptsAnExceptionValue) {
  Deferred<int> d;
  d.errback(error::ValueError("v"));
  EXPECT_TRUE(failureResultOf(d).check<error::ValueError>());
}

TEST(DeferredTest, firingThroughAHandleOfTheWrongTypeRaisesLogicError) {
  Deferred<int> d;
  auto s = d.addCallback([](int x) { return std::to_string(x); });
  EXPECT_THROW(s.callback("x"), std::logic_error);
  EXPECT_FALSE(d.called());
  d.callback(1);
  EXPECT_EQ(successResultOf(s), "1");
}

TEST(DeferredTest, addCallbackThroughAStaleHandleRaisesLogicError) {
  Deferred<int> d;
  auto s = d.addCallback([](int x) { return std::to_string(x); });
  EXPECT_THROW((void)d.addCallback([](int x) { return x; }), std::logic_error);
  (void)s;
}

TEST(DeferredTest, aMovedFromHandleRaisesLogicError) {
  Deferred<int> d;
  Deferred<int> e = std::move(d);
  EXPECT_THROW(d.callback(1), std::logic_error);     // NOLINT(bugprone-use-after-move)
  EXPECT_THROW((void)d.called(), std::logic_error);  // NOLINT(bugprone-use-after-move)
  e.callback(1);
}

TEST(DeferredTest, aCallbackAddedByARunningCallbackRunsAfterItNotInsideIt) {
  Deferred<int> d;
  std::vector<int> order;
  Deferred<int> self = d;
  (void)d.addCallback([&](int x) {
    order.push_back(1);
    (void)self.addCallback([&](int y) {
      order.push_back(3);
      return y;
    });
    order.push_back(2);
    return x;
  });
  d.callback(0);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(DeferredTest, aReentrantCallbackThatThrowsGoesToTheNextErrback) {
  Deferred<int> d;
  Deferred<int> self = d;
  bool trapped = false;
  (void)d.addCallback([&](int x) {
    (void)self.addCallback([](int) -> int { throw error::ValueError("inner"); });
    (void)self.addErrback([&](Failure f) {
      trapped = f.check<error::ValueError>();
      return 0;
    });
    return x;
  });
  d.callback(0);
  EXPECT_TRUE(trapped);
}

TEST(DeferredTest, aCallbackReturningItsOwnDeferredFails) {
  Deferred<int> d;
  Deferred<int> self = d;
  auto r = d.addCallback([self](int) { return self; });
  d.callback(1);
  EXPECT_TRUE(failureResultOf(r).check<error::RuntimeError>());
}

TEST(DeferredTest, moveOnlyValuesFlowThroughTheChain) {
  Deferred<std::unique_ptr<int>> d;
  auto r = d.addCallback([](std::unique_ptr<int> p) { return *p + 1; });
  d.callback(std::make_unique<int>(41));
  EXPECT_EQ(successResultOf(r), 42);
}

TEST(DeferredTest, largeValuesAndManyCallbacksSpillToTheHeapCorrectly) {
  struct Big {
    char bytes[200];
    std::string s;
  };
  Deferred<Big> d;
  Deferred<Big> cur = d;
  for (int i = 0; i < 20; ++i) {
    std::string pad(64, 'x');  // large captures overflow the inline arena
    cur = cur.addCallback([pad](Big b) {
      b.s += pad.substr(0, 1);
      return b;
    });
  }
  Big b{};
  d.callback(std::move(b));
  EXPECT_EQ(successResultOf(cur).s, std::string(20, 'x'));
}

TEST(DeferredTest, maybeDeferredWrapsAValue) {
  EXPECT_EQ(successResultOf(maybeDeferred([](int a, int b) { return a + b; }, 2, 3)), 5);
}

TEST(DeferredTest, maybeDeferredWrapsAnException) {
  auto d = maybeDeferred([]() -> int { throw error::ValueError("v"); });
  EXPECT_TRUE(failureResultOf(d).check<error::ValueError>());
}

TEST(DeferredTest, maybeDeferredWrapsAReturnedFailure) {
  auto d = maybeDeferred([] { return Failure(error::KeyError("k")); });
  EXPECT_TRUE(failureResultOf(d).check<error::KeyError>());
}

TEST(DeferredTest, maybeDeferredPassesAReturnedDeferredThrough) {
  Deferred<int> inner;
  auto d = maybeDeferred([&] { return inner; });
  EXPECT_TRUE(d == inner);
  EXPECT_FALSE(d.called());
  inner.callback(3);
  EXPECT_EQ(successResultOf(d), 3);
  auto bad = maybeDeferred([]() -> Deferred<int> { throw error::TypeError("t"); });
  EXPECT_TRUE(failureResultOf(bad).check<error::TypeError>());
}

TEST(DeferredTest, maybeDeferredOfAVoidFunctionGivesDeferredVoid) {
  bool ran = false;
  Deferred<void> d = maybeDeferred([&] { ran = true; });
  EXPECT_TRUE(ran);
  successResultOf(d);
}

}  // namespace
}  // namespace weft
