// race() and FailureGroup (DEF-28): Twisted's RaceTests, with hypothesis' ranges spelled
// out as loops.
#include "weft/defer/race.h"

#include "test_util.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

// n Deferreds whose cancellers count their calls (Twisted's _setupRaceState).
struct RaceInputs {
  std::shared_ptr<std::vector<int>> cancelled;
  std::vector<Deferred<std::string>> ds;
};

RaceInputs makeInputs(std::size_t n) {
  RaceInputs in{std::make_shared<std::vector<int>>(n, 0), {}};
  for (std::size_t i = 0; i < n; ++i) {
    in.ds.emplace_back([c = in.cancelled, i](Deferred<std::string>&) { ++(*c)[i]; });
  }
  return in;
}

TEST(RaceTest, theFirstSuccessWinsWithItsIndexAndTheRestAreCancelled) {
  for (std::size_t before = 0; before <= 3; ++before) {
    for (std::size_t after = 0; after <= 3; ++after) {
      SCOPED_TRACE(std::to_string(before) + " before, " + std::to_string(after) + " after");
      auto in = makeInputs(before + 1 + after);
      auto r = race(in.ds);
      EXPECT_FALSE(r.called());
      in.ds[before].callback("winner");
      auto [index, value] = successResultOf(r);
      EXPECT_EQ(index, before);
      EXPECT_EQ(value, "winner");
      std::vector<int> expected(before + 1 + after, 1);
      expected[before] = 0;
      EXPECT_EQ(*in.cancelled, expected);
    }
  }
}

