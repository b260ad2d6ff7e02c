// MemoryReactor and MemoryReactorClock (twisted.internet.testing): a fake reactor that
// records what the code under test asks of it. listenTCP/connectTCP store their arguments
// in tcpServers/tcpClients and return fake ports and connectors; the test then drives the
// outcome itself (factory->buildProtocol(...), clientConnectionFailed(...), ...).
#pragma once

#include "weft/defer/failure.h"
#include "weft/internet/address.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/protocol.h"
#include "weft/internet/transport.h"
#include "weft/testing/clock.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::testing {

// The arguments of one listenTCP call.
struct TCPServer {
  int port = 0;
  std::shared_ptr<IProtocolFactory> factory;
  int backlog = 50;
  std::string interface;
};

// The arguments of one connectTCP call.
struct TCPClient {
  std::string host;
  int port = 0;
  std::shared_ptr<ClientFactory> factory;
  Seconds timeout = Seconds(30);
  std::optional<std::pair<std::string, int>> bindAddress;
};

// An IListeningPort that only records: startListening/stopListening count calls and
// stopListening returns an already-fired Deferred.
class FakePort : public IListeningPort {
 public:
  explicit FakePort(Address hostAddress) : hostAddress_(std::move(hostAddress)) {}
  void startListening() override { ++startListeningCalls; }
  Deferred<void> stopListening() override;
  Address getHost() const override { return hostAddress_; }

  int startListeningCalls = 0;
  int stopListeningCalls = 0;

 private:
  Address hostAddress_;
};

// An IConnector that only records (Twisted's _FakeConnector): stopConnecting never throws.
class FakeConnector : public IConnector {
 public:
  explicit FakeConnector(Address destination) : destination_(std::move(destination)) {}
  void stopConnecting() override { stoppedConnecting = true; }
  void disconnect() override { disconnected = true; }
  void connect() override { ++connectCalls; }
  Address getDestination() const override { return destination_; }

  bool stoppedConnecting = false;
  bool disconnected = false;
  int connectCalls = 0;

 private:
  Address destination_;
};

// The arguments of one adoptStreamPort call.
struct AdoptedPort {
  int fd = -1;
  AddressFamily family = AddressFamily::kINET;
  std::shared_ptr<IProtocolFactory> factory;
};

// The arguments of one adoptStreamConnection call.
struct AdoptedStreamConnection {
  int fd = -1;
  AddressFamily family = AddressFamily::kINET;
  std::shared_ptr<IProtocolFactory> factory;
};

// One system event trigger recorded by addSystemEventTrigger.
struct SystemEventTriggerRecord {
  TriggerId id;
  // Runs the trigger; a Deferred it returns is ignored by fireSystemEvent.
  Function<std::optional<Deferred<void>>()> trigger;
};

