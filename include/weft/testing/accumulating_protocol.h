// AccumulatingProtocol (twisted.internet.testing): a protocol that records its life.
#pragma once

#include "weft/defer/deferred.h"
#include "weft/defer/failure.h"
#include "weft/internet/protocol.h"

#include <optional>
#include <string>
#include <string_view>

namespace weft::testing {

// Accumulates every byte received in `data`, sets `made` on connectionMade and `closed` and
// `closedReason` on connectionLost, then fires `closedDeferred` (if set) once.
class AccumulatingProtocol : public Protocol {
 public:
  std::string data;
  bool made = false;
  bool closed = false;
  std::optional<Failure> closedReason;
  // Fired (and cleared) by connectionLost.
  std::optional<Deferred<void>> closedDeferred;

  void connectionMade() override;
  void dataReceived(std::string_view bytes) override;
  void connectionLost(const Failure& reason) override;
};

}  // namespace weft::testing
