#include "weft/protocols/pausable.h"

namespace weft::protocols {

void PausableProtocol::pauseProducing() {
  paused_ = true;
  if (transport) transport->pauseProducing();
}

void PausableProtocol::resumeProducing() {
  paused_ = false;
  if (transport) transport->resumeProducing();
  // Delivers what was buffered while paused (a no-op when called from inside a handler:
  // the outer dataReceived goes on by itself).
  dataReceived({});
}

void PausableProtocol::stopProducing() {
  paused_ = true;
  if (transport) transport->stopProducing();
}

}  // namespace weft::protocols
