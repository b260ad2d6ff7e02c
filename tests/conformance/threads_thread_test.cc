// IReactorThreads conformance with real threads (SEMANTICS.md 2.4: THR-01..10 without the
// deferToThread items). Runs under TSan in CI. No sleeps: every wait is on the reactor
// (a guard callLater fails the test) or on a latch.
#include "reactor_builder.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace weft {
namespace {

using conformance::ReactorTest;

class ThreadsTest : public ReactorTest {};

// THR-01
TEST_P(ThreadsTest, callFromThreadRunsOnTheReactorThreadAndWakesABlockedLoop) {
  auto reactor = buildReactor();
  std::thread::id reactorThread;
  std::thread::id ranOn;
  std::thread worker;
  reactor->callWhenRunning([&] {
    reactorThread = std::this_thread::get_id();
    // Nothing else is scheduled but the guard: only the waker can end this wait.
    worker = std::thread([&] {
      reactor->callFromThread([&] {
        ranOn = std::this_thread::get_id();
        reactor->stop();
      });
    });
  });
  runReactor(*reactor);
  worker.join();
  EXPECT_EQ(ranOn, reactorThread);
}

// THR-02
TEST_P(ThreadsTest, callFromThreadCallsRunInScheduledOrder) {
  auto reactor = buildReactor();
  std::vector<int> order;
  std::thread worker;
  reactor->callWhenRunning([&] {
    worker = std::thread([&] {
      for (int i = 0; i < 100; ++i) reactor->callFromThread([&order, i] { order.push_back(i); });
      reactor->callFromThread([&] { reactor->stop(); });
    });
  });
  runReactor(*reactor);
  worker.join();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

// THR-03
TEST_P(ThreadsTest, callsQueuedBeforeRunWaitForRun) {
  auto reactor = buildReactor();
  std::atomic<int> calls{0};
  bool runningWhenCalled = false;
  std::thread([&] { reactor->callFromThread([&] { ++calls; }); }).join();
  reactor->callFromThread([&] {
    ++calls;
    runningWhenCalled = reactor->running();
    reactor->stop();
  });
  EXPECT_EQ(calls, 0);
  runReactor(*reactor);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(runningWhenCalled);
}

// THR-04
TEST_P(ThreadsTest, callFromThreadInsideADelayedCallRunsOnTheNextIteration) {
  auto reactor = buildReactor();
  bool called = false;
  reactor->callLater(Seconds(0), [&] {
    reactor->callFromThread([&] {
      called = true;
      reactor->stop();
    });
  });
  runReactor(*reactor);  // would block until the guard if the call did not wake the loop
  EXPECT_TRUE(called);
}

// THR-05
TEST_P(ThreadsTest, callFromThreadInsideACallFromThreadWaitsForTheNextPass) {
  auto reactor = buildReactor();
  std::vector<std::string> events;
  reactor->callFromThread([&] {
    events.push_back("first");
    reactor->callFromThread([&] {
      events.push_back("nested");
      reactor->stop();
    });
    reactor->callLater(Seconds(0), [&] { events.push_back("timer"); });
  });
  runReactor(*reactor);
  EXPECT_EQ(events, (std::vector<std::string>{"first", "timer", "nested"}));
}

TEST_P(ThreadsTest, selfReschedulingCallFromThreadDoesNotStarveTimers) {
  auto reactor = buildReactor();
  int spins = 0;
  std::function<void()> spin = [&] {
    ++spins;
    if (reactor->running()) reactor->callFromThread(spin);
  };
  reactor->callFromThread(spin);
  reactor->callLater(Seconds(0), [&] { reactor->stop(); });
  runReactor(*reactor);
  EXPECT_GE(spins, 1);
}

// THR-06
TEST_P(ThreadsTest, manyCallsFromManyThreadsAreAllDelivered) {
  auto reactor = buildReactor();
  constexpr int kThreads = 8;
  constexpr int kCalls = 2000;
  int delivered = 0;
  std::vector<std::vector<int>> seen(kThreads);
  std::vector<std::thread> workers;
  std::latch start(kThreads);
  reactor->callWhenRunning([&] {
    for (int t = 0; t < kThreads; ++t) {
      workers.emplace_back([&, t] {
        start.arrive_and_wait();  // all threads push at once
        for (int i = 0; i < kCalls; ++i) {
          reactor->callFromThread([&, t, i] {
            seen[static_cast<std::size_t>(t)].push_back(i);
            if (++delivered == kThreads * kCalls) reactor->stop();
          });
        }
      });
    }
  });
  runReactor(*reactor, Seconds(60));
  for (auto& w : workers) w.join();
  EXPECT_EQ(delivered, kThreads * kCalls);
  for (const auto& s : seen) {
    ASSERT_EQ(s.size(), static_cast<std::size_t>(kCalls));
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));  // FIFO per thread
  }
}

