// ConnectionCompleter (twisted.test.iosim): makes the connection attempts recorded by a
// MemoryReactor succeed or fail, under the test's control.
//
//   testing::MemoryReactor reactor;
//   reactor.listenTCP(80, serverFactory);
//   reactor.connectTCP("example.com", 80, clientFactory);
//   testing::ConnectionCompleter completer(reactor);
//   auto pump = completer.succeedOnce();  // both protocols built and connected in memory
//   pump->flush();
#pragma once

#include "weft/base/error.h"
#include "weft/defer/failure.h"
#include "weft/testing/iosim.h"
#include "weft/testing/memory_reactor.h"

#include <optional>

namespace weft::testing {

// Thread affinity: one thread (the test's). Holds the reactor by reference.
class ConnectionCompleter {
 public:
  explicit ConnectionCompleter(MemoryReactor& reactor) : reactor_(reactor) {}

  // Takes the first recorded connectTCP whose port some recorded listenTCP has, removes it
  // (and its connector) from the reactor's lists, builds the client protocol (buildProtocol
  // of the server address) and the server protocol (buildProtocol of the client address),
  // joins them with FakeTransports and returns the pump, already flushed once. nullopt when
  // no attempt matches a port, or when a factory builds no protocol.
  std::optional<IOPump> succeedOnce();

  // Fails the first recorded connectTCP: its factory gets clientConnectionFailed(connector,
  // reason), and the attempt leaves the reactor's lists. Throws error::RuntimeError when no
  // attempt is recorded.
  void failOnce(const Failure& reason = Failure(error::ConnectionRefusedError()));

 private:
  MemoryReactor& reactor_;
};

}  // namespace weft::testing
