#include "posix_reactor/tcp_methods.h"

#include "transport/tcp.h"

namespace weft {

std::shared_ptr<IListeningPort> TCPReactorBase::listenTCP(int port,
                                                          std::shared_ptr<IProtocolFactory> factory,
                                                          TCPListenOptions options) {
  return tcp::listen(*this, port, std::move(factory), std::move(options));
}

std::shared_ptr<IConnector> TCPReactorBase::connectTCP(std::string host, int port,
                                                       std::shared_ptr<ClientFactory> factory,
                                                       TCPConnectOptions options) {
  return tcp::connect(*this, std::move(host), port, std::move(factory), std::move(options));
}

std::shared_ptr<IListeningPort> TCPReactorBase::adoptStreamPort(
    int fd, AddressFamily family, std::shared_ptr<IProtocolFactory> factory) {
  return tcp::adoptStreamPort(*this, fd, family, std::move(factory));
}

void TCPReactorBase::adoptStreamConnection(int fd, AddressFamily family,
                                           std::shared_ptr<IProtocolFactory> factory) {
  tcp::adoptStreamConnection(*this, fd, family, std::move(factory));
}

}  // namespace weft
