#include "poller/poller.h"

#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace weft {
namespace {

struct Pipe {
  int r = -1;
  int w = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) std::abort();
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() { closeBoth(); }
  void closeBoth() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
    r = w = -1;
  }
  void put(const char* s) { ASSERT_GT(::write(w, s, std::char_traits<char>::length(s)), 0); }
};

class PollerTest : public ::testing::TestWithParam<PollerBackend> {
 protected:
  std::unique_ptr<Poller> poller_ = makePoller(GetParam());
  std::vector<PollEvent> events_;
};

TEST_P(PollerTest, nothingReadyReturnsNoEvents) {
  Pipe p;
  int tag = 0;
  poller_->add(p.r, kPollRead, &tag);
  poller_->wait(0, events_);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(poller_->size(), 1u);
}

TEST_P(PollerTest, readableFdReportsItsDataPointer) {
  Pipe p;
  int tag = 0;
  poller_->add(p.r, kPollRead, &tag);
  p.put("x");
  poller_->wait(1000, events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, &tag);
  EXPECT_TRUE(events_[0].events & kPollRead);
}

TEST_P(PollerTest, levelTriggeredReportsAgainUntilDrained) {
  Pipe p;
  int tag = 0;
  poller_->add(p.r, kPollRead, &tag);
  p.put("x");
  poller_->wait(0, events_);
  EXPECT_EQ(events_.size(), 1u);
  poller_->wait(0, events_);
  EXPECT_EQ(events_.size(), 1u);
  char c;
  ASSERT_EQ(::read(p.r, &c, 1), 1);
  poller_->wait(0, events_);
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, edgeInterestReportsEachChangeOnceWhereSupported) {
  Pipe p;
  int tag = 0;
  poller_->add(p.r, kPollRead | kPollEdge, &tag);
  p.put("x");
  poller_->wait(1000, events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_TRUE(events_[0].events & kPollRead);
  // Still readable, nothing new: an edge-triggered fd is quiet, a level-triggered one is not.
  poller_->wait(0, events_);
  EXPECT_EQ(events_.empty(), poller_->supportsEdge());
  p.put("y");  // new data is a new edge
  poller_->wait(1000, events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, &tag);
}

TEST_P(PollerTest, onlyEpollSupportsEdges) {
  EXPECT_EQ(poller_->supportsEdge(), GetParam() == PollerBackend::kEPoll);
}

TEST_P(PollerTest, modifySwitchesInterestAndData) {
  Pipe p;
  int a = 0, b = 0;
  poller_->add(p.w, kPollRead, &a);
  poller_->wait(0, events_);
  EXPECT_TRUE(events_.empty());
  poller_->modify(p.w, kPollWrite, &b);
  poller_->wait(0, events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, &b);
  EXPECT_TRUE(events_[0].events & kPollWrite);
  EXPECT_FALSE(events_[0].events & kPollRead);
}

TEST_P(PollerTest, modifyWithSameInterestIsHarmless) {
  Pipe p;
  int a = 0;
  poller_->add(p.r, kPollRead, &a);
  poller_->modify(p.r, kPollRead, &a);
  p.put("x");
  poller_->wait(0, events_);
  EXPECT_EQ(events_.size(), 1u);
}

TEST_P(PollerTest, removedFdReportsNothing) {
  Pipe p;
  int a = 0;
  poller_->add(p.r, kPollRead, &a);
  p.put("x");
  poller_->remove(p.r);
  poller_->wait(0, events_);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(poller_->size(), 0u);
  poller_->remove(p.r);  // twice is harmless
}

TEST_P(PollerTest, removeKeepsTheOthersRegistered) {
  Pipe p1, p2, p3;
  int a = 1, b = 2, c = 3;
  poller_->add(p1.r, kPollRead, &a);
  poller_->add(p2.r, kPollRead, &b);
  poller_->add(p3.r, kPollRead, &c);
  poller_->remove(p1.r);
  p1.put("x");
  p2.put("x");
  p3.put("x");
  poller_->wait(0, events_);
  ASSERT_EQ(events_.size(), 2u);
  std::vector<void*> seen{events_[0].data, events_[1].data};
  EXPECT_NE(std::find(seen.begin(), seen.end(), &b), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), &c), seen.end());
}

TEST_P(PollerTest, peerCloseIsReadableOrHangup) {
  Pipe p;
  int a = 0;
  poller_->add(p.r, kPollRead, &a);
  ::close(p.w);
  p.w = -1;
  poller_->wait(1000, events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_TRUE(events_[0].events & (kPollRead | kPollHangup));
}

TEST_P(PollerTest, removeAfterCloseIsHarmless) {
  Pipe p;
  int a = 0;
  poller_->add(p.r, kPollRead, &a);
  int fd = p.r;
  p.closeBoth();
  poller_->remove(fd);
  EXPECT_EQ(poller_->size(), 0u);
}

TEST_P(PollerTest, reusedFdNumberCanBeRegisteredAgain) {
  // The fd is closed while registered (no remove()), and its number comes back.
  auto p1 = std::make_unique<Pipe>();
  int a = 0, b = 0;
  poller_->add(p1->r, kPollRead, &a);
  int old = p1->r;
  p1->closeBoth();
  Pipe p2;
  ASSERT_EQ(p2.r, old);  // lowest free number
  poller_->modify(p2.r, kPollRead, &b);
  p2.put("x");
  poller_->wait(1000, events_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].data, &b);
}

TEST_P(PollerTest, timeoutElapsesWithNoEvents) {
  poller_->wait(1, events_);
  EXPECT_TRUE(events_.empty());
}

TEST_P(PollerTest, negativeFdIsRejected) {
  int a = 0;
  EXPECT_THROW(poller_->add(-1, kPollRead, &a), error::ValueError);
}

INSTANTIATE_TEST_SUITE_P(Backends, PollerTest,
                         ::testing::Values(PollerBackend::kEPoll, PollerBackend::kPoll),
                         [](const auto& param) {
                           return std::string(makePoller(param.param)->name());
                         });

TEST(MakePollerTest, namesBackends) {
  EXPECT_EQ(makePoller(PollerBackend::kEPoll)->name(), "epoll");
  EXPECT_EQ(makePoller(PollerBackend::kPoll)->name(), "poll");
  EXPECT_EQ(parsePollerBackend("poll"), PollerBackend::kPoll);
  EXPECT_EQ(parsePollerBackend("epoll"), PollerBackend::kEPoll);
  EXPECT_EQ(parsePollerBackend("select"), std::nullopt);
}

TEST(MakePollerTest, environmentChoosesBackend) {
  const char* saved = std::getenv("WEFT_REACTOR");
  std::string keep = saved ? saved : "";
  ::unsetenv("WEFT_REACTOR");
  EXPECT_EQ(pollerBackendFromEnvironment(), PollerBackend::kEPoll);
  ::setenv("WEFT_REACTOR", "poll", 1);
  EXPECT_EQ(pollerBackendFromEnvironment(), PollerBackend::kPoll);
  ::setenv("WEFT_REACTOR", "epoll", 1);
  EXPECT_EQ(pollerBackendFromEnvironment(), PollerBackend::kEPoll);
  ::setenv("WEFT_REACTOR", "kqueue", 1);
  EXPECT_THROW(pollerBackendFromEnvironment(), error::ValueError);
  if (saved) {
    ::setenv("WEFT_REACTOR", keep.c_str(), 1);
  } else {
    ::unsetenv("WEFT_REACTOR");
  }
}

}  // namespace
}  // namespace weft
