#include "reactor/signals.h"

#include "weft/base/error.h"

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace weft {
namespace {

// Where the handler writes. A lock-free atomic int is safe to read in a signal handler.
std::atomic<int> gSignalWriteFd{-1};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void weftSignalHandler(int signo) {
  int saved = errno;
  int fd = gSignalWriteFd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    auto byte = static_cast<unsigned char>(signo);
    static_cast<void>(::write(fd, &byte, 1));
  }
  errno = saved;
}

}  // namespace

SignalWakeup::~SignalWakeup() {
  uninstall();
  if (readFd_ >= 0) ::close(readFd_);
  if (writeFd_ >= 0) ::close(writeFd_);
}

int SignalWakeup::install() {
  if (installed_) return readFd_;
  if (readFd_ < 0) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw error::Error("pipe2: " + error::errnoMessage(errno));
    }
    readFd_ = fds[0];
    writeFd_ = fds[1];
  }
  previousWriteFd_ = gSignalWriteFd.exchange(writeFd_);
  struct sigaction action {};
  action.sa_handler = weftSignalHandler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, &previousInt_);
  ::sigaction(SIGTERM, &action, &previousTerm_);
  installed_ = true;
  return readFd_;
}

void SignalWakeup::uninstall() {
  if (!installed_) return;
  ::sigaction(SIGINT, &previousInt_, nullptr);
  ::sigaction(SIGTERM, &previousTerm_, nullptr);
  gSignalWriteFd.store(previousWriteFd_);
  installed_ = false;
}

std::vector<int> SignalWakeup::drain() const {
  std::vector<int> out;
  unsigned char buf[64];
  for (;;) {
    ssize_t n = ::read(readFd_, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) out.push_back(buf[i]);
  }
  return out;
}

}  // namespace weft
