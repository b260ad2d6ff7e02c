// DelayedCall on its own: ordering and identity, str(), memory, and lifetimes that cross
// the queue's (handles that outlive it, a queue destroyed from inside a call).
#include "weft/base/error.h"
#include "weft/internet/time.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

namespace weft {
namespace {

TEST(DelayedCallTest, callsCompareByDueTimeAndEqualOnlyToThemselves) {
  TimerQueue q;
  auto a = q.schedule(0, 1, [] {});
  auto b = q.schedule(0, 2, [] {});
  auto c = q.schedule(0, 1, [] {});
  EXPECT_TRUE(*a < *b);
  EXPECT_TRUE(*a <= *b);
  EXPECT_TRUE(*b > *a);
  EXPECT_TRUE(*b >= *a);
  EXPECT_FALSE(*b < *a);
  EXPECT_TRUE(*a < *c);  // same time: scheduling order
  EXPECT_TRUE(*a == *a);
  EXPECT_FALSE(*a == *c);
  EXPECT_TRUE(*a != *c);
  EXPECT_TRUE(a != c);
  EXPECT_TRUE(*a <= *a);
  EXPECT_TRUE(*a >= *a);
}

TEST(DelayedCallTest, strShowsIdStateAndTimeInEveryState) {
  double now = 10;
  TimerQueue q;
  q.setTimeSource([&] { return now; });
  auto pending = q.schedule(10, 12.5, [] {});
  auto cancelled = q.schedule(10, 13, [] {});
  auto called = q.schedule(10, 11, [] {});
  cancelled->cancel();
  std::string running;
  DelayedCallPtr self;
  self = q.schedule(10, 11, [&] { running = self->str(); });
  q.runUntil(11);

  std::string s = pending->str();
  EXPECT_NE(s.find("<DelayedCall 0x"), std::string::npos) << s;
  EXPECT_NE(s.find("[2.5s]"), std::string::npos) << s;
  EXPECT_NE(s.find("called=0 cancelled=0 pending time=12.5"), std::string::npos) << s;
  EXPECT_NE(cancelled->str().find("cancelled=1 cancelled"), std::string::npos) << cancelled->str();
  EXPECT_NE(called->str().find("called=1 cancelled=0 called"), std::string::npos) << called->str();
  EXPECT_NE(running.find("running"), std::string::npos) << running;
}

TEST(DelayedCallTest, strNeverThrowsEvenWhenTheTimeSourceThrows) {
  TimerQueue q;
  q.setTimeSource([]() -> double { throw std::runtime_error("no clock"); });
  auto c = q.schedule(0, 1, [] {});
  std::string s;
  EXPECT_NO_THROW(s = c->str());
}

TEST(DelayedCallTest, nodeStaysSmall) {
  // Memory target: DelayedCall plus its 16-byte heap slot under 128 bytes per pending call.
  if constexpr (sizeof(void*) == 8) {
    EXPECT_LE(sizeof(DelayedCall), 96u);
  }
}

TEST(DelayedCallTest, handleThatOutlivesItsQueueCanStillBeCancelledAndPrinted) {
  auto token = std::make_shared<int>(0);
  DelayedCallPtr call;
  DelayedCallPtr ran;
  {
    TimerQueue q;
    call = q.schedule(0, 5, [token] {});
    ran = q.schedule(0, 1, [] {});
    q.runUntil(1);
  }
  EXPECT_EQ(token.use_count(), 1);  // the queue released the function
  EXPECT_TRUE(call->active());      // neither called nor runnable
  EXPECT_FALSE(call->str().empty());
  EXPECT_NO_THROW(call->delay(1));
  EXPECT_EQ(call->getTime(), 6.0);
  EXPECT_NO_THROW(call->reset(1));  // no clock left: the time stays
  EXPECT_EQ(call->getTime(), 6.0);
  call->cancel();
  EXPECT_THROW(call->cancel(), error::AlreadyCancelled);
  EXPECT_THROW(ran->cancel(), error::AlreadyCalled);
  call = nullptr;  // the last nodes free the pool (ASan checks)
  ran = nullptr;
}

TEST(DelayedCallTest, destroyingTheQueueFromInsideACallEndsThePassSafely) {
  auto q = std::make_unique<TimerQueue>();
  int ran = 0;
  auto later = q->schedule(0, 1, [&] { ++ran; });
  q->schedule(0, 1, [&] {
    ++ran;
    q.reset();
  });
  q->schedule(0, 1, [&] { ++ran; });
  later->cancel();
  later = q->schedule(0, 0.5, [&] { ++ran; });
  // The 0.5 call runs, the next destroys the queue, the last never runs.
  EXPECT_EQ(q->runUntil(1), 2u);
  EXPECT_EQ(q, nullptr);
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(later->state(), DelayedCall::State::kCalled);
}

TEST(DelayedCallTest, functionDestructorsThatTouchOtherCallsDuringQueueDestructionAreSafe) {
  struct CancelOnDestroy {
    DelayedCallPtr* other;
    void operator()() {}
    CancelOnDestroy(DelayedCallPtr* o) : other(o) {}
    CancelOnDestroy(CancelOnDestroy&& o) noexcept : other(std::exchange(o.other, nullptr)) {}
    ~CancelOnDestroy() {
      if (other != nullptr && *other && (*other)->active()) (*other)->cancel();
    }
  };
  DelayedCallPtr second;
  {
    TimerQueue q;
    q.schedule(0, 1, CancelOnDestroy(&second));
    second = q.schedule(0, 2, [] {});
  }
  EXPECT_EQ(second->state(), DelayedCall::State::kCancelled);
}

TEST(DelayedCallTest, ownsIsTrueOnlyForPendingCallsOfThatQueue) {
  TimerQueue q1, q2;
  auto a = q1.schedule(0, 1, [] {});
  EXPECT_TRUE(q1.owns(*a));
  EXPECT_FALSE(q2.owns(*a));
  q1.runUntil(1);
  EXPECT_FALSE(q1.owns(*a));
}

TEST(DelayedCallTest, freedNodesAreReusedWithoutDisturbingLiveOnes) {
  TimerQueue q;
  std::vector<DelayedCallPtr> keep;
  int ran = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) {
      auto c = q.schedule(round, round + 1 + i % 7, [&] { ++ran; });
      if (i % 3 == 0)
        keep.push_back(c);
      else if (i % 3 == 1)
        c->cancel();
    }
  }
  q.runUntil(100);
  EXPECT_EQ(ran, 3 * 667);  // i % 3 == 1 (333 a round) were cancelled
  for (auto& c : keep) EXPECT_EQ(c->state(), DelayedCall::State::kCalled);
}

}  // namespace
}  // namespace weft
