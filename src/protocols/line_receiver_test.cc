#include "weft/protocols/line_receiver.h"

#include "weft/base/error.h"
#include "weft/testing/clock.h"
#include "weft/testing/string_transport.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace weft::protocols {
namespace {

using testing::StringTransport;
using Lines = std::vector<std::string>;

// Twisted's LineTester: acts on tokens (pause, rawpause, stop, len N, produce, unproduce).
class LineTester : public LineReceiver {
 public:
  explicit LineTester(weft::testing::Clock* clock = nullptr) : clock_(clock) {
    delimiter = "\n";
    MAX_LENGTH = 64;
  }
  Lines received;
  std::size_t length = 0;

  void lineReceived(std::string_view line) override {
    received.emplace_back(line);
    if (line.empty()) {
      setRawMode();
    } else if (line == "pause") {
      pauseProducing();
      clock_->callLater(0.0, [this] { resumeProducing(); });
    } else if (line == "rawpause") {
      pauseProducing();
      setRawMode();
      received.emplace_back();
      clock_->callLater(0.0, [this] { resumeProducing(); });
    } else if (line == "stop") {
      stopProducing();
    } else if (line.substr(0, 4) == "len ") {
      length = std::stoul(std::string(line.substr(4)));
    } else if (line.starts_with("produce")) {
      transport->registerProducer(std::shared_ptr<IProducer>(self_.lock(), this), false);
    } else if (line.starts_with("unproduce")) {
      transport->unregisterProducer();
    }
  }
  void rawDataReceived(std::string_view data) override {
    std::string_view head = data.substr(0, length);
    std::string_view rest = data.substr(head.size());
    length -= head.size();
    received.back().append(head);
    if (length == 0) setLineMode(rest);
  }
  void lineLengthExceeded(std::string_view line) override {
    if (line.size() > MAX_LENGTH + 1) setLineMode(line.substr(MAX_LENGTH + 1));
  }

  std::weak_ptr<LineTester> self_;

