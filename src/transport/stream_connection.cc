#include "transport/stream_connection.h"

#include "transport/socket_util.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <cerrno>
#include <climits>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <variant>

namespace weft::tcp {
namespace {

// A write at least this large, made while nothing is queued, goes to the socket at once
// instead of being copied into the buffer first.
constexpr std::size_t kDirectSendThreshold = 32 * 1024;
constexpr int kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;

// One read buffer per reactor thread: dataReceived's view points into it.
char* readBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[StreamConnection::kReadSize]);
  return buffer.get();
}

// sendmsg(MSG_NOSIGNAL) is writev that cannot raise SIGPIPE. One piece goes through send(),
// which skips copying in the msghdr and the iovec array (the common echo: one small write).
ssize_t sendIov(int fd, iovec* iov, int count) {
  ssize_t n;
  if (count == 1) {
    do {
      n = ::send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<std::size_t>(count);
  do {
    n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

// The log system of a connection's callbacks, computed only when something logs.
std::string describe(const void* connection) {
  return static_cast<const StreamConnection*>(connection)->logPrefix();
}

}  // namespace

StreamConnection::StreamConnection(Reactor& reactor, LiveSet& live, int fd,
                                   std::shared_ptr<IProtocol> protocol, Address peer, int session,
                                   int serverPort)
    : reactor_(reactor),
      live_(live),
      fd_(fd),
      protocol_(std::move(protocol)),
      halfCloseable_(dynamic_cast<IHalfCloseableProtocol*>(protocol_.get())),
      peer_(std::move(peer)),
      session_(session),
      serverPort_(serverPort),
      protocolType_(&typeid(*protocol_)) {}

StreamConnection::~StreamConnection() { transport::closeFd(fd_); }

void StreamConnection::start() {
  live_.add(shared_from_this());
  log::SystemScope scope(this, &describe);
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

bool StreamConnection::flush() {
  iovec iov[kMaxIov];
  while (!buffer_.empty()) {
    int count = buffer_.gather(iov, kMaxIov);
    std::size_t gathered = 0;
    for (int i = 0; i < count; ++i) gathered += iov[i].iov_len;
    ssize_t n = sendIov(fd_, iov, count);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      finishClose(Failure(error::ConnectionLost(error::errnoMessage(errno))));
      return false;
    }
    buffer_.consume(static_cast<std::size_t>(n));
    // Short: the socket is full, and the kernel will say when it has room (an edge).
    if (static_cast<std::size_t>(n) < gathered) return true;
  }
  return true;
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
  log::SystemScope scope(this, &describe);
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
  if (!flush()) return;
  if (buffer_.empty()) {
    onDrained();
  } else {
    startWriting();
  }
}

std::optional<Failure> StreamConnection::doWrite() {
  if (state_ == State::kClosed) return std::nullopt;
  log::SystemScope scope(this, &describe);
  if (state_ == State::kAborting || pendingLoss_) {
    stopWriting();
    requestSettle();
    return std::nullopt;
  }
  if (!flush()) return std::nullopt;
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
    throw error::RuntimeError(
        "Cannot register producer, because a producer was never "
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
  readDrained_ = true;
  if (state_ != State::kConnected || readPaused_ || readClosed_) {
    // No dataReceived once closing; an abort completes in this iteration's flush phase.
    if (state_ != State::kAborting && state_ != State::kClosed) stopReading();
    return std::nullopt;
  }
  log::SystemScope scope(this, &describe);
  char* buffer = readBuffer();
  for (int reads = 1;; ++reads) {
    ssize_t n = ::read(fd_, buffer, kReadSize);
    if (n > 0) {
      try {
        protocol_->dataReceived(std::string_view(buffer, static_cast<std::size_t>(n)));
      } catch (...) {
        failWithCurrentException("dataReceived");
        return std::nullopt;
      }
      if (static_cast<std::size_t>(n) < kReadSize) return std::nullopt;  // drained
      // The protocol paused, closed or half-closed: it reads no more now.
      if (state_ != State::kConnected || readPaused_ || readClosed_) return std::nullopt;
      if (reads == kMaxReadsPerEvent) {  // fair to the others: carry on next iteration
        readDrained_ = false;
        return std::nullopt;
      }
      continue;
    }
    if (n == 0) {
      handleEOF();
      return std::nullopt;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return std::nullopt;
    finishClose(Failure(error::ConnectionLost(error::errnoMessage(err))));
    return std::nullopt;
  }
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

void StreamConnection::finish() {
  unregisterProducer();
  loseConnection();
}

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
  log::SystemScope scope(this, &describe);
  finishClose(reason);
}

void StreamConnection::closeAtShutdown(const Failure& reason) {
  log::SystemScope scope(this, &describe);
  finishClose(reason);
}

void StreamConnection::finishClose(const Failure& reason) {
  if (state_ == State::kClosed) return;
  bool aborting = state_ == State::kAborting;
  state_ = State::kClosed;
  std::shared_ptr<StreamConnection> self = shared_from_this();  // alive until we return
  live_.remove(this);
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

}  // namespace weft::tcp
