// The stream transport and its lifecycle (SEMANTICS.md 2.8, TCPT-*), on every backend.
#include "tcp_support.h"

#include <cstring>
#include <string>
#include <sys/ioctl.h>
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

class TCPTransportTest : public ReactorTest {
 protected:
  // Runs a server and a client; `done` counts the connectionLost calls that end the run.
  void run(Reactor& reactor, const std::shared_ptr<RecorderFactory>& server,
           const std::shared_ptr<RecorderFactory>& client, int losses = 2) {
    auto countdown = std::make_shared<Countdown>(Countdown{losses, [&] { stopReactor(reactor); }});
    auto chain = [countdown](Function<void(Recorder&)>& setup) {
      Function<void(Recorder&)> inner = std::move(setup);
      setup = [countdown,
               inner = std::make_shared<Function<void(Recorder&)>>(std::move(inner))](Recorder& p) {
        if (*inner) (*inner)(p);
        auto previous =
            std::make_shared<Function<void(Recorder&, const Failure&)>>(std::move(p.onLost));
        p.onLost = [countdown, previous](Recorder& r, const Failure& f) {
          if (*previous) (*previous)(r, f);
          countdown->arrive();
        };
      };
    };
    chain(server->setup);
    chain(client->setup);
    Loopback l = conformance::connectLoopback(reactor, server, client);
    runReactor(reactor);
    static_cast<void>(l.port->stopListening());
  }
};

// TCPT-01
TEST_P(TCPTransportTest, makeConnectionSetsTheTransportBeforeConnectionMade) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  bool hadTransport = false;
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      hadTransport = s.transport != nullptr && s.connected;
      s.transport->write("x");
      s.transport->loseConnection();
    };
  };
  run(*reactor, server, client);
  EXPECT_TRUE(hadTransport);
  EXPECT_EQ(client->last().events, (Events{"made", "data", "lost"}));
}

// TCPT-02: write and writeSequence, in order; writeSequence alone; more views than IOV_MAX.
TEST_P(TCPTransportTest, writesAndWriteSequencesArriveIntactAndInOrder) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  std::string expected;
  std::vector<std::string> pieces;
  for (int i = 0; i < 3000; ++i) pieces.push_back(std::to_string(i) + ",");
  std::string big(200 * 1024, 'b');
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      std::vector<std::string_view> views(pieces.begin(), pieces.end());
      s.transport->writeSequence(views);  // no write() before it
      s.transport->write("-mid-");
      std::string_view two[] = {big, "tail"};
      s.transport->writeSequence(two);
      s.transport->write("end");
      s.transport->loseConnection();
    };
  };
  for (const auto& piece : pieces) expected += piece;
  expected += "-mid-" + big + "tail" + "end";
  run(*reactor, server, client);
  EXPECT_EQ(client->last().received.size(), expected.size());
  EXPECT_TRUE(client->last().received == expected);
}

// TCPT-04: 60 MB written at once all arrive before connectionLost.
TEST_P(TCPTransportTest, loseConnectionClosesOnlyAfterEverythingIsFlushed) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  constexpr std::size_t kSize = 60 * 1024 * 1024;
  std::size_t received = 0;
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->write(std::string(kSize, 'x'));
      s.transport->loseConnection();
    };
  };
  client->setup = [&](Recorder& p) {
    p.onData = [&](Recorder& s, std::string_view d) {
      received += d.size();
      s.received.clear();  // keep memory flat
    };
  };
  run(*reactor, server, client);
  EXPECT_EQ(received, kSize);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

// TCPT-06, TCPT-07
TEST_P(TCPTransportTest, writesAfterLoseConnectionAreSentAndAfterCloseAreIgnored) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->write("before");
      s.transport->loseConnection();
      EXPECT_TRUE(s.transport->disconnecting());
      s.transport->write("+after");
    };
    p.onLost = [](Recorder& s, const Failure&) {
      s.transport->write("ignored");
      std::string_view v[] = {"ignored"};
      s.transport->writeSequence(v);
    };
  };
  run(*reactor, server, client);
  EXPECT_EQ(client->last().received, "before+after");
  server->last().transport->write("still ignored");  // after close: a no-op
}

