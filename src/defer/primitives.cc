#include "weft/defer/primitives.h"

#include "weft/defer/deferred_list.h"

#include <algorithm>

namespace weft {
namespace detail {

Deferred<void> WaitQueue::makeWaiter(const std::shared_ptr<WaitQueue>& q) {
  std::weak_ptr<WaitQueue> weak = q;
  return Deferred<void>([weak](Deferred<void>& self) {
    // Still waiting: leave the queue; Deferred::cancel then errbacks CancelledError.
    if (auto s = weak.lock()) std::erase(s->waiting, self);
  });
}

}  // namespace detail

DeferredLock::DeferredLock() : queue_(std::make_shared<detail::WaitQueue>()) {}

DeferredLock::~DeferredLock() { queue_->waiting.clear(); }

Deferred<void> DeferredLock::acquire() {
  Deferred<void> d = detail::WaitQueue::makeWaiter(queue_);
  if (locked_) {
    queue_->waiting.push_back(d);
  } else {
    locked_ = true;
    d.callback();
  }
  return d;
}

void DeferredLock::release() {
  if (!locked_) throw error::AssertionError("DeferredLock.release() of an unlocked lock");
  locked_ = false;
  if (!queue_->waiting.empty()) {
    locked_ = true;
    Deferred<void> d = std::move(queue_->waiting.front());
    queue_->waiting.pop_front();
    d.callback();
  }
}

DeferredSemaphore::DeferredSemaphore(int tokens)
    : tokens_(tokens), limit_(tokens), queue_(std::make_shared<detail::WaitQueue>()) {
  if (tokens < 1) throw error::ValueError("DeferredSemaphore requires tokens >= 1");
}

DeferredSemaphore::~DeferredSemaphore() { queue_->waiting.clear(); }

Deferred<void> DeferredSemaphore::acquire() {
  Deferred<void> d = detail::WaitQueue::makeWaiter(queue_);
  if (tokens_ == 0) {
    queue_->waiting.push_back(d);
  } else {
    --tokens_;
    d.callback();
  }
  return d;
}

void DeferredSemaphore::release() {
  if (tokens_ >= limit_) throw error::AssertionError("DeferredSemaphore released too many times");
  ++tokens_;
  if (!queue_->waiting.empty()) {
    --tokens_;
    Deferred<void> d = std::move(queue_->waiting.front());
    queue_->waiting.pop_front();
    d.callback();
  }
}

}  // namespace weft
