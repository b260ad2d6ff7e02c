// ClientCreator (TCPC-15) over real TCP connections, on every backend.
#include "tcp_support.h"

#include "weft/internet/client_creator.h"

#include <memory>
#include <optional>
#include <string>

namespace weft {
namespace {

using conformance::Loopback;
using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;

class TCPClientCreatorTest : public ReactorTest {
 protected:
  std::shared_ptr<IListeningPort> listen(Reactor& reactor,
                                         const std::shared_ptr<RecorderFactory>& server) {
    auto port = reactor.listenTCP(0, server, {.interface = "127.0.0.1"});
    portNumber_ = portOf(port->getHost());
    return port;
  }
  int portNumber_ = 0;
};

TEST_P(TCPClientCreatorTest, connectTCPFiresWithTheConnectedProtocol) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);
  auto made = std::make_shared<Recorder>();
  ClientCreator<Recorder> creator(*reactor, [made] { return made; });
  std::shared_ptr<Recorder> result;
  static_cast<void>(
      creator.connectTCP("127.0.0.1", portNumber_).addCallback([&](std::shared_ptr<Recorder> p) {
        result = p;
        EXPECT_EQ(p->made, 1);  // connectionMade has run
        p->transport->loseConnection();
      }));
  runReactor(*reactor);
  EXPECT_EQ(result, made);
  EXPECT_EQ(made->lostCount, 1);
  static_cast<void>(port->stopListening());
}

TEST_P(TCPClientCreatorTest, aRefusedConnectionFailsTheDeferred) {
  auto reactor = buildReactor();
  int port = 0;
  int fd = conformance::rawListen(1, &port);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ClientCreator<> creator(*reactor, [] { return std::make_shared<Recorder>(); });
  std::optional<Failure> failure;
  static_cast<void>(creator.connectTCP("127.0.0.1", port).addErrback([&](Failure f) {
    failure = f;
    stopReactor(*reactor);
    return std::shared_ptr<IProtocol>();
  }));
  runReactor(*reactor);
  ASSERT_TRUE(failure.has_value());
  EXPECT_TRUE(failure->check<error::ConnectionRefusedError>());
}

// Cancelled before the connection is made: the attempt is stopped (the server never sees
// it) and the Deferred fails with CancelledError.
TEST_P(TCPClientCreatorTest, cancelBeforeConnectAbortsTheAttempt) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  auto port = listen(*reactor, server);
  auto cancelled = std::make_shared<Recorder>();
  ClientCreator<Recorder> first(*reactor, [cancelled] { return cancelled; });
  std::optional<Failure> failure;
  auto d = first.connectTCP("127.0.0.1", portNumber_).addErrback([&](Failure f) {
    failure = f;
    return std::shared_ptr<Recorder>();
  });
  d.cancel();
  ASSERT_TRUE(failure.has_value());
  EXPECT_TRUE(failure->check<error::CancelledError>());
  // A second connection, started after the cancelled one: once the server has accepted it,
  // the cancelled one would have been accepted before it, had it connected.
  server->setup = [&](Recorder& p) {
    p.onMade = [&](Recorder& self) { self.transport->loseConnection(); };
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  ClientCreator<Recorder> second(*reactor, [] { return std::make_shared<Recorder>(); });
  static_cast<void>(second.connectTCP("127.0.0.1", portNumber_));
  runReactor(*reactor);
  EXPECT_EQ(server->built.size(), 1u);
  EXPECT_EQ(cancelled->made, 0);
  EXPECT_EQ(cancelled->lostCount, 0);
  static_cast<void>(port->stopListening());
}

// Cancelled after the connection is made but before the Deferred fired (from the
// protocol's connectionMade): the connection is closed and the Deferred fails with
// CancelledError.
TEST_P(TCPClientCreatorTest, cancelAfterConnectClosesTheConnection) {
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [&](Recorder& p) {
    p.onLost = [&](Recorder&, const Failure&) { stopReactor(*reactor); };
  };
  auto port = listen(*reactor, server);
  auto client = std::make_shared<Recorder>();
  ClientCreator<Recorder> creator(*reactor, [client] { return client; });
  std::optional<Deferred<std::shared_ptr<Recorder>>> d;
  client->onMade = [&](Recorder&) { d->cancel(); };
  std::optional<Failure> failure;
  bool fired = false;
  d = creator.connectTCP("127.0.0.1", portNumber_);
  static_cast<void>(d->addCallbacks([&](std::shared_ptr<Recorder>) { fired = true; },
                                    [&](Failure f) { failure = f; }));
  runReactor(*reactor);
  EXPECT_FALSE(fired);
  ASSERT_TRUE(failure.has_value());
  EXPECT_TRUE(failure->check<error::CancelledError>());
  EXPECT_EQ(client->made, 1);
  EXPECT_EQ(client->lostCount, 1);
  EXPECT_TRUE(client->lost->check<error::ConnectionDone>());
  static_cast<void>(port->stopListening());
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TCPClientCreatorTest);

}  // namespace
}  // namespace weft
