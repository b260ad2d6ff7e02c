// Test-only: LoopDouble, a minimal real event loop implementing IReactorThreads. The thread
// that constructs it is the "reactor thread"; it runs queued callFromThread calls when the
// test asks (runOne/runUntil/runPending). callInThread goes to a real ThreadPool.
#pragma once

#include "weft/base/function.h"
#include "weft/internet/interfaces.h"
#include "weft/threads/thread_pool.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace weft::testing_detail {

class LoopDouble final : public IReactorThreads {
 public:
  explicit LoopDouble(int maxThreads = 4) : pool_(0, maxThreads, "loop") { pool_.start(); }
  ~LoopDouble() override {
    pool_.stop();  // before the queue goes: late jobs may still callFromThread
  }

  IThreadPool& getThreadPool() override { return pool_; }
  void suggestThreadPoolSize(int size) override { pool_.adjustPoolsize(0, size); }
  bool isInIOThread() const override { return std::this_thread::get_id() == owner_; }

  // Reactor thread: waits for one queued call and runs it.
  void runOne() {
    Function<void()> f;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return !queue_.empty(); });
      f = std::move(queue_.front());
      queue_.pop_front();
    }
    f();
    std::lock_guard lock(mutex_);
    ++ran_;
  }
  // Reactor thread: runs queued calls (waiting for more) until done() is true.
  template <class P>
  void runUntil(P done) {
    while (!done()) runOne();
  }
  // Reactor thread: runs what is queued now, without waiting. Returns how many ran.
  int runPending() {
    int n = 0;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) return n;
      }
      runOne();
      ++n;
    }
  }
  // Any thread: blocks until n calls are queued (not yet run).
  void waitQueued(std::size_t n) {
    std::unique_lock lock(mutex_);
    queued_.wait(lock, [&] { return queue_.size() >= n; });
  }
  int ran() const {
    std::lock_guard lock(mutex_);
    return ran_;
  }
  std::thread::id owner() const { return owner_; }
  ThreadPool& pool() { return pool_; }

 protected:
  void callFromThreadImpl(Function<void()> f) override {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(f));
    queued_.notify_all();
  }
  void callInThreadImpl(Function<void()> f) override { pool_.callInThread(std::move(f)); }

 private:
  const std::thread::id owner_ = std::this_thread::get_id();
  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Function<void()>> queue_;
  int ran_ = 0;
  ThreadPool pool_;
};

}  // namespace weft::testing_detail
