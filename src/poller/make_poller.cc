// The one place that chooses a backend.
#include "poller/poller.h"
#include "poller/poller_backends.h"

#include "weft/base/error.h"

#include <cstdlib>
#include <string>

namespace weft {

std::optional<PollerBackend> parsePollerBackend(std::string_view name) {
  if (name == "epoll") return PollerBackend::kEPoll;
  if (name == "poll") return PollerBackend::kPoll;
  return std::nullopt;
}

PollerBackend pollerBackendFromEnvironment() {
  const char* value = std::getenv("WEFT_REACTOR");  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') return PollerBackend::kEPoll;
  if (auto backend = parsePollerBackend(value)) return *backend;
  throw error::ValueError(std::string("WEFT_REACTOR: unknown reactor '") + value +
                          "' (expected 'epoll' or 'poll')");
}

std::unique_ptr<Poller> makePoller(PollerBackend backend) {
  switch (backend) {
    case PollerBackend::kEPoll:
      return makeEPollPoller();
    case PollerBackend::kPoll:
      return makePollPoller();
  }
  throw error::ValueError("unknown poller backend");
}

}  // namespace weft
