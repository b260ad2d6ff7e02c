// EPollPoller: epoll, level-triggered unless an fd's interest has kPollEdge (EPOLLET). The
// registered interest and data of every fd are cached so that an unchanged modify() costs nothing:
// the steady path of a connection (read interest only) makes no epoll_ctl call at all.
#include "poller/poller_backends.h"

#include "weft/base/error.h"

#include <cerrno>
#include <cstdint>
#include <sys/epoll.h>
#include <unistd.h>
#include <vector>

namespace weft {
namespace {

std::uint32_t toEpoll(std::uint8_t interest) {
  std::uint32_t events = 0;
  if (interest & kPollRead) events |= EPOLLIN | EPOLLPRI;
  if (interest & kPollWrite) events |= EPOLLOUT;
  if (interest & kPollEdge) events |= EPOLLET | EPOLLRDHUP;
  return events;
}

std::uint8_t fromEpoll(std::uint32_t events) {
  std::uint8_t out = 0;
  if (events & (EPOLLIN | EPOLLPRI)) out |= kPollRead;
  if (events & EPOLLOUT) out |= kPollWrite;
  if (events & (EPOLLHUP | EPOLLERR)) out |= kPollHangup;
  if (events & EPOLLRDHUP) out |= kPollPeerClosed;
  return out;
}

class EPollPoller final : public Poller {
 public:
  EPollPoller() : epfd_(::epoll_create1(EPOLL_CLOEXEC)), ready_(kInitialEvents) {
    if (epfd_ < 0) throw error::Error("epoll_create1: " + error::errnoMessage(errno));
  }
  ~EPollPoller() override { ::close(epfd_); }

  void add(int fd, std::uint8_t interest, void* data) override {
    Slot& slot = slotFor(fd);
    // EEXIST: the fd number was closed and reused without remove(); take the new one over.
    if (ctl(EPOLL_CTL_ADD, fd, interest, data) != 0 &&
        (errno != EEXIST || ctl(EPOLL_CTL_MOD, fd, interest, data) != 0)) {
      throw error::Error("epoll_ctl(ADD, " + std::to_string(fd) +
                         "): " + error::errnoMessage(errno));
    }
    if (slot.interest == kPollNone) ++count_;
    slot = {interest, data};
  }

  void modify(int fd, std::uint8_t interest, void* data) override {
    Slot& slot = slotFor(fd);
    if (slot.interest == interest && slot.data == data) return;
    // ENOENT: the kernel dropped the registration when the fd was closed; register again.
    if (ctl(EPOLL_CTL_MOD, fd, interest, data) != 0 &&
        (errno != ENOENT || ctl(EPOLL_CTL_ADD, fd, interest, data) != 0)) {
      throw error::Error("epoll_ctl(MOD, " + std::to_string(fd) +
                         "): " + error::errnoMessage(errno));
    }
    if (slot.interest == kPollNone) ++count_;
    slot = {interest, data};
  }

  void remove(int fd) override {
    if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size()) return;
    Slot& slot = slots_[static_cast<std::size_t>(fd)];
    if (slot.interest == kPollNone) return;
    // EBADF/ENOENT: already closed, and closing removed it from the set.
    static_cast<void>(::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr));
    slot = {};
    --count_;
  }

  void wait(int timeoutMs, std::vector<PollEvent>& out) override {
    out.clear();
    int n = ::epoll_wait(epfd_, ready_.data(), static_cast<int>(ready_.size()), timeoutMs);
    if (n < 0) {
      if (errno == EINTR) return;
      throw error::Error("epoll_wait: " + error::errnoMessage(errno));
    }
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = ready_[static_cast<std::size_t>(i)];
      out.push_back({ev.data.ptr, fromEpoll(ev.events)});
    }
    // A full buffer suggests more were ready: take more next time.
    if (static_cast<std::size_t>(n) == ready_.size()) ready_.resize(ready_.size() * 2);
  }

  bool supportsEdge() const override { return true; }
  std::size_t size() const override { return count_; }
  std::string_view name() const override { return "epoll"; }

 private:
  static constexpr std::size_t kInitialEvents = 64;
  struct Slot {
    std::uint8_t interest = kPollNone;
    void* data = nullptr;
  };

  Slot& slotFor(int fd) {
    if (fd < 0) throw error::ValueError("negative file descriptor " + std::to_string(fd));
    auto index = static_cast<std::size_t>(fd);
    if (index >= slots_.size()) slots_.resize(index + 1);
    return slots_[index];
  }

  int ctl(int op, int fd, std::uint8_t interest, void* data) {
    epoll_event ev{};
    ev.events = toEpoll(interest);
    ev.data.ptr = data;
    return ::epoll_ctl(epfd_, op, fd, &ev);
  }

  int epfd_;
  std::vector<epoll_event> ready_;
  std::vector<Slot> slots_;  // indexed by fd
  std::size_t count_ = 0;
};

}  // namespace

std::unique_ptr<Poller> makeEPollPoller() { return std::make_unique<EPollPoller>(); }

}  // namespace weft
