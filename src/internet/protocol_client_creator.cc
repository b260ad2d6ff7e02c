// ClientCreator's untyped core (twisted.internet.protocol._InstanceFactory and
// ClientCreator._connect).
#include "weft/internet/client_creator.h"
#include "weft/internet/protocol.h"

#include <memory>
#include <optional>
#include <utility>

namespace weft::detail {
namespace {

using ProtocolDeferred = Deferred<std::shared_ptr<IProtocol>>;

// One connectTCP: what the canceller and the factory share. The connector is held weakly
// (the Deferred must not keep the attempt alive); `cancelled` turns a result already queued
// for delivery into a no-op (the factory may be gone by then, so its queued call is not
// reachable to cancel).
struct Attempt {
  std::weak_ptr<IConnector> connector;
  bool cancelled = false;
};

// Hands out one instance. The result is delivered by a zero-delay call, as Twisted does, so
// connectionMade has returned before the Deferred fires and a cancel can still catch it.
class InstanceFactory final : public ClientFactory {
 public:
  InstanceFactory(IReactorTime& clock, std::shared_ptr<IProtocol> instance, ProtocolDeferred d,
                  std::shared_ptr<Attempt> attempt)
      : clock_(clock),
        instance_(std::move(instance)),
        deferred_(std::move(d)),
        attempt_(std::move(attempt)) {}

  std::shared_ptr<IProtocol> buildProtocol(const Address&) override {
    if (!deferred_) return nullptr;  // a second connection (connector.connect()): refused
    static_cast<void>(clock_.callLater(
        Seconds(0), [d = takeDeferred(), p = instance_, attempt = attempt_]() mutable {
          if (!attempt->cancelled) d.callback(p);
        }));
    return instance_;
  }
  void clientConnectionFailed(const std::shared_ptr<IConnector>&, const Failure& reason) override {
    if (!deferred_) return;
    static_cast<void>(
        clock_.callLater(Seconds(0), [d = takeDeferred(), reason, attempt = attempt_]() mutable {
          if (!attempt->cancelled) d.errback(reason);
        }));
  }

 private:
  ProtocolDeferred takeDeferred() {
    ProtocolDeferred d = std::move(*deferred_);
    deferred_.reset();
    return d;
  }

  IReactorTime& clock_;
  std::shared_ptr<IProtocol> instance_;
  std::optional<ProtocolDeferred> deferred_;
  std::shared_ptr<Attempt> attempt_;
};

}  // namespace

ProtocolDeferred connectInstanceTCP(IReactorTCP& tcp, IReactorTime& clock,
                                    std::shared_ptr<IProtocol> instance, std::string host, int port,
                                    TCPConnectOptions options) {
  auto attempt = std::make_shared<Attempt>();
  ProtocolDeferred d([attempt](ProtocolDeferred&) {
    // Stops a connection attempt or closes the connection made meanwhile; either way a
    // result already queued is dropped, and the Deferred fails with CancelledError.
    attempt->cancelled = true;
    if (auto connector = attempt->connector.lock()) connector->disconnect();
  });
  auto factory = std::make_shared<InstanceFactory>(clock, std::move(instance), d, attempt);
  attempt->connector =
      tcp.connectTCP(std::move(host), port, std::move(factory), std::move(options));
  return d;
}

}  // namespace weft::detail
