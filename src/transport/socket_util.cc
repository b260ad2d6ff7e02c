#include "transport/socket_util.h"

#include <arpa/inet.h>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <string>
#include <unistd.h>
#include <utility>
#include <variant>

namespace weft::transport {

std::optional<SocketAddress> parseIPLiteral(std::string_view host, int port) {
  if (host.empty()) return std::nullopt;
  std::string name(host);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (::getaddrinfo(name.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  SocketAddress out;
  std::memcpy(&out.storage, found->ai_addr, found->ai_addrlen);
  out.length = found->ai_addrlen;
  ::freeaddrinfo(found);
  return out;
}

bool isIPv4Literal(std::string_view host) {
  in_addr a{};
  std::string name(host);
  return ::inet_pton(AF_INET, name.c_str(), &a) == 1;
}

bool isIPv6Literal(std::string_view host) {
  if (host.find(':') == std::string_view::npos) return false;
  auto parsed = parseIPLiteral(host, 0);
  return parsed && parsed->family() == AF_INET6;
}

namespace {

// Dotted-quad text of an IPv4 address, as inet_ntop writes it, without inet_ntop's printf
// (about 900 instructions of each accepted connection's cost).
std::string ipv4Text(in_addr address) {
  const auto* octets = reinterpret_cast<const unsigned char*>(&address.s_addr);
  char text[INET_ADDRSTRLEN];
  char* out = text;
  for (int i = 0; i < 4; ++i) {
    unsigned v = octets[i];
    if (v >= 100) *out++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *out++ = static_cast<char>('0' + v / 10 % 10);
    *out++ = static_cast<char>('0' + v % 10);
    if (i < 3) *out++ = '.';
  }
  return std::string(text, out);
}

}  // namespace

Address toAddress(const sockaddr_storage& storage) {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    std::string host;
    if (a->sin6_scope_id != 0) {
      // A scoped (link-local) address names its interface, as Twisted's getnameinfo does:
      // "fe80::1%eth0" (TCPL-02..04).
      char scoped[NI_MAXHOST] = {};
      if (::getnameinfo(reinterpret_cast<const sockaddr*>(a), sizeof *a, scoped, sizeof scoped,
                        nullptr, 0, NI_NUMERICHOST) == 0) {
        host = scoped;
      }
    }
    if (host.empty()) {
      ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      host = text;
    }
    return IPv6Address{"TCP", std::move(host), ntohs(a->sin6_port), ntohl(a->sin6_flowinfo),
                       a->sin6_scope_id};
  }
  const auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
  return IPv4Address{"TCP", ipv4Text(a->sin_addr), ntohs(a->sin_port)};
}

Address toAddress(const SocketAddress& address) { return toAddress(address.storage); }

std::optional<Address> localAddress(int fd) {
  SocketAddress a;
  a.length = sizeof a.storage;
  if (fd < 0 || ::getsockname(fd, a.get(), &a.length) != 0) return std::nullopt;
  return toAddress(a);
}

std::optional<Address> peerAddress(int fd) {
  SocketAddress a;
  a.length = sizeof a.storage;
  if (fd < 0 || ::getpeername(fd, a.get(), &a.length) != 0) return std::nullopt;
  return toAddress(a);
}

int makeStreamSocket(int family) {
  return ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

bool setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  return (flags & O_NONBLOCK) != 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void closeFd(int fd) {
  if (fd >= 0) ::close(fd);
}

void setLingerZero(int fd) {
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

int portOf(const Address& address) {
  return std::visit(
      [](const auto& a) -> int {
        if constexpr (requires { a.port; }) {
          return a.port;
        } else {
          return 0;
        }
      },
      address);
}

}  // namespace weft::transport
