// TCP endpoints and their wrapping factory (Twisted's it/test_endpoints.py: TCP4EndpointsTests,
// WrappingFactoryTests, connectProtocol), on MemoryReactorClock: no I/O, no time.
#include "weft/application/endpoints.h"

#include "weft/base/error.h"
#include "weft/internet/protocol.h"
#include "weft/testing/connection_completer.h"
#include "weft/testing/memory_reactor.h"
#include "weft/testing/result_of.h"
#include "weft/testing/string_transport.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace weft::application {
namespace {

using testing::MemoryReactorClock;

const Address kServer = IPv4Address{"TCP", "1.2.3.4", 80};

class RecordingProtocol : public Protocol {
 public:
  std::vector<std::string> events;
  void connectionMade() override { events.push_back("made"); }
  void dataReceived(std::string_view data) override { events.push_back(std::string(data)); }
  void connectionLost(const Failure& reason) override {
    Protocol::connectionLost(reason);
    events.push_back("lost");
  }
};

class HalfCloseableProtocol : public RecordingProtocol, public IHalfCloseableProtocol {
 public:
  void readConnectionLost() override { events.push_back("readLost"); }
  void writeConnectionLost() override { events.push_back("writeLost"); }
};

class NamedProtocol : public Protocol {
 public:
  std::string logPrefix() const override { return "A Test Protocol"; }
};

// An IProtocol with no ILoggingContext.
class BareProtocol : public IProtocol {
 public:
  void makeConnection(std::shared_ptr<ITransport>) override {}
  void connectionMade() override {}
  void dataReceived(std::string_view) override {}
  void connectionLost(const Failure&) override {}
};

// Builds `make()` (nullptr when unset), counting its calls and doStart/doStop.
class TestFactory : public Factory {
 public:
  Function<std::shared_ptr<IProtocol>()> make;
  int builds = 0;
  int starts = 0;
  int stops = 0;
  std::shared_ptr<IProtocol> buildProtocol(const Address&) override {
    ++builds;
    return make ? make() : nullptr;
  }
  void doStart() override { ++starts; }
  void doStop() override { ++stops; }
};

std::shared_ptr<TestFactory> factoryOf(std::shared_ptr<IProtocol> protocol) {
  auto factory = std::make_shared<TestFactory>();
  factory->make = [protocol] { return protocol; };
  return factory;
}

// The wrapper protocol an endpoint's factory builds for `wrapped`.
std::shared_ptr<IProtocol> wrapperFor(MemoryReactorClock& reactor,
                                      std::shared_ptr<IProtocol> wrapped,
                                      Deferred<std::shared_ptr<IProtocol>>* result = nullptr) {
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto d = endpoint.connect(factoryOf(wrapped));
  if (result != nullptr) *result = d;
  auto factory = reactor.tcpClients.back().factory;
  return factory->buildProtocol(kServer);
}

// --- server endpoints ----------------------------------------------------------------------------

TEST(TCP4ServerEndpointTest, listenCallsListenTCPWithItsOptionsAndFiresWithThePort) {
  MemoryReactorClock reactor;
  TCP4ServerEndpoint endpoint(reactor, 8080, {.backlog = 7, .interface = "127.0.0.1"});
  auto factory = std::make_shared<TestFactory>();
  auto port = testing::successResultOf(endpoint.listen(factory));
  ASSERT_EQ(reactor.tcpServers.size(), 1u);
  EXPECT_EQ(reactor.tcpServers[0].port, 8080);
  EXPECT_EQ(reactor.tcpServers[0].backlog, 7);
  EXPECT_EQ(reactor.tcpServers[0].interface, "127.0.0.1");
  EXPECT_EQ(reactor.tcpServers[0].factory, factory);
  EXPECT_EQ(port, reactor.ports[0]);
}

TEST(TCP4ServerEndpointTest, listensOnEveryIPv4InterfaceWithABacklogOf50ByDefault) {
  MemoryReactorClock reactor;
  TCP4ServerEndpoint endpoint(reactor, 80);
  static_cast<void>(testing::successResultOf(endpoint.listen(std::make_shared<TestFactory>())));
  EXPECT_EQ(reactor.tcpServers[0].backlog, 50);
  EXPECT_EQ(reactor.tcpServers[0].interface, "");
}

TEST(TCP6ServerEndpointTest, listensOnEveryIPv6InterfaceByDefault) {
  MemoryReactorClock reactor;
  TCP6ServerEndpoint any(reactor, 80, {.backlog = 3});
  TCP6ServerEndpoint loopback(reactor, 81, {.interface = "::1"});
  auto port = testing::successResultOf(any.listen(std::make_shared<TestFactory>()));
  static_cast<void>(testing::successResultOf(loopback.listen(std::make_shared<TestFactory>())));
  EXPECT_EQ(reactor.tcpServers[0].interface, "::");
  EXPECT_EQ(reactor.tcpServers[0].backlog, 3);
  EXPECT_EQ(reactor.tcpServers[1].interface, "::1");
  EXPECT_TRUE(std::holds_alternative<IPv6Address>(port->getHost()));
}

// TCPC-16: the error is the Deferred's failure, not an exception.
TEST(TCP4ServerEndpointTest, aListenErrorFailsTheDeferredInsteadOfThrowing) {
  testing::RaisingMemoryReactor reactor(Failure(error::CannotListenError("", 80, EADDRINUSE)));
  TCP4ServerEndpoint endpoint(reactor, 80);
  Failure f = testing::failureResultOf<error::CannotListenError>(
      endpoint.listen(std::make_shared<TestFactory>()));
  EXPECT_EQ(dynamic_cast<const error::CannotListenError&>(*f.value()).port(), 80);
}

// --- client endpoints ----------------------------------------------------------------------------

// TCPC-16
TEST(TCP4ClientEndpointTest, connectFiresWithTheProtocolOnceItIsConnected) {
  MemoryReactorClock reactor;
  reactor.listenTCP(80, factoryOf(std::make_shared<RecordingProtocol>()));
  auto protocol = std::make_shared<RecordingProtocol>();
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80,
                              {.timeout = Seconds(7), .bindAddress = {{"10.0.0.1", 1234}}});
  auto d = endpoint.connect(factoryOf(protocol));
  ASSERT_EQ(reactor.tcpClients.size(), 1u);
  EXPECT_EQ(reactor.tcpClients[0].host, "1.2.3.4");
  EXPECT_EQ(reactor.tcpClients[0].port, 80);
  EXPECT_EQ(reactor.tcpClients[0].timeout, Seconds(7));
  EXPECT_EQ(reactor.tcpClients[0].bindAddress, (std::pair<std::string, int>{"10.0.0.1", 1234}));
  testing::assertNoResult(d);
  auto pump = testing::ConnectionCompleter(reactor).succeedOnce();
  ASSERT_TRUE(pump.has_value());
  EXPECT_EQ(testing::successResultOf(d), protocol);
  EXPECT_EQ(protocol->events, (std::vector<std::string>{"made"}));
  EXPECT_NE(protocol->transport, nullptr);
}

