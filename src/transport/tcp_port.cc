#include "transport/tcp_port.h"

#include "transport/log_prefix.h"
#include "transport/stream_connection.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace weft::tcp {
namespace {

constexpr Seconds kAcceptBackOff = std::chrono::milliseconds(50);

int openReserve() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

// The accept() errors Twisted's Port recovers from, by name (they are logged by name).
const char* transientAcceptError(int err) {
  switch (err) {
    case ENOBUFS:
      return "ENOBUFS";
    case ENOMEM:
      return "ENOMEM";
    default:
      return nullptr;
  }
}

}  // namespace

TCPPort::TCPPort(Reactor& reactor, LiveSet& live, int port,
                 std::shared_ptr<IProtocolFactory> factory, TCPListenOptions options)
    : reactor_(reactor),
      live_(live),
      port_(port),
      factory_(std::move(factory)),
      options_(std::move(options)) {}

TCPPort::TCPPort(Reactor& reactor, LiveSet& live, Adopted adopted,
                 std::shared_ptr<IProtocolFactory> factory)
    : reactor_(reactor),
      live_(live),
      port_(0),
      factory_(std::move(factory)),
      adoptedFd_(adopted.fd) {
  host_ = transport::localAddress(adopted.fd);
  if (host_) {
    port_ = transport::portOf(*host_);
    options_.interface = std::visit(
        [](const auto& a) -> std::string {
          if constexpr (requires { a.host; }) {
            return a.host;
          } else {
            return "";
          }
        },
        *host_);
  }
}

TCPPort::~TCPPort() {
  transport::closeFd(fd_);
  transport::closeFd(adoptedFd_);
  transport::closeFd(reserveFd_);
  if (backOffCall_ && backOffCall_->active()) backOffCall_->cancel();
}

int TCPPort::openSocket() {
  const std::string& iface = options_.interface;
  auto address = transport::parseIPLiteral(iface.empty() ? "0.0.0.0" : iface, port_);
  if (!address) throw error::CannotListenError(iface, port_, EINVAL);
  int fd = transport::makeStreamSocket(address->family());
  if (fd < 0) throw error::CannotListenError(iface, port_, errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, address->get(), address->length) != 0 ||
      ::listen(fd, std::max(options_.backlog, 1)) != 0) {
    int err = errno;
    transport::closeFd(fd);
    throw error::CannotListenError(iface, port_, err);
  }
  return fd;
}

void TCPPort::startListening() {
  if (fd_ >= 0) throw error::AlreadyListened();
  int fd = adoptedFd_ >= 0 ? std::exchange(adoptedFd_, -1) : openSocket();
  host_ = transport::localAddress(fd);
  log::info(transport::logPrefixOf(factory_.get(), "Factory") + " starting on " +
                std::to_string(realPort()),
            logPrefix());
  try {
    factory_->doStart();
  } catch (...) {
    transport::closeFd(fd);
    throw;
  }
  fd_ = fd;
  if (reserveFd_ < 0) reserveFd_ = openReserve();
  batch_ = kInitialBatch;
  reactor_.addReader(shared_from_this());
  live_.add(shared_from_this());
}

void TCPPort::closeSocket() {
  if (backOffCall_ && backOffCall_->active()) backOffCall_->cancel();
  backOffCall_ = nullptr;
  reactor_.removeReader(shared_from_this());
  transport::closeFd(fd_);
  fd_ = -1;
  transport::closeFd(reserveFd_);
  reserveFd_ = -1;
  live_.remove(this);
  log::info("(TCP Port " + std::to_string(realPort()) + " Closed)", logPrefix());
}

int TCPPort::realPort() const { return host_ ? transport::portOf(*host_) : port_; }

std::string TCPPort::repr() const {
  std::string factory = transport::logPrefixOf(factory_.get(), "Factory");
  if (fd_ < 0) return "<" + factory + " (not listening)>";
  return "<" + factory + " on " + std::to_string(realPort()) + ">";
}

void TCPPort::closeAtShutdown(const Failure& reason) { connectionLost(reason); }

void TCPPort::abandon() {
  if (backOffCall_ && backOffCall_->active()) backOffCall_->cancel();
  backOffCall_ = nullptr;
  if (fd_ >= 0) reactor_.removeReader(shared_from_this());
  transport::closeFd(fd_);
  fd_ = -1;
  transport::closeFd(reserveFd_);
  reserveFd_ = -1;
  live_.remove(this);
}