// TCPT-08, TCPT-10, PROD-08
TEST_P(TCPTransportTest, abortConnectionClosesAtOnceAndLeavesNothingBehind) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<conformance::CountingPushProducer>();
  Events order;
  producer->onStop = [&](auto&) { order.push_back("stopProducing"); };
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->registerProducer(producer, true);
      s.transport->write(std::string(1024, 'a'));
      s.tcp().abortConnection();
      s.tcp().abortConnection();
      s.transport->loseConnection();
      s.transport->write("dropped");
    };
    p.onLost = [&](Recorder&, const Failure&) { order.push_back("connectionLost"); };
  };
  run(*reactor, server, client);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionAborted>());
  EXPECT_EQ(client->last().lostCount, 1);
  EXPECT_TRUE((server->last().lost->check<error::ConnectionLost, error::ConnectionDone>()));
  EXPECT_EQ(server->last().received, "");
  EXPECT_EQ(order, (Events{"stopProducing", "connectionLost"}));
  EXPECT_TRUE(reactor->getReaders().empty());
  EXPECT_TRUE(reactor->getWriters().empty());
}

// TCPT-09, TCPT-12: abort inside dataReceived, then throw: one log, that reason, no re-entry.
TEST_P(TCPTransportTest, anExceptionFromDataReceivedIsLoggedOnceAndIsTheReason) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  bool inside = false;
  server->setup = [&](Recorder& p) { p.onMade = [](Recorder& s) { s.transport->write("go"); }; };
  client->setup = [&](Recorder& p) {
    p.onData = [&](Recorder& s, std::string_view) {
      inside = true;
      s.tcp().abortConnection();
      inside = false;
      throw error::ValueError("boom from dataReceived");
    };
    p.onLost = [&](Recorder&, const Failure&) { EXPECT_FALSE(inside) << "re-entrant"; };
  };
  run(*reactor, server, client);
  EXPECT_TRUE(client->last().lost->check<error::ValueError>());
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("boom from dataReceived"), std::string::npos);
}

// TCPT-09, TCPT-12: the same from a pull producer's resumeProducing.
TEST_P(TCPTransportTest, abortAndThrowFromResumeProducingLoseTheConnectionWithThatError) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<conformance::CountingPullProducer>();
  bool inside = false;
  Recorder* proto = nullptr;
  producer->onResume = [&](conformance::CountingPullProducer& self) {
    if (self.resumes == 1) return;  // the call made by registerProducer
    inside = true;
    proto->tcp().abortConnection();
    inside = false;
    throw error::ValueError("boom from resumeProducing");
  };
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      proto = &s;
      s.transport->registerProducer(producer, false);
      s.transport->write("data");
    };
    p.onLost = [&](Recorder&, const Failure&) { EXPECT_FALSE(inside) << "re-entrant"; };
  };
  run(*reactor, server, client);
  EXPECT_TRUE(client->last().lost->check<error::ValueError>());
  EXPECT_EQ(producer->stops, 1);
  ASSERT_EQ(flushLoggedErrors().size(), 1u);
}

// TCPT-11: abort while the kernel send buffer is full because the peer stopped reading.
TEST_P(TCPTransportTest, abortWorksWhileTheSendBufferIsFull) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->pauseProducing(); };
  };
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->write(std::string(16 * 1024 * 1024, 'z'));  // more than any socket buffer
      reactor->callLater(Seconds(0), [&s] { s.tcp().abortConnection(); });
    };
    // A paused transport is registered nowhere, so shutdown cannot close it: close it here.
    p.onLost = [&](Recorder&, const Failure&) { client->last().transport->loseConnection(); };
  };
  run(*reactor, server, client, 1);  // the server's loss ends the run
  EXPECT_TRUE(server->last().lost->check<error::ConnectionAborted>());
}

