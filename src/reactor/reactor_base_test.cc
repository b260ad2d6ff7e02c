// ReactorBase with a scripted Poller and a fake clock: the loop's timeouts (TIME-17), phase
// order, interest bookkeeping and thread-affinity checks, deterministically.
#include "reactor/reactor_base.h"

#include "weft/base/log.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <csignal>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace weft {
namespace {

// ReactorBase is the core of the loop; TCP joins it in posix_reactor. The core's own tests
// use this double, whose TCP methods refuse.
class CoreOnlyReactor final : public ReactorBase {
 public:
  using ReactorBase::ReactorBase;
  std::shared_ptr<IListeningPort> listenTCP(int, std::shared_ptr<IProtocolFactory>,
                                            TCPListenOptions) override {
    throw error::UnsupportedSocketType("no TCP in the core tests");
  }
  std::shared_ptr<IConnector> connectTCP(std::string, int, std::shared_ptr<ClientFactory>,
                                         TCPConnectOptions) override {
    throw error::UnsupportedSocketType("no TCP in the core tests");
  }
  std::shared_ptr<IListeningPort> adoptStreamPort(int, AddressFamily,
                                                  std::shared_ptr<IProtocolFactory>) override {
    throw error::UnsupportedSocketType("no TCP in the core tests");
  }
  void adoptStreamConnection(int, AddressFamily, std::shared_ptr<IProtocolFactory>) override {
    throw error::UnsupportedSocketType("no TCP in the core tests");
  }
};

using Trace = std::vector<std::string>;

struct PollerLog {
  std::vector<int> waits;
  int adds = 0;
  int modifies = 0;
  int removes = 0;
};

// Records every call; wait() returns scripted events, or advances the fake clock by the
// timeout when there are none (a wait that "timed out").
class FakePoller final : public Poller {
 public:
  FakePoller(PollerLog& log, double& now, Trace& trace, bool edges)
      : log_(log), now_(now), trace_(trace), edges_(edges) {}
  void add(int fd, std::uint8_t interest, void* data) override {
    ++log_.adds;
    fds_[fd] = {interest, data};
  }
  void modify(int fd, std::uint8_t interest, void* data) override {
    ++log_.modifies;
    fds_[fd] = {interest, data};
  }
  void remove(int fd) override {
    ++log_.removes;
    fds_.erase(fd);
  }
  void wait(int timeoutMs, std::vector<PollEvent>& out) override {
    out.clear();
    log_.waits.push_back(timeoutMs);
    trace_.push_back("wait");
    if (onWait) onWait();
    if (!script.empty()) {
      for (auto [fd, events] : script.front()) {
        auto it = fds_.find(fd);
        if (it != fds_.end()) out.push_back({it->second.second, events});
      }
      script.pop_front();
    } else if (timeoutMs > 0) {
      now_ += timeoutMs / 1000.0;
    }
  }
  bool supportsEdge() const override { return edges_; }
  std::size_t size() const override { return fds_.size(); }
  std::string_view name() const override { return "fake"; }

  std::uint8_t interestOf(int fd) const {
    auto it = fds_.find(fd);
    return it == fds_.end() ? 0 : it->second.first;
  }

  std::deque<std::vector<std::pair<int, std::uint8_t>>> script;
  std::function<void()> onWait;

 private:
  PollerLog& log_;
  double& now_;
  Trace& trace_;
  bool edges_;
  std::map<int, std::pair<std::uint8_t, void*>> fds_;
};

class Descriptor final : public IReadWriteDescriptor {
 public:
  Descriptor(int fd, Trace& trace) : fd_(fd), trace_(trace) {}
  int fileno() const override { return fd_; }
  std::optional<Failure> doRead() override {
    trace_.push_back("read");
    if (onRead) onRead();
    return std::nullopt;
  }
  std::optional<Failure> doWrite() override {
    trace_.push_back("write");
    return std::nullopt;
  }
  void connectionLost(const Failure&) override { trace_.push_back("lost"); }
  std::function<void()> onRead;

