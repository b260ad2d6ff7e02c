#include "weft/defer/deferred_list.h"

#include "test_util.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

TEST(DeferredListTest, firesWithEveryOutcomeInInputOrder) {
  log::Capture capture;
  {
    Deferred<int> a;
    Deferred<int> b;
    Deferred<int> c;
    auto list = DeferredList<int>({a, b, c});
    c.callback(3);
    a.callback(1);
    EXPECT_FALSE(list.called());
    b.errback(Failure(error::ValueError("b")));
    auto r = successResultOf(list);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_TRUE(r[0].first);
    EXPECT_EQ(r[0].second.value(), 1);
    EXPECT_FALSE(r[1].first);
    EXPECT_TRUE(r[1].second.failure().check<error::ValueError>());
    EXPECT_EQ(r[2].second.value(), 3);
  }
  // Without consumeErrors the failure stays in b's chain and is reported there.
  EXPECT_EQ(capture.count("Unhandled error in Deferred"), 1u);
}

TEST(DeferredListTest, anEmptyListFiresAtOnce) {
  auto list = DeferredList<int>({});
  EXPECT_EQ(successResultOf(list).size(), 0u);
}

TEST(DeferredListTest, alreadyFiredInputsCount) {
  auto list = DeferredList<int>({succeed(1), succeed(2)});
  auto r = successResultOf(list);
  EXPECT_EQ(r[1].second.value(), 2);
}

TEST(DeferredListTest, fireOnOneCallbackFiresWithTheFirstResultAndItsIndex) {
  Deferred<int> a;
  Deferred<int> b;
  auto list = DeferredList<int>({a, b}, {.fireOnOneCallback = true});
  b.callback(20);
  auto r = successResultOf(list);
  EXPECT_EQ(r.index, 1u);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].second.value(), 20);
  a.callback(10);  // later results are ignored
}

TEST(DeferredListTest, fireOnOneErrbackFailsWithFirstError) {
  Deferred<int> a;
  Deferred<int> b;
  auto list = DeferredList<int>({a, b}, {.fireOnOneErrback = true, .consumeErrors = true});
  b.errback(Failure(error::KeyError("k")));
  Failure f = failureResultOf(list);
  ASSERT_TRUE(f.check<error::FirstError>());
  const auto& first = dynamic_cast<const error::FirstError&>(*f.value());
  EXPECT_EQ(first.index(), 1u);
  EXPECT_TRUE(first.subFailure().check<error::KeyError>());
  a.callback(1);
}

TEST(DeferredListTest, fireOnOneErrbackSeesInputsThatHadAlreadyFailed) {
  auto list = DeferredList<int>({succeed(1), fail<int>(Failure(error::KeyError("k")))},
                                {.fireOnOneErrback = true, .consumeErrors = true});
  Failure f = failureResultOf(list);
  EXPECT_EQ(dynamic_cast<const error::FirstError&>(*f.value()).index(), 1u);
}

TEST(DeferredListTest, consumeErrorsAbsorbsTheInputsFailures) {
  log::Capture capture;
  {
    Deferred<int> a;
    auto list = DeferredList<int>({a}, {.consumeErrors = true});
    a.errback(Failure(error::ValueError("v")));
    EXPECT_FALSE(successResultOf(list)[0].first);
  }
  EXPECT_TRUE(capture.errors().empty());
}

TEST(DeferredListTest, cancellingItCancelsEveryUnfiredInput) {
  int cancels = 0;
  Deferred<int> a([&](Deferred<int>&) { ++cancels; });
  Deferred<int> b;
  b.callback(2);
  Deferred<int> c([&](Deferred<int>&) { ++cancels; });
  auto list = DeferredList<int>({a, b, c}, {.consumeErrors = true});
  list.cancel();
  EXPECT_EQ(cancels, 2);
  auto r = successResultOf(list);  // each input failed with CancelledError, then the list fired
  EXPECT_TRUE(r[0].second.failure().check<error::CancelledError>());
  EXPECT_TRUE(r[1].first);
}

TEST(DeferredListTest, cancellingKeepsGoingWhenAnInputsCancelRaises) {
  log::Capture capture;
  bool secondCancelled = false;
  Deferred<int> a([](Deferred<int>&) { throw error::ValueError("bad canceller"); });
  Deferred<int> b([&](Deferred<int>&) { secondCancelled = true; });
  auto list = DeferredList<int>({a, b}, {.consumeErrors = true});
  list.cancel();
  EXPECT_TRUE(secondCancelled);
  EXPECT_EQ(capture.flushErrors().size(), 1u);
  EXPECT_TRUE(failureResultOf(list).check<error::CancelledError>());
  a.callback(1);
}

TEST(DeferredListTest, cancellingAfterItFiredDoesNothing) {
  int cancels = 0;
  Deferred<int> a;
  Deferred<int> b([&](Deferred<int>&) { ++cancels; });
  auto list = DeferredList<int>({a, b}, {.fireOnOneCallback = true});
  a.callback(1);
  list.cancel();
  EXPECT_EQ(cancels, 0);
  EXPECT_EQ(successResultOf(list).index, 0u);
  b.callback(2);
}

TEST(GatherResultsTest, firesWithTheValuesInOrder) {
  Deferred<std::string> a;
  Deferred<std::string> b;
  auto g = gatherResults<std::string>({a, b});
  b.callback("b");
  a.callback("a");
  EXPECT_EQ(successResultOf(g), (std::vector<std::string>{"a", "b"}));
}

TEST(GatherResultsTest, failsWithFirstErrorAtTheFirstFailure) {
  log::Capture capture;
  {
    Deferred<int> a;
    Deferred<int> b;
    auto g = gatherResults<int>({a, b});
    a.errback(Failure(error::ValueError("v")));
    Failure f = failureResultOf(g);
    EXPECT_TRUE(f.check<error::FirstError>());
    b.callback(2);
  }
  EXPECT_EQ(capture.count("Unhandled error"), 1u);  // a's own chain still holds it
}

TEST(GatherResultsTest, consumeErrorsAbsorbsTheInputsFailures) {
  log::Capture capture;
  {
    Deferred<int> a;
    auto g = gatherResults<int>({a}, true);
    a.errback(Failure(error::ValueError("v")));
    EXPECT_TRUE(failureResultOf(g).check<error::FirstError>());
  }
  EXPECT_TRUE(capture.errors().empty());
}

TEST(GatherResultsTest, acceptsVoidInputs) {
  Deferred<void> a;
  Deferred<void> b;
  Deferred<void> g = gatherResults<void>({a, b});
  a.callback();
  EXPECT_FALSE(test::watch(g)->has_value());
  b.callback();
}

TEST(GatherResultsTest, cancellingItCancelsTheUnfiredInputs) {
  int cancels = 0;
  Deferred<int> a([&](Deferred<int>&) { ++cancels; });
  Deferred<int> b;
  b.callback(1);
  auto g = gatherResults<int>({a, b}, true);
  g.cancel();
  EXPECT_EQ(cancels, 1);
  Failure f = failureResultOf(g);
  ASSERT_TRUE(f.check<error::FirstError>());
  EXPECT_TRUE(dynamic_cast<const error::FirstError&>(*f.value())
                  .subFailure()
                  .check<error::CancelledError>());
}

}  // namespace
}  // namespace weft
