// The stream side of the seed: producers and consumers (IProducer, IPushProducer,
// IPullProducer, IConsumer, IFinishableConsumer), transports (ITransport, ITCPTransport),
// protocols and factories (IProtocol, IHalfCloseableProtocol, IProtocolFactory), ports and
// connectors (IListeningPort, IConnector), IReactorTCP and IReactorSocket.
//
// Every method is for the reactor thread. Data views passed to dataReceived are valid only
// during the call; write() copies what it is given (the caller may reuse its bytes).
#pragma once

#include "weft/base/time.h"
#include "weft/defer/deferred.h"
#include "weft/defer/failure.h"
#include "weft/internet/address.h"
#include "weft/internet/interfaces.h"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace weft {

class ClientFactory;

// ---------------------------------------------------------------------------------------
// Producers and consumers

// Seed: IProducer.
class IProducer {
 public:
  virtual ~IProducer() = default;
  // The consumer has died: stop producing for good.
  virtual void stopProducing() = 0;
};

// Seed: IPushProducer (streaming): produces continuously unless paused.
class IPushProducer : public virtual IProducer {
 public:
  virtual void pauseProducing() = 0;
  virtual void resumeProducing() = 0;
};

// Seed: IPullProducer (non-streaming): produces once per resumeProducing().
class IPullProducer : public virtual IProducer {
 public:
  virtual void resumeProducing() = 0;
};

// Seed: IConsumer.
class IConsumer {
 public:
  virtual ~IConsumer() = default;
  // Registers producer. streaming == true: producer must be an IPushProducer (paused when
  // the buffer passes bufferSize, resumed when it drains); false: an IPullProducer (asked
  // for more each time the buffer empties; resumeProducing is called at once). Throws
  // error::RuntimeError if a producer is already registered. On a disconnected consumer
  // the producer gets stopProducing() instead.
  virtual void registerProducer(std::shared_ptr<IProducer> producer, bool streaming) = 0;
  virtual void unregisterProducer() = 0;
  virtual void write(std::string_view data) = 0;
};

// Seed: IFinishableConsumer (dropped by later Twisted; kept, as the seed has it).
class IFinishableConsumer : public virtual IConsumer {
 public:
  // The producer has finished producing.
  virtual void finish() = 0;
};

// ---------------------------------------------------------------------------------------
// Transports

// Seed: ITransport. Stream transports are also consumers, and push producers of the data
// they read (pauseProducing stops reading).
class ITransport : public virtual IConsumer, public virtual IPushProducer {
 public:
  // Writes every view in order with one gathered write, without joining them first.
  virtual void writeSequence(std::span<const std::string_view> data) = 0;
  // Closes after all buffered data is written and any producer has unregistered.
  // connectionLost comes later, from the reactor, never inside this call.
  virtual void loseConnection() = 0;
  virtual Address getPeer() const = 0;
  virtual Address getHost() const = 0;
  // True once loseConnection()/abortConnection() has been called (Twisted's attribute).
  virtual bool disconnecting() const = 0;
  // weft extension: what Python's repr()/str() shows. TCP: "<EchoProtocol #0 on 43211>" for
  // a server connection (session number, the listening port's real number), "<EchoProtocol
  // to ('127.0.0.1', 43211) at 0x...>" for a client. Transports that do not say: "<Name>".
  virtual std::string repr() const;
};

// Seed: ITCPTransport (plus abortConnection from later Twisted).
class ITCPTransport : public virtual ITransport {
 public:
  // Half-close: FIN once the buffer has drained and no producer is registered.
  virtual void loseWriteConnection() = 0;
  // Closes now (RST), discarding buffered and later writes.
  virtual void abortConnection() = 0;
  virtual bool getTcpNoDelay() const = 0;
  virtual void setTcpNoDelay(bool enabled) = 0;
  virtual bool getTcpKeepAlive() const = 0;
  virtual void setTcpKeepAlive(bool enabled) = 0;
};

// ---------------------------------------------------------------------------------------
// Protocols and factories

// Seed: IProtocol.
class IProtocol {
 public:
  virtual ~IProtocol() = default;
  // Stores the transport, then calls connectionMade().
  virtual void makeConnection(std::shared_ptr<ITransport> transport) = 0;
  virtual void connectionMade() = 0;
  // data is valid only during the call.
  virtual void dataReceived(std::string_view data) = 0;
  // Exactly once; reason wraps error::ConnectionDone (clean) or error::ConnectionLost.
  virtual void connectionLost(const Failure& reason) = 0;
};

