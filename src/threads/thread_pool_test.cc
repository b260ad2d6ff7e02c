#include "weft/threads/thread_pool.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace weft {
namespace {

// Counts events and lets a test wait until a number of them has happened (no sleeps).
class Counter {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  void waitFor(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return count_ >= n; });
  }
  int count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(ThreadPoolTest, constructorRejectsNegativeMinimum) {
  EXPECT_THROW(ThreadPool(-1, 3), error::ValueError);
}

TEST(ThreadPoolTest, constructorRejectsMaximumBelowMinimum) {
  EXPECT_THROW(ThreadPool(4, 3), error::ValueError);
}

TEST(ThreadPoolTest, defaultsAreZeroToTenAndNotStarted) {
  ThreadPool pool;
  EXPECT_EQ(pool.minThreads(), 0);
  EXPECT_EQ(pool.maxThreads(), 10);
  EXPECT_EQ(pool.name(), "reactor");
  EXPECT_FALSE(pool.started());
  EXPECT_EQ(pool.workers(), 0);
}

TEST(ThreadPoolTest, emptyFunctionIsRejected) {
  ThreadPool pool;
  EXPECT_THROW(pool.callInThread(nullptr), error::TypeError);
}

TEST(ThreadPoolTest, workQueuedBeforeStartRunsAfterStart) {
  ThreadPool pool(0, 2);
  std::latch done(3);
  for (int i = 0; i < 3; ++i) pool.callInThread([&] { done.count_down(); });
  // No worker exists before start(), so nothing can have run.
  EXPECT_EQ(pool.workers(), 0);
  EXPECT_EQ(pool.pendingJobs(), 3);
  pool.start();
  EXPECT_TRUE(pool.started());
  done.wait();
  pool.stop();
  EXPECT_EQ(pool.pendingJobs(), 0);
}

TEST(ThreadPoolTest, jobRunsOnAnotherThread) {
  ThreadPool pool;
  pool.start();
  std::promise<std::thread::id> ran;
  auto future = ran.get_future();
  pool.callInThread([&] { ran.set_value(std::this_thread::get_id()); });
  EXPECT_NE(future.get(), std::this_thread::get_id());
  pool.stop();
}

TEST(ThreadPoolTest, startKeepsMinimumWorkersAlive) {
  ThreadPool pool(2, 5);
  EXPECT_EQ(pool.workers(), 0);
  pool.start();
  EXPECT_EQ(pool.workers(), 2);
  pool.stop();
  EXPECT_EQ(pool.workers(), 0);
  EXPECT_FALSE(pool.started());
}

TEST(ThreadPoolTest, workersStartLazilyUpToMaximum) {
  ThreadPool pool(0, 3);
  pool.start();
  EXPECT_EQ(pool.workers(), 0);
  std::latch gate(1);
  Counter arrived;
  Counter finished;
  for (int i = 0; i < 4; ++i) {
    pool.callInThread([&] {
      arrived.add();
      gate.wait();
      finished.add();
    });
  }
  arrived.waitFor(3);
  EXPECT_EQ(pool.workers(), 3);
  EXPECT_EQ(pool.pendingJobs(), 1);  // the fourth waits for a worker
  EXPECT_EQ(arrived.count(), 3);
  gate.count_down();
  finished.waitFor(4);
  pool.stop();
}

TEST(ThreadPoolTest, sequentialJobsReuseTheOnlyWorker) {
  ThreadPool pool(0, 1);
  pool.start();
  std::vector<std::thread::id> ids;
  for (int i = 0; i < 20; ++i) {
    std::promise<std::thread::id> ran;
    pool.callInThread([&] { ran.set_value(std::this_thread::get_id()); });
    ids.push_back(ran.get_future().get());
  }
  EXPECT_EQ(pool.workers(), 1);
  for (auto id : ids) EXPECT_EQ(id, ids.front());
  pool.stop();
}

