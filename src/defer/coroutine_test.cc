// Coroutines returning Deferred<T> (ensureDeferred / inlineCallbacks).
#include "test_util.h"

#include "weft/base/error.h"
#include "weft/defer/deferred.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

Deferred<int> addOne(Deferred<int> in) { co_return co_await in + 1; }

TEST(CoroutineTest, startsEagerlyAndFiresOnCoReturn) {
  bool started = false;
  auto co = [&]() -> Deferred<int> {
    started = true;
    co_return 3;
  };
  Deferred<int> d = co();
  EXPECT_TRUE(started);
  EXPECT_EQ(successResultOf(d), 3);
}

TEST(CoroutineTest, awaitsAnUnfiredDeferred) {
  Deferred<int> in;
  Deferred<int> out = addOne(in);
  EXPECT_FALSE(out.called());
  in.callback(41);
  EXPECT_EQ(successResultOf(out), 42);
}

TEST(CoroutineTest, awaitsAFiredDeferredWithoutSuspending) {
  EXPECT_EQ(successResultOf(addOne(succeed(1))), 2);
}

TEST(CoroutineTest, anEscapingExceptionErrbacksItsDeferred) {
  auto co = []() -> Deferred<void> {
    throw error::ValueError("from coroutine");
    co_return;
  };
  EXPECT_TRUE(failureResultOf(co()).check<error::ValueError>());
}

TEST(CoroutineTest, aFailedAwaitedDeferredRaisesInsideTheCoroutine) {
  Deferred<int> in;
  auto co = [](Deferred<int> d) -> Deferred<std::string> {
    try {
      co_await d;
    } catch (const error::KeyError& e) {
      co_return std::string("caught ") + e.what();
    }
    co_return "no";
  };
  Deferred<std::string> out = co(in);
  in.errback(Failure(error::KeyError("k")));
  EXPECT_EQ(successResultOf(out), "caught k");
}

TEST(CoroutineTest, theRaisedExceptionIsTheOriginalFailure) {
  Failure original(error::KeyError("k"));
  auto co = [](Deferred<int> d) -> Deferred<int> { co_return co_await d; };
  Failure f = failureResultOf(co(fail<int>(original)));
  EXPECT_TRUE(f.sameAs(original));
}

TEST(CoroutineTest, awaitsDeferredsOfOtherTypesAndVoid) {
  Deferred<void> tick;
  Deferred<std::string> name;
  auto co = [](Deferred<void> t, Deferred<std::string> n) -> Deferred<std::size_t> {
    co_await t;
    std::string s = co_await n;
    co_return s.size();
  };
  auto out = co(tick, name);
  tick.callback();
  name.callback("hello");
  EXPECT_EQ(successResultOf(out), 5u);
}

TEST(CoroutineTest, nestedCoroutinesCompose) {
  Deferred<int> in;
  auto outer = [](Deferred<int> d) -> Deferred<int> { co_return co_await addOne(d) * 2; };
  auto out = outer(in);
  in.callback(4);
  EXPECT_EQ(successResultOf(out), 10);
}

TEST(CoroutineTest, cancellingTheCoroutineCancelsWhatItAwaits) {
  bool innerCancelled = false;
  Deferred<int> in([&](Deferred<int>&) { innerCancelled = true; });
  Deferred<int> out = addOne(in);
  out.cancel();
  EXPECT_TRUE(innerCancelled);
  EXPECT_TRUE(failureResultOf(out).check<error::CancelledError>());
}

TEST(CoroutineTest, theCoroutineSeesCancelledErrorAndMayRecover) {
  Deferred<int> in;
  auto co = [](Deferred<int> d) -> Deferred<int> {
    try {
      co_return co_await d;
    } catch (const error::CancelledError&) {
      co_return -1;
    }
  };
  Deferred<int> out = co(in);
  out.cancel();
  EXPECT_EQ(successResultOf(out), -1);
}

TEST(CoroutineTest, aSecondAwaitThroughTheSameHandleRaisesLogicError) {
  auto co = [](Deferred<int> d) -> Deferred<int> {
    int a = co_await d;
    int b = co_await d;  // the chain holds None now
    co_return a + b;
  };
  EXPECT_THROW(failureResultOf(co(succeed(1))).raiseException(), std::logic_error);
}

TEST(CoroutineTest, aCoroutineTakingADeferredParameterDoesNotAdoptItsCore) {
  Deferred<int> in;
  Deferred<int> out = addOne(in);
  EXPECT_FALSE(out == in);
  in.callback(1);
  EXPECT_EQ(successResultOf(out), 2);
}

TEST(CoroutineTest, anAbandonedAwaitFreesTheFrameWithItsLocals) {
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  Deferred<int> out;
  {
    Deferred<int> in;
    auto co = [](Deferred<int> d, std::shared_ptr<int> keep) -> Deferred<int> {
      co_return co_await d + *keep;
    };
    out = co(in, std::move(alive));
  }                               // `in` is gone unfired: the coroutine can never resume
  EXPECT_FALSE(watch.expired());  // the frame lives while its Deferred has a handle
  EXPECT_FALSE(out.called());
  out.cancel();  // nothing to forward to: plain CancelledError
  EXPECT_TRUE(failureResultOf(out).check<error::CancelledError>());
  out = Deferred<int>();
  EXPECT_TRUE(watch.expired());
}

TEST(CoroutineTest, dropsItsResultIfCancelledWhileRunning) {
  Deferred<int> gate;
  Deferred<int>* self = nullptr;
  auto co = [](Deferred<int> g, Deferred<int>** me) -> Deferred<int> {
    co_await g;
    (*me)->cancel();  // cancel our own Deferred while running: nothing awaited
    co_return 5;
  };
  Deferred<int> out = co(gate, &self);
  self = &out;
  gate.callback(0);
  EXPECT_TRUE(failureResultOf(out).check<error::CancelledError>());
}

TEST(CoroutineTest, callbacksOnTheCoroutineDeferredRunWhenItFinishes) {
  Deferred<int> in;
  int seen = 0;
  auto d = addOne(in).addCallback([&](int x) { seen = x; });
  in.callback(9);
  EXPECT_EQ(seen, 10);
  successResultOf(d);
}

TEST(CoroutineTest, ensureDeferredAndFromCoroutinePassTheCoroutinesDeferredThrough) {
  Deferred<int> in;
  Deferred<int> co = addOne(in);
  Deferred<int> ensured = ensureDeferred(co);
  Deferred<int> from = Deferred<int>::fromCoroutine(co);
  EXPECT_TRUE(ensured == co);  // the same chain, not a copy of its result
  EXPECT_TRUE(from == co);
  EXPECT_FALSE(ensured.called());
  in.callback(1);
  EXPECT_EQ(successResultOf(ensureDeferred(addOne(succeed(2)))), 3);
  EXPECT_EQ(successResultOf(from), 2);
}

}  // namespace
}  // namespace weft
