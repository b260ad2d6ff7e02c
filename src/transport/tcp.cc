#include "transport/tcp.h"

#include "transport/socket_util.h"
#include "transport/stream_connection.h"
#include "transport/tcp_connector.h"
#include "transport/tcp_port.h"

#include "weft/base/error.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

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

std::shared_ptr<IListeningPort> listen(Reactor& reactor, LiveSet& live, int port,
                                       std::shared_ptr<IProtocolFactory> factory,
                                       TCPListenOptions options) {
  auto p = std::make_shared<TCPPort>(reactor, live, port, std::move(factory), std::move(options));
  p->startListening();
  return p;
}

std::shared_ptr<IConnector> connect(Reactor& reactor, LiveSet& live, std::string host, int port,
                                    std::shared_ptr<ClientFactory> factory,
                                    TCPConnectOptions options) {
  auto c = std::make_shared<TCPConnector>(reactor, live, std::move(host), port, std::move(factory),
                                          std::move(options));
  c->connect();
  return c;
}

std::shared_ptr<IListeningPort> adoptStreamPort(Reactor& reactor, LiveSet& live, int fd,
                                                AddressFamily family,
                                                std::shared_ptr<IProtocolFactory> factory) {
  checkFamily(family);
  int copy = duplicate(fd);
  if (copy < 0) throw error::CannotListenError("", 0, errno);
  auto p = std::make_shared<TCPPort>(reactor, live, TCPPort::Adopted{copy}, std::move(factory));
  p->startListening();
  return p;
}

void adoptStreamConnection(Reactor& reactor, LiveSet& live, int fd, AddressFamily family,
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
  std::optional<Address> local = transport::localAddress(copy);
  int localPort = local ? transport::portOf(*local) : 0;
  auto connection = std::make_shared<StreamConnection>(reactor, live, copy, std::move(protocol),
                                                       std::move(peer), 0, localPort);
  connection->start();
}

}  // namespace weft::tcp