// TCPT-13: the server factory refuses: the client sees connectionMade then ConnectionDone.
TEST_P(TCPTransportTest, aServerFactoryReturningNullClosesTheAcceptedSocket) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->refuse = true;
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  Loopback l = conformance::connectLoopback(*reactor, server, client);
  runReactor(*reactor);
  EXPECT_EQ(client->last().events, (Events{"made", "lost"}));
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
  static_cast<void>(l.port->stopListening());
}

// TCPT-14, TCPT-15: nothing keeps a closed connection's protocol; no descriptor leaks.
TEST_P(TCPTransportTest, closedConnectionsLeaveNoProtocolsAndNoDescriptorsBehind) {
  int before = conformance::openFdCount();
  std::vector<std::weak_ptr<Recorder>> protocols;
  {
    auto reactor = buildReactor();
    auto server = std::make_shared<RecorderFactory>();
    auto client = std::make_shared<RecorderFactory>();
    constexpr int kConnections = 20;
    int lost = 0;
    server->setup = [](Recorder& p) {
      p.onMade = [](Recorder& s) {
        s.transport->write("bye");
        s.transport->loseConnection();
      };
    };
    client->onLost = [&](auto&, auto&) {
      if (++lost == kConnections) stopReactor(*reactor);
    };
    auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
    for (int i = 0; i < kConnections; ++i) {
      reactor->connectTCP("127.0.0.1", portOf(port->getHost()), client);
    }
    runReactor(*reactor);
    static_cast<void>(port->stopListening());
    for (auto& p : server->built) protocols.push_back(p);
    for (auto& p : client->built) protocols.push_back(p);
    server->built.clear();
    client->built.clear();
    EXPECT_EQ(lost, kConnections);
    for (auto& w : protocols) EXPECT_TRUE(w.expired()) << "a protocol outlived its connection";
  }
  EXPECT_EQ(conformance::openFdCount(), before);
}

// TCPT-17
TEST_P(TCPTransportTest, tcpNoDelayAndKeepAliveCanBeReadAndChanged) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) {
      ITCPTransport& t = s.tcp();
      EXPECT_FALSE(t.getTcpNoDelay());
      t.setTcpNoDelay(true);
      EXPECT_TRUE(t.getTcpNoDelay());
      t.setTcpNoDelay(false);
      EXPECT_FALSE(t.getTcpNoDelay());
      EXPECT_FALSE(t.getTcpKeepAlive());
      t.setTcpKeepAlive(true);
      EXPECT_TRUE(t.getTcpKeepAlive());
      EXPECT_GE(dynamic_cast<ISystemHandle&>(t).getHandle(), 0);
      t.loseConnection();
    };
  };
  run(*reactor, server, client);
}

// TCPT-18: pausing (also from connectionMade) stops delivery; resuming loses nothing.
TEST_P(TCPTransportTest, pauseProducingStopsDataReceivedAndResumeDeliversEverything) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  std::string payload(300 * 1024, 'p');
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->pauseProducing();
      s.transport->write(payload);
      reactor->callLater(Seconds(0.05), [&s] {
        EXPECT_EQ(s.received, "");  // paused: nothing delivered
        s.transport->resumeProducing();
      });
    };
    p.onData = [&](Recorder& s, std::string_view) {
      if (s.received.size() == 4) s.transport->loseConnection();
    };
  };
  client->setup = [](Recorder& p) { p.onMade = [](Recorder& s) { s.transport->write("ping"); }; };
  run(*reactor, server, client);
  EXPECT_EQ(server->last().received, "ping");
  EXPECT_EQ(client->last().received.size(), payload.size());
}

