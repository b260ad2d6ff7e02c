// Half-close (SEMANTICS.md 2.9, HC-*) and producers/flow control (2.10, PROD-*) over real
// TCP connections, on every backend.
#include "tcp_support.h"

#include <functional>
#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::CountingPullProducer;
using conformance::CountingPushProducer;
using conformance::HalfCloseRecorder;
using conformance::Loopback;
using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;
using Events = std::vector<std::string>;

class TCPFlowTest : public ReactorTest {
 protected:
  void runPair(Reactor& reactor, const std::shared_ptr<RecorderFactory>& server,
               const std::shared_ptr<RecorderFactory>& client) {
    Loopback l = conformance::connectLoopback(reactor, server, client);
    runReactor(reactor);
    static_cast<void>(l.port->stopListening());
  }
};

HalfCloseRecorder& hc(Recorder& r) { return dynamic_cast<HalfCloseRecorder&>(r); }

// HC-01, HC-02, HC-03, HC-05: the client half-closes; the half-closeable server is told, keeps
// writing, and its replies reach the client; nobody is closed until loseConnection.
TEST_P(TCPFlowTest, halfCloseLetsThePeerReplyAndNothingClosesByItself) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->halfCloseable = true;
  client->halfCloseable = true;
  server->setup = [&](Recorder& p) {
    hc(p).onReadLost = [](HalfCloseRecorder& s) {
      s.transport->write("reply to " + s.received);
      s.tcp().loseWriteConnection();
    };
  };
  client->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->write("request");
      s.tcp().loseWriteConnection();
      s.transport->write("discarded");  // HC-03
    };
    hc(p).onReadLost = [&](HalfCloseRecorder&) {
      // Both directions are shut on both sides; still nothing is closed (HC-05).
      reactor->callLater(Seconds(0.02), [&] {
        EXPECT_EQ(client->last().lostCount, 0);
        EXPECT_EQ(server->last().lostCount, 0);
        client->last().transport->loseConnection();
        server->last().transport->loseConnection();
      });
    };
    p.onLost = [&](Recorder&, const Failure&) {
      if (server->last().lostCount == 1) stopReactor(*reactor);
    };
  };
  server->setup = [&, inner = std::move(server->setup)](Recorder& p) mutable {
    inner(p);
    p.onLost = [&](Recorder&, const Failure&) {
      if (client->last().lostCount == 1) stopReactor(*reactor);
    };
  };
  runPair(*reactor, server, client);
  EXPECT_EQ(server->last().received, "request");
  EXPECT_EQ(client->last().received, "reply to request");
  EXPECT_EQ(hc(client->last()).writeLost, 1);  // HC-01
  EXPECT_EQ(hc(server->last()).readLost, 1);   // HC-02
  EXPECT_EQ(client->last().lostCount, 1);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

// HC-04: a protocol that is not half-closeable sees all the data, then ConnectionDone.
TEST_P(TCPFlowTest, aPlainProtocolSeesConnectionDoneWhenThePeerHalfCloses) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  client->halfCloseable = true;
  client->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) {
      s.transport->write(std::string(100000, 'h'));
      s.tcp().loseWriteConnection();
    };
  };
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  runPair(*reactor, server, client);
  EXPECT_EQ(server->last().received.size(), 100000u);
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

// HC-06, HC-08: the peer half-closes, we half-close, then loseConnection from
// writeConnectionLost; a later loseWriteConnection does not raise.
TEST_P(TCPFlowTest, doubleHalfCloseThenLoseConnectionFromWriteConnectionLost) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->halfCloseable = true;
  client->halfCloseable = true;
  client->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.tcp().loseWriteConnection(); };
  };
  server->setup = [&](Recorder& p) {
    hc(p).onReadLost = [](HalfCloseRecorder& s) { s.tcp().loseWriteConnection(); };
    hc(p).onWriteLost = [](HalfCloseRecorder& s) {
      s.transport->loseConnection();
      s.tcp().loseWriteConnection();  // harmless
    };
    p.onLost = [&](Recorder& s, const Failure&) {
      s.tcp().loseWriteConnection();  // after close: harmless (HC-06)
      client->last().transport->loseConnection();
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  runPair(*reactor, server, client);
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
  EXPECT_EQ(server->last().lostCount, 1);
}

// HC-07: an exception from readConnectionLost is logged and closes the connection.
TEST_P(TCPFlowTest, anExceptionFromReadConnectionLostClosesTheConnection) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  server->halfCloseable = true;
  client->halfCloseable = true;
  client->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.tcp().loseWriteConnection(); };
  };
  server->setup = [&](Recorder& p) {
    hc(p).onReadLost = [](HalfCloseRecorder&) {
      throw error::ValueError("readConnectionLost bug");
    };
    p.onLost = [&](Recorder&, const Failure&) { client->last().transport->loseConnection(); };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  runPair(*reactor, server, client);
  EXPECT_TRUE(server->last().lost->check<error::ValueError>());
  EXPECT_EQ(flushLoggedErrors().size(), 1u);
}