// A fake IReactorCore + IReactorTCP + IReactorSocket + IReactorFDSet (Twisted's
// MemoryReactor). run() runs the callWhenRunning hooks, then stops at once. Descriptors
// added with addReader/addWriter are only kept in `readers`/`writers`, never polled.
// Thread affinity: one thread (the test's).
class MemoryReactor : public IReactorCore,
                      public IReactorTCP,
                      public IReactorSocket,
                      public IReactorFDSet {
 public:
  MemoryReactor() = default;
  MemoryReactor(const MemoryReactor&) = delete;
  MemoryReactor& operator=(const MemoryReactor&) = delete;

  // --- what was asked ------------------------------------------------------------------------
  std::vector<TCPServer> tcpServers;
  std::vector<TCPClient> tcpClients;
  // The connectors returned by connectTCP, in order.
  std::vector<std::shared_ptr<FakeConnector>> connectors;
  // The ports returned by listenTCP, in order.
  std::vector<std::shared_ptr<FakePort>> ports;
  std::vector<SystemEventTriggerRecord> triggers;
  // adoptStreamPort and adoptStreamConnection calls, in order.
  std::vector<AdoptedPort> adoptedPorts;
  std::vector<AdoptedStreamConnection> adoptedStreamConnections;
  // The registered descriptors, each once, in the order they were added (Twisted's sets).
  std::vector<std::shared_ptr<IReadDescriptor>> readers;
  std::vector<std::shared_ptr<IWriteDescriptor>> writers;
  bool hasRun = false;
  bool hasStopped = false;
  bool hasCrashed = false;
  int iterations = 0;

  // The triggers recorded for (phase, eventType), in order.
  std::vector<const SystemEventTriggerRecord*> triggersFor(std::string_view phase,
                                                           std::string_view eventType) const;

  // --- IReactorCore ------------------------------------------------------------------------
  bool running() const override { return running_; }
  // Throws error::ReactorAlreadyRunning when running. Runs the pending callWhenRunning
  // hooks, then stop().
  void run(RunOptions options = {}) override;
  // Sets running() false and hasStopped (never throws, as Twisted's).
  void stop() override;
  void crash() override;
  // Counts the call; nothing else.
  void iterate(Seconds delay = Seconds(0)) override;
  // Runs the recorded before, during and after triggers of eventType, in order.
  void fireSystemEvent(std::string_view eventType) override;
  void removeSystemEventTrigger(const TriggerId& id) override;
  // Fails with error::DNSLookupError: the memory reactor resolves nothing.
  Deferred<std::string> resolve(std::string_view name,
                                std::vector<int> timeout = {1, 3, 11, 45}) override;

  // --- IReactorTCP -------------------------------------------------------------------------
  // Records the call; the port's host is IPv4Address('TCP', '0.0.0.0', port), or an
  // IPv6Address on an IPv6 interface. The factory is not started.
  std::shared_ptr<IListeningPort> listenTCP(int port, std::shared_ptr<IProtocolFactory> factory,
                                            TCPListenOptions options = {}) override;
  // Records the call, calls factory->startedConnecting(connector) and returns the connector.
  std::shared_ptr<IConnector> connectTCP(std::string host, int port,
                                         std::shared_ptr<ClientFactory> factory,
                                         TCPConnectOptions options = {}) override;
  using IReactorTCP::connectTCP;  // the service-name overloads
  using IReactorTCP::listenTCP;

  // --- IReactorSocket ----------------------------------------------------------------------
  // Records the call and returns a FakePort on IPv4Address('TCP', '0.0.0.0', 1234) or
  // IPv6Address('TCP', '::', 1234). Throws error::UnsupportedAddressFamily for kUNIX. The
  // descriptor is neither used nor closed.
  std::shared_ptr<IListeningPort> adoptStreamPort(
      int fd, AddressFamily family, std::shared_ptr<IProtocolFactory> factory) override;
  // Records the call; nothing else.
  void adoptStreamConnection(int fd, AddressFamily family,
                             std::shared_ptr<IProtocolFactory> factory) override;

  // --- IReactorFDSet: recorded in readers/writers, never polled ------------------------------
  void addReader(std::shared_ptr<IReadDescriptor> reader) override;
  void addWriter(std::shared_ptr<IWriteDescriptor> writer) override;
  void removeReader(const std::shared_ptr<IReadDescriptor>& reader) override;
  void removeWriter(const std::shared_ptr<IWriteDescriptor>& writer) override;
  // Empties readers and writers and returns what they held, each descriptor once.
  std::vector<std::shared_ptr<IFileDescriptor>> removeAll() override;
  std::vector<std::shared_ptr<IReadDescriptor>> getReaders() const override { return readers; }
  std::vector<std::shared_ptr<IWriteDescriptor>> getWriters() const override { return writers; }

 protected:
  TriggerId addTrigger(std::string_view phase, std::string_view eventType,
                       SystemEventTrigger trigger) override;
  std::optional<TriggerId> callWhenRunningImpl(Function<void()> f) override;

 private:
  bool running_ = false;
  std::uint64_t nextTriggerId_ = 1;
  std::vector<Function<void()>> whenRunningHooks_;
};

// Twisted's RaisingMemoryReactor: every listen (listenTCP, adoptStreamPort) raises the
// listen exception and every connect (connectTCP, adoptStreamConnection) the connect one,
// for testing how code copes with a reactor that refuses. Without the exception asked
// for, the call raises error::TypeError (Python's `raise None`).
class RaisingMemoryReactor : public IReactorTCP, public IReactorSocket {
 public:
  explicit RaisingMemoryReactor(std::optional<Failure> listenException = std::nullopt,
                                std::optional<Failure> connectException = std::nullopt)
      : listenException_(std::move(listenException)),
        connectException_(std::move(connectException)) {}

  std::shared_ptr<IListeningPort> listenTCP(int port, std::shared_ptr<IProtocolFactory> factory,
                                            TCPListenOptions options = {}) override;
  std::shared_ptr<IConnector> connectTCP(std::string host, int port,
                                         std::shared_ptr<ClientFactory> factory,
                                         TCPConnectOptions options = {}) override;
  using IReactorTCP::connectTCP;
  using IReactorTCP::listenTCP;
  std::shared_ptr<IListeningPort> adoptStreamPort(
      int fd, AddressFamily family, std::shared_ptr<IProtocolFactory> factory) override;
  void adoptStreamConnection(int fd, AddressFamily family,
                             std::shared_ptr<IProtocolFactory> factory) override;

 private:
  [[noreturn]] static void raise(const std::optional<Failure>& exception);

  std::optional<Failure> listenException_;
  std::optional<Failure> connectException_;
};

// MemoryReactor plus a deterministic Clock (Twisted's MemoryReactorClock).
class MemoryReactorClock : public MemoryReactor, public IReactorTime {
 public:
  double seconds() const override { return clock_.seconds(); }
  void advance(Seconds amount) { clock_.advance(amount); }
  void advance(double amount) { clock_.advance(amount); }
  void pump(std::initializer_list<double> timings) { clock_.pump(timings); }
  std::vector<DelayedCallPtr> getDelayedCalls() const override { return clock_.getDelayedCalls(); }
  void cancelCallLater(const DelayedCallPtr& call) override { clock_.cancelCallLater(call); }
  Clock& clock() { return clock_; }

 protected:
  DelayedCallPtr scheduleCall(Seconds delay, Function<void()> f) override {
    return clock_.callLater(delay, std::move(f));
  }

 private:
  Clock clock_;
};

}  // namespace weft::testing
