// Twisted's _WrappingFactory and _WrappingProtocol: how a client endpoint learns that its
// connection is made. The endpoint connects with a WrappingFactory; the factory wraps each
// protocol the user's factory builds in a WrappingProtocol, which the transport drives. Its
// connectionMade connects the wrapped protocol to the same transport and fires the
// endpoint's Deferred with it; every later event is passed through.
//
// The transport decides whether to deliver readConnectionLost/writeConnectionLost by
// dynamic_cast<IHalfCloseableProtocol*> on its protocol, the wrapper. So the wrapper of a
// half-closeable protocol is a HalfCloseableWrappingProtocol, and any other protocol's is a
// plain WrappingProtocol (HC-09); WrappingProtocol::wrap picks the class.
//
// Thread affinity: the reactor thread only.
#pragma once

#include "weft/application/endpoints.h"
#include "weft/defer/deferred.h"
#include "weft/defer/failure.h"
#include "weft/internet/address.h"
#include "weft/internet/protocol.h"
#include "weft/internet/transport.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace weft::application::detail {

using ProtocolDeferred = Deferred<std::shared_ptr<IProtocol>>;

class WrappingProtocol : public Protocol {
 public:
  // A wrapper for `wrapped` that fires `onConnected` (if still unfired) with it on
  // connectionMade: a HalfCloseableWrappingProtocol when wrapped is half-closeable.
  static std::shared_ptr<WrappingProtocol> wrap(ProtocolDeferred onConnected,
                                                std::shared_ptr<IProtocol> wrapped);

  WrappingProtocol(ProtocolDeferred onConnected, std::shared_ptr<IProtocol> wrapped);

  // Connects the wrapped protocol to this transport, then fires the Deferred with it. If the
  // wrapped protocol's connectionMade throws, the Deferred fails with that error (and the
  // exception goes on to the transport, which closes the connection).
  void connectionMade() override;
  void dataReceived(std::string_view data) override;
  void connectionLost(const Failure& reason) override;
  // The wrapped protocol's logPrefix when it has one, else its class name.
  std::string logPrefix() const override;

  const std::shared_ptr<IProtocol>& wrappedProtocol() const { return wrapped_; }

 private:
  std::optional<ProtocolDeferred> onConnected_;
  std::shared_ptr<IProtocol> wrapped_;
};

class HalfCloseableWrappingProtocol final : public WrappingProtocol, public IHalfCloseableProtocol {
 public:
  // wrapped must be an IHalfCloseableProtocol.
  HalfCloseableWrappingProtocol(ProtocolDeferred onConnected, std::shared_ptr<IProtocol> wrapped);

  void readConnectionLost() override { halfCloseable_->readConnectionLost(); }
  void writeConnectionLost() override { halfCloseable_->writeConnectionLost(); }

 private:
  IHalfCloseableProtocol* halfCloseable_;  // the wrapped protocol, which this keeps alive
};

class WrappingFactory final : public ClientFactory {
 public:
  // A factory wrapping `wrapped`, whose onConnection() Deferred fails with
  // ConnectingCancelledError(the connector's getDestination(), else `destination`) when
  // cancelled, and then stops the attempt.
  static std::shared_ptr<WrappingFactory> create(std::shared_ptr<IProtocolFactory> wrapped,
                                                 Address destination);

  explicit WrappingFactory(std::shared_ptr<IProtocolFactory> wrapped);

  // The endpoint's Deferred (Twisted's _onConnection). Call it before connecting: the
  // factory lets go of the Deferred once it has fired or been handed to the protocol.
  ProtocolDeferred onConnection() const { return onConnection_.value(); }
  // The connector of the attempt (also told by startedConnecting), held weakly: it owns
  // this factory.
  void setConnector(const std::shared_ptr<IConnector>& connector) { connector_ = connector; }

  // Builds with the wrapped factory and wraps the result. When the wrapped factory throws
  // or builds nothing (error::NoProtocol), or the Deferred has already fired (cancelled),
  // returns nullptr, so the connection is closed; the Deferred fails with that error.
  std::shared_ptr<IProtocol> buildProtocol(const Address& address) override;
  void startedConnecting(const std::shared_ptr<IConnector>& connector) override;
  void clientConnectionFailed(const std::shared_ptr<IConnector>& connector,
                              const Failure& reason) override;
  // Passed straight to the wrapped factory.
  void doStart() override { wrapped_->doStart(); }
  void doStop() override { wrapped_->doStop(); }
  std::string logPrefix() const override;

 private:
  // Takes the Deferred out of the factory.
  ProtocolDeferred take();

  std::shared_ptr<IProtocolFactory> wrapped_;
  std::weak_ptr<IConnector> connector_;
  // Empty once handed to the protocol that connects, failed, or cancelled, so this factory
  // never keeps the result alive (Twisted checks `called` instead).
  std::optional<ProtocolDeferred> onConnection_;
};

// Whether host is an IPv6 literal ("::1", "fe80::1%eth0"): no host name or IPv4 address has
// a colon.
inline bool isIPv6Literal(std::string_view host) {
  return host.find(':') != std::string_view::npos;
}

// connectTCP(host, port, <a WrappingFactory of factory>, options), as a Deferred of the
// connected protocol (what TCP4ClientEndpoint::connect and each HostnameEndpoint attempt
// do). An exception from connectTCP becomes a failed Deferred.
ProtocolDeferred connectWrapped(IReactorTCP& reactor, const std::string& host, int port,
                                const TCPConnectOptions& options,
                                std::shared_ptr<IProtocolFactory> factory);

}  // namespace weft::application::detail
