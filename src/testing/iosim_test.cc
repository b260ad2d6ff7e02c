#include "weft/testing/iosim.h"

#include "weft/base/error.h"
#include "weft/testing/accumulating_protocol.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace weft::testing {
namespace {

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

class Greeter : public AccumulatingProtocol {
 public:
  void connectionMade() override {
    AccumulatingProtocol::connectionMade();
    transport->write("hello");
  }
};

TEST(IOSimTest, greetingIsDeliveredByTheInitialFlush) {
  auto [client, server, pump] = connectedServerAndClient<Echo, Greeter>();
  EXPECT_TRUE(client->made);
  EXPECT_EQ(client->data, "hello");  // there and back
}

TEST(IOSimTest, withoutGreetNothingMovesUntilPumped) {
  auto [client, server, pump] = connectedServerAndClient<Echo, Greeter>({.greet = false});
  EXPECT_EQ(client->data, "");
  EXPECT_TRUE(pump.pump());  // client -> server
  EXPECT_EQ(client->data, "");
  EXPECT_TRUE(pump.pump());  // echo -> client
  EXPECT_EQ(client->data, "hello");
  EXPECT_FALSE(pump.pump());
}

TEST(IOSimTest, addressesArePairedUp) {
  auto [client, server, pump] = connectedServerAndClient<Echo, AccumulatingProtocol>();
  EXPECT_EQ(client->transport->getPeer(), server->transport->getHost());
  EXPECT_EQ(server->transport->getPeer(), client->transport->getHost());
  EXPECT_EQ(client->transport->getPeer(), Address(kServerAddress));
}

TEST(IOSimTest, loseConnectionReportsConnectionDoneToBothSidesAfterTheData) {
  auto [client, server, pump] =
      connectedServerAndClient<AccumulatingProtocol, AccumulatingProtocol>();
  client->transport->write("last words");
  client->transport->loseConnection();
  pump.flush();
  EXPECT_EQ(server->data, "last words");
  EXPECT_TRUE(server->closed);
  EXPECT_TRUE(client->closed);
  EXPECT_TRUE(server->closedReason->check<error::ConnectionDone>());
  EXPECT_TRUE(client->closedReason->check<error::ConnectionDone>());
}

TEST(IOSimTest, abortConnectionDropsBufferedDataAndReportsAbort) {
  auto [client, server, pump] =
      connectedServerAndClient<AccumulatingProtocol, AccumulatingProtocol>();
  client->transport->write("dropped");
  std::dynamic_pointer_cast<ITCPTransport>(client->transport)->abortConnection();
  pump.flush();
  EXPECT_EQ(server->data, "");
  EXPECT_TRUE(client->closedReason->check<error::ConnectionAborted>());
  EXPECT_TRUE(server->closedReason->check<error::ConnectionLost>());
}

TEST(IOSimTest, writesAfterCloseAreIgnored) {
  auto [client, server, pump] =
      connectedServerAndClient<AccumulatingProtocol, AccumulatingProtocol>();
  server->transport->loseConnection();
  pump.flush();
  client->transport->write("late");
  EXPECT_FALSE(pump.flush());
  EXPECT_EQ(server->data, "");
}

class Pausing : public AccumulatingProtocol {
 public:
  void dataReceived(std::string_view bytes) override {
    AccumulatingProtocol::dataReceived(bytes);
    transport->pauseProducing();
  }
};

TEST(IOSimTest, pausedReaderHoldsIncomingDataUntilResumed) {
  auto [client, server, pump] = connectedServerAndClient<Pausing, AccumulatingProtocol>();
  client->transport->write("one");
  pump.flush();
  EXPECT_EQ(server->data, "one");
  client->transport->write("two");
  client->transport->loseConnection();
  pump.flush();
  EXPECT_EQ(server->data, "one");
  EXPECT_FALSE(server->closed);  // the close waits behind the held data
  server->transport->resumeProducing();
  pump.flush();
  EXPECT_EQ(server->data, "onetwo");
  EXPECT_TRUE(server->closed);
}

class CountingPullProducer : public IPullProducer {
 public:
  explicit CountingPullProducer(std::shared_ptr<ITransport> t, int chunks)
      : transport_(std::move(t)), left_(chunks) {}
  int resumes = 0;
  bool stopped = false;
  void resumeProducing() override {
    ++resumes;
    if (left_-- > 0) {
      transport_->write("x");
    } else {
      transport_->unregisterProducer();
    }
  }
  void stopProducing() override { stopped = true; }

 private:
  std::shared_ptr<ITransport> transport_;
  int left_;
};

TEST(IOSimTest, pullProducerIsResumedEachStepAndCloseWaitsForItToUnregister) {
  auto [client, server, pump] =
      connectedServerAndClient<AccumulatingProtocol, AccumulatingProtocol>();
  auto producer = std::make_shared<CountingPullProducer>(client->transport, 3);
  client->transport->registerProducer(producer, false);
  EXPECT_EQ(producer->resumes, 1);  // at once (PROD-01)
  client->transport->loseConnection();
  pump.flush();
  EXPECT_EQ(server->data, "xxx");
  EXPECT_TRUE(server->closed);
  EXPECT_FALSE(producer->stopped);
}

TEST(IOSimTest, streamingProducerIsStoppedWhenTheConnectionIsLost) {
  class Streaming : public IPushProducer {
   public:
    bool stopped = false;
    void pauseProducing() override {}
    void resumeProducing() override {}
    void stopProducing() override { stopped = true; }
  };
  auto [client, server, pump] =
      connectedServerAndClient<AccumulatingProtocol, AccumulatingProtocol>();
  auto producer = std::make_shared<Streaming>();
  client->transport->registerProducer(producer, true);
  EXPECT_THROW(client->transport->registerProducer(producer, true), error::RuntimeError);
  server->transport->loseConnection();
  pump.flush();
  EXPECT_TRUE(producer->stopped);
  EXPECT_TRUE(client->closed);
  auto late = std::make_shared<Streaming>();
  client->transport->registerProducer(late, true);
  EXPECT_TRUE(late->stopped);  // PROD-02
}

TEST(IOSimTest, factoriesBuildBothEnds) {
  auto serverFactory = Factory::forProtocol<Echo>();
  auto clientFactory = ClientFactory::forProtocol<Greeter>();
  auto [client, server, pump] = connectedServerAndClient(serverFactory, clientFactory);
  auto greeter = std::dynamic_pointer_cast<Greeter>(client);
  ASSERT_NE(greeter, nullptr);
  EXPECT_EQ(greeter->data, "hello");
  EXPECT_EQ(greeter->factory, clientFactory);
}

TEST(IOSimTest, flushGivesUpOnAPairThatNeverGoesQuiet) {
  auto [client, server, pump] = connectedServerAndClient<Echo, Echo>();
  client->transport->write("ping");
  EXPECT_THROW(pump.flush(), error::RuntimeError);
}

}  // namespace
}  // namespace weft::testing
