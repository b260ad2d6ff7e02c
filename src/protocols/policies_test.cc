#include "weft/protocols/policies.h"

#include "weft/internet/protocol.h"
#include "weft/testing/clock.h"
#include "weft/testing/string_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace weft::protocols {
namespace {

using namespace std::chrono_literals;

class TimeoutTester : public Protocol, public TimeoutMixin {
 public:
  explicit TimeoutTester(IReactorTime& clock) : TimeoutMixin(clock) {}
  int timedOut = 0;
  void connectionMade() override { setTimeout(3s); }
  void dataReceived(std::string_view) override { resetTimeout(); }
  void timeoutConnection() override {
    ++timedOut;
    TimeoutMixin::timeoutConnection();
  }
};

struct TimeoutMixinTest : ::testing::Test {
  weft::testing::Clock clock;
  std::shared_ptr<weft::testing::StringTransport> transport =
      std::make_shared<weft::testing::StringTransport>();
  std::shared_ptr<TimeoutTester> proto = std::make_shared<TimeoutTester>(clock);
};

TEST_F(TimeoutMixinTest, idleConnectionIsLostAfterThePeriod) {
  proto->makeConnection(transport);
  clock.pump({1, 1, 0.5});
  EXPECT_FALSE(transport->disconnecting());
  clock.pump({0.5});
  EXPECT_TRUE(transport->disconnecting());
  EXPECT_EQ(proto->timedOut, 1);
  EXPECT_FALSE(proto->timeoutCall());
}

TEST_F(TimeoutMixinTest, activityResetsTheCountdown) {
  proto->makeConnection(transport);
  clock.advance(2);
  proto->dataReceived("x");
  clock.advance(2);
  EXPECT_FALSE(transport->disconnecting());
  clock.advance(1);
  EXPECT_TRUE(transport->disconnecting());
}

TEST_F(TimeoutMixinTest, setTimeoutNoneCancelsAndReturnsThePrevious) {
  proto->makeConnection(transport);
  auto previous = proto->setTimeout(std::nullopt);
  ASSERT_TRUE(previous.has_value());
  EXPECT_DOUBLE_EQ(previous->count(), 3.0);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  clock.advance(10);
  EXPECT_FALSE(transport->disconnecting());
  EXPECT_FALSE(proto->timeOut().has_value());
}

TEST_F(TimeoutMixinTest, setTimeoutWhilePendingReschedulesFromNow) {
  proto->makeConnection(transport);
  clock.advance(2);
  proto->setTimeout(5.0);
  clock.advance(4.9);
  EXPECT_FALSE(transport->disconnecting());
  clock.advance(0.1);
  EXPECT_TRUE(transport->disconnecting());
}

TEST_F(TimeoutMixinTest, resetTimeoutWithoutPendingCallDoesNothing) {
  proto->resetTimeout();
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(TimeoutMixinTest, destroyingTheProtocolCancelsTheTimeout) {
  proto->makeConnection(transport);
  auto call = proto->timeoutCall();
  proto.reset();
  EXPECT_FALSE(call->active());
  clock.advance(10);
}

TEST_F(TimeoutMixinTest, timeoutCanBeSetAgainAfterItFired) {
  proto->makeConnection(transport);
  clock.advance(3);
  EXPECT_EQ(proto->timedOut, 1);
  proto->setTimeout(1.0);
  clock.advance(1);
  EXPECT_EQ(proto->timedOut, 2);
}

}  // namespace
}  // namespace weft::protocols
