#include "application/wrapping_factory.h"

#include "weft/base/error.h"
#include "weft/base/type_name.h"

#include <typeinfo>
#include <utility>

namespace weft::application::detail {

// --- WrappingProtocol ---------------------------------------------------------------------------

std::shared_ptr<WrappingProtocol> WrappingProtocol::wrap(ProtocolDeferred onConnected,
                                                         std::shared_ptr<IProtocol> wrapped) {
  if (dynamic_cast<IHalfCloseableProtocol*>(wrapped.get()) != nullptr) {
    return std::make_shared<HalfCloseableWrappingProtocol>(std::move(onConnected),
                                                           std::move(wrapped));
  }
  return std::make_shared<WrappingProtocol>(std::move(onConnected), std::move(wrapped));
}

WrappingProtocol::WrappingProtocol(ProtocolDeferred onConnected, std::shared_ptr<IProtocol> wrapped)
    : onConnected_(std::move(onConnected)), wrapped_(std::move(wrapped)) {}

void WrappingProtocol::connectionMade() {
  // Fired at most once, and never kept: the Deferred's result must not outlive the chain.
  std::optional<ProtocolDeferred> d = std::exchange(onConnected_, std::nullopt);
  try {
    wrapped_->makeConnection(transport);
  } catch (...) {
    if (d && !d->called()) d->errback(Failure::current());
    throw;
  }
  if (d && !d->called()) d->callback(wrapped_);
}

void WrappingProtocol::dataReceived(std::string_view data) { wrapped_->dataReceived(data); }

void WrappingProtocol::connectionLost(const Failure& reason) {
  Protocol::connectionLost(reason);
  wrapped_->connectionLost(reason);
}

std::string WrappingProtocol::logPrefix() const {
  if (const auto* context = dynamic_cast<const ILoggingContext*>(wrapped_.get())) {
    return context->logPrefix();
  }
  const IProtocol& wrapped = *wrapped_;
  return className(typeid(wrapped));
}

HalfCloseableWrappingProtocol::HalfCloseableWrappingProtocol(ProtocolDeferred onConnected,
                                                             std::shared_ptr<IProtocol> wrapped)
    : WrappingProtocol(std::move(onConnected), std::move(wrapped)),
      halfCloseable_(&dynamic_cast<IHalfCloseableProtocol&>(*wrappedProtocol())) {}

// --- WrappingFactory ----------------------------------------------------------------------------

std::shared_ptr<WrappingFactory> WrappingFactory::create(std::shared_ptr<IProtocolFactory> wrapped,
                                                         Address destination) {
  auto factory = std::make_shared<WrappingFactory>(std::move(wrapped));
  // The canceller holds the factory weakly: the factory holds the Deferred until it fires.
  std::weak_ptr<WrappingFactory> weak = factory;
  factory->onConnection_.emplace([weak, destination](ProtocolDeferred& d) {
    std::shared_ptr<WrappingFactory> self = weak.lock();
    std::shared_ptr<IConnector> connector;
    if (self) {
      self->onConnection_.reset();  // a later buildProtocol refuses: the connect is over
      connector = self->connector_.lock();
    }
    d.errback(Failure(
        error::ConnectingCancelledError(connector ? connector->getDestination() : destination)));
    if (!connector) return;
    try {
      connector->stopConnecting();
    } catch (const error::NotConnectingError&) {
      // Connected already (its protocol failed in connectionMade): that connection is
      // closing, and the Deferred has its failure.
    }
  });
  return factory;
}

WrappingFactory::WrappingFactory(std::shared_ptr<IProtocolFactory> wrapped)
    : wrapped_(std::move(wrapped)) {}

ProtocolDeferred WrappingFactory::take() {
  ProtocolDeferred d = std::move(*onConnection_);
  onConnection_.reset();
  return d;
}

std::shared_ptr<IProtocol> WrappingFactory::buildProtocol(const Address& address) {
  if (!onConnection_) return nullptr;
  std::shared_ptr<IProtocol> protocol;
  try {
    protocol = wrapped_->buildProtocol(address);
  } catch (...) {
    take().errback(Failure::current());
    return nullptr;
  }
  if (!protocol) {
    take().errback(Failure(error::NoProtocol()));
    return nullptr;
  }
  return WrappingProtocol::wrap(take(), std::move(protocol));
}

void WrappingFactory::startedConnecting(const std::shared_ptr<IConnector>& connector) {
  connector_ = connector;
}

void WrappingFactory::clientConnectionFailed(const std::shared_ptr<IConnector>&,
                                             const Failure& reason) {
  if (onConnection_) take().errback(reason);
}

std::string WrappingFactory::logPrefix() const {
  if (const auto* context = dynamic_cast<const ILoggingContext*>(wrapped_.get())) {
    return context->logPrefix();
  }
  const IProtocolFactory& wrapped = *wrapped_;
  return className(typeid(wrapped));
}

}  // namespace weft::application::detail
