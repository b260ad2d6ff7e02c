#include "weft/base/error.h"
#include "weft/internet/reactor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace weft {
namespace {

// Sets WEFT_REACTOR for one test and restores it after.
class ScopedReactorEnv {
 public:
  explicit ScopedReactorEnv(const char* value) {
    const char* old = std::getenv("WEFT_REACTOR");
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value) {
      ::setenv("WEFT_REACTOR", value, 1);
    } else {
      ::unsetenv("WEFT_REACTOR");
    }
  }
  ~ScopedReactorEnv() {
    if (had_) {
      ::setenv("WEFT_REACTOR", old_.c_str(), 1);
    } else {
      ::unsetenv("WEFT_REACTOR");
    }
  }

 private:
  bool had_ = false;
  std::string old_;
};

TEST(MakeReactorTest, explicitKindWins) {
  ScopedReactorEnv env("poll");
  EXPECT_EQ(makeReactor({.poller = PollerKind::kEPoll})->pollerKind(), PollerKind::kEPoll);
  EXPECT_EQ(makeReactor({.poller = PollerKind::kPoll})->pollerKind(), PollerKind::kPoll);
}

TEST(MakeReactorTest, defaultReadsTheEnvironment) {
  {
    ScopedReactorEnv env(nullptr);
    EXPECT_EQ(makeReactor()->pollerKind(), PollerKind::kEPoll);
  }
  {
    ScopedReactorEnv env("poll");
    EXPECT_EQ(makeReactor()->pollerKind(), PollerKind::kPoll);
  }
  {
    ScopedReactorEnv env("epoll");
    EXPECT_EQ(makeReactor()->pollerKind(), PollerKind::kEPoll);
  }
}

TEST(MakeReactorTest, unknownEnvironmentValueIsAValueError) {
  ScopedReactorEnv env("select");
  EXPECT_THROW(makeReactor(), error::ValueError);
}

TEST(MakeReactorTest, pollerNames) {
  EXPECT_EQ(pollerName(PollerKind::kEPoll), "epoll");
  EXPECT_EQ(pollerName(PollerKind::kPoll), "poll");
  EXPECT_EQ(pollerName(PollerKind::kDefault), "default");
}

TEST(MakeReactorTest, reactorHasAThreadPoolAndAResolver) {
  auto reactor = makeReactor({.poller = PollerKind::kEPoll});
  EXPECT_EQ(reactor->getThreadPool().maxThreads(), 10);
  auto resolver = reactor->installResolver(nullptr);
  EXPECT_NE(resolver, nullptr);
  reactor->installResolver(resolver);
}

}  // namespace
}  // namespace weft
