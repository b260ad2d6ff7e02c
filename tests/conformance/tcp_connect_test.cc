// TCP clients, connectors and client factories (SEMANTICS.md 2.7, TCPC-*), on every backend.
#include "tcp_support.h"

#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::Countdown;
using conformance::Loopback;
using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;
using Events = std::vector<std::string>;

class TCPConnectTest : public ReactorTest {};

// A port number nobody listens on: bound, then closed.
int closedPort() {
  int number = 0;
  int fd = conformance::rawListen(1, &number);
  ::close(fd);
  return number;
}

// TCPC-01, TCPC-02, TCPC-03, TCPT-05
TEST_P(TCPConnectTest, theConnectorIsPassedToEveryCallbackAndACleanCloseIsConnectionDone) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  EXPECT_EQ(l.connector->getDestination(),
            (Address{IPv4Address{"TCP", "127.0.0.1", l.portNumber}}));
  runReactor(*reactor);
  EXPECT_EQ(client->events, (Events{"started", "build", "lost"}));
  ASSERT_EQ(client->connectors.size(), 2u);
  EXPECT_EQ(client->connectors[0], l.connector.get());
  EXPECT_EQ(client->connectors[1], l.connector.get());
  EXPECT_TRUE(client->lostReason->check<error::ConnectionDone>());
  EXPECT_EQ(client->last().lostCount, 1);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
  EXPECT_EQ(server->last().lostCount, 1);
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
  static_cast<void>(l.port->stopListening());
}

// TCPC-04, TCPC-14 (stop from clientConnectionFailed)
TEST_P(TCPConnectTest, connectingToAClosedPortFailsWithConnectionRefused) {
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  client->onFailed = [&](auto&, auto&) { reactor->stop(); };
  reactor->connectTCP("127.0.0.1", closedPort(), client);
  runReactor(*reactor);
  EXPECT_EQ(client->events, (Events{"started", "failed"}));
  ASSERT_TRUE(client->failReason.has_value());
  ASSERT_TRUE(client->failReason->check<error::ConnectionRefusedError>());
  EXPECT_EQ(dynamic_cast<const error::ConnectError*>(client->failReason->value())->osError(),
            ECONNREFUSED);
}

// TCPC-05
TEST_P(TCPConnectTest, stopConnectingInsideStartedConnectingFailsWithUserError) {
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  client->onStarted = [](auto&, const std::shared_ptr<IConnector>& c) { c->stopConnecting(); };
  client->onFailed = [&](auto&, auto&) { stopReactor(*reactor); };
  std::shared_ptr<IConnector> connector;
  reactor->callWhenRunning(
      [&] { connector = reactor->connectTCP("127.0.0.1", closedPort(), client); });
  runReactor(*reactor);
  EXPECT_EQ(client->events, (Events{"started", "failed"}));
  EXPECT_TRUE(client->failReason->check<error::UserError>());
  EXPECT_THROW(connector->stopConnecting(), error::NotConnectingError);
  EXPECT_EQ(client->stops, 1);
}

// TCPC-06, TCPC-08
TEST_P(TCPConnectTest, connectFromClientConnectionLostStartsAFreshAttempt) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  int lost = 0;
  client->onLost = [&](RecorderFactory& f, const std::shared_ptr<IConnector>& c) {
    EXPECT_EQ(f.stops, 0);
    if (++lost == 1) {
      c->connect();
    } else {
      stopReactor(*reactor);
    }
  };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  ASSERT_EQ(client->built.size(), 2u);
  EXPECT_NE(client->built[0], client->built[1]);
  EXPECT_EQ(client->starts, 1);
  EXPECT_EQ(client->stops, 1);
  static_cast<void>(l.port->stopListening());
}

// TCPC-07
TEST_P(TCPConnectTest, protocolConnectionLostComesBeforeClientConnectionLost) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  Events order;
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { order.push_back("protocol"); };
  };
  client->onLost = [&](auto&, auto&) {
    order.push_back("factory");
    stopReactor(*reactor);
  };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  EXPECT_EQ(order, (Events{"protocol", "factory"}));
  static_cast<void>(l.port->stopListening());
}

// TCPC-08
TEST_P(TCPConnectTest, aClientFactoryIsStartedForTheAttemptAndStoppedAfterIt) {
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  client->onStarted = [](RecorderFactory& f, auto&) { EXPECT_EQ(f.starts, 1); };
  client->onFailed = [&](RecorderFactory& f, auto&) {
    EXPECT_EQ(f.stops, 0);
    stopReactor(*reactor);
  };
  reactor->connectTCP("127.0.0.1", closedPort(), client);
  EXPECT_EQ(client->starts, 1);
  runReactor(*reactor);
  EXPECT_EQ(client->stops, 1);
}

