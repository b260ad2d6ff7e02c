#include "weft/protocols/int_n_string_receiver.h"

#include "weft/testing/string_transport.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace weft::protocols {
namespace {

using testing::StringTransport;
using Strings = std::vector<std::string>;

template <class Base>
class Tester : public Base {
 public:
  Tester() { this->MAX_LENGTH = 50; }
  Strings received;
  std::vector<std::size_t> exceeded;
  bool recordExceeded = false;
  void stringReceived(std::string_view s) override { received.emplace_back(s); }
  void lengthLimitExceeded(std::size_t length) override {
    if (recordExceeded) {
      exceeded.push_back(length);
      recvdAtExceeded = std::string(this->recvd());
    } else {
      Base::lengthLimitExceeded(length);
    }
  }
  std::string recvdAtExceeded;
};

std::string prefix(std::size_t n, std::size_t len) {
  std::string p(n, '\0');
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>((len >> (8 * (n - 1 - i))) & 0xff);
  return p;
}

template <class T>
struct IntNTest : ::testing::Test {
  std::shared_ptr<StringTransport> transport = std::make_shared<StringTransport>();
  std::shared_ptr<Tester<T>> proto = [this] {
    auto p = std::make_shared<Tester<T>>();
    p->makeConnection(transport);
    return p;
  }();
  std::string message(std::string_view payload) {
    return prefix(proto->prefixLength(), payload.size()) + std::string(payload);
  }
};

using Receivers = ::testing::Types<Int32StringReceiver, Int16StringReceiver, Int8StringReceiver>;
TYPED_TEST_SUITE(IntNTest, Receivers);

TYPED_TEST(IntNTest, stringsFedByteByByteAreReceived) {
  const Strings strings = {"a", std::string(16, 'b')};
  for (const auto& s : strings) {
    for (char c : this->message(s)) this->proto->dataReceived(std::string_view(&c, 1));
  }
  EXPECT_EQ(this->proto->received, strings);
}

TYPED_TEST(IntNTest, manyStringsInOneBatchAreReceived) {
  std::string all;
  Strings strings;
  for (int i = 0; i < 1000; ++i) {
    strings.push_back(std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'z'));
    all += this->message(strings.back());
  }
  this->proto->dataReceived(all);
  EXPECT_EQ(this->proto->received, strings);
}

TYPED_TEST(IntNTest, partialDataDeliversNothing) {
  for (std::string partial : {this->message("hello there").substr(0, 3), std::string()}) {
    auto p = std::make_shared<Tester<TypeParam>>();
    p->makeConnection(std::make_shared<StringTransport>());
    for (char c : partial) p->dataReceived(std::string_view(&c, 1));
    EXPECT_TRUE(p->received.empty());
  }
}

TYPED_TEST(IntNTest, sendStringWritesPrefixAndString) {
  this->proto->sendString(std::string(16, 'b'));
  EXPECT_EQ(this->transport->value(), this->message(std::string(16, 'b')));
}

TYPED_TEST(IntNTest, lengthAboveMaxLengthCallsLengthLimitExceeded) {
  this->proto->recordExceeded = true;
  this->proto->MAX_LENGTH = 10;
  this->proto->dataReceived(prefix(this->proto->prefixLength(), 11));
  EXPECT_EQ(this->proto->exceeded, std::vector<std::size_t>{11});
}

TYPED_TEST(IntNTest, recvdHoldsEverythingFromTheOffendingPrefix) {
  this->proto->recordExceeded = true;
  this->proto->MAX_LENGTH = 7;
  const std::string msg = this->message("too long");
  this->proto->dataReceived(msg);
  EXPECT_EQ(this->proto->recvdAtExceeded, msg);
}

TYPED_TEST(IntNTest, longStringIsNotDeliveredAndTheConnectionIsLost) {
  this->proto->MAX_LENGTH = 10;
  this->proto->dataReceived(this->message(std::string(11, 'x')));
  EXPECT_TRUE(this->proto->received.empty());
  EXPECT_TRUE(this->transport->disconnecting());
}

