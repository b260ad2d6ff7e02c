#include "weft/threads/threaded_resolver.h"

#include "threads/loop_double.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/testing/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace weft {
namespace {

using testing_detail::LoopDouble;

struct Answer {
  std::optional<std::string> address;
  std::optional<Failure> failure;
  std::thread::id thread;
  int fired = 0;
  bool done() const { return fired > 0; }
};

std::shared_ptr<Answer> watch(Deferred<std::string>& d) {
  auto a = std::make_shared<Answer>();
  static_cast<void>(d.addBoth([a](Outcome<std::string> o) {
    ++a->fired;
    a->thread = std::this_thread::get_id();
    if (o.ok()) {
      a->address.emplace(std::move(o).value());
    } else {
      a->failure.emplace(std::move(o).failure());
    }
  }));
  return a;
}

// The reactor thread is the test thread: the Clock for time, LoopDouble for callFromThread.
struct ResolverTest : ::testing::Test {
  testing::Clock clock;
  LoopDouble loop;
  std::atomic<int> lookups{0};
};

TEST_F(ResolverTest, successFiresOnTheReactorThreadAndCancelsTheTimeout) {
  std::thread::id lookupThread;
  ThreadedResolver resolver(clock, loop, [&](const std::string& name) {
    ++lookups;
    lookupThread = std::this_thread::get_id();
    return name == "example.com" ? std::string("10.0.0.1") : std::string("?");
  });
  Deferred<std::string> d = resolver.getHostByName("example.com");
  auto a = watch(d);
  EXPECT_EQ(clock.getDelayedCalls().size(), 1u);
  loop.runUntil([&] { return a->done(); });
  EXPECT_EQ(a->address, "10.0.0.1");
  EXPECT_EQ(a->thread, loop.owner());
  EXPECT_NE(lookupThread, loop.owner());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  EXPECT_EQ(lookups.load(), 1);
}

TEST_F(ResolverTest, runsOnItsOwnPoolNotTheReactorPool) {
  ThreadedResolver resolver(clock, loop, [](const std::string&) { return std::string("1.2.3.4"); });
  Deferred<std::string> d = resolver.getHostByName("host");
  auto a = watch(d);
  loop.runUntil([&] { return a->done(); });
  EXPECT_EQ(loop.pool().workers(), 0);
}

TEST_F(ResolverTest, unknownNameFailsWithDNSLookupError) {
  ThreadedResolver resolver(clock, loop, [](const std::string&) -> std::string {
    throw error::DNSLookupError("[Errno -2] Name or service not known");
  });
  Deferred<std::string> d = resolver.getHostByName("nosuch.invalid");
  auto a = watch(d);
  loop.runUntil([&] { return a->done(); });
  ASSERT_TRUE(a->failure.has_value());
  EXPECT_TRUE(a->failure->check<error::DNSLookupError>());
  EXPECT_EQ(a->failure->getErrorMessage(),
            "address 'nosuch.invalid' not found: [Errno -2] Name or service not known");
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(ResolverTest, anyLookupExceptionBecomesDNSLookupError) {
  ThreadedResolver resolver(
      clock, loop, [](const std::string&) -> std::string { throw std::runtime_error("x"); });
  Deferred<std::string> d = resolver.getHostByName("h");
  auto a = watch(d);
  loop.runUntil([&] { return a->done(); });
  ASSERT_TRUE(a->failure.has_value());
  EXPECT_TRUE(a->failure->check<error::DNSLookupError>());
  EXPECT_EQ(a->failure->getErrorMessage(), "address 'h' not found: x");
}

TEST_F(ResolverTest, timeoutIsTheSumOfTheSequence) {
  std::latch release(1);
  ThreadedResolver resolver(clock, loop, [&](const std::string&) {
    release.wait();
    return std::string("1.1.1.1");
  });
  Deferred<std::string> d1 = resolver.getHostByName("a");
  Deferred<std::string> d2 = resolver.getHostByName("b", {2, 3});
  Deferred<std::string> d3 = resolver.getHostByName("c", {});
  auto calls = clock.getDelayedCalls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0]->getTime(), 5.0);
  EXPECT_EQ(calls[1]->getTime(), 60.0);  // the default 1 + 3 + 11 + 45
  EXPECT_EQ(calls[2]->getTime(), 60.0);  // an empty sequence: Twisted's 60 s
  release.count_down();
  auto a1 = watch(d1);
  auto a2 = watch(d2);
  auto a3 = watch(d3);
  loop.runUntil([&] { return a1->done() && a2->done() && a3->done(); });
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(ResolverTest, timeoutFailsWithDNSLookupErrorAndALateAnswerIsDropped) {
  log::Capture capture;
  std::latch release(1);
  std::latch started(1);
  ThreadedResolver resolver(clock, loop, [&](const std::string&) {
    started.count_down();
    release.wait();
    return std::string("9.9.9.9");
  });
  Deferred<std::string> d = resolver.getHostByName("slow.example", {1, 2});
  auto a = watch(d);
  started.wait();
  clock.advance(2.999);
  EXPECT_FALSE(a->done());
  clock.advance(0.001);
  ASSERT_EQ(a->fired, 1);
  ASSERT_TRUE(a->failure.has_value());
  EXPECT_TRUE(a->failure->check<error::DNSLookupError>());
  EXPECT_EQ(a->failure->getErrorMessage(), "address 'slow.example' not found: timeout error");
  EXPECT_EQ(a->thread, loop.owner());

  release.count_down();
  loop.runUntil([&] { return loop.ran() == 1; });  // the late answer arrived and was dropped
  EXPECT_EQ(a->fired, 1);
  EXPECT_FALSE(a->address.has_value());
  EXPECT_TRUE(capture.errors().empty());
}

TEST_F(ResolverTest, ipv4LiteralResolvesAtOnceWithoutALookup) {
  ThreadedResolver resolver(clock, loop, [&](const std::string&) {
    ++lookups;
    return std::string("0.0.0.0");
  });
  Deferred<std::string> d = resolver.getHostByName("192.168.1.20");
  auto a = watch(d);
  EXPECT_EQ(a->address, "192.168.1.20");
  EXPECT_EQ(lookups.load(), 0);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(ResolverTest, emptyNameResolvesToTheAnyAddress) {
  ThreadedResolver resolver(clock, loop, [&](const std::string&) {
    ++lookups;
    return std::string("1.2.3.4");
  });
  Deferred<std::string> d = resolver.getHostByName("");
  auto a = watch(d);
  EXPECT_EQ(a->address, "0.0.0.0");
  EXPECT_EQ(lookups.load(), 0);
}

TEST_F(ResolverTest, lookupsRunConcurrentlyUpToTheResolversPoolSize) {
  std::latch bothStarted(2);
  ThreadedResolver resolver(clock, loop, [&](const std::string& name) {
    bothStarted.arrive_and_wait();  // would hang if the lookups ran one after the other
    return name == "x" ? std::string("1.0.0.1") : std::string("1.0.0.2");
  });
  Deferred<std::string> dx = resolver.getHostByName("x");
  Deferred<std::string> dy = resolver.getHostByName("y");
  auto ax = watch(dx);
  auto ay = watch(dy);
  loop.runUntil([&] { return ax->done() && ay->done(); });
  EXPECT_EQ(ax->address, "1.0.0.1");
  EXPECT_EQ(ay->address, "1.0.0.2");
}

TEST_F(ResolverTest, cancelledByTheUserTheAnswerIsIgnored) {
  ThreadedResolver resolver(clock, loop, [](const std::string&) { return std::string("1.2.3.4"); });
  Deferred<std::string> d = resolver.getHostByName("h");
  auto a = watch(d);
  d.cancel();
  ASSERT_TRUE(a->failure.has_value());
  EXPECT_TRUE(a->failure->check<error::CancelledError>());
  loop.runUntil([&] { return loop.ran() == 1; });
  EXPECT_EQ(a->fired, 1);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(ResolverTest, destroyingTheResolverWithALookupInFlightIsSafe) {
  std::latch release(1);
  std::latch started(1);
  auto resolver = std::make_unique<ThreadedResolver>(clock, loop, [&](const std::string&) {
    started.count_down();
    release.wait();
    return std::string("5.6.7.8");
  });
  Deferred<std::string> d = resolver->getHostByName("inflight");
  auto a = watch(d);
  started.wait();
  // Whether the lookup returns before or while the destructor waits, the answer still
  // reaches the reactor and nothing touches the dead resolver.
  std::thread releaser([&] { release.count_down(); });
  resolver.reset();
  releaser.join();
  loop.runUntil([&] { return a->done(); });
  EXPECT_EQ(a->address, "5.6.7.8");
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(ResolverTest, timeoutAfterTheResolverIsGoneStillFiresSafely) {
  std::latch release(1);
  auto resolver = std::make_unique<ThreadedResolver>(clock, loop, [&](const std::string&) {
    release.wait();
    return std::string("5.6.7.8");
  });
  Deferred<std::string> d = resolver->getHostByName("gone", {1});
  auto a = watch(d);
  std::thread releaser([&] { release.count_down(); });
  resolver.reset();  // joins the lookup; its answer is queued on the loop, not yet run
  releaser.join();
  clock.advance(1);
  ASSERT_TRUE(a->failure.has_value());
  EXPECT_TRUE(a->failure->check<error::DNSLookupError>());
  loop.runPending();  // the late answer: dropped
  EXPECT_EQ(a->fired, 1);
}

TEST_F(ResolverTest, rejectsAnEmptyLookupOrAZeroPool) {
  EXPECT_THROW(ThreadedResolver(clock, loop, ThreadedResolver::LookupFunction()),
               error::ValueError);
  EXPECT_THROW(ThreadedResolver(
                   clock, loop, [](const std::string& n) { return n; }, 0),
               error::ValueError);
}

TEST_F(ResolverTest, realGetaddrinfoResolvesLocalhost) {
  ThreadedResolver resolver(clock, loop);
  Deferred<std::string> d = resolver.getHostByName("localhost");
  auto a = watch(d);
  loop.runUntil([&] { return a->done(); });
  ASSERT_TRUE(a->address.has_value()) << a->failure->getErrorMessage();
  EXPECT_EQ(a->address->rfind("127.", 0), 0u);
}

TEST(GetaddrinfoLookupTest, resolvesLocalhostAndLiterals) {
  EXPECT_EQ(ThreadedResolver::getaddrinfoLookup("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(ThreadedResolver::getaddrinfoLookup("localhost").rfind("127.", 0), 0u);
}

}  // namespace
}  // namespace weft
