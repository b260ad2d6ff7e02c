#include "transport/stream_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <variant>

#include "transport/socket_util.h"
#include "weft/base/error.h"
#include "weft/base/log.h"

namespace weft::tcp {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;
// A write at least this large, made while nothing is queued, goes to the socket at once
// instead of being copied into the buffer first.
constexpr std::size_t kDirectSendThreshold = 32 * 1024;
constexpr int kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;

// One read buffer per reactor thread: dataReceived's view points into it.
char* readBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadSize]);
  return buffer.get();
}

// sendmsg(MSG_NOSIGNAL) is writev that cannot raise SIGPIPE.
ssize_t sendIov(int fd, iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<std::size_t>(count);
  ssize_t n;
  do {
    n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

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

}  // namespace

StreamConnection::StreamConnection(Reactor& reactor, int fd, std::shared_ptr<IProtocol> protocol,
                                   Address peer, int session)
    : reactor_(reactor),
      fd_(fd),
      protocol_(std::move(protocol)),
      halfCloseable_(dynamic_cast<IHalfCloseableProtocol*>(protocol_.get())),
      peer_(std::move(peer)),
      session_(session) {}

StreamConnection::~StreamConnection() { transport::closeFd(fd_); }

void StreamConnection::start() {
  try {
    protocol_->makeConnection(shared_from_this());
  } catch (...) {
    failWithCurrentException("connectionMade");
    return;
  }
  if (state_ == State::kConnected && !readPaused_ && !readClosed_) startReading();
}

// --- writing ----------------------------------------------------------------------------------

void StreamConnection::write(std::string_view data) {
  if (!canWrite() || data.empty() || pendingLoss_) return;
  if (buffer_.empty() && !writing_ && data.size() >= kDirectSendThreshold) {
    std::string_view one[1] = {data};
    long sent = sendNow(one);
    if (sent < 0) return;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  buffer_.append(data);
  maybePauseProducer();
  if (!writing_) requestSettle();
}

void StreamConnection::writeSequence(std::span<const std::string_view> data) {
  if (!canWrite() || pendingLoss_) return;
  std::size_t total = 0;
  for (std::string_view v : data) total += v.size();
  if (total == 0) return;
  std::size_t skip = 0;
  if (buffer_.empty() && !writing_ && total >= kDirectSendThreshold) {
    long sent = sendNow(data);
    if (sent < 0) return;
    skip = static_cast<std::size_t>(sent);
  }
  for (std::string_view v : data) {
    if (skip >= v.size()) {
      skip -= v.size();
      continue;
    }
    v.remove_prefix(skip);
    skip = 0;
    buffer_.append(v);
  }
  maybePauseProducer();
  if (!writing_) requestSettle();
}

long StreamConnection::sendNow(std::span<const std::string_view> data) {
  iovec iov[kMaxIov];
  long total = 0;
  std::size_t i = 0;
  while (i < data.size()) {
    int count = 0;
    std::size_t batchBytes = 0;
    for (; i < data.size() && count < kMaxIov; ++i) {
      if (data[i].empty()) continue;
      iov[count].iov_base = const_cast<char*>(data[i].data());
      iov[count].iov_len = data[i].size();
      batchBytes += data[i].size();
      ++count;
    }
    if (count == 0) break;
    ssize_t n = sendIov(fd_, iov, count);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      noteSendError(errno);
      return -1;
    }
    total += n;
    if (static_cast<std::size_t>(n) < batchBytes) break;  // the kernel buffer is full
  }
  return total;
}

bool StreamConnection::flushOnce() {
  iovec iov[kMaxIov];
  int count = buffer_.gather(iov, kMaxIov);
  if (count == 0) return true;
  ssize_t n = sendIov(fd_, iov, count);
  if (n >= 0) {
    buffer_.consume(static_cast<std::size_t>(n));
    return true;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
  finishClose(Failure(error::ConnectionLost(error::errnoMessage(errno))));
  return false;
}

void StreamConnection::noteSendError(int err) {
  // Not closed here: write() may run inside a protocol callback. settle() closes.
  pendingLoss_ = Failure(error::ConnectionLost(error::errnoMessage(err)));
  buffer_.clear();
  requestSettle();
}

void StreamConnection::requestSettle() {
  if (settleScheduled_ || state_ == State::kClosed) return;
  settleScheduled_ = true;
  reactor_.callBeforeWait([self = shared_from_this()] { self->settle(); });
}

void StreamConnection::settle() {
  settleScheduled_ = false;
  if (state_ == State::kClosed) return;
  if (state_ == State::kAborting) {
    finishClose(Failure(error::ConnectionAborted()));
    return;
  }
  if (pendingLoss_) {
    Failure reason = *pendingLoss_;
    finishClose(reason);
    return;
  }
  if (writing_) return;  // the socket was full: doWrite carries on when it drains
  if (!buffer_.empty() && !flushOnce()) return;
  if (buffer_.empty()) {
    onDrained();
  } else {
    startWriting();
  }
}

std::optional<Failure> StreamConnection::doWrite() {
  if (state_ == State::kClosed) return std::nullopt;
  if (state_ == State::kAborting || pendingLoss_) {
    stopWriting();
    requestSettle();
    return std::nullopt;
  }
  if (!flushOnce()) return std::nullopt;
  if (buffer_.empty()) {
    stopWriting();
    onDrained();
  }
  return std::nullopt;
}

void StreamConnection::onDrained() {
  if (producer_ && (!streaming_ || producerPaused_)) {
    producerPaused_ = false;
    std::shared_ptr<IProducer> keep = producer_;  // it may unregister itself meanwhile
    try {
      if (!streaming_ && pullProducer_ != nullptr) {
        pullProducer_->resumeProducing();
      } else {
        pushProducer_->resumeProducing();
      }
    } catch (...) {
      failWithCurrentException("resumeProducing");
      return;
    }
    if (state_ != State::kConnected && state_ != State::kDisconnecting) return;
    if (!buffer_.empty() || pendingLoss_) return;  // its writes scheduled another settle
  }
  if (producer_) return;  // a close or half-close waits for the producer to unregister
  if (state_ == State::kDisconnecting) {
    finishClose(Failure(error::ConnectionDone()));
  } else if (writeState_ == WriteState::kShutdownPending) {
    shutdownWrite();
  }
}

void StreamConnection::shutdownWrite() {
  writeState_ = WriteState::kShutdown;
  ::shutdown(fd_, SHUT_WR);  // ENOTCONN when the peer has gone already: nothing to do (HC-06)
  if (halfCloseable_ == nullptr) return;
  try {
    halfCloseable_->writeConnectionLost();
  } catch (...) {
    failWithCurrentException("writeConnectionLost");
  }
}

// --- producers --------------------------------------------------------------------------------

void StreamConnection::registerProducer(std::shared_ptr<IProducer> producer, bool streaming) {
  if (producer_) {
    throw error::RuntimeError("Cannot register producer, because a producer was never "
                              "unregistered.");
  }
  if (!producer) throw error::TypeError("registerProducer: null producer");
  if (state_ == State::kClosed || state_ == State::kAborting || pendingLoss_) {
    producer->stopProducing();
    return;
  }
  auto* push = dynamic_cast<IPushProducer*>(producer.get());
  auto* pull = dynamic_cast<IPullProducer*>(producer.get());
  if (streaming ? push == nullptr : (push == nullptr && pull == nullptr)) {
    throw error::TypeError(streaming ? "a streaming producer must be an IPushProducer"
                                     : "a non-streaming producer must be an IPullProducer");
  }
  producer_ = std::move(producer);
  pushProducer_ = push;
  pullProducer_ = pull;
  streaming_ = streaming;
  producerPaused_ = false;
  if (!streaming) {
    if (pull != nullptr) {
      pull->resumeProducing();
    } else {
      push->resumeProducing();
    }
  }
}

void StreamConnection::unregisterProducer() {
  producer_.reset();
  pushProducer_ = nullptr;
  pullProducer_ = nullptr;
  producerPaused_ = false;
  if (state_ == State::kDisconnecting || writeState_ == WriteState::kShutdownPending) {
    if (!writing_) requestSettle();
  }
}

void StreamConnection::maybePauseProducer() {
  if (producer_ && streaming_ && !producerPaused_ && buffer_.size() > kBufferSize) {
    producerPaused_ = true;  // set first: pauseProducing may write again (PROD-05)
    pushProducer_->pauseProducing();
  }
}

// --- reading ----------------------------------------------------------------------------------

std::optional<Failure> StreamConnection::doRead() {
  if (state_ != State::kConnected || readPaused_ || readClosed_) {
    // No dataReceived once closing; an abort completes in this iteration's flush phase.
    if (state_ != State::kAborting && state_ != State::kClosed) stopReading();
    return std::nullopt;
  }
  char* buffer = readBuffer();
  ssize_t n = ::read(fd_, buffer, kReadSize);
  if (n > 0) {
    try {
      protocol_->dataReceived(std::string_view(buffer, static_cast<std::size_t>(n)));
    } catch (...) {
      failWithCurrentException("dataReceived");
    }
    return std::nullopt;
  }
  if (n == 0) {
    handleEOF();
    return std::nullopt;
  }
  int err = errno;
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return std::nullopt;
  finishClose(Failure(error::ConnectionLost(error::errnoMessage(err))));
  return std::nullopt;
}

void StreamConnection::handleEOF() {
  if (halfCloseable_ == nullptr) {
    finishClose(Failure(error::ConnectionDone()));
    return;
  }
  readClosed_ = true;
  stopReading();
  try {
    halfCloseable_->readConnectionLost();
  } catch (...) {
    failWithCurrentException("readConnectionLost");
  }
}

void StreamConnection::pauseProducing() {
  readPaused_ = true;
  stopReading();
}

void StreamConnection::resumeProducing() {
  readPaused_ = false;
  if (state_ == State::kConnected && !readClosed_) startReading();
}

void StreamConnection::stopProducing() { loseConnection(); }

// --- closing ----------------------------------------------------------------------------------

void StreamConnection::loseConnection() {
  if (state_ != State::kConnected) return;
  state_ = State::kDisconnecting;
  if (!writing_) requestSettle();
}

void StreamConnection::loseWriteConnection() {
  if (state_ != State::kConnected || writeState_ != WriteState::kOpen) return;
  writeState_ = WriteState::kShutdownPending;
  if (!writing_) requestSettle();
}

void StreamConnection::abortConnection() {
  if (state_ == State::kClosed || state_ == State::kAborting) return;
  state_ = State::kAborting;
  buffer_.clear();
  requestSettle();
}

void StreamConnection::connectionLost(const Failure& reason) {
  // The reactor has already removed this descriptor.
  reading_ = false;
  writing_ = false;
  finishClose(reason);
}

void StreamConnection::finishClose(const Failure& reason) {
  if (state_ == State::kClosed) return;
  bool aborting = state_ == State::kAborting;
  state_ = State::kClosed;
  std::shared_ptr<StreamConnection> self = shared_from_this();  // alive until we return
  stopReading();
  stopWriting();
  if (aborting) transport::setLingerZero(fd_);  // RST, not FIN
  transport::closeFd(fd_);
  fd_ = -1;
  buffer_.clear();
  pendingLoss_.reset();
  if (producer_) {  // PROD-08: the producer hears first
    std::shared_ptr<IProducer> producer = std::move(producer_);
    pushProducer_ = nullptr;
    pullProducer_ = nullptr;
    try {
      producer->stopProducing();
    } catch (...) {
      log::error("Unhandled error in stopProducing:\n" + Failure::current().getTraceback(),
                 logPrefix());
    }
  }
  halfCloseable_ = nullptr;
  try {
    protocol_->connectionLost(reason);
  } catch (...) {
    log::error("Unhandled error in connectionLost:\n" + Failure::current().getTraceback(),
               logPrefix());
  }
  protocol_.reset();  // TCPT-14: the transport keeps nothing of the protocol
  if (closeHook_) {
    Function<void(const Failure&)> hook = std::move(closeHook_);
    closeHook_ = nullptr;
    hook(reason);
  }
}

void StreamConnection::failWithCurrentException(const char* where) {
  Failure failure = Failure::current();
  log::error(std::string("Unhandled Error in ") + where + ":\n" + failure.getTraceback(),
             logPrefix());
  finishClose(failure);
}

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
    prefix += "," + std::to_string(session_) + "," +
              std::visit([](const auto& a) -> std::string {
                if constexpr (requires { a.host; }) {
                  return a.host;
                } else {
                  return "";
                }
              }, peer_);
  }
  logPrefix_ = std::move(prefix);
  return logPrefix_;
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
