// deferLater on a Clock (TASK-07) and react on a fake reactor (TASK-08): t/test_task.py
// DeferLaterTests and ReactTests, whose _FakeReactor this file's FakeReactor follows.
#include "weft/internet/task.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/defer/deferred.h"
#include "weft/testing/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace weft {
namespace {

using testing::Clock;

struct TestException : std::runtime_error {
  TestException() : std::runtime_error("TestException") {}
};

template <class T>
std::shared_ptr<std::optional<Outcome<T>>> watch(Deferred<T>& d) {
  auto r = std::make_shared<std::optional<Outcome<T>>>();
  d = d.addBoth([r](Outcome<T> o) -> Outcome<T> {
    r->emplace(o);
    return o;
  });
  return r;
}

template <class T>
void consumeFailure(Deferred<T>& d) {
  d = d.addErrback([](Failure) -> T {
    if constexpr (!std::is_void_v<T>) return T{};
  });
}

// --- TASK-07: deferLater ------------------------------------------------------------------

TEST(DeferLaterTest, firesWithTheResultOfTheCallableAfterTheDelay) {
  Clock clock;
  std::vector<std::pair<std::string, std::string>> results;
  auto d = deferLater(
      clock, 3,
      [&](std::string foo, std::string bar) {
        results.emplace_back(foo, bar);
        return 42;
      },
      "foo", "bar");
  auto result = watch(d);
  clock.advance(2);
  EXPECT_TRUE(results.empty());
  EXPECT_FALSE(result->has_value());
  clock.advance(1);
  EXPECT_EQ(results, (std::vector<std::pair<std::string, std::string>>{{"foo", "bar"}}));
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), 42);
}

TEST(DeferLaterTest, errbacksIfTheCallableThrows) {
  Clock clock;
  auto d = deferLater(clock, Seconds(1), []() -> int { throw TestException(); });
  auto result = watch(d);
  clock.advance(1);
  ASSERT_TRUE(result->has_value());
  ASSERT_FALSE((*result)->ok());
  EXPECT_TRUE((*result)->failure().check<TestException>());
  consumeFailure(d);
}

TEST(DeferLaterTest, cancellingCancelsTheCallAndErrbacksCancelledError) {
  Clock clock;
  bool called = false;
  auto d = deferLater(clock, 1, [&] { called = true; });
  auto result = watch(d);
  d.cancel();
  ASSERT_TRUE(result->has_value());
  EXPECT_TRUE((*result)->failure().check<error::CancelledError>());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  clock.advance(2);
  EXPECT_FALSE(called);
  consumeFailure(d);
}

TEST(DeferLaterTest, withoutACallableFiresWithNothing) {
  Clock clock;
  Deferred<void> d = deferLater(clock, 2.0);
  auto result = watch(d);
  EXPECT_FALSE(result->has_value());
  clock.advance(2.0);
  ASSERT_TRUE(result->has_value());
  EXPECT_TRUE((*result)->ok());
}

TEST(DeferLaterTest, aDeferredReturnedByTheCallableIsWaitedFor) {
  Clock clock;
  Deferred<std::string> inner;
  auto d = deferLater(clock, std::chrono::milliseconds(500), [&] { return inner; });
  static_assert(std::is_same_v<decltype(d), Deferred<std::string>>);
  auto result = watch(d);
  clock.advance(0.5);
  EXPECT_FALSE(result->has_value());
  inner.callback("done");
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ((*result)->value(), "done");
}