TEST(ThreadPoolTest, stopLetsQueuedWorkFinish) {
  ThreadPool pool(0, 1);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) pool.callInThread([&] { ++ran; });
  pool.start();
  pool.stop();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_EQ(pool.workers(), 0);
}

TEST(ThreadPoolTest, stopWaitsForABusyWorkerAndItsBacklog) {
  ThreadPool pool(0, 1);
  pool.start();
  std::latch gate(1);
  std::latch blockerRunning(1);
  std::atomic<int> ran{0};
  pool.callInThread([&] {
    blockerRunning.count_down();
    gate.wait();
    ++ran;
  });
  blockerRunning.wait();
  for (int i = 0; i < 10; ++i) pool.callInThread([&] { ++ran; });
  // Whether the gate opens before or after stop() begins, every queued job must run.
  std::thread stopper([&] { pool.stop(); });
  gate.count_down();
  stopper.join();
  EXPECT_EQ(ran.load(), 11);
}

TEST(ThreadPoolTest, stopIsIdempotent) {
  ThreadPool pool(1, 2);
  pool.start();
  pool.stop();
  pool.stop();
  EXPECT_FALSE(pool.started());
}

TEST(ThreadPoolTest, stopWithoutStartIsSafeAndDropsQueuedWork) {
  ThreadPool pool;
  auto token = std::make_shared<int>(0);
  bool ran = false;
  pool.callInThread([token, &ran] { ran = true; });
  EXPECT_EQ(token.use_count(), 2);
  pool.stop();
  EXPECT_FALSE(ran);
  EXPECT_EQ(token.use_count(), 1);  // the dropped job was destroyed
}

TEST(ThreadPoolTest, callInThreadAfterStopIsDropped) {
  ThreadPool pool;
  pool.start();
  pool.stop();
  auto token = std::make_shared<int>(0);
  pool.callInThread([token] {});
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_EQ(pool.pendingJobs(), 0);
}

TEST(ThreadPoolTest, poolCanStartAgainAfterStop) {
  ThreadPool pool;
  pool.start();
  pool.stop();
  pool.start();
  std::latch done(1);
  pool.callInThread([&] { done.count_down(); });
  done.wait();
  pool.stop();
}

TEST(ThreadPoolTest, destructorStopsAndDrainsThePool) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(0, 2);
    pool.start();
    for (int i = 0; i < 100; ++i) pool.callInThread([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(ThreadPoolTest, exceptionInJobIsLoggedAndWorkerContinues) {
  log::Capture capture;
  ThreadPool pool(0, 1, "jobs");
  pool.start();
  std::latch done(1);
  pool.callInThread([] { throw std::runtime_error("boom"); });
  pool.callInThread([] { throw 42; });
  pool.callInThread([&] { done.count_down(); });
  done.wait();
  EXPECT_EQ(pool.workers(), 1);
  pool.stop();
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].text.find("boom"), std::string::npos);
  EXPECT_EQ(errors[0].system, "jobs");
  EXPECT_NE(errors[1].text.find("unknown exception"), std::string::npos);
}

TEST(ThreadPoolTest, stopFromOwnWorkerThrows) {
  ThreadPool pool;
  pool.start();
  std::promise<bool> threw;
  pool.callInThread([&] {
    try {
      pool.stop();
      threw.set_value(false);
    } catch (const error::RuntimeError&) {
      threw.set_value(true);
    }
  });
  EXPECT_TRUE(threw.get_future().get());
  pool.stop();
}

TEST(ThreadPoolTest, jobMayQueueMoreWork) {
  ThreadPool pool(0, 1);
  pool.start();
  std::latch done(1);
  pool.callInThread([&] { pool.callInThread([&] { done.count_down(); }); });
  done.wait();
  pool.stop();
}

