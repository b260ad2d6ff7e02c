// TCP endpoints over real loopback sockets, on every backend (Twisted's
// it/test_endpoints.py TCP4EndpointsTests and HostnameEndpoint*Tests, test_tcp.py's
// test_buildProtocolReturnsNone): TCPC-13 (the endpoint half), TCPC-16, TCPC-17, HC-09.
#include "weft/application/endpoints.h"

#include "tcp_support.h"

#include "weft/testing/result_of.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weft {
namespace {

using application::HostnameEndpoint;
using application::TCP4ClientEndpoint;
using application::TCP4ServerEndpoint;
using application::TCP6ClientEndpoint;
using application::TCP6ServerEndpoint;
using conformance::Countdown;
using conformance::HalfCloseRecorder;
using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;
using ProtocolPtr = std::shared_ptr<IProtocol>;
using namespace std::chrono_literals;

// A port number nobody listens on: bound, then closed.
int closedPort() {
  int number = 0;
  int fd = conformance::rawListen(1, &number);
  ::close(fd);
  return number;
}

// An IResolverSimple that knows one name.
class OneNameResolver : public IResolverSimple {
 public:
  OneNameResolver(std::string name, std::string ip) : name_(std::move(name)), ip_(std::move(ip)) {}
  Deferred<std::string> getHostByName(std::string_view name, std::vector<int>) override {
    if (name == name_) return succeed(ip_);
    return fail<std::string>(
        Failure(error::DNSLookupError("address '" + std::string(name) + "' not found")));
  }

 private:
  std::string name_;
  std::string ip_;
};

class EndpointsTest : public ReactorTest {
 protected:
  // A server endpoint on 127.0.0.1, port 0; sets portNumber_.
  std::shared_ptr<IListeningPort> listen(Reactor& reactor,
                                         const std::shared_ptr<RecorderFactory>& server) {
    TCP4ServerEndpoint endpoint(reactor, 0, {.interface = "127.0.0.1"});
    auto port = testing::successResultOf(endpoint.listen(server));
    portNumber_ = portOf(port->getHost());
    return port;
  }
  // Takes the failure of d, stopping the reactor when it comes.
  static void catchFailure(Reactor& reactor, Deferred<ProtocolPtr> d,
                           std::optional<Failure>& into) {
    static_cast<void>(d.addCallbacks(
        [&reactor](const ProtocolPtr&) {
          ADD_FAILURE() << "connected";
          stopReactor(reactor);
        },
        [&reactor, &into](Failure f) {
          into = f;
          stopReactor(reactor);
        }));
  }

  int portNumber_ = 0;
};

// TCPC-16 (test_endpointConnectSuccess)
TEST_P(EndpointsTest, connectFiresWithTheConnectedProtocol) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);
  auto client = std::make_shared<RecorderFactory>();
  TCP4ClientEndpoint endpoint(*reactor, "127.0.0.1", portNumber_);
  ProtocolPtr connected;
  static_cast<void>(endpoint.connect(client).addCallback([&](ProtocolPtr p) {
    connected = p;
    EXPECT_EQ(client->last().made, 1);  // connectionMade has run
    client->last().transport->loseConnection();
  }));
  runReactor(*reactor);
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_EQ(connected, client->built[0]);
  EXPECT_EQ(client->last().lostCount, 1);
  EXPECT_EQ(server->last().lostCount, 1);
  static_cast<void>(port->stopListening());
}

// TCPC-16 (test_endpointConnectFailure)
TEST_P(EndpointsTest, aRefusedConnectionFailsWithConnectionRefusedError) {
  auto reactor = buildReactor();
  TCP4ClientEndpoint endpoint(*reactor, "127.0.0.1", closedPort());
  std::optional<Failure> failure;
  catchFailure(*reactor, endpoint.connect(std::make_shared<RecorderFactory>()), failure);
  runReactor(*reactor);
  ASSERT_TRUE(failure.has_value());
  EXPECT_TRUE(failure->check<error::ConnectionRefusedError>());
}

// TCPC-16 (test_endpointConnectingCancelled): the attempt is stopped before it reaches the
// server, which only ever sees the second, uncancelled connection.
TEST_P(EndpointsTest, cancellingWhileConnectingFailsWithConnectingCancelledError) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);
  auto cancelledFactory = std::make_shared<RecorderFactory>();
  TCP4ClientEndpoint endpoint(*reactor, "127.0.0.1", portNumber_);
  auto d = endpoint.connect(cancelledFactory);
  d.cancel();
  Failure f = testing::failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_EQ(dynamic_cast<const error::ConnectingCancelledError&>(*f.value()).address(),
            application::EndpointAddress(Address(IPv4Address{"TCP", "127.0.0.1", portNumber_})));
  auto second = std::make_shared<RecorderFactory>();
  static_cast<void>(endpoint.connect(second).addCallback(
      [&](const ProtocolPtr&) { second->last().transport->loseConnection(); }));
  runReactor(*reactor);
  EXPECT_EQ(cancelledFactory->built.size(), 0u);
  EXPECT_EQ(server->built.size(), 1u);
  static_cast<void>(port->stopListening());
}

