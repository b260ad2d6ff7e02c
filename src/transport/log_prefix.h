// The log "system" of an object: its ILoggingContext::logPrefix() when it has one.
#pragma once

#include <string>
#include <string_view>

#include "weft/internet/interfaces.h"

namespace weft::transport {

template <class T>
std::string logPrefixOf(const T* object, std::string_view fallback) {
  if (const auto* context = dynamic_cast<const ILoggingContext*>(object)) {
    return context->logPrefix();
  }
  return std::string(fallback);
}

}  // namespace weft::transport