// TCPT-19: resumeProducing does not re-register a disconnecting or closed transport.
TEST_P(TCPTransportTest, resumeProducingDoesNotReadWhileDisconnectingOrClosed) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->pauseProducing();
      s.transport->loseConnection();
      s.transport->resumeProducing();
      for (const auto& r : reactor->getReaders()) {
        EXPECT_NE(dynamic_cast<ITransport*>(r.get()), s.transport.get());
      }
    };
    p.onLost = [](Recorder& s, const Failure&) { s.transport->resumeProducing(); };
  };
  run(*reactor, server, client);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
}

// TCPT-20: a peer that closes while the transport is paused is noticed on resume.
TEST_P(TCPTransportTest, aPeerClosingWhilePausedIsSeenOnResume) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) { s.transport->pauseProducing(); };
  };
  server->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->write("last words");
      s.transport->loseConnection();
    };
    p.onLost = [&](Recorder&, const Failure&) {
      EXPECT_EQ(client->last().lostCount, 0);
      client->last().transport->resumeProducing();
    };
  };
  run(*reactor, server, client);
  EXPECT_EQ(client->last().received, "last words");
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
}

// More arrives at once than one read event takes (epoll watches transports edge-triggered):
// the rest is read without waiting for traffic that never comes.
TEST_P(TCPTransportTest, aLargeBurstIsReadWholeWithNoFurtherTraffic) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  constexpr std::size_t kSize = 24 * 1024 * 1024;
  client->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->write(std::string(kSize, 'z')); };
  };
  server->setup = [&](Recorder& p) {
    p.onData = [](Recorder& s, std::string_view) {
      if (s.received.size() == kSize) s.transport->loseConnection();
    };
  };
  run(*reactor, server, client);
  EXPECT_EQ(server->last().received.size(), kSize);
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

// Several MiB already waiting when the transport starts, and nothing sent after: one read
// event takes at most 1 MiB (kMaxReadsPerEvent reads), so the rest is only read if the
// loop comes back for it by itself. Needs root (SO_RCVBUFFORCE) to queue that much.
TEST_P(TCPTransportTest, whatOneReadEventLeavesIsReadWithoutNewTraffic) {
  constexpr int kQueued = 3 * 1024 * 1024;
  int big = 8 * 1024 * 1024;
  int port = 0;
  int listener = conformance::rawListen(1, &port);
  ASSERT_GE(listener, 0);
  if (::setsockopt(listener, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0) {
    ::close(listener);
    GTEST_SKIP() << "SO_RCVBUFFORCE needs CAP_NET_ADMIN";
  }
  int client = conformance::rawConnect(port);
  int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);
  ASSERT_GE(client, 0);
  ASSERT_GE(server, 0);
  ASSERT_EQ(::setsockopt(client, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big), 0);
  std::string payload(kQueued, 'q');
  std::size_t sent = 0;
  while (sent < payload.size()) {  // blocking; it all fits in the two buffers
    ssize_t n = ::send(client, payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << std::strerror(errno);
    sent += static_cast<std::size_t>(n);
  }
  int queued = 0;  // loopback delivers within send()
  ASSERT_EQ(::ioctl(server, FIONREAD, &queued), 0);
  if (queued < kQueued) {
    ::close(client);
    ::close(server);
    GTEST_SKIP() << "the kernel queued only " << queued << " bytes";
  }
  auto reactor = buildReactor();
  auto factory = std::make_shared<RecorderFactory>();
  factory->setup = [&](Recorder& p) {
    p.onData = [&](Recorder& s, std::string_view) {
      if (s.received.size() == kQueued) stopReactor(*reactor);
    };
  };
  reactor->adoptStreamConnection(server, AddressFamily::kINET, factory);
  ::close(server);  // adopted: the transport has its own copy
  runReactor(*reactor);
  ASSERT_EQ(factory->built.size(), 1u);
  EXPECT_EQ(factory->last().received.size(), static_cast<std::size_t>(kQueued));
  ::close(client);
}

// The peer sends its last words and half-closes while we neither read (paused) nor can
// write (it does not read): on resume both the words and the end of file are seen.
TEST_P(TCPTransportTest, aPeerHalfClosingWhileWeArePausedAndBlockedIsSeenOnResume) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->halfCloseable = true;
  server->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->pauseProducing();
      s.transport->write(std::string(8 * 1024 * 1024, 'w'));  // more than the peer takes
    };
    p.onLost = [&](Recorder&, const Failure&) { client->last().tcp().abortConnection(); };
  };
  client->setup = [&](Recorder& p) {
    auto& half = dynamic_cast<conformance::HalfCloseRecorder&>(p);
    half.onMade = [](Recorder& s) {
      s.transport->pauseProducing();
      s.transport->write("last words");
      dynamic_cast<ITCPTransport&>(*s.transport).loseWriteConnection();
    };
    // The FIN is in the server's socket now; resume the server an iteration later, after
    // the loop has seen (and, the server not reading, set aside) the FIN's event.
    half.onWriteLost = [&](conformance::HalfCloseRecorder&) {
      reactor->callLater(Seconds(0), [&] { server->last().transport->resumeProducing(); });
    };
  };
  run(*reactor, server, client);
  EXPECT_EQ(server->last().received, "last words");
  ASSERT_TRUE(server->last().lost.has_value());
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

