// Bulk echo with Twisted as the peer, both ways, on every backend: 8 MiB of a pseudo-random
// pattern in writes of varied sizes.
#include "interop_fixture.h"

#include <algorithm>
#include <string>
#include <vector>

namespace weft {
namespace {

using conformance::CountingPullProducer;
using conformance::portOf;
using conformance::Recorder;
using conformance::RecorderFactory;
using interop::InteropTest;
using interop::resultField;
using interop::TwistedPeer;

constexpr std::size_t kSize = 8 * 1024 * 1024;

class TwistedEchoTest : public InteropTest {};

// A Twisted client writes 8 MiB through a pull producer (one write per empty buffer, of
// sizes from 1 byte to 1 MiB) to a weft echo server and compares what comes back.
TEST_P(TwistedEchoTest, aTwistedClientGetsEightMebibytesEchoedByAWeftServer) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  std::size_t echoed = 0;
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  TwistedPeer peer(*reactor, {"echo-client", std::to_string(portOf(port->getHost())),
                              std::to_string(kSize), "7"});
  auto done = finishWhen(*reactor, peer, 1);
  server->setup = [&](Recorder& p) {
    p.onData = [&](Recorder& s, std::string_view d) {
      echoed += d.size();
      s.received.clear();
      s.transport->write(d);
    };
    p.onLost = [done](Recorder&, const Failure&) { done->arrive(); };
  };
  runScenario(*reactor, peer);
  static_cast<void>(port->stopListening());
  expectPeerOK(peer);
  EXPECT_EQ(resultField(peer.result(), "received"), std::to_string(kSize));
  EXPECT_EQ(echoed, kSize);
  ASSERT_EQ(server->built.size(), 1u);
  EXPECT_TRUE(server->last().lost->check<error::ConnectionDone>());
}

// A weft client writes 8 MiB through a pull producer (chunks of varied sizes) to a Twisted
// echo server, checks the echo, and closes; the server exits when its connection is lost.
TEST_P(TwistedEchoTest, aWeftClientGetsEightMebibytesEchoedByATwistedServer) {
  auto reactor = buildReactor();
  auto client = std::make_shared<RecorderFactory>();
  const std::string payload = interop::pattern(kSize, 11);
  const std::vector<std::size_t> sizes{1, 3, 100, 1460, 4096, 65535, 65536, 300000, 1 << 20};
  auto producer = std::make_shared<CountingPullProducer>();
  std::size_t sent = 0;
  Recorder* proto = nullptr;
  producer->onResume = [&](CountingPullProducer& self) {
    std::size_t n = std::min(sizes[self.resumes % sizes.size()], kSize - sent);
    proto->transport->write(std::string_view(payload).substr(sent, n));
    sent += n;
    if (sent == kSize) proto->transport->unregisterProducer();
  };
  TwistedPeer peer(*reactor, {"echo-server"});
  auto done = finishWhen(*reactor, peer, 1);
  client->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& s) {
      proto = &s;
      s.transport->registerProducer(producer, false);
    };
    p.onData = [](Recorder& s, std::string_view) {
      if (s.received.size() >= kSize) s.transport->loseConnection();
    };
    p.onLost = [done](Recorder&, const Failure&) { done->arrive(); };
  };
  connectWhenListening(*reactor, peer, client);
  runScenario(*reactor, peer);
  expectPeerOK(peer);
  EXPECT_EQ(resultField(peer.result(), "echoed"), std::to_string(kSize));
  ASSERT_EQ(client->built.size(), 1u);
  EXPECT_EQ(sent, kSize);
  EXPECT_GT(producer->resumes, 20);
  EXPECT_EQ(interop::firstDifference(client->last().received, payload), -1);
  EXPECT_TRUE(client->last().lost->check<error::ConnectionDone>());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TwistedEchoTest);

}  // namespace
}  // namespace weft
