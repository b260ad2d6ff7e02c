// Small POSIX helpers shared by the TCP port, connector and stream connection: socket
// creation, address conversion (sockaddr <-> weft::Address), IP-literal parsing.
// Thread affinity: none (pure functions over their arguments).
#pragma once

#include "weft/internet/address.h"

#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>

namespace weft::transport {

// A sockaddr big enough for IPv4 and IPv6, with its length.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Parses a numeric IPv4 or IPv6 host ("127.0.0.1", "::1", "fe80::1%lo") with a port. No
// name lookup. nullopt when host is not an IP literal.
std::optional<SocketAddress> parseIPLiteral(std::string_view host, int port);
bool isIPv4Literal(std::string_view host);
bool isIPv6Literal(std::string_view host);

// IPv4Address / IPv6Address of type "TCP" for a socket address.
Address toAddress(const SocketAddress& address);
Address toAddress(const sockaddr_storage& storage);
// getsockname / getpeername as an Address; nullopt when the call fails.
std::optional<Address> localAddress(int fd);
std::optional<Address> peerAddress(int fd);

// A non-blocking, close-on-exec stream socket; -1 with errno set on failure.
int makeStreamSocket(int family);
// Puts fd in non-blocking mode; false with errno set on failure.
bool setNonBlocking(int fd);
// Closes fd, retrying nothing (Linux closes even on EINTR).
void closeFd(int fd);
// SO_LINGER {1, 0}: close() then sends RST and drops unsent data.
void setLingerZero(int fd);
// The listening port number of fd (0 when unknown).
int portOf(const Address& address);

}  // namespace weft::transport
