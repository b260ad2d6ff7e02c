#include "weft/base/type_name.h"

#include <cstdlib>
#include <cxxabi.h>
#include <memory>
#include <string_view>

namespace weft {

std::string demangle(const char* mangledName) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(mangledName, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(mangledName);
}

std::string demangle(const std::type_info& type) { return demangle(type.name()); }

std::string className(const std::type_info& type) {
  std::string name = demangle(type);
  std::string_view base(name);
  if (auto lt = base.find('<'); lt != std::string_view::npos) base = base.substr(0, lt);
  if (auto colon = base.rfind("::"); colon != std::string_view::npos) base = base.substr(colon + 2);
  return std::string(base);
}

}  // namespace weft