// TCPC-16
TEST(TCP4ClientEndpointTest, aFailedAttemptFailsTheDeferredWithItsReason) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  testing::ConnectionCompleter(reactor).failOnce(Failure(error::ConnectionRefusedError()));
  static_cast<void>(testing::failureResultOf<error::ConnectionRefusedError>(d));
}

// TCPC-16
TEST(TCP4ClientEndpointTest, cancellingWhileConnectingFailsWithConnectingCancelledError) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto factory = std::make_shared<TestFactory>();
  auto d = endpoint.connect(factory);
  d.cancel();
  Failure f = testing::failureResultOf<error::ConnectingCancelledError>(d);
  const auto& e = dynamic_cast<const error::ConnectingCancelledError&>(*f.value());
  EXPECT_EQ(e.address(), EndpointAddress(kServer));
  EXPECT_STREQ(e.what(), "IPv4Address(type='TCP', host='1.2.3.4', port=80)");
  EXPECT_TRUE(reactor.connectors[0]->stoppedConnecting);
  // A connection made anyway is refused, without asking the user's factory.
  EXPECT_EQ(reactor.tcpClients[0].factory->buildProtocol(kServer), nullptr);
  EXPECT_EQ(factory->builds, 0);
}

TEST(TCP6ClientEndpointTest, connectsToAnIPv6LiteralAndCancelsWithItsAddress) {
  MemoryReactorClock reactor;
  TCP6ClientEndpoint endpoint(reactor, "::1", 80);
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  EXPECT_EQ(reactor.tcpClients[0].host, "::1");
  d.cancel();
  Failure f = testing::failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_EQ(dynamic_cast<const error::ConnectingCancelledError&>(*f.value()).address(),
            EndpointAddress(Address(IPv6Address{"TCP", "::1", 80})));
}

// TCPC-13 (endpoint half)
TEST(TCP4ClientEndpointTest, aFactoryThatBuildsNoProtocolFailsWithNoProtocol) {
  static_assert(!std::is_base_of_v<error::ConnectError, error::NoProtocol>);
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  // nullptr: the transport closes the connection at once.
  EXPECT_EQ(reactor.tcpClients[0].factory->buildProtocol(kServer), nullptr);
  static_cast<void>(testing::failureResultOf<error::NoProtocol>(d));
}

TEST(TCP4ClientEndpointTest, aFactoryThatThrowsFailsTheDeferredWithItsError) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto factory = std::make_shared<TestFactory>();
  factory->make = []() -> std::shared_ptr<IProtocol> { throw error::ValueError("no"); };
  auto d = endpoint.connect(factory);
  EXPECT_EQ(reactor.tcpClients[0].factory->buildProtocol(kServer), nullptr);
  Failure f = testing::failureResultOf<error::ValueError>(d);
  EXPECT_EQ(f.getErrorMessage(), "no");
}

