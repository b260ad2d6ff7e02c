// Gaps found by the audit of SEMANTICS.md 2.1-2.10 against the conformance suites, on every
// backend: IPv6 scope ids (TCPL-02..04), half-close corner cases (HC-06, HC-07), producer
// details (PROD-02, PROD-03, PROD-05), what an abort leaves behind (TCPT-08) and the exit
// signal (CORE-25).
#include "tcp_support.h"

#include <csignal>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::Countdown;
using conformance::CountingPullProducer;
using conformance::CountingPushProducer;
using conformance::HalfCloseRecorder;
using conformance::Loopback;
using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;

class AuditTest : public ReactorTest {
 protected:
  void runPair(Reactor& reactor, const std::shared_ptr<RecorderFactory>& server,
               const std::shared_ptr<RecorderFactory>& client) {
    Loopback l = conformance::connectLoopback(reactor, server, client);
    runReactor(reactor);
    static_cast<void>(l.port->stopListening());
  }
};

// A link-local IPv6 address of this machine with its scope, "fe80::1%eth0" (Twisted's
// getLinkLocalIPv6Address), or "" when there is none.
std::string linkLocalIPv6() {
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return "";
  std::string found;
  for (ifaddrs* i = all; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET6) continue;
    const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
    if (!IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;
    char host[NI_MAXHOST] = {};
    if (::getnameinfo(i->ifa_addr, sizeof(sockaddr_in6), host, sizeof host, nullptr, 0,
                      NI_NUMERICHOST) == 0) {
      found = host;
    }
  }
  ::freeifaddrs(all);
  return found;
}

// TCPL-02, TCPL-03, TCPL-04 (Twisted's test_portGetHostOnIPv6ScopeID,
// test_buildProtocolIPv6AddressScopeID, test_serverGetHostOnIPv6ScopeID,
// test_serverGetPeerOnIPv6ScopeID): a link-local address keeps its scope in every address.
TEST_P(AuditTest, aLinkLocalIPv6PortReportsTheScopeInEveryAddress) {
  std::string linkLocal = linkLocalIPv6();
  if (linkLocal.empty() || linkLocal.find('%') == std::string::npos) {
    GTEST_SKIP() << "no link-local IPv6 address";
  }
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  std::shared_ptr<IListeningPort> port;
  try {
    port = reactor->listenTCP(0, server, {.interface = linkLocal});
  } catch (const error::CannotListenError& e) {
    GTEST_SKIP() << "cannot listen on " << linkLocal << ": " << e.what();
  }
  auto host = std::get<IPv6Address>(port->getHost());
  unsigned scope = ::if_nametoindex(linkLocal.substr(linkLocal.find('%') + 1).c_str());
  EXPECT_EQ(host.host, linkLocal);
  EXPECT_EQ(host.scopeID, scope);
  Address serverHost, serverPeer, clientHost, clientPeer;
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      serverHost = s.transport->getHost();
      serverPeer = s.transport->getPeer();
      s.transport->loseConnection();
    };
  };
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      clientHost = s.transport->getHost();
      clientPeer = s.transport->getPeer();
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  client->onFailed = [&](auto&, auto&) { stopReactor(*reactor); };
  auto connector = reactor->connectTCP(linkLocal, host.port, client);
  EXPECT_EQ(std::get<IPv6Address>(connector->getDestination()).host, linkLocal);
  runReactor(*reactor);
  ASSERT_EQ(server->addresses.size(), 1u) << "the client could not connect";
  auto peer = std::get<IPv6Address>(server->addresses[0]);
  EXPECT_EQ(peer.host, linkLocal);  // the client's own address, same interface
  EXPECT_EQ(peer.scopeID, scope);
  EXPECT_EQ(server->addresses[0], clientHost);
  EXPECT_EQ(serverPeer, clientHost);
  EXPECT_EQ(serverHost, clientPeer);
  EXPECT_EQ(std::get<IPv6Address>(serverHost).host, linkLocal);
  EXPECT_EQ(std::get<IPv6Address>(serverHost).port, host.port);
  static_cast<void>(port->stopListening());
}

