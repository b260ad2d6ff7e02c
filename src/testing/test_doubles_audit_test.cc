// The test kit against SEMANTICS.md section 3 (Twisted's twisted.internet.testing, iosim and
// trial's Deferred assertions): MemoryReactor as IReactorFDSet and IReactorSocket,
// RaisingMemoryReactor, ConnectionCompleter, successResultOf / failureResultOf /
// assertNoResult, DelayedCall.repr() and Failure.repr().
#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/testing/accumulating_protocol.h"
#include "weft/testing/clock.h"
#include "weft/testing/connection_completer.h"
#include "weft/testing/iosim.h"
#include "weft/testing/memory_reactor.h"
#include "weft/testing/result_of.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace weft::testing {
namespace {

class Descriptor : public IReadWriteDescriptor {
 public:
  int fileno() const override { return 7; }
  std::optional<Failure> doRead() override { return std::nullopt; }
  std::optional<Failure> doWrite() override { return std::nullopt; }
  void connectionLost(const Failure&) override {}
};

class RecordingClientFactory : public ClientFactory {
 public:
  std::vector<std::string> events;
  std::vector<std::shared_ptr<IConnector>> connectors;
  std::optional<Failure> reason;
  std::shared_ptr<IProtocol> buildProtocol(const Address&) override {
    events.push_back("build");
    return std::make_shared<AccumulatingProtocol>();
  }
  void startedConnecting(const std::shared_ptr<IConnector>& c) override {
    events.push_back("started");
    connectors.push_back(c);
  }
  void clientConnectionFailed(const std::shared_ptr<IConnector>& c, const Failure& r) override {
    events.push_back("failed");
    connectors.push_back(c);
    reason = r;
  }
};

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

// --- MemoryReactor: IReactorFDSet (Twisted keeps readers and writers in sets) -------------

TEST(MemoryReactorFDSetTest, readersAndWritersAreRecordedOnceAndRemovable) {
  MemoryReactor reactor;
  IReactorFDSet& fdset = reactor;
  auto a = std::make_shared<Descriptor>();
  auto b = std::make_shared<Descriptor>();
  fdset.addReader(a);
  fdset.addReader(a);
  fdset.addReader(b);
  fdset.addWriter(a);
  EXPECT_EQ(fdset.getReaders().size(), 2u);
  ASSERT_EQ(fdset.getWriters().size(), 1u);
  EXPECT_EQ(fdset.getWriters()[0].get(), static_cast<IWriteDescriptor*>(a.get()));
  fdset.removeReader(b);
  fdset.removeReader(b);  // not there: nothing happens
  ASSERT_EQ(reactor.readers.size(), 1u);
  EXPECT_EQ(reactor.readers[0].get(), static_cast<IReadDescriptor*>(a.get()));
  fdset.removeWriter(a);
  EXPECT_TRUE(fdset.getWriters().empty());
}

TEST(MemoryReactorFDSetTest, removeAllEmptiesBothSetsAndReturnsEachDescriptorOnce) {
  MemoryReactor reactor;
  auto both = std::make_shared<Descriptor>();
  auto reader = std::make_shared<Descriptor>();
  reactor.addReader(both);
  reactor.addWriter(both);
  reactor.addReader(reader);
  auto removed = reactor.removeAll();
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].get(), static_cast<IFileDescriptor*>(both.get()));
  EXPECT_EQ(removed[1].get(), static_cast<IFileDescriptor*>(reader.get()));
  EXPECT_TRUE(reactor.getReaders().empty());
  EXPECT_TRUE(reactor.getWriters().empty());
  EXPECT_TRUE(reactor.removeAll().empty());
}

// --- MemoryReactor: IReactorSocket ---------------------------------------------------------

TEST(MemoryReactorSocketTest, adoptStreamPortRecordsTheCallAndReturnsAFakePort) {
  MemoryReactor reactor;
  auto factory = std::make_shared<Factory>();
  auto v4 = reactor.adoptStreamPort(5, AddressFamily::kINET, factory);
  auto v6 = reactor.adoptStreamPort(6, AddressFamily::kINET6, factory);
  EXPECT_EQ(v4->getHost(), Address(IPv4Address{"TCP", "0.0.0.0", 1234}));
  EXPECT_EQ(v6->getHost(), Address(IPv6Address{"TCP", "::", 1234}));
  ASSERT_EQ(reactor.adoptedPorts.size(), 2u);
  EXPECT_EQ(reactor.adoptedPorts[0].fd, 5);
  EXPECT_EQ(reactor.adoptedPorts[0].family, AddressFamily::kINET);
  EXPECT_EQ(reactor.adoptedPorts[1].factory, factory);
  EXPECT_THROW(reactor.adoptStreamPort(7, AddressFamily::kUNIX, factory),
               error::UnsupportedAddressFamily);
  EXPECT_EQ(reactor.adoptedPorts.size(), 2u);
  EXPECT_TRUE(reactor.ports.empty());  // those are listenTCP's
}

