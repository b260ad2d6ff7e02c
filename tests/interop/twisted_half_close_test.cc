// Half-close (IHalfCloseableProtocol) with Twisted as the peer, both ways, on every
// backend: the client sends 1 MiB and half-closes; the server reads to the end, answers
// "got <n> bytes\n" and the data, and closes; the client sees the answer, then its read
// side end, then ConnectionDone.
#include "interop_fixture.h"

#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::HalfCloseRecorder;
using conformance::portOf;
using conformance::Recorder;
using conformance::RecorderFactory;
using interop::InteropTest;
using interop::resultField;
using interop::TwistedPeer;
using Events = std::vector<std::string>;

constexpr std::size_t kRequestSize = 1024 * 1024;

std::string replyTo(const std::string& request) {
  return "got " + std::to_string(request.size()) + " bytes\n" + request;
}

class TwistedHalfCloseTest : public InteropTest {};

TEST_P(TwistedHalfCloseTest, aWeftServerAnswersATwistedClientThatHalfClosed) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->halfCloseable = true;
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  TwistedPeer peer(*reactor, {"half-close-client", std::to_string(portOf(port->getHost())),
                              std::to_string(kRequestSize)});
  auto done = finishWhen(*reactor, peer, 1);
  server->setup = [&](Recorder& p) {
    auto& half = dynamic_cast<HalfCloseRecorder&>(p);
    half.onReadLost = [](HalfCloseRecorder& s) {
      s.transport->write(replyTo(s.received));
      s.transport->loseConnection();
    };
    half.onLost = [done](Recorder&, const Failure&) { done->arrive(); };
  };
  runScenario(*reactor, peer);
  static_cast<void>(port->stopListening());
  expectPeerOK(peer);
  EXPECT_EQ(resultField(peer.result(), "events"), "writeLost,data,readLost,lost");
  EXPECT_EQ(resultField(peer.result(), "reason"), "ConnectionDone");
  ASSERT_EQ(server->built.size(), 1u);
  EXPECT_EQ(server->last().received.size(), kRequestSize);
  EXPECT_EQ(server->last().events, (Events{"made", "data", "readLost", "lost"}));
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

TEST_P(TwistedHalfCloseTest, aTwistedServerAnswersAWeftClientThatHalfClosed) {
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  client->halfCloseable = true;
  const std::string request = interop::pattern(kRequestSize, 5);
  TwistedPeer peer(*reactor, {"half-close-server"});
  auto done = finishWhen(*reactor, peer, 1);
  client->setup = [&](Recorder& p) {
    auto& half = dynamic_cast<HalfCloseRecorder&>(p);
    half.onMade = [&](Recorder& s) {
      s.transport->write(request);
      s.tcp().loseWriteConnection();
    };
    half.onReadLost = [](HalfCloseRecorder& s) { s.transport->loseConnection(); };
    half.onLost = [done](Recorder&, const Failure&) { done->arrive(); };
  };
  connectWhenListening(*reactor, peer, client);
  runScenario(*reactor, peer);
  expectPeerOK(peer);
  EXPECT_EQ(resultField(peer.result(), "request"), std::to_string(kRequestSize));
  EXPECT_EQ(resultField(peer.result(), "events"), "data,readLost,lost");
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_EQ(interop::firstDifference(client->last().received, replyTo(request)), -1);
  EXPECT_EQ(client->last().events, (Events{"made", "writeLost", "data", "readLost", "lost"}));
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TwistedHalfCloseTest);

}  // namespace
}  // namespace weft
