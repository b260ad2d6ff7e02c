// HostnameEndpoint (Twisted's it/test_endpoints.py HostnameEndpoint*Tests) on
// MemoryReactorClock: lookups, staggered attempts, the race, failure and cancellation.
#include "weft/application/endpoints.h"
#include "weft/base/error.h"
#include "weft/internet/protocol.h"
#include "weft/testing/memory_reactor.h"
#include "weft/testing/result_of.h"
#include "weft/testing/string_transport.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace weft::application {
namespace {

using testing::MemoryReactorClock;
using namespace std::chrono_literals;

// A MemoryReactorClock whose resolve() answers `ip` and records the names asked for.
class ResolvingReactor : public MemoryReactorClock {
 public:
  std::string ip = "10.0.0.1";
  std::vector<std::string> names;
  Deferred<std::string> resolve(std::string_view name, std::vector<int>) override {
    names.emplace_back(name);
    return succeed(ip);
  }
};

class TestFactory : public Factory {
 public:
  std::shared_ptr<IProtocol> protocol = std::make_shared<Protocol>();
  int builds = 0;
  std::shared_ptr<IProtocol> buildProtocol(const Address&) override {
    ++builds;
    return protocol;
  }
};

// A resolver answering `addresses` (all on port 80), recording the lookups.
struct FakeNames {
  std::vector<Address> addresses;
  std::vector<std::pair<std::string, int>> lookups;
  NameResolution resolution() {
    return [this](const std::string& host, int port) {
      lookups.emplace_back(host, port);
      return succeed(addresses);
    };
  }
};

const std::vector<Address> kThree = {IPv4Address{"TCP", "10.0.0.1", 80},
                                     IPv6Address{"TCP", "fe80::1", 80},
                                     IPv4Address{"TCP", "10.0.0.3", 80}};

// Completes the attempt recorded at `index` as the reactor would: the factory builds the
// protocol, which gets a transport.
void completeAttempt(MemoryReactorClock& reactor, std::size_t index) {
  auto protocol = reactor.tcpClients.at(index).factory->buildProtocol(
      IPv4Address{"TCP", reactor.tcpClients.at(index).host, 80});
  ASSERT_NE(protocol, nullptr);
  protocol->makeConnection(std::make_shared<testing::StringTransport>());
}

void failAttempt(MemoryReactorClock& reactor, std::size_t index, const Failure& reason) {
  reactor.tcpClients.at(index).factory->clientConnectionFailed(reactor.connectors.at(index),
                                                               reason);
}

TEST(HostnameEndpointTest, resolvesWithTheReactorsResolverAndConnectsToTheAddress) {
  ResolvingReactor reactor;
  HostnameEndpoint endpoint(reactor, "example.com", 80,
                            {.timeout = 5s, .bindAddress = {{"10.9.9.9", 0}}});
  auto factory = std::make_shared<TestFactory>();
  auto d = endpoint.connect(factory);
  EXPECT_EQ(reactor.names, (std::vector<std::string>{"example.com"}));
  ASSERT_EQ(reactor.tcpClients.size(), 1u);
  EXPECT_EQ(reactor.tcpClients[0].host, "10.0.0.1");
  EXPECT_EQ(reactor.tcpClients[0].port, 80);
  EXPECT_EQ(reactor.tcpClients[0].timeout, 5s);
  EXPECT_EQ(reactor.tcpClients[0].bindAddress, (std::pair<std::string, int>{"10.9.9.9", 0}));
  testing::assertNoResult(d);
  completeAttempt(reactor, 0);
  EXPECT_EQ(testing::successResultOf(d), factory->protocol);
}

TEST(HostnameEndpointTest, ipLiteralsAreNotLookedUp) {
  ResolvingReactor reactor;
  HostnameEndpoint v4(reactor, "127.0.0.1", 80);
  HostnameEndpoint v6(reactor, "::1", 81);
  auto d4 = v4.connect(std::make_shared<TestFactory>());
  auto d6 = v6.connect(std::make_shared<TestFactory>());
  EXPECT_TRUE(reactor.names.empty());
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  EXPECT_EQ(reactor.tcpClients[0].host, "127.0.0.1");
  EXPECT_EQ(reactor.tcpClients[1].host, "::1");
  EXPECT_EQ(reactor.tcpClients[1].port, 81);
  d4.cancel();
  d6.cancel();
  static_cast<void>(testing::failureResultOf(d4));
  static_cast<void>(testing::failureResultOf(d6));
}

// TCPC-17
TEST(HostnameEndpointTest, aNameTheResolverDoesNotKnowFailsWithDNSLookupError) {
  MemoryReactorClock reactor;  // resolves nothing
  HostnameEndpoint endpoint(reactor, "example.invalid", 80);
  static_cast<void>(testing::failureResultOf<error::DNSLookupError>(
      endpoint.connect(std::make_shared<TestFactory>())));
  EXPECT_TRUE(reactor.tcpClients.empty());
}

// TCPC-17
TEST(HostnameEndpointTest, aNameWithNoAddressFailsWithDNSLookupError) {
  MemoryReactorClock reactor;
  FakeNames names;
  HostnameEndpoint endpoint(reactor, "example.com", 80, {.nameResolution = names.resolution()});
  Failure f = testing::failureResultOf<error::DNSLookupError>(
      endpoint.connect(std::make_shared<TestFactory>()));
  EXPECT_EQ(f.getErrorMessage(), "no results for hostname lookup: example.com");
  EXPECT_EQ(names.lookups, (std::vector<std::pair<std::string, int>>{{"example.com", 80}}));
}

// TCPC-17: Twisted's LoopingCall over the endpoints, every attemptDelay.
TEST(HostnameEndpointTest, attemptsStartAttemptDelayApart) {
  MemoryReactorClock reactor;
  FakeNames names{kThree};
  HostnameEndpoint endpoint(reactor, "example.com", 80, {.nameResolution = names.resolution()});
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  EXPECT_EQ(reactor.tcpClients.size(), 1u);
  reactor.advance(0.29);
  EXPECT_EQ(reactor.tcpClients.size(), 1u);
  reactor.advance(0.01);
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  EXPECT_EQ(reactor.tcpClients[1].host, "fe80::1");
  reactor.advance(0.3);
  ASSERT_EQ(reactor.tcpClients.size(), 3u);
  EXPECT_EQ(reactor.tcpClients[2].host, "10.0.0.3");
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
  testing::assertNoResult(d);
  d.cancel();
  static_cast<void>(testing::failureResultOf(d));
}

TEST(HostnameEndpointTest, attemptDelayIsAnOption) {
  MemoryReactorClock reactor;
  FakeNames names{kThree};
  HostnameEndpoint endpoint(reactor, "example.com", 80,
                            {.attemptDelay = 2s, .nameResolution = names.resolution()});
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  reactor.advance(1.9);
  EXPECT_EQ(reactor.tcpClients.size(), 1u);
  reactor.advance(0.1);
  EXPECT_EQ(reactor.tcpClients.size(), 2u);
  d.cancel();
  static_cast<void>(testing::failureResultOf(d));
}

// TCPC-17: test_endpointConnectSuccessAfterIteration.
TEST(HostnameEndpointTest, theFirstAttemptToConnectWinsAndTheOthersAreCancelled) {
  MemoryReactorClock reactor;
  FakeNames names{kThree};
  HostnameEndpoint endpoint(reactor, "example.com", 80, {.nameResolution = names.resolution()});
  auto factory = std::make_shared<TestFactory>();
  auto d = endpoint.connect(factory);
  reactor.advance(0.3);
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  completeAttempt(reactor, 1);
  EXPECT_EQ(testing::successResultOf(d), factory->protocol);
  EXPECT_TRUE(reactor.connectors[0]->stoppedConnecting);
  EXPECT_FALSE(reactor.connectors[1]->stoppedConnecting);
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
  reactor.advance(1);
  EXPECT_EQ(reactor.tcpClients.size(), 2u);  // no third attempt
  EXPECT_EQ(factory->builds, 1);
}

// TCPC-17: test_endpointConnectFailureAfterIteration.
TEST(HostnameEndpointTest, failsWithTheLastErrorOnlyOnceEveryAttemptHasFailed) {
  MemoryReactorClock reactor;
  FakeNames names{{IPv4Address{"TCP", "10.0.0.1", 80}, IPv4Address{"TCP", "10.0.0.2", 80}}};
  HostnameEndpoint endpoint(reactor, "example.com", 80, {.nameResolution = names.resolution()});
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  failAttempt(reactor, 0, Failure(error::ConnectionRefusedError()));
  testing::assertNoResult(d);
  reactor.advance(0.3);
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  testing::assertNoResult(d);
  failAttempt(reactor, 1, Failure(error::TCPTimedOutError()));
  static_cast<void>(testing::failureResultOf<error::TCPTimedOutError>(d));
}

// With one address, its failure is the result at once (Twisted waits for one more tick of
// its LoopingCall to see that no address is left).
TEST(HostnameEndpointTest, theOnlyAttemptFailingFailsTheConnect) {
  ResolvingReactor reactor;
  HostnameEndpoint endpoint(reactor, "example.com", 80);
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  failAttempt(reactor, 0, Failure(error::ConnectionRefusedError()));
  static_cast<void>(testing::failureResultOf<error::ConnectionRefusedError>(d));
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

// TCPC-17: test_endpointConnectingCancelledAfterAllAttemptsStarted.
TEST(HostnameEndpointTest, cancellingFailsWithConnectingCancelledErrorAndStopsEveryAttempt) {
  MemoryReactorClock reactor;
  FakeNames names{kThree};
  HostnameEndpoint endpoint(reactor, "example.com", 80, {.nameResolution = names.resolution()});
  auto factory = std::make_shared<TestFactory>();
  auto d = endpoint.connect(factory);
  reactor.advance(0.3);
  d.cancel();
  Failure f = testing::failureResultOf<error::ConnectingCancelledError>(d);
  const auto& e = dynamic_cast<const error::ConnectingCancelledError&>(*f.value());
  EXPECT_EQ(e.address(), EndpointAddress(HostnameAddress{"example.com", 80}));
  EXPECT_STREQ(e.what(), "HostnameAddress(hostname=b'example.com', port=80)");
  EXPECT_TRUE(reactor.connectors[0]->stoppedConnecting);
  EXPECT_TRUE(reactor.connectors[1]->stoppedConnecting);
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
  reactor.advance(1);
  EXPECT_EQ(reactor.tcpClients.size(), 2u);
  // An attempt that connects anyway is refused.
  EXPECT_EQ(reactor.tcpClients[0].factory->buildProtocol(IPv4Address{}), nullptr);
  EXPECT_EQ(factory->builds, 0);
}

TEST(HostnameEndpointTest, cancellingDuringTheLookupCancelsTheLookup) {
  MemoryReactorClock reactor;
  bool lookupCancelled = false;
  HostnameEndpoint endpoint(reactor, "example.com", 80,
                            {.nameResolution = [&](const std::string&, int) {
                              return Deferred<std::vector<Address>>(
                                  [&](Deferred<std::vector<Address>>&) { lookupCancelled = true; });
                            }});
  auto d = endpoint.connect(std::make_shared<TestFactory>());
  testing::assertNoResult(d);
  d.cancel();
  EXPECT_TRUE(lookupCancelled);
  static_cast<void>(testing::failureResultOf<error::ConnectingCancelledError>(d));
  EXPECT_TRUE(reactor.tcpClients.empty());
}

TEST(HostnameEndpointTest, reprShowsTheHostAndPort) {
  MemoryReactorClock reactor;
  EXPECT_EQ(HostnameEndpoint(reactor, "example.com", 80).repr(),
            "<HostnameEndpoint example.com:80>");
  EXPECT_EQ(HostnameEndpoint(reactor, "::1", 443).repr(), "<HostnameEndpoint [::1]:443>");
}

}  // namespace
}  // namespace weft::application