 private:
  int fd_;
  Trace& trace_;
};

// A descriptor that may be watched edge-triggered; `drained` is what doRead reports.
class EdgeDescriptor final : public IReadWriteDescriptor, public IEdgeTriggeredDescriptor {
 public:
  EdgeDescriptor(int fd, Trace& trace) : fd_(fd), trace_(trace) {}
  int fileno() const override { return fd_; }
  std::optional<Failure> doRead() override {
    trace_.push_back("read");
    drained_ = drainedAfter.empty() || drainedAfter.front();
    if (!drainedAfter.empty()) drainedAfter.pop_front();
    return std::nullopt;
  }
  std::optional<Failure> doWrite() override {
    trace_.push_back("write");
    return std::nullopt;
  }
  bool readDrained() const override { return drained_; }
  void connectionLost(const Failure&) override { trace_.push_back("lost"); }
  std::deque<bool> drainedAfter;  // per doRead; drained once empty

 private:
  int fd_;
  Trace& trace_;
  bool drained_ = true;
};

class ReactorBaseTest : public ::testing::Test {
 protected:
  explicit ReactorBaseTest(bool edges = false) {
    auto poller = std::make_unique<FakePoller>(log_, now_, trace_, edges);
    poller_ = poller.get();
    ReactorBaseOptions options;
    options.poller = std::move(poller);
    options.clock = [this] { return now_; };
    reactor_ = std::make_unique<CoreOnlyReactor>(std::move(options));
  }
  void run() { reactor_->run({.installSignalHandlers = false}); }

