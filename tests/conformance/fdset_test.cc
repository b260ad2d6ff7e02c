// IReactorFDSet conformance (SEMANTICS.md 2.5, FD-*; CORE-15) with real socket pairs.
#include "reactor_builder.h"

#include <algorithm>
#include <functional>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace weft {
namespace {

using conformance::ReactorTest;
using conformance::SocketPair;

// A descriptor whose behaviour each test scripts; records what the reactor did to it.
class Descriptor : public IReadWriteDescriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  int fileno() const override {
    ++filenoCalls;
    if (forbidFileno) ADD_FAILURE() << "fileno() called after removal";
    return fd_;
  }
  std::optional<Failure> doRead() override {
    ++reads;
    return onRead ? onRead() : std::nullopt;
  }
  std::optional<Failure> doWrite() override {
    ++writes;
    return onWrite ? onWrite() : std::nullopt;
  }
  void connectionLost(const Failure& reason) override {
    lost.push_back(reason);
    if (onLost) onLost();
  }
  void setFileno(int fd) { fd_ = fd; }

  std::function<std::optional<Failure>()> onRead;
  std::function<std::optional<Failure>()> onWrite;
  std::function<void()> onLost;
  int reads = 0;
  int writes = 0;
  mutable int filenoCalls = 0;
  mutable bool forbidFileno = false;
  std::vector<Failure> lost;

 private:
  int fd_;
};

class HalfCloseableDescriptor final : public Descriptor, public IHalfCloseableDescriptor {
 public:
  using Descriptor::Descriptor;
  void readConnectionLost(const Failure& reason) override { readLost.push_back(reason); }
  void writeConnectionLost(const Failure&) override {}
  std::vector<Failure> readLost;
};

void drain(int fd) {
  char buf[256];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

void put(int fd, const char* s = "x") { ASSERT_EQ(::write(fd, s, 1), 1); }

class FdSetTest : public ReactorTest {};

// FD-01
TEST_P(FdSetTest, addReaderCallsDoReadWhenReadable) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  d->onRead = [&]() -> std::optional<Failure> {
    drain(pair.a);
    reactor->stop();
    return std::nullopt;
  };
  reactor->addReader(d);
  put(pair.b);
  runReactor(*reactor);
  EXPECT_EQ(d->reads, 1);
  EXPECT_TRUE(d->lost.size() == 1 && d->lost[0].check<error::ConnectionLost>());  // shutdown
}

TEST_P(FdSetTest, removeReaderStopsDoRead) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  reactor->addReader(d);
  reactor->removeReader(d);
  put(pair.b);
  for (int i = 0; i < 3; ++i) reactor->iterate();
  EXPECT_EQ(d->reads, 0);
  reactor->addReader(d);
  reactor->iterate(Seconds(1));
  EXPECT_EQ(d->reads, 1);
  reactor->removeReader(d);
}

// FD-02
TEST_P(FdSetTest, addWriterCallsDoWriteWhenWritableAndRemoveWriterStopsIt) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  reactor->addWriter(d);
  reactor->iterate(Seconds(1));
  EXPECT_EQ(d->writes, 1);
  reactor->removeWriter(d);
  for (int i = 0; i < 3; ++i) reactor->iterate();
  EXPECT_EQ(d->writes, 1);
}

TEST_P(FdSetTest, readerAndWriterOnOneDescriptorAreIndependent) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  reactor->addReader(d);
  reactor->addWriter(d);
  put(pair.b);
  d->onRead = [&]() -> std::optional<Failure> {
    drain(pair.a);
    return std::nullopt;
  };
  reactor->iterate(Seconds(1));
  EXPECT_EQ(d->reads, 1);
  EXPECT_EQ(d->writes, 1);
  reactor->removeWriter(d);
  put(pair.b);
  reactor->iterate(Seconds(1));
  EXPECT_EQ(d->reads, 2);
  EXPECT_EQ(d->writes, 1);
  reactor->removeReader(d);
}

// FD-03
TEST_P(FdSetTest, getReadersAndGetWritersReflectAddsAndRemoves) {
  auto reactor = buildReactor();
  EXPECT_TRUE(reactor->getReaders().empty());  // the waker is internal
  EXPECT_TRUE(reactor->getWriters().empty());
  SocketPair pair;
  auto r = std::make_shared<Descriptor>(pair.a);
  auto w = std::make_shared<Descriptor>(pair.b);
  reactor->addReader(r);
  reactor->addReader(r);  // twice is once
  reactor->addWriter(w);
  auto readers = reactor->getReaders();
  auto writers = reactor->getWriters();
  ASSERT_EQ(readers.size(), 1u);
  ASSERT_EQ(writers.size(), 1u);
  EXPECT_EQ(readers[0].get(), static_cast<IReadDescriptor*>(r.get()));
  EXPECT_EQ(writers[0].get(), static_cast<IWriteDescriptor*>(w.get()));
  reactor->removeReader(r);
  reactor->removeWriter(w);
  EXPECT_TRUE(reactor->getReaders().empty());
  EXPECT_TRUE(reactor->getWriters().empty());
}

