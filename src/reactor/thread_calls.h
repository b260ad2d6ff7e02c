// ThreadCallQueue: the callFromThread queue and the eventfd waker that interrupts the
// reactor's wait. The one door through which other threads reach the reactor.
#pragma once

#include "weft/base/function.h"

#include <mutex>
#include <vector>

namespace weft {

class ThreadCallQueue {
 public:
  ThreadCallQueue();  // throws error::Error when no eventfd can be made
  ~ThreadCallQueue();
  ThreadCallQueue(const ThreadCallQueue&) = delete;
  ThreadCallQueue& operator=(const ThreadCallQueue&) = delete;

  // The eventfd the reactor watches (an internal reader).
  int wakeFd() const { return fd_; }

  // Thread-safe. Appends f and wakes the reactor if the queue was empty (a non-empty queue
  // has already woken it, and it has not taken the queue yet).
  void push(Function<void()> f);
  // Thread-safe and async-signal-safe. Makes wakeFd() readable.
  void wake() const;
  // Reactor thread: consumes the wakeup.
  void drainWakeFd() const;
  // Reactor thread: runs, in FIFO order, exactly the calls queued before this call began.
  // Calls queued while they run wait for the next pass (THR-05). An exception escaping a
  // call is logged and the others still run. Returns the number run.
  std::size_t runPending();

 private:
  std::mutex mutex_;
  std::vector<Function<void()>> queue_;  // guarded by mutex_
  std::vector<Function<void()>> batch_;  // reactor thread only
  int fd_;
};

}  // namespace weft
