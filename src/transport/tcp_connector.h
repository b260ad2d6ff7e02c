// TCPConnector: an outgoing TCP connection and its client factory (Twisted's
// tcp.Connector / base.BaseConnector). connect() calls factory->doStart() (once per run of
// attempts) and startedConnecting(connector); the attempt itself starts from the loop (a
// zero-delay call): resolve the host when it is not an IP literal, bind when asked, then a
// non-blocking connect whose completion the reactor reports as writability. Success hands
// the socket to a StreamConnection; failure, timeout and stopConnecting() end in
// factory->clientConnectionFailed(connector, reason), a lost connection in
// clientConnectionLost (after the protocol's connectionLost). The factory gets doStop() when
// the attempt or connection is over and the factory did not call connect() again.
//
// Thread affinity: the reactor thread only.
#pragma once

#include "transport/live_set.h"

#include "weft/internet/protocol.h"
#include "weft/internet/reactor.h"
#include "weft/internet/transport.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace weft::tcp {

class ConnectAttempt;
class StreamConnection;

class TCPConnector final : public IConnector, public std::enable_shared_from_this<TCPConnector> {
 public:
  enum class State : std::uint8_t { kDisconnected, kConnecting, kConnected };

  TCPConnector(Reactor& reactor, LiveSet& live, std::string host, int port,
               std::shared_ptr<ClientFactory> factory, TCPConnectOptions options = {});
  ~TCPConnector() override;
  TCPConnector(const TCPConnector&) = delete;
  TCPConnector& operator=(const TCPConnector&) = delete;

  // IConnector. connect() throws error::RuntimeError unless disconnected.
  void stopConnecting() override;
  void disconnect() override;
  void connect() override;
  Address getDestination() const override;

  State state() const noexcept { return state_; }

 private:
  friend class ConnectAttempt;
  // From the attempt, on the reactor thread.
  void attemptFailed(const Failure& reason);
  void attemptSucceeded(int fd);
  void connectionLost(const Failure& reason);
  void cancelTimeout();

  Reactor& reactor_;
  LiveSet& live_;
  std::string host_;
  int port_;
  std::shared_ptr<ClientFactory> factory_;
  TCPConnectOptions options_;
  State state_ = State::kDisconnected;
  bool factoryStarted_ = false;
  std::shared_ptr<ConnectAttempt> attempt_;
  std::weak_ptr<StreamConnection> connection_;  // owned by the reactor and its protocol
  DelayedCallPtr timeoutCall_;
};

}  // namespace weft::tcp