  double now_ = 1000.0;
  PollerLog log_;
  Trace trace_;
  FakePoller* poller_;
  std::unique_ptr<ReactorBase> reactor_;
};

// TIME-17
TEST_F(ReactorBaseTest, timeoutIsNoneWithNoCalls) { EXPECT_EQ(reactor_->timeout(), std::nullopt); }

TEST_F(ReactorBaseTest, timeoutIsTheTimeUntilTheEarliestCall) {
  reactor_->callLater(Seconds(5), [] {});
  EXPECT_EQ(reactor_->timeout(), 5.0);
  reactor_->callLater(Seconds(2), [] {});
  EXPECT_EQ(reactor_->timeout(), 2.0);
}

TEST_F(ReactorBaseTest, timeoutReflectsElapsedTime) {
  reactor_->callLater(Seconds(5), [] {});
  now_ += 2;
  EXPECT_EQ(reactor_->timeout(), 3.0);
  now_ += 10;
  EXPECT_EQ(reactor_->timeout(), 0.0);  // overdue: never negative
}

TEST_F(ReactorBaseTest, timeoutFollowsResetDelayAndCancel) {
  auto call = reactor_->callLater(Seconds(5), [] {});
  call->reset(Seconds(1));
  EXPECT_EQ(reactor_->timeout(), 1.0);
  call->delay(Seconds(2));
  EXPECT_EQ(reactor_->timeout(), 3.0);
  call->cancel();
  EXPECT_EQ(reactor_->timeout(), std::nullopt);
}

TEST_F(ReactorBaseTest, timeoutMillisRoundsUpAndClamps) {
  EXPECT_EQ(ReactorBase::timeoutMillis(std::nullopt), -1);
  EXPECT_EQ(ReactorBase::timeoutMillis(0.0), 0);
  EXPECT_EQ(ReactorBase::timeoutMillis(0.0004), 1);
  EXPECT_EQ(ReactorBase::timeoutMillis(1.5), 1500);
  EXPECT_EQ(ReactorBase::timeoutMillis(1.5000001), 1501);
  EXPECT_EQ(ReactorBase::timeoutMillis(std::ldexp(1.0, 128)), INT_MAX);
  EXPECT_EQ(ReactorBase::timeoutMillis(INFINITY), INT_MAX);
}

TEST_F(ReactorBaseTest, loopWaitsExactlyUntilTheNextCall) {
  reactor_->callLater(Seconds(1.5), [&] { reactor_->stop(); });
  run();
  EXPECT_EQ(log_.waits, (std::vector<int>{1500}));
}

TEST_F(ReactorBaseTest, subMillisecondCallIsNotABusyLoop) {
  reactor_->callLater(Seconds(0.0004), [&] { reactor_->stop(); });
  run();
  EXPECT_EQ(log_.waits, (std::vector<int>{1}));
}

TEST_F(ReactorBaseTest, loopBlocksWhenNothingIsScheduled) {
  poller_->onWait = [&] {
    if (log_.waits.size() == 1) reactor_->stop();
  };
  run();
  EXPECT_EQ(log_.waits, (std::vector<int>{-1}));
}

TEST_F(ReactorBaseTest, callLaterZeroMeansAZeroWait) {
  reactor_->callLater(Seconds(0),
                      [&] { reactor_->callLater(Seconds(0), [&] { reactor_->stop(); }); });
  run();
  EXPECT_EQ(log_.waits, (std::vector<int>{0}));  // the second call stops it before a wait
}

// The phases of one iteration (docs/loop.md).
TEST_F(ReactorBaseTest, iterationRunsItsPhasesInOrder) {
  Trace& t = trace_;
  auto d = std::make_shared<Descriptor>(1000, trace_);
  d->onRead = [&] {
    reactor_->callBeforeWait([&] { t.push_back("flush after dispatch"); });
    reactor_->deferClose([&] { t.push_back("close"); });
  };
  reactor_->addReader(d);
  reactor_->callLater(Seconds(0), [&] {
    t.push_back("timer");
    reactor_->callBeforeWait([&] { t.push_back("flush before wait"); });
  });
  reactor_->callFromThread([&] { t.push_back("thread call"); });
  reactor_->addPrePollHook([&] { t.push_back("hook"); });
  poller_->script.push_back({{1000, kPollRead}});
  reactor_->iterate();
  EXPECT_EQ(t, (Trace{"timer", "thread call", "flush before wait", "hook", "wait", "read",
                      "flush after dispatch", "hook", "close"}));
  reactor_->removeReader(d);
}

TEST_F(ReactorBaseTest, callBeforeWaitFromAFlushRunsInTheSamePhase) {
  reactor_->callBeforeWait([&] {
    trace_.push_back("a");
    reactor_->callBeforeWait([&] { trace_.push_back("b"); });
  });
  reactor_->iterate();
  EXPECT_EQ(trace_, (Trace{"a", "b", "wait"}));
}

TEST_F(ReactorBaseTest, prePollHookMayRemoveItself) {
  ReactorBase::HookId id = 0;
  int calls = 0;
  id = reactor_->addPrePollHook([&] {
    ++calls;
    reactor_->removePrePollHook(id);
  });
  reactor_->iterate();
  reactor_->iterate();
  EXPECT_EQ(calls, 1);
}

// Interest changes: one poller call per real change, none on the steady path.
TEST_F(ReactorBaseTest, interestChangesAreMinimal) {
  int base = log_.adds;  // the waker
  auto d = std::make_shared<Descriptor>(1000, trace_);
  reactor_->addReader(d);
  reactor_->addReader(d);
  EXPECT_EQ(log_.adds, base + 1);
  reactor_->addWriter(d);
  reactor_->addWriter(d);
  EXPECT_EQ(log_.modifies, 1);
  EXPECT_EQ(poller_->interestOf(1000), kPollRead | kPollWrite);
  reactor_->removeWriter(d);
  reactor_->removeWriter(d);
  EXPECT_EQ(log_.modifies, 2);
  EXPECT_EQ(poller_->interestOf(1000), kPollRead);
  for (int i = 0; i < 5; ++i) {
    poller_->script.push_back({{1000, kPollRead}});
    reactor_->iterate();
  }
  EXPECT_EQ(log_.adds, base + 1);
  EXPECT_EQ(log_.modifies, 2);
  EXPECT_EQ(log_.removes, 0);
  reactor_->stopReading(d.get());
  EXPECT_EQ(log_.removes, 1);
  EXPECT_FALSE(reactor_->isReading(d.get()));
}

// The registry on a poller with edges (epoll).
class EdgeRegistryTest : public ReactorBaseTest {
 protected:
  EdgeRegistryTest() : ReactorBaseTest(true) {}
};

TEST_F(EdgeRegistryTest, edgeDescriptorIsRegisteredOnceAndItsInterestChangesAreFree) {
  int base = log_.adds;
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  reactor_->addReader(d);
  EXPECT_EQ(log_.adds, base + 1);
  EXPECT_EQ(poller_->interestOf(1000), kPollEdge | kPollRead);
  reactor_->addWriter(d);  // the first writer arms writing: one modify, for good
  EXPECT_EQ(log_.modifies, 1);
  EXPECT_EQ(poller_->interestOf(1000), kPollEdge | kPollRead | kPollWrite);
  for (int i = 0; i < 3; ++i) {
    reactor_->removeWriter(d);
    reactor_->addWriter(d);
  }
  reactor_->removeReader(d);  // paused, still writing
  EXPECT_EQ(log_.modifies, 1);
  EXPECT_TRUE(reactor_->isWriting(d.get()));
  EXPECT_FALSE(reactor_->isReading(d.get()));
  reactor_->removeWriter(d);  // nothing left: unregistered
  EXPECT_EQ(log_.removes, 1);
  EXPECT_EQ(poller_->interestOf(1000), kPollNone);
}

TEST_F(EdgeRegistryTest, eventsGoOnlyToWhatIsRegistered) {
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  reactor_->addReader(d);
  reactor_->addWriter(d);
  reactor_->removeWriter(d);  // the kernel still watches writing
  poller_->script.push_back({{1000, kPollRead | kPollWrite}});
  reactor_->iterate();
  EXPECT_EQ(trace_, (Trace{"wait", "read"}));
  reactor_->removeReader(d);
}

TEST_F(EdgeRegistryTest, readerAddedToAWatchedFdLooksOnceWithoutAnEvent) {
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  reactor_->addWriter(d);
  reactor_->addReader(d);  // an edge seen before now is gone: look once
  reactor_->iterate(Seconds(1));
  EXPECT_EQ(trace_, (Trace{"wait", "read"}));
  EXPECT_EQ(log_.waits, (std::vector<int>{0}));  // the look does not wait
  reactor_->iterate(Seconds(1));                 // and happens once
  EXPECT_EQ(trace_, (Trace{"wait", "read", "wait"}));
  EXPECT_EQ(log_.waits, (std::vector<int>{0, 1000}));
  reactor_->removeReader(d);
  reactor_->removeWriter(d);
}

TEST_F(EdgeRegistryTest, aFreshRegistrationDoesNotLook) {
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  reactor_->addReader(d);  // the kernel reports what is ready at registration
  reactor_->iterate(Seconds(1));
  EXPECT_EQ(trace_, (Trace{"wait"}));
  reactor_->removeReader(d);
}

TEST_F(EdgeRegistryTest, readThatDidNotDrainIsRepeatedWithoutWaitingUntilItDoes) {
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  d->drainedAfter = {false, false, true};
  reactor_->addReader(d);
  poller_->script.push_back({{1000, kPollRead}});
  for (int i = 0; i < 4; ++i) reactor_->iterate(Seconds(1));
  EXPECT_EQ(trace_, (Trace{"wait", "read", "wait", "read", "wait", "read", "wait"}));
  EXPECT_EQ(log_.waits, (std::vector<int>{1000, 0, 0, 1000}));
  reactor_->removeReader(d);
}

TEST_F(EdgeRegistryTest, anEventAndAPendingLookCostOneRead) {
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  d->drainedAfter = {false};
  reactor_->addReader(d);
  poller_->script.push_back({{1000, kPollRead}});
  poller_->script.push_back({{1000, kPollRead}});
  reactor_->iterate(Seconds(1));
  reactor_->iterate(Seconds(1));
  EXPECT_EQ(trace_, (Trace{"wait", "read", "wait", "read"}));
  reactor_->removeReader(d);
}

TEST_F(EdgeRegistryTest, aRemovedReaderIsNotLookedAt) {
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  d->drainedAfter = {false};
  reactor_->addReader(d);
  poller_->script.push_back({{1000, kPollRead}});
  reactor_->iterate(Seconds(1));
  reactor_->removeReader(d);  // unregistered with a look pending
  auto other = std::make_shared<EdgeDescriptor>(1000, trace_);
  reactor_->addReader(other);  // the fd number's new owner is not looked at
  reactor_->iterate(Seconds(1));
  EXPECT_EQ(trace_, (Trace{"wait", "read", "wait"}));
  reactor_->removeReader(other);
}

TEST_F(EdgeRegistryTest, onceThePeerHasClosedEveryReadIsFollowedByAnotherUntilTheReaderGoes) {
  auto d = std::make_shared<EdgeDescriptor>(1000, trace_);
  reactor_->addReader(d);
  reactor_->addWriter(d);
  reactor_->removeReader(d);  // paused when the peer's FIN comes: its edge is not for d
  poller_->script.push_back({{1000, kPollRead | kPollPeerClosed}});
  reactor_->iterate(Seconds(1));
  EXPECT_EQ(trace_, (Trace{"wait"}));
  reactor_->addReader(d);  // resumed: a short read would not show the end of file behind it
  reactor_->iterate(Seconds(1));
  reactor_->iterate(Seconds(1));
  EXPECT_EQ(trace_, (Trace{"wait", "wait", "read", "wait", "read"}));
  EXPECT_EQ(log_.waits, (std::vector<int>{1000, 0, 0}));
  reactor_->removeReader(d);  // the end of file was seen
  reactor_->iterate(Seconds(1));
  EXPECT_EQ(log_.waits, (std::vector<int>{1000, 0, 0, 1000}));
  reactor_->removeWriter(d);
}

TEST_F(EdgeRegistryTest, plainDescriptorsStayLevelTriggered) {
  auto plain = std::make_shared<Descriptor>(1000, trace_);
  reactor_->addReader(plain);
  EXPECT_EQ(poller_->interestOf(1000), kPollRead);
  reactor_->removeReader(plain);
  // An edge reader with a plain writer on one fd: level-triggered too.
  auto edge = std::make_shared<EdgeDescriptor>(1001, trace_);
  auto writer = std::make_shared<Descriptor>(1001, trace_);
  reactor_->addReader(edge);
  EXPECT_EQ(poller_->interestOf(1001), kPollEdge | kPollRead);
  reactor_->addWriter(writer);
  EXPECT_EQ(poller_->interestOf(1001), kPollRead | kPollWrite);
  reactor_->removeWriter(writer);
  reactor_->removeReader(edge);
}

TEST_F(ReactorBaseTest, wakerIsAnInternalReader) {
  EXPECT_EQ(poller_->size(), 1u);
  EXPECT_TRUE(reactor_->getReaders().empty());
  EXPECT_TRUE(reactor_->removeAll().empty());
  EXPECT_EQ(poller_->size(), 1u);
}

TEST_F(ReactorBaseTest, staleEventForADescriptorRemovedEarlierInTheBatchIsSkipped) {
  auto a = std::make_shared<Descriptor>(1000, trace_);
  auto b = std::make_shared<Descriptor>(1001, trace_);
  a->onRead = [&] { reactor_->removeReader(b); };
  reactor_->addReader(a);
  reactor_->addReader(b);
  // Both ready in one batch; a removes b first, so b's event is stale.
  poller_->script.push_back({{1000, kPollRead}, {1001, kPollRead}});
  reactor_->iterate();
  EXPECT_EQ(trace_, (Trace{"wait", "read"}));
  reactor_->removeReader(a);
}

TEST_F(ReactorBaseTest, crashWhileStoppingEndsTheReactorForGood) {
  reactor_->callLater(Seconds(0), [&] {
    reactor_->stop();
    reactor_->crash();
  });
  run();
  EXPECT_THROW(run(), error::ReactorNotRestartable);
}

TEST_F(ReactorBaseTest, getThreadPoolWithoutAFactoryIsARuntimeError) {
  EXPECT_THROW(reactor_->getThreadPool(), error::RuntimeError);
}

TEST_F(ReactorBaseTest, removingATriggerOfAnUnknownEventTypeIsAKeyError) {
  EXPECT_THROW(reactor_->removeSystemEventTrigger(TriggerId{"before", "nothing", 42}),
               error::KeyError);
}

TEST(ReactorBaseSignalTest, exitSignalRecordsTheSignalThatStoppedIt) {
  ReactorBaseOptions options;
  options.poller = makePoller(PollerBackend::kEPoll);
  CoreOnlyReactor reactor(std::move(options));
  EXPECT_EQ(reactor.exitSignal(), std::nullopt);
  reactor.callWhenRunning([] { ::kill(::getpid(), SIGTERM); });
  log::Capture capture;
  reactor.run({.installSignalHandlers = true});
  EXPECT_EQ(reactor.exitSignal(), SIGTERM);
  EXPECT_EQ(capture.count("Received SIGTERM, shutting down."), 1u);
}

#ifndef NDEBUG
TEST(ReactorBaseDeathTest, reactorThreadOnlyCallsAbortOnOtherThreads) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ReactorBaseOptions options;
        options.poller = makePoller(PollerBackend::kPoll);
        CoreOnlyReactor reactor(std::move(options));
        std::thread([&] { reactor.callLater(Seconds(1), [] {}); }).join();
      },
      "callLater\\(\\) called off the reactor thread");
}
#endif

}  // namespace
}  // namespace weft
