// twisted.internet.protocol.ClientCreator: connect one protocol instance, and get a Deferred
// that fires with it once connected, instead of writing a ClientFactory.
//
//   weft::ClientCreator<Echo> creator(reactor, [] { return std::make_shared<Echo>(); });
//   creator.connectTCP("127.0.0.1", 8000).addCallback([](std::shared_ptr<Echo> p) { ... });
//
// The Deferred fires (from the loop, one zero-delay call after connectionMade) with the
// connected protocol, or fails with the ConnectError of clientConnectionFailed. Cancelling
// it before the connection is made stops the attempt; after, it closes the connection
// (loseConnection); either way it fails with error::CancelledError (TCPC-15). Built only on
// public interfaces (IReactorTCP, IReactorTime), so it works with MemoryReactorClock too.
//
// Thread affinity: the reactor thread only.
#pragma once

#include "weft/base/error.h"
#include "weft/base/function.h"
#include "weft/defer/deferred.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/time.h"
#include "weft/internet/transport.h"

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace weft {
namespace detail {

// The untyped core of ClientCreator::connectTCP: connects `instance` with a one-shot client
// factory (Twisted's _InstanceFactory).
Deferred<std::shared_ptr<IProtocol>> connectInstanceTCP(IReactorTCP& tcp, IReactorTime& clock,
                                                        std::shared_ptr<IProtocol> instance,
                                                        std::string host, int port,
                                                        TCPConnectOptions options);

}  // namespace detail

template <std::derived_from<IProtocol> P = IProtocol>
class ClientCreator {
 public:
  // Makes the protocol instance for each connectTCP (Twisted: protocolClass(*args)).
  using Maker = Function<std::shared_ptr<P>()>;

  // reactor provides IReactorTCP and IReactorTime (a Reactor, a MemoryReactorClock); it
  // must outlive the creator and its connections.
  template <class R>
  requires std::derived_from<R, IReactorTCP> && std::derived_from<R, IReactorTime> ClientCreator(
      R& reactor, Maker maker)
      : tcp_(reactor), clock_(reactor), maker_(std::move(maker)) {}

  Deferred<std::shared_ptr<P>> connectTCP(std::string host, int port,
                                          TCPConnectOptions options = {}) {
    std::shared_ptr<P> instance = maker_();
    if (!instance) throw error::ValueError("ClientCreator: the maker returned no protocol");
    return detail::connectInstanceTCP(tcp_, clock_, instance, std::move(host), port,
                                      std::move(options))
        .addCallback([instance](const std::shared_ptr<IProtocol>&) { return instance; });
  }
  // A service name as the port (TCPC-11); throws error::ServiceNameUnknownError.
  Deferred<std::shared_ptr<P>> connectTCP(std::string host, std::string_view service,
                                          TCPConnectOptions options = {}) {
    return connectTCP(std::move(host), IReactorTCP::servicePort(service), std::move(options));
  }

 private:
  IReactorTCP& tcp_;
  IReactorTime& clock_;
  Maker maker_;
};

}  // namespace weft
