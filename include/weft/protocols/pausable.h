// PausableProtocol: twisted.protocols.basic._PauseableMixin as a base class. A protocol
// that is also an IPushProducer, so that it can be registered on another transport (a
// proxy) and stop delivering parsed units while paused.
#pragma once

#include "weft/internet/protocol.h"
#include "weft/internet/transport.h"

namespace weft::protocols {

// Thread affinity: the reactor thread, like every Protocol.
class PausableProtocol : public Protocol, public virtual IPushProducer {
 public:
  // Stops delivering parsed data and pauses the transport (it stops reading).
  void pauseProducing() override;
  // Resumes the transport and delivers what was buffered while paused, at once.
  void resumeProducing() override;
  // Stops delivering for good and stops the transport.
  void stopProducing() override;
  // Twisted's `paused` attribute.
  bool paused() const { return paused_; }

 private:
  bool paused_ = false;
};

}  // namespace weft::protocols
