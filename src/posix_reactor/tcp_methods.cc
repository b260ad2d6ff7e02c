#include "posix_reactor/tcp_methods.h"

#include "transport/tcp.h"

#include "weft/base/error.h"

namespace weft {

TCPReactorBase::TCPReactorBase(ReactorBaseOptions options) : ReactorBase(std::move(options)) {
  // Added after ReactorBase's own 'during shutdown' triggers, so it runs after disconnectAll.
  addSystemEventTrigger("during", "shutdown",
                        [this] { live_.closeAll(Failure(error::ConnectionLost())); });
}

TCPReactorBase::~TCPReactorBase() { live_.abandonAll(); }

std::shared_ptr<IListeningPort> TCPReactorBase::listenTCP(int port,
                                                          std::shared_ptr<IProtocolFactory> factory,
                                                          TCPListenOptions options) {
  return tcp::listen(*this, live_, port, std::move(factory), std::move(options));
}

std::shared_ptr<IConnector> TCPReactorBase::connectTCP(std::string host, int port,
                                                       std::shared_ptr<ClientFactory> factory,
                                                       TCPConnectOptions options) {
  return tcp::connect(*this, live_, std::move(host), port, std::move(factory), std::move(options));
}

std::shared_ptr<IListeningPort> TCPReactorBase::adoptStreamPort(
    int fd, AddressFamily family, std::shared_ptr<IProtocolFactory> factory) {
  return tcp::adoptStreamPort(*this, live_, fd, family, std::move(factory));
}

void TCPReactorBase::adoptStreamConnection(int fd, AddressFamily family,
                                           std::shared_ptr<IProtocolFactory> factory) {
  tcp::adoptStreamConnection(*this, live_, fd, family, std::move(factory));
}

}  // namespace weft
