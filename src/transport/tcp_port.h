// TCPPort: a listening TCP socket (Twisted's tcp.Port), IPv4 or IPv6. Accepts a batch of
// connections per readiness event (the batch doubles while every accept succeeds and halves
// after a failure), hands each to factory->buildProtocol(peer) and a new StreamConnection.
//
// Running out of descriptors (EMFILE/ENFILE) never spins and never kills the port: a reserve
// descriptor (/dev/null, opened when listening starts) is released so the waiting peer can be
// accepted and closed at once, then reopened; when even that fails the port stops accepting
// for a short back-off. ENOBUFS and ENOMEM are logged at info level, ECONNABORTED and EPERM
// (one peer's trouble) skipped, unknown errnos logged at error level; the port carries on.
//
// A listening port is in its reactor's LiveSet, so shutdown closes it even while it is
// backing off (not registered for reading).
//
// Thread affinity: the reactor thread only.
#pragma once

#include "transport/live_set.h"
#include "transport/socket_util.h"

#include "weft/base/function.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/reactor.h"
#include "weft/internet/transport.h"

#include <memory>
#include <optional>
#include <string>

namespace weft::tcp {

class TCPPort final : public IListeningPort,
                      public IReadDescriptor,
                      public ISystemHandle,
                      public LiveMember,
                      public std::enable_shared_from_this<TCPPort> {
 public:
  static constexpr int kInitialBatch = 16;
  static constexpr int kMaxBatch = 256;

  // Not listening until startListening().
  TCPPort(Reactor& reactor, LiveSet& live, int port, std::shared_ptr<IProtocolFactory> factory,
          TCPListenOptions options = {});
  // Wraps fd, a listening stream socket this port now owns (adoptStreamPort). Its first
  // startListening() uses fd; a later restart binds a new socket to the same address.
  struct Adopted {
    int fd;
  };
  TCPPort(Reactor& reactor, LiveSet& live, Adopted adopted,
          std::shared_ptr<IProtocolFactory> factory);
  ~TCPPort() override;
  TCPPort(const TCPPort&) = delete;
  TCPPort& operator=(const TCPPort&) = delete;

  // IListeningPort. startListening throws error::CannotListenError (and error::AlreadyListened
  // when already listening); stopListening closes the socket at once and returns a fired
  // Deferred (failed with what factory->doStop() threw, TCPL-09).
  void startListening() override;
  Deferred<void> stopListening() override;
  Address getHost() const override;
  // "<FactoryPrefix on 43211>" while listening, "<FactoryPrefix (not listening)>" otherwise.
  std::string repr() const override;

  // IReadDescriptor
  int fileno() const override { return fd_; }
  std::optional<Failure> doRead() override;
  // The reactor dropped the port (shutdown): closes it; doStop()'s exception propagates.
  void connectionLost(const Failure& reason) override;
  std::string logPrefix() const override;

  int getHandle() const override { return fd_; }
  bool listening() const noexcept { return fd_ >= 0; }
  int acceptBatch() const noexcept { return batch_; }

  // LiveMember
  void closeAtShutdown(const Failure& reason) override;
  void abandon() override;

  // Test seam: the accept4(2) the port calls (listening fd, peer address out, its length
  // in/out, flags); -1 with errno set on failure, like the real one. Empty = ::accept4.
  using AcceptFunction = Function<int(int, sockaddr*, socklen_t*, int)>;
  void setAcceptFunction(AcceptFunction accept) { accept_ = std::move(accept); }

 private:
  int openSocket();
  void closeSocket();
  void accepted(int fd, const transport::SocketAddress& peer);
  // EMFILE/ENFILE: 1 = a waiting peer was accepted and closed, 0 = nobody was waiting,
  // -1 = no descriptor could be freed (back off).
  int shedWithReserve();
  void backOff();
  int acceptOne(sockaddr* peer, socklen_t* length, int flags);
  // The number the socket is bound to (the real one when listening on port 0).
  int realPort() const;

  Reactor& reactor_;
  LiveSet& live_;
  int port_;
  std::shared_ptr<IProtocolFactory> factory_;
  TCPListenOptions options_;
  int fd_ = -1;
  int adoptedFd_ = -1;
  int reserveFd_ = -1;
  int batch_ = kInitialBatch;
  int session_ = 0;
  std::optional<Address> host_;
  DelayedCallPtr backOffCall_;
  AcceptFunction accept_;
};

}  // namespace weft::tcp
