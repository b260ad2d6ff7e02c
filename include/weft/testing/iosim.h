// iosim (twisted.test.iosim): two protocols joined by in-memory transports, and an IOPump
// that moves bytes between them only when the test says so.
//
//   auto [client, server, pump] = testing::connectedServerAndClient<EchoServer, Client>();
//   client->transport->write("ping");
//   pump.flush();  // delivers "ping", then the echo, until nothing moves
#pragma once

#include "weft/internet/address.h"
#include "weft/internet/protocol.h"
#include "weft/internet/transport.h"

#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace weft::testing {

// One end of an in-memory connection. Writes are buffered until an IOPump moves them to the
// peer. Like TCP: writes after loseConnection() are still delivered, a close waits until the
// registered producer has unregistered, abortConnection() drops what is buffered, and
// pauseProducing() (the protocol asking its transport to stop reading) holds incoming bytes
// until resumeProducing(). A pull producer is resumed at registration and on every pump; a
// producer registered on a closed transport is stopped instead. Holds its protocol weakly
// (the pump holds it). Thread affinity: one thread (the test's).
class FakeTransport : public ITCPTransport {
 public:
  FakeTransport(std::weak_ptr<IProtocol> protocol, bool isServer, Address hostAddress,
                Address peerAddress);

  // --- ITransport / ITCPTransport ----------------------------------------------------------
  void write(std::string_view data) override;
  void writeSequence(std::span<const std::string_view> data) override;
  void loseConnection() override { disconnecting_ = true; }
  void abortConnection() override;
  // Recorded only (see writeConnectionLost()); the peer is not told.
  void loseWriteConnection() override { writeConnectionLost_ = true; }
  Address getPeer() const override { return peerAddress_; }
  Address getHost() const override { return hostAddress_; }
  bool disconnecting() const override { return disconnecting_; }
  bool getTcpNoDelay() const override { return tcpNoDelay_; }
  void setTcpNoDelay(bool enabled) override { tcpNoDelay_ = enabled; }
  bool getTcpKeepAlive() const override { return tcpKeepAlive_; }
  void setTcpKeepAlive(bool enabled) override { tcpKeepAlive_ = enabled; }

  // --- IConsumer -------------------------------------------------------------------------------
  // Throws error::RuntimeError when a producer is already registered.
  void registerProducer(std::shared_ptr<IProducer> producer, bool streaming) override;
  void unregisterProducer() override;

  // --- IPushProducer (reading) -----------------------------------------------------------------
  void pauseProducing() override { readPaused_ = true; }
  void resumeProducing() override { readPaused_ = false; }
  // Twisted's FakeTransport: stopping the reads loses the connection.
  void stopProducing() override { loseConnection(); }

  // --- for tests and the pump ------------------------------------------------------------------
  bool isServer() const { return isServer_; }
  // True once the connection has been reported lost to this side's protocol.
  bool disconnected() const { return disconnected_; }
  bool aborted() const { return aborted_; }
  bool readPaused() const { return readPaused_; }
  bool writeConnectionLost() const { return writeConnectionLost_; }
  const std::shared_ptr<IProducer>& producer() const { return producer_; }
  bool streamingProducer() const { return streaming_; }
  // Takes what the protocol has written and the pump has not moved yet.
  std::string takeOutBuffer();
  // Bytes written and not yet moved.
  std::size_t outBufferSize() const { return outBuffer_.size(); }
  // Queues bytes from the peer; they reach the protocol on deliver().
  void bufferReceived(std::string_view data) { inBuffer_.append(data); }
  // Bytes received and not yet delivered (held while readPaused()).
  std::size_t inBufferSize() const { return inBuffer_.size(); }
  // Hands queued bytes to the protocol unless reads are paused; true if any were delivered.
  bool deliver();
  // Resumes a registered pull producer (the pump calls it every step).
  void checkProducer();
  // Marks the connection lost and calls stopProducing on a producer, then
  // protocol->connectionLost(reason). Does nothing the second time.
  void reportDisconnect(const Failure& reason);