TEST(RaceTest, whenAllFailItFailsWithAFailureGroupOfEveryFailureInInputOrder) {
  for (std::size_t n = 1; n <= 7; ++n) {
    SCOPED_TRACE(n);
    log::Capture capture;
    auto in = makeInputs(n);
    auto r = race(in.ds);
    std::vector<Failure> sent;
    for (std::size_t i = 0; i < n; ++i) {
      sent.emplace_back(error::ValueError("failure " + std::to_string(i)));
    }
    for (std::size_t i = n; i-- > 0;) {  // fire last to first: the group is still in order
      EXPECT_FALSE(r.called());
      in.ds[i].errback(sent[i]);
    }
    Failure f = failureResultOf(r);
    ASSERT_TRUE(f.check<error::FailureGroup>()) << f.getTraceback();
    const auto& group = static_cast<const error::FailureGroup&>(*f.value());
    ASSERT_EQ(group.failures().size(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_TRUE(group.failures()[i].sameAs(sent[i])) << i;
    EXPECT_EQ(*in.cancelled, std::vector<int>(n, 0));
    EXPECT_TRUE(capture.errors().empty());  // the inputs' failures were consumed
  }
}

TEST(RaceTest, aFailureThenASuccessGivesTheSuccess) {
  auto in = makeInputs(3);
  auto r = race(in.ds);
  in.ds[0].errback(Failure(error::ValueError("first")));
  EXPECT_FALSE(r.called());
  in.ds[2].callback("third");
  EXPECT_EQ(successResultOf(r), std::make_pair(std::size_t{2}, std::string("third")));
  EXPECT_EQ(*in.cancelled, (std::vector<int>{0, 1, 0}));
}

TEST(RaceTest, aResultAfterCancelGoesNowhereAndLogsNothing) {
  for (std::size_t before = 0; before <= 3; ++before) {
    for (std::size_t after = 0; after <= 3; ++after) {
      log::Capture capture;
      std::vector<Deferred<void>> ds(before + 2 + after);
      auto r = race(ds);
      ds[before].callback();
      ds[before + 1].callback();  // cancelled already: the one late call is ignored
      EXPECT_EQ(successResultOf(r), before);
      EXPECT_TRUE(capture.errors().empty());
    }
  }
}

TEST(RaceTest, aCancellerThatSucceedsDoesNotChangeTheWinner) {
  Deferred<int> winner;
  Deferred<int> loser([](Deferred<int>& d) { d.callback(99); });
  auto r = race<int>({winner, loser});
  winner.callback(1);
  EXPECT_EQ(successResultOf(r), std::make_pair(std::size_t{0}, 1));
}

TEST(RaceTest, cancellingTheRaceCancelsEveryInputAndFailsWithAFailureGroup) {
  for (std::size_t n = 1; n <= 3; ++n) {
    SCOPED_TRACE(n);
    auto in = makeInputs(n);
    auto r = race(in.ds);
    r.cancel();
    EXPECT_EQ(*in.cancelled, std::vector<int>(n, 1));
    Failure f = failureResultOf(r);
    ASSERT_TRUE(f.check<error::FailureGroup>()) << f.getTraceback();
    for (const Failure& each : static_cast<const error::FailureGroup&>(*f.value()).failures()) {
      EXPECT_TRUE(each.check<error::CancelledError>());
    }
  }
}

TEST(RaceTest, cancellingAfterTheRaceIsDecidedDoesNothing) {
  auto in = makeInputs(2);
  auto r = race(in.ds);
  in.ds[1].callback("b");
  r.cancel();
  EXPECT_EQ(*in.cancelled, (std::vector<int>{1, 0}));
  EXPECT_EQ(successResultOf(r).first, 1u);
}

TEST(RaceTest, aCancellerThatSucceedsWinsACancelledRace) {
  Deferred<int> a([](Deferred<int>& d) { d.callback(5); });
  Deferred<int> b;
  auto r = race<int>({a, b});
  r.cancel();
  EXPECT_EQ(successResultOf(r), std::make_pair(std::size_t{0}, 5));
  EXPECT_TRUE(b.called());  // cancelled (its CancelledError went to the race and was dropped)
}

TEST(RaceTest, aCancellerThatThrowsIsLoggedAndTheOthersAreStillCancelled) {
  log::Capture capture;
  Deferred<int> throws([](Deferred<int>&) { throw error::RuntimeError("canceller broke"); });
  Deferred<int> winner;
  Deferred<int> other;
  auto r = race<int>({throws, winner, other});
  winner.callback(3);
  EXPECT_EQ(successResultOf(r).first, 1u);
  EXPECT_TRUE(other.called());  // cancelled after the throwing canceller
  EXPECT_EQ(capture.count("canceller broke"), 1u);
  capture.flushErrors();
}

TEST(RaceTest, anAlreadyFiredInputWinsAtOnce) {
  Deferred<int> later;
  auto r = race<int>({later, succeed(7)});
  EXPECT_EQ(successResultOf(r), std::make_pair(std::size_t{1}, 7));
  EXPECT_TRUE(later.called());  // cancelled
}

TEST(RaceTest, inputsContinueAsVoidChains) {
  Deferred<int> a;
  auto r = race<int>({a});
  a.callback(1);
  // The input's chain now holds None (Twisted: the race's callback returned None).
  Deferred<void> tail = detail::DeferredAccess::make<void>(&detail::DeferredAccess::core(a));
  bool ran = false;
  (void)tail.addCallback([&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_EQ(successResultOf(r).second, 1);
}

TEST(RaceTest, anEmptyRaceNeverFires) {
  auto r = race(std::vector<Deferred<int>>{});
  EXPECT_FALSE(r.called());
}

TEST(RaceTest, withDebuggingTheResultNamesTheCallerOfRaceAsItsCreator) {
  const bool was = defer::getDebugging();
  defer::setDebugging(true);
  Deferred<int> a;
  auto r = race<int>({a});
  a.callback(1);
  try {
    r.callback({0, 2});
    ADD_FAILURE() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(" C: " + std::string(__FILE__)), std::string::npos) << msg;
  }
  defer::setDebugging(was);
}

TEST(RaceTest, failureGroupSaysHowManyFailedAndWhat) {
  error::FailureGroup g({Failure(error::ValueError("a")), Failure(error::KeyError("b"))});
  EXPECT_EQ(std::string(g.what()),
            "FailureGroup[2 failures: weft::error::ValueError: a; weft::error::KeyError: b]");
  EXPECT_EQ(g.failures().size(), 2u);
}

}  // namespace
}  // namespace weft
