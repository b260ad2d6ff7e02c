#include "weft/testing/string_transport.h"

#include "weft/base/error.h"

#include <utility>

namespace weft::testing {

std::string_view toString(ProducerState state) {
  switch (state) {
    case ProducerState::kProducing:
      return "producing";
    case ProducerState::kPaused:
      return "paused";
    case ProducerState::kStopped:
      return "stopped";
  }
  return "?";
}

StringTransport::StringTransport()
    : StringTransport(IPv4Address{"TCP", "10.0.0.1", 12345},
                      IPv4Address{"TCP", "192.168.1.1", 54321}) {}

StringTransport::StringTransport(Address host, Address peer, bool lenient)
    : hostAddress(std::move(host)), peerAddress(std::move(peer)), lenient_(lenient) {}

void StringTransport::clear() {
  buffer_.clear();
  writes_.clear();
}

void StringTransport::write(std::string_view data) {
  buffer_.append(data);
  writes_.emplace_back(data);
}

void StringTransport::writeSequence(std::span<const std::string_view> data) {
  std::string joined;
  for (std::string_view part : data) joined.append(part);
  buffer_.append(joined);
  writes_.push_back(std::move(joined));
}

void StringTransport::loseConnection() { disconnecting_ = true; }

void StringTransport::abortConnection() {
  disconnected_ = true;
  loseConnection();
}

void StringTransport::registerProducer(std::shared_ptr<IProducer> producer, bool streaming) {
  if (producer_) throw error::RuntimeError("Cannot register two producers");
  producer_ = std::move(producer);
  streaming_ = streaming;
}

void StringTransport::unregisterProducer() {
  if (!producer_) {
    throw error::RuntimeError("Cannot unregister a producer unless one is registered");
  }
  producer_ = nullptr;
  streaming_ = false;
}

void StringTransport::checkState() const {
  if (disconnecting_ && !lenient_) {
    throw error::RuntimeError("Cannot resume producing after loseConnection");
  }
  if (producerState_ == ProducerState::kStopped) {
    throw error::RuntimeError("Cannot resume a stopped producer");
  }
}

void StringTransport::pauseProducing() {
  checkState();
  producerState_ = ProducerState::kPaused;
}

void StringTransport::resumeProducing() {
  checkState();
  producerState_ = ProducerState::kProducing;
}

void StringTransportWithDisconnection::loseConnection() {
  StringTransport::loseConnection();
  if (!connected) return;
  connected = false;
  if (auto p = protocol.lock()) p->connectionLost(Failure(error::ConnectionDone("Bye.")));
}

}  // namespace weft::testing
