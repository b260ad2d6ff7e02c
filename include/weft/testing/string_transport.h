// StringTransport and StringTransportWithDisconnection (twisted.internet.testing): in-memory
// transports that record what a protocol does to them, for driving a protocol synchronously
// in unit tests:
//
//   auto transport = std::make_shared<testing::StringTransport>();
//   auto proto = std::make_shared<MyProtocol>();
//   proto->makeConnection(transport);
//   proto->dataReceived("hello\r\n");
//   EXPECT_EQ(transport->value(), "HELLO\r\n");
#pragma once

#include "weft/internet/address.h"
#include "weft/internet/transport.h"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::testing {

// The state of a StringTransport in its role of IPushProducer (Twisted's producerState).
enum class ProducerState { kProducing, kPaused, kStopped };
// "producing", "paused" or "stopped".
std::string_view toString(ProducerState state);

// Records writes, producer registration, pause/resume/stop and loseConnection, and does
// nothing else: loseConnection only sets disconnecting(), connectionLost is never called.
// Thread affinity: one thread (the test's).
class StringTransport : public ITCPTransport {
 public:
  // Twisted's defaults: host IPv4Address('TCP', '10.0.0.1', 12345), peer
  // IPv4Address('TCP', '192.168.1.1', 54321). With lenient, pause/resume after
  // loseConnection are allowed.
  StringTransport();
  explicit StringTransport(Address hostAddress, Address peerAddress, bool lenient = false);

  // --- for tests ---------------------------------------------------------------------------
  // Everything written since the last clear().
  std::string value() const { return buffer_; }
  // Forgets what has been written (value() and writes()).
  void clear();
  // Each write (and each writeSequence, joined) since the last clear(), in order.
  const std::vector<std::string>& writes() const { return writes_; }
  // True once abortConnection() has been called (Twisted's `disconnected`).
  bool disconnected() const { return disconnected_; }
  // True once loseWriteConnection() has been called.
  bool writeConnectionLost() const { return writeConnectionLost_; }
  const std::shared_ptr<IProducer>& producer() const { return producer_; }
  // The `streaming` flag of the registered producer (false when none).
  bool streaming() const { return streaming_; }
  ProducerState producerState() const { return producerState_; }

  Address hostAddress;
  Address peerAddress;
  // Twisted's `connected`: true until a StringTransportWithDisconnection disconnects.
  bool connected = true;

  // --- ITransport / ITCPTransport ----------------------------------------------------------
  void write(std::string_view data) override;
  void writeSequence(std::span<const std::string_view> data) override;
  // Sets disconnecting(); nothing else.
  void loseConnection() override;
  // Sets disconnected() and disconnecting().
  void abortConnection() override;
  void loseWriteConnection() override { writeConnectionLost_ = true; }
  Address getPeer() const override { return peerAddress; }
  Address getHost() const override { return hostAddress; }
  bool disconnecting() const override { return disconnecting_; }
  bool getTcpNoDelay() const override { return tcpNoDelay_; }
  void setTcpNoDelay(bool enabled) override { tcpNoDelay_ = enabled; }
  bool getTcpKeepAlive() const override { return tcpKeepAlive_; }
  void setTcpKeepAlive(bool enabled) override { tcpKeepAlive_ = enabled; }

  // --- IConsumer: records only (a pull producer is not resumed) ----------------------------
  // Throws error::RuntimeError when a producer is already registered.
  void registerProducer(std::shared_ptr<IProducer> producer, bool streaming) override;
  // Throws error::RuntimeError when none is registered.
  void unregisterProducer() override;

  // --- IPushProducer -------------------------------------------------------------------------
  // pause/resume throw error::RuntimeError after loseConnection() (unless lenient) or once
  // stopped.
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override { producerState_ = ProducerState::kStopped; }

 private:
  void checkState() const;

  std::string buffer_;
  std::vector<std::string> writes_;
  std::shared_ptr<IProducer> producer_;
  bool streaming_ = false;
  ProducerState producerState_ = ProducerState::kProducing;
  bool disconnecting_ = false;
  bool disconnected_ = false;
  bool writeConnectionLost_ = false;
  bool lenient_ = false;
  bool tcpNoDelay_ = false;
  bool tcpKeepAlive_ = false;
};

// A StringTransport whose loseConnection() calls protocol->connectionLost(ConnectionDone)
// at once, the first time (a real transport would do it later, from the reactor). The
// protocol is held weakly: the protocol owns its transport, not the other way round.
class StringTransportWithDisconnection : public StringTransport {
 public:
  using StringTransport::StringTransport;

  std::weak_ptr<IProtocol> protocol;

  void loseConnection() override;
};

}  // namespace weft::testing