TEST_P(ThreadsTest, exceptionEscapingACallFromThreadCallableIsLogged) {
  auto reactor = buildReactor();
  bool after = false;
  reactor->callFromThread([] { throw error::RuntimeError("thread call boom"); });
  reactor->callFromThread([&] {
    after = true;
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_TRUE(after);
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("thread call boom"), std::string::npos);
}

// THR-07
TEST_P(ThreadsTest, callInThreadRunsOnAPoolThread) {
  auto reactor = buildReactor();
  std::thread::id reactorThread = std::this_thread::get_id();
  std::thread::id ranOn;
  reactor->callWhenRunning([&] {
    reactor->callInThread([&] {
      std::thread::id me = std::this_thread::get_id();
      reactor->callFromThread([&, me] {
        ranOn = me;
        reactor->stop();
      });
    });
  });
  runReactor(*reactor);
  EXPECT_NE(ranOn, std::thread::id());
  EXPECT_NE(ranOn, reactorThread);
}

// THR-08
TEST_P(ThreadsTest, threadPoolStartsWithTheReactorAndStopsBeforeRunReturns) {
  auto reactor = buildReactor();
  IThreadPool& pool = reactor->getThreadPool();
  EXPECT_FALSE(pool.started());
  bool startedWhileRunning = false;
  reactor->callWhenRunning([&] {
    startedWhileRunning = pool.started();
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_TRUE(startedWhileRunning);
  EXPECT_FALSE(pool.started());
  EXPECT_EQ(pool.workers(), 0);
}

TEST_P(ThreadsTest, suggestThreadPoolSizeSetsTheMaximum) {
  auto reactor = buildReactor();
  reactor->suggestThreadPoolSize(17);
  EXPECT_EQ(reactor->getThreadPool().maxThreads(), 17);
  reactor->suggestThreadPoolSize(3);
  EXPECT_EQ(reactor->getThreadPool().maxThreads(), 3);
  EXPECT_LE(reactor->getThreadPool().minThreads(), 3);
}

// THR-09
TEST_P(ThreadsTest, threadPoolMadeAfterRunIsStartedAtOnceAndStoppedAtShutdown) {
  auto reactor = buildReactor();
  IThreadPool* pool = nullptr;
  bool started = false;
  reactor->callWhenRunning([&] {
    pool = &reactor->getThreadPool();
    started = pool->started();
    reactor->stop();
  });
  runReactor(*reactor);
  ASSERT_NE(pool, nullptr);
  EXPECT_TRUE(started);
  EXPECT_FALSE(pool->started());
  EXPECT_EQ(pool->workers(), 0);
}

TEST_P(ThreadsTest, threadPoolIsCleanedUpWhenShutdownFiresBeforeRun) {
  auto reactor = buildReactor();
  IThreadPool& pool = reactor->getThreadPool();
  std::atomic<bool> ran{false};
  pool.callInThread([&] { ran = true; });
  reactor->fireSystemEvent("shutdown");
  EXPECT_FALSE(pool.started());
  EXPECT_EQ(pool.workers(), 0);
  EXPECT_NE(&reactor->getThreadPool(), &pool);  // a new one on demand
}

// THR-10
TEST_P(ThreadsTest, isInIOThreadIsTrueOnlyOnTheReactorThread) {
  auto reactor = buildReactor();
  bool inReactor = false;
  std::atomic<bool> inOther{true};
  std::thread worker;
  reactor->callWhenRunning([&] {
    inReactor = reactor->isInIOThread();
    worker = std::thread([&] {
      inOther = reactor->isInIOThread();
      reactor->callFromThread([&] { reactor->stop(); });
    });
  });
  runReactor(*reactor);
  worker.join();
  EXPECT_TRUE(inReactor);
  EXPECT_FALSE(inOther);
}

TEST_P(ThreadsTest, reactorRunOnAnotherThreadMakesThatTheIOThread) {
  auto reactor = buildReactor();
  bool inside = false;
  reactor->callWhenRunning([&] {
    inside = reactor->isInIOThread();
    reactor->stop();
  });
  // run() makes its own thread the reactor thread (no guard: callLater belongs to the
  // reactor thread, which is this one until run() starts).
  std::thread runner([&] { reactor->run({.installSignalHandlers = false}); });
  runner.join();
  EXPECT_TRUE(inside);
  EXPECT_FALSE(reactor->isInIOThread());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(ThreadsTest);

}  // namespace
}  // namespace weft
