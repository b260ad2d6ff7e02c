#include "weft/threads/thread_pool.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <algorithm>
#include <exception>
#include <pthread.h>
#include <string>
#include <utility>

namespace weft {
namespace {

// The pool whose worker is the current thread, if any: stop() must not join itself.
thread_local const ThreadPool* tCurrentPool = nullptr;

void validateSizes(int minThreads, int maxThreads) {
  if (minThreads < 0) throw error::ValueError("ThreadPool: minimum is negative");
  if (maxThreads < minThreads) {
    throw error::ValueError("ThreadPool: minimum is greater than maximum");
  }
}

void setCurrentThreadName(const std::string& name) {
  // Linux limits thread names to 15 bytes plus the terminator.
  std::string shortName = name.substr(0, 15);
  pthread_setname_np(pthread_self(), shortName.c_str());
}

}  // namespace

ThreadPool::ThreadPool(int minThreads, int maxThreads, std::string name)
    : name_(std::move(name)), minThreads_(minThreads), maxThreads_(maxThreads) {
  validateSizes(minThreads, maxThreads);
}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::callInThread(Function<void()> f) {
  if (!f) throw error::TypeError("ThreadPool::callInThread: empty function");
  ThreadList finished;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    // Twisted drops work once stop() has begun; f is destroyed after the lock is released.
    if (state_ == State::kStopping || state_ == State::kStopped) return;
    queue_.push_back(std::move(f));
    if (state_ == State::kStarted) {
      growForBacklogLocked();
      finished = takeFinishedLocked();
      wake = idle_ > 0;  // busy workers look at the queue before they wait again
    }
  }
  if (wake) workAvailable_.notify_one();
  joinAll(finished);
}

void ThreadPool::start() {
  std::lock_guard lifecycle(lifecycleMutex_);
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::kStarted) return;
    state_ = State::kStarted;
    while (liveWorkersLocked() < minThreads_) startWorkerLocked();
    growForBacklogLocked();
  }
  workAvailable_.notify_all();
}

void ThreadPool::stop() {
  if (tCurrentPool == this) {
    throw error::RuntimeError("ThreadPool::stop() called from one of the pool's own workers");
  }
  std::deque<Function<void()>> dropped;  // destroyed last, outside every lock
  std::lock_guard lifecycle(lifecycleMutex_);
  ThreadList toJoin;
  {
    std::unique_lock lock(mutex_);
    if (state_ == State::kStopped) return;
    if (state_ == State::kIdle) {
      // Never started: there are no workers, and the queued jobs will never run.
      dropped = std::move(queue_);
      state_ = State::kStopped;
      return;
    }
    state_ = State::kStopping;
    workAvailable_.notify_all();
    // Workers drain the queue before they leave (unless there are none: max == 0).
    allExited_.wait(lock, [this] { return workers_ == 0; });
    dropped = std::move(queue_);
    toJoin = std::move(finished_);
    toRetire_ = 0;
    state_ = State::kStopped;
  }
  joinAll(toJoin);
}

void ThreadPool::adjustPoolsize(int minThreads, int maxThreads) {
  validateSizes(minThreads, maxThreads);
  ThreadList finished;
  {
    std::lock_guard lock(mutex_);
    minThreads_ = minThreads;
    maxThreads_ = maxThreads;
    if (state_ != State::kStarted) return;
    int live = liveWorkersLocked();
    if (live > maxThreads_) {
      toRetire_ += live - maxThreads_;  // they leave at their next idle moment
    } else {
      for (; live < minThreads_; ++live) {
        if (toRetire_ > 0) {
          --toRetire_;  // keep a worker that was due to retire rather than start one
        } else {
          startWorkerLocked();
        }
      }
      growForBacklogLocked();
    }
    finished = takeFinishedLocked();
  }
  workAvailable_.notify_all();
  joinAll(finished);
}

int ThreadPool::minThreads() const {
  std::lock_guard lock(mutex_);
  return minThreads_;
}

int ThreadPool::maxThreads() const {
  std::lock_guard lock(mutex_);
  return maxThreads_;
}

bool ThreadPool::started() const {
  std::lock_guard lock(mutex_);
  return state_ == State::kStarted;
}

int ThreadPool::workers() const {
  std::lock_guard lock(mutex_);
  return liveWorkersLocked();
}

int ThreadPool::pendingJobs() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(queue_.size());
}

void ThreadPool::startWorkerLocked() {
  // The worker counts as idle from now: it will take a job as soon as it gets the lock.
  ++workers_;
  ++idle_;
  auto self = threads_.emplace(threads_.end());
  std::string threadName = name_ + "-" + std::to_string(++spawned_);
  try {
    // The new thread blocks on mutex_ (held here) until its list entry is assigned.
    *self = std::thread([this, self, threadName = std::move(threadName)] {
      setCurrentThreadName(threadName);
      workerLoop(self);
    });
  } catch (...) {
    threads_.erase(self);
    --workers_;
    --idle_;
    throw;
  }
}

void ThreadPool::growForBacklogLocked() {
  // Idle workers due to retire will not take the work.
  auto idleStaying = [this] { return static_cast<std::size_t>(std::max(0, idle_ - toRetire_)); };
  while (queue_.size() > idleStaying() && liveWorkersLocked() < maxThreads_) {
    startWorkerLocked();
  }
}

ThreadPool::ThreadList ThreadPool::takeFinishedLocked() { return std::move(finished_); }

void ThreadPool::joinAll(ThreadList& threads) {
  for (auto& t : threads) t.join();
  threads.clear();
}

void ThreadPool::runJob(Function<void()>& job, const std::string& name) {
  try {
    job();
  } catch (const std::exception& e) {
    log::error(std::string("Unhandled error in thread pool job: ") + e.what(), name);
  } catch (...) {
    log::error("Unhandled error in thread pool job: unknown exception", name);
  }
  // The job's captures die here, in the worker and outside the lock: their destructors may
  // call back into the pool.
  job.reset();
}

void ThreadPool::workerLoop(ThreadList::iterator self) {
  tCurrentPool = this;
  std::unique_lock lock(mutex_);
  for (;;) {
    workAvailable_.wait(
        lock, [this] { return !queue_.empty() || toRetire_ > 0 || state_ == State::kStopping; });
    --idle_;
    // Retiring comes first, so the pool shrinks to the new maximum at once.
    if (toRetire_ > 0) {
      --toRetire_;
      // The wakeup may have been meant for a job: pass it on to a worker that stays.
      if (!queue_.empty()) workAvailable_.notify_one();
      break;
    }
    if (queue_.empty()) break;  // stopping, with nothing left to do
    Function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    runJob(job, name_);
    lock.lock();
    ++idle_;
  }
  --workers_;
  // Whoever joins next (stop(), or a later callInThread/adjustPoolsize) joins this thread.
  finished_.splice(finished_.end(), threads_, self);
  if (workers_ == 0) allExited_.notify_all();
}

}  // namespace weft
