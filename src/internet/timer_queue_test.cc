// TimerQueue: the reactor-side timer store (SEMANTICS 2.2, TIME-01..17), driven directly
// with an explicit time, as the reactor drives it.
#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/internet/time.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft {
namespace {

// A TimerQueue with a settable "seconds()", as a reactor would wire it.
struct QueueFixture : ::testing::Test {
  QueueFixture() {
    queue.setTimeSource([this] { return now; });
  }
  DelayedCallPtr later(double delay, Function<void()> f) {
    return queue.schedule(now, now + delay, std::move(f));
  }
  std::size_t runTo(double t) {
    now = t;
    return queue.runUntil(now);
  }
  double now = 0.0;
  TimerQueue queue;
  std::vector<int> ran;
};

using TimerQueueTest = QueueFixture;

TEST_F(TimerQueueTest, scheduleReturnsAPendingCallDueAtTheGivenTime) {
  now = 5;
  auto call = later(1.5, [] {});
  EXPECT_EQ(call->getTime(), 6.5);
  EXPECT_TRUE(call->active());
  EXPECT_EQ(call->state(), DelayedCall::State::kPending);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_TRUE(queue.owns(*call));
}

TEST_F(TimerQueueTest, runUntilRunsCallsDueAtOrBeforeNowExactlyOnce) {
  later(1, [this] { ran.push_back(1); });
  later(2, [this] { ran.push_back(2); });
  later(3, [this] { ran.push_back(3); });
  EXPECT_EQ(runTo(0.5), 0u);
  EXPECT_EQ(runTo(2), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_EQ(runTo(2), 0u);
  EXPECT_EQ(runTo(10), 1u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(queue.empty());
}

TEST_F(TimerQueueTest, negativeDelayOrNaNTimeThrowsValueError) {
  now = 1;
  EXPECT_THROW(queue.schedule(1, 0.5, [] {}), error::ValueError);
  EXPECT_THROW(queue.schedule(1, std::nan(""), [] {}), error::ValueError);
  EXPECT_THROW(queue.schedule(1, 2, Function<void()>()), error::TypeError);
  EXPECT_TRUE(queue.empty());
}

TEST_F(TimerQueueTest, zeroDelayCallsNeverRunSynchronouslyAndRunInSchedulingOrder) {
  for (int i = 0; i < 50; ++i) later(0, [this, i] { ran.push_back(i); });
  EXPECT_TRUE(ran.empty());
  EXPECT_EQ(runTo(0), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(ran[static_cast<std::size_t>(i)], i);
}

TEST_F(TimerQueueTest, callScheduledDuringAPassWaitsForTheNextPassEvenWithZeroDelay) {
  later(1, [this] {
    ran.push_back(1);
    later(0, [this] { ran.push_back(2); });
  });
  EXPECT_EQ(runTo(1), 1u);
  EXPECT_EQ(ran, (std::vector<int>{1}));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.nextTime(), 1.0);
  EXPECT_EQ(queue.runUntil(1), 1u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST_F(TimerQueueTest, sameTimeCallsRunInSchedulingOrderAmongManyOthers) {
  // Interleave 20 equal-time calls with other times so the heap has to reorder them.
  for (int i = 0; i < 20; ++i) {
    later(5, [this, i] { ran.push_back(i); });
    later(static_cast<double>((i * 7) % 11), [] {});
  }
  runTo(4.9);
  ran.clear();
  runTo(5);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(ran[static_cast<std::size_t>(i)], i);
}

TEST_F(TimerQueueTest, cancelledCallNeverRunsAndIsNoLongerActive) {
  auto call = later(1, [this] { ran.push_back(1); });
  call->cancel();
  EXPECT_FALSE(call->active());
  EXPECT_EQ(call->state(), DelayedCall::State::kCancelled);
  EXPECT_FALSE(queue.owns(*call));
  runTo(5);
  EXPECT_TRUE(ran.empty());
}

TEST_F(TimerQueueTest, cancellingTwiceThrowsAlreadyCancelled) {
  auto call = later(1, [] {});
  call->cancel();
  EXPECT_THROW(call->cancel(), error::AlreadyCancelled);
}

TEST_F(TimerQueueTest, cancelAfterRunningThrowsAlreadyCalled) {
  auto call = later(1, [] {});
  runTo(1);
  EXPECT_EQ(call->state(), DelayedCall::State::kCalled);
  EXPECT_THROW(call->cancel(), error::AlreadyCalled);
}

TEST_F(TimerQueueTest, cancelFromInsideItsOwnCallThrowsAlreadyCalled) {
  DelayedCallPtr call;
  bool threw = false;
  call = later(1, [&] {
    EXPECT_EQ(call->state(), DelayedCall::State::kRunning);
    EXPECT_FALSE(call->active());
    try {
      call->cancel();
    } catch (const error::AlreadyCalled&) {
      threw = true;
    }
  });
  runTo(1);
  EXPECT_TRUE(threw);
}

TEST_F(TimerQueueTest, resetAndDelayThrowAlreadyCalledOrAlreadyCancelled) {
  auto called = later(1, [] {});
  auto cancelled = later(1, [] {});
  cancelled->cancel();
  runTo(1);
  EXPECT_THROW(called->reset(1), error::AlreadyCalled);
  EXPECT_THROW(called->delay(1), error::AlreadyCalled);
  EXPECT_THROW(cancelled->reset(1), error::AlreadyCancelled);
  EXPECT_THROW(cancelled->delay(1), error::AlreadyCancelled);
}

TEST_F(TimerQueueTest, resetMovesTheDueTimeToNowPlusDelayEarlierOrLater) {
  auto a = later(5, [this] { ran.push_back(1); });
  now = 2;
  a->reset(10);
  EXPECT_EQ(a->getTime(), 12.0);
  EXPECT_EQ(queue.nextTime(), 12.0);
  a->reset(Seconds(0.5));
  EXPECT_EQ(a->getTime(), 2.5);
  runTo(2.4);
  EXPECT_TRUE(ran.empty());
  runTo(2.5);
  EXPECT_EQ(ran, (std::vector<int>{1}));
}

TEST_F(TimerQueueTest, delayAddsToTheDueTime) {
  auto a = later(5, [] {});
  a->delay(3);
  EXPECT_EQ(a->getTime(), 8.0);
  a->delay(-6);  // Twisted accepts a negative delay()
  EXPECT_EQ(a->getTime(), 2.0);
  EXPECT_THROW(a->delay(std::nan("")), error::ValueError);
  EXPECT_EQ(a->getTime(), 2.0);
}

TEST_F(TimerQueueTest, callsRunInOrderOfTheirNewTimesAfterReset) {
  auto a = later(1, [this] { ran.push_back(1); });
  later(2, [this] { ran.push_back(2); });
  auto c = later(3, [this] { ran.push_back(3); });
  a->reset(4);
  c->reset(0.5);
  runTo(10);
  EXPECT_EQ(ran, (std::vector<int>{3, 2, 1}));
}

TEST_F(TimerQueueTest, callWhoseTimeChangesDuringAPassWaitsForTheNextPass) {
  DelayedCallPtr b;
  later(1, [&] {
    ran.push_back(1);
    b->delay(0.5);  // 2.5, still due at 3, but moved during the pass
  });
  b = later(2, [this] { ran.push_back(2); });
  later(2.8, [this] { ran.push_back(3); });
  EXPECT_EQ(runTo(3), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
  EXPECT_EQ(b->getTime(), 2.5);
  EXPECT_EQ(queue.nextTime(), 2.5);
  queue.runUntil(3);
  EXPECT_EQ(ran, (std::vector<int>{1, 3, 2}));
}

TEST_F(TimerQueueTest, activeIsTrueUntilTheCallRunsOrIsCancelled) {
  auto a = later(1, [] {});
  auto b = later(1, [] {});
  EXPECT_TRUE(a->active());
  b->cancel();
  runTo(1);
  EXPECT_FALSE(a->active());
  EXPECT_FALSE(b->active());
}

TEST_F(TimerQueueTest, pendingListsExactlyThePendingCallsEarliestFirst) {
  EXPECT_TRUE(queue.pending().empty());
  auto a = later(3, [] {});
  auto b = later(1, [] {});
  auto c = later(2, [] {});
  auto d = later(0.5, [] {});
  c->cancel();
  runTo(0.5);
  auto p = queue.pending();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], b);
  EXPECT_EQ(p[1], a);
}

TEST_F(TimerQueueTest, distantCallStaysActiveListedAndHarmless) {
  auto far = later(std::pow(2.0, 128), [this] { ran.push_back(9); });
  later(1, [this] { ran.push_back(1); });
  runTo(1e9);
  EXPECT_EQ(ran, (std::vector<int>{1}));
  EXPECT_TRUE(far->active());
  ASSERT_EQ(queue.pending().size(), 1u);
  EXPECT_EQ(queue.pending()[0], far);
  EXPECT_EQ(queue.nextTime(), std::pow(2.0, 128));
  EXPECT_FALSE(far->str().empty());
}

TEST_F(TimerQueueTest, nextTimeFollowsTheEarliestCallThroughResetDelayAndCancel) {
  EXPECT_LT(queue.nextTime(), 0);
  auto a = later(5, [] {});
  auto b = later(7, [] {});
  EXPECT_EQ(queue.nextTime(), 5);
  a->delay(3);
  EXPECT_EQ(queue.nextTime(), 7);
  b->reset(1);
  EXPECT_EQ(queue.nextTime(), 1);
  b->cancel();
  EXPECT_EQ(queue.nextTime(), 8);
  a->cancel();
  EXPECT_LT(queue.nextTime(), 0);
}

TEST_F(TimerQueueTest, exceptionEscapingACallIsLoggedAndThePassGoesOn) {
  log::Capture capture;
  later(1, [] { throw std::runtime_error("boom"); });
  later(1, [] { throw 42; });
  later(1, [this] { ran.push_back(3); });
  EXPECT_EQ(runTo(1), 3u);
  EXPECT_EQ(ran, (std::vector<int>{3}));
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].text.find("boom"), std::string::npos);
  EXPECT_NE(errors[1].text.find("unknown exception"), std::string::npos);
}

TEST_F(TimerQueueTest, droppingEveryHandleDoesNotCancelAPendingCall) {
  later(1, [this] { ran.push_back(1); });  // handle dropped at once
  EXPECT_EQ(queue.size(), 1u);
  runTo(1);
  EXPECT_EQ(ran, (std::vector<int>{1}));
}

TEST_F(TimerQueueTest, runningOrCancellingReleasesTheCapturedState) {
  auto token = std::make_shared<int>(0);
  auto a = later(1, [token] {});
  auto b = later(2, [token] {});
  EXPECT_EQ(token.use_count(), 3);
  a->cancel();
  EXPECT_EQ(token.use_count(), 2);
  runTo(2);
  EXPECT_EQ(token.use_count(), 1);
}

TEST_F(TimerQueueTest, callThatDropsItsOwnLastHandleWhileRunningIsSafe) {
  auto holder = std::make_unique<DelayedCallPtr>();
  *holder = later(1, [&] { holder.reset(); });
  runTo(1);
  EXPECT_EQ(holder, nullptr);
}

TEST_F(TimerQueueTest, nestedRunUntilFromInsideACallRunsTheRemainingDueCalls) {
  later(1, [this] {
    ran.push_back(1);
    queue.runUntil(now);
  });
  later(1, [this] { ran.push_back(2); });
  runTo(1);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_TRUE(queue.empty());
}

// A random mix of schedule / cancel / reset / delay / run checked against a plain model.
TEST_F(TimerQueueTest, randomOperationsMatchAReferenceModel) {
  struct Model {
    DelayedCallPtr call;
    int id;
  };
  std::vector<Model> live;
  std::vector<int> expected;
  std::uint32_t x = 12345;
  auto rnd = [&x](std::uint32_t n) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x % n;
  };
  int nextId = 0;
  for (int step = 0; step < 4000; ++step) {
    std::uint32_t op = rnd(10);
    if (op < 5 || live.empty()) {
      int id = nextId++;
      live.push_back({later(static_cast<double>(rnd(50)), [this, id] { ran.push_back(id); }), id});
    } else if (op < 7) {
      std::size_t i = rnd(static_cast<std::uint32_t>(live.size()));
      live[i].call->cancel();
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (op < 8) {
      live[rnd(static_cast<std::uint32_t>(live.size()))].call->reset(static_cast<double>(rnd(50)));
    } else if (op < 9) {
      live[rnd(static_cast<std::uint32_t>(live.size()))].call->delay(static_cast<double>(rnd(9)) -
                                                                     4);
    } else {
      double t = now + rnd(20);
      std::vector<Model> due, rest;
      for (auto& m : live) (m.call->getTime() <= t ? due : rest).push_back(m);
      std::sort(due.begin(), due.end(),
                [](const Model& a, const Model& b) { return *a.call < *b.call; });
      for (auto& m : due) expected.push_back(m.id);
      live = std::move(rest);
      runTo(t);
      ASSERT_EQ(ran, expected) << "step " << step;
      ASSERT_EQ(queue.size(), live.size());
    }
  }
}

}  // namespace
}  // namespace weft
