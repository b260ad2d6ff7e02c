// twisted.internet.protocol: Protocol, Factory (ServerFactory), ClientFactory,
// ReconnectingClientFactory.
#pragma once

#include "weft/base/function.h"
#include "weft/defer/failure.h"
#include "weft/internet/address.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/time.h"
#include "weft/internet/transport.h"

#include <concepts>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace weft {

class Factory;

// The base class of stream protocols (twisted.internet.protocol.Protocol). Override what
// you need: connectionMade, dataReceived, connectionLost.
class Protocol : public IProtocol, public virtual ILoggingContext {
 public:
  // Set by makeConnection; kept after the connection closes (writes then do nothing).
  std::shared_ptr<ITransport> transport;
  // The factory that built this protocol (set by Factory::buildProtocol).
  std::shared_ptr<Factory> factory;
  bool connected = false;

  void makeConnection(std::shared_ptr<ITransport> t) override;
  void connectionMade() override {}
  void dataReceived(std::string_view) override {}
  void connectionLost(const Failure&) override { connected = false; }
  std::string logPrefix() const override;
};

// twisted.internet.protocol.Factory: builds protocols, counts the ports and connectors it
// is attached to (startFactory on the first doStart, stopFactory on the last doStop).
class Factory : public IProtocolFactory,
                public virtual ILoggingContext,
                public std::enable_shared_from_this<Factory> {
 public:
  using ProtocolMaker = Function<std::shared_ptr<IProtocol>()>;

  Factory() = default;
  explicit Factory(ProtocolMaker maker) : protocol_(std::move(maker)) {}

  // Factory.forProtocol(P, *args): a factory whose buildProtocol makes P(args...).
  template <std::derived_from<IProtocol> P, class... A>
  static std::shared_ptr<Factory> forProtocol(A... args) {
    return std::make_shared<Factory>(
        ProtocolMaker([... a = std::move(args)]() -> std::shared_ptr<IProtocol> {
          return std::make_shared<P>(a...);
        }));
  }
  // factory.protocol = P
  template <std::derived_from<IProtocol> P>
  void setProtocol() {
    protocol_ = []() -> std::shared_ptr<IProtocol> { return std::make_shared<P>(); };
  }
  void setProtocol(ProtocolMaker maker) { protocol_ = std::move(maker); }

  // Makes a protocol with the protocol maker and sets its `factory` (when it is a
  // Protocol). Returns nullptr when no maker is set.
  std::shared_ptr<IProtocol> buildProtocol(const Address& addr) override;
  void doStart() override;
  void doStop() override;
  // Called when the factory starts (first port/connector) and stops (last one).
  virtual void startFactory() {}
  virtual void stopFactory() {}
  int numPorts() const { return numPorts_; }
  std::string logPrefix() const override;

 protected:
  ProtocolMaker protocol_;

 private:
  int numPorts_ = 0;
};

using ServerFactory = Factory;

// twisted.internet.protocol.ClientFactory: told about the life of its connection attempts.
class ClientFactory : public Factory {
 public:
  using Factory::Factory;
  template <std::derived_from<IProtocol> P, class... A>
  static std::shared_ptr<ClientFactory> forProtocol(A... args) {
    return std::make_shared<ClientFactory>(
        ProtocolMaker([... a = std::move(args)]() -> std::shared_ptr<IProtocol> {
          return std::make_shared<P>(a...);
        }));
  }
  // A connection attempt has started.
  virtual void startedConnecting(const std::shared_ptr<IConnector>& connector);
  // The attempt failed (ConnectionRefusedError, TimeoutError, UserError, ...).
  virtual void clientConnectionFailed(const std::shared_ptr<IConnector>& connector,
                                      const Failure& reason);
  // An established connection was lost (after the protocol's connectionLost).
  virtual void clientConnectionLost(const std::shared_ptr<IConnector>& connector,
                                    const Failure& reason);
};

// twisted.internet.protocol.ReconnectingClientFactory: reconnects with exponential backoff
// and jitter after a lost or failed connection, until stopTrying() or maxRetries.
class ReconnectingClientFactory : public ClientFactory {
 public:
  explicit ReconnectingClientFactory(IReactorTime& clock, ProtocolMaker maker = nullptr);
  // Cancels a pending reconnect (it refers to this factory).
  ~ReconnectingClientFactory() override;

  double maxDelay = 3600;
  double initialDelay = 1.0;
  double factor = 2.7182818284590451;  // e
  double jitter = 0.11962656472;       // molar Planck constant times c, joule meter/mole
  std::optional<int> maxRetries;

  void clientConnectionFailed(const std::shared_ptr<IConnector>& connector,
                              const Failure& reason) override;
  void clientConnectionLost(const std::shared_ptr<IConnector>& connector,
                            const Failure& reason) override;
  // Schedules the next attempt on connector (or the last one seen) after the backoff.
  void retry(std::shared_ptr<IConnector> connector = nullptr);
  // Stops reconnecting, cancelling a pending attempt; an attempt in progress is stopped.
  void stopTrying();
  // Resets the backoff after a successful connection (call from the protocol's
  // connectionMade, as in Twisted).
  void resetDelay();

  double delay() const { return delay_; }
  int retries() const { return retries_; }
  bool continueTrying() const { return continueTrying_; }
  const DelayedCallPtr& pendingCall() const { return callID_; }
  // Jitter source; tests may seed it.
  std::mt19937_64& random() { return random_; }

 private:
  IReactorTime& clock_;
  double delay_ = initialDelay;
  int retries_ = 0;
  bool continueTrying_ = true;
  DelayedCallPtr callID_;
  std::shared_ptr<IConnector> connector_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace weft