// TCPC-13, endpoint half (test_buildProtocolReturnsNone; SEMANTICS 4.7): the TCP connect
// succeeds, the endpoint fails with NoProtocol and closes the connection.
TEST_P(EndpointsTest, aFactoryThatBuildsNoProtocolFailsWithNoProtocolAndClosesTheConnection) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  Countdown done{2, [&] { stopReactor(*reactor); }};
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { done.arrive(); };
  };
  auto port = listen(*reactor, server);
  auto client = std::make_shared<RecorderFactory>();
  client->refuse = true;
  TCP4ClientEndpoint endpoint(*reactor, "127.0.0.1", portNumber_);
  std::optional<Failure> failure;
  static_cast<void>(endpoint.connect(client).addErrback([&](Failure f) {
    failure = f;
    done.arrive();
    return ProtocolPtr();
  }));
  runReactor(*reactor);
  ASSERT_TRUE(failure.has_value());
  EXPECT_TRUE(failure->check<error::NoProtocol>());
  EXPECT_EQ(client->events, (std::vector<std::string>{"build"}));
  ASSERT_EQ(server->built.size(), 1u);
  EXPECT_EQ(server->last().lostCount, 1);
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
  static_cast<void>(port->stopListening());
}

// TCPC-16 (test_endpointListenFailure)
TEST_P(EndpointsTest, listenOnABusyPortFailsWithCannotListenError) {
  auto reactor = buildReactor();
  auto port = listen(*reactor, std::make_shared<RecorderFactory>());
  TCP4ServerEndpoint busy(*reactor, portNumber_, {.interface = "127.0.0.1"});
  Failure f = testing::failureResultOf<error::CannotListenError>(
      busy.listen(std::make_shared<RecorderFactory>()));
  const auto& e = dynamic_cast<const error::CannotListenError&>(*f.value());
  EXPECT_EQ(e.port(), portNumber_);
  EXPECT_EQ(e.socketError(), EADDRINUSE);
  static_cast<void>(port->stopListening());
}

TEST_P(EndpointsTest, tcp6EndpointsListenAndConnectOverIPv6) {
  if (!conformance::ipv6Available()) GTEST_SKIP() << "no IPv6 loopback";
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  TCP6ServerEndpoint serverEndpoint(*reactor, 0, {.interface = "::1"});
  auto port = testing::successResultOf(serverEndpoint.listen(server));
  ASSERT_TRUE(std::holds_alternative<IPv6Address>(port->getHost()));
  TCP6ClientEndpoint endpoint(*reactor, "::1", portOf(port->getHost()));
  auto client = std::make_shared<RecorderFactory>();
  static_cast<void>(endpoint.connect(client).addCallback(
      [&](const ProtocolPtr&) { client->last().transport->loseConnection(); }));
  runReactor(*reactor);
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<IPv6Address>(client->last().transport->getPeer()));
  static_cast<void>(port->stopListening());
}

TEST_P(EndpointsTest, connectProtocolConnectsTheGivenProtocol) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onData = [&](Recorder& s, std::string_view) {
      if (s.received == "hi") s.transport->loseConnection();
    };
  };
  auto port = listen(*reactor, server);
  TCP4ClientEndpoint endpoint(*reactor, "127.0.0.1", portNumber_);
  auto mine = std::make_shared<Recorder>();
  mine->onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  static_cast<void>(
      application::connectProtocol(endpoint, mine).addCallback([](std::shared_ptr<Recorder> p) {
        p->transport->write("hi");
      }));
  runReactor(*reactor);
  EXPECT_EQ(mine->made, 1);
  EXPECT_EQ(server->last().received, "hi");
  static_cast<void>(port->stopListening());
}

// HC-09 (test_wrappingProtocolHalfCloseable, over a real half-close): the wrapper of a
// half-closeable protocol passes readConnectionLost on, and the protocol can still write.
TEST_P(EndpointsTest, aHalfCloseableProtocolGetsReadConnectionLostThroughTheEndpoint) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->write("hello");
      s.tcp().loseWriteConnection();
    };
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);
  auto client = std::make_shared<RecorderFactory>();
  client->halfCloseable = true;
  client->setup = [](Recorder& p) {
    static_cast<HalfCloseRecorder&>(p).onReadLost = [](HalfCloseRecorder& c) {
      c.transport->write("bye");
      c.transport->loseConnection();
    };
  };
  TCP4ClientEndpoint endpoint(*reactor, "127.0.0.1", portNumber_);
  static_cast<void>(endpoint.connect(client));
  runReactor(*reactor);
  ASSERT_EQ(client->built.size(), 1u);
  auto& c = static_cast<HalfCloseRecorder&>(client->last());
  EXPECT_EQ(c.readLost, 1);
  EXPECT_EQ(c.received, "hello");
  EXPECT_EQ(server->last().received, "bye");
  static_cast<void>(port->stopListening());
}

