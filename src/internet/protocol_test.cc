#include "weft/internet/protocol.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/testing/clock.h"
#include "weft/testing/string_transport.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace weft {
namespace {

class RecordingProtocol : public Protocol {
 public:
  std::vector<std::string> events;
  bool transportSetAtConnectionMade = false;
  void connectionMade() override {
    transportSetAtConnectionMade = transport != nullptr && connected;
    events.push_back("made");
  }
};

TEST(ProtocolTest, makeConnectionSetsTransportThenCallsConnectionMade) {
  auto p = std::make_shared<RecordingProtocol>();
  auto t = std::make_shared<testing::StringTransport>();
  p->makeConnection(t);
  EXPECT_EQ(p->transport, t);
  EXPECT_TRUE(p->connected);
  EXPECT_TRUE(p->transportSetAtConnectionMade);
  EXPECT_EQ(p->events, std::vector<std::string>{"made"});
}

TEST(ProtocolTest, connectionLostClearsConnectedAndKeepsTransport) {
  auto p = std::make_shared<RecordingProtocol>();
  p->makeConnection(std::make_shared<testing::StringTransport>());
  p->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_FALSE(p->connected);
  EXPECT_NE(p->transport, nullptr);
}

TEST(ProtocolTest, logPrefixIsTheClassName) {
  RecordingProtocol p;
  EXPECT_EQ(p.logPrefix(), "RecordingProtocol");
}

TEST(FactoryTest, buildProtocolSetsTheProtocolsFactory) {
  auto f = Factory::forProtocol<RecordingProtocol>();
  auto p = f->buildProtocol(IPv4Address{"TCP", "1.2.3.4", 5});
  auto rp = std::dynamic_pointer_cast<RecordingProtocol>(p);
  ASSERT_NE(rp, nullptr);
  EXPECT_EQ(rp->factory, f);
}

TEST(FactoryTest, buildProtocolWithoutMakerReturnsNull) {
  auto f = std::make_shared<Factory>();
  EXPECT_EQ(f->buildProtocol(IPv4Address{}), nullptr);
  f->setProtocol<RecordingProtocol>();
  EXPECT_NE(f->buildProtocol(IPv4Address{}), nullptr);
}

TEST(FactoryTest, factoryNotOwnedBySharedPtrLeavesProtocolFactoryEmpty) {
  Factory f([] { return std::make_shared<RecordingProtocol>(); });
  auto p = std::dynamic_pointer_cast<Protocol>(f.buildProtocol(IPv4Address{}));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->factory, nullptr);
}

class CountingFactory : public Factory {
 public:
  int starts = 0;
  int stops = 0;
  void startFactory() override { ++starts; }
  void stopFactory() override { ++stops; }
};

TEST(FactoryTest, startFactoryRunsOnFirstDoStartAndStopFactoryOnLastDoStop) {
  log::Capture capture;
  auto f = std::make_shared<CountingFactory>();
  f->doStart();
  f->doStart();
  EXPECT_EQ(f->starts, 1);
  EXPECT_EQ(f->numPorts(), 2);
  f->doStop();
  EXPECT_EQ(f->stops, 0);
  f->doStop();
  EXPECT_EQ(f->stops, 1);
  EXPECT_EQ(f->numPorts(), 0);
  EXPECT_EQ(capture.count("Starting factory CountingFactory"), 1u);
  EXPECT_EQ(capture.count("Stopping factory CountingFactory"), 1u);
}

TEST(FactoryTest, unbalancedDoStopIsIgnored) {
  log::Capture capture;
  auto f = std::make_shared<CountingFactory>();
  f->doStop();
  EXPECT_EQ(f->stops, 0);
  EXPECT_EQ(f->numPorts(), 0);
}

class ThrowingStartFactory : public Factory {
 public:
  void startFactory() override { throw error::RuntimeError("no"); }
};

TEST(FactoryTest, throwingStartFactoryLeavesCountAtZero) {
  log::Capture capture;
  auto f = std::make_shared<ThrowingStartFactory>();
  EXPECT_THROW(f->doStart(), error::RuntimeError);
  EXPECT_EQ(f->numPorts(), 0);
}

TEST(ClientFactoryTest, defaultNotificationsDoNothing) {
  auto f = ClientFactory::forProtocol<RecordingProtocol>();
  f->startedConnecting(nullptr);
  f->clientConnectionFailed(nullptr, Failure(error::ConnectionRefusedError()));
  f->clientConnectionLost(nullptr, Failure(error::ConnectionDone()));
  EXPECT_NE(f->buildProtocol(IPv4Address{}), nullptr);
}

// --- ReconnectingClientFactory -------------------------------------------------------------

class FakeConnector : public IConnector {
 public:
  int connects = 0;
  int stops = 0;
  bool connecting = false;
  void stopConnecting() override {
    if (!connecting) throw error::NotConnectingError();
    ++stops;
    connecting = false;
  }
  void disconnect() override {}
  void connect() override {
    ++connects;
    connecting = true;
  }
  Address getDestination() const override { return IPv4Address{"TCP", "example", 1}; }
};

struct ReconnectingFixture : ::testing::Test {
  log::Capture capture;
  testing::Clock clock;
  std::shared_ptr<ReconnectingClientFactory> factory =
      std::make_shared<ReconnectingClientFactory>(clock);
  std::shared_ptr<FakeConnector> connector = std::make_shared<FakeConnector>();
};

using ReconnectingClientFactoryTest = ReconnectingFixture;