// Loopback addresses have no scope and no "%".
TEST_P(AuditTest, unscopedIPv6AddressesHaveNoScopeSuffix) {
  if (!conformance::ipv6Available()) GTEST_SKIP() << "no IPv6 loopback";
  auto reactor = buildReactor();
  auto port = reactor->listenTCP(0, std::make_shared<RecorderFactory>(), {.interface = "::1"});
  auto host = std::get<IPv6Address>(port->getHost());
  EXPECT_EQ(host.host, "::1");
  EXPECT_EQ(host.scopeID, 0u);
  static_cast<void>(port->stopListening());
}

// HC-06 (Twisted's testShutdownException): the peer has closed (its FIN is here, unread
// because we are paused); writing and loseWriteConnection() then raise nothing, and the
// connection still ends once.
TEST_P(AuditTest, loseWriteConnectionAfterThePeerClosedDoesNotRaise) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  Countdown bothLost{2, [&] { stopReactor(*reactor); }};
  client->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->pauseProducing();
      s.transport->write("hello");
    };
    p.onLost = [&](Recorder&, const Failure&) { bothLost.arrive(); };
  };
  server->setup = [&](Recorder& p) {
    p.onData = [](Recorder& s, std::string_view) { s.transport->loseConnection(); };
    p.onLost = [&](Recorder&, const Failure&) {
      Recorder& c = client->last();
      EXPECT_NO_THROW({
        c.transport->write("X");
        c.tcp().loseWriteConnection();
        c.tcp().loseWriteConnection();
      });
      c.transport->resumeProducing();
      bothLost.arrive();
    };
  };
  runPair(*reactor, server, client);
  EXPECT_EQ(client->last().lostCount, 1);
  EXPECT_TRUE((client->last().lost->check<error::ConnectionDone, error::ConnectionLost>()));
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

// HC-07 (Twisted's test_writeNotificationRaises): an exception from writeConnectionLost is
// logged and closes the connection completely.
TEST_P(AuditTest, anExceptionFromWriteConnectionLostIsLoggedAndClosesTheConnection) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->halfCloseable = true;
  Countdown bothLost{2, [&] { stopReactor(*reactor); }};
  client->setup = [&](Recorder& p) {
    auto& half = dynamic_cast<HalfCloseRecorder&>(p);
    half.onMade = [](Recorder& s) { s.tcp().loseWriteConnection(); };
    half.onWriteLost = [](HalfCloseRecorder&) {
      throw error::ValueError("writeConnectionLost bug");
    };
    half.onLost = [&](Recorder&, const Failure&) { bothLost.arrive(); };
  };
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { bothLost.arrive(); };
  };
  runPair(*reactor, server, client);
  EXPECT_EQ(client->last().lostCount, 1);
  EXPECT_TRUE(client->last().lost->check<error::ValueError>());
  EXPECT_EQ(server->last().lostCount, 1);
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("writeConnectionLost bug"), std::string::npos);
}

// PROD-02: a pull producer registered on a disconnected transport is stopped, not resumed.
TEST_P(AuditTest, aPullProducerRegisteredAfterTheConnectionIsLostIsStopped) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPullProducer>();
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder& s, const Failure&) {
      s.transport->registerProducer(producer, false);
      stopReactor(*reactor);
    };
  };
  runPair(*reactor, server, client);
  EXPECT_EQ(producer->stops, 1);
  EXPECT_EQ(producer->resumes, 0);
}

// PROD-03: a push producer is paused once the buffer holds more than bufferSize (64 KiB),
// not when it holds exactly that much, and resumed once the buffer has drained.
TEST_P(AuditTest, aPushProducerIsPausedOnlyAboveSixtyFourKiBBuffered) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPushProducer>();
  int pausesAtLimit = -1;
  int pausesAboveLimit = -1;
  std::size_t total = 0;
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->registerProducer(producer, true);
      // Small writes are buffered until the loop's flush phase: 1 + 15 * 4096 + 4095 bytes.
      s.transport->write("x");
      for (int i = 0; i < 15; ++i) s.transport->write(std::string(4096, 'a'));
      s.transport->write(std::string(4095, 'b'));
      pausesAtLimit = producer->pauses;
      s.transport->write("y");
      pausesAboveLimit = producer->pauses;
      total = 1 + 15 * 4096 + 4095 + 1;
    };
  };
  producer->onResume = [&](CountingPushProducer&) {
    Recorder& s = server->last();
    s.transport->unregisterProducer();
    s.transport->loseConnection();
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  runPair(*reactor, server, client);
  EXPECT_EQ(pausesAtLimit, 0);
  EXPECT_EQ(pausesAboveLimit, 1);
  EXPECT_EQ(producer->resumes, 1);
  EXPECT_EQ(client->last().received.size(), total);
}

