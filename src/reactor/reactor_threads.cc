// ReactorBase: IReactorThreads (callFromThread, the lazily made thread pool, isInIOThread).
#include "reactor/reactor_base.h"

#include "weft/base/error.h"

#include <algorithm>

namespace weft {

void ReactorBase::callFromThreadImpl(Function<void()> f) { threadCalls_.push(std::move(f)); }

bool ReactorBase::isInIOThread() const { return ioThread_.load() == std::this_thread::get_id(); }

IThreadPool& ReactorBase::getThreadPool() {
  assertIOThread("getThreadPool()");
  if (!pool_) initThreadPool();
  return *pool_;
}

void ReactorBase::callInThreadImpl(Function<void()> f) {
  getThreadPool().callInThread(std::move(f));
}

void ReactorBase::suggestThreadPoolSize(int size) {
  IThreadPool& pool = getThreadPool();
  pool.adjustPoolsize(std::min(pool.minThreads(), size), size);
}

void ReactorBase::initThreadPool() {
  if (!threadPoolFactory_) throw error::RuntimeError("this reactor has no thread pool factory");
  pool_ = threadPoolFactory_();
  IThreadPool* pool = pool_.get();
  // Started when the reactor runs (at once if it is running), stopped during shutdown, even
  // if it never started (THR-08/09).
  poolStartId_ = callWhenRunning([pool] { pool->start(); });
  poolStopId_ = addSystemEventTrigger("during", "shutdown", [this] { stopThreadPool(); });
}

void ReactorBase::stopThreadPool() {
  for (auto* id : {&poolStartId_, &poolStopId_}) {
    if (*id) {
      try {
        events_.remove(**id);
      } catch (const error::ValueError&) {
        // already ran (the stop trigger is running now)
      }
      id->reset();
    }
  }
  if (!pool_) return;
  pool_->stop();
  // References handed out by getThreadPool() stay valid; the next call makes a new pool.
  retiredPools_.push_back(std::move(pool_));
}

}  // namespace weft
