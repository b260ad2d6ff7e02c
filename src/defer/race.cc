#include "weft/defer/race.h"

#include "weft/base/log.h"

#include <string>

namespace weft {
namespace error {
namespace {

std::string describe(const std::vector<Failure>& failures) {
  std::string out = "FailureGroup[" + std::to_string(failures.size()) + " failures";
  const char* sep = ": ";
  for (const Failure& f : failures) {
    out += sep;
    out += f.typeName() + ": " + f.getErrorMessage();
    sep = "; ";
  }
  out += ']';
  return out;
}

}  // namespace

FailureGroup::FailureGroup(std::vector<Failure> failures)
    : Error(describe(failures)), failures_(std::move(failures)) {}

}  // namespace error

namespace detail {

void cancelRaceInput(Core& c) noexcept {
  try {
    c.cancel();
  } catch (...) {
    try {
      log::error("Unexpected error while cancelling a race() input:\n" +
                 Failure::current().getTraceback());
    } catch (...) {  // cancelling the others goes on regardless
    }
  }
}

}  // namespace detail
}  // namespace weft