// Faults: a peer that resets while we have a lot queued.
TEST_P(TCPTransportTest, aPeerResettingMidWriteIsAConnectionLost) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  int peer = conformance::rawConnect(portOf(port->getHost()));
  server->setup = [&](Recorder& p) {
    p.onMade = [&, peer](Recorder& s) {
      s.transport->write(std::string(8 * 1024 * 1024, 'r'));
      reactor->callLater(Seconds(0), [peer] { conformance::closeWithReset(peer); });
    };
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  runReactor(*reactor);
  ASSERT_EQ(server->built.size(), 1u);
  EXPECT_TRUE(server->last().lost->check<error::ConnectionLost>());
  static_cast<void>(port->stopListening());
}

// Faults: a peer that vanishes (closes without reading) while we keep writing.
TEST_P(TCPTransportTest, writingToAPeerThatClosedEndsInConnectionLostOrDone) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  int peer = conformance::rawConnect(portOf(port->getHost()));
  ::send(peer, "hello", 5, 0);
  ::close(peer);
  server->setup = [&](Recorder& p) {
    p.onData = [](Recorder& s, std::string_view) {
      for (int i = 0; i < 64; ++i) s.transport->write(std::string(64 * 1024, 'w'));
    };
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  runReactor(*reactor);
  ASSERT_EQ(server->built.size(), 1u);
  EXPECT_EQ(server->last().lostCount, 1);
  EXPECT_TRUE((server->last().lost->check<error::ConnectionLost, error::ConnectionDone>()));
  static_cast<void>(port->stopListening());
}

// Steady-state echo: many request/response rounds, each write coalesced and flushed before
// the loop waits. (Run under strace -c to see one read and one sendmsg per message and no
// epoll_ctl after setup.)
TEST_P(TCPTransportTest, pingPongEchoRunsManyRoundsInOrder) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  constexpr int kRounds = 2000;
  int rounds = 0;
  server->setup = [](Recorder& p) {
    p.onData = [](Recorder& s, std::string_view d) {
      s.received.clear();
      s.transport->write(d);
    };
  };
  client->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->write("ping-0000"); };
    p.onData = [&](Recorder& s, std::string_view) {
      if (s.received.size() < 9) return;
      EXPECT_EQ(s.received.substr(0, 5), "ping-");
      s.received.clear();
      if (++rounds == kRounds) {
        s.transport->loseConnection();
      } else {
        s.transport->write("ping-" + std::to_string(1000 + rounds % 9000).substr(0, 4));
      }
    };
  };
  run(*reactor, server, client);
  EXPECT_EQ(rounds, kRounds);
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TCPTransportTest);

}  // namespace
}  // namespace weft
