// The log "system" of an object: its ILoggingContext::logPrefix() when it has one; and the
// class name of an object, as Python's obj.__class__.__name__ (for repr()).
#pragma once

#include "weft/base/type_name.h"
#include "weft/internet/interfaces.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

namespace weft::transport {

template <class T>
std::string logPrefixOf(const T* object, std::string_view fallback) {
  if (const auto* context = dynamic_cast<const ILoggingContext*>(object)) {
    return context->logPrefix();
  }
  return std::string(fallback);
}

using weft::className;  // weft/base/type_name.h

}  // namespace weft::transport
