// abortConnection with Twisted as the peer, on every backend: an abort is a reset, which
// the other side sees as ConnectionLost, never as a clean ConnectionDone.
#include "interop_fixture.h"

#include <string>

namespace weft {
namespace {

using conformance::portOf;
using conformance::Recorder;
using conformance::RecorderFactory;
using interop::InteropTest;
using interop::resultField;
using interop::TwistedPeer;

class TwistedAbortTest : public InteropTest {};

// weft aborts once it has read everything the peer sent, so only the abort (SO_LINGER 0)
// can turn the close into a reset: a plain close() would send a FIN.
TEST_P(TwistedAbortTest, aTwistedClientSeesConnectionLostWhenAWeftServerAborts) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  TwistedPeer peer(*reactor, {"expect-reset", std::to_string(portOf(port->getHost()))});
  auto done = finishWhen(*reactor, peer, 1);
  server->setup = [&](Recorder& p) {
    p.onData = [](Recorder& s, std::string_view) {
      if (s.received == "abort me") s.tcp().abortConnection();
    };
    p.onLost = [done](Recorder&, const Failure&) { done->arrive(); };
  };
  runScenario(*reactor, peer);
  static_cast<void>(port->stopListening());
  expectPeerOK(peer);
  EXPECT_EQ(resultField(peer.result(), "reason"), "ConnectionLost");
  ASSERT_EQ(server->built.size(), 1u);
  EXPECT_EQ(server->last().lost->typeName(), "weft::error::ConnectionAborted");
}

TEST_P(TwistedAbortTest, aWeftClientSeesConnectionLostWhenATwistedServerAborts) {
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  TwistedPeer peer(*reactor, {"abort-server"});
  auto done = finishWhen(*reactor, peer, 1);
  client->setup = [&](Recorder& p) {
    p.onMade = [](Recorder& s) { s.transport->write("abort me"); };
    p.onLost = [done](Recorder&, const Failure&) { done->arrive(); };
  };
  connectWhenListening(*reactor, peer, client);
  runScenario(*reactor, peer);
  expectPeerOK(peer);
  EXPECT_EQ(resultField(peer.result(), "reason"), "ConnectionAborted");
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_EQ(client->last().lost->typeName(), "weft::error::ConnectionLost");
  ASSERT_TRUE(client->lostReason.has_value());
  EXPECT_EQ(client->lostReason->typeName(), "weft::error::ConnectionLost");
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TwistedAbortTest);

}  // namespace
}  // namespace weft
