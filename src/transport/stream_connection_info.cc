// StreamConnection: descriptor registration, socket options, names (logPrefix, repr) and the
// LiveSet's abandon(). The I/O and close paths are in stream_connection.cc.
#include "transport/log_prefix.h"
#include "transport/socket_util.h"
#include "transport/stream_connection.h"

#include <cstdio>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <variant>

namespace weft::tcp {
namespace {

bool getBoolOption(int fd, int level, int name) {
  int value = 0;
  socklen_t length = sizeof value;
  if (fd < 0 || ::getsockopt(fd, level, name, &value, &length) != 0) return false;
  return value != 0;
}

void setBoolOption(int fd, int level, int name, bool enabled) {
  int value = enabled ? 1 : 0;
  if (fd >= 0) ::setsockopt(fd, level, name, &value, sizeof value);
}

std::string hostOf(const Address& address) {
  return std::visit(
      [](const auto& a) -> std::string {
        if constexpr (requires { a.host; }) {
          return a.host;
        } else {
          return "";
        }
      },
      address);
}

}  // namespace

// --- registration and options -----------------------------------------------------------------

void StreamConnection::startReading() {
  if (reading_ || fd_ < 0) return;
  reading_ = true;
  reactor_.addReader(shared_from_this());
}

void StreamConnection::stopReading() {
  if (!reading_) return;
  reading_ = false;
  reactor_.removeReader(shared_from_this());
}

void StreamConnection::startWriting() {
  if (writing_ || fd_ < 0) return;
  writing_ = true;
  reactor_.addWriter(shared_from_this());
}

void StreamConnection::stopWriting() {
  if (!writing_) return;
  writing_ = false;
  reactor_.removeWriter(shared_from_this());
}

std::string StreamConnection::logPrefix() const {
  if (!logPrefix_.empty()) return logPrefix_;
  const auto* context = dynamic_cast<const ILoggingContext*>(protocol_.get());
  if (context == nullptr) return "-";  // no protocol (any more) to name
  std::string prefix = context->logPrefix();
  if (session_ < 0) {
    prefix += ",client";
  } else {
    prefix += "," + std::to_string(session_) + "," + hostOf(peer_);
  }
  logPrefix_ = std::move(prefix);
  return logPrefix_;
}

std::string StreamConnection::repr() const {
  std::string name = transport::className(*protocolType_);
  if (session_ >= 0) {
    return "<" + name + " #" + std::to_string(session_) + " on " + std::to_string(serverPort_) +
           ">";
  }
  char at[32];
  std::snprintf(at, sizeof at, "%p", static_cast<const void*>(this));
  return "<" + name + " to ('" + hostOf(peer_) + "', " + std::to_string(transport::portOf(peer_)) +
         ") at " + at + ">";
}

void StreamConnection::abandon() {
  // The reactor is going away without a shutdown: no callbacks, just let go of everything.
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  std::shared_ptr<StreamConnection> self = shared_from_this();
  stopReading();
  stopWriting();
  transport::closeFd(fd_);
  fd_ = -1;
  buffer_.clear();
  pendingLoss_.reset();
  pushProducer_ = nullptr;
  pullProducer_ = nullptr;
  halfCloseable_ = nullptr;
  closeHook_ = nullptr;
  std::shared_ptr<IProducer> producer = std::move(producer_);
  std::shared_ptr<IProtocol> protocol = std::move(protocol_);
  live_.remove(this);
}

Address StreamConnection::getHost() const {
  if (!host_ && fd_ >= 0) host_ = transport::localAddress(fd_);
  return host_ ? *host_ : Address{};
}

bool StreamConnection::getTcpNoDelay() const {
  return getBoolOption(fd_, IPPROTO_TCP, TCP_NODELAY);
}
void StreamConnection::setTcpNoDelay(bool enabled) {
  setBoolOption(fd_, IPPROTO_TCP, TCP_NODELAY, enabled);
}
bool StreamConnection::getTcpKeepAlive() const {
  return getBoolOption(fd_, SOL_SOCKET, SO_KEEPALIVE);
}
void StreamConnection::setTcpKeepAlive(bool enabled) {
  setBoolOption(fd_, SOL_SOCKET, SO_KEEPALIVE, enabled);
}

}  // namespace weft::tcp
