#include "weft/internet/address.h"

#include <gtest/gtest.h>

namespace weft {
namespace {

TEST(AddressTest, ipv4ReprMatchesPython) {
  EXPECT_EQ(toString(IPv4Address{"TCP", "127.0.0.1", 80}),
            "IPv4Address(type='TCP', host='127.0.0.1', port=80)");
}

TEST(AddressTest, ipv6ReprIncludesFlowInfoAndScopeID) {
  EXPECT_EQ(toString(IPv6Address{"TCP", "::1", 80, 0, 3}),
            "IPv6Address(type='TCP', host='::1', port=80, flowInfo=0, scopeID=3)");
}

TEST(AddressTest, unixReprShowsNameOrNone) {
  EXPECT_EQ(toString(UNIXAddress{"/tmp/x"}), "UNIXAddress('/tmp/x')");
  EXPECT_EQ(toString(UNIXAddress{}), "UNIXAddress(None)");
}

TEST(AddressTest, variantDispatchesToTheHeldAddress) {
  Address a = IPv4Address{"UDP", "10.0.0.1", 53};
  EXPECT_EQ(toString(a), "IPv4Address(type='UDP', host='10.0.0.1', port=53)");
  a = UNIXAddress{"s"};
  EXPECT_EQ(toString(a), "UNIXAddress('s')");
}

TEST(AddressTest, quotesAreChosenAndEscapedAsPythonDoes) {
  EXPECT_EQ(toString(UNIXAddress{"a'b"}), "UNIXAddress(\"a'b\")");
  EXPECT_EQ(toString(UNIXAddress{"a'\"b"}), "UNIXAddress('a\\'\"b')");
  EXPECT_EQ(toString(UNIXAddress{std::string("a\\b\n\x01", 5)}), "UNIXAddress('a\\\\b\\n\\x01')");
}

TEST(AddressTest, addressesCompareByValue) {
  EXPECT_EQ((IPv4Address{"TCP", "h", 1}), (IPv4Address{"TCP", "h", 1}));
  EXPECT_NE((IPv4Address{"TCP", "h", 1}), (IPv4Address{"TCP", "h", 2}));
}

}  // namespace
}  // namespace weft
