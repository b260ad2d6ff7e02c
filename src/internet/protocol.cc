#include "weft/internet/protocol.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/base/type_name.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace weft {
namespace {

std::string describe(const std::shared_ptr<IConnector>& connector) {
  if (!connector) return "<no connector>";
  return "<Connector to " + toString(connector->getDestination()) + ">";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Protocol

void Protocol::makeConnection(std::shared_ptr<ITransport> t) {
  transport = std::move(t);
  connected = true;
  connectionMade();
}

std::string Protocol::logPrefix() const { return className(typeid(*this)); }

// ---------------------------------------------------------------------------------------
// repr() defaults of the transport interfaces (weft extension)

std::string ITransport::repr() const { return "<" + className(typeid(*this)) + ">"; }
std::string IListeningPort::repr() const { return "<" + className(typeid(*this)) + ">"; }

// ---------------------------------------------------------------------------------------
// Factory

std::shared_ptr<IProtocol> Factory::buildProtocol(const Address&) {
  if (!protocol_) return nullptr;
  std::shared_ptr<IProtocol> product = protocol_();
  if (auto p = std::dynamic_pointer_cast<Protocol>(product)) {
    // weak_from_this() is empty when the factory is not owned by a shared_ptr; the
    // protocol then has no factory, rather than a dangling one.
    p->factory = weak_from_this().lock();
  }
  return product;
}

void Factory::doStart() {
  if (numPorts_ == 0) {
    log::info("Starting factory " + logPrefix(), logPrefix());
    // As in Twisted, a startFactory that throws leaves the count at zero.
    startFactory();
  }
  ++numPorts_;
}

void Factory::doStop() {
  if (numPorts_ == 0) return;  // unbalanced doStop: nothing is attached
  --numPorts_;
  if (numPorts_ == 0) {
    log::info("Stopping factory " + logPrefix(), logPrefix());
    stopFactory();
  }
}

std::string Factory::logPrefix() const { return className(typeid(*this)); }

// ---------------------------------------------------------------------------------------
// ClientFactory

void ClientFactory::startedConnecting(const std::shared_ptr<IConnector>&) {}
void ClientFactory::clientConnectionFailed(const std::shared_ptr<IConnector>&, const Failure&) {}
void ClientFactory::clientConnectionLost(const std::shared_ptr<IConnector>&, const Failure&) {}

// ---------------------------------------------------------------------------------------
// ReconnectingClientFactory

ReconnectingClientFactory::ReconnectingClientFactory(IReactorTime& clock, ProtocolMaker maker)
    : ClientFactory(std::move(maker)), clock_(clock) {}

ReconnectingClientFactory::~ReconnectingClientFactory() {
  // The pending reconnect refers to this factory; it must not outlive it.
  if (callID_ && callID_->active()) callID_->cancel();
}

void ReconnectingClientFactory::clientConnectionFailed(const std::shared_ptr<IConnector>& connector,
                                                       const Failure&) {
  if (continueTrying_) {
    connector_ = connector;
    retry();
  }
}

void ReconnectingClientFactory::clientConnectionLost(const std::shared_ptr<IConnector>& connector,
                                                     const Failure&) {
  if (continueTrying_) {
    connector_ = connector;
    retry();
  }
}

void ReconnectingClientFactory::retry(std::shared_ptr<IConnector> connector) {
  if (!continueTrying_) {
    log::info("Abandoning " + describe(connector ? connector : connector_) + " on explicit request",
              logPrefix());
    return;
  }
  if (!connector) {
    if (!connector_) throw error::ValueError("no connector to retry");
    connector = connector_;
  }
  ++retries_;
  if (maxRetries && retries_ > *maxRetries) {
    log::info(
        "Abandoning " + describe(connector) + " after " + std::to_string(retries_) + " retries.",
        logPrefix());
    return;
  }
  delay_ = std::min(delay_ * factor, maxDelay);
  if (jitter != 0.0) {
    std::normal_distribution<double> normal(delay_, delay_ * jitter);
    // A negative draw (vanishingly rare with the default jitter) would make callLater
    // throw and every later delay negative; clamp it.
    delay_ = std::max(0.0, normal(random_));
  }
  log::info(describe(connector) + " will retry in " +
                std::to_string(static_cast<long long>(delay_)) + " seconds",
            logPrefix());
  callID_ = clock_.callLater(Seconds(delay_), [this, connector] {
    callID_ = nullptr;
    connector->connect();
  });
}

void ReconnectingClientFactory::stopTrying() {
  if (callID_) {
    if (callID_->active()) callID_->cancel();
    callID_ = nullptr;
  }
  continueTrying_ = false;
  if (connector_) {
    try {
      connector_->stopConnecting();
    } catch (const error::NotConnectingError&) {
      // Not connecting (connected, or waiting for the retry we just cancelled): fine.
    }
  }
}

void ReconnectingClientFactory::resetDelay() {
  delay_ = initialDelay;
  retries_ = 0;
  // Twisted forgets the call here (it has normally run already: resetDelay is called from
  // connectionMade). A call still pending is kept so that stopTrying and the destructor
  // can cancel it.
  if (callID_ && !callID_->active()) callID_ = nullptr;
  continueTrying_ = true;
}

}  // namespace weft
