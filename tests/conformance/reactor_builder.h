// ReactorBuilder (twisted.internet.test.reactormixins) for GoogleTest: every suite derived
// from ReactorTest runs once per backend, named .../epoll and .../poll.
//
//   class CoreTest : public weft::conformance::ReactorTest {};
//   TEST_P(CoreTest, something) { auto reactor = buildReactor(); ... runReactor(*reactor); }
//   WEFT_INSTANTIATE_FOR_ALL_POLLERS(CoreTest);
//
// Like trial, a test fails when it logs an error it did not expect: take the expected ones
// with flushLoggedErrors().
#pragma once

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/internet/reactor.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace weft::conformance {

class ReactorTest : public ::testing::TestWithParam<PollerKind> {
 protected:
  void TearDown() override {
    for (const auto& e : logs_.errors()) ADD_FAILURE() << "unexpected logged error: " << e.text;
  }

  std::unique_ptr<Reactor> buildReactor() {
    auto reactor = makeReactor({.poller = GetParam()});
    EXPECT_EQ(reactor->pollerKind(), GetParam());
    return reactor;
  }

  // Runs reactor until the scenario stops it. A guard callLater(timeout) stops it instead
  // and fails the test (Twisted's runReactor and TestTimeoutError).
  void runReactor(Reactor& reactor, Seconds timeout = Seconds(10),
                  RunOptions options = {.installSignalHandlers = false}) {
    bool timedOut = false;
    auto guard = reactor.callLater(timeout, [&] {
      timedOut = true;
      try {
        reactor.stop();
      } catch (const error::ReactorNotRunning&) {
        reactor.crash();
      }
    });
    reactor.run(options);
    if (guard->active()) guard->cancel();
    if (timedOut) ADD_FAILURE() << "reactor still running after " << timeout.count() << " s";
  }

  std::vector<log::Event> flushLoggedErrors() { return logs_.flushErrors(); }
  log::Capture& logs() { return logs_; }

 private:
  log::Capture logs_;
};

inline std::string backendName(const ::testing::TestParamInfo<PollerKind>& info) {
  return std::string(pollerName(info.param));
}

// A connected AF_UNIX stream pair, non-blocking, closed on destruction unless released.
struct SocketPair {
  int a = -1;
  int b = -1;
  SocketPair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
      ADD_FAILURE() << "socketpair failed";
      return;
    }
    a = fds[0];
    b = fds[1];
  }
  ~SocketPair() {
    closeA();
    closeB();
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
  void closeA() {
    if (a >= 0) ::close(a);
    a = -1;
  }
  void closeB() {
    if (b >= 0) ::close(b);
    b = -1;
  }
};

// Number of open file descriptors of this process.
inline int openFdCount() {
  int n = 0;
  for (int fd = 0; fd < 4096; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) ++n;
  }
  return n;
}

}  // namespace weft::conformance

#define WEFT_INSTANTIATE_FOR_ALL_POLLERS(Suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(                                                                        \
      AllPollers, Suite, ::testing::Values(::weft::PollerKind::kEPoll, ::weft::PollerKind::kPoll), \
      ::weft::conformance::backendName)
