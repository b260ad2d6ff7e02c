// twisted.internet.threads: running blocking code in threads and coming back to the reactor.
//
//   deferToThread(reactor, f, args...)            f on the reactor's pool -> Deferred (THR-11)
//   deferToThreadPool(reactor, pool, f, args...)  the same on any IThreadPool
//   callMultipleInThread(reactor, calls)          several calls, in order, on one pool thread
//   blockingCallFromThread(reactor, f, args...)   from a worker: f on the reactor, wait (THR-12)
//
// Objects of the reactor thread (Deferreds, Failures) never cross threads: a worker carries
// only an opaque pointer to them and sends its result home through callFromThread as a plain
// value or a std::exception_ptr; the Deferred is fired, and the Failure built, on the reactor
// thread. The reactor must outlive every job these functions start.
#pragma once

#include "weft/base/error.h"
#include "weft/base/function.h"
#include "weft/defer/deferred.h"
#include "weft/defer/failure.h"
#include "weft/defer/outcome.h"
#include "weft/internet/interfaces.h"

#include <condition_variable>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace weft {

namespace detail {

// An object that belongs to the reactor thread, held by a job that runs on another thread.
// The holder moves only the pointer; the object is used and destroyed on the reactor thread
// (sendHome), also when the holder is dropped without sending (e.g. by a stopped pool).
template <class T>
class ReactorBound {
 public:
  // Reactor thread.
  ReactorBound(IReactorFromThreads& reactor, T value)
      : reactor_(&reactor), object_(new T(std::move(value))) {}
  ReactorBound(ReactorBound&& other) noexcept
      : reactor_(other.reactor_), object_(std::exchange(other.object_, nullptr)) {}
  ReactorBound(const ReactorBound&) = delete;
  ReactorBound& operator=(const ReactorBound&) = delete;
  ReactorBound& operator=(ReactorBound&&) = delete;
  ~ReactorBound() {
    if (object_ != nullptr) sendHome([](T&) {});
  }

  // Any thread, once: runs g(object) on the reactor thread, which then destroys the object.
  template <class G>
  void sendHome(G g) {
    std::unique_ptr<T> home(std::exchange(object_, nullptr));
    reactor_->callFromThread([home = std::move(home), g = std::move(g)]() mutable { g(*home); });
  }