// FD-04
TEST_P(FdSetTest, removeAllReturnsEveryUserDescriptorOnce) {
  auto reactor = buildReactor();
  SocketPair p1, p2;
  auto both = std::make_shared<Descriptor>(p1.a);
  auto reader = std::make_shared<Descriptor>(p2.a);
  auto writer = std::make_shared<Descriptor>(p2.b);
  reactor->addReader(both);
  reactor->addWriter(both);
  reactor->addReader(reader);
  reactor->addWriter(writer);
  auto removed = reactor->removeAll();
  EXPECT_EQ(removed.size(), 3u);
  for (IFileDescriptor* d :
       {static_cast<IFileDescriptor*>(both.get()), static_cast<IFileDescriptor*>(reader.get()),
        static_cast<IFileDescriptor*>(writer.get())}) {
    EXPECT_EQ(std::count_if(removed.begin(), removed.end(), [&](auto& x) { return x.get() == d; }),
              1);
  }
  EXPECT_TRUE(reactor->getReaders().empty());
  EXPECT_TRUE(reactor->getWriters().empty());
  EXPECT_TRUE(reactor->removeAll().empty());
}

TEST_P(FdSetTest, removeAllLeavesTheWakerWorking) {
  auto reactor = buildReactor();
  reactor->removeAll();
  bool called = false;
  reactor->callFromThread([&] {
    called = true;
    reactor->stop();
  });
  runReactor(*reactor);  // the waker must end the wait, or the guard fails the test
  EXPECT_TRUE(called);
}

// FD-05
TEST_P(FdSetTest, descriptorRemovedInItsOwnDoReadIsNeverTouchedAgain) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  std::weak_ptr<Descriptor> weak = d;
  d->onRead = [&]() -> std::optional<Failure> {
    auto self = weak.lock();
    reactor->removeReader(self);
    self->forbidFileno = true;
    reactor->callLater(Seconds(0.01), [&] { reactor->stop(); });
    return std::nullopt;
  };
  reactor->addReader(d);
  d.reset();  // the reactor holds the only reference; removal must not free it mid-call
  put(pair.b);
  put(pair.b);
  runReactor(*reactor);
  EXPECT_TRUE(weak.expired());
}

// FD-06
TEST_P(FdSetTest, descriptorWhoseFilenoBecomesMinusOneIsDroppedWithConnectionLost) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  std::string received;
  d->onRead = [&]() -> std::optional<Failure> {
    char c;
    if (::read(pair.a, &c, 1) == 1) received += c;
    d->setFileno(-1);
    put(pair.b, "y");
    return std::nullopt;
  };
  d->onLost = [&] { reactor->stop(); };
  reactor->addReader(d);
  put(pair.b, "x");
  runReactor(*reactor);
  EXPECT_EQ(received, "x");
  ASSERT_EQ(d->lost.size(), 1u);
  EXPECT_TRUE(reactor->getReaders().empty());
}

// FD-08
TEST_P(FdSetTest, doReadReturningAFailureRemovesAndCallsConnectionLostOnce) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  d->onRead = [&]() -> std::optional<Failure> { return Failure(error::ConnectionDone()); };
  d->onLost = [&] { reactor->stop(); };
  reactor->addReader(d);
  reactor->addWriter(d);
  put(pair.b);
  runReactor(*reactor);
  ASSERT_EQ(d->lost.size(), 1u);
  EXPECT_TRUE(d->lost[0].check<error::ConnectionDone>());
  EXPECT_TRUE(reactor->getReaders().empty());
  EXPECT_TRUE(reactor->getWriters().empty());
}

TEST_P(FdSetTest, doReadThrowingIsLoggedAndTreatedAsAFailure) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  d->onRead = []() -> std::optional<Failure> { throw error::RuntimeError("read boom"); };
  d->onLost = [&] { reactor->stop(); };
  reactor->addReader(d);
  put(pair.b);
  runReactor(*reactor);
  ASSERT_EQ(d->lost.size(), 1u);
  EXPECT_TRUE(d->lost[0].check<error::RuntimeError>());
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("read boom"), std::string::npos);
}

TEST_P(FdSetTest, doWriteReturningAFailureRemovesAndCallsConnectionLostOnce) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  d->onWrite = []() -> std::optional<Failure> { return Failure(error::ConnectionLost()); };
  d->onLost = [&] { reactor->stop(); };
  reactor->addReader(d);
  reactor->addWriter(d);
  runReactor(*reactor);
  ASSERT_EQ(d->lost.size(), 1u);
  EXPECT_TRUE(d->lost[0].check<error::ConnectionLost>());
  EXPECT_TRUE(reactor->getReaders().empty());
  EXPECT_TRUE(reactor->getWriters().empty());
}

