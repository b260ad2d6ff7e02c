// twisted.protocols.basic.LineReceiver talking to weft::protocols::LineReceiver, on every
// backend: many lines (empty to 1 KiB) answered in order, then one longer than MAX_LENGTH,
// which weft hands to lineLengthExceeded and answers by closing the connection.
#include "interop_fixture.h"

#include "weft/protocols/basic.h"

#include <memory>
#include <optional>
#include <string>

namespace weft {
namespace {

using conformance::portOf;
using interop::InteropTest;
using interop::resultField;
using interop::TwistedPeer;

constexpr int kLines = 2000;  // twisted_peer.py's lines: at most 1004 bytes
constexpr std::size_t kMaxLength = 1024;
constexpr std::size_t kLongLine = 4000;  // one loopback segment: read whole, so a FIN

// Answers each line with "ok <line>"; the default lineLengthExceeded loses the connection.
class OkServer : public protocols::LineReceiver {
 public:
  int lines = 0;
  int exceeded = 0;
  std::size_t exceededSize = 0;
  std::optional<Failure> lost;
  Function<void()> onLost;

  void lineReceived(std::string_view line) override {
    ++lines;
    sendLine("ok " + std::string(line));
  }
  void lineLengthExceeded(std::string_view line) override {
    ++exceeded;
    exceededSize = line.size();
    LineReceiver::lineLengthExceeded(line);
  }
  void connectionLost(const Failure& reason) override {
    LineReceiver::connectionLost(reason);
    lost = reason;
    if (onLost) onLost();
  }
};

class TwistedLineReceiverTest : public InteropTest {};

TEST_P(TwistedLineReceiverTest, aWeftLineReceiverAnswersTwistedsLinesAndDropsATooLongOne) {
  auto reactor = buildReactor();
  std::shared_ptr<OkServer> server;
  auto factory = std::make_shared<Factory>();
  auto port = reactor->listenTCP(0, factory, {.interface = "127.0.0.1"});
  TwistedPeer peer(*reactor, {"lines", std::to_string(portOf(port->getHost())),
                              std::to_string(kLines), std::to_string(kLongLine)});
  auto done = finishWhen(*reactor, peer, 1);
  factory->setProtocol([&, done]() -> std::shared_ptr<IProtocol> {
    server = std::make_shared<OkServer>();
    server->MAX_LENGTH = kMaxLength;
    server->onLost = [done] { done->arrive(); };
    return server;
  });
  runScenario(*reactor, peer);
  static_cast<void>(port->stopListening());
  expectPeerOK(peer);
  EXPECT_EQ(resultField(peer.result(), "answered"), std::to_string(kLines));
  EXPECT_EQ(resultField(peer.result(), "reason"), "ConnectionDone");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->lines, kLines);
  EXPECT_EQ(server->exceeded, 1);
  EXPECT_GT(server->exceededSize, kMaxLength);
  ASSERT_TRUE(server->lost.has_value());
  EXPECT_TRUE(server->lost->check<error::ConnectionDone>());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TwistedLineReceiverTest);

}  // namespace
}  // namespace weft
