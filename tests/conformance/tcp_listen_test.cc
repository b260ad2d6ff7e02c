// TCP listening ports and server factories (SEMANTICS.md 2.6, TCPL-*), plus adoption
// (IReactorSocket) and IReactorArbitrary, on every backend.
#include "tcp_support.h"

#include <string>
#include <sys/resource.h>
#include <vector>

namespace weft {
namespace {

using conformance::hostOf;
using conformance::Loopback;
using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;

class TCPListenTest : public ReactorTest {};

// TCPL-01
TEST_P(TCPListenTest, portZeroGetHostReportsTheRealPortOnIPv4) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  auto host = std::get<IPv4Address>(port->getHost());
  EXPECT_EQ(host.type, "TCP");
  EXPECT_EQ(host.host, "127.0.0.1");
  EXPECT_GT(host.port, 0);
  auto any = reactor->listenTCP(0, factory);
  auto anyHost = std::get<IPv4Address>(any->getHost());
  EXPECT_EQ(anyHost.host, "0.0.0.0");
  EXPECT_GT(anyHost.port, 0);
  static_cast<void>(port->stopListening());
  static_cast<void>(any->stopListening());
}

// TCPL-02, TCPL-03 (IPv6), TCPL-04 (IPv6)
TEST_P(TCPListenTest, ipv6PortAndConnectionsReportIPv6Addresses) {
  if (!conformance::ipv6Available()) GTEST_SKIP() << "no IPv6 loopback (::1) on this machine";
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "::1"});
  auto host = std::get<IPv6Address>(port->getHost());
  EXPECT_EQ(host.host, "::1");
  EXPECT_GT(host.port, 0);
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& self) {
      EXPECT_EQ(std::get<IPv6Address>(self.transport->getHost()).port, host.port);
      EXPECT_EQ(std::get<IPv6Address>(self.transport->getPeer()).host, "::1");
      self.transport->loseConnection();
    };
  };
  client->onLost = [&](RecorderFactory&, const std::shared_ptr<IConnector>&) {
    stopReactor(*reactor);
  };
  auto connector = reactor->connectTCP("::1", host.port, client);
  EXPECT_TRUE(std::holds_alternative<IPv6Address>(connector->getDestination()));
  runReactor(*reactor);
  ASSERT_EQ(server->addresses.size(), 1u);
  EXPECT_EQ(std::get<IPv6Address>(server->addresses[0]).type, "TCP");
  EXPECT_EQ(std::get<IPv6Address>(server->addresses[0]).host, "::1");
  static_cast<void>(port->stopListening());
}

// TCPL-03, TCPL-04
TEST_P(TCPListenTest, buildProtocolGetsThePeerAndTheServerTransportKnowsBothEnds) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  Address serverHost, serverPeer, clientHost;
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& self) {
      serverHost = self.transport->getHost();
      serverPeer = self.transport->getPeer();
      self.transport->loseConnection();
    };
  };
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& self) { clientHost = self.transport->getHost(); };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  ASSERT_EQ(server->addresses.size(), 1u);
  EXPECT_EQ(server->addresses[0], clientHost);
  EXPECT_EQ(std::get<IPv4Address>(server->addresses[0]).type, "TCP");
  EXPECT_EQ(serverPeer, clientHost);
  EXPECT_EQ(serverHost, (Address{IPv4Address{"TCP", "127.0.0.1", l.portNumber}}));
  static_cast<void>(l.port->stopListening());
}

// TCPL-05
TEST_P(TCPListenTest, listeningOnAPortInUseRaisesCannotListenErrorAtOnce) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  int number = portOf(port->getHost());
  try {
    reactor->listenTCP(number, factory, {.interface = "127.0.0.1"});
    ADD_FAILURE() << "no CannotListenError";
  } catch (const error::CannotListenError& e) {
    EXPECT_EQ(e.port(), number);
    EXPECT_EQ(e.interface(), "127.0.0.1");
    EXPECT_EQ(e.socketError(), EADDRINUSE);
  }
  EXPECT_EQ(factory->starts, 1);
  static_cast<void>(port->stopListening());
}

