#include "weft/testing/accumulating_protocol.h"

#include <utility>

namespace weft::testing {

void AccumulatingProtocol::connectionMade() { made = true; }

void AccumulatingProtocol::dataReceived(std::string_view bytes) { data.append(bytes); }

void AccumulatingProtocol::connectionLost(const Failure& reason) {
  Protocol::connectionLost(reason);
  closed = true;
  closedReason = reason;
  if (closedDeferred) {
    // Cleared before firing: a callback may set a new one.
    Deferred<void> d = std::move(*closedDeferred);
    closedDeferred.reset();
    d.callback();
  }
}

}  // namespace weft::testing