// PROD-05 with writeSequence: one pause per fill even when pauseProducing writes again.
TEST_P(AuditTest, aProducerWritingSequencesReentrantlyIsPausedOncePerFill) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPushProducer>();
  std::string piece(1024, 's');
  std::size_t sent = 0;
  auto writeSome = [&](Recorder& s, int n) {
    std::vector<std::string_view> views(static_cast<std::size_t>(n), piece);
    s.transport->writeSequence(views);
    sent += static_cast<std::size_t>(n) * piece.size();
  };
  producer->onPause = [&](CountingPushProducer&) { writeSome(server->last(), 8); };
  producer->onResume = [&](CountingPushProducer&) {
    server->last().transport->unregisterProducer();
    server->last().transport->loseConnection();
  };
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->registerProducer(producer, true);
      s.transport->write("x");  // keeps the next writes in the buffer
      for (int i = 0; i < 80; ++i) writeSome(s, 1);
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  runPair(*reactor, server, client);
  EXPECT_EQ(producer->pauses, 1);
  EXPECT_EQ(producer->resumes, 1);
  EXPECT_EQ(client->last().received.size(), sent + 1);
}

// TCPT-08: after an abort nothing of the connection is left in the reactor: no reader, no
// writer, no delayed call (only the test's own guard remains).
TEST_P(AuditTest, anAbortedConnectionLeavesNoReaderWriterOrDelayedCall) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  std::size_t delayedCalls = 99;
  bool clientRegistered = true;
  client->setup = [&](Recorder& p) {
    // More than the kernel takes at once: some stays in the transport's buffer.
    p.onMade = [](Recorder& s) { s.transport->write(std::string(16 * 1024 * 1024, 'a')); };
  };
  server->setup = [&](Recorder& p) {
    p.onData = [&](Recorder& s, std::string_view) {
      s.received.clear();
      if (client->last().lostCount == 0) client->last().tcp().abortConnection();
    };
    p.onLost = [&](Recorder&, const Failure&) {
      reactor->callLater(Seconds(0), [&] {
        delayedCalls = reactor->getDelayedCalls().size();
        clientRegistered = false;
        auto* clientTransport = client->last().transport.get();
        for (const auto& r : reactor->getReaders()) {
          if (dynamic_cast<ITransport*>(r.get()) == clientTransport) clientRegistered = true;
        }
        for (const auto& w : reactor->getWriters()) {
          if (dynamic_cast<ITransport*>(w.get()) == clientTransport) clientRegistered = true;
        }
        stopReactor(*reactor);
      });
    };
  };
  runPair(*reactor, server, client);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionAborted>());
  EXPECT_TRUE((server->last().lost->check<error::ConnectionLost, error::ConnectionDone>()));
  EXPECT_EQ(delayedCalls, 1u);  // runReactor's guard
  EXPECT_FALSE(clientRegistered);
}

// CORE-25: the reactor records which signal stopped it; nothing before that.
TEST_P(AuditTest, theSignalThatStoppedTheReactorIsRecorded) {
  auto reactor = buildReactor();
  EXPECT_EQ(reactor->exitSignal(), std::nullopt);
  reactor->callWhenRunning([] { ::kill(::getpid(), SIGINT); });
  runReactor(*reactor, Seconds(10), {.installSignalHandlers = true});
  EXPECT_EQ(reactor->exitSignal(), SIGINT);

  auto stopped = buildReactor();
  stopped->callWhenRunning([&] { stopped->stop(); });
  runReactor(*stopped);
  EXPECT_EQ(stopped->exitSignal(), std::nullopt);
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(AuditTest);

}  // namespace
}  // namespace weft
