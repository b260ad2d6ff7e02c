// The log "system" of an object: its ILoggingContext::logPrefix() when it has one; and the
// class name of an object, as Python's obj.__class__.__name__ (for repr()).
#pragma once

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

#include "weft/internet/interfaces.h"

namespace weft::transport {

template <class T>
std::string logPrefixOf(const T* object, std::string_view fallback) {
  if (const auto* context = dynamic_cast<const ILoggingContext*>(object)) {
    return context->logPrefix();
  }
  return std::string(fallback);
}

// The demangled name of type without namespaces or template arguments.
inline std::string className(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  std::string name = (status == 0 && demangled) ? demangled.get() : type.name();
  std::string_view base(name);
  if (auto lt = base.find('<'); lt != std::string_view::npos) base = base.substr(0, lt);
  if (auto colon = base.rfind("::"); colon != std::string_view::npos) {
    return std::string(base.substr(colon + 2));
  }
  return std::string(base);
}

}  // namespace weft::transport
