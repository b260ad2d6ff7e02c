// TCP lifecycle odds and ends, on every backend: shutdown of connections the reactor is not
// polling (paused), repr() of ports and transports (TCPL-11), the log system of protocol
// callbacks (TCPT-16), service names as ports (TCPC-11) and IFinishableConsumer.
#include "tcp_support.h"

#include "weft/base/log.h"

#include <memory>
#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::Countdown;
using conformance::CountingPullProducer;
using conformance::Loopback;
using conformance::openFdCount;
using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;

class TCPLifecycleTest : public ReactorTest {};

std::string prefixOf(const std::shared_ptr<ITransport>& transport) {
  const auto* context = dynamic_cast<const ILoggingContext*>(transport.get());
  return context != nullptr ? context->logPrefix() : "";
}

std::optional<log::Event> findEvent(const std::vector<log::Event>& events, std::string_view text) {
  for (const auto& e : events) {
    if (e.text == text) return e;
  }
  return std::nullopt;
}

// Iterates until done() or a generous bound (a guard against hanging, not a timing).
template <class F>
bool iterateUntil(Reactor& reactor, F done) {
  for (int i = 0; i < 2000 && !done(); ++i) reactor.iterate(Seconds(0.01));
  return done();
}

// A connection with reading paused and nothing to write is registered for nothing, yet the
// reactor's shutdown reaches it: connectionLost on both sides, and (LeakSanitizer checks it
// at exit) the protocol <-> transport cycles are gone with every socket closed.
TEST_P(TCPLifecycleTest, pausedConnectionsGetConnectionLostAtShutdownAndNothingLeaks) {
  int fdsBefore = openFdCount();
  std::weak_ptr<ITransport> serverTransport;
  std::weak_ptr<ITransport> clientTransport;
  {
    auto reactor = buildReactor();
    auto server = std::make_shared<RecorderFactory>();
    auto client = std::make_shared<RecorderFactory>();
    Countdown bothMade{2, [&] { stopReactor(*reactor); }};
    auto pauseAndCount = [&](Recorder& p) {
      p.onMade = [&](Recorder& self) {
        self.transport->pauseProducing();
        bothMade.arrive();
      };
    };
    server->setup = pauseAndCount;
    client->setup = pauseAndCount;
    Loopback l = conformance::connectLoopback(*reactor, server, client);
    runReactor(*reactor);
    ASSERT_EQ(server->built.size(), 1u);
    ASSERT_EQ(client->built.size(), 1u);
    for (auto* f : {server.get(), client.get()}) {
      EXPECT_EQ(f->last().lostCount, 1);
      ASSERT_TRUE(f->last().lost.has_value());
      EXPECT_TRUE(f->last().lost->check<error::ConnectionLost>());
    }
    EXPECT_EQ(client->events.back(), "lost");  // the connector heard too
    serverTransport = server->last().transport;
    clientTransport = client->last().transport;
    // The protocols keep their transports (Twisted does); the transports let go of them.
    server->built.clear();
    client->built.clear();
  }
  EXPECT_TRUE(serverTransport.expired());
  EXPECT_TRUE(clientTransport.expired());
  EXPECT_EQ(openFdCount(), fdsBefore);
}

// A reactor destroyed without ever shutting down releases its live connections (sockets
// closed, protocols dropped) without calling them back.
TEST_P(TCPLifecycleTest, destroyedReactorReleasesLiveConnectionsWithoutCallbacks) {
  int fdsBefore = openFdCount();
  std::weak_ptr<IProtocol> serverProtocol;
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& self) { self.transport->pauseProducing(); };
  };
  {
    auto reactor = buildReactor();
    Loopback l = conformance::connectLoopback(*reactor, server, client);
    ASSERT_TRUE(iterateUntil(*reactor, [&] {
      return server->built.size() == 1 && server->last().made == 1 && client->built.size() == 1 &&
             client->last().made == 1;
    }));
    serverProtocol = server->built.front();
    server->built.clear();
    client->built.clear();
  }
  EXPECT_TRUE(serverProtocol.expired());
  EXPECT_EQ(server->stops, 0);  // no callbacks: the port was not stopped either
  EXPECT_EQ(openFdCount(), fdsBefore);
}

// TCPL-11: repr() of a port and of server and client transports shows the real port number
// of a port bound to 0.
TEST_P(TCPLifecycleTest, reprShowsTheRealPortNumber) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  std::string serverRepr;
  std::string clientRepr;
  Countdown bothMade{2, [&] {
                       serverRepr = server->last().transport->repr();
                       clientRepr = client->last().transport->repr();
                       server->last().transport->loseConnection();
                     }};
  server->setup = [&](Recorder& p) { p.onMade = [&](Recorder&) { bothMade.arrive(); }; };
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder&) { bothMade.arrive(); };
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  std::string number = std::to_string(l.portNumber);
  ASSERT_NE(l.portNumber, 0);
  EXPECT_EQ(l.port->repr(), "<RecorderFactory on " + number + ">");
  runReactor(*reactor);
  EXPECT_EQ(serverRepr, "<Recorder #0 on " + number + ">");
  EXPECT_EQ(clientRepr.rfind("<Recorder to ('127.0.0.1', " + number + ") at 0x", 0), 0u)
      << clientRepr;
  static_cast<void>(l.port->stopListening());
  EXPECT_EQ(l.port->repr(), "<RecorderFactory (not listening)>");
}

