#include "weft/defer/primitives.h"

#include "test_util.h"

#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <vector>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

TEST(DeferredLockTest, handsTheLockOutInFifoOrder) {
  DeferredLock lock;
  std::vector<int> order;
  auto a = lock.acquire().addCallback([&] { order.push_back(1); });
  auto b = lock.acquire().addCallback([&] { order.push_back(2); });
  auto c = lock.acquire().addCallback([&] { order.push_back(3); });
  EXPECT_EQ(order, (std::vector<int>{1}));
  EXPECT_TRUE(lock.locked());
  lock.release();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  lock.release();
  lock.release();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(lock.locked());
  EXPECT_THROW(lock.release(), error::AssertionError);
}

TEST(DeferredLockTest, runReleasesAfterTheFunctionsDeferredFires) {
  DeferredLock lock;
  Deferred<int> work;
  auto r = lock.run([&] { return work; });
  EXPECT_TRUE(lock.locked());
  work.callback(4);
  EXPECT_FALSE(lock.locked());
  EXPECT_EQ(successResultOf(r), 4);
  auto failing = lock.run([]() -> int { throw error::ValueError("v"); });
  EXPECT_FALSE(lock.locked());
  EXPECT_TRUE(failureResultOf(failing).check<error::ValueError>());
}

TEST(DeferredLockTest, cancellingAWaiterErrbacksCancelledErrorAndLeavesTheQueue) {
  DeferredLock lock;
  auto first = lock.acquire();
  auto second = lock.acquire();
  second.cancel();
  EXPECT_TRUE(failureResultOf(second).check<error::CancelledError>());
  lock.release();
  EXPECT_FALSE(lock.locked());  // nobody else was waiting
  (void)first;
}

TEST(DeferredLockTest, cancellingAfterAcquiringDoesNothing) {
  DeferredLock lock;
  auto d = lock.acquire();
  d.cancel();
  successResultOf(d);
  EXPECT_TRUE(lock.locked());
  lock.release();
}

TEST(DeferredSemaphoreTest, handsOutTokensInFifoOrder) {
  DeferredSemaphore sem(2);
  std::vector<int> order;
  auto a = sem.acquire().addCallback([&] { order.push_back(1); });
  auto b = sem.acquire().addCallback([&] { order.push_back(2); });
  auto c = sem.acquire().addCallback([&] { order.push_back(3); });
  auto d = sem.acquire().addCallback([&] { order.push_back(4); });
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(sem.tokens(), 0);
  sem.release();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  sem.release();
  sem.release();
  sem.release();
  EXPECT_EQ(sem.tokens(), 2);
  EXPECT_THROW(sem.release(), error::AssertionError);
}

TEST(DeferredSemaphoreTest, fewerThanOneTokenRaisesValueError) {
  EXPECT_THROW(DeferredSemaphore(0), error::ValueError);
  EXPECT_THROW(DeferredSemaphore(-1), error::ValueError);
}

TEST(DeferredSemaphoreTest, cancelBeforeAcquiredErrbacksAndAfterDoesNothing) {
  DeferredSemaphore sem(1);
  auto held = sem.acquire();
  auto waiting = sem.acquire();
  waiting.cancel();
  EXPECT_TRUE(failureResultOf(waiting).check<error::CancelledError>());
  held.cancel();
  successResultOf(held);
  sem.release();
  EXPECT_EQ(sem.tokens(), 1);
}

TEST(DeferredSemaphoreTest, runLimitsConcurrency) {
  DeferredSemaphore sem(1);
  Deferred<void> w1;
  Deferred<void> w2;
  int started = 0;
  auto r1 = sem.run([&] {
    ++started;
    return w1;
  });
  auto r2 = sem.run([&] {
    ++started;
    return w2;
  });
  EXPECT_EQ(started, 1);
  w1.callback();
  EXPECT_EQ(started, 2);
  w2.callback();
  EXPECT_EQ(sem.tokens(), 1);
}

TEST(DeferredQueueTest, getsAreServedInFifoOrder) {
  DeferredQueue<int> q;
  auto a = q.get();
  auto b = q.get();
  q.put(1);
  q.put(2);
  q.put(3);
  EXPECT_EQ(successResultOf(a), 1);
  EXPECT_EQ(successResultOf(b), 2);
  EXPECT_EQ(q.pending(), 1u);
  EXPECT_EQ(successResultOf(q.get()), 3);
}

TEST(DeferredQueueTest, sizeAndBacklogLimitsRaise) {
  DeferredQueue<int> q(1, 1);
  q.put(1);
  EXPECT_THROW(q.put(2), error::QueueOverflow);
  EXPECT_EQ(successResultOf(q.get()), 1);
  auto waiting = q.get();
  EXPECT_TRUE(failureResultOf(q.get()).check<error::QueueUnderflow>());
  q.put(5);
  EXPECT_EQ(successResultOf(waiting), 5);
}

TEST(DeferredQueueTest, cancellingAGetLeavesTheQueue) {
  DeferredQueue<int> q;
  auto d = q.get();
  d.cancel();
  EXPECT_TRUE(failureResultOf(d).check<error::CancelledError>());
  EXPECT_EQ(q.waiting(), 0u);
  q.put(1);  // not handed to the cancelled get (no AlreadyCalledError)
  EXPECT_EQ(successResultOf(q.get()), 1);
}

}  // namespace
}  // namespace weft
