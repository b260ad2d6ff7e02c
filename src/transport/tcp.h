// The TCP module's entry points: what IReactorTCP and IReactorSocket do, as free functions
// over a Reactor. The composition root (posix_reactor) implements listenTCP, connectTCP,
// adoptStreamPort and adoptStreamConnection by calling these, passing the reactor's LiveSet
// (which the composition root closes at shutdown).
// Thread affinity: the reactor thread only.
#pragma once

#include "transport/live_set.h"

#include "weft/internet/protocol.h"
#include "weft/internet/reactor.h"
#include "weft/internet/transport.h"

#include <memory>
#include <string>

namespace weft::tcp {

// listenTCP: a listening port, already started. Throws error::CannotListenError.
std::shared_ptr<IListeningPort> listen(Reactor& reactor, LiveSet& live, int port,
                                       std::shared_ptr<IProtocolFactory> factory,
                                       TCPListenOptions options = {});

// connectTCP: a connector that has started its first attempt.
std::shared_ptr<IConnector> connect(Reactor& reactor, LiveSet& live, std::string host, int port,
                                    std::shared_ptr<ClientFactory> factory,
                                    TCPConnectOptions options = {});

// adoptStreamPort: fd is a listening stream socket of `family` (kINET or kINET6); it is
// duplicated (the caller keeps and closes its own) and the port starts listening at once.
// Throws error::UnsupportedAddressFamily for kUNIX, error::CannotListenError when fd cannot
// be duplicated.
std::shared_ptr<IListeningPort> adoptStreamPort(Reactor& reactor, LiveSet& live, int fd,
                                                AddressFamily family,
                                                std::shared_ptr<IProtocolFactory> factory);

// adoptStreamConnection: fd is a connected stream socket; it is duplicated and served with
// factory->buildProtocol(peer), as an accepted connection would be (nullptr closes it).
void adoptStreamConnection(Reactor& reactor, LiveSet& live, int fd, AddressFamily family,
                           std::shared_ptr<IProtocolFactory> factory);

}  // namespace weft::tcp