// TCPT-16: protocol callbacks log with the transport's logPrefix (built from the protocol's
// own) as their system; the client's is "Uninitialized" until the connection is made.
TEST_P(TCPLifecycleTest, protocolCallbacksLogWithTheTransportLogPrefix) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onMade = [](Recorder&) { log::info("server made"); };
    p.onData = [](Recorder& self, std::string_view) {
      log::info("server data");
      self.transport->loseConnection();
    };
    p.onLost = [](Recorder&, const Failure&) { log::info("server lost"); };
  };
  client->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& self) {
      log::info("client made");
      self.transport->write("x");
    };
    p.onLost = [&](Recorder&, const Failure&) { log::info("client lost"); };
  };
  client->onLost = [&](RecorderFactory&, const std::shared_ptr<IConnector>&) {
    log::info("client factory lost");
    stopReactor(*reactor);
  };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  std::string serverPrefix = prefixOf(server->last().transport);
  std::string clientPrefix = prefixOf(client->last().transport);
  EXPECT_EQ(serverPrefix, "Recorder,0,127.0.0.1");
  EXPECT_EQ(clientPrefix, "Recorder,client");
  auto events = logs().events();
  for (const char* text : {"server made", "server data", "server lost"}) {
    auto e = findEvent(events, text);
    ASSERT_TRUE(e) << text;
    EXPECT_EQ(e->system, serverPrefix) << text;
  }
  for (const char* text : {"client made", "client lost", "client factory lost"}) {
    auto e = findEvent(events, text);
    ASSERT_TRUE(e) << text;
    EXPECT_EQ(e->system, clientPrefix) << text;
  }
  log::info("outside");
  EXPECT_EQ(findEvent(logs().events(), "outside")->system, "-");
  static_cast<void>(l.port->stopListening());
}

TEST_P(TCPLifecycleTest, aFailedClientAttemptLogsAsUninitialized) {
  auto reactor = buildReactor();
  int port = 0;
  int fd = conformance::rawListen(1, &port);
  ASSERT_GE(fd, 0);
  ::close(fd);  // nobody listens there now
  auto client = std::make_shared<RecorderFactory>();
  client->onFailed = [&](RecorderFactory&, const std::shared_ptr<IConnector>&) {
    log::info("client failed");
    stopReactor(*reactor);
  };
  auto connector = reactor->connectTCP("127.0.0.1", port, client);
  runReactor(*reactor);
  auto e = findEvent(logs().events(), "client failed");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->system, "Uninitialized");
}

// TCPC-11: a service name as the port.
TEST_P(TCPLifecycleTest, serviceNamesAreResolvedAsPorts) {
  EXPECT_EQ(IReactorTCP::servicePort("http"), 80);
  EXPECT_THROW(IReactorTCP::servicePort("no-such-service-weft"), error::ServiceNameUnknownError);
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  EXPECT_THROW(reactor->connectTCP("127.0.0.1", "no-such-service-weft", client),
               error::ServiceNameUnknownError);
  EXPECT_TRUE(client->events.empty());  // nothing started
  EXPECT_EQ(client->starts, 0);
  EXPECT_THROW(reactor->listenTCP("no-such-service-weft", client), error::ServiceNameUnknownError);
  auto connector = reactor->connectTCP("127.0.0.1", "http", client);
  EXPECT_EQ(portOf(connector->getDestination()), 80);
  connector->stopConnecting();  // before the attempt even starts: nothing touches port 80
  ASSERT_TRUE(client->failReason.has_value());
  EXPECT_TRUE(client->failReason->check<error::UserError>());
}

// The seed's IFinishableConsumer: finish() means the producer is done; the transport sends
// what is buffered and then closes cleanly.
TEST_P(TCPLifecycleTest, finishSendsEverythingThenClosesTheConnection) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPullProducer>();
  std::weak_ptr<ITransport> serverTransport;
  producer->onResume = [&](CountingPullProducer& self) {
    auto transport = serverTransport.lock();
    if (!transport) return;
    transport->write(std::string(10000, static_cast<char>('a' + self.resumes)));
    if (self.resumes == 5) dynamic_cast<IFinishableConsumer&>(*transport).finish();
  };
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& self) {
      serverTransport = self.transport;
      self.transport->registerProducer(producer, false);
    };
  };
  Countdown bothLost{2, [&] { stopReactor(*reactor); }};
  auto countLoss = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { bothLost.arrive(); };
  };
  client->setup = countLoss;
  server->setup = [&, inner = std::move(server->setup)](Recorder& p) mutable {
    inner(p);
    countLoss(p);
  };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  EXPECT_EQ(producer->resumes, 5);
  EXPECT_EQ(producer->stops, 0);  // unregistered by finish(), so not stopped
  ASSERT_EQ(client->last().received.size(), 50000u);
  EXPECT_EQ(client->last().received.substr(40000), std::string(10000, 'f'));
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
  static_cast<void>(l.port->stopListening());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TCPLifecycleTest);

}  // namespace
}  // namespace weft
