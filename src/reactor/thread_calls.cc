#include "reactor/thread_calls.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/defer/failure.h"

#include <cerrno>
#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>

namespace weft {

ThreadCallQueue::ThreadCallQueue() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw error::Error("eventfd: " + error::errnoMessage(errno));
}

ThreadCallQueue::~ThreadCallQueue() { ::close(fd_); }

void ThreadCallQueue::push(Function<void()> f) {
  bool first;
  {
    std::lock_guard lock(mutex_);
    first = queue_.empty();
    queue_.push_back(std::move(f));
  }
  if (first) wake();
}

void ThreadCallQueue::wake() const {
  std::uint64_t one = 1;
  // EAGAIN would mean the counter is full, i.e. the reactor is already woken.
  static_cast<void>(::write(fd_, &one, sizeof one));
}

void ThreadCallQueue::drainWakeFd() const {
  std::uint64_t count;
  static_cast<void>(::read(fd_, &count, sizeof count));
}

std::size_t ThreadCallQueue::runPending() {
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return 0;
    batch_.swap(queue_);
  }
  std::size_t n = batch_.size();
  for (auto& f : batch_) {
    try {
      f();
    } catch (...) {
      log::error("Unhandled error in a callFromThread call:\n" + Failure::current().getTraceback());
    }
    f.reset();  // what it captured dies here, on the reactor thread
  }
  batch_.clear();
  return n;
}

}  // namespace weft