// TCPL-06, TCPL-08
TEST_P(TCPListenTest, stopListeningFiresAndThePortNumberCanBeBoundAgain) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  int number = portOf(port->getHost());
  bool fired = false;
  reactor->callWhenRunning([&] {
    static_cast<void>(port->stopListening().addCallback([&] {
      fired = true;
      auto again = reactor->listenTCP(number, factory, {.interface = "127.0.0.1"});
      EXPECT_EQ(portOf(again->getHost()), number);
      static_cast<void>(again->stopListening());
      stopReactor(*reactor);
    }));
  });
  runReactor(*reactor);
  EXPECT_TRUE(fired);
  EXPECT_EQ(factory->starts, 2);
  EXPECT_EQ(factory->stops, 2);
}

// TCPL-07
TEST_P(TCPListenTest, aStoppedPortCanBeRestartedAndAcceptsAgain) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  int number = portOf(port->getHost());
  static_cast<void>(port->stopListening());
  port->startListening();  // port 0 again: the kernel picks a number afresh, as in Twisted
  number = portOf(port->getHost());
  EXPECT_GT(number, 0);
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  reactor->connectTCP("127.0.0.1", number, client);
  runReactor(*reactor);
  EXPECT_EQ(server->built.size(), 1u);
  static_cast<void>(port->stopListening());
}

// TCPL-08
TEST_P(TCPListenTest, aServerFactoryIsStartedAndStoppedOnceAcrossPorts) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  auto p1 = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  auto p2 = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  EXPECT_EQ(factory->starts, 1);
  EXPECT_EQ(factory->numPorts(), 2);
  static_cast<void>(p1->stopListening());
  EXPECT_EQ(factory->stops, 0);
  static_cast<void>(p2->stopListening());
  EXPECT_EQ(factory->stops, 1);
  EXPECT_EQ(factory->numPorts(), 0);
}

// TCPL-09
TEST_P(TCPListenTest, anExceptionFromStopFactoryErrbacksStopListeningAndRestartWorks) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  factory->throwOnStop = true;
  auto port = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  std::optional<Failure> failure;
  static_cast<void>(port->stopListening().addErrback([&](Failure f) { failure = f; }));
  ASSERT_TRUE(failure.has_value());
  EXPECT_TRUE(failure->check<error::ValueError>());
  factory->throwOnStop = false;
  port->startListening();
  EXPECT_GT(portOf(port->getHost()), 0);
  static_cast<void>(port->stopListening());
}

// TCPL-10: connectionLost called directly on a port (as disconnectAll does at shutdown)
// closes it, and an exception from stopFactory reaches that caller.
TEST_P(TCPListenTest, connectionLostCalledDirectlyClosesThePortAndStopFactoryErrorsPropagate) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  auto* descriptor = dynamic_cast<IFileDescriptor*>(port.get());
  ASSERT_NE(descriptor, nullptr);
  int number = portOf(port->getHost());
  descriptor->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(factory->stops, 1);
  EXPECT_EQ(descriptor->fileno(), -1);
  EXPECT_EQ(conformance::rawConnect(number), -1);  // nobody listens there any more

  auto throwing = std::make_shared<RecorderFactory>();
  throwing->throwOnStop = true;
  auto second = reactor->listenTCP(0, throwing, {.interface = "127.0.0.1"});
  EXPECT_THROW(
      dynamic_cast<IFileDescriptor&>(*second).connectionLost(Failure(error::ConnectionDone())),
      error::ValueError);
  EXPECT_EQ(throwing->stops, 1);
  EXPECT_EQ(dynamic_cast<IFileDescriptor&>(*second).fileno(), -1);
}

// TCPL-11
TEST_P(TCPListenTest, startingAndStoppingAPortAreLogged) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  std::string number = std::to_string(portOf(port->getHost()));
  EXPECT_EQ(logs().count("RecorderFactory starting on " + number), 1u);
  static_cast<void>(port->stopListening());
  EXPECT_EQ(logs().count("(TCP Port " + number + " Closed)"), 1u);
}

// TCPL-13: a burst of connections is accepted in batches, every one served.
TEST_P(TCPListenTest, aBurstOfConnectionsIsAcceptedCompletely) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  constexpr int kClients = 150;
  auto port = reactor->listenTCP(0, server, {.backlog = 200, .interface = "127.0.0.1"});
  int lost = 0;
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->onLost = [&](auto&, auto&) {
    if (++lost == kClients) stopReactor(*reactor);
  };
  for (int i = 0; i < kClients; ++i) {
    reactor->connectTCP("127.0.0.1", portOf(port->getHost()), client);
  }
  runReactor(*reactor);
  EXPECT_EQ(static_cast<int>(server->built.size()), kClients);
  EXPECT_EQ(lost, kClients);
  static_cast<void>(port->stopListening());
}

