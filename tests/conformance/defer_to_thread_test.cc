// THR-11, THR-12 and the pluggable resolver against the real reactor, on every backend.
// (The file name contains "thread" so that these also run under TSan.)
#include "reactor_builder.h"

#include "weft/defer/defer.h"
#include "weft/internet/threads.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

namespace weft::conformance {
namespace {

class DeferToThreadTest : public ReactorTest {};

TEST_P(DeferToThreadTest, deferToThreadFiresOnTheReactorThreadWithTheResult) {
  auto reactor = buildReactor();
  std::thread::id reactorThread = std::this_thread::get_id();
  std::thread::id workerThread;
  std::thread::id firedOn;
  int result = 0;
  reactor->callWhenRunning([&] {
    auto d = deferToThread(*reactor, [&] {
      workerThread = std::this_thread::get_id();
      return 6 * 7;
    });
    auto done = d.addCallback([&](int v) {
      result = v;
      firedOn = std::this_thread::get_id();
      reactor->stop();
    });
  });
  runReactor(*reactor);
  EXPECT_EQ(result, 42);
  EXPECT_NE(workerThread, reactorThread);
  EXPECT_EQ(firedOn, reactorThread);
}

TEST_P(DeferToThreadTest, deferToThreadWrapsAnExceptionInAFailure) {
  auto reactor = buildReactor();
  std::string message;
  reactor->callWhenRunning([&] {
    auto d = deferToThread(*reactor, []() -> int { throw std::out_of_range("nope"); });
    auto done = d.addCallbacks([](int) {},
                               [&](Failure f) {
                                 EXPECT_TRUE(f.check<std::out_of_range>());
                                 message = f.getErrorMessage();
                                 reactor->stop();
                               });
  });
  runReactor(*reactor);
  EXPECT_EQ(message, "nope");
}

TEST_P(DeferToThreadTest, blockingCallFromThreadReturnsTheResultOfADeferred) {
  auto reactor = buildReactor();
  std::atomic<int> seen{0};
  std::string error;
  reactor->callWhenRunning([&] {
    reactor->callInThread([&] {
      // f returns a Deferred fired later by a timed call on the reactor thread.
      seen = blockingCallFromThread(*reactor, [&] {
        Deferred<int> d;
        reactor->callLater(Seconds(0.01), [d]() mutable { d.callback(7); });
        return d;
      });
      try {
        blockingCallFromThread(*reactor, []() -> int { throw std::runtime_error("bad"); });
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
      reactor->callFromThread([&] { reactor->stop(); });
    });
  });
  runReactor(*reactor);
  EXPECT_EQ(seen.load(), 7);
  EXPECT_EQ(error, "bad");
}

TEST_P(DeferToThreadTest, theThreadPoolRunsWhileTheReactorRunsAndStopsAtShutdown) {
  auto reactor = buildReactor();
  reactor->suggestThreadPoolSize(3);
  bool startedWhileRunning = false;
  reactor->callWhenRunning([&] {
    startedWhileRunning = reactor->getThreadPool().started();
    EXPECT_EQ(reactor->getThreadPool().maxThreads(), 3);
    reactor->stop();
  });
  runReactor(*reactor);
  EXPECT_TRUE(startedWhileRunning);
  EXPECT_FALSE(reactor->getThreadPool().started());
}

TEST_P(DeferToThreadTest, resolveOfAnAddressLiteralFiresWithIt) {
  auto reactor = buildReactor();
  std::string address;
  reactor->callWhenRunning([&] {
    auto d = reactor->resolve("127.0.0.1").addCallback([&](std::string a) {
      address = a;
      reactor->stop();
    });
  });
  runReactor(*reactor);
  EXPECT_EQ(address, "127.0.0.1");
}

TEST_P(DeferToThreadTest, resolveGoesThroughTheInstalledResolver) {
  struct Fixed final : IResolverSimple {
    std::string asked;
    Deferred<std::string> getHostByName(std::string_view name, std::vector<int>) override {
      asked = std::string(name);
      if (name == "bad.example")
        return fail<std::string>(Failure(error::DNSLookupError("no such")));
      return succeed(std::string("10.9.8.7"));
    }
  };
  auto reactor = buildReactor();
  auto fixed = std::make_shared<Fixed>();
  auto previous = reactor->installResolver(fixed);
  EXPECT_NE(previous, nullptr);
  EXPECT_EQ(reactor->installResolver(fixed), fixed);
  std::string good;
  bool badFailed = false;
  auto d1 = reactor->resolve("svc.example").addCallback([&](std::string a) { good = a; });
  auto d2 = reactor->resolve("bad.example").addErrback([&](Failure f) {
    badFailed = f.check<error::DNSLookupError>();
    return std::string();
  });
  EXPECT_EQ(good, "10.9.8.7");
  EXPECT_TRUE(badFailed);
  EXPECT_EQ(fixed->asked, "bad.example");
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(DeferToThreadTest);

}  // namespace
}  // namespace weft::conformance