// HC-09 (test_wrappingProtocolNotHalfCloseable): the wrapper of any other protocol is not
// half-closeable, so the transport closes the connection on the peer's half-close.
TEST_P(EndpointsTest, aProtocolThatIsNotHalfCloseableSeesConnectionDoneOnHalfClose) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->write("hello");
      s.tcp().loseWriteConnection();
    };
  };
  auto port = listen(*reactor, server);
  auto client = std::make_shared<RecorderFactory>();
  client->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  TCP4ClientEndpoint endpoint(*reactor, "127.0.0.1", portNumber_);
  static_cast<void>(endpoint.connect(client));
  runReactor(*reactor);
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_EQ(client->last().received, "hello");
  EXPECT_EQ(client->last().lostCount, 1);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
  static_cast<void>(port->stopListening());
}

// TCPC-17 (test_endpointConnectSuccessAfterIteration): the first address refuses, the
// second one connects.
TEST_P(EndpointsTest, hostnameEndpointTriesEveryAddressUntilOneConnects) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);  // 127.0.0.1 only: 127.0.0.2 refuses
  std::vector<std::string> lookups;
  HostnameEndpoint endpoint(
      *reactor, "endpoint.test", portNumber_,
      {.attemptDelay = 50ms, .nameResolution = [&](const std::string& host, int number) {
         lookups.push_back(host);
         return succeed(std::vector<Address>{IPv4Address{"TCP", "127.0.0.2", number},
                                             IPv4Address{"TCP", "127.0.0.1", number}});
       }});
  auto client = std::make_shared<RecorderFactory>();
  static_cast<void>(endpoint.connect(client).addCallback(
      [&](const ProtocolPtr&) { client->last().transport->loseConnection(); }));
  runReactor(*reactor);
  EXPECT_EQ(lookups, (std::vector<std::string>{"endpoint.test"}));
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_EQ(conformance::hostOf(client->last().transport->getPeer()), "127.0.0.1");
  EXPECT_EQ(server->built.size(), 1u);
  static_cast<void>(port->stopListening());
}

// TCPC-17 (test_endpointConnectFailureAfterIteration): the failure comes only after the
// last address has been tried, attemptDelay after the first.
TEST_P(EndpointsTest, hostnameEndpointFailsOnlyAfterEveryAddressFailed) {
  auto reactor = buildReactor();
  int refusing = closedPort();
  HostnameEndpoint endpoint(
      *reactor, "endpoint.test", refusing,
      {.attemptDelay = 100ms, .nameResolution = [](const std::string&, int port) {
         return succeed(std::vector<Address>{IPv4Address{"TCP", "127.0.0.2", port},
                                             IPv4Address{"TCP", "127.0.0.1", port}});
       }});
  std::optional<Failure> failure;
  double start = reactor->seconds();
  double failedAt = 0;
  static_cast<void>(
      endpoint.connect(std::make_shared<RecorderFactory>()).addErrback([&](Failure f) {
        failure = f;
        failedAt = reactor->seconds();
        stopReactor(*reactor);
        return ProtocolPtr();
      }));
  runReactor(*reactor);
  ASSERT_TRUE(failure.has_value());
  EXPECT_TRUE(failure->check<error::ConnectionRefusedError>());
  EXPECT_GE(failedAt - start, 0.1);
}

// TCPC-17: without nameResolution, the reactor's installed resolver does the lookup.
TEST_P(EndpointsTest, hostnameEndpointResolvesWithTheInstalledResolver) {
  auto reactor = buildReactor();
  reactor->installResolver(std::make_shared<OneNameResolver>("endpoint.test", "127.0.0.1"));
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);
  HostnameEndpoint unknown(*reactor, "unknown.test", portNumber_);
  static_cast<void>(testing::failureResultOf<error::DNSLookupError>(
      unknown.connect(std::make_shared<RecorderFactory>())));
  HostnameEndpoint endpoint(*reactor, "endpoint.test", portNumber_);
  auto client = std::make_shared<RecorderFactory>();
  static_cast<void>(endpoint.connect(client).addCallback(
      [&](const ProtocolPtr&) { client->last().transport->loseConnection(); }));
  runReactor(*reactor);
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_EQ(server->built.size(), 1u);
  static_cast<void>(port->stopListening());
}

// TCPC-17 (test_endpointConnectingCancelledAfterAllAttemptsStarted)
TEST_P(EndpointsTest, cancellingAHostnameEndpointFailsWithConnectingCancelledError) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);
  HostnameEndpoint endpoint(*reactor, "127.0.0.1", portNumber_);
  auto cancelledFactory = std::make_shared<RecorderFactory>();
  auto d = endpoint.connect(cancelledFactory);
  d.cancel();
  Failure f = testing::failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_EQ(dynamic_cast<const error::ConnectingCancelledError&>(*f.value()).address(),
            application::EndpointAddress(application::HostnameAddress{"127.0.0.1", portNumber_}));
  auto second = std::make_shared<RecorderFactory>();
  static_cast<void>(endpoint.connect(second).addCallback(
      [&](const ProtocolPtr&) { second->last().transport->loseConnection(); }));
  runReactor(*reactor);
  EXPECT_EQ(cancelledFactory->built.size(), 0u);
  EXPECT_EQ(server->built.size(), 1u);
  static_cast<void>(port->stopListening());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(EndpointsTest);

}  // namespace
}  // namespace weft