 private:
  weft::testing::Clock* clock_;
};

std::shared_ptr<LineTester> makeTester(weft::testing::Clock* clock = nullptr,
                                       std::shared_ptr<StringTransport> t = nullptr) {
  auto p = std::make_shared<LineTester>(clock);
  p->self_ = p;
  p->makeConnection(
      t ? t : std::make_shared<StringTransport>(IPv4Address{}, IPv4Address{}, /*lenient=*/true));
  return p;
}

void feed(IProtocol& p, std::string_view data, std::size_t packetSize) {
  for (std::size_t i = 0; i < data.size(); i += packetSize)
    p.dataReceived(data.substr(i, packetSize));
}

const char kBuffer[] =
    "len 10\n"
    "\n"
    "0123456789len 5\n"
    "\n"
    "1234\n"
    "len 20\n"
    "foo 123\n"
    "\n"
    "0123456789\n"
    "012345678len 0\n"
    "foo 5\n"
    "\n"
    "1234567890123456789012345678901234567890123456789012345678901234567890\n"
    "len 1\n"
    "\n"
    "a";

const Lines kOutput = {
    "len 10", "0123456789", "len 5", "1234\n", "len 20", "foo 123", "0123456789\n012345678",
    "len 0",  "foo 5",      "",      "67890",  "len 1",  "a"};

TEST(LineReceiverTest, linesAndRawDataAreReassembledForEveryPacketSize) {
  for (std::size_t size = 1; size < 10; ++size) {
    auto p = makeTester();
    feed(*p, kBuffer, size);
    EXPECT_EQ(p->received, kOutput) << "packet size " << size;
  }
}

TEST(LineReceiverTest, dataFedBackFromLineLengthExceededWaitsForTheNextCall) {
  // As in Twisted: setLineMode(extra) from lineLengthExceeded only buffers `extra`; it is
  // parsed by the next dataReceived (here an empty one).
  auto p = makeTester();
  p->dataReceived(kBuffer);
  EXPECT_EQ(p->received, Lines(kOutput.begin(), kOutput.begin() + 10));
  p->dataReceived("");
  EXPECT_EQ(p->received, kOutput);
}

TEST(LineReceiverTest, pauseInsideLineReceivedHoldsLinesUntilResumed) {
  const std::string buf = "twiddle1\ntwiddle2\npause\ntwiddle3\n";
  for (std::size_t size = 1; size < 10; ++size) {
    weft::testing::Clock clock;
    auto t = std::make_shared<StringTransport>();
    auto p = makeTester(&clock, t);
    feed(*p, buf, size);
    EXPECT_EQ(p->received, (Lines{"twiddle1", "twiddle2", "pause"}));
    EXPECT_TRUE(p->paused());
    EXPECT_EQ(t->producerState(), testing::ProducerState::kPaused);
    clock.advance(0);
    EXPECT_EQ(p->received, (Lines{"twiddle1", "twiddle2", "pause", "twiddle3"}));
    EXPECT_EQ(t->producerState(), testing::ProducerState::kProducing);
  }
}

TEST(LineReceiverTest, pauseAndRawModeSwitchInsideLineReceived) {
  const std::string buf = "twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n";
  for (std::size_t size = 1; size < 10; ++size) {
    weft::testing::Clock clock;
    auto p = makeTester(&clock);
    feed(*p, buf, size);
    EXPECT_EQ(p->received, (Lines{"twiddle1", "twiddle2", "len 5", "rawpause", ""}));
    clock.advance(0);
    EXPECT_EQ(p->received,
              (Lines{"twiddle1", "twiddle2", "len 5", "rawpause", "12345", "twiddle3"}));
  }
}

TEST(LineReceiverTest, stopProducingEndsDelivery) {
  const std::string buf = "twiddle1\ntwiddle2\nstop\nmore\nstuff\n";
  for (std::size_t size = 1; size < 10; ++size) {
    auto t = std::make_shared<StringTransport>();
    auto p = makeTester(nullptr, t);
    feed(*p, buf, size);
    EXPECT_EQ(p->received, (Lines{"twiddle1", "twiddle2", "stop"}));
    EXPECT_EQ(t->producerState(), testing::ProducerState::kStopped);
  }
}

TEST(LineReceiverTest, lineReceiverCanRegisterItselfAsProducer) {
  auto t = std::make_shared<StringTransport>();
  auto p = makeTester(nullptr, t);
  p->dataReceived("produce\nhello world\nunproduce\ngoodbye\n");
  EXPECT_EQ(p->received, (Lines{"produce", "hello world", "unproduce", "goodbye"}));
  EXPECT_EQ(t->producer(), nullptr);
}

class ClearingReceiver : public LineReceiver {
 public:
  std::string line, rest;
  void lineReceived(std::string_view l) override {
    line = l;
    rest = clearLineBuffer();
  }
};

TEST(LineReceiverTest, clearLineBufferInsideLineReceivedReturnsAndDropsTheRest) {
  ClearingReceiver p;
  p.dataReceived("foo\r\nbar\r\nbaz");
  EXPECT_EQ(p.line, "foo");
  EXPECT_EQ(p.rest, "bar\r\nbaz");
  p.dataReceived("quux\r\n");
  EXPECT_EQ(p.line, "quux");
  EXPECT_EQ(p.rest, "");
}

class FlippingLineTester : public LineReceiver {
 public:
  FlippingLineTester() { delimiter = "\n"; }
  Lines lines;
  void lineReceived(std::string_view line) override {
    lines.emplace_back(line);
    setRawMode();
  }
  void rawDataReceived(std::string_view data) override { setLineMode(data.substr(1)); }
};

TEST(LineReceiverTest, switchingModesManyTimesDoesNotRecurse) {
  FlippingLineTester p;
  p.makeConnection(std::make_shared<StringTransport>());
  std::string data;
  const int n = 2000;
  for (int i = 0; i < n; ++i) data += "x\nx";
  p.dataReceived(data);
  std::string joined;
  for (auto& l : p.lines) joined += l;
  EXPECT_EQ(joined, std::string(n, 'x'));
}

class NullReceiver : public LineReceiver {
 public:
  Lines lines;
  void lineReceived(std::string_view line) override { lines.emplace_back(line); }
};

TEST(LineReceiverTest, lineLongerThanMaxLengthLosesTheConnection) {
  NullReceiver p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.dataReceived(std::string(p.MAX_LENGTH + 1, 'x') + "\r\nr");
  EXPECT_TRUE(t->disconnecting());
  EXPECT_TRUE(p.lines.empty());
}

TEST(LineReceiverTest, partialDelimiterAtTheLimitIsNotAnOverflow) {
  NullReceiver p;
  p.MAX_LENGTH = 4;
  p.delimiter = "\n\r";
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  const std::string line(p.MAX_LENGTH - 1, 'x');
  p.dataReceived(line);
  p.dataReceived("\n");
  p.dataReceived("\r" + line);
  EXPECT_FALSE(t->disconnecting());
  EXPECT_EQ(p.lines, Lines{line});
}

TEST(LineReceiverTest, unfinishedLineJustUnderTheLimitKeepsTheConnection) {
  NullReceiver p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.dataReceived(std::string(p.MAX_LENGTH, 'x') + "\r");
  EXPECT_FALSE(t->disconnecting());
}

TEST(LineReceiverTest, unfinishedLineOverTheLimitLosesTheConnection) {
  NullReceiver p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.dataReceived(std::string(p.MAX_LENGTH + 2, 'x'));
  EXPECT_TRUE(t->disconnecting());
}

TEST(LineReceiverTest, linesOfExactlyMaxLengthAreDelivered) {
  NullReceiver p;
  p.MAX_LENGTH = 8;
  p.makeConnection(std::make_shared<StringTransport>());
  p.dataReceived("12345678\r\n");
  EXPECT_EQ(p.lines, Lines{"12345678"});
}

TEST(LineReceiverTest, defaultRawDataReceivedThrows) {
  NullReceiver p;
  p.makeConnection(std::make_shared<StringTransport>());
  p.setRawMode();
  EXPECT_THROW(p.dataReceived("data"), error::RuntimeError);
}

TEST(LineReceiverTest, sendLineAppendsTheDelimiter) {
  NullReceiver p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.sendLine("hello");
  EXPECT_EQ(t->value(), "hello\r\n");
}

TEST(LineReceiverTest, noLineIsDeliveredAfterLoseConnectionInLineReceived) {
  class Closer : public NullReceiver {
    void lineReceived(std::string_view line) override {
      NullReceiver::lineReceived(line);
      transport->loseConnection();
    }
  };
  Closer p;
  p.makeConnection(std::make_shared<StringTransport>());
  p.dataReceived("a\r\nb\r\nc\r\n");
  EXPECT_EQ(p.lines, Lines{"a"});
}

class ExcessivelyLargeLineCatcher : public LineReceiver {
 public:
  ExcessivelyLargeLineCatcher() { MAX_LENGTH = 6; }
  Lines longLines;
  void lineReceived(std::string_view) override {}
  void lineLengthExceeded(std::string_view data) override { longLines.emplace_back(data); }
};

TEST(LineReceiverTest, longUnendedLineGoesWholeToLineLengthExceeded) {
  ExcessivelyLargeLineCatcher p;
  const std::string excessive(p.MAX_LENGTH * 2 + 2, 'x');
  p.dataReceived(excessive);
  EXPECT_EQ(p.longLines, Lines{excessive});
}

TEST(LineReceiverTest, longLineAfterShortLineGoesToLineLengthExceeded) {
  ExcessivelyLargeLineCatcher p;
  const std::string excessive(p.MAX_LENGTH * 2 + 2, 'x');
  p.dataReceived("x" + p.delimiter + excessive);
  EXPECT_EQ(p.longLines, Lines{excessive});
}

TEST(LineReceiverTest, longLineWithDelimiterPassesTheWholeBuffer) {
  ExcessivelyLargeLineCatcher p;
  const std::string part(p.MAX_LENGTH * 2 + 2, 'x');
  const std::string excessive = part + p.delimiter + part;
  p.dataReceived(excessive);
  EXPECT_EQ(p.longLines, Lines{excessive});
}

TEST(LineReceiverTest, multipleLongLinesPassTheWholeBuffer) {
  ExcessivelyLargeLineCatcher p;
  const std::string part = std::string(p.MAX_LENGTH * 2 + 2, 'x') + p.delimiter;
  p.dataReceived(part + part);
  EXPECT_EQ(p.longLines, Lines{part + part});
}

// Twisted's ProducerTests.test_pauseResume with a transport that only records pausing.
class ConsumingProtocol : public LineReceiver {
 public:
  Lines written;
  void lineReceived(std::string_view line) override {
    written.emplace_back(line);
    pauseProducing();
  }
};

TEST(LineReceiverTest, pausedReceiverDeliversOneLinePerResume) {
  ConsumingProtocol p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.dataReceived("hello, ");
  EXPECT_TRUE(p.written.empty());
  EXPECT_FALSE(p.paused());
  p.dataReceived("world\r\n");
  EXPECT_EQ(p.written, Lines{"hello, world"});
  EXPECT_TRUE(p.paused());
  EXPECT_EQ(t->producerState(), testing::ProducerState::kPaused);
  p.resumeProducing();
  EXPECT_EQ(p.written, Lines{"hello, world"});
  EXPECT_FALSE(p.paused());
  p.dataReceived("hello\r\nworld\r\n");
  EXPECT_EQ(p.written, (Lines{"hello, world", "hello"}));
  EXPECT_TRUE(p.paused());
  p.resumeProducing();
  EXPECT_EQ(p.written, (Lines{"hello, world", "hello", "world"}));
  EXPECT_TRUE(p.paused());
  p.dataReceived("goodbye\r\n");
  EXPECT_EQ(p.written.size(), 3u);
  p.resumeProducing();
  EXPECT_EQ(p.written, (Lines{"hello, world", "hello", "world", "goodbye"}));
  EXPECT_TRUE(p.paused());
  p.resumeProducing();
  EXPECT_EQ(p.written.size(), 4u);
  EXPECT_FALSE(p.paused());
  EXPECT_EQ(t->producerState(), testing::ProducerState::kProducing);
}

TEST(LineReceiverTest, largeBatchOfLinesIsDeliveredInOrder) {
  NullReceiver p;
  p.makeConnection(std::make_shared<StringTransport>());
  std::string data;
  for (int i = 0; i < 20000; ++i) data += "line " + std::to_string(i) + "\r\n";
  p.dataReceived(data);
  ASSERT_EQ(p.lines.size(), 20000u);
  EXPECT_EQ(p.lines.front(), "line 0");
  EXPECT_EQ(p.lines.back(), "line 19999");
}

// --- LineOnlyReceiver --------------------------------------------------------------------

class LineOnlyTester : public LineOnlyReceiver {
 public:
  LineOnlyTester() {
    delimiter = "\n";
    MAX_LENGTH = 64;
  }
  Lines received;
  void lineReceived(std::string_view line) override { received.emplace_back(line); }
};

TEST(LineOnlyReceiverTest, linesArriveByteByByte) {
  const std::string buf = "foo\n    bleakness\n    desolation\n    plastic forks\n";
  LineOnlyTester p;
  p.makeConnection(std::make_shared<StringTransport>());
  feed(p, buf, 1);
  EXPECT_EQ(p.received, (Lines{"foo", "    bleakness", "    desolation", "    plastic forks"}));
}

TEST(LineOnlyReceiverTest, lineLongerThanMaxLengthLosesTheConnection) {
  LineOnlyTester p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.dataReceived(std::string(p.MAX_LENGTH + p.delimiter.size() + 1, 'x') + "\r\nr");
  EXPECT_TRUE(t->disconnecting());
  EXPECT_TRUE(p.received.empty());
}

TEST(LineOnlyReceiverTest, partialLineLongerThanMaxLengthLosesTheConnection) {
  LineOnlyTester p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.dataReceived(std::string(p.MAX_LENGTH, 'x'));
  EXPECT_FALSE(t->disconnecting());
  p.dataReceived("x");
  EXPECT_TRUE(t->disconnecting());
}

TEST(LineOnlyReceiverTest, linesStopOnceDisconnecting) {
  LineOnlyTester p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.dataReceived("a\n");
  t->loseConnection();
  p.dataReceived("b\nc\n");
  EXPECT_EQ(p.received, Lines{"a"});
}

TEST(LineOnlyReceiverTest, sendLineWritesLineAndDelimiter) {
  LineOnlyTester p;
  auto t = std::make_shared<StringTransport>();
  p.makeConnection(t);
  p.sendLine("hi");
  EXPECT_EQ(t->value(), "hi\n");
}

}  // namespace
}  // namespace weft::protocols
