// deferToThread, deferToThreadPool, callMultipleInThread and blockingCallFromThread
// (weft/internet/threads.h) against LoopDouble, a small real event loop.
#include "weft/internet/threads.h"

#include "threads/loop_double.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/threads/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace weft {
namespace {

using testing_detail::LoopDouble;

// Records a Deferred's outcome and the thread it arrived on.
template <class T>
struct Result {
  std::optional<T> value;
  std::optional<Failure> failure;
  std::thread::id thread;
  bool fired() const { return value.has_value() || failure.has_value(); }
};

template <class T>
std::shared_ptr<Result<T>> watch(Deferred<T>& d) {
  auto r = std::make_shared<Result<T>>();
  static_cast<void>(d.addBoth([r](Outcome<T> o) {
    r->thread = std::this_thread::get_id();
    if (o.ok()) {
      r->value.emplace(std::move(o).value());
    } else {
      r->failure.emplace(std::move(o).failure());
    }
  }));
  return r;
}

TEST(DeferToThreadTest, firesOnTheReactorThreadWithTheResult) {
  LoopDouble loop;
  std::thread::id ranOn;
  Deferred<int> d = deferToThread(loop, [&] {
    ranOn = std::this_thread::get_id();
    return 42;
  });
  auto r = watch(d);
  loop.runUntil([&] { return r->fired(); });
  EXPECT_EQ(r->value, 42);
  EXPECT_EQ(r->thread, loop.owner());
  EXPECT_NE(ranOn, loop.owner());
}

TEST(DeferToThreadTest, doesNotFireBeforeTheReactorRunsTheResultCall) {
  LoopDouble loop;
  Deferred<std::string> d = deferToThread(loop, [] { return std::string("done"); });
  loop.waitQueued(1);  // the worker has finished and sent the result home
  EXPECT_FALSE(d.called());
  auto r = watch(d);
  EXPECT_EQ(loop.runPending(), 1);
  EXPECT_EQ(r->value, "done");
}

TEST(DeferToThreadTest, exceptionBecomesAFailureOnTheReactorThread) {
  LoopDouble loop;
  Deferred<int> d = deferToThread(loop, []() -> int { throw error::ValueError("bad input"); });
  auto r = watch(d);
  loop.runUntil([&] { return r->fired(); });
  ASSERT_TRUE(r->failure.has_value());
  EXPECT_TRUE(r->failure->check<error::ValueError>());
  EXPECT_EQ(r->failure->getErrorMessage(), "bad input");
  EXPECT_EQ(r->thread, loop.owner());
}

TEST(DeferToThreadTest, failureAfterSuccessBothArrive) {
  LoopDouble loop;
  Deferred<int> ok = deferToThread(loop, [] { return 1; });
  Deferred<int> bad = deferToThread(loop, []() -> int { throw std::runtime_error("second"); });
  auto r1 = watch(ok);
  auto r2 = watch(bad);
  loop.runUntil([&] { return r1->fired() && r2->fired(); });
  EXPECT_EQ(r1->value, 1);
  ASSERT_TRUE(r2->failure.has_value());
  EXPECT_TRUE(r2->failure->check<std::runtime_error>());
}

TEST(DeferToThreadTest, voidFunctionGivesDeferredVoid) {
  LoopDouble loop;
  std::atomic<bool> ran{false};
  Deferred<void> d = deferToThread(loop, [&] { ran = true; });
  bool fired = false;
  static_cast<void>(d.addCallback([&] { fired = true; }));
  loop.runUntil([&] { return fired; });
  EXPECT_TRUE(ran.load());
}

TEST(DeferToThreadTest, argumentsArePassedAsCopies) {
  LoopDouble loop;
  std::string word = "abc";
  Deferred<std::string> d = deferToThread(
      loop, [](const std::string& s, int n) { return s + std::to_string(n); }, word, 7);
  word = "changed";
  auto r = watch(d);
  loop.runUntil([&] { return r->fired(); });
  EXPECT_EQ(r->value, "abc7");
}

TEST(DeferToThreadTest, moveOnlyResultIsDelivered) {
  LoopDouble loop;
  Deferred<std::unique_ptr<int>> d = deferToThread(loop, [] { return std::make_unique<int>(5); });
  std::unique_ptr<int> got;
  static_cast<void>(d.addCallback([&](std::unique_ptr<int> p) { got = std::move(p); }));
  loop.runUntil([&] { return got != nullptr; });
  EXPECT_EQ(*got, 5);
}

TEST(DeferToThreadTest, deferToThreadPoolUsesTheGivenPool) {
  LoopDouble loop;
  ThreadPool pool(0, 1, "other");
  pool.start();
  std::promise<std::thread::id> poolThread;
  pool.callInThread([&] { poolThread.set_value(std::this_thread::get_id()); });
  std::thread::id expected = poolThread.get_future().get();
  Deferred<std::thread::id> d =
      deferToThreadPool(loop, pool, [] { return std::this_thread::get_id(); });
  auto r = watch(d);
  loop.runUntil([&] { return r->fired(); });
  EXPECT_EQ(r->value, expected);  // the pool's only worker
  pool.stop();
}

TEST(DeferToThreadTest, jobDroppedByAStoppedPoolNeverFiresAndLeaksNothing) {
  LoopDouble loop;
  ThreadPool pool;
  pool.start();
  pool.stop();
  Deferred<int> d = deferToThreadPool(loop, pool, [] { return 1; });
  // The dropped job sends its handle home to be destroyed on the reactor thread.
  loop.runPending();
  EXPECT_FALSE(d.called());
}

TEST(DeferToThreadTest, manyConcurrentCallsAllFire) {
  LoopDouble loop;
  constexpr int kCalls = 500;
  int fired = 0;
  long sum = 0;
  for (int i = 0; i < kCalls; ++i) {
    Deferred<int> d = deferToThread(loop, [i] { return i; });
    static_cast<void>(d.addCallback([&](int v) {
      ++fired;
      sum += v;
    }));
  }
  loop.runUntil([&] { return fired == kCalls; });
  EXPECT_EQ(sum, static_cast<long>(kCalls) * (kCalls - 1) / 2);
}

TEST(CallMultipleInThreadTest, runsCallsInOrderOnOneThread) {
  LoopDouble loop;
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  std::latch done(1);
  std::vector<Function<void()>> calls;
  for (int i = 0; i < 3; ++i) {
    calls.emplace_back([&, i] {
      order.push_back(i);
      threads.push_back(std::this_thread::get_id());
    });
  }
  calls.emplace_back([&] { done.count_down(); });
  callMultipleInThread(loop, std::move(calls));
  done.wait();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(threads[0], threads[1]);
  EXPECT_EQ(threads[1], threads[2]);
  EXPECT_NE(threads[0], loop.owner());
}

TEST(CallMultipleInThreadTest, exceptionStopsTheRestAndIsLogged) {
  log::Capture capture;
  std::vector<int> order;
  {
    LoopDouble loop(1);
    std::vector<Function<void()>> calls;
    calls.emplace_back([&] { order.push_back(1); });
    calls.emplace_back([] { throw std::runtime_error("second call failed"); });
    calls.emplace_back([&] { order.push_back(3); });
    callMultipleInThread(loop, std::move(calls));
  }  // the loop's pool drains and joins
  EXPECT_EQ(order, std::vector<int>{1});
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("second call failed"), std::string::npos);
}

