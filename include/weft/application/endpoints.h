// twisted.internet.endpoints, the TCP part: stream endpoints, which describe where to listen
// or connect once, so the code that listens or connects needs only an endpoint.
//
//   weft::application::TCP4ServerEndpoint server(reactor, 8000, {.interface = "127.0.0.1"});
//   server.listen(factory).addCallback([](std::shared_ptr<weft::IListeningPort> port) { ... });
//   weft::application::HostnameEndpoint client(reactor, "example.com", 80);
//   client.connect(factory).addCallback([](std::shared_ptr<weft::IProtocol> p) { ... });
//
// listen() fires with the listening port, or fails (CannotListenError) instead of throwing.
// connect() fires with the protocol the factory built, once it is connected (its
// connectionMade has run); it fails with the ConnectError of the attempt, with
// error::NoProtocol when the factory builds none (the connection is then closed), and with
// error::ConnectingCancelledError when it is cancelled before it connects (the attempt is
// stopped). The endpoints use only the reactor's public interfaces, so a
// testing::MemoryReactorClock serves as well as a real reactor.
//
// Thread affinity: the reactor thread only. Each endpoint holds its reactor by reference;
// the reactor must outlive it and its connections.
#pragma once

#include "weft/base/error.h"
#include "weft/base/function.h"
#include "weft/base/time.h"
#include "weft/defer/deferred.h"
#include "weft/internet/address.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/time.h"
#include "weft/internet/transport.h"

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace weft {
namespace application {

// twisted.internet.address.HostnameAddress: a host name before resolution, with a port.
struct HostnameAddress {
  std::string hostname;
  int port = 0;
  friend bool operator==(const HostnameAddress&, const HostnameAddress&) = default;
};

// What a client endpoint connects to: an address, or a host name (HostnameEndpoint).
using EndpointAddress = std::variant<Address, HostnameAddress>;

// Python's repr: "HostnameAddress(hostname=b'example.com', port=80)"; an Address as
// weft::toString shows it.
std::string toString(const HostnameAddress& address);
std::string toString(const EndpointAddress& address);

}  // namespace application

namespace error {

// twisted.internet.error.ConnectingCancelledError: an endpoint's connect() was cancelled
// before it connected. address() is where it was connecting to. what() is that address, as
// Python's str() of the exception shows it. (Declared here rather than in weft/base/error.h
// because it carries an Address, which the base layer cannot see.)
class ConnectingCancelledError : public Error {
 public:
  explicit ConnectingCancelledError(application::EndpointAddress address);
  const application::EndpointAddress& address() const noexcept { return address_; }

 private:
  application::EndpointAddress address_;
};

}  // namespace error

namespace application {

// Twisted's IStreamServerEndpoint.
class IStreamServerEndpoint {
 public:
  virtual ~IStreamServerEndpoint() = default;
  // Listens with protocolFactory. Fires with the port; fails (never throws) when the
  // reactor cannot listen, e.g. with error::CannotListenError.
  virtual Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<IProtocolFactory> protocolFactory) = 0;
};

// Twisted's IStreamClientEndpoint.
class IStreamClientEndpoint {
 public:
  virtual ~IStreamClientEndpoint() = default;
  // Connects one protocol built by protocolFactory (see the top of this file). Fails
  // (never throws) when the reactor refuses the attempt.
  virtual Deferred<std::shared_ptr<IProtocol>> connect(
      std::shared_ptr<IProtocolFactory> protocolFactory) = 0;
};

namespace detail {

// Twisted's _TCPServerEndpoint: listenTCP(port, factory, options) as a Deferred.
class TCPServerEndpoint : public IStreamServerEndpoint {
 public:
  Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<IProtocolFactory> protocolFactory) override;

 protected:
  TCPServerEndpoint(IReactorTCP& reactor, int port, TCPListenOptions options)
      : reactor_(reactor), port_(port), options_(std::move(options)) {}

 private:
  IReactorTCP& reactor_;
  int port_;
  TCPListenOptions options_;
};

// The connect() of TCP4ClientEndpoint and TCP6ClientEndpoint: connectTCP with a wrapping
// factory (Twisted's _WrappingFactory).
class TCPClientEndpoint : public IStreamClientEndpoint {
 public:
  Deferred<std::shared_ptr<IProtocol>> connect(
      std::shared_ptr<IProtocolFactory> protocolFactory) override;

 protected:
  TCPClientEndpoint(IReactorTCP& reactor, std::string host, int port, TCPConnectOptions options)
      : reactor_(reactor), host_(std::move(host)), port_(port), options_(std::move(options)) {}

 private:
  IReactorTCP& reactor_;
  std::string host_;
  int port_;
  TCPConnectOptions options_;
};

Deferred<std::shared_ptr<IProtocol>> connectProtocol(IStreamClientEndpoint& endpoint,
                                                     std::shared_ptr<IProtocol> protocol);

}  // namespace detail

