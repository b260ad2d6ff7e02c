#include "weft/testing/memory_reactor.h"

#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace weft::testing {
namespace {

class RecordingClientFactory : public ClientFactory {
 public:
  std::vector<std::shared_ptr<IConnector>> started;
  void startedConnecting(const std::shared_ptr<IConnector>& c) override { started.push_back(c); }
};

TEST(MemoryReactorTest, listenTCPRecordsTheCallAndReturnsAFakePort) {
  MemoryReactor reactor;
  auto factory = std::make_shared<Factory>();
  auto port = reactor.listenTCP(8080, factory, {.backlog = 7, .interface = "127.0.0.1"});
  ASSERT_EQ(reactor.tcpServers.size(), 1u);
  EXPECT_EQ(reactor.tcpServers[0].port, 8080);
  EXPECT_EQ(reactor.tcpServers[0].factory, factory);
  EXPECT_EQ(reactor.tcpServers[0].backlog, 7);
  EXPECT_EQ(reactor.tcpServers[0].interface, "127.0.0.1");
  EXPECT_EQ(port->getHost(), Address(IPv4Address{"TCP", "0.0.0.0", 8080}));
  EXPECT_EQ(factory->numPorts(), 0);  // recorded only: the factory is not started
}

TEST(MemoryReactorTest, listenTCPOnAnIPv6InterfaceGivesAnIPv6Host) {
  MemoryReactor reactor;
  auto port = reactor.listenTCP(1, std::make_shared<Factory>(), {.interface = "::1"});
  EXPECT_EQ(port->getHost(), Address(IPv6Address{"TCP", "::1", 1}));
}

TEST(MemoryReactorTest, stopListeningFiresAtOnce) {
  MemoryReactor reactor;
  auto port = reactor.listenTCP(1, std::make_shared<Factory>());
  bool fired = false;
  static_cast<void>(port->stopListening().addCallback([&] { fired = true; }));
  EXPECT_TRUE(fired);
  EXPECT_EQ(reactor.ports[0]->stopListeningCalls, 1);
}

TEST(MemoryReactorTest, connectTCPRecordsCallsStartedConnectingAndReturnsConnector) {
  MemoryReactor reactor;
  auto factory = std::make_shared<RecordingClientFactory>();
  auto connector = reactor.connectTCP("example.com", 25, factory, {.timeout = Seconds(5)});
  ASSERT_EQ(reactor.tcpClients.size(), 1u);
  EXPECT_EQ(reactor.tcpClients[0].host, "example.com");
  EXPECT_EQ(reactor.tcpClients[0].port, 25);
  EXPECT_EQ(reactor.tcpClients[0].timeout, Seconds(5));
  EXPECT_EQ(reactor.tcpClients[0].factory, factory);
  EXPECT_EQ(factory->started, std::vector<std::shared_ptr<IConnector>>{connector});
  EXPECT_EQ(connector->getDestination(), Address(IPv4Address{"TCP", "example.com", 25}));
  ASSERT_EQ(reactor.connectors.size(), 1u);
  EXPECT_EQ(reactor.connectors[0], connector);
}

TEST(MemoryReactorTest, fakeConnectorRecordsWhatIsAskedOfIt) {
  FakeConnector c(IPv6Address{"TCP", "::1", 2});
  c.stopConnecting();
  c.disconnect();
  c.connect();
  EXPECT_TRUE(c.stoppedConnecting);
  EXPECT_TRUE(c.disconnected);
  EXPECT_EQ(c.connectCalls, 1);
}

TEST(MemoryReactorTest, runCallsWhenRunningHooksThenStops) {
  MemoryReactor reactor;
  std::vector<std::string> calls;
  auto id = reactor.callWhenRunning([&](int n) { calls.push_back("hook" + std::to_string(n)); }, 1);
  EXPECT_TRUE(id.has_value());
  EXPECT_FALSE(reactor.hasRun);
  reactor.run();
  EXPECT_EQ(calls, std::vector<std::string>{"hook1"});
  EXPECT_TRUE(reactor.hasRun);
  EXPECT_TRUE(reactor.hasStopped);
  EXPECT_FALSE(reactor.running());
}

TEST(MemoryReactorTest, callWhenRunningWhileRunningCallsAtOnce) {
  MemoryReactor reactor;
  bool inner = false;
  reactor.callWhenRunning([&] {
    EXPECT_TRUE(reactor.running());
    auto id = reactor.callWhenRunning([&] { inner = true; });
    EXPECT_FALSE(id.has_value());
  });
  reactor.run();
  EXPECT_TRUE(inner);
}

TEST(MemoryReactorTest, crashAndStopAreRecorded) {
  MemoryReactor reactor;
  reactor.crash();
  EXPECT_TRUE(reactor.hasCrashed);
  reactor.stop();
  EXPECT_TRUE(reactor.hasStopped);
  reactor.iterate();
  EXPECT_EQ(reactor.iterations, 1);
}

TEST(MemoryReactorTest, systemEventTriggersAreRecordedAndFiredInPhaseOrder) {
  MemoryReactor reactor;
  std::vector<std::string> calls;
  reactor.addSystemEventTrigger("after", "shutdown", [&] { calls.push_back("after"); });
  reactor.addSystemEventTrigger("before", "shutdown", [&] { calls.push_back("before"); });
  auto id = reactor.addSystemEventTrigger("during", "shutdown", [&] { calls.push_back("x"); });
  reactor.addSystemEventTrigger("during", "shutdown", [&] { calls.push_back("during"); });
  EXPECT_EQ(reactor.triggersFor("during", "shutdown").size(), 2u);
  reactor.removeSystemEventTrigger(id);
  EXPECT_THROW(reactor.removeSystemEventTrigger(id), error::ValueError);
  EXPECT_THROW(reactor.removeSystemEventTrigger(TriggerId{}), error::TypeError);
  EXPECT_THROW(reactor.addSystemEventTrigger("sometime", "shutdown", [] {}), error::KeyError);
  reactor.fireSystemEvent("shutdown");
  EXPECT_EQ(calls, (std::vector<std::string>{"before", "during", "after"}));
}

TEST(MemoryReactorTest, resolveFailsWithDNSLookupError) {
  MemoryReactor reactor;
  bool failed = false;
  static_cast<void>(reactor.resolve("example.com").addErrback([&](Failure f) {
    failed = f.check<error::DNSLookupError>();
    return std::string();
  }));
  EXPECT_TRUE(failed);
}

TEST(MemoryReactorClockTest, isAlsoADeterministicClock) {
  MemoryReactorClock reactor;
  int fired = 0;
  reactor.callLater(2.0, [&] { ++fired; });
  reactor.advance(1.5);
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(reactor.getDelayedCalls().size(), 1u);
  reactor.advance(0.5);
  EXPECT_EQ(fired, 1);
  EXPECT_DOUBLE_EQ(reactor.seconds(), 2.0);
  reactor.listenTCP(1, std::make_shared<Factory>());
  EXPECT_EQ(reactor.tcpServers.size(), 1u);
}

TEST(MemoryReactorClockTest, reconnectingFactoryRetriesThroughTheFakeConnector) {
  MemoryReactorClock reactor;
  auto factory = std::make_shared<ReconnectingClientFactory>(reactor);
  factory->jitter = 0;
  auto connector = reactor.connectTCP("h", 1, factory);
  factory->clientConnectionFailed(connector, Failure(error::ConnectionRefusedError()));
  reactor.advance(factory->delay());
  EXPECT_EQ(reactor.connectors[0]->connectCalls, 1);
}

}  // namespace
}  // namespace weft::testing