TEST(ThreadPoolTest, adjustPoolsizeRejectsBadSizes) {
  ThreadPool pool;
  EXPECT_THROW(pool.adjustPoolsize(-1, 2), error::ValueError);
  EXPECT_THROW(pool.adjustPoolsize(3, 2), error::ValueError);
  EXPECT_EQ(pool.minThreads(), 0);
  EXPECT_EQ(pool.maxThreads(), 10);
}

TEST(ThreadPoolTest, adjustPoolsizeBeforeStartOnlyRecordsSizes) {
  ThreadPool pool;
  pool.adjustPoolsize(2, 4);
  EXPECT_EQ(pool.minThreads(), 2);
  EXPECT_EQ(pool.maxThreads(), 4);
  EXPECT_EQ(pool.workers(), 0);
  pool.start();
  EXPECT_EQ(pool.workers(), 2);
  pool.stop();
}

TEST(ThreadPoolTest, adjustPoolsizeGrowsToNewMinimum) {
  ThreadPool pool(0, 10);
  pool.start();
  pool.adjustPoolsize(4, 10);
  EXPECT_EQ(pool.workers(), 4);
  pool.stop();
}

TEST(ThreadPoolTest, adjustPoolsizeRetiresSurplusWorkers) {
  ThreadPool pool(5, 10);
  pool.start();
  EXPECT_EQ(pool.workers(), 5);
  pool.adjustPoolsize(0, 2);
  EXPECT_EQ(pool.workers(), 2);
  // The retired threads leave and are joined; the pool keeps working within the new max.
  std::latch gate(1);
  Counter arrived;
  for (int i = 0; i < 3; ++i) {
    pool.callInThread([&] {
      arrived.add();
      gate.wait();
    });
  }
  arrived.waitFor(2);
  EXPECT_EQ(pool.workers(), 2);
  EXPECT_EQ(pool.pendingJobs(), 1);
  gate.count_down();
  arrived.waitFor(3);
  pool.stop();
}

TEST(ThreadPoolTest, raisingMaximumStartsWorkersForWaitingWork) {
  ThreadPool pool(0, 1);
  pool.start();
  std::latch gate(1);
  Counter arrived;
  for (int i = 0; i < 3; ++i) {
    pool.callInThread([&] {
      arrived.add();
      gate.wait();
    });
  }
  arrived.waitFor(1);
  EXPECT_EQ(pool.pendingJobs(), 2);
  pool.adjustPoolsize(0, 3);
  arrived.waitFor(3);
  EXPECT_EQ(pool.workers(), 3);
  gate.count_down();
  pool.stop();
}

TEST(ThreadPoolTest, poolWithZeroMaximumNeverRunsWorkAndStopDropsIt) {
  ThreadPool pool(0, 0);
  pool.start();
  auto token = std::make_shared<int>(0);
  pool.callInThread([token] {});
  EXPECT_EQ(pool.pendingJobs(), 1);
  pool.stop();
  EXPECT_EQ(token.use_count(), 1);
}

TEST(ThreadPoolTest, manyJobsFromManyThreadsAllRun) {
  constexpr int kThreads = 8;
  constexpr int kJobs = 2000;
  ThreadPool pool(0, 4);
  pool.start();
  std::atomic<int> ran{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kJobs; ++i) pool.callInThread([&] { ++ran; });
    });
  }
  for (auto& p : producers) p.join();
  pool.stop();
  EXPECT_EQ(ran.load(), kThreads * kJobs);
}

TEST(ThreadPoolTest, concurrentAdjustAndSubmitStayConsistent) {
  ThreadPool pool(0, 4);
  pool.start();
  std::atomic<int> ran{0};
  std::thread adjuster([&] {
    for (int i = 0; i < 200; ++i) pool.adjustPoolsize(i % 2, 2 + i % 3);
  });
  for (int i = 0; i < 2000; ++i) pool.callInThread([&] { ++ran; });
  adjuster.join();
  pool.stop();
  EXPECT_EQ(ran.load(), 2000);
}

}  // namespace
}  // namespace weft