// Listens on an IPv4 interface: options.backlog (50) and options.interface ("", every
// IPv4 interface), as listenTCP takes them.
class TCP4ServerEndpoint final : public detail::TCPServerEndpoint {
 public:
  TCP4ServerEndpoint(IReactorTCP& reactor, int port, TCPListenOptions options = {})
      : TCPServerEndpoint(reactor, port, std::move(options)) {}
};

// Listens on an IPv6 interface; an empty options.interface means "::" (every one).
class TCP6ServerEndpoint final : public detail::TCPServerEndpoint {
 public:
  TCP6ServerEndpoint(IReactorTCP& reactor, int port, TCPListenOptions options = {})
      : TCPServerEndpoint(reactor, port, withDefaultInterface(std::move(options))) {}

 private:
  static TCPListenOptions withDefaultInterface(TCPListenOptions options) {
    if (options.interface.empty()) options.interface = "::";
    return options;
  }
};

// Connects with connectTCP(host, port, ..., options): options.timeout (30 s) and
// options.bindAddress. A host name is resolved by the reactor, as connectTCP does.
class TCP4ClientEndpoint final : public detail::TCPClientEndpoint {
 public:
  TCP4ClientEndpoint(IReactorTCP& reactor, std::string host, int port,
                     TCPConnectOptions options = {})
      : TCPClientEndpoint(reactor, std::move(host), port, std::move(options)) {}
};

// The same for an IPv6 literal host ("::1", "fe80::1%eth0"). Unlike Twisted's, it does not
// look a name up with getaddrinfo(AF_INET6): a name goes to connectTCP as it is (use
// HostnameEndpoint for names).
class TCP6ClientEndpoint final : public detail::TCPClientEndpoint {
 public:
  TCP6ClientEndpoint(IReactorTCP& reactor, std::string host, int port,
                     TCPConnectOptions options = {})
      : TCPClientEndpoint(reactor, std::move(host), port, std::move(options)) {}
};

// Twisted's name resolver as HostnameEndpoint uses it: every address of hostName (each an
// IPv4Address or IPv6Address carrying portNumber), in the order to try them. An empty list
// or a failure means the name is unknown.
using NameResolution =
    Function<Deferred<std::vector<Address>>(const std::string& hostName, int portNumber)>;

struct HostnameEndpointOptions {
  // For each connection attempt, as connectTCP's.
  Seconds timeout = Seconds(30);
  std::optional<std::pair<std::string, int>> bindAddress;
  // The time between the starts of two attempts.
  Seconds attemptDelay = Seconds(0.3);
  // Null: the reactor's resolve() (its installed IResolverSimple), which gives one IPv4
  // address. IP literals are never looked up.
  NameResolution nameResolution;
};

// Connects to a host name: resolves it, then starts an attempt to the first address, and
// to each next one every attemptDelay while none has succeeded. Fires with the first
// connection made (the other attempts are cancelled); fails with the last attempt's error
// once every attempt has failed, with error::DNSLookupError when the name has no address,
// and with error::ConnectingCancelledError(HostnameAddress) when cancelled (during the
// lookup too: Twisted fails with CancelledError there).
class HostnameEndpoint final : public IStreamClientEndpoint {
 public:
  // reactor provides IReactorTCP, IReactorTime and IReactorCore (a Reactor, a
  // MemoryReactorClock).
  template <class R>
  requires std::derived_from<R, IReactorTCP> && std::derived_from<R, IReactorTime> &&
      std::derived_from<R, IReactorCore>
      HostnameEndpoint(R& reactor, std::string host, int port, HostnameEndpointOptions options = {})
      : HostnameEndpoint(static_cast<IReactorTCP&>(reactor), static_cast<IReactorTime&>(reactor),
                         static_cast<IReactorCore&>(reactor), std::move(host), port,
                         std::move(options)) {}

  Deferred<std::shared_ptr<IProtocol>> connect(
      std::shared_ptr<IProtocolFactory> protocolFactory) override;

  // Twisted's repr: "<HostnameEndpoint example.com:80>", "<HostnameEndpoint [::1]:80>".
  std::string repr() const;

 private:
  HostnameEndpoint(IReactorTCP& tcp, IReactorTime& clock, IReactorCore& core, std::string host,
                   int port, HostnameEndpointOptions options);

  // The lookup for one connect(): the addresses to try, in order.
  Deferred<std::vector<Address>> resolveAddresses();

  IReactorTCP& tcp_;
  IReactorTime& clock_;
  IReactorCore& core_;
  std::string host_;
  int port_;
  HostnameEndpointOptions options_;
};

// Twisted's connectProtocol: connects `protocol` itself through endpoint (a one-shot factory
// hands it out) and fires with it once connected.
template <std::derived_from<IProtocol> P>
Deferred<std::shared_ptr<P>> connectProtocol(IStreamClientEndpoint& endpoint,
                                             std::shared_ptr<P> protocol) {
  return detail::connectProtocol(endpoint, protocol)
      .addCallback([protocol](const std::shared_ptr<IProtocol>&) { return protocol; });
}

}  // namespace application
}  // namespace weft
