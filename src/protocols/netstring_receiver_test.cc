#include "weft/protocols/netstring_receiver.h"

#include "weft/base/log.h"
#include "weft/testing/string_transport.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace weft::protocols {
namespace {

using testing::StringTransport;
using Strings = std::vector<std::string>;

class TestNetstring : public NetstringReceiver {
 public:
  TestNetstring() { MAX_LENGTH = 50; }
  Strings received;
  void stringReceived(std::string_view s) override { received.emplace_back(s); }
};

struct NetstringReceiverTest : ::testing::Test {
  log::Capture capture;
  std::shared_ptr<StringTransport> transport = std::make_shared<StringTransport>();
  std::shared_ptr<TestNetstring> proto = [this] {
    auto p = std::make_shared<TestNetstring>();
    p->makeConnection(transport);
    return p;
  }();
};

TEST_F(NetstringReceiverTest, stringsArriveForEveryChunkSize) {
  const Strings strings = {
      "hello", "world", "how", "are", "you123", ":today", std::string(515, 'a')};
  for (std::size_t size = 1; size < 10; ++size) {
    auto t = std::make_shared<StringTransport>();
    TestNetstring p;
    p.MAX_LENGTH = 699;
    p.makeConnection(t);
    for (const auto& s : strings) p.sendString(s);
    const std::string out = t->value();
    for (std::size_t i = 0; i < out.size(); i += size)
      p.dataReceived(std::string_view(out).substr(i, size));
    EXPECT_EQ(p.received, strings) << "chunk size " << size;
    EXPECT_FALSE(t->disconnecting());
  }
}

TEST_F(NetstringReceiverTest, largeBatchOfStringsArrivesInOrder) {
  std::string all;
  Strings strings;
  for (int i = 0; i < 5000; ++i) {
    strings.push_back("s" + std::to_string(i));
    all += std::to_string(strings.back().size()) + ":" + strings.back() + ",";
  }
  proto->dataReceived(all);
  EXPECT_EQ(proto->received, strings);
}

TEST_F(NetstringReceiverTest, emptyOneAndTwoCharacterNetstrings) {
  proto->dataReceived("0:,1:a,2:ab,");
  EXPECT_EQ(proto->received, (Strings{"", "a", "ab"}));
}

TEST_F(NetstringReceiverTest, nestedNetstringIsOnePayload) {
  proto->dataReceived("4:1:a,,");
  EXPECT_EQ(proto->received, Strings{"1:a,"});
}

TEST_F(NetstringReceiverTest, portionsAreReassembled) {
  for (const char* part : {"1", "0:01234", "56789", ","}) proto->dataReceived(part);
  for (const char* part : {"2", ":", "a", "b", ","}) proto->dataReceived(part);
  proto->dataReceived("1:a,1");
  proto->dataReceived(":b,");
  EXPECT_EQ(proto->received, (Strings{"0123456789", "ab", "a", "b"}));
}

struct Malformed {
  const char* input;
  const char* reason;
};

TEST_F(NetstringReceiverTest, malformedInputDropsTheConnectionWithAReason) {
  const Malformed cases[] = {
      {"2:aaa,", "not terminated by a comma"},
      {"0:a,", "not terminated by a comma"},
      {":aaa,", "does not start with a length"},
      {"3aaa,", "does not start with a length"},
      {"aaa,", "does not start with a length"},
      {"aaa", "does not start with a length"},
      {"01:a,", "does not start with a length"},
      {"9999999999999999999999", "longer than the maximum 50"},
      {"51:", "longer than the maximum 50"},
      {"4:abcde", "not terminated by a comma"},
  };
  for (const auto& c : cases) {
    for (bool byteByByte : {false, true}) {
      log::Capture local;
      auto t = std::make_shared<StringTransport>();
      TestNetstring p;
      p.makeConnection(t);
      std::string_view in(c.input);
      if (byteByByte) {
        for (std::size_t i = 0; i < in.size(); ++i) p.dataReceived(in.substr(i, 1));
      } else {
        p.dataReceived(in);
      }
      EXPECT_TRUE(t->disconnecting()) << c.input;
      EXPECT_TRUE(p.brokenPeer()) << c.input;
      ASSERT_TRUE(p.parseError().has_value()) << c.input;
      EXPECT_NE(std::string(p.parseError()->what()).find(c.reason), std::string::npos)
          << c.input << ": " << p.parseError()->what();
      EXPECT_EQ(local.count("Dropping the connection"), 1u) << c.input;
      EXPECT_TRUE(p.received.empty()) << c.input;
    }
  }
}

TEST_F(NetstringReceiverTest, partialLengthIsAcceptedUntilItBecomesInvalid) {
  proto->dataReceived("5");
  EXPECT_FALSE(transport->disconnecting());
  proto->dataReceived("0");
  EXPECT_FALSE(transport->disconnecting());
  proto->dataReceived("0");  // 500 > 50
  EXPECT_TRUE(transport->disconnecting());
}

TEST_F(NetstringReceiverTest, maxLengthItselfIsAccepted) {
  proto->dataReceived("50:" + std::string(50, 'x') + ",");
  EXPECT_EQ(proto->received, Strings{std::string(50, 'x')});
  proto->dataReceived("51:" + std::string(51, 'x') + ",");
  EXPECT_TRUE(transport->disconnecting());
}

TEST_F(NetstringReceiverTest, dataAfterAParseErrorIsIgnored) {
  proto->dataReceived("x");
  proto->dataReceived("1:a,");
  EXPECT_TRUE(proto->received.empty());
  EXPECT_EQ(capture.count("Dropping the connection"), 1u);
}

TEST_F(NetstringReceiverTest, stringsBeforeTheErrorAreDelivered) {
  proto->dataReceived("1:a,1:b,x");
  EXPECT_EQ(proto->received, (Strings{"a", "b"}));
  EXPECT_TRUE(transport->disconnecting());
}

TEST_F(NetstringReceiverTest, sendStringFormatsANetstring) {
  proto->sendString("hello");
  proto->sendString("");
  EXPECT_EQ(transport->value(), "5:hello,0:,");
}

TEST_F(NetstringReceiverTest, makeConnectionResetsTheParser) {
  proto->dataReceived("x");
  ASSERT_TRUE(proto->brokenPeer());
  proto->makeConnection(std::make_shared<StringTransport>());
  EXPECT_FALSE(proto->brokenPeer());
  proto->dataReceived("1:a,");
  EXPECT_EQ(proto->received, Strings{"a"});
}

}  // namespace
}  // namespace weft::protocols