// Seed: IHalfCloseableProtocol. A protocol providing it gets readConnectionLost() when
// the peer half-closes, instead of connectionLost, and must call loseConnection() itself.
class IHalfCloseableProtocol {
 public:
  virtual ~IHalfCloseableProtocol() = default;
  virtual void readConnectionLost() = 0;
  virtual void writeConnectionLost() = 0;
};

// Seed: IProtocolFactory.
class IProtocolFactory {
 public:
  virtual ~IProtocolFactory() = default;
  // A protocol for a new connection from/to addr; nullptr refuses the connection.
  virtual std::shared_ptr<IProtocol> buildProtocol(const Address& addr) = 0;
  // Called each time the factory is attached to / detached from a port or connector.
  virtual void doStart() = 0;
  virtual void doStop() = 0;
};

// ---------------------------------------------------------------------------------------
// Ports, connectors, IReactorTCP

// Seed: IListeningPort.
class IListeningPort {
 public:
  virtual ~IListeningPort() = default;
  // Throws error::CannotListenError.
  virtual void startListening() = 0;
  // Fires once the port is closed and its number can be bound again.
  virtual Deferred<void> stopListening() = 0;
  virtual Address getHost() const = 0;
  // weft extension: what Python's repr()/str() shows. TCP: "<EchoFactory on 43211>" with the
  // real port number (also when listening on port 0), "<EchoFactory (not listening)>" once
  // stopped. Ports that do not say: "<Name>".
  virtual std::string repr() const;
};

// Seed: IConnector.
class IConnector {
 public:
  virtual ~IConnector() = default;
  // Stops an attempt in progress: the factory gets clientConnectionFailed(UserError).
  // Throws error::NotConnectingError when not connecting.
  virtual void stopConnecting() = 0;
  // Disconnects if connected, stops trying if connecting.
  virtual void disconnect() = 0;
  // (Re)starts connecting.
  virtual void connect() = 0;
  virtual Address getDestination() const = 0;
};

struct TCPListenOptions {
  int backlog = 50;
  std::string interface;  // "" = all IPv4 interfaces; "::" = all IPv6
};

struct TCPConnectOptions {
  Seconds timeout = Seconds(30);
  std::optional<std::pair<std::string, int>> bindAddress;
};

// Seed: IReactorTCP.
class IReactorTCP {
 public:
  virtual ~IReactorTCP() = default;
  // Throws error::CannotListenError when the bind fails.
  virtual std::shared_ptr<IListeningPort> listenTCP(int port,
                                                    std::shared_ptr<IProtocolFactory> factory,
                                                    TCPListenOptions options = {}) = 0;
  virtual std::shared_ptr<IConnector> connectTCP(std::string host, int port,
                                                 std::shared_ptr<ClientFactory> factory,
                                                 TCPConnectOptions options = {}) = 0;

  // A service name as the port ("http", "ssh"), resolved with servicePort() (TCPC-11).
  // Throws error::ServiceNameUnknownError, synchronously, for an unknown name. A class that
  // overrides the int overloads needs `using IReactorTCP::listenTCP/connectTCP` to keep these.
  std::shared_ptr<IListeningPort> listenTCP(std::string_view service,
                                            std::shared_ptr<IProtocolFactory> factory,
                                            TCPListenOptions options = {}) {
    return listenTCP(servicePort(service), std::move(factory), std::move(options));
  }
  std::shared_ptr<IConnector> connectTCP(std::string host, std::string_view service,
                                         std::shared_ptr<ClientFactory> factory,
                                         TCPConnectOptions options = {}) {
    return connectTCP(std::move(host), servicePort(service), std::move(factory),
                      std::move(options));
  }

  // The port number of a TCP service name, from the services database (getservbyname_r;
  // thread-safe). Throws error::ServiceNameUnknownError ("... (name)") when it is unknown.
  static int servicePort(std::string_view service);
};

enum class AddressFamily { kINET, kINET6, kUNIX };

// IReactorSocket (later Twisted): adopt descriptors made elsewhere (socket activation).
class IReactorSocket {
 public:
  virtual ~IReactorSocket() = default;
  // fd is a listening stream socket; the reactor duplicates it (the caller keeps its own).
  virtual std::shared_ptr<IListeningPort> adoptStreamPort(
      int fd, AddressFamily family, std::shared_ptr<IProtocolFactory> factory) = 0;
  // fd is a connected stream socket; the reactor duplicates it.
  virtual void adoptStreamConnection(int fd, AddressFamily family,
                                     std::shared_ptr<IProtocolFactory> factory) = 0;
};

}  // namespace weft
