// HostnameEndpoint (Twisted's, with its attempt staggering): resolve, then race attempts
// started attemptDelay apart.
#include "application/wrapping_factory.h"

#include "weft/application/endpoints.h"
#include "weft/base/error.h"
#include "weft/base/log.h"

#include <arpa/inet.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::application {
namespace {

using detail::isIPv6Literal;
using detail::ProtocolDeferred;

bool isIPv4Literal(const std::string& host) {
  in_addr address{};
  return ::inet_pton(AF_INET, host.c_str(), &address) == 1;
}

// One connect(): the lookup, then the attempts. Owned by what it waits for (the lookup, the
// pending attempts, the timer that starts the next one); the Deferred it returns holds it
// only weakly, through its canceller. Every path ends in finish(), which stops whatever is
// still running, then fires the Deferred once.
class HostnameConnection final : public std::enable_shared_from_this<HostnameConnection> {
 public:
  struct Settings {
    IReactorTCP& tcp;
    IReactorTime& clock;
    std::string host;
    int port;
    TCPConnectOptions connectOptions;
    Seconds attemptDelay;
  };

  HostnameConnection(Settings settings, std::shared_ptr<IProtocolFactory> factory)
      : settings_(std::move(settings)), factory_(std::move(factory)) {}

  ProtocolDeferred start(Deferred<std::vector<Address>> lookup) {
    std::weak_ptr<HostnameConnection> weak = weak_from_this();
    ProtocolDeferred result([weak](ProtocolDeferred&) {
      if (auto self = weak.lock()) {
        self->finish(Failure(error::ConnectingCancelledError(
            HostnameAddress{self->settings_.host, self->settings_.port})));
      }
    });
    result_ = result;
    Deferred<void> chained =
        lookup.addBoth([self = shared_from_this()](Outcome<std::vector<Address>> found) {
          self->lookupDone_ = true;
          self->lookup_.reset();
          self->resolved(std::move(found));
        });
    // Kept only while it runs, to cancel it: a fired lookup held here would hold this.
    if (!lookupDone_) lookup_ = std::move(chained);
    return result;
  }

 private:
  void resolved(Outcome<std::vector<Address>> found) {
    if (done_) return;  // cancelled meanwhile
    if (!found.ok()) {
      if (found.failure().check<error::DNSLookupError>()) {
        finish(std::move(found).failure());
        return;
      }
      // As Twisted's _SimpleHostnameResolver: any other error is logged, and the name
      // counts as unknown.
      log::error("Unhandled error looking up " + settings_.host + ":\n" +
                 found.failure().getTraceback());
      finish(Failure(error::DNSLookupError("Couldn't find the hostname '" + settings_.host + "'")));
      return;
    }
    addresses_ = std::move(found).value();
    if (addresses_.empty()) {
      finish(Failure(error::DNSLookupError("no results for hostname lookup: " + settings_.host)));
      return;
    }
    startNextAttempt();
  }

  // Twisted's iterateEndpoint (a LoopingCall every attemptDelay, the first one at once).
  void startNextAttempt() {
    timer_ = nullptr;
    if (done_ || next_ >= addresses_.size()) return;
    const Address& address = addresses_[next_++];
    std::string host;
    int port = 0;
    if (const auto* v4 = std::get_if<IPv4Address>(&address)) {
      host = v4->host;
      port = v4->port;
    } else if (const auto* v6 = std::get_if<IPv6Address>(&address)) {
      host = v6->host;
      port = v6->port;
    }
    std::uint64_t id = nextAttemptId_++;
    ProtocolDeferred attempt =
        host.empty()
            ? fail<std::shared_ptr<IProtocol>>(Failure(error::ConnectError("not an IP address")))
            : detail::connectWrapped(settings_.tcp, host, port, settings_.connectOptions, factory_);
    pending_.emplace_back(id, attempt);
    static_cast<void>(attempt.addBoth(
        [self = shared_from_this(), id](Outcome<std::shared_ptr<IProtocol>> outcome) {
          self->attemptEnded(id, std::move(outcome));
        }));
    if (!done_ && next_ < addresses_.size()) {
      timer_ = settings_.clock.callLater(settings_.attemptDelay,
                                         [self = shared_from_this()] { self->startNextAttempt(); });
    }
  }

