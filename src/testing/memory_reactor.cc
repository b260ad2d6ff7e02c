#include "weft/testing/memory_reactor.h"

#include "weft/base/error.h"

#include <algorithm>
#include <array>

namespace weft::testing {
namespace {

bool isIPv6(std::string_view host) { return host.find(':') != std::string_view::npos; }

constexpr std::array<std::string_view, 3> kPhases{"before", "during", "after"};

}  // namespace

Deferred<void> FakePort::stopListening() {
  ++stopListeningCalls;
  return succeed();
}

std::vector<const SystemEventTriggerRecord*> MemoryReactor::triggersFor(
    std::string_view phase, std::string_view eventType) const {
  std::vector<const SystemEventTriggerRecord*> found;
  for (const auto& t : triggers) {
    if (t.id.phase == phase && t.id.eventType == eventType) found.push_back(&t);
  }
  return found;
}

void MemoryReactor::run(RunOptions) {
  if (running_) throw error::ReactorAlreadyRunning();
  running_ = true;
  hasRun = true;
  // Hooks may add hooks; take them out first.
  auto hooks = std::move(whenRunningHooks_);
  whenRunningHooks_.clear();
  for (auto& hook : hooks) hook();
  stop();
}

void MemoryReactor::stop() {
  running_ = false;
  hasStopped = true;
}

void MemoryReactor::crash() {
  running_ = false;
  hasCrashed = true;
}

void MemoryReactor::iterate(Seconds) { ++iterations; }

void MemoryReactor::fireSystemEvent(std::string_view eventType) {
  for (std::string_view phase : kPhases) {
    // Ids, not pointers: a trigger may add or remove triggers.
    std::vector<std::uint64_t> ids;
    for (const auto* t : triggersFor(phase, eventType)) ids.push_back(t->id.id);
    for (std::uint64_t id : ids) {
      auto it = std::find_if(triggers.begin(), triggers.end(),
                             [id](const auto& t) { return t.id.id == id; });
      if (it == triggers.end()) continue;
      auto trigger = std::move(it->trigger);
      triggers.erase(it);  // a system event trigger runs once
      static_cast<void>(trigger());
    }
  }
}

TriggerId MemoryReactor::addTrigger(std::string_view phase, std::string_view eventType,
                                    SystemEventTrigger trigger) {
  if (std::find(kPhases.begin(), kPhases.end(), phase) == kPhases.end()) {
    throw error::KeyError("'" + std::string(phase) + "'");
  }
  TriggerId id{std::string(phase), std::string(eventType), nextTriggerId_++};
  triggers.push_back({id, std::move(trigger)});
  return id;
}

void MemoryReactor::removeSystemEventTrigger(const TriggerId& id) {
  if (id.id == 0) throw error::TypeError("removeSystemEventTrigger: null trigger id");
  if (std::find(kPhases.begin(), kPhases.end(), id.phase) == kPhases.end()) {
    throw error::KeyError("'" + id.phase + "'");
  }
  auto it = std::find_if(triggers.begin(), triggers.end(),
                         [&](const auto& t) { return t.id.id == id.id; });
  if (it == triggers.end()) throw error::ValueError("unknown or removed trigger");
  triggers.erase(it);
}

std::optional<TriggerId> MemoryReactor::callWhenRunningImpl(Function<void()> f) {
  if (running_) {
    f();
    return std::nullopt;
  }
  whenRunningHooks_.push_back(std::move(f));
  return TriggerId{"after", "startup", nextTriggerId_++};
}

Deferred<std::string> MemoryReactor::resolve(std::string_view name, std::vector<int>) {
  return fail<std::string>(
      Failure(error::DNSLookupError("MemoryReactor resolves nothing: " + std::string(name))));
}

std::shared_ptr<IListeningPort> MemoryReactor::listenTCP(int port,
                                                         std::shared_ptr<IProtocolFactory> factory,
                                                         TCPListenOptions options) {
  Address host = isIPv6(options.interface) ? Address(IPv6Address{"TCP", options.interface, port})
                                           : Address(IPv4Address{"TCP", "0.0.0.0", port});
  tcpServers.push_back({port, std::move(factory), options.backlog, options.interface});
  auto fake = std::make_shared<FakePort>(std::move(host));
  ports.push_back(fake);
  return fake;
}

std::shared_ptr<IConnector> MemoryReactor::connectTCP(std::string host, int port,
                                                      std::shared_ptr<ClientFactory> factory,
                                                      TCPConnectOptions options) {
  Address destination = isIPv6(host) ? Address(IPv6Address{"TCP", host, port})
                                     : Address(IPv4Address{"TCP", host, port});
  tcpClients.push_back({host, port, factory, options.timeout, options.bindAddress});
  auto connector = std::make_shared<FakeConnector>(std::move(destination));
  connectors.push_back(connector);
  if (factory) factory->startedConnecting(connector);
  return connector;
}

// --- IReactorSocket -------------------------------------------------------------------------

std::shared_ptr<IListeningPort> MemoryReactor::adoptStreamPort(
    int fd, AddressFamily family, std::shared_ptr<IProtocolFactory> factory) {
  Address host;
  if (family == AddressFamily::kINET) {
    host = IPv4Address{"TCP", "0.0.0.0", 1234};
  } else if (family == AddressFamily::kINET6) {
    host = IPv6Address{"TCP", "::", 1234};
  } else {
    throw error::UnsupportedAddressFamily("adoptStreamPort: not an IP address family");
  }
  adoptedPorts.push_back({fd, family, std::move(factory)});
  return std::make_shared<FakePort>(std::move(host));
}

void MemoryReactor::adoptStreamConnection(int fd, AddressFamily family,
                                          std::shared_ptr<IProtocolFactory> factory) {
  adoptedStreamConnections.push_back({fd, family, std::move(factory)});
}

// --- IReactorFDSet ---------------------------------------------------------------------------

void MemoryReactor::addReader(std::shared_ptr<IReadDescriptor> reader) {
  if (std::find(readers.begin(), readers.end(), reader) == readers.end()) {
    readers.push_back(std::move(reader));
  }
}

void MemoryReactor::addWriter(std::shared_ptr<IWriteDescriptor> writer) {
  if (std::find(writers.begin(), writers.end(), writer) == writers.end()) {
    writers.push_back(std::move(writer));
  }
}

void MemoryReactor::removeReader(const std::shared_ptr<IReadDescriptor>& reader) {
  std::erase(readers, reader);
}

void MemoryReactor::removeWriter(const std::shared_ptr<IWriteDescriptor>& writer) {
  std::erase(writers, writer);
}

std::vector<std::shared_ptr<IFileDescriptor>> MemoryReactor::removeAll() {
  std::vector<std::shared_ptr<IFileDescriptor>> removed;
  auto addOnce = [&removed](std::shared_ptr<IFileDescriptor> d) {
    auto same = [&d](const auto& r) { return r.get() == d.get(); };
    if (std::none_of(removed.begin(), removed.end(), same)) removed.push_back(std::move(d));
  };
  for (auto& r : readers) addOnce(std::move(r));
  for (auto& w : writers) addOnce(std::move(w));
  readers.clear();
  writers.clear();
  return removed;
}

// --- RaisingMemoryReactor --------------------------------------------------------------------

void RaisingMemoryReactor::raise(const std::optional<Failure>& exception) {
  if (!exception) throw error::TypeError("RaisingMemoryReactor: no exception to raise");
  exception->raiseException();
}

std::shared_ptr<IListeningPort> RaisingMemoryReactor::listenTCP(int,
                                                                std::shared_ptr<IProtocolFactory>,
                                                                TCPListenOptions) {
  raise(listenException_);
}

std::shared_ptr<IConnector> RaisingMemoryReactor::connectTCP(std::string, int,
                                                             std::shared_ptr<ClientFactory>,
                                                             TCPConnectOptions) {
  raise(connectException_);
}

std::shared_ptr<IListeningPort> RaisingMemoryReactor::adoptStreamPort(
    int, AddressFamily, std::shared_ptr<IProtocolFactory>) {
  raise(listenException_);
}

void RaisingMemoryReactor::adoptStreamConnection(int, AddressFamily,
                                                 std::shared_ptr<IProtocolFactory>) {
  raise(connectException_);
}

}  // namespace weft::testing