// PROD-01, PROD-04: a pull producer is resumed at once and each time the buffer empties,
// never paused; a second producer is refused.
TEST_P(TCPFlowTest, aPullProducerIsAskedForMoreEachTimeTheBufferEmpties) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPullProducer>();
  Recorder* proto = nullptr;
  producer->onResume = [&](CountingPullProducer& self) {
    if (self.resumes <= 5) {
      proto->transport->write(std::string(100000, static_cast<char>('0' + self.resumes)));
    } else {
      proto->transport->unregisterProducer();
      proto->transport->loseConnection();
    }
  };
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      proto = &s;
      s.transport->registerProducer(producer, false);
      EXPECT_EQ(producer->resumes, 1);
      EXPECT_THROW(s.transport->registerProducer(std::make_shared<CountingPullProducer>(), false),
                   error::RuntimeError);
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  runPair(*reactor, server, client);
  EXPECT_EQ(producer->resumes, 6);
  EXPECT_EQ(client->last().received.size(), 500000u);
}

// PROD-02, PROD-07: a closed transport stops a new producer at once and unregistering after
// the close does not re-register anything.
TEST_P(TCPFlowTest, registeringOnAClosedTransportStopsTheProducer) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPushProducer>();
  server->setup = [](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->loseConnection(); };
  };
  client->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder& s, const Failure&) {
      s.transport->registerProducer(producer, true);
      s.transport->unregisterProducer();
      stopReactor(*reactor);
    };
  };
  runPair(*reactor, server, client);
  EXPECT_EQ(producer->stops, 1);
  EXPECT_TRUE(reactor->getWriters().empty());
}

// PROD-03, PROD-05: one pause per fill and one resume per drain, with re-entrant writes.
TEST_P(TCPFlowTest, aPushProducerIsPausedOnceAndResumedOncePerCycle) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPushProducer>();
  Recorder* proto = nullptr;
  std::size_t sent = 0;
  constexpr std::size_t kTotal = 4 * 1024 * 1024;
  auto produce = [&] {
    // Writes 4 KiB chunks until paused (a write inside pauseProducing is re-entrant).
    while (producer->events.empty() || producer->events.back() != "pause") {
      if (sent >= kTotal) {
        proto->transport->unregisterProducer();
        proto->transport->loseConnection();
        return;
      }
      proto->transport->write(std::string(4096, 'q'));
      sent += 4096;
    }
  };
  producer->onPause = [&](CountingPushProducer&) {
    proto->transport->write(std::string(4096, 'q'));  // re-entrant: must not pause again
    sent += 4096;
  };
  producer->onResume = [&](CountingPushProducer&) { produce(); };
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      proto = &s;
      s.transport->registerProducer(producer, true);
      produce();
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  runPair(*reactor, server, client);
  EXPECT_GE(producer->pauses, 1);
  EXPECT_EQ(producer->resumes, producer->pauses);
  for (std::size_t i = 0; i + 1 < producer->events.size(); ++i) {
    EXPECT_NE(producer->events[i], producer->events[i + 1]) << "two " << producer->events[i];
  }
  EXPECT_EQ(client->last().received.size(), sent);
}

// PROD-06: loseConnection waits for the producer to unregister.
TEST_P(TCPFlowTest, loseConnectionWaitsForTheProducerToUnregister) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto client = std::make_shared<RecorderFactory>();
  auto producer = std::make_shared<CountingPushProducer>();
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      s.transport->registerProducer(producer, true);
      s.transport->write("part one;");
      s.transport->loseConnection();
      reactor->callLater(Seconds(0.02), [&s] {
        EXPECT_EQ(s.lostCount, 0);
        s.transport->write("part two");
        s.transport->unregisterProducer();
      });
    };
  };
  client->onLost = [&](auto&, auto&) { stopReactor(*reactor); };
  runPair(*reactor, server, client);
  EXPECT_EQ(client->last().received, "part one;part two");
  EXPECT_EQ(producer->stops, 0);
}

// Faults: a peer that floods us without reading what we send back: our buffer grows only as
// far as the producer allows (it is paused and stays paused).
TEST_P(TCPFlowTest, aPeerThatDoesNotReadPausesTheProducerAndTheBufferStopsGrowing) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  int peer = conformance::rawConnect(portOf(port->getHost()));
  auto producer = std::make_shared<CountingPushProducer>();
  std::size_t written = 0;
  std::size_t writtenAtPause = 0;
  Recorder* proto = nullptr;
  producer->onPause = [&](CountingPushProducer&) {
    writtenAtPause = written;
    reactor->callLater(Seconds(0.05), [&] {
      EXPECT_EQ(written, writtenAtPause) << "wrote while paused";
      EXPECT_EQ(producer->resumes, 0);
      proto->transport->unregisterProducer();
      proto->tcp().abortConnection();
    });
  };
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      proto = &s;
      s.transport->registerProducer(producer, true);
    };
    p.onData = [&](Recorder& s, std::string_view d) {  // echo everything, unread by the peer
      if (producer->pauses == 0) {
        written += d.size();
        s.transport->write(d);
      }
      s.received.clear();
    };
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  std::string chunk(64 * 1024, 'f');
  // The flooding peer: sends whenever its socket has room, never reads.
  std::function<void()> pump = [&] {
    while (::send(peer, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0) {
    }
    if (producer->pauses == 0) reactor->callLater(Seconds(0.001), pump);
  };
  ::fcntl(peer, F_SETFL, O_NONBLOCK);
  reactor->callWhenRunning([&] { pump(); });
  runReactor(*reactor);
  EXPECT_EQ(producer->pauses, 1);
  EXPECT_GT(written, 0u);
  ::close(peer);
  static_cast<void>(port->stopListening());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TCPFlowTest);

}  // namespace
}  // namespace weft
