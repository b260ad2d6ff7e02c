#include "weft/testing/iosim.h"

#include "weft/base/error.h"

#include <utility>

namespace weft::testing {

// ---------------------------------------------------------------------------------------
// FakeTransport

FakeTransport::FakeTransport(std::weak_ptr<IProtocol> protocol, bool isServer, Address hostAddress,
                             Address peerAddress)
    : protocol_(std::move(protocol)),
      isServer_(isServer),
      hostAddress_(std::move(hostAddress)),
      peerAddress_(std::move(peerAddress)) {}

void FakeTransport::write(std::string_view data) {
  // Closed connections swallow writes (TCPT-07); an abort discards them (TCPT-08).
  if (disconnected_ || aborted_ || writeConnectionLost_) return;
  outBuffer_.append(data);
}

void FakeTransport::writeSequence(std::span<const std::string_view> data) {
  for (std::string_view part : data) write(part);
}

void FakeTransport::abortConnection() {
  aborted_ = true;
  disconnecting_ = true;
  outBuffer_.clear();
}

void FakeTransport::registerProducer(std::shared_ptr<IProducer> producer, bool streaming) {
  if (producer_) throw error::RuntimeError("Cannot register two producers");
  if (disconnected_) {
    producer->stopProducing();  // PROD-02
    return;
  }
  producer_ = producer;
  streaming_ = streaming;
  if (!streaming) {
    if (auto* pull = dynamic_cast<IPullProducer*>(producer.get())) pull->resumeProducing();
  }
}

void FakeTransport::unregisterProducer() {
  producer_ = nullptr;
  streaming_ = false;
}

std::string FakeTransport::takeOutBuffer() { return std::exchange(outBuffer_, std::string()); }

bool FakeTransport::deliver() {
  if (readPaused_ || inBuffer_.empty() || disconnected_) return false;
  auto protocol = protocol_.lock();
  if (!protocol) return false;
  // Taken out first: the protocol may pause itself or write back while handling it.
  std::string data = std::exchange(inBuffer_, std::string());
  protocol->dataReceived(data);
  return true;
}

void FakeTransport::checkProducer() {
  if (producer_ && !streaming_ && !disconnected_) {
    // Keep it alive across the call: it may unregister itself.
    auto producer = producer_;
    if (auto* pull = dynamic_cast<IPullProducer*>(producer.get())) pull->resumeProducing();
  }
}

void FakeTransport::reportDisconnect(const Failure& reason) {
  if (disconnected_) return;
  disconnected_ = true;
  disconnecting_ = true;
  if (auto producer = std::exchange(producer_, nullptr)) producer->stopProducing();  // PROD-08
  if (auto protocol = protocol_.lock()) protocol->connectionLost(reason);
}

// ---------------------------------------------------------------------------------------
// IOPump

IOPump::IOPump(std::shared_ptr<IProtocol> client, std::shared_ptr<IProtocol> server,
               std::shared_ptr<FakeTransport> clientIO, std::shared_ptr<FakeTransport> serverIO)
    : client_(std::move(client)),
      server_(std::move(server)),
      clientIO_(std::move(clientIO)),
      serverIO_(std::move(serverIO)) {}

bool IOPump::pump() {
  clientIO_->checkProducer();
  serverIO_->checkProducer();
  const std::string fromServer = serverIO_->takeOutBuffer();
  const std::string fromClient = clientIO_->takeOutBuffer();
  if (!clientIO_->disconnected()) clientIO_->bufferReceived(fromServer);
  if (!serverIO_->disconnected()) serverIO_->bufferReceived(fromClient);
  bool moved = !fromServer.empty() || !fromClient.empty();
  moved = serverIO_->deliver() || moved;
  moved = clientIO_->deliver() || moved;
  if (moved) return true;
  return closeIfAsked(*serverIO_, *clientIO_) || closeIfAsked(*clientIO_, *serverIO_);
}

bool IOPump::closeIfAsked(FakeTransport& closing, FakeTransport& peer) {
  if (!closing.disconnecting() || closing.disconnected()) return false;
  // The close waits for the producer to unregister (PROD-06) and for the peer to take in
  // what is queued for it (a paused reader holds the close back, as TCP's FIN waits).
  if (closing.producer() && !closing.aborted()) return false;
  if (!closing.aborted() && (peer.inBufferSize() > 0 || closing.inBufferSize() > 0)) {
    return false;
  }
  if (closing.aborted()) {
    peer.reportDisconnect(Failure(error::ConnectionLost()));
    closing.reportDisconnect(Failure(error::ConnectionAborted()));
  } else {
    peer.reportDisconnect(Failure(error::ConnectionDone()));
    closing.reportDisconnect(Failure(error::ConnectionDone()));
  }
  return true;
}

bool IOPump::flush() {
  bool result = false;
  for (int i = 0; i < 1000; ++i) {
    if (!pump()) return result;
    result = true;
  }
  throw error::RuntimeError("IOPump::flush: still busy after 1000 steps");
}

// ---------------------------------------------------------------------------------------
// Connecting

Connected<IProtocol, IProtocol> connect(std::shared_ptr<IProtocol> server,
                                        std::shared_ptr<IProtocol> client, ConnectOptions options) {
  auto serverIO = std::make_shared<FakeTransport>(server, true, kServerAddress, kClientAddress);
  auto clientIO = std::make_shared<FakeTransport>(client, false, kClientAddress, kServerAddress);
  server->makeConnection(serverIO);
  client->makeConnection(clientIO);
  IOPump pump(client, server, clientIO, serverIO);
  if (options.greet) pump.flush();
  return {std::move(client), std::move(server), std::move(pump)};
}

Connected<IProtocol, IProtocol> connectedServerAndClient(
    const std::shared_ptr<IProtocolFactory>& serverFactory,
    const std::shared_ptr<IProtocolFactory>& clientFactory, ConnectOptions options) {
  auto server = serverFactory->buildProtocol(kClientAddress);
  auto client = clientFactory->buildProtocol(kServerAddress);
  if (!server || !client) {
    throw error::RuntimeError("connectedServerAndClient: a factory returned no protocol");
  }
  return connect(std::move(server), std::move(client), options);
}

}  // namespace weft::testing