  void attemptEnded(std::uint64_t id, Outcome<std::shared_ptr<IProtocol>> outcome) {
    std::erase_if(pending_, [id](const auto& entry) { return entry.first == id; });
    if (done_) return;  // one of the attempts cancelled by finish()
    if (outcome.ok()) {
      finish(std::move(outcome));
      return;
    }
    lastFailure_ = std::move(outcome).failure();
    // Twisted: fail with the last failure once nothing is pending and no address is left.
    if (pending_.empty() && next_ >= addresses_.size()) finish(*lastFailure_);
  }

  // Stops the lookup, the timer and every pending attempt, then fires the result (as
  // Twisted's cancelRemainingPending, the first callback on its result).
  void finish(Outcome<std::shared_ptr<IProtocol>> outcome) {
    if (done_) return;
    done_ = true;
    std::shared_ptr<HostnameConnection> keepAlive = shared_from_this();
    if (timer_ && timer_->active()) timer_->cancel();
    timer_ = nullptr;
    if (auto lookup = std::exchange(lookup_, std::nullopt)) lookup->cancel();
    auto pending = std::exchange(pending_, {});
    for (auto& entry : pending) entry.second.cancel();
    ProtocolDeferred result = std::move(*result_);
    result_.reset();
    if (outcome.ok()) {
      result.callback(std::move(outcome).value());
    } else {
      result.errback(std::move(outcome).failure());
    }
  }

  Settings settings_;
  std::shared_ptr<IProtocolFactory> factory_;
  std::optional<ProtocolDeferred> result_;
  std::optional<Deferred<void>> lookup_;
  bool lookupDone_ = false;
  std::vector<Address> addresses_;
  std::size_t next_ = 0;
  std::uint64_t nextAttemptId_ = 0;
  std::vector<std::pair<std::uint64_t, ProtocolDeferred>> pending_;
  std::optional<Failure> lastFailure_;
  DelayedCallPtr timer_;
  bool done_ = false;
};

}  // namespace

HostnameEndpoint::HostnameEndpoint(IReactorTCP& tcp, IReactorTime& clock, IReactorCore& core,
                                   std::string host, int port, HostnameEndpointOptions options)
    : tcp_(tcp),
      clock_(clock),
      core_(core),
      host_(std::move(host)),
      port_(port),
      options_(std::move(options)) {}

Deferred<std::shared_ptr<IProtocol>> HostnameEndpoint::connect(
    std::shared_ptr<IProtocolFactory> protocolFactory) {
  if (!protocolFactory) {
    return fail<std::shared_ptr<IProtocol>>(
        Failure(error::ValueError("connect() needs a protocol factory")));
  }
  auto connection = std::make_shared<HostnameConnection>(
      HostnameConnection::Settings{
          .tcp = tcp_,
          .clock = clock_,
          .host = host_,
          .port = port_,
          .connectOptions = {.timeout = options_.timeout, .bindAddress = options_.bindAddress},
          .attemptDelay = options_.attemptDelay},
      std::move(protocolFactory));
  return connection->start(resolveAddresses());
}

Deferred<std::vector<Address>> HostnameEndpoint::resolveAddresses() {
  if (isIPv6Literal(host_)) return succeed(std::vector<Address>{IPv6Address{"TCP", host_, port_}});
  if (isIPv4Literal(host_)) return succeed(std::vector<Address>{IPv4Address{"TCP", host_, port_}});
  try {
    if (options_.nameResolution) return options_.nameResolution(host_, port_);
    // Twisted's _SimpleHostnameResolver over the reactor's resolve(): one IPv4 address.
    return core_.resolve(host_).addCallback([port = port_](std::string ip) {
      return std::vector<Address>{IPv4Address{"TCP", std::move(ip), port}};
    });
  } catch (...) {
    return fail<std::vector<Address>>(Failure::current());
  }
}

std::string HostnameEndpoint::repr() const {
  std::string host = isIPv6Literal(host_) ? "[" + host_ + "]" : host_;
  return "<HostnameEndpoint " + host + ":" + std::to_string(port_) + ">";
}

}  // namespace weft::application