TEST_F(ReconnectingClientFactoryTest, failedConnectionIsRetriedAfterTheBackoff) {
  factory->jitter = 0;
  factory->clientConnectionFailed(connector, Failure(error::ConnectionRefusedError()));
  EXPECT_EQ(factory->retries(), 1);
  EXPECT_DOUBLE_EQ(factory->delay(), factory->factor);
  ASSERT_TRUE(factory->pendingCall());
  clock.advance(factory->delay() - 0.01);
  EXPECT_EQ(connector->connects, 0);
  clock.advance(0.01);
  EXPECT_EQ(connector->connects, 1);
  EXPECT_FALSE(factory->pendingCall());
}

TEST_F(ReconnectingClientFactoryTest, delayGrowsByFactorUpToMaxDelay) {
  factory->jitter = 0;
  factory->maxDelay = 10;
  std::vector<double> delays;
  for (int i = 0; i < 4; ++i) {
    factory->clientConnectionLost(connector, Failure(error::ConnectionLost()));
    delays.push_back(factory->delay());
    clock.advance(factory->delay());
  }
  EXPECT_DOUBLE_EQ(delays[0], factory->factor);
  EXPECT_DOUBLE_EQ(delays[1], factory->factor * factory->factor);
  EXPECT_DOUBLE_EQ(delays[2], 10.0);
  EXPECT_DOUBLE_EQ(delays[3], 10.0);
  EXPECT_EQ(connector->connects, 4);
}

TEST_F(ReconnectingClientFactoryTest, jitterIsNormallyDistributedAroundTheDelay) {
  factory->random().seed(42);
  double sum = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    factory->resetDelay();
    factory->retry(connector);
    sum += factory->delay();
    clock.advance(100);
  }
  const double mean = sum / n;
  EXPECT_NEAR(mean, factory->factor, factory->factor * factory->jitter * 0.2);
}

TEST_F(ReconnectingClientFactoryTest, givesUpAfterMaxRetries) {
  factory->maxRetries = 2;
  for (int i = 0; i < 2; ++i) {
    factory->clientConnectionFailed(connector, Failure(error::ConnectionRefusedError()));
    clock.advance(1000);
  }
  EXPECT_EQ(connector->connects, 2);
  factory->clientConnectionFailed(connector, Failure(error::ConnectionRefusedError()));
  EXPECT_FALSE(factory->pendingCall());
  EXPECT_EQ(factory->retries(), 3);
  EXPECT_EQ(capture.count("after 3 retries"), 1u);
}

TEST_F(ReconnectingClientFactoryTest, stopTryingCancelsThePendingRetry) {
  factory->clientConnectionLost(connector, Failure(error::ConnectionLost()));
  auto call = factory->pendingCall();
  ASSERT_TRUE(call);
  factory->stopTrying();
  EXPECT_FALSE(call->active());
  EXPECT_FALSE(factory->continueTrying());
  clock.advance(100000);
  EXPECT_EQ(connector->connects, 0);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(ReconnectingClientFactoryTest, stopTryingStopsAnAttemptInProgress) {
  factory->clientConnectionFailed(connector, Failure(error::ConnectionRefusedError()));
  clock.advance(100);
  ASSERT_TRUE(connector->connecting);
  factory->stopTrying();
  EXPECT_EQ(connector->stops, 1);
}

TEST_F(ReconnectingClientFactoryTest, stopTryingIgnoresNotConnectingError) {
  factory->clientConnectionLost(connector, Failure(error::ConnectionLost()));
  EXPECT_NO_THROW(factory->stopTrying());
  EXPECT_EQ(connector->stops, 0);
}

TEST_F(ReconnectingClientFactoryTest, lossAfterStopTryingIsNotRetried) {
  factory->stopTrying();
  factory->clientConnectionLost(connector, Failure(error::ConnectionLost()));
  EXPECT_FALSE(factory->pendingCall());
  EXPECT_EQ(factory->retries(), 0);
}

TEST_F(ReconnectingClientFactoryTest, retryAfterStopTryingLogsAndDoesNothing) {
  factory->stopTrying();
  factory->retry(connector);
  EXPECT_FALSE(factory->pendingCall());
  EXPECT_EQ(capture.count("on explicit request"), 1u);
}

TEST_F(ReconnectingClientFactoryTest, retryWithoutAnyConnectorThrowsValueError) {
  EXPECT_THROW(factory->retry(), error::ValueError);
}

TEST_F(ReconnectingClientFactoryTest, resetDelayRestoresInitialDelayAndRetries) {
  factory->clientConnectionFailed(connector, Failure(error::ConnectionRefusedError()));
  clock.advance(100);
  factory->stopTrying();
  factory->resetDelay();
  EXPECT_DOUBLE_EQ(factory->delay(), factory->initialDelay);
  EXPECT_EQ(factory->retries(), 0);
  EXPECT_TRUE(factory->continueTrying());
}

TEST_F(ReconnectingClientFactoryTest, destroyingTheFactoryCancelsThePendingRetry) {
  factory->clientConnectionLost(connector, Failure(error::ConnectionLost()));
  auto call = factory->pendingCall();
  factory.reset();
  EXPECT_FALSE(call->active());
  clock.advance(100000);
  EXPECT_EQ(connector->connects, 0);
}

TEST_F(ReconnectingClientFactoryTest, retryLogsTheDelay) {
  factory->jitter = 0;
  factory->clientConnectionLost(connector, Failure(error::ConnectionLost()));
  EXPECT_EQ(capture.count("will retry in 2 seconds"), 1u);
}

}  // namespace
}  // namespace weft
