#include "weft/testing/string_transport.h"

#include "weft/base/error.h"
#include "weft/testing/accumulating_protocol.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>

namespace weft::testing {
namespace {

class NullProducer : public IPushProducer {
 public:
  void pauseProducing() override {}
  void resumeProducing() override {}
  void stopProducing() override {}
};

TEST(StringTransportTest, valueReturnsEverythingWrittenUntilClear) {
  StringTransport t;
  t.write("foo");
  const std::array<std::string_view, 2> parts{"bar", "baz"};
  t.writeSequence(parts);
  EXPECT_EQ(t.value(), "foobarbaz");
  EXPECT_EQ(t.writes(), (std::vector<std::string>{"foo", "barbaz"}));
  t.clear();
  EXPECT_EQ(t.value(), "");
  EXPECT_TRUE(t.writes().empty());
}

TEST(StringTransportTest, defaultAddressesAreTwistedsAndOverridable) {
  StringTransport t;
  EXPECT_EQ(t.getHost(), Address(IPv4Address{"TCP", "10.0.0.1", 12345}));
  EXPECT_EQ(t.getPeer(), Address(IPv4Address{"TCP", "192.168.1.1", 54321}));
  StringTransport u(UNIXAddress{"a"}, UNIXAddress{"b"});
  EXPECT_EQ(u.getHost(), Address(UNIXAddress{"a"}));
  EXPECT_EQ(u.getPeer(), Address(UNIXAddress{"b"}));
}

TEST(StringTransportTest, loseConnectionOnlySetsDisconnecting) {
  StringTransport t;
  EXPECT_FALSE(t.disconnecting());
  t.loseConnection();
  EXPECT_TRUE(t.disconnecting());
  EXPECT_FALSE(t.disconnected());
}

TEST(StringTransportTest, abortConnectionSetsBothFlags) {
  StringTransport t;
  t.abortConnection();
  EXPECT_TRUE(t.disconnecting());
  EXPECT_TRUE(t.disconnected());
}

TEST(StringTransportTest, registerProducerRecordsProducerAndStreaming) {
  StringTransport t;
  auto p = std::make_shared<NullProducer>();
  t.registerProducer(p, true);
  EXPECT_EQ(t.producer(), p);
  EXPECT_TRUE(t.streaming());
  t.unregisterProducer();
  EXPECT_EQ(t.producer(), nullptr);
  EXPECT_FALSE(t.streaming());
}

TEST(StringTransportTest, secondProducerIsRefused) {
  StringTransport t;
  auto p = std::make_shared<NullProducer>();
  t.registerProducer(p, true);
  EXPECT_THROW(t.registerProducer(p, false), error::RuntimeError);
  EXPECT_EQ(t.producer(), p);
  EXPECT_TRUE(t.streaming());
}

TEST(StringTransportTest, unregisterWithoutProducerThrows) {
  StringTransport t;
  EXPECT_THROW(t.unregisterProducer(), error::RuntimeError);
}

TEST(StringTransportTest, producerStateFollowsPauseResumeStop) {
  StringTransport t;
  EXPECT_EQ(t.producerState(), ProducerState::kProducing);
  t.pauseProducing();
  EXPECT_EQ(t.producerState(), ProducerState::kPaused);
  t.resumeProducing();
  EXPECT_EQ(t.producerState(), ProducerState::kProducing);
  t.stopProducing();
  EXPECT_EQ(t.producerState(), ProducerState::kStopped);
  EXPECT_EQ(toString(t.producerState()), "stopped");
}

TEST(StringTransportTest, pauseOrResumeAfterStopThrows) {
  StringTransport t;
  t.stopProducing();
  EXPECT_THROW(t.pauseProducing(), error::RuntimeError);
  EXPECT_THROW(t.resumeProducing(), error::RuntimeError);
}

TEST(StringTransportTest, pauseOrResumeAfterLoseConnectionThrowsUnlessLenient) {
  StringTransport t;
  t.loseConnection();
  EXPECT_THROW(t.pauseProducing(), error::RuntimeError);
  EXPECT_THROW(t.resumeProducing(), error::RuntimeError);
  StringTransport lenient(IPv4Address{}, IPv4Address{}, true);
  lenient.loseConnection();
  EXPECT_NO_THROW(lenient.pauseProducing());
  EXPECT_NO_THROW(lenient.resumeProducing());
}

TEST(StringTransportTest, tcpOptionsAndHalfCloseAreRecorded) {
  StringTransport t;
  t.setTcpNoDelay(true);
  t.setTcpKeepAlive(true);
  t.loseWriteConnection();
  EXPECT_TRUE(t.getTcpNoDelay());
  EXPECT_TRUE(t.getTcpKeepAlive());
  EXPECT_TRUE(t.writeConnectionLost());
}

TEST(StringTransportWithDisconnectionTest, loseConnectionCallsConnectionLostOnce) {
  auto t = std::make_shared<StringTransportWithDisconnection>();
  auto p = std::make_shared<AccumulatingProtocol>();
  t->protocol = p;
  p->makeConnection(t);
  t->loseConnection();
  t->loseConnection();
  EXPECT_TRUE(p->closed);
  ASSERT_TRUE(p->closedReason.has_value());
  EXPECT_TRUE(p->closedReason->check<error::ConnectionDone>());
  EXPECT_FALSE(t->connected);
  EXPECT_TRUE(t->disconnecting());
}

TEST(AccumulatingProtocolTest, recordsDataMadeAndClosed) {
  auto p = std::make_shared<AccumulatingProtocol>();
  p->makeConnection(std::make_shared<StringTransport>());
  EXPECT_TRUE(p->made);
  p->dataReceived("ab");
  p->dataReceived("c");
  EXPECT_EQ(p->data, "abc");
  Deferred<void> d;
  bool fired = false;
  p->closedDeferred = d;
  static_cast<void>(d.addCallback([&] { fired = true; }));
  p->connectionLost(Failure(error::ConnectionLost()));
  EXPECT_TRUE(p->closed);
  EXPECT_FALSE(p->connected);
  EXPECT_TRUE(p->closedReason->check<error::ConnectionLost>());
  EXPECT_TRUE(fired);
  EXPECT_FALSE(p->closedDeferred.has_value());
}

}  // namespace
}  // namespace weft::testing
