#include "weft/internet/address.h"

#include <cstdio>
#include <string_view>

namespace weft {
namespace {

// Python's repr() of a str: single quotes unless the text holds a single quote and no
// double quote; backslash escapes for the quote, the backslash and control characters.
std::string pyRepr(std::string_view text) {
  const bool useDouble =
      text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos;
  const char quote = useDouble ? '"' : '\'';
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back(quote);
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(byte));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back(quote);
  return out;
}

}  // namespace

std::string toString(const IPv4Address& address) {
  return "IPv4Address(type=" + pyRepr(address.type) + ", host=" + pyRepr(address.host) +
         ", port=" + std::to_string(address.port) + ")";
}

std::string toString(const IPv6Address& address) {
  return "IPv6Address(type=" + pyRepr(address.type) + ", host=" + pyRepr(address.host) +
         ", port=" + std::to_string(address.port) +
         ", flowInfo=" + std::to_string(address.flowInfo) +
         ", scopeID=" + std::to_string(address.scopeID) + ")";
}

std::string toString(const UNIXAddress& address) {
  return "UNIXAddress(" + (address.name ? pyRepr(*address.name) : std::string("None")) + ")";
}

std::string toString(const Address& address) {
  return std::visit([](const auto& a) { return toString(a); }, address);
}

}  // namespace weft