// TCPL-14: an adopted listening socket serves like a native port; the caller keeps its fd.
TEST_P(TCPListenTest, adoptStreamPortServesAnExistingListeningSocket) {
  auto reactor = buildReactor();
  int number = 0;
  int fd = conformance::rawListen(10, &number);
  ASSERT_GE(fd, 0);
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto port = reactor->adoptStreamPort(fd, AddressFamily::kINET, server);
  EXPECT_EQ(portOf(port->getHost()), number);
  EXPECT_EQ(server->starts, 1);
  server->setup = [](Recorder& p) {
    p.onData = [](Recorder& s, std::string_view d) { s.transport->write(d); };
  };
  client->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->write("adopted"); };
    p.onData = [](Recorder& s, std::string_view) {
      if (s.received == "adopted") s.transport->loseConnection();
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  reactor->connectTCP("127.0.0.1", number, client);
  runReactor(*reactor);
  EXPECT_EQ(client->last().received, "adopted");
  static_cast<void>(port->stopListening());
  EXPECT_NE(::fcntl(fd, F_GETFD), -1) << "the caller's descriptor must stay open";
  ::close(fd);
}

// TCPL-14
TEST_P(TCPListenTest, adoptStreamConnectionServesAnExistingConnectedSocket) {
  auto reactor = buildReactor();
  int number = 0;
  int listener = conformance::rawListen(10, &number);
  int peer = conformance::rawConnect(number);
  int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(accepted, 0);
  auto factory = std::make_shared<RecorderFactory>();
  factory->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->write("hello");
      s.transport->loseConnection();
    };
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  reactor->adoptStreamConnection(accepted, AddressFamily::kINET, factory);
  ::close(accepted);  // the reactor holds its own duplicate
  runReactor(*reactor);
  ASSERT_EQ(factory->built.size(), 1u);
  EXPECT_TRUE(factory->last().lost->check<error::ConnectionDone>());
  EXPECT_EQ(hostOf(factory->addresses[0]), "127.0.0.1");
  char buf[16];
  ssize_t n = ::recv(peer, buf, sizeof buf, 0);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0))), "hello");
  ::close(peer);
  ::close(listener);
}

// IReactorArbitrary: listenWith makes a custom port type (args..., reactor) and starts it.
class WrappingPort : public IListeningPort {
 public:
  WrappingPort(std::shared_ptr<IProtocolFactory> factory, int* startCount, Reactor& reactor)
      : factory_(std::move(factory)), startCount_(startCount), reactor_(reactor) {}
  void startListening() override {
    ++*startCount_;
    inner_ = reactor_.listenTCP(0, factory_, {.interface = "127.0.0.1"});
  }
  Deferred<void> stopListening() override { return inner_->stopListening(); }
  Address getHost() const override { return inner_->getHost(); }

 private:
  std::shared_ptr<IProtocolFactory> factory_;
  int* startCount_;
  Reactor& reactor_;
  std::shared_ptr<IListeningPort> inner_;
};

TEST_P(TCPListenTest, listenWithStartsACustomPortType) {
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  int starts = 0;
  std::shared_ptr<WrappingPort> port = reactor->listenWith<WrappingPort>(factory, &starts);
  EXPECT_EQ(starts, 1);
  EXPECT_GT(portOf(port->getHost()), 0);
  static_cast<void>(port->stopListening());
}

class WrappingConnector : public IConnector {
 public:
  WrappingConnector(int port, std::shared_ptr<ClientFactory> factory, Reactor& reactor)
      : port_(port), factory_(std::move(factory)), reactor_(reactor) {}
  void connect() override { inner_ = reactor_.connectTCP("127.0.0.1", port_, factory_); }
  void stopConnecting() override { inner_->stopConnecting(); }
  void disconnect() override { inner_->disconnect(); }
  Address getDestination() const override { return inner_->getDestination(); }

 private:
  int port_;
  std::shared_ptr<ClientFactory> factory_;
  Reactor& reactor_;
  std::shared_ptr<IConnector> inner_;
};

TEST_P(TCPListenTest, connectWithConnectsACustomConnectorType) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  auto connector = reactor->connectWith<WrappingConnector>(portOf(port->getHost()), client);
  runReactor(*reactor);
  EXPECT_EQ(portOf(connector->getDestination()), portOf(port->getHost()));
  EXPECT_EQ(client->built.size(), 1u);
  static_cast<void>(port->stopListening());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TCPListenTest);

}  // namespace
}  // namespace weft
