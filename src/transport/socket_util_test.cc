// toAddress: the text of an IPv4 address matches inet_ntop's for every octet value.
#include "transport/socket_util.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <variant>

namespace weft::transport {
namespace {

Address fromIPv4(std::uint32_t hostOrder, std::uint16_t port) {
  sockaddr_storage storage{};
  auto* a = reinterpret_cast<sockaddr_in*>(&storage);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(hostOrder);
  a->sin_port = htons(port);
  return toAddress(storage);
}

std::string ntop(std::uint32_t hostOrder) {
  in_addr address{htonl(hostOrder)};
  char text[INET_ADDRSTRLEN];
  return ::inet_ntop(AF_INET, &address, text, sizeof text);
}

TEST(SocketUtilTest, ipv4TextMatchesInetNtopForEveryOctetValue) {
  for (std::uint32_t v = 0; v < 256; ++v) {
    // Each octet position sees every value, next to neighbours of other widths.
    for (std::uint32_t address : {v << 24 | 0x000a6400u, 0x0a006400u | v << 16,
                                  0x09630000u | v << 8 | 0xffu, 0xff000000u | v}) {
      Address got = fromIPv4(address, 8080);
      ASSERT_TRUE(std::holds_alternative<IPv4Address>(got));
      const auto& v4 = std::get<IPv4Address>(got);
      ASSERT_EQ(v4.host, ntop(address));
      ASSERT_EQ(v4.port, 8080);
      ASSERT_EQ(v4.type, "TCP");
    }
  }
}

TEST(SocketUtilTest, theExtremesAreWrittenInFull) {
  EXPECT_EQ(std::get<IPv4Address>(fromIPv4(0, 1)).host, "0.0.0.0");
  EXPECT_EQ(std::get<IPv4Address>(fromIPv4(0xffffffffu, 1)).host, "255.255.255.255");
  EXPECT_EQ(std::get<IPv4Address>(fromIPv4(0x7f000001u, 1)).host, "127.0.0.1");
}

}  // namespace
}  // namespace weft::transport
