// TCP4/TCP6 server and client endpoints, connectProtocol, and the endpoint vocabulary
// (HostnameAddress, ConnectingCancelledError).
#include "application/wrapping_factory.h"

#include "weft/application/endpoints.h"
#include "weft/base/error.h"
#include "weft/internet/protocol.h"

#include <utility>

namespace weft {
namespace application {

std::string toString(const HostnameAddress& address) {
  return "HostnameAddress(hostname=b'" + address.hostname +
         "', port=" + std::to_string(address.port) + ")";
}

std::string toString(const EndpointAddress& address) {
  if (const auto* hostname = std::get_if<HostnameAddress>(&address)) return toString(*hostname);
  return weft::toString(std::get<Address>(address));
}

}  // namespace application

namespace error {

ConnectingCancelledError::ConnectingCancelledError(application::EndpointAddress address)
    : Error(application::toString(address)), address_(std::move(address)) {}

}  // namespace error

namespace application::detail {
namespace {

// Twisted's connectProtocol factory: hands out one protocol (every time it is asked, as
// Twisted's does; an endpoint asks once).
class OneShotFactory final : public Factory {
 public:
  explicit OneShotFactory(std::shared_ptr<IProtocol> protocol) : protocol_(std::move(protocol)) {}
  std::shared_ptr<IProtocol> buildProtocol(const Address&) override { return protocol_; }

 private:
  std::shared_ptr<IProtocol> protocol_;
};

}  // namespace

Deferred<std::shared_ptr<IListeningPort>> TCPServerEndpoint::listen(
    std::shared_ptr<IProtocolFactory> protocolFactory) {
  // Twisted's defer.execute: whatever listenTCP raises becomes the failure.
  try {
    return succeed(reactor_.listenTCP(port_, std::move(protocolFactory), options_));
  } catch (...) {
    return fail<std::shared_ptr<IListeningPort>>(Failure::current());
  }
}

Deferred<std::shared_ptr<IProtocol>> TCPClientEndpoint::connect(
    std::shared_ptr<IProtocolFactory> protocolFactory) {
  return connectWrapped(reactor_, host_, port_, options_, std::move(protocolFactory));
}

ProtocolDeferred connectWrapped(IReactorTCP& reactor, const std::string& host, int port,
                                const TCPConnectOptions& options,
                                std::shared_ptr<IProtocolFactory> factory) {
  try {
    if (!factory) throw error::ValueError("connect() needs a protocol factory");
    // What the connector's getDestination() says, for a connector that is gone by then.
    Address destination = isIPv6Literal(host) ? Address(IPv6Address{"TCP", host, port})
                                              : Address(IPv4Address{"TCP", host, port});
    std::shared_ptr<WrappingFactory> wrapping =
        WrappingFactory::create(std::move(factory), std::move(destination));
    ProtocolDeferred d = wrapping->onConnection();
    wrapping->setConnector(reactor.connectTCP(host, port, wrapping, options));
    return d;
  } catch (...) {
    return fail<std::shared_ptr<IProtocol>>(Failure::current());
  }
}

Deferred<std::shared_ptr<IProtocol>> connectProtocol(IStreamClientEndpoint& endpoint,
                                                     std::shared_ptr<IProtocol> protocol) {
  return endpoint.connect(std::make_shared<OneShotFactory>(std::move(protocol)));
}

}  // namespace application::detail
}  // namespace weft