TEST_P(FdSetTest, cleanEOFOnAHalfCloseableDescriptorCallsReadConnectionLost) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<HalfCloseableDescriptor>(pair.a);
  bool stillWriting = false;
  d->onRead = [&]() -> std::optional<Failure> {
    char c;
    if (::read(pair.a, &c, 1) == 0) {
      reactor->callLater(Seconds(0), [&] {
        stillWriting = reactor->getWriters().size() == 1 && reactor->getReaders().empty();
        reactor->stop();
      });
      return Failure(error::ConnectionDone());
    }
    return std::nullopt;
  };
  reactor->addReader(d);
  reactor->addWriter(d);
  ::shutdown(pair.b, SHUT_WR);
  runReactor(*reactor);
  EXPECT_EQ(d->readLost.size(), 1u);
  EXPECT_TRUE(d->readLost[0].check<error::ConnectionDone>());
  EXPECT_TRUE(stillWriting);      // still a writer after the read side closed
  ASSERT_EQ(d->lost.size(), 1u);  // from the shutdown, as a writer
  EXPECT_TRUE(d->lost[0].check<error::ConnectionLost>());
}

TEST_P(FdSetTest, peerCloseIsSeenByTheReaderAsEOF) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  d->onRead = [&]() -> std::optional<Failure> {
    char c;
    if (::read(pair.a, &c, 1) == 0) return Failure(error::ConnectionDone());
    return std::nullopt;
  };
  d->onLost = [&] { reactor->stop(); };
  reactor->addReader(d);
  pair.closeB();
  runReactor(*reactor);
  ASSERT_EQ(d->lost.size(), 1u);
  EXPECT_TRUE(d->lost[0].check<error::ConnectionDone>());
}

TEST_P(FdSetTest, writerWhosePeerHangsUpGetsConnectionLostOrAWriteError) {
  auto reactor = buildReactor();
  SocketPair pair;
  auto d = std::make_shared<Descriptor>(pair.a);
  d->onWrite = [&]() -> std::optional<Failure> {
    if (::send(pair.a, "x", 1, MSG_NOSIGNAL) < 0) return Failure(error::ConnectionLost());
    return std::nullopt;
  };
  d->onLost = [&] { reactor->stop(); };
  pair.closeB();
  reactor->addWriter(d);
  runReactor(*reactor);
  ASSERT_EQ(d->lost.size(), 1u);
  EXPECT_TRUE(d->lost[0].check<error::ConnectionLost>());
}

// CORE-15
TEST_P(FdSetTest, shutdownDisconnectsEveryReaderAndWriterEvenIfOneThrows) {
  auto reactor = buildReactor();
  SocketPair p1, p2;
  auto r = std::make_shared<Descriptor>(p1.a);
  auto w = std::make_shared<Descriptor>(p2.a);
  auto bad = std::make_shared<Descriptor>(p1.b);
  bad->onLost = [] { throw error::RuntimeError("lost boom"); };
  reactor->addReader(r);
  reactor->addWriter(w);
  reactor->addReader(bad);
  w->onWrite = [&]() -> std::optional<Failure> {
    reactor->removeWriter(w);
    reactor->addWriter(w);  // re-adding the same writer is harmless
    return std::nullopt;
  };
  reactor->callWhenRunning([&] { reactor->stop(); });
  runReactor(*reactor);
  for (auto* d : {r.get(), w.get(), bad.get()}) {
    ASSERT_EQ(d->lost.size(), 1u);
    EXPECT_TRUE(d->lost[0].check<error::ConnectionLost>());
  }
  EXPECT_TRUE(reactor->getReaders().empty());
  EXPECT_TRUE(reactor->getWriters().empty());
  auto errors = flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].text.find("lost boom"), std::string::npos);
}

TEST_P(FdSetTest, addReaderWithNoFileDescriptorIsRejected) {
  auto reactor = buildReactor();
  auto d = std::make_shared<Descriptor>(-1);
  EXPECT_THROW(reactor->addReader(d), error::ValueError);
  EXPECT_TRUE(reactor->getReaders().empty());
}

TEST_P(FdSetTest, aClosedAndReusedFdNumberServesItsNewDescriptor) {
  auto reactor = buildReactor();
  auto old = std::make_unique<SocketPair>();
  auto first = std::make_shared<Descriptor>(old->a);
  reactor->addReader(first);
  int number = old->a;
  old.reset();  // closed behind the reactor's back, still registered
  SocketPair fresh;
  ASSERT_EQ(fresh.a, number);
  auto second = std::make_shared<Descriptor>(fresh.a);
  second->onRead = [&]() -> std::optional<Failure> {
    drain(fresh.a);
    reactor->stop();
    return std::nullopt;
  };
  reactor->addReader(second);
  put(fresh.b);
  runReactor(*reactor);
  EXPECT_EQ(second->reads, 1);
  EXPECT_EQ(first->reads, 0);
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(FdSetTest);

}  // namespace
}  // namespace weft