// Runs body on a worker thread while the test thread plays the reactor, until it returns.
template <class Body>
void onWorker(LoopDouble& loop, Body body) {
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    body();
    finished = true;
    loop.callFromThread([] {});  // wake the loop so it sees `finished`
  });
  loop.runUntil([&] { return finished.load(); });
  worker.join();
}

TEST(BlockingCallFromThreadTest, returnsTheResultComputedOnTheReactorThread) {
  LoopDouble loop;
  std::thread::id ranOn;
  onWorker(loop, [&] {
    ranOn = blockingCallFromThread(loop, [] { return std::this_thread::get_id(); });
  });
  EXPECT_EQ(ranOn, loop.owner());
}

TEST(BlockingCallFromThreadTest, passesArguments) {
  LoopDouble loop;
  int got = 0;
  onWorker(loop, [&] {
    got = blockingCallFromThread(
        loop, [](int a, int b) { return a * b; }, 6, 7);
  });
  EXPECT_EQ(got, 42);
}

TEST(BlockingCallFromThreadTest, voidFunction) {
  LoopDouble loop;
  bool ran = false;
  onWorker(loop, [&] { blockingCallFromThread(loop, [&] { ran = true; }); });
  EXPECT_TRUE(ran);
}

TEST(BlockingCallFromThreadTest, waitsForAReturnedDeferred) {
  LoopDouble loop;
  std::optional<Deferred<std::string>> pending;
  std::string got;
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    got = blockingCallFromThread(loop, [&] {
      pending.emplace();
      return *pending;
    });
    finished = true;
    loop.callFromThread([] {});
  });
  loop.runUntil([&] { return pending.has_value(); });
  EXPECT_FALSE(finished.load());
  pending->callback("later");
  loop.runUntil([&] { return finished.load(); });
  worker.join();
  EXPECT_EQ(got, "later");
}

TEST(BlockingCallFromThreadTest, reraisesTheExceptionInTheCallingThread) {
  LoopDouble loop;
  std::string message;
  onWorker(loop, [&] {
    try {
      blockingCallFromThread(loop, []() -> int { throw error::KeyError("no such key"); });
    } catch (const error::KeyError& e) {
      message = e.what();
    }
  });
  EXPECT_EQ(message, "no such key");
}

TEST(BlockingCallFromThreadTest, reraisesTheFailureOfAReturnedDeferred) {
  LoopDouble loop;
  std::string message;
  onWorker(loop, [&] {
    try {
      blockingCallFromThread(loop,
                             [] { return fail<int>(Failure(error::ValueError("async bad"))); });
    } catch (const error::ValueError& e) {
      message = e.what();
    }
  });
  EXPECT_EQ(message, "async bad");
}

TEST(BlockingCallFromThreadTest, deferredDroppedUnfiredGivesBrokenPromise) {
  LoopDouble loop;
  bool broken = false;
  onWorker(loop, [&] {
    try {
      blockingCallFromThread(loop, [] { return Deferred<int>(); });
    } catch (const std::future_error& e) {
      broken = e.code() == std::future_errc::broken_promise;
    }
  });
  EXPECT_TRUE(broken);
}

TEST(BlockingCallFromThreadTest, fromTheReactorThreadThrowsInsteadOfDeadlocking) {
  LoopDouble loop;
  EXPECT_THROW(blockingCallFromThread(loop, [] { return 1; }), error::RuntimeError);
}

TEST(BlockingCallFromThreadTest, worksFromPoolThreadsTogether) {
  LoopDouble loop(4);
  constexpr int kCalls = 50;
  int counter = 0;  // reactor thread only
  std::atomic<int> done{0};
  for (int i = 0; i < kCalls; ++i) {
    loop.callInThread([&] {
      blockingCallFromThread(loop, [&] { ++counter; });
      ++done;
      loop.callFromThread([] {});
    });
  }
  loop.runUntil([&] { return done.load() == kCalls; });
  EXPECT_EQ(counter, kCalls);
}

}  // namespace
}  // namespace weft
