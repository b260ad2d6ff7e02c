#include "transport/tcp.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "transport/socket_util.h"
#include "transport/stream_connection.h"
#include "transport/tcp_connector.h"
#include "transport/tcp_port.h"
#include "weft/base/error.h"

namespace weft::tcp {
namespace {

void checkFamily(AddressFamily family) {
  if (family != AddressFamily::kINET && family != AddressFamily::kINET6) {
    throw error::UnsupportedAddressFamily("TCP adoption needs AF_INET or AF_INET6");
  }
}

// A non-blocking close-on-exec duplicate of fd; -1 with errno on failure.
int duplicate(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy >= 0 && !transport::setNonBlocking(copy)) {
    int err = errno;
    ::close(copy);
    errno = err;
    return -1;
  }
  return copy;
}

}  // namespace

std::shared_ptr<IListeningPort> listen(Reactor& reactor, int port,
                                       std::shared_ptr<IProtocolFactory> factory,
                                       TCPListenOptions options) {
  auto p = std::make_shared<TCPPort>(reactor, port, std::move(factory), std::move(options));
  p->startListening();
  return p;
}

std::shared_ptr<IConnector> connect(Reactor& reactor, std::string host, int port,
                                    std::shared_ptr<ClientFactory> factory,
                                    TCPConnectOptions options) {
  auto c = std::make_shared<TCPConnector>(reactor, std::move(host), port, std::move(factory),
                                          std::move(options));
  c->connect();
  return c;
}

std::shared_ptr<IListeningPort> adoptStreamPort(Reactor& reactor, int fd, AddressFamily family,
                                                std::shared_ptr<IProtocolFactory> factory) {
  checkFamily(family);
  int copy = duplicate(fd);
  if (copy < 0) throw error::CannotListenError("", 0, errno);
  auto p = std::make_shared<TCPPort>(reactor, TCPPort::Adopted{copy}, std::move(factory));
  p->startListening();
  return p;
}

void adoptStreamConnection(Reactor& reactor, int fd, AddressFamily family,
                           std::shared_ptr<IProtocolFactory> factory) {
  checkFamily(family);
  int copy = duplicate(fd);
  if (copy < 0) throw error::Error("adoptStreamConnection: " + error::errnoMessage(errno));
  Address peer = transport::peerAddress(copy).value_or(Address{});
  std::shared_ptr<IProtocol> protocol = factory->buildProtocol(peer);
  if (!protocol) {
    transport::closeFd(copy);
    return;
  }
  auto connection = std::make_shared<StreamConnection>(reactor, copy, std::move(protocol),
                                                       std::move(peer), 0);
  connection->start();
}

}  // namespace weft::tcp