 private:
  IReactorFromThreads* reactor_;
  T* object_;
};

// What a job produced, in a form that may cross threads: a value or an exception_ptr.
template <class R>
struct ThreadResult {
  std::optional<R> value;
  std::exception_ptr error;
};
template <>
struct ThreadResult<void> {
  std::exception_ptr error;
};

template <class R, class G>
ThreadResult<R> runCapturing(G& g) noexcept {
  ThreadResult<R> result;
  try {
    if constexpr (std::is_void_v<R>) {
      g();
    } else {
      result.value.emplace(g());
    }
  } catch (...) {
    result.error = std::current_exception();
  }
  return result;
}

// Reactor thread: fires d with the result; the Failure is built here, not in the worker.
template <class R>
void fireWith(Deferred<R>& d, ThreadResult<R>&& result) {
  if (result.error) {
    d.errback(Failure(std::move(result.error)));
  } else if constexpr (std::is_void_v<R>) {
    d.callback();
  } else {
    d.callback(std::move(*result.value));
  }
}

template <class G>
using ThreadCallResult = std::conditional_t<std::is_void_v<std::invoke_result_t<G&>>, void,
                                            std::decay_t<std::invoke_result_t<G&>>>;

// A one-shot result slot between the reactor thread (producer) and one waiting worker.
//
// Unlike std::promise/std::future, the exception object is *moved* through the slot, so the
// waiting worker ends up its only owner and destroys it: no other thread races the last
// release. (libstdc++ counts exception references with atomics that ThreadSanitizer cannot
// see, so with std::future a clean program is reported as racy.)
template <class T>
class ResultSlot {
 public:
  template <class... V>
  void setValue(V&&... v) {
    std::lock_guard lock(mutex_);
    if (ready_) return;
    if constexpr (!std::is_void_v<T>) value_.emplace(std::forward<V>(v)...);
    ready_ = true;
    readyChanged_.notify_one();
  }
  void setError(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (ready_) return;
    error_ = std::move(error);
    ready_ = true;
    readyChanged_.notify_one();
  }
  // Waiting thread: blocks until set, then returns the value or rethrows the exception.
  T take() {
    std::exception_ptr error;
    {
      std::unique_lock lock(mutex_);
      readyChanged_.wait(lock, [this] { return ready_; });
      error = std::move(error_);
    }
    if (error) std::rethrow_exception(std::move(error));
    if constexpr (!std::is_void_v<T>) return std::move(*value_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable readyChanged_;
  bool ready_ = false;
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value_{};
  std::exception_ptr error_;
};

// The reactor side of a ResultSlot: if it is destroyed unset (the reactor dropped the call,
// or the Deferred died unfired), the worker gets std::future_error(broken_promise).
template <class T>
class ResultSetter {
 public:
  explicit ResultSetter(std::shared_ptr<ResultSlot<T>> slot) : slot_(std::move(slot)) {}
  ResultSetter(ResultSetter&&) noexcept = default;
  ResultSetter& operator=(ResultSetter&&) = delete;
  ~ResultSetter() {
    if (slot_)
      slot_->setError(std::make_exception_ptr(std::future_error(std::future_errc::broken_promise)));
  }
  template <class... V>
  void setValue(V&&... v) {
    std::exchange(slot_, nullptr)->setValue(std::forward<V>(v)...);
  }
  void setError(std::exception_ptr error) {
    std::exchange(slot_, nullptr)->setError(std::move(error));
  }

 private:
  std::shared_ptr<ResultSlot<T>> slot_;
};

// Reactor thread: runs g and settles the slot with its result, waiting for it when g returns
// a Deferred. Every reference the reactor side holds to an exception (the catch block, the
// Failure taken from the chain) is dropped before the exception is handed over.
template <class T, class G>
void settleFromReactor(ResultSetter<T>& setter, G& g) {
  using R = std::invoke_result_t<G&>;
  std::exception_ptr error;
  if constexpr (kIsDeferred<R>) {
    std::optional<std::remove_cvref_t<R>> d;
    try {
      d.emplace(g());
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      setter.setError(std::move(error));
      return;
    }
    auto shared = std::make_shared<ResultSetter<T>>(std::move(setter));
    static_cast<void>(d->addBoth([shared](Outcome<T> outcome) {
      if (!outcome.ok()) {
        std::exception_ptr failed = outcome.failure().exceptionPtr();
        { Outcome<T> release(std::move(outcome)); }
        shared->setError(std::move(failed));
      } else if constexpr (std::is_void_v<T>) {
        shared->setValue();
      } else {
        shared->setValue(std::move(outcome).value());
      }
    }));
  } else {
    try {
      if constexpr (std::is_void_v<T>) {
        g();
        setter.setValue();
      } else {
        setter.setValue(g());
      }
      return;
    } catch (...) {
      error = std::current_exception();
    }
    setter.setError(std::move(error));
  }
}

}  // namespace detail

// Runs f(args...) (decayed copies) on a thread of `pool` and returns, on the reactor thread,
// a Deferred<R> that fires there with f's result (R = decayed return type; void gives
// Deferred<void>) or with a Failure wrapping the exception f threw. f must not return a
// Deferred. f and its captures are destroyed on the worker thread. If the pool drops the job
// (it was stopped) the Deferred never fires, as in Twisted.
template <class F, class... A>
auto deferToThreadPool(IReactorFromThreads& reactor, IThreadPool& pool, F&& f, A&&... args) {
  auto g = detail::bindArgs(std::forward<F>(f), std::forward<A>(args)...);
  using G = decltype(g);
  using R = detail::ThreadCallResult<G>;
  static_assert(!kIsDeferred<R>, "deferToThread: f must not return a Deferred");
  Deferred<R> d;
  pool.callInThread(
      [home = detail::ReactorBound<Deferred<R>>(reactor, d), g = std::move(g)]() mutable {
        home.sendHome([result = detail::runCapturing<R>(g)](Deferred<R>& out) mutable {
          detail::fireWith(out, std::move(result));
        });
      });
  return d;
}

// deferToThreadPool on the reactor's own pool (reactor.getThreadPool()). Reactor thread.
template <class F, class... A>
auto deferToThread(IReactorThreads& reactor, F&& f, A&&... args) {
  return deferToThreadPool(reactor, reactor.getThreadPool(), std::forward<F>(f),
                           std::forward<A>(args)...);
}

// Runs each call in order on one thread of the reactor's pool. As in Twisted, an exception
// stops the remaining calls and is logged by the pool. Reactor thread (or any thread the
// reactor's callInThread accepts).
inline void callMultipleInThread(IReactorThreads& reactor, std::vector<Function<void()>> calls) {
  reactor.callInThread([calls = std::move(calls)]() mutable {
    for (auto& call : calls) call();
  });
}

// Called from a non-reactor thread: runs f(args...) on the reactor thread, blocks until it
// has a result and returns it (decayed). If f returns Deferred<U>, waits for it to fire and
// returns its U. If f throws, or the Deferred fails, the exception is rethrown here (the same
// exception object). If f's Deferred is dropped unfired, or the reactor drops the call,
// std::future_error (broken_promise) is thrown. Called on the reactor thread it would
// deadlock: throws error::RuntimeError when the reactor can tell (IReactorThreads).
template <class F, class... A>
auto blockingCallFromThread(IReactorFromThreads& reactor, F&& f, A&&... args) {
  auto g = detail::bindArgs(std::forward<F>(f), std::forward<A>(args)...);
  using G = decltype(g);
  using R = std::invoke_result_t<G&>;
  using T = std::conditional_t<kIsDeferred<R>, DeferredValueT<R>, detail::ThreadCallResult<G>>;
  if (const auto* threads = dynamic_cast<const IReactorThreads*>(&reactor);
      threads != nullptr && threads->isInIOThread()) {
    throw error::RuntimeError("blockingCallFromThread called from the reactor thread");
  }
  auto slot = std::make_shared<detail::ResultSlot<T>>();
  reactor.callFromThread([setter = detail::ResultSetter<T>(slot), g = std::move(g)]() mutable {
    detail::settleFromReactor(setter, g);
  });
  return slot->take();
}

}  // namespace weft
