// weft::ThreadPool: a pool of worker threads with twisted.python.threadpool.ThreadPool's
// contract. It is the reactor's pool (getThreadPool()) and the private pool of
// ThreadedResolver.
//
//   - Work queued before start() waits and runs once the pool has started. callInThread
//     with an empty Function throws error::TypeError.
//   - Workers are started lazily: a job that finds no idle worker starts a new one, up to
//     maxThreads(); start() and adjustPoolsize() keep at least minThreads() alive.
//   - An exception escaping a job is logged at error level; the worker goes on.
//   - stop() lets every queued job finish, then joins all workers. Once stop() has begun,
//     callInThread() drops its job silently (Twisted's `joined`); a pool stopped before it
//     ever started drops the jobs it held. start() may be called again after stop().
//
// Thread safety: every method may be called from any thread, except stop() (and the
// destructor, which calls it), which must not be called from one of the pool's own workers:
// it would have to join itself (it throws error::RuntimeError instead).
#pragma once

#include "weft/base/function.h"
#include "weft/internet/interfaces.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace weft {

class ThreadPool final : public IThreadPool {
 public:
  // Throws error::ValueError if minThreads < 0 or maxThreads < minThreads. `name` appears in
  // the workers' thread names ("<name>-<n>", truncated by the OS to 15 bytes) and as the
  // system of the log events for failed jobs.
  explicit ThreadPool(int minThreads = 0, int maxThreads = 10, std::string name = "reactor");
  // Calls stop().
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void callInThread(Function<void()> f) override;
  void start() override;
  void stop() override;
  // Throws error::ValueError if minThreads < 0 or maxThreads < minThreads. While started,
  // starts workers up to minThreads at once, and retires surplus workers above maxThreads
  // as soon as they are idle.
  void adjustPoolsize(int minThreads, int maxThreads) override;
  int minThreads() const override;
  int maxThreads() const override;
  bool started() const override;
  // Worker threads alive now, idle or busy, not counting those already told to retire by
  // adjustPoolsize (Twisted's idle + busy workers).
  int workers() const override;

  // Jobs queued and not yet taken by a worker (Twisted's q.qsize()).
  int pendingJobs() const;
  const std::string& name() const { return name_; }

 private:
  enum class State : std::uint8_t { kIdle, kStarted, kStopping, kStopped };
  using ThreadList = std::list<std::thread>;

  void workerLoop(ThreadList::iterator self);
  // Starts one worker. Requires mutex_ held and state_ == kStarted.
  void startWorkerLocked();
  // Starts workers while the backlog exceeds the idle workers, up to max. Requires mutex_.
  void growForBacklogLocked();
  // Takes the threads of retired workers so the caller can join them outside the lock.
  ThreadList takeFinishedLocked();
  static void joinAll(ThreadList& threads);
  static void runJob(Function<void()>& job, const std::string& name);
  int liveWorkersLocked() const { return workers_ - toRetire_; }

  const std::string name_;
  std::mutex lifecycleMutex_;  // serialises start() and stop(); never held by workers
  mutable std::mutex mutex_;   // guards everything below
  std::condition_variable workAvailable_;
  std::condition_variable allExited_;  // signalled when workers_ drops to 0
  std::deque<Function<void()>> queue_;
  ThreadList threads_;   // one std::thread per live worker
  ThreadList finished_;  // workers that retired (adjustPoolsize) and still need a join
  int minThreads_;
  int maxThreads_;
  int workers_ = 0;   // worker threads that have not left their loop (threads_)
  int idle_ = 0;      // workers waiting for work, counting those just started
  int toRetire_ = 0;  // workers asked to retire at their next idle moment
  std::uint64_t spawned_ = 0;
  State state_ = State::kIdle;
};

}  // namespace weft