 private:
  std::weak_ptr<IProtocol> protocol_;
  bool isServer_;
  Address hostAddress_;
  Address peerAddress_;
  std::string outBuffer_;
  std::string inBuffer_;
  std::shared_ptr<IProducer> producer_;
  bool streaming_ = false;
  bool disconnecting_ = false;
  bool disconnected_ = false;
  bool aborted_ = false;
  bool readPaused_ = false;
  bool writeConnectionLost_ = false;
  bool tcpNoDelay_ = false;
  bool tcpKeepAlive_ = false;
};

// Moves bytes between a client and a server. pump() is one step (Twisted's IOPump.pump);
// flush() pumps until nothing moves. Holds both protocols and both transports.
class IOPump {
 public:
  IOPump(std::shared_ptr<IProtocol> client, std::shared_ptr<IProtocol> server,
         std::shared_ptr<FakeTransport> clientIO, std::shared_ptr<FakeTransport> serverIO);

  // One step: resumes pull producers, moves each side's output to the other side and
  // delivers what is not held by a paused reader. When nothing moved and one side has asked
  // to close (and has no producer registered), reports the loss to both protocols (peer
  // first): ConnectionDone, or ConnectionAborted/ConnectionLost after abortConnection().
  // Returns true if anything happened.
  bool pump();
  // Pumps until a step does nothing; returns true if any step did something. Throws
  // error::RuntimeError after 1000 steps (a protocol pair that never goes quiet).
  bool flush();

  const std::shared_ptr<IProtocol>& client() const { return client_; }
  const std::shared_ptr<IProtocol>& server() const { return server_; }
  const std::shared_ptr<FakeTransport>& clientIO() const { return clientIO_; }
  const std::shared_ptr<FakeTransport>& serverIO() const { return serverIO_; }

 private:
  bool closeIfAsked(FakeTransport& closing, FakeTransport& peer);

  std::shared_ptr<IProtocol> client_;
  std::shared_ptr<IProtocol> server_;
  std::shared_ptr<FakeTransport> clientIO_;
  std::shared_ptr<FakeTransport> serverIO_;
};

// The addresses connectedServerAndClient gives the two ends: the server listens on
// kServerAddress (its getHost(), the client's getPeer()) and the client comes from
// kClientAddress.
inline const IPv4Address kServerAddress{"TCP", "127.0.0.1", 8080};
inline const IPv4Address kClientAddress{"TCP", "127.0.0.1", 54321};

struct ConnectOptions {
  // Flush once after connecting, so that greetings sent from connectionMade arrive.
  bool greet = true;
};

template <class C, class S>
struct Connected {
  std::shared_ptr<C> client;
  std::shared_ptr<S> server;
  IOPump pump;
};

// Connects two existing protocols: makeConnection on the server, then the client.
Connected<IProtocol, IProtocol> connect(std::shared_ptr<IProtocol> server,
                                        std::shared_ptr<IProtocol> client,
                                        ConnectOptions options = {});

// Builds the protocols with the factories (server: buildProtocol(client address); client:
// buildProtocol(server address)) and connects them. Throws error::RuntimeError if a factory
// returns nullptr.
Connected<IProtocol, IProtocol> connectedServerAndClient(
    const std::shared_ptr<IProtocolFactory>& serverFactory,
    const std::shared_ptr<IProtocolFactory>& clientFactory, ConnectOptions options = {});

// Twisted's connectedServerAndClient(ServerClass, ClientClass): default-constructs both.
// Returns {client, server, pump}.
template <std::derived_from<IProtocol> S, std::derived_from<IProtocol> C>
Connected<C, S> connectedServerAndClient(ConnectOptions options = {}) {
  auto server = std::make_shared<S>();
  auto client = std::make_shared<C>();
  auto joined = connect(server, client, options);
  return Connected<C, S>{std::move(client), std::move(server), std::move(joined.pump)};
}

}  // namespace weft::testing
