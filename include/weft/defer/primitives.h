// DeferredLock, DeferredSemaphore and DeferredQueue (twisted.internet.defer).
//
// Each hands out Deferreds in FIFO order. Cancelling a Deferred that is still waiting
// removes it from the queue and errbacks it with CancelledError; cancelling one that has
// already fired does nothing (DEF-27). Destroying a primitive drops its waiters unfired.
// Single-threaded, like Deferred.
#pragma once

#include "weft/base/error.h"
#include "weft/defer/deferred.h"

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

namespace weft {
namespace error {

// DeferredQueue.put() on a full queue.
class QueueOverflow : public Error {
 public:
  QueueOverflow() : Error("DeferredQueue is full") {}
};
// DeferredQueue.get() with the backlog of waiting gets full.
class QueueUnderflow : public Error {
 public:
  QueueUnderflow() : Error("DeferredQueue has too many waiting gets") {}
};

}  // namespace error

namespace detail {

struct WaitQueue {
  std::deque<Deferred<void>> waiting;
  // A Deferred handed out by acquire() that removes itself from `waiting` on cancel.
  static Deferred<void> makeWaiter(const std::shared_ptr<WaitQueue>& q);
};

// Runs f under an acquired primitive P and releases it whatever the outcome.
template <class P, class F>
auto runUnder(P& primitive, F f) {
  return primitive.acquire().addCallback([&primitive, f = std::move(f)]() mutable {
    auto d = maybeDeferred(f);
    using U = DeferredValueT<decltype(d)>;
    return d.addBoth([&primitive](Outcome<U> r) {
      primitive.release();
      return r;
    });
  });
}

}  // namespace detail

// A lock for Deferred-using code: acquire() fires when the lock is ours.
class DeferredLock {
 public:
  DeferredLock();
  ~DeferredLock();
  DeferredLock(const DeferredLock&) = delete;
  DeferredLock& operator=(const DeferredLock&) = delete;

  Deferred<void> acquire();
  // error::AssertionError when not locked.
  void release();
  bool locked() const noexcept { return locked_; }
  // acquire(), then f() (through maybeDeferred), then release(); fires with f's result.
  // The lock must outlive the returned Deferred.
  template <class F>
  auto run(F f) {
    return detail::runUnder(*this, std::move(f));
  }

 private:
  bool locked_ = false;
  std::shared_ptr<detail::WaitQueue> queue_;
};

// A semaphore for Deferred-using code. error::ValueError when tokens < 1.
class DeferredSemaphore {
 public:
  explicit DeferredSemaphore(int tokens);
  ~DeferredSemaphore();
  DeferredSemaphore(const DeferredSemaphore&) = delete;
  DeferredSemaphore& operator=(const DeferredSemaphore&) = delete;

  Deferred<void> acquire();
  // error::AssertionError when every token is already free.
  void release();
  int tokens() const noexcept { return tokens_; }
  int limit() const noexcept { return limit_; }
  template <class F>
  auto run(F f) {
    return detail::runUnder(*this, std::move(f));
  }

 private:
  int tokens_;
  int limit_;
  std::shared_ptr<detail::WaitQueue> queue_;
};

// An event-driven queue: put() hands an object to the oldest get(), or keeps it. size and
// backlog bound the pending objects and the waiting gets (nullopt: unbounded).
template <class T>
class DeferredQueue {
 public:
  explicit DeferredQueue(std::optional<std::size_t> size = std::nullopt,
                         std::optional<std::size_t> backlog = std::nullopt)
      : state_(std::make_shared<State>()), size_(size), backlog_(backlog) {}
  ~DeferredQueue() { state_->waiting.clear(); }
  DeferredQueue(const DeferredQueue&) = delete;
  DeferredQueue& operator=(const DeferredQueue&) = delete;

  // error::QueueOverflow when size objects are already pending.
  void put(T object) {
    if (!state_->waiting.empty()) {
      Deferred<T> d = std::move(state_->waiting.front());
      state_->waiting.pop_front();
      d.callback(std::move(object));
    } else if (!size_ || state_->pending.size() < *size_) {
      state_->pending.push_back(std::move(object));
    } else {
      throw error::QueueOverflow();
    }
  }
  // Fires with the oldest pending object, at once or at the next put(). A failed
  // Deferred (QueueUnderflow) when backlog gets are already waiting.
  Deferred<T> get() {
    if (!state_->pending.empty()) {
      Deferred<T> d = succeed(std::move(state_->pending.front()));
      state_->pending.pop_front();
      return d;
    }
    if (backlog_ && state_->waiting.size() >= *backlog_) {
      return fail<T>(Failure(error::QueueUnderflow()));
    }
    std::weak_ptr<State> weak = state_;
    Deferred<T> d([weak](Deferred<T>& self) {
      if (auto s = weak.lock()) std::erase(s->waiting, self);
    });
    state_->waiting.push_back(d);
    return d;
  }
  std::size_t pending() const noexcept { return state_->pending.size(); }
  std::size_t waiting() const noexcept { return state_->waiting.size(); }

 private:
  struct State {
    std::deque<Deferred<T>> waiting;
    std::deque<T> pending;
  };
  std::shared_ptr<State> state_;
  std::optional<std::size_t> size_;
  std::optional<std::size_t> backlog_;
};

}  // namespace weft
