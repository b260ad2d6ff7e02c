#include "transport/tcp_connector.h"

#include "transport/socket_util.h"
#include "transport/stream_connection.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <cerrno>
#include <sys/socket.h>
#include <utility>

namespace weft::tcp {
namespace {

// Stands in for the protocol a client factory refused to build (buildProtocol returned
// nullptr): the connection is then closed at once, and connectionLost goes nowhere.
class DiscardProtocol final : public IProtocol {
 public:
  void makeConnection(std::shared_ptr<ITransport>) override {}
  void connectionMade() override {}
  void dataReceived(std::string_view) override {}
  void connectionLost(const Failure&) override {}
};

constexpr std::string_view kUninitialized = "Uninitialized";

int socketError(int fd) {
  int err = 0;
  socklen_t length = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) return errno;
  return err;
}

Failure connectFailure(int err) {
  try {
    error::throwConnectError(err, error::errnoMessage(err));
  } catch (...) {
    return Failure::current();
  }
}

void logged(const char* what, const std::string& system, Function<void()> f) {
  try {
    f();
  } catch (...) {
    log::error(
        std::string("Unhandled error in ") + what + ":\n" + Failure::current().getTraceback(),
        system);
  }
}

}  // namespace

// One connection attempt: owns the socket until it connects. Registered with the reactor as
// a writer while the non-blocking connect is in progress. It holds its connector (so the
// reactor owns a connector while it connects); the connector drops the attempt when it ends.
class ConnectAttempt final : public IWriteDescriptor,
                             public std::enable_shared_from_this<ConnectAttempt> {
 public:
  ConnectAttempt(Reactor& reactor, std::shared_ptr<TCPConnector> connector)
      : reactor_(reactor), connector_(std::move(connector)) {}
  ~ConnectAttempt() override { transport::closeFd(fd_); }

  // The attempt starts from the loop, after startedConnecting has returned.
  void schedule() {
    startCall_ = reactor_.callLater(Seconds(0), [self = shared_from_this()] {
      self->startCall_ = nullptr;
      self->begin();
    });
  }

  // Ends the attempt without reporting (the connector reports).
  void cancel() {
    if (done_) return;
    done_ = true;
    release();
    connector_.reset();
  }

  int fileno() const override { return fd_; }
  std::optional<Failure> doWrite() override {
    if (done_) return std::nullopt;
    int err = socketError(fd_);
    if (err != 0) {
      fail(connectFailure(err));
      return std::nullopt;
    }
    succeed();
    return std::nullopt;
  }
  // The reactor dropped the descriptor (an error or hang-up while connecting, or shutdown).
  void connectionLost(const Failure& reason) override {
    writing_ = false;
    if (done_) return;
    int err = fd_ >= 0 ? socketError(fd_) : 0;
    fail(err != 0 ? connectFailure(err) : reason);
  }
  // Twisted's client transport logstr until it has connected (TCPT-16).
  std::string logPrefix() const override { return std::string(kUninitialized); }

 private:
  void begin() {
    if (done_) return;
    const std::string& host = connector_->host_;
    if (transport::parseIPLiteral(host, 0)) {
      connectTo(host);
      return;
    }
    static_cast<void>(reactor_.resolve(host).addCallbacks(
        [self = shared_from_this()](std::string ip) { self->connectTo(ip); },
        [self = shared_from_this()](Failure reason) { self->fail(reason); }));
  }

  void connectTo(const std::string& ip) {
    if (done_) return;
    auto address = transport::parseIPLiteral(ip, connector_->port_);
    if (!address) {
      fail(Failure(error::UnknownHostError(ip)));
      return;
    }
    fd_ = transport::makeStreamSocket(address->family());
    if (fd_ < 0) {
      fail(connectFailure(errno));
      return;
    }
    if (const auto& bind = connector_->options_.bindAddress) {
      auto local =
          transport::parseIPLiteral(bind->first.empty() ? "0.0.0.0" : bind->first, bind->second);
      int err = EINVAL;
      if (local && ::bind(fd_, local->get(), local->length) == 0) {
        err = 0;
      } else if (local) {
        err = errno;
      }
      if (err != 0) {
        fail(Failure(error::ConnectBindError(error::errnoMessage(err), err)));
        return;
      }
    }
    if (::connect(fd_, address->get(), address->length) == 0) {
      succeed();
      return;
    }
    int err = errno;
    if (err != EINPROGRESS && err != EINTR) {
      fail(connectFailure(err));
      return;
    }
    writing_ = true;
    reactor_.addWriter(shared_from_this());
  }

  // The factory's buildProtocol and clientConnectionFailed run with the attempt's log
  // system, "Uninitialized"; the connection's own prefix starts with connectionMade.
  void succeed() {
    log::SystemScope scope(kUninitialized);
    done_ = true;
    stopWriting();
    int fd = std::exchange(fd_, -1);
    std::shared_ptr<TCPConnector> connector = std::move(connector_);
    connector->attemptSucceeded(fd);
  }

  void fail(const Failure& reason) {
    if (done_) return;
    log::SystemScope scope(kUninitialized);
    done_ = true;
    release();
    std::shared_ptr<TCPConnector> connector = std::move(connector_);
    connector->attemptFailed(reason);
  }

  void release() {
    if (startCall_ && startCall_->active()) startCall_->cancel();
    startCall_ = nullptr;
    stopWriting();
    transport::closeFd(fd_);
    fd_ = -1;
  }

  void stopWriting() {
    if (!writing_) return;
    writing_ = false;
    reactor_.removeWriter(shared_from_this());
  }

  Reactor& reactor_;
  std::shared_ptr<TCPConnector> connector_;
  DelayedCallPtr startCall_;
  int fd_ = -1;
  bool writing_ = false;
  bool done_ = false;
};

