// TCPReactorBase: ReactorBase plus IReactorTCP and IReactorSocket, implemented with the
// transport module's free functions (transport/tcp.h). The concrete PosixReactor derives
// from it.
//
// It owns the transport's LiveSet: every live TCP connection and listening port. Right after
// the reactor's own disconnectAll ('during shutdown', which reaches only what is registered
// for I/O), whatever is still in the set (paused connections with nothing to write, ports
// backing off after EMFILE) gets connectionLost too. A reactor destroyed without shutting
// down abandons what is left: sockets closed, protocols released, no callbacks.
//
// Thread affinity: the reactor thread only.
#pragma once

#include "reactor/reactor_base.h"
#include "transport/live_set.h"

#include "weft/internet/protocol.h"
#include "weft/internet/transport.h"

#include <memory>
#include <string>

namespace weft {

class TCPReactorBase : public ReactorBase {
 public:
  explicit TCPReactorBase(ReactorBaseOptions options);
  ~TCPReactorBase() override;

  // IReactorTCP
  using ReactorBase::connectTCP;  // the service-name overloads
  using ReactorBase::listenTCP;
  std::shared_ptr<IListeningPort> listenTCP(int port, std::shared_ptr<IProtocolFactory> factory,
                                            TCPListenOptions options = {}) override;
  std::shared_ptr<IConnector> connectTCP(std::string host, int port,
                                         std::shared_ptr<ClientFactory> factory,
                                         TCPConnectOptions options = {}) override;

  // IReactorSocket
  std::shared_ptr<IListeningPort> adoptStreamPort(
      int fd, AddressFamily family, std::shared_ptr<IProtocolFactory> factory) override;
  void adoptStreamConnection(int fd, AddressFamily family,
                             std::shared_ptr<IProtocolFactory> factory) override;

  // Live TCP connections and ports (for tests and diagnostics).
  std::size_t liveTCPCount() const { return live_.size(); }

 private:
  tcp::LiveSet live_;
};

}  // namespace weft
