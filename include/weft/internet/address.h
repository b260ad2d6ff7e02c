// Addresses (twisted.internet.address): IPv4Address, IPv6Address, UNIXAddress, and
// Address, the value type that every getHost()/getPeer()/buildProtocol() speaks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace weft {

// Twisted's IPv4Address(type, host, port); type is "TCP" or "UDP".
struct IPv4Address {
  std::string type = "TCP";
  std::string host;
  int port = 0;
  friend bool operator==(const IPv4Address&, const IPv4Address&) = default;
};

// Twisted's IPv6Address(type, host, port, flowInfo, scopeID). A scoped (link-local) host
// names its interface, as Twisted's does: "fe80::1%eth0", with scopeID its index.
struct IPv6Address {
  std::string type = "TCP";
  std::string host;
  int port = 0;
  std::uint32_t flowInfo = 0;
  std::uint32_t scopeID = 0;
  friend bool operator==(const IPv6Address&, const IPv6Address&) = default;
};

// Twisted's UNIXAddress(name); name is empty for an unnamed socket.
struct UNIXAddress {
  std::optional<std::string> name;
  friend bool operator==(const UNIXAddress&, const UNIXAddress&) = default;
};

using Address = std::variant<IPv4Address, IPv6Address, UNIXAddress>;

// Python's repr: "IPv4Address(type='TCP', host='127.0.0.1', port=80)".
std::string toString(const Address& address);
std::string toString(const IPv4Address& address);
std::string toString(const IPv6Address& address);
std::string toString(const UNIXAddress& address);

}  // namespace weft
