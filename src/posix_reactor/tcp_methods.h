// TCPReactorBase: ReactorBase plus IReactorTCP and IReactorSocket, implemented with the
// transport module's free functions (transport/tcp.h). The concrete PosixReactor derives
// from it. Thread affinity: the reactor thread only.
#pragma once

#include <memory>
#include <string>

#include "reactor/reactor_base.h"
#include "weft/internet/protocol.h"
#include "weft/internet/transport.h"

namespace weft {

class TCPReactorBase : public ReactorBase {
 public:
  using ReactorBase::ReactorBase;

  // IReactorTCP
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
};

}  // namespace weft
