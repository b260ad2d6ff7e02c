// The reactor a program runs: every reactor interface in one object, made by makeReactor().
// There is no global reactor: create one, pass it by reference to what needs it.
#pragma once

#include <memory>
#include <string_view>

#include "weft/internet/interfaces.h"
#include "weft/internet/time.h"

namespace weft {

// The I/O multiplexer behind the loop. kDefault reads the WEFT_REACTOR environment
// variable ("epoll" or "poll") and falls back to epoll.
enum class PollerKind { kDefault, kEPoll, kPoll };

std::string_view pollerName(PollerKind kind);

struct ReactorOptions {
  PollerKind poller = PollerKind::kDefault;
};

// Everything the seed's reactor provides. Issue by issue, more interfaces join this list
// (IReactorTCP, IReactorUDP, ...).
class Reactor : public IReactorCore,
                public IReactorTime,
                public IReactorThreads,
                public IReactorFDSet,
                public IReactorPluggableResolver {
 public:
  // The backend this reactor runs on (never kDefault).
  virtual PollerKind pollerKind() const = 0;
};

// Creates a reactor. Throws error::ValueError for an unknown WEFT_REACTOR value.
std::unique_ptr<Reactor> makeReactor(ReactorOptions options = {});

}  // namespace weft
