// Internal: Deferred<T> as a coroutine type (ensureDeferred / inlineCallbacks).
//
// The promise *is* the Deferred's core, so a coroutine costs one allocation (its frame).
// It starts eagerly; co_return fires the Deferred, an escaping exception errbacks it.
// The frame holds one "running" reference until final_suspend; while suspended on a
// Deferred, that reference belongs to the resume entry queued on the awaited Deferred. If
// the awaited Deferred is destroyed unfired, the entry drops the reference and the frame
// goes when the last handle to the coroutine's own Deferred goes (it never resumes).
// Cancelling the coroutine's Deferred cancels the Deferred it is awaiting.
//
// Pitfalls (see docs): the promise has a user-declared constructor so that C++20
// parenthesised aggregate init cannot build it from the coroutine's arguments; coroutine
// lambdas must not capture what must outlive their first suspension.
#pragma once

#include "weft/defer/deferred.h"

#include <coroutine>
#include <optional>
#include <utility>

namespace weft::detail {

class CoroutineCore : public Core {
 public:
  using Core::Core;
  Core* awaiting = nullptr;  // not owned: the Deferred this coroutine is suspended on
};

struct CoroutineCanceller {
  struct Fn {};
  static void run(Fn&, Core& c) {
    auto& co = static_cast<CoroutineCore&>(c);
    if (co.awaiting != nullptr) co.awaiting->cancel();
  }
};

struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) const noexcept {
    h.promise().release();  // may destroy the frame; nothing touches it afterwards
  }
  void await_resume() const noexcept {}
};

template <class T>
class DeferredPromiseBase : public CoroutineCore {
 public:
  DeferredPromiseBase() : CoroutineCore(typeTag<T>(), &disposeFrame) {
    setCanceller(makeEntry<CoroutineCanceller>(CoroutineCanceller::Fn{}));
    freezeArena();
  }
  DeferredPromiseBase(const DeferredPromiseBase&) = delete;
  DeferredPromiseBase& operator=(const DeferredPromiseBase&) = delete;

  Deferred<T> get_return_object() { return DeferredAccess::make<T>(this); }
  std::suspend_never initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept {
    // Already fired means cancelled meanwhile: the late outcome is dropped, as Twisted does.
    if (!tryBeginFire()) return;
    setFailure(Failure::current());
    runCallbacks();
  }

 protected:
  ~DeferredPromiseBase() = default;
  template <class... A>
  void finish(A&&... a) {
    if (!tryBeginFire()) return;
    setValue<T>(std::forward<A>(a)...);
    runCallbacks();
  }

 private:
  static void disposeFrame(Core* c) noexcept {
    auto* p = static_cast<DeferredPromise<T>*>(c);
    std::coroutine_handle<DeferredPromise<T>>::from_promise(*p).destroy();
  }
};

template <class T>
class DeferredPromise final : public DeferredPromiseBase<T> {
 public:
  DeferredPromise() = default;  // user-declared on purpose (pitfall 1)
  template <class V = T>
  void return_value(V&& v) {
    this->finish(std::forward<V>(v));
  }
};

template <>
class DeferredPromise<void> final : public DeferredPromiseBase<void> {
 public:
  DeferredPromise() = default;
  void return_void() { finish(); }
};

template <class U>
struct ResumeFn {
  DeferredAwaiter<U>* awaiter;
  std::coroutine_handle<> handle;
  CoroutineCore* owner;  // the promise, when the awaiting coroutine returns a Deferred

  ResumeFn(DeferredAwaiter<U>* a, std::coroutine_handle<> h, CoroutineCore* o) noexcept
      : awaiter(a), handle(h), owner(o) {}
  ResumeFn(ResumeFn&& other) noexcept
      : awaiter(other.awaiter), handle(std::exchange(other.handle, nullptr)), owner(other.owner) {}
  ResumeFn(const ResumeFn&) = delete;
  ResumeFn& operator=(const ResumeFn&) = delete;
  ResumeFn& operator=(ResumeFn&&) = delete;
  ~ResumeFn() {
    if (!handle) return;
    // Abandoned: the awaited Deferred went away unfired, so the coroutine never resumes.
    if (owner != nullptr) {
      owner->awaiting = nullptr;
      owner->release();
    } else {
      handle.destroy();
    }
  }
};

template <class U>
class DeferredAwaiter {
 public:
  explicit DeferredAwaiter(Deferred<U> d) noexcept : d_(std::move(d)) {}

  bool await_ready() {
    Core& c = DeferredAccess::tail(d_);
    if (!c.awaitReady()) return false;
    result_.emplace(takeOutcome<U>(c));
    c.setTail(typeTag<void>());
    return true;
  }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    Deferred<U> local = std::move(d_);  // the awaited core owns the frame from here on
    Core& c = DeferredAccess::core(local);
    CoroutineCore* owner = nullptr;
    if constexpr (std::is_base_of_v<CoroutineCore, P>) owner = &h.promise();
    Entry* e = c.makeEntry<Runner>(ResumeFn<U>(this, h, owner));
    if (owner != nullptr) owner->awaiting = &c;
    c.setTail(typeTag<void>());
    c.append(e);  // may resume (and finish) the coroutine before returning
  }

  U await_resume() {
    Outcome<U> o = std::move(*result_);
    result_.reset();
    if (!o.ok()) o.failure().raiseException();
    if constexpr (!std::is_void_v<U>) return std::move(o).value();
  }

 private:
  struct Runner {
    static void run(ResumeFn<U>& f, Core& c) {
      f.awaiter->result_.emplace(takeOutcome<U>(c));
      if (f.owner != nullptr) f.owner->awaiting = nullptr;
      std::exchange(f.handle, nullptr).resume();
    }
  };

  Deferred<U> d_;
  std::optional<Outcome<U>> result_;
};

}  // namespace weft::detail

namespace weft {

template <class T>
detail::DeferredAwaiter<T> Deferred<T>::operator co_await() const& {
  return detail::DeferredAwaiter<T>(*this);
}
template <class T>
detail::DeferredAwaiter<T> Deferred<T>::operator co_await() && {
  return detail::DeferredAwaiter<T>(std::move(*this));
}

}  // namespace weft