TCPConnector::TCPConnector(Reactor& reactor, LiveSet& live, std::string host, int port,
                           std::shared_ptr<ClientFactory> factory, TCPConnectOptions options)
    : reactor_(reactor),
      live_(live),
      host_(std::move(host)),
      port_(port),
      factory_(std::move(factory)),
      options_(std::move(options)) {}

TCPConnector::~TCPConnector() = default;

void TCPConnector::connect() {
  if (state_ != State::kDisconnected) {
    throw error::RuntimeError("can't connect in this state");
  }
  state_ = State::kConnecting;
  if (!factoryStarted_) {
    factory_->doStart();
    factoryStarted_ = true;
  }
  attempt_ = std::make_shared<ConnectAttempt>(reactor_, shared_from_this());
  attempt_->schedule();
  if (options_.timeout.count() > 0) {
    timeoutCall_ = reactor_.callLater(options_.timeout, [self = shared_from_this()] {
      self->timeoutCall_ = nullptr;
      if (self->state_ != State::kConnecting) return;
      if (auto attempt = std::move(self->attempt_)) attempt->cancel();
      self->attemptFailed(Failure(error::TimeoutError()));
    });
  }
  factory_->startedConnecting(shared_from_this());
}

void TCPConnector::stopConnecting() {
  if (state_ != State::kConnecting) throw error::NotConnectingError();
  if (auto attempt = std::move(attempt_)) attempt->cancel();
  attemptFailed(Failure(error::UserError()));
}

void TCPConnector::disconnect() {
  if (state_ == State::kConnecting) {
    stopConnecting();
  } else if (state_ == State::kConnected) {
    if (auto connection = connection_.lock()) connection->loseConnection();
  }
}

Address TCPConnector::getDestination() const {
  if (transport::isIPv6Literal(host_)) return IPv6Address{"TCP", host_, port_};
  return IPv4Address{"TCP", host_, port_};
}

void TCPConnector::cancelTimeout() {
  if (timeoutCall_ && timeoutCall_->active()) timeoutCall_->cancel();
  timeoutCall_ = nullptr;
}

void TCPConnector::attemptFailed(const Failure& reason) {
  std::shared_ptr<TCPConnector> self = shared_from_this();
  cancelTimeout();
  attempt_.reset();
  state_ = State::kDisconnected;
  logged("clientConnectionFailed", "-", [&] { factory_->clientConnectionFailed(self, reason); });
  if (state_ == State::kDisconnected && factoryStarted_) {  // connect() was not called again
    factoryStarted_ = false;
    logged("doStop", "-", [&] { factory_->doStop(); });
  }
}

void TCPConnector::attemptSucceeded(int fd) {
  std::shared_ptr<TCPConnector> self = shared_from_this();
  cancelTimeout();
  attempt_.reset();
  state_ = State::kConnected;
  Address peer = transport::peerAddress(fd).value_or(Address{IPv4Address{"TCP", host_, port_}});
  std::shared_ptr<IProtocol> protocol;
  logged("buildProtocol", "-", [&] { protocol = factory_->buildProtocol(peer); });
  bool refused = !protocol;
  if (refused) protocol = std::make_shared<DiscardProtocol>();
  auto connection = std::make_shared<StreamConnection>(reactor_, live_, fd, std::move(protocol),
                                                       std::move(peer), -1);
  connection_ = connection;
  connection->setCloseHook([self](const Failure& reason) { self->connectionLost(reason); });
  if (refused) connection->loseConnection();  // TCPC-13: closed at once, never read
  connection->start();
}

void TCPConnector::connectionLost(const Failure& reason) {
  std::shared_ptr<TCPConnector> self = shared_from_this();
  connection_.reset();
  state_ = State::kDisconnected;
  logged("clientConnectionLost", "-", [&] { factory_->clientConnectionLost(self, reason); });
  if (state_ == State::kDisconnected && factoryStarted_) {
    factoryStarted_ = false;
    logged("doStop", "-", [&] { factory_->doStop(); });
  }
}

}  // namespace weft::tcp
