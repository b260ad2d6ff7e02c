// PollPoller: the poll(2) fallback. A dense pollfd vector (what poll() takes) plus an
// fd -> index map; remove() swaps the last entry into the hole.
#include "poller/poller_backends.h"

#include "weft/base/error.h"

#include <cerrno>
#include <cstdint>
#include <poll.h>
#include <vector>

namespace weft {
namespace {

short toPoll(std::uint8_t interest) {
  int events = 0;
  if (interest & kPollRead) events |= POLLIN | POLLPRI;
  if (interest & kPollWrite) events |= POLLOUT;
  return static_cast<short>(events);
}

std::uint8_t fromPoll(short revents) {
  std::uint8_t out = 0;
  if (revents & (POLLIN | POLLPRI)) out |= kPollRead;
  if (revents & POLLOUT) out |= kPollWrite;
  if (revents & (POLLHUP | POLLERR | POLLNVAL)) out |= kPollHangup;
  return out;
}

class PollPoller final : public Poller {
 public:
  void add(int fd, std::uint8_t interest, void* data) override {
    if (fd < 0) throw error::ValueError("negative file descriptor " + std::to_string(fd));
    auto key = static_cast<std::size_t>(fd);
    if (key >= index_.size()) index_.resize(key + 1, kAbsent);
    if (index_[key] != kAbsent) {  // registered already: same as modify
      modify(fd, interest, data);
      return;
    }
    index_[key] = fds_.size();
    fds_.push_back({fd, toPoll(interest), 0});
    data_.push_back(data);
  }

  void modify(int fd, std::uint8_t interest, void* data) override {
    std::size_t i = indexOf(fd);
    if (i == kAbsent) {
      add(fd, interest, data);
      return;
    }
    fds_[i].events = toPoll(interest);
    data_[i] = data;
  }

  void remove(int fd) override {
    std::size_t i = indexOf(fd);
    if (i == kAbsent) return;
    std::size_t last = fds_.size() - 1;
    if (i != last) {
      fds_[i] = fds_[last];
      data_[i] = data_[last];
      index_[static_cast<std::size_t>(fds_[i].fd)] = i;
    }
    fds_.pop_back();
    data_.pop_back();
    index_[static_cast<std::size_t>(fd)] = kAbsent;
  }

  void wait(int timeoutMs, std::vector<PollEvent>& out) override {
    out.clear();
    int n = ::poll(fds_.data(), fds_.size(), timeoutMs);
    if (n < 0) {
      if (errno == EINTR) return;
      throw error::Error("poll: " + error::errnoMessage(errno));
    }
    out.reserve(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < fds_.size() && out.size() < static_cast<std::size_t>(n); ++i) {
      if (fds_[i].revents != 0) out.push_back({data_[i], fromPoll(fds_[i].revents)});
    }
  }

  bool supportsEdge() const override { return false; }  // kPollEdge is ignored
  std::size_t size() const override { return fds_.size(); }
  std::string_view name() const override { return "poll"; }

 private:
  static constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);

  std::size_t indexOf(int fd) const {
    if (fd < 0 || static_cast<std::size_t>(fd) >= index_.size()) return kAbsent;
    return index_[static_cast<std::size_t>(fd)];
  }

  std::vector<pollfd> fds_;
  std::vector<void*> data_;         // parallel to fds_
  std::vector<std::size_t> index_;  // fd -> position in fds_, or kAbsent
};

}  // namespace

std::unique_ptr<Poller> makePollPoller() { return std::make_unique<PollPoller>(); }

}  // namespace weft
