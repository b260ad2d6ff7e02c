// Readable type names: for repr(), logPrefix() and Failure's typeName().
#pragma once

#include <string>
#include <typeinfo>

namespace weft {

// The demangled C++ name of a type ("weft::error::ConnectionDone").
std::string demangle(const std::type_info& type);
std::string demangle(const char* mangledName);

// The class name without namespaces or template arguments, as Python's
// obj.__class__.__name__ ("ConnectionDone").
std::string className(const std::type_info& type);

}  // namespace weft
