// The reactor a program runs: every reactor interface in one object, made by makeReactor().
// There is no global reactor: create one, pass it by reference to what needs it.
#pragma once

#include "weft/internet/interfaces.h"
#include "weft/internet/time.h"
#include "weft/internet/transport.h"

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace weft {

// The I/O multiplexer behind the loop. kDefault reads the WEFT_REACTOR environment
// variable ("epoll" or "poll") and falls back to epoll.
enum class PollerKind { kDefault, kEPoll, kPoll };

std::string_view pollerName(PollerKind kind);

struct ReactorOptions {
  PollerKind poller = PollerKind::kDefault;
};

// Everything the seed's reactor provides. Issue by issue, more interfaces join this list
// (IReactorTCP, IReactorUDP, ...).
class Reactor : public IReactorCore,
                public IReactorTime,
                public IReactorThreads,
                public IReactorFDSet,
                public IReactorPluggableResolver,
                public IReactorTCP,
                public IReactorSocket {
 public:
  // The backend this reactor runs on (never kDefault).
  virtual PollerKind pollerKind() const = 0;

  // The signal (SIGINT or SIGTERM) whose handler stopped the reactor, nullopt when none did
  // (Twisted's _exitSignal; the handlers are installed by run({.installSignalHandlers =
  // true})). CORE-25.
  virtual std::optional<int> exitSignal() const = 0;

  // weft extension (not in the seed): runs f once, in the flush phase of the current loop
  // iteration, after I/O dispatch and before the loop next waits. Transports use it to send
  // every write made during one dispatch with one writev. A call made while the flush phase
  // runs joins the same phase (it drains until empty). Also runs before iterate() returns.
  // Reactor thread only.
  virtual void callBeforeWait(Function<void()> f) = 0;

  using IReactorTCP::connectTCP;  // keeps the service-name overloads visible
  using IReactorTCP::listenTCP;

  // Seed: IReactorArbitrary. Makes PortType(args..., *this) and starts it listening; the
  // reactor is the last constructor argument (Twisted passes it as reactor=).
  template <class PortType, class... A>
  requires std::derived_from<PortType, IListeningPort> std::shared_ptr<PortType> listenWith(
      A&&... args) {
    auto port = std::make_shared<PortType>(std::forward<A>(args)..., *this);
    port->startListening();
    return port;
  }
  // Makes ConnectorType(args..., *this) and calls its connect().
  template <class ConnectorType, class... A>
  requires std::derived_from<ConnectorType, IConnector> std::shared_ptr<ConnectorType> connectWith(
      A&&... args) {
    auto connector = std::make_shared<ConnectorType>(std::forward<A>(args)..., *this);
    connector->connect();
    return connector;
  }
};

// Creates a reactor. Throws error::ValueError for an unknown WEFT_REACTOR value.
std::unique_ptr<Reactor> makeReactor(ReactorOptions options = {});

}  // namespace weft