template <class T>
void expectSendStringRefusesTooLong() {
  Tester<T> p;
  p.makeConnection(std::make_shared<StringTransport>());
  const std::size_t limit = std::size_t{1} << (8 * p.prefixLength());
  EXPECT_THROW(p.sendString(std::string(limit, 'b')), StringTooLongError);
  EXPECT_NO_THROW(p.sendString(std::string(limit - 1, 'b')));
}

// (The 32-bit limit, 4 GiB, is too large to try.)
TEST(IntNStringReceiverTest, sendStringRefusesAStringThatDoesNotFitThePrefix) {
  expectSendStringRefusesTooLong<Int8StringReceiver>();
  expectSendStringRefusesTooLong<Int16StringReceiver>();
}

TYPED_TEST(IntNTest, pausedReceiverHoldsStringsUntilResumed) {
  this->proto->dataReceived(this->message("a"));
  this->proto->pauseProducing();
  this->proto->dataReceived(this->message("b") + this->message("c"));
  EXPECT_EQ(this->proto->received, Strings{"a"});
  this->proto->resumeProducing();
  EXPECT_EQ(this->proto->received, (Strings{"a", "b", "c"}));
}

TEST(Int32StringReceiverTest, bigEndianPrefix) {
  Tester<Int32StringReceiver> p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.sendString("foo");
  EXPECT_EQ(t->value(), std::string("\0\0\0\x03"
                                    "foo",
                                    7));
  p.dataReceived(
      std::string("\0\0\0\x04"
                  "ubar",
                  8));
  EXPECT_EQ(p.received, Strings{"ubar"});
}

TEST(Int16StringReceiverTest, bigEndianPrefix) {
  Tester<Int16StringReceiver> p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.sendString("foo");
  EXPECT_EQ(t->value(), std::string("\0\x03"
                                    "foo",
                                    5));
}

TEST(Int8StringReceiverTest, illegalLengthLosesTheConnection) {
  Tester<Int8StringReceiver> p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  const std::string illegal = std::string(1, '\x40') + "aaaaaa";
  for (char c : illegal) p.dataReceived(std::string_view(&c, 1));
  EXPECT_TRUE(t->disconnecting());
}

// recvd can be replaced from stringReceived (Twisted's test_recvdChanged / test_switching).
class Switching : public Int32StringReceiver {
 public:
  Strings received;
  std::function<void(Switching&)> onString;
  void stringReceived(std::string_view s) override {
    received.emplace_back(s);
    if (onString) onString(*this);
  }
};

TEST(Int32StringReceiverTest, recvdContainsTheRemainingData) {
  Switching p;
  p.makeConnection(std::make_shared<StringTransport>());
  Strings seen;
  p.onString = [&](Switching& s) { seen.emplace_back(s.recvd()); };
  const std::string incomplete = prefix(4, 5) + "bbbb";
  p.dataReceived(prefix(4, 5) + "aaaaa" + incomplete);
  EXPECT_EQ(seen, Strings{incomplete});
}

TEST(Int32StringReceiverTest, replacingRecvdParsesTheNewData) {
  Switching p;
  p.makeConnection(std::make_shared<StringTransport>());
  bool first = true;
  p.onString = [&](Switching& s) {
    if (first) s.setRecvd(prefix(4, 5) + "ccccc");
    first = false;
  };
  p.dataReceived(prefix(4, 5) + "aaaaa" + prefix(4, 5) + "bbbbb");
  EXPECT_EQ(p.received, (Strings{"aaaaa", "ccccc"}));
}

TEST(Int32StringReceiverTest, consumingPartOfRecvdSkipsIt) {
  Switching p;
  p.makeConnection(std::make_shared<StringTransport>());
  const std::string kSwitch(4, '\0');
  p.onString = [&](Switching& s) { s.setRecvd(std::string(s.recvd().substr(4))); };
  p.dataReceived(prefix(4, 1) + "a" + kSwitch + prefix(4, 2) + "bb" + kSwitch);
  p.dataReceived("\x01");
  EXPECT_EQ(p.received, (Strings{"a", "bb"}));
  EXPECT_EQ(p.recvd(), "\x01");
}

}  // namespace
}  // namespace weft::protocols