TEST(MemoryReactorSocketTest, adoptStreamConnectionIsRecorded) {
  MemoryReactor reactor;
  auto factory = std::make_shared<Factory>();
  reactor.adoptStreamConnection(9, AddressFamily::kINET6, factory);
  ASSERT_EQ(reactor.adoptedStreamConnections.size(), 1u);
  EXPECT_EQ(reactor.adoptedStreamConnections[0].fd, 9);
  EXPECT_EQ(reactor.adoptedStreamConnections[0].family, AddressFamily::kINET6);
  EXPECT_EQ(reactor.adoptedStreamConnections[0].factory, factory);
}

TEST(MemoryReactorSocketTest, serviceNameOverloadsStayVisible) {
  MemoryReactor reactor;
  auto factory = std::make_shared<RecordingClientFactory>();
  reactor.connectTCP("example.com", std::string_view("http"), factory);
  reactor.listenTCP(std::string_view("http"), std::make_shared<Factory>());
  EXPECT_EQ(reactor.tcpClients.at(0).port, 80);
  EXPECT_EQ(reactor.tcpServers.at(0).port, 80);
}

// --- RaisingMemoryReactor ------------------------------------------------------------------

TEST(RaisingMemoryReactorTest, listensAndConnectsRaiseTheirExceptions) {
  RaisingMemoryReactor reactor(Failure(error::CannotListenError("", 80, EADDRINUSE)),
                               Failure(error::ConnectionRefusedError()));
  auto factory = std::make_shared<RecordingClientFactory>();
  EXPECT_THROW(reactor.listenTCP(80, factory), error::CannotListenError);
  EXPECT_THROW(reactor.adoptStreamPort(3, AddressFamily::kINET, factory), error::CannotListenError);
  EXPECT_THROW(reactor.connectTCP("example.com", 80, factory), error::ConnectionRefusedError);
  EXPECT_THROW(reactor.adoptStreamConnection(3, AddressFamily::kINET, factory),
               error::ConnectionRefusedError);
  EXPECT_TRUE(factory->events.empty());  // nothing was started
}

TEST(RaisingMemoryReactorTest, withoutAnExceptionTheCallsRaiseTypeError) {
  RaisingMemoryReactor reactor;
  EXPECT_THROW(reactor.listenTCP(80, std::make_shared<Factory>()), error::TypeError);
  EXPECT_THROW(reactor.connectTCP("h", 1, std::make_shared<RecordingClientFactory>()),
               error::TypeError);
}

// --- ConnectionCompleter (iosim) -----------------------------------------------------------

TEST(ConnectionCompleterTest, succeedOnceJoinsTheAttemptToTheListenerOnItsPort) {
  MemoryReactor reactor;
  auto server = Factory::forProtocol<Echo>();
  reactor.listenTCP(79, std::make_shared<Factory>());
  reactor.listenTCP(80, server);
  auto client = std::make_shared<RecordingClientFactory>();
  reactor.connectTCP("example.com", 80, client);
  ConnectionCompleter completer(reactor);
  auto pump = completer.succeedOnce();
  ASSERT_TRUE(pump.has_value());
  EXPECT_TRUE(reactor.tcpClients.empty());
  EXPECT_TRUE(reactor.connectors.empty());
  EXPECT_EQ(client->events, (std::vector<std::string>{"started", "build"}));
  auto& proto = dynamic_cast<AccumulatingProtocol&>(*pump->client());
  EXPECT_TRUE(proto.made);
  proto.transport->write("ping");
  pump->flush();
  EXPECT_EQ(proto.data, "ping");                      // echoed by the server
  EXPECT_FALSE(completer.succeedOnce().has_value());  // nothing left to complete
}