TEST(TCP4ClientEndpointTest, anExceptionFromConnectTCPFailsTheDeferred) {
  testing::RaisingMemoryReactor reactor(std::nullopt, Failure(error::ConnectBindError()));
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  static_cast<void>(testing::failureResultOf<error::ConnectBindError>(
      endpoint.connect(std::make_shared<TestFactory>())));
}

TEST(TCP4ClientEndpointTest, doStartAndDoStopGoToTheWrappedFactory) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto factory = std::make_shared<TestFactory>();
  auto d = endpoint.connect(factory);
  auto wrapping = reactor.tcpClients[0].factory;
  wrapping->doStart();
  wrapping->doStop();
  EXPECT_EQ(factory->starts, 1);
  EXPECT_EQ(factory->stops, 1);
  d.cancel();
  static_cast<void>(testing::failureResultOf(d));
}

TEST(ConnectProtocolTest, connectsTheGivenProtocolAndFiresWithIt) {
  MemoryReactorClock reactor;
  reactor.listenTCP(80, factoryOf(std::make_shared<RecordingProtocol>()));
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto protocol = std::make_shared<RecordingProtocol>();
  Deferred<std::shared_ptr<RecordingProtocol>> d = connectProtocol(endpoint, protocol);
  auto pump = testing::ConnectionCompleter(reactor).succeedOnce();
  ASSERT_TRUE(pump.has_value());
  EXPECT_EQ(testing::successResultOf(d), protocol);
  EXPECT_EQ(protocol->events, (std::vector<std::string>{"made"}));
}

TEST(ConnectProtocolTest, aNullProtocolFailsWithNoProtocol) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "1.2.3.4", 80);
  auto d = connectProtocol(endpoint, std::shared_ptr<IProtocol>());
  EXPECT_EQ(reactor.tcpClients[0].factory->buildProtocol(kServer), nullptr);
  static_cast<void>(testing::failureResultOf<error::NoProtocol>(d));
}

// --- the wrapping protocol (Twisted's WrappingFactoryTests) -----------------------------------

// HC-09
TEST(WrappingFactoryTest, wrappingProtocolHalfCloseable) {
  MemoryReactorClock reactor;
  auto wrapped = std::make_shared<HalfCloseableProtocol>();
  auto wrapper = wrapperFor(reactor, wrapped);
  auto* halfCloseable = dynamic_cast<IHalfCloseableProtocol*>(wrapper.get());
  ASSERT_NE(halfCloseable, nullptr);
  halfCloseable->readConnectionLost();
  halfCloseable->writeConnectionLost();
  EXPECT_EQ(wrapped->events, (std::vector<std::string>{"readLost", "writeLost"}));
}

// HC-09
TEST(WrappingFactoryTest, wrappingProtocolNotHalfCloseable) {
  MemoryReactorClock reactor;
  auto wrapper = wrapperFor(reactor, std::make_shared<RecordingProtocol>());
  ASSERT_NE(wrapper, nullptr);
  EXPECT_EQ(dynamic_cast<IHalfCloseableProtocol*>(wrapper.get()), nullptr);
}

TEST(WrappingFactoryTest, theWrappedProtocolGetsTheTransportAndEveryEvent) {
  MemoryReactorClock reactor;
  auto wrapped = std::make_shared<RecordingProtocol>();
  Deferred<std::shared_ptr<IProtocol>> d;
  auto wrapper = wrapperFor(reactor, wrapped, &d);
  testing::assertNoResult(d);
  auto transport = std::make_shared<testing::StringTransport>();
  wrapper->makeConnection(transport);
  EXPECT_EQ(testing::successResultOf(d), wrapped);
  EXPECT_EQ(wrapped->transport, transport);
  wrapper->dataReceived("hello");
  wrapper->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(wrapped->events, (std::vector<std::string>{"made", "hello", "lost"}));
}

TEST(WrappingFactoryTest, aConnectionMadeThatThrowsFailsTheDeferred) {
  class Throwing : public Protocol {
   public:
    void connectionMade() override { throw error::ValueError("boom"); }
  };
  MemoryReactorClock reactor;
  Deferred<std::shared_ptr<IProtocol>> d;
  auto wrapper = wrapperFor(reactor, std::make_shared<Throwing>(), &d);
  EXPECT_THROW(wrapper->makeConnection(std::make_shared<testing::StringTransport>()),
               error::ValueError);
  static_cast<void>(testing::failureResultOf<error::ValueError>(d));
}

TEST(WrappingFactoryTest, logPrefixIsTheWrappedProtocolsOrItsClassName) {
  MemoryReactorClock reactor;
  auto named = wrapperFor(reactor, std::make_shared<NamedProtocol>());
  auto bare = wrapperFor(reactor, std::make_shared<BareProtocol>());
  EXPECT_EQ(dynamic_cast<ILoggingContext&>(*named).logPrefix(), "A Test Protocol");
  EXPECT_EQ(dynamic_cast<ILoggingContext&>(*bare).logPrefix(), "BareProtocol");
}

}  // namespace
}  // namespace weft::application