// TCPC-09, TCPC-10: addresses are resolved dotted quads, even when a name was given.
TEST_P(TCPConnectTest, clientAddressesAreResolvedAndMatchTheServers) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  Address serverHost, clientPeer, clientHost, serverPeer;
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      serverHost = s.transport->getHost();
      serverPeer = s.transport->getPeer();
    };
  };
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      clientPeer = s.transport->getPeer();
      clientHost = s.transport->getHost();
      s.transport->loseConnection();
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  auto connector = reactor->connectTCP("localhost", portOf(port->getHost()), client);
  EXPECT_EQ(std::get<IPv4Address>(connector->getDestination()).host, "localhost");
  runReactor(*reactor);
  ASSERT_EQ(client->addresses.size(), 1u);
  EXPECT_EQ(client->addresses[0], serverHost);
  EXPECT_EQ(clientPeer, serverHost);
  EXPECT_EQ(serverPeer, clientHost);
  EXPECT_EQ(conformance::hostOf(clientPeer), "127.0.0.1");
  static_cast<void>(port->stopListening());
}

// TCPC-12
TEST_P(TCPConnectTest, aBindAddressInUseFailsWithConnectBindError) {
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  int busy = 0;
  int holder = conformance::rawListen(1, &busy);
  client->onFailed = [&](auto&, auto&) { stopReactor(*reactor); };
  reactor->connectTCP("127.0.0.1", closedPort(), client,
                      {.bindAddress = std::make_pair(std::string("127.0.0.1"), busy)});
  runReactor(*reactor);
  EXPECT_EQ(client->events, (Events{"started", "failed"}));
  EXPECT_TRUE(client->failReason->check<error::ConnectBindError>());
  ::close(holder);
}

// TCPC-12 (the working case): the client socket is bound where asked.
TEST_P(TCPConnectTest, aFreeBindAddressIsUsed) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  int local = closedPort();
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  reactor->connectTCP("127.0.0.1", portOf(port->getHost()), client,
                      {.bindAddress = std::make_pair(std::string("127.0.0.1"), local)});
  runReactor(*reactor);
  ASSERT_EQ(server->addresses.size(), 1u);
  EXPECT_EQ(portOf(server->addresses[0]), local);
  static_cast<void>(port->stopListening());
}

// TCPC-13: the client factory refuses: the connection is closed, the server sees it go.
TEST_P(TCPConnectTest, aClientFactoryReturningNullClosesTheConnection) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->refuse = true;
  Countdown done{2, [&] { stopReactor(*reactor); }};
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { done.arrive(); };
  };
  client->onLost = [&](auto&, auto&) { done.arrive(); };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  EXPECT_EQ(client->events, (Events{"started", "build", "lost"}));
  ASSERT_EQ(server->built.size(), 1u);
  EXPECT_EQ(server->last().lostCount, 1);
  static_cast<void>(l.port->stopListening());
}

// TCPC-14: stop() from connectionMade.
TEST_P(TCPConnectTest, stoppingTheReactorFromConnectionMadeIsSafe) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->setup = [&](Recorder& p) { p.onMade = [&](Recorder&) { reactor->stop(); }; };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  EXPECT_EQ(client->built.size(), 1u);
  EXPECT_EQ(client->last().made, 1);
  // Shutdown's disconnectAll delivered connectionLost to what was still connected.
  EXPECT_EQ(client->last().lostCount, 1);
  static_cast<void>(l.port->stopListening());
}

// A connect that never completes (the listener's queue is full) ends in TimeoutError.
TEST_P(TCPConnectTest, anAttemptThatDoesNotCompleteTimesOut) {
  auto reactor = buildReactor();
  int number = 0;
  int listener = conformance::rawListen(0, &number);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {  // fill the accept queue; later SYNs are dropped
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(number));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(fd);
  }
  auto client = std::make_shared<RecorderFactory>();
  client->onFailed = [&](auto&, auto&) { stopReactor(*reactor); };
  reactor->connectTCP("127.0.0.1", number, client, {.timeout = Seconds(0.2)});
  runReactor(*reactor);
  EXPECT_EQ(client->events, (Events{"started", "failed"}));
  EXPECT_TRUE(client->failReason->check<error::TimeoutError>());
  EXPECT_TRUE(reactor->getDelayedCalls().size() <= 1u);  // only the test's own guard, if any
  for (int fd : fillers) ::close(fd);
  ::close(listener);
}

// disconnect() while connecting stops the attempt; while connected, closes the connection.
TEST_P(TCPConnectTest, disconnectStopsAnAttemptOrClosesTheConnection) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  auto stopped = reactor->connectTCP("127.0.0.1", portOf(port->getHost()), client);
  stopped->disconnect();
  EXPECT_TRUE(client->failReason->check<error::UserError>());
  std::shared_ptr<IConnector> connector;
  client->setup = [&](Recorder& p) { p.onMade = [&](Recorder&) { connector->disconnect(); }; };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  connector = reactor->connectTCP("127.0.0.1", portOf(port->getHost()), client);
  runReactor(*reactor);
  EXPECT_TRUE(client->lostReason->check<error::ConnectionDone>());
  static_cast<void>(port->stopListening());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TCPConnectTest);

}  // namespace
}  // namespace weft