TEST(ConnectionCompleterTest, succeedOnceWithNoListenerOnThePortDoesNothing) {
  MemoryReactor reactor;
  reactor.listenTCP(81, std::make_shared<Factory>());
  auto client = std::make_shared<RecordingClientFactory>();
  reactor.connectTCP("example.com", 80, client);
  ConnectionCompleter completer(reactor);
  EXPECT_FALSE(completer.succeedOnce().has_value());
  EXPECT_EQ(reactor.tcpClients.size(), 1u);
}

TEST(ConnectionCompleterTest, failOnceFailsTheFirstAttemptWithItsConnector) {
  MemoryReactor reactor;
  auto first = std::make_shared<RecordingClientFactory>();
  auto second = std::make_shared<RecordingClientFactory>();
  auto connector = reactor.connectTCP("a", 1, first);
  reactor.connectTCP("b", 2, second);
  ConnectionCompleter completer(reactor);
  completer.failOnce();
  EXPECT_EQ(first->events, (std::vector<std::string>{"started", "failed"}));
  ASSERT_EQ(first->connectors.size(), 2u);
  EXPECT_EQ(first->connectors[1], connector);
  EXPECT_TRUE(first->reason->check<error::ConnectionRefusedError>());
  completer.failOnce(Failure(error::TimeoutError()));
  EXPECT_TRUE(second->reason->check<error::TimeoutError>());
  EXPECT_TRUE(reactor.tcpClients.empty());
  EXPECT_THROW(completer.failOnce(), error::RuntimeError);
}

// --- successResultOf / failureResultOf / assertNoResult ------------------------------------

TEST(ResultOfTest, successResultOfReturnsTheValueOrRaises) {
  EXPECT_EQ(successResultOf(succeed(5)), 5);
  successResultOf(succeed());
  Deferred<int> unfired;
  EXPECT_THROW(successResultOf(unfired), error::AssertionError);
  EXPECT_THROW(successResultOf(fail<int>(Failure(error::ValueError("x")))), error::AssertionError);
  unfired.callback(1);  // the check left a callback behind; firing later is safe
}

TEST(ResultOfTest, failureResultOfReturnsTheFailureCheckingItsType) {
  Failure f = failureResultOf(fail<int>(Failure(error::ValueError("bad"))));
  EXPECT_TRUE(f.check<error::ValueError>());
  EXPECT_TRUE(failureResultOf<error::ValueError>(fail<int>(Failure(error::ValueError("v"))))
                  .check<error::ValueError>());
  EXPECT_THROW(failureResultOf<error::TypeError>(fail<int>(Failure(error::ValueError("v")))),
               error::AssertionError);
  EXPECT_THROW(failureResultOf(succeed(1)), error::AssertionError);
  Deferred<void> unfired;
  EXPECT_THROW(failureResultOf(unfired), error::AssertionError);
  unfired.errback(Failure(error::ValueError("later")));  // consumed by the check's callback
}

TEST(ResultOfTest, assertNoResultPassesForAnUnfiredDeferredAndLeavesItsResultAlone) {
  Deferred<int> d;
  assertNoResult(d);
  d.callback(3);
  EXPECT_EQ(successResultOf(d), 3);  // the result went through the check untouched
  EXPECT_THROW(assertNoResult(succeed(1)), error::AssertionError);
  log::Capture capture;
  EXPECT_THROW(assertNoResult(fail<int>(Failure(error::ValueError("swallowed")))),
               error::AssertionError);
  EXPECT_TRUE(capture.errors().empty());  // the failure was swallowed, not logged
}

// --- repr() of DelayedCall (TIME-18) and Failure (FAIL-06) ---------------------------------

TEST(ReprTest, delayedCallReprIsItsStr) {
  Clock clock;
  auto call = clock.callLater(2.5, [] {});
  EXPECT_EQ(call->repr(), call->str());
  EXPECT_NE(call->repr().find("<DelayedCall 0x"), std::string::npos);
}

TEST(ReprTest, failureReprShowsTypeAndMessage) {
  EXPECT_EQ(Failure(error::ValueError("bad value")).repr(),
            "<weft::Failure weft::error::ValueError: bad value>");
  Deferred<int> d;
  d.errback(Failure(error::ValueError("v")));
  EXPECT_NE(d.repr().find("current result: <weft::Failure weft::error::ValueError: v>"),
            std::string::npos);
  static_cast<void>(failureResultOf(d));
}

}  // namespace
}  // namespace weft::testing
