// Helpers for the TCP conformance suites (tcp_*_test.cc): a recording protocol, a recording
// factory that serves as server and client factory, raw loopback sockets for misbehaving
// peers, and small scenario utilities. Built on reactor_builder.h (one run per backend).
#pragma once

#include "reactor_builder.h"

#include "weft/base/error.h"
#include "weft/base/function.h"
#include "weft/internet/protocol.h"
#include "weft/internet/reactor.h"
#include "weft/internet/transport.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <variant>
#include <vector>

namespace weft::conformance {

inline int portOf(const Address& address) {
  if (const auto* a = std::get_if<IPv4Address>(&address)) return a->port;
  if (const auto* a = std::get_if<IPv6Address>(&address)) return a->port;
  return 0;
}
inline std::string hostOf(const Address& address) {
  if (const auto* a = std::get_if<IPv4Address>(&address)) return a->host;
  if (const auto* a = std::get_if<IPv6Address>(&address)) return a->host;
  return "";
}

// A protocol that records what happens to it; hooks let a scenario act on each event.
class Recorder : public Protocol {
 public:
  int made = 0;
  int lostCount = 0;
  std::string received;
  std::optional<Failure> lost;
  std::vector<std::string> events;  // "made", "data", "lost"
  Function<void(Recorder&)> onMade;
  Function<void(Recorder&, std::string_view)> onData;
  Function<void(Recorder&, const Failure&)> onLost;

  void connectionMade() override {
    ++made;
    events.push_back("made");
    if (onMade) onMade(*this);
  }
  void dataReceived(std::string_view data) override {
    if (events.empty() || events.back() != "data") events.push_back("data");
    received.append(data);
    if (onData) onData(*this, data);
  }
  void connectionLost(const Failure& reason) override {
    Protocol::connectionLost(reason);
    ++lostCount;
    events.push_back("lost");
    lost = reason;
    if (onLost) onLost(*this, reason);
  }
  ITCPTransport& tcp() { return dynamic_cast<ITCPTransport&>(*transport); }
};

// A Recorder that also provides IHalfCloseableProtocol.
class HalfCloseRecorder : public Recorder, public IHalfCloseableProtocol {
 public:
  int readLost = 0;
  int writeLost = 0;
  Function<void(HalfCloseRecorder&)> onReadLost;
  Function<void(HalfCloseRecorder&)> onWriteLost;
  void readConnectionLost() override {
    ++readLost;
    events.push_back("readLost");
    if (onReadLost) onReadLost(*this);
  }
  void writeConnectionLost() override {
    ++writeLost;
    events.push_back("writeLost");
    if (onWriteLost) onWriteLost(*this);
  }
};

// Server and client factory in one: builds Recorders (or HalfCloseRecorders), keeps them,
// records the client-side events with the connector each came with.
class RecorderFactory : public ClientFactory {
 public:
  bool halfCloseable = false;
  bool refuse = false;
  bool throwOnStop = false;
  int starts = 0;
  int stops = 0;
  std::vector<std::shared_ptr<Recorder>> built;
  std::vector<Address> addresses;
  std::vector<std::string> events;  // "started", "failed", "lost", "build"
  std::optional<Failure> failReason;
  std::optional<Failure> lostReason;
  std::vector<IConnector*> connectors;  // raw: the connector holds this factory
  Function<void(Recorder&)> setup;
  Function<void(RecorderFactory&, const std::shared_ptr<IConnector>&)> onStarted;
  Function<void(RecorderFactory&, const std::shared_ptr<IConnector>&)> onFailed;
  Function<void(RecorderFactory&, const std::shared_ptr<IConnector>&)> onLost;

  std::shared_ptr<IProtocol> buildProtocol(const Address& address) override {
    addresses.push_back(address);
    events.push_back("build");
    if (refuse) return nullptr;
    std::shared_ptr<Recorder> p =
        halfCloseable ? std::make_shared<HalfCloseRecorder>() : std::make_shared<Recorder>();
    if (setup) setup(*p);
    built.push_back(p);
    return p;
  }
  void startFactory() override { ++starts; }
  void stopFactory() override {
    ++stops;
    if (throwOnStop) throw error::ValueError("stopFactory failed");
  }
  void startedConnecting(const std::shared_ptr<IConnector>& c) override {
    events.push_back("started");
    connectors.push_back(c.get());
    if (onStarted) onStarted(*this, c);
  }
  void clientConnectionFailed(const std::shared_ptr<IConnector>& c, const Failure& r) override {
    events.push_back("failed");
    connectors.push_back(c.get());
    failReason = r;
    if (onFailed) onFailed(*this, c);
  }
  void clientConnectionLost(const std::shared_ptr<IConnector>& c, const Failure& r) override {
    events.push_back("lost");
    connectors.push_back(c.get());
    lostReason = r;
    if (onLost) onLost(*this, c);
  }
  Recorder& last() { return *built.back(); }
};

// Calls done() after n arrive() calls.
struct Countdown {
  int left;
  Function<void()> done;
  void arrive() {
    if (--left == 0 && done) done();
  }
};

inline void stopReactor(Reactor& reactor) {
  try {
    reactor.stop();
  } catch (const error::ReactorNotRunning&) {
    return;
  }
}

// A blocking loopback client socket connected to port (the handshake completes in the
// kernel before accept). -1 on failure.
inline int rawConnect(int port, bool ipv6 = false) {
  int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc;
  if (ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<std::uint16_t>(port));
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A listening loopback socket on an ephemeral port (raw, not managed by a reactor).
inline int rawListen(int backlog, int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

// Closes fd with an RST instead of a FIN.
inline void closeWithReset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

inline bool ipv6Available() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A push producer that counts calls and writes `chunk` bytes per step while producing.
class CountingPushProducer : public IPushProducer {
 public:
  int pauses = 0;
  int resumes = 0;
  int stops = 0;
  std::vector<std::string> events;
  Function<void(CountingPushProducer&)> onPause;
  Function<void(CountingPushProducer&)> onResume;
  Function<void(CountingPushProducer&)> onStop;
  void pauseProducing() override {
    ++pauses;
    events.push_back("pause");
    if (onPause) onPause(*this);
  }
  void resumeProducing() override {
    ++resumes;
    events.push_back("resume");
    if (onResume) onResume(*this);
  }
  void stopProducing() override {
    ++stops;
    events.push_back("stop");
    if (onStop) onStop(*this);
  }
};

class CountingPullProducer : public IPullProducer {
 public:
  int resumes = 0;
  int stops = 0;
  Function<void(CountingPullProducer&)> onResume;
  Function<void(CountingPullProducer&)> onStop;
  void resumeProducing() override {
    ++resumes;
    if (onResume) onResume(*this);
  }
  void stopProducing() override {
    ++stops;
    if (onStop) onStop(*this);
  }
};

// Server on 127.0.0.1:0 with `server`, a client connected to it with `client`.
struct Loopback {
  std::shared_ptr<IListeningPort> port;
  std::shared_ptr<IConnector> connector;
  int portNumber = 0;
};

inline Loopback connectLoopback(Reactor& reactor, const std::shared_ptr<RecorderFactory>& server,
                                const std::shared_ptr<RecorderFactory>& client) {
  Loopback l;
  l.port = reactor.listenTCP(0, server, {.interface = "127.0.0.1"});
  l.portNumber = portOf(l.port->getHost());
  l.connector = reactor.connectTCP("127.0.0.1", l.portNumber, client);
  return l;
}

}  // namespace weft::conformance
