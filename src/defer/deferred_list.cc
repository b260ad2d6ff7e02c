#include "weft/defer/deferred_list.h"

#include "weft/base/log.h"

namespace weft {
namespace error {

FirstError::FirstError(Failure subFailure, std::size_t index)
    : Error("FirstError[#" + std::to_string(index) + ", " + subFailure.typeName() + ": " +
            subFailure.getErrorMessage() + "]"),
      subFailure_(std::move(subFailure)),
      index_(index) {}

}  // namespace error

namespace detail {

void logCancelFailure() {
  log::error("Unexpected error while cancelling a DeferredList input:\n" +
             Failure::current().getTraceback());
}

}  // namespace detail
}  // namespace weft