TEST(DeferLaterTest, aNegativeDelayRaisesValueError) {
  Clock clock;
  EXPECT_THROW(static_cast<void>(deferLater(clock, -1)), error::ValueError);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

// --- TASK-08: react -----------------------------------------------------------------------

// Twisted's _FakeReactor: run() runs the startup hooks, then advances its clock to each
// next timed call until stopped (RuntimeError when none is left), then runs the shutdown
// triggers, 'before' then 'during'.
class FakeReactor final : public IReactorCore {
 public:
  Clock clock;
  int stopCalls = 0;

  bool running() const override { return running_; }
  void run(RunOptions) override {
    running_ = true;
    started_ = true;
    auto hooks = std::move(whenRunning_);
    for (auto& f : hooks) f();
    while (running_) {
      auto calls = clock.getDelayedCalls();
      if (calls.empty()) throw error::RuntimeError("No DelayedCalls left");
      clock.advance(calls[0]->getTime() - clock.seconds());
    }
    for (const char* phase : {"before", "during"}) {
      for (auto& t : triggers_) {
        if (t.id.phase == phase && t.fn) {
          auto fn = std::move(t.fn);
          std::optional<Deferred<void>> d = fn();
          static_cast<void>(d);
        }
      }
    }
  }
  void stop() override {
    ++stopCalls;
    if (!running_) throw error::ReactorNotRunning();
    running_ = false;
  }
  void crash() override { running_ = false; }
  void iterate(Seconds) override {}
  void fireSystemEvent(std::string_view) override {}
  void removeSystemEventTrigger(const TriggerId& id) override {
    for (auto& t : triggers_) {
      if (t.id.id == id.id) {
        t.fn = nullptr;
        return;
      }
    }
    throw error::ValueError("unknown trigger");
  }
  Deferred<std::string> resolve(std::string_view, std::vector<int>) override {
    return fail<std::string>(Failure(error::DNSLookupError()));
  }

 protected:
  TriggerId addTrigger(std::string_view phase, std::string_view eventType,
                       SystemEventTrigger trigger) override {
    EXPECT_EQ(eventType, "shutdown");
    TriggerId id{std::string(phase), std::string(eventType), ++nextId_};
    triggers_.push_back({id, std::move(trigger)});
    return id;
  }
  std::optional<TriggerId> callWhenRunningImpl(Function<void()> f) override {
    if (started_) {
      f();
      return std::nullopt;
    }
    whenRunning_.push_back(std::move(f));
    return TriggerId{"after", "startup", ++nextId_};
  }

 private:
  struct Trigger {
    TriggerId id;
    SystemEventTrigger fn;
  };
  bool running_ = false;
  bool started_ = false;
  std::uint64_t nextId_ = 0;
  std::vector<Function<void()>> whenRunning_;
  std::vector<Trigger> triggers_;
};

class ReactTest : public ::testing::Test {
 protected:
  FakeReactor r;
  log::Capture logs;
};

TEST_F(ReactTest, runsUntilMainsDeferredIsCalledBackThenStopsAndReturnsZero) {
  std::vector<bool> timePassed;
  int code = react(r, [&] {
    Deferred<void> finished;
    auto a = r.clock.callLater(1, [&] { timePassed.push_back(true); });
    auto b = r.clock.callLater(2, [finished]() mutable { finished.callback(); });
    return finished;
  });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(timePassed, std::vector<bool>{true});
  EXPECT_EQ(r.clock.seconds(), 2);
  EXPECT_EQ(r.stopCalls, 1);
}

TEST_F(ReactTest, returnsAtOnceWhenMainsDeferredHasAlreadyFired) {
  int code = react(r, [] { return succeed(); });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(r.clock.seconds(), 0);
  EXPECT_EQ(r.stopCalls, 1);
}

TEST_F(ReactTest, anAsynchronousFailureReturnsOneAndIsLoggedOnce) {
  int code = react(r, [&] {
    Deferred<void> finished;
    auto a = r.clock.callLater(1, [finished]() mutable { finished.errback(TestException()); });
    return finished;
  });
  EXPECT_EQ(code, 1);
  auto errors = logs.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("main function encountered error"), std::string::npos);
  EXPECT_NE(errors[0].text.find("TestException"), std::string::npos);
}

TEST_F(ReactTest, aSynchronousFailureReturnsOneAtOnceAndIsLoggedOnce) {
  int code = react(r, [] { return fail<void>(Failure(TestException())); });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(r.clock.seconds(), 0);
  EXPECT_EQ(logs.flushErrors().size(), 1u);
}

TEST_F(ReactTest, anExceptionEscapingMainCountsAsAFailure) {
  int code = react(r, []() -> Deferred<void> { throw TestException(); });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(logs.flushErrors().size(), 1u);
}

TEST_F(ReactTest, doesNotStopTheReactorAgainWhenMainFiresDuringShutdown) {
  int code = react(r, [&] {
    auto a = r.clock.callLater(1, [&] { r.stop(); });
    Deferred<void> finished;
    r.addSystemEventTrigger("during", "shutdown", [finished]() mutable { finished.callback(); });
    return finished;
  });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(r.clock.seconds(), 1);
  EXPECT_EQ(r.stopCalls, 1);
}

TEST_F(ReactTest, aFailureDuringShutdownReturnsOneWithoutASecondStop) {
  int code = react(r, [&] {
    auto a = r.clock.callLater(1, [&] { r.stop(); });
    Deferred<void> finished;
    r.addSystemEventTrigger("during", "shutdown",
                            [finished]() mutable { finished.errback(TestException()); });
    return finished;
  });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(r.clock.seconds(), 1);
  EXPECT_EQ(r.stopCalls, 1);
  EXPECT_EQ(logs.flushErrors().size(), 1u);
}

TEST_F(ReactTest, forwardsTheCodeOfASystemExitWithoutLogging) {
  int code = react(r, [] { return fail<void>(Failure(error::SystemExit(23))); });
  EXPECT_EQ(code, 23);
  EXPECT_TRUE(logs.errors().empty());
}

TEST_F(ReactTest, handlesAStopJustBeforeMainsDeferredFires) {
  int code = react(r, [&] {
    Deferred<void> d;
    r.callWhenRunning([&r = r, d]() mutable {
      r.stop();
      d.callback();
    });
    return d;
  });
  EXPECT_EQ(code, 0);
}

TEST_F(ReactTest, returnsZeroWhenTheReactorStopsAndMainsDeferredNeverFires) {
  Deferred<void> never;
  int code = react(r, [&] {
    auto a = r.clock.callLater(1, [&] { r.stop(); });
    return never;
  });
  EXPECT_EQ(code, 0);
  // Firing it after react() returned touches nothing; a failure would only be logged.
  never.errback(TestException());
  EXPECT_EQ(logs.flushErrors().size(), 1u);
}

TEST_F(ReactTest, acceptsACoroutineMain) {
  int code = react(r, [&]() -> Deferred<void> {
    co_await deferLater(r.clock, 1);
    co_await deferLater(r.clock, 1);
  });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(r.clock.seconds(), 2);
}

}  // namespace
}  // namespace weft
