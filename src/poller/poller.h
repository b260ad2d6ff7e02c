// The private I/O multiplexer behind the reactor loop: one interface, one leaf file per
// backend (epoll_poller.cc, poll_poller.cc), chosen in make_poller.cc. Nothing above the
// reactor sees it; public headers name backends only through weft::PollerKind.
//
// Thread affinity: a Poller is used by the reactor thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace weft {

// Interest and readiness bits.
enum : std::uint8_t {
  kPollNone = 0,
  kPollRead = 1,        // interest: readable; event: readable (data or EOF)
  kPollWrite = 2,       // interest: writable; event: writable
  kPollHangup = 4,      // event only: hang-up or error (POLLHUP/POLLERR/POLLNVAL)
  kPollEdge = 8,        // interest only: report changes, not states (EPOLLET); see supportsEdge()
  kPollPeerClosed = 16  // event only, edge-triggered fds only: the peer shut down its writing
                        // (EPOLLRDHUP), so an end of file waits behind whatever is unread
};

// One ready descriptor: the data pointer given at registration and its readiness bits.
struct PollEvent {
  void* data;
  std::uint8_t events;
};

class Poller {
 public:
  virtual ~Poller() = default;
  Poller() = default;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Registers fd (not yet registered) with a non-empty interest; `data` comes back with
  // each of its events. Throws error::Error when the kernel refuses the fd.
  virtual void add(int fd, std::uint8_t interest, void* data) = 0;
  // Changes the interest (non-empty) or data of a registered fd. Costs no system call when
  // both are unchanged.
  virtual void modify(int fd, std::uint8_t interest, void* data) = 0;
  // Unregisters fd. Safe to call after fd was closed.
  virtual void remove(int fd) = 0;
  // Waits at most timeoutMs (-1: no limit, 0: do not block) and replaces the contents of
  // `out` with the ready descriptors. An interrupted wait (EINTR) returns no events.
  virtual void wait(int timeoutMs, std::vector<PollEvent>& out) = 0;
  // True when kPollEdge is honoured: an edge-triggered fd is reported once per change of
  // readiness (new data, new buffer space) instead of in every wait while it is ready.
  // Backends without it ignore the bit and stay level-triggered.
  virtual bool supportsEdge() const = 0;
  // Number of registered fds.
  virtual std::size_t size() const = 0;
  // "epoll" or "poll".
  virtual std::string_view name() const = 0;
};

// The backends this build has. Mirrors the public weft::PollerKind without kDefault.
enum class PollerBackend { kEPoll, kPoll };

// Reads WEFT_REACTOR: unset or empty gives kEPoll; "epoll" and "poll" name a backend;
// anything else throws error::ValueError.
PollerBackend pollerBackendFromEnvironment();
// Parses a backend name ("epoll" or "poll"); nullopt for anything else.
std::optional<PollerBackend> parsePollerBackend(std::string_view name);
std::unique_ptr<Poller> makePoller(PollerBackend backend);

}  // namespace weft
