// The fixture of the interop suites: a ReactorTest (one run per backend) that skips when
// /usr/bin/python3 cannot import twisted, runs a scenario until the Twisted peer has
// finished (or kills it after kTimeout), and checks that no descriptor leaked.
#pragma once

#include "conformance/tcp_support.h"
#include "twisted_peer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

namespace weft::interop {

class InteropTest : public conformance::ReactorTest {
 protected:
  static constexpr Seconds kTimeout{30};

  void SetUp() override {
    if (!twistedAvailable()) {
      GTEST_SKIP() << kPython << " cannot import twisted (apt-get install python3-twisted)";
    }
    fdsBefore_ = conformance::openFdCount();
  }
  void TearDown() override {
    ReactorTest::TearDown();
    if (fdsBefore_ >= 0) {
      EXPECT_EQ(conformance::openFdCount(), fdsBefore_) << "descriptors leaked";
    }
  }

  // Calls done() once the peer has finished and `more` other arrive() calls have come.
  std::shared_ptr<conformance::Countdown> finishWhen(Reactor& reactor, TwistedPeer& peer,
                                                     int more) {
    auto done = std::make_shared<conformance::Countdown>(
        conformance::Countdown{more + 1, [&reactor] { conformance::stopReactor(reactor); }});
    peer.onFinished = [done] { done->arrive(); };
    return done;
  }

  // Connects factory to the peer (a server mode) once it has printed "PORT <n>".
  static void connectWhenListening(Reactor& reactor, TwistedPeer& peer,
                                   std::shared_ptr<ClientFactory> factory) {
    peer.onLine = [&reactor, factory = std::move(factory)](const std::string& line) {
      if (!line.starts_with("PORT ")) return;
      reactor.connectTCP("127.0.0.1", std::stoi(line.substr(5)), factory);
    };
  }

  // Runs the reactor for at most kTimeout; a peer still running then is killed (by its
  // pid) and the test fails.
  void runScenario(Reactor& reactor, TwistedPeer& peer) {
    runReactor(reactor, kTimeout);
    if (!peer.finished()) {
      peer.kill();
      ADD_FAILURE() << "the Twisted peer did not finish; killed.\n" << peer.describe();
    }
  }

  // The peer exited 0 after printing "OK ...", and inherited none of our sockets.
  static void expectPeerOK(const TwistedPeer& peer) {
    EXPECT_EQ(peer.exitCode(), 0) << peer.describe();
    EXPECT_EQ(peer.result().substr(0, 3), "OK ") << peer.describe();
    EXPECT_EQ(resultField(peer.result(), "inherited_sockets"), "0") << peer.describe();
  }

 private:
  int fdsBefore_ = -1;
};

// size pseudo-random bytes (the same for the same seed).
inline std::string pattern(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(size, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// The offset of the first difference, or -1 when a == b.
inline long firstDifference(const std::string& a, const std::string& b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<long>(i);
  }
  return a.size() == b.size() ? -1 : static_cast<long>(n);
}

}  // namespace weft::interop
