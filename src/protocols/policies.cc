#include "weft/protocols/policies.h"

#include "weft/internet/protocol.h"

namespace weft::protocols {

TimeoutMixin::~TimeoutMixin() {
  if (call_ && call_->active()) call_->cancel();
}

std::optional<Seconds> TimeoutMixin::setTimeout(std::optional<Seconds> period) {
  std::optional<Seconds> previous = timeOut_;
  timeOut_ = period;
  if (call_) {
    if (!period) {
      if (call_->active()) call_->cancel();
      call_ = nullptr;
    } else if (call_->active()) {
      call_->reset(*period);
    } else {
      call_ = clock_->callLater(*period, [this] { timedOut(); });
    }
  } else if (period) {
    call_ = clock_->callLater(*period, [this] { timedOut(); });
  }
  return previous;
}

void TimeoutMixin::resetTimeout() {
  if (call_ && timeOut_ && call_->active()) call_->reset(*timeOut_);
}

void TimeoutMixin::timedOut() {
  call_ = nullptr;
  timeoutConnection();
}

void TimeoutMixin::timeoutConnection() {
  if (auto* protocol = dynamic_cast<Protocol*>(this); protocol && protocol->transport) {
    protocol->transport->loseConnection();
  }
}

}  // namespace weft::protocols
