// TCP under resource exhaustion (TCPL-12, TCPL-13): a server at the descriptor limit closes
// the peers it cannot serve, keeps serving the connections it has, never dies. It skips
// itself under UBSan and runs in the TSan build instead (tests/CMakeLists.txt, "limits").
#include "tcp_support.h"

#include <memory>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace weft {
namespace {

using conformance::portOf;
using conformance::ReactorTest;
using conformance::Recorder;
using conformance::RecorderFactory;
using conformance::stopReactor;

class TCPFaultTest : public ReactorTest {};

// Defined only when UBSan's vptr check is linked in. That check opens a pipe the first time
// it meets a dynamic type, so it reports false errors in a process with no free descriptor.
extern "C" void __ubsan_handle_dynamic_type_cache_miss(void*, void*, void*) __attribute__((weak));
bool ubsanVptrCheckActive() { return &__ubsan_handle_dynamic_type_cache_miss != nullptr; }

// Lowers RLIMIT_NOFILE and fills the descriptor table with dup()s; undone on destruction.
class DescriptorExhaustion {
 public:
  DescriptorExhaustion() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    int highest = 0;
    for (int fd = 0; fd < 4096; ++fd) {
      if (::fcntl(fd, F_GETFD) != -1) highest = fd;
    }
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(highest + 32);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    for (int i = 0; i < 4096; ++i) {
      int fd = ::dup(0);
      if (fd < 0) break;
      dups_.push_back(fd);
    }
  }
  ~DescriptorExhaustion() { release(); }
  void release() {
    for (int fd : dups_) ::close(fd);
    dups_.clear();
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  bool exhausted() const {
    int fd = ::dup(0);
    if (fd >= 0) ::close(fd);
    return fd < 0 && errno == EMFILE;
  }

 private:
  rlimit saved_{};
  std::vector<int> dups_;
};

// Calls check() every few milliseconds until it returns true (at most `tries` times).
void pollUntil(Reactor& reactor, std::shared_ptr<Function<bool()>> check, int tries,
               std::shared_ptr<Function<void(bool)>> then) {
  if ((*check)()) {
    (*then)(true);
  } else if (tries == 0) {
    (*then)(false);
  } else {
    reactor.callLater(Seconds(0.005), [&reactor, check, tries, then] {
      pollUntil(reactor, check, tries - 1, then);
    });
  }
}

TEST_P(TCPFaultTest, atTheDescriptorLimitWaitingPeersAreClosedAndOthersStillServed) {
  if (ubsanVptrCheckActive()) {
    GTEST_SKIP() << "UBSan's vptr check needs free descriptors; runs in the other builds";
  }
  int before = conformance::openFdCount();
  auto reactor = buildReactor();
  auto server = std::make_shared<RecorderFactory>();
  server->setup = [](Recorder& p) {
    p.onData = [](Recorder& s, std::string_view d) { s.transport->write(d); };
  };
  auto port = reactor->listenTCP(0, server, {.interface = "127.0.0.1"});
  int number = portOf(port->getHost());
  int existing = conformance::rawConnect(number);
  ASSERT_GE(existing, 0);
  int refused = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // made before the table fills
  std::unique_ptr<DescriptorExhaustion> exhaustion;
  bool peerClosed = false;
  bool echoed = false;

  reactor->callWhenRunning([&] {
    // One echo round first, so every code path the limit test uses has run once: UBSan's
    // vptr check needs a pipe (two descriptors) the first time it meets a type.
    ::send(existing, "warm", 4, MSG_NOSIGNAL);
    auto served = std::make_shared<Function<bool()>>([&] {
      if (server->built.size() != 1 || server->last().received != "warm") return false;
      char buf[8];
      return ::recv(existing, buf, sizeof buf, MSG_DONTWAIT) == 4;
    });
    pollUntil(*reactor, served, 400, std::make_shared<Function<void(bool)>>([&](bool ok) {
      ASSERT_TRUE(ok) << "the first connection was never accepted";
      exhaustion = std::make_unique<DescriptorExhaustion>();
      EXPECT_TRUE(exhaustion->exhausted());
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(number));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      EXPECT_EQ(::connect(refused, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
      ::fcntl(refused, F_SETFL, O_NONBLOCK);
      ::fcntl(existing, F_SETFL, O_NONBLOCK);
      ::send(existing, "still there?", 12, MSG_NOSIGNAL);
      std::string echo;
      auto done = std::make_shared<Function<bool()>>([&, echo]() mutable {
        char buf[64];
        if (!peerClosed && ::recv(refused, buf, sizeof buf, 0) == 0) peerClosed = true;
        ssize_t n = ::recv(existing, buf, sizeof buf, 0);
        if (n > 0) echo.append(buf, static_cast<std::size_t>(n));
        if (echo == "still there?") echoed = true;
        return peerClosed && echoed;
      });
      pollUntil(*reactor, done, 400, std::make_shared<Function<void(bool)>>([&](bool) {
        exhaustion->release();
        stopReactor(*reactor);
      }));
    }));
  });
  runReactor(*reactor);
  if (exhaustion) exhaustion->release();
  EXPECT_TRUE(peerClosed) << "the peer accepted at the limit was left hanging";
  EXPECT_TRUE(echoed) << "the existing connection was not served at the limit";
  EXPECT_EQ(server->built.size(), 1u);
  ::close(refused);
  ::close(existing);
  static_cast<void>(port->stopListening());
  reactor.reset();
  EXPECT_EQ(conformance::openFdCount(), before);
}

WEFT_INSTANTIATE_FOR_ALL_POLLERS(TCPFaultTest);

}  // namespace
}  // namespace weft