int TCPPort::acceptOne(sockaddr* peer, socklen_t* length, int flags) {
  if (accept_) return accept_(fd_, peer, length, flags);
  return ::accept4(fd_, peer, length, flags);
}

Deferred<void> TCPPort::stopListening() {
  if (fd_ < 0) return succeed();
  closeSocket();
  try {
    factory_->doStop();
  } catch (...) {
    return fail(Failure::current());
  }
  return succeed();
}

void TCPPort::connectionLost(const Failure&) {
  if (fd_ < 0) return;
  closeSocket();
  factory_->doStop();  // TCPL-10: an exception reaches the caller
}

Address TCPPort::getHost() const {
  if (host_) return *host_;
  return IPv4Address{"TCP", options_.interface, port_};
}

std::string TCPPort::logPrefix() const {
  return transport::logPrefixOf(factory_.get(), "Factory") + " (TCP)";
}

std::optional<Failure> TCPPort::doRead() {
  if (fd_ < 0) return std::nullopt;
  std::shared_ptr<TCPPort> self = shared_from_this();  // buildProtocol may stop the port
  log::SystemScope scope(
      this, [](const void* port) { return static_cast<const TCPPort*>(port)->logPrefix(); });
  int accepted = 0;
  bool failed = false;
  for (int i = 0; i < batch_ && fd_ >= 0; ++i) {
    transport::SocketAddress peer;
    peer.length = sizeof peer.storage;
    int fd = acceptOne(peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      ++accepted;
      this->accepted(fd, peer);
      continue;
    }
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    if (err == EINTR) continue;
    failed = true;
    // That peer only (it reset before we accepted it; netfilter refused it).
    if (err == ECONNABORTED || err == EPERM) continue;
    if (err == EMFILE || err == ENFILE) {
      int shed = shedWithReserve();
      if (shed > 0) continue;
      if (shed < 0) backOff();
      break;
    }
    // ENOBUFS, ENOMEM and anything unknown: the port survives; try again on the next event.
    if (const char* name = transientAcceptError(err)) {
      log::info(std::string("Could not accept new connection (") + name + ")", logPrefix());
    } else {
      log::error("Unexpected error from accept(): " + error::errnoMessage(err), logPrefix());
    }
    break;
  }
  if (failed) {
    batch_ = std::max(1, batch_ / 2);
  } else if (accepted == batch_) {
    batch_ = std::min(kMaxBatch, batch_ * 2);
  }
  return std::nullopt;
}

int TCPPort::shedWithReserve() {
  if (reserveFd_ < 0) reserveFd_ = openReserve();  // a descriptor may have been freed since
  if (reserveFd_ < 0) return -1;
  log::info("EMFILE encountered; releasing reserved file descriptor.", logPrefix());
  transport::closeFd(reserveFd_);
  int fd = acceptOne(nullptr, nullptr, SOCK_CLOEXEC);
  int err = errno;
  if (fd >= 0) transport::closeFd(fd);  // the peer sees its connection closed, not hanging
  reserveFd_ = openReserve();
  if (fd >= 0) return 1;
  return (err == EAGAIN || err == EWOULDBLOCK) ? 0 : -1;
}

void TCPPort::backOff() {
  if (backOffCall_ && backOffCall_->active()) return;
  std::shared_ptr<IReadDescriptor> self = shared_from_this();
  reactor_.removeReader(self);
  backOffCall_ = reactor_.callLater(kAcceptBackOff, [weak = weak_from_this()] {
    auto port = weak.lock();
    if (port && port->fd_ >= 0) port->reactor_.addReader(port);
  });
}

void TCPPort::accepted(int fd, const transport::SocketAddress& peer) {
  Address peerAddress = transport::toAddress(peer);
  std::shared_ptr<IProtocol> protocol;
  try {
    protocol = factory_->buildProtocol(peerAddress);
  } catch (...) {
    log::error("Unhandled error in buildProtocol:\n" + Failure::current().getTraceback(),
               logPrefix());
  }
  if (!protocol) {  // refused (TCPT-13): the client sees connectionMade then ConnectionDone
    transport::closeFd(fd);
    return;
  }
  auto connection = std::make_shared<StreamConnection>(
      reactor_, live_, fd, std::move(protocol), std::move(peerAddress), session_++, realPort());
  connection->start();
}

}  // namespace weft::tcp
