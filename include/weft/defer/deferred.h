// weft::Deferred<T>: twisted.internet.defer.Deferred as a typed handle.
//
// A Deferred<T> is an 8-byte handle (intrusive, non-atomic refcount) to one callback chain.
// addCallback(f) returns a Deferred<U> over the *same* chain, so the Twisted idiom
//   d = getPage(url); d.addCallback(parse).addErrback(report); return d;
// reads the same. Callbacks may return U, Deferred<U> (the chain waits for it), Failure,
// Outcome<U> or nothing (the next stage is Deferred<void>, Twisted's None); errbacks may
// return T, Deferred<T>, Failure or Outcome<T>. A callback that throws becomes a Failure.
// Chains run iteratively: nesting depth never grows the C++ stack.
//
// Handles are checked at run time: using a handle whose type the chain has moved past
// (after a type-changing addCallback) throws std::logic_error instead of misreading memory.
// A Deferred whose last handle goes while it holds a Failure logs "Unhandled error in
// Deferred:" with the traceback. A coroutine returning Deferred<T> starts at once and may
// co_await any Deferred (see detail/coroutine.h). Single-threaded: one chain, one thread.
//
// Debugging (weft::defer::setDebugging, Twisted's defer.setDebugging): the constructor,
// callback(), errback() and cancel() take a defaulted std::source_location, kept only while
// debugging is on. It then names the creation and first firing in AlreadyCalledError and
// in the "Unhandled error in Deferred" log (DEF-05, DEF-17).
#pragma once

#include "weft/base/error.h"
#include "weft/base/time.h"
#include "weft/defer/detail/deferred_core.h"
#include "weft/defer/failure.h"
#include "weft/defer/outcome.h"

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

namespace weft {
namespace defer {

// Twisted's defer.setDebugging/getDebugging. Process-wide and thread-safe; off at start.
// While on, each Deferred records where it was created and first fired (two pointers, no
// allocation). Deferreds made while it was off simply have less to report.
void setDebugging(bool on) noexcept;
bool getDebugging() noexcept;

}  // namespace defer

template <class T>
class Deferred;

// IsDeferred<X>::value is true for every Deferred<U>; DeferredValueT<Deferred<U>> is U
// (and DeferredValueT<X> is X for any other X).
template <class X>
struct IsDeferred : std::false_type {};
template <class U>
struct IsDeferred<Deferred<U>> : std::true_type {};
template <class X>
inline constexpr bool kIsDeferred = IsDeferred<std::remove_cvref_t<X>>::value;

template <class X>
struct DeferredValue {
  using type = X;
};
template <class U>
struct DeferredValue<Deferred<U>> {
  using type = U;
};
template <class X>
using DeferredValueT = typename DeferredValue<std::remove_cvref_t<X>>::type;

namespace detail {

template <class T>
class DeferredPromise;
template <class U>
class DeferredAwaiter;

// Friend door for the templates of this module.
struct DeferredAccess {
  template <class T>
  static Core& core(const Deferred<T>& d) {
    return d.checkedCore();
  }
  template <class T>
  static Core& tail(const Deferred<T>& d) {
    return d.tailCore();
  }
  template <class T>
  static Deferred<T> make(Core* c) noexcept {  // adds a reference
    return Deferred<T>(c);
  }
  template <class T>
  static Core* detach(Deferred<T>&& d) {  // gives up the handle's reference
    d.tailCore();
    return std::exchange(d.core_, nullptr);
  }
};

// What a callback returns, and what the next stage of the chain then holds.
template <class T, class F>
struct CallbackResult {
  using type = std::remove_cvref_t<std::invoke_result_t<F&, T>>;
};
template <class F>
struct CallbackResult<void, F> {
  using type = std::remove_cvref_t<std::invoke_result_t<F&>>;
};
template <class T, class F>
using CallbackResultT = typename CallbackResult<T, F>::type;

template <class T, class R>
struct NextStage {
  using type = R;
};
template <class T>
struct NextStage<T, Failure> {
  using type = T;
};
template <class T, class V>
struct NextStage<T, Outcome<V>> {
  using type = V;
};
template <class T, class V>
struct NextStage<T, Deferred<V>> {
  using type = V;
};
template <class T, class R>
using NextStageT = typename NextStage<T, R>::type;

// Stores what `call()` returns as the chain's new result; an exception becomes a Failure.
template <class U, class R, class Call>
void deliver(Core& c, Call&& call) noexcept {
  try {
    if constexpr (std::is_void_v<R>) {
      static_assert(std::is_void_v<U>, "this callback must return a value of the chain's type");
      call();
      c.setValue<void>();
    } else if constexpr (std::is_same_v<R, Failure>) {
      c.setFailure(call());
    } else if constexpr (kIsOutcome<R>) {
      R o = call();
      if (!o.ok()) {
        c.setFailure(std::move(o).failure());
      } else if constexpr (std::is_void_v<U>) {
        c.setValue<void>();
      } else {
        c.setValue<U>(std::move(o).value());
      }
    } else if constexpr (kIsDeferred<R>) {
      static_assert(std::is_same_v<DeferredValueT<R>, U>, "returned Deferred has the wrong type");
      R inner = call();
      c.setReturned(DeferredAccess::detach(std::move(inner)), typeTag<U>());
    } else {
      static_assert(!std::is_void_v<U> && std::is_constructible_v<U, R>,
                    "callback result does not convert to the chain's type");
      c.setValue<U>(call());
    }
  } catch (...) {
    c.setFailure(Failure::current());
  }
}

template <class U>
Outcome<U> takeOutcome(Core& c) noexcept {
  try {
    if (c.failed()) return Outcome<U>(c.takeFailure());
    if constexpr (std::is_void_v<U>) {
      c.takeValue<void>();
      return Outcome<void>();
    } else {
      return Outcome<U>::success(c.takeValue<U>());
    }
  } catch (...) {
    return Outcome<U>(Failure::current());
  }
}

template <class T, class U>
struct CallbackRunner {
  template <class F>
  static void invoke(F& f, Core& c) {
    using R = CallbackResultT<T, F>;
    if constexpr (std::is_void_v<T>) {
      deliver<U, R>(c, [&]() -> decltype(auto) {
        c.takeValue<void>();
        return f();
      });
    } else {
      deliver<U, R>(c, [&]() -> decltype(auto) { return f(c.takeValue<T>()); });
    }
  }
  template <class F>
  static void run(F& f, Core& c) {
    if (!c.failed()) invoke(f, c);
  }
};

template <class U>
struct ErrbackRunner {
  template <class F>
  static void invoke(F& f, Core& c) {
    using R = std::remove_cvref_t<std::invoke_result_t<F&, Failure>>;
    deliver<U, R>(c, [&]() -> decltype(auto) { return f(c.takeFailure()); });
  }
  template <class F>
  static void run(F& f, Core& c) {
    if (c.failed()) invoke(f, c);
  }
};

template <class CB, class EB>
struct CallbackPair {
  CB cb;
  EB eb;
};

template <class T, class U>
struct PairRunner {
  template <class P>
  static void run(P& p, Core& c) {
    if (c.failed()) {
      ErrbackRunner<U>::invoke(p.eb, c);
    } else {
      CallbackRunner<T, U>::invoke(p.cb, c);
    }
  }
};

template <class T, class U>
struct OutcomeRunner {
  template <class F>
  static void run(F& f, Core& c) {
    using R = std::remove_cvref_t<std::invoke_result_t<F&, Outcome<T>>>;
    deliver<U, R>(c, [&]() -> decltype(auto) { return f(takeOutcome<T>(c)); });
  }
};

struct PassThroughRunner {  // addBoth(nullary f): f runs on either path, the result stays
  template <class F>
  static void run(F& f, Core& c) {
    try {
      f();
    } catch (...) {
      c.setFailure(Failure::current());
    }
  }
};

template <class T>
struct CancellerRunner {
  template <class F>
  static void run(F& f, Core& c) {
    Deferred<T> d = DeferredAccess::make<T>(&c);
    f(d);
  }
};

struct NoArg {};

}  // namespace detail

template <class T>
class [[nodiscard]] Deferred {
  static_assert(!IsDeferred<T>::value, "a Deferred of a Deferred: return Deferred<U> instead");
  static_assert(!std::is_reference_v<T>, "Deferred<T&> is not supported");
  using Arg = std::conditional_t<std::is_void_v<T>, detail::NoArg, T>;
  using Where = std::source_location;  // a call site, kept while debugging is on

 public:
  using ValueType = T;
  using promise_type = detail::DeferredPromise<T>;

  // An unfired Deferred. One allocation. `where` is recorded only while debugging is on.
  // NOLINTNEXTLINE(google-explicit-constructor): the default constructor in practice
  Deferred(Where where = Where::current()) : core_(new detail::Core(detail::typeTag<T>())) {
    core_->noteCreated(where);
  }
  // With a canceller, called once as canceller(d) by the first cancel() before firing.
  template <class C>
  requires(std::is_invocable_v<std::decay_t<C>&, Deferred<T>&>) explicit Deferred(
      C&& canceller, Where where = Where::current())
      : Deferred(where) {
    core_->setCanceller(core_->makeEntry<detail::CancellerRunner<T>>(std::forward<C>(canceller)));
    core_->freezeArena();
  }

  Deferred(const Deferred& other) noexcept : core_(other.core_) {
    if (core_ != nullptr) core_->addRef();
  }
  Deferred(Deferred&& other) noexcept : core_(std::exchange(other.core_, nullptr)) {}
  Deferred& operator=(const Deferred& other) noexcept {
    Deferred copy(other);
    std::swap(core_, copy.core_);
    return *this;
  }
  Deferred& operator=(Deferred&& other) noexcept {
    std::swap(core_, other.core_);
    return *this;
  }
  ~Deferred() {
    if (core_ != nullptr) core_->release();
  }

  // --- producer ------------------------------------------------------------------------------
  // Fires the chain. AlreadyCalledError if it has fired (except the one late call ignored
  // after cancel() without a canceller); std::logic_error through a handle of another type.
  // With debugging on, the AlreadyCalledError names the creation, first and second call.
  void callback(Arg value, Where where = Where::current()) requires(!std::is_void_v<T>) {
    detail::Core& c = headCore();
    if (!c.beginFire(where)) return;
    c.setValue<T>(std::move(value));
    c.runCallbacks();
  }
  void callback(Where where = Where::current()) requires(std::is_void_v<T>) {
    detail::Core& c = headCore();
    if (!c.beginFire(where)) return;
    c.setValue<void>();
    c.runCallbacks();
  }
  void errback(Failure f, Where where = Where::current()) {
    headCore().errback(std::move(f), where);
  }
  template <class E>
  requires std::derived_from<std::decay_t<E>, std::exception>
  void errback(E&& e, Where where = Where::current()) {
    errback(Failure(std::forward<E>(e), where), where);
  }
  // Wraps the exception being handled; NoCurrentExceptionError outside a catch block.
  void errback(Where where = Where::current()) { errback(Failure::current(where), where); }

  // --- consumer ------------------------------------------------------------------------------
  // f: T -> U | Deferred<U> | Outcome<U> | Failure | void. Returns the chain as Deferred<U>.
  template <class F>
  auto addCallback(F&& f) {
    using R = detail::CallbackResultT<T, std::decay_t<F>>;
    using U = detail::NextStageT<T, R>;
    return append<U, detail::CallbackRunner<T, U>>(std::forward<F>(f));
  }
  // f: Failure -> T | Deferred<T> | Outcome<T> | Failure (| void when T is void).
  template <class F>
  Deferred<T> addErrback(F&& f) {
    return append<T, detail::ErrbackRunner<T>>(std::forward<F>(f));
  }
  // One stage with both paths; eb must produce what cb produces.
  template <class CB, class EB>
  auto addCallbacks(CB&& cb, EB&& eb) {
    using R = detail::CallbackResultT<T, std::decay_t<CB>>;
    using U = detail::NextStageT<T, R>;
    using P = detail::CallbackPair<std::decay_t<CB>, std::decay_t<EB>>;
    return append<U, detail::PairRunner<T, U>>(P{std::forward<CB>(cb), std::forward<EB>(eb)});
  }
  // Twisted's addCallbacks(cb, None): the errback passes the failure through (DEF-03).
  template <class CB>
  auto addCallbacks(CB&& cb, std::nullptr_t) {
    return addCallback(std::forward<CB>(cb));
  }
  // f: Outcome<T> -> U | Deferred<U> | Outcome<U> | Failure | void; or a nullary f that runs
  // on either path and leaves the result as it was (a "finally").
  template <class F>
  auto addBoth(F&& f) {
    using Fn = std::decay_t<F>;
    if constexpr (std::is_invocable_v<Fn&, Outcome<T>>) {
      using R = std::remove_cvref_t<std::invoke_result_t<Fn&, Outcome<T>>>;
      using U = detail::NextStageT<T, R>;
      return append<U, detail::OutcomeRunner<T, U>>(std::forward<F>(f));
    } else {
      static_assert(std::is_invocable_v<Fn&>, "addBoth(f): f takes Outcome<T> or nothing");
      return append<T, detail::PassThroughRunner>(std::forward<F>(f));
    }
  }
  // Forwards this chain's result (or failure) to d, as d.callback/d.errback would; this
  // chain then holds None (its next stage is Deferred<void>). Iterative, like chaining.
  void chainDeferred(Deferred<T> d) {
    detail::Core& c = tailCore();
    detail::Core& target = d.headCore();
    if (&target == &c) throw std::logic_error("chainDeferred() to the Deferred itself");
    detail::Entry* link = c.makeLink(detail::Entry::Kind::kForward, &target);
    target.setChainedTo(&c);
    c.setTail(detail::typeTag<void>());
    c.append(link);
  }

  // Cancels after `timeout` on clock unless a result came first; the CancelledError then
  // becomes error::TimeoutError. Clock: callLater(Seconds, F) returning a pointer-like
  // handle with active() and cancel() (testing::Clock, IReactorTime).
  template <class Clock>
  Deferred<T> addTimeout(Seconds timeout, Clock& clock) {
    return addTimeout(timeout, clock, [](Outcome<T> r, Seconds t) -> Outcome<T> {
      if (!r.ok() && r.failure().template check<error::CancelledError>()) {
        return Failure(error::TimeoutError("Deferred timed out after " + std::to_string(t.count()) +
                                           " seconds"));
      }
      return r;
    });
  }
  // onTimeoutCancel(Outcome<T>, Seconds) -> Outcome<T> decides the result after a timeout.
  template <class Clock, class OnTimeout>
  Deferred<T> addTimeout(Seconds timeout, Clock& clock, OnTimeout onTimeoutCancel) {
    tailCore();
    auto timedOut = std::make_shared<bool>(false);
    auto call = clock.callLater(timeout, [timedOut, self = *this]() mutable {
      *timedOut = true;
      self.cancel();
    });
    Deferred<T> d = addBoth(
        [timedOut, timeout, f = std::move(onTimeoutCancel)](Outcome<T> r) mutable -> Outcome<T> {
          if (*timedOut) return f(std::move(r), timeout);
          return r;
        });
    return d.addBoth([call = std::move(call)](Outcome<T> r) mutable -> Outcome<T> {
      if (call->active()) call->cancel();
      return r;
    });
  }

  // --- control -------------------------------------------------------------------------------
  // Unfired: runs the canceller, then errbacks CancelledError if still unfired. Waiting on
  // an inner Deferred: cancels that one. Fired: does nothing.
  void cancel(Where where = Where::current()) { checkedCore().cancel(where); }
  void pause() { checkedCore().pause(); }  // pauses nest
  void unpause() { checkedCore().unpause(); }

  bool called() const { return checkedCore().called(); }
  bool paused() const { return checkedCore().paused(); }
  // True while this chain's result is to come from another Deferred (a callback returned an
  // unfired one, or other.chainDeferred(*this) is pending). Twisted's _chainedTo.
  bool isWaitingOnDeferred() const { return checkedCore().waitingOnChained(); }
  // Both handles are views of one chain.
  friend bool operator==(const Deferred& a, const Deferred& b) noexcept {
    return a.core_ == b.core_;
  }
  // Twisted's repr(d): "<Deferred at 0x...>" before firing, "<Deferred at 0x... current
  // result: 'orange'>" after (strings quoted, values with an operator<< printed, other
  // types by name, a Failure as <weft::Failure Type: message>, no value as None), and
  // "<Deferred at 0x... waiting on Deferred at 0x...>" while the result is to come from
  // another Deferred. The address is the chain's, shared by all its handles.
  std::string repr() const { return checkedCore().repr(); }

  // Twisted's Deferred.fromCoroutine: a coroutine returning Deferred<T> already is one
  // (it starts at once), so this passes it through; for code ported name for name.
  static Deferred fromCoroutine(Deferred coroutine) noexcept { return coroutine; }

  // co_await inside a coroutine returning Deferred<X> (or any coroutine type): the result,
  // or the failure's exception raised. Awaiting consumes the result (the chain then holds None).
  detail::DeferredAwaiter<T> operator co_await() const&;
  detail::DeferredAwaiter<T> operator co_await() &&;

 private:
  template <class U>
  friend class Deferred;
  friend struct detail::DeferredAccess;
  explicit Deferred(detail::Core* c) noexcept : core_(c) { core_->addRef(); }

  detail::Core& checkedCore() const {
    if (core_ == nullptr) throw std::logic_error("weft::Deferred: use of a moved-from handle");
    return *core_;
  }
  detail::Core& headCore() const {
    detail::Core& c = checkedCore();
    c.checkHead(detail::typeTag<T>());
    return c;
  }
  detail::Core& tailCore() const {
    detail::Core& c = checkedCore();
    c.checkTail(detail::typeTag<T>());
    return c;
  }
  template <class U, class Runner, class F>
  Deferred<U> append(F&& f) {
    detail::Core& c = tailCore();
    detail::Entry* e = c.makeEntry<Runner>(std::forward<F>(f));
    c.setTail(detail::typeTag<U>());
    Deferred<U> next(&c);
    c.append(e);
    return next;
  }

  detail::Core* core_;
};

// --- shortcuts -------------------------------------------------------------------------------
// An already-fired Deferred (DEF-04).
template <class T>
Deferred<std::decay_t<T>> succeed(T&& value,
                                  std::source_location where = std::source_location::current()) {
  Deferred<std::decay_t<T>> d(where);
  d.callback(std::forward<T>(value), where);
  return d;
}
inline Deferred<void> succeed(std::source_location where = std::source_location::current()) {
  Deferred<void> d(where);
  d.callback(where);
  return d;
}
template <class T = void>
Deferred<T> fail(Failure f, std::source_location where = std::source_location::current()) {
  Deferred<T> d(where);
  d.errback(std::move(f), where);
  return d;
}

// Twisted's ensureDeferred(coro): a coroutine returning Deferred<T> is already a running
// Deferred, so ensureDeferred(main()) is main() itself. Kept for code ported name for name.
template <class T>
Deferred<T> ensureDeferred(Deferred<T> d) noexcept {
  return d;
}

// Calls f(args...) now and wraps the outcome in a fired Deferred: a value, a Failure or
// Outcome, or an exception (DEF-22). A returned Deferred is passed through unchanged.
template <class F, class... A>
auto maybeDeferred(F&& f, A&&... args) {
  using R = std::remove_cvref_t<std::invoke_result_t<F, A...>>;
  if constexpr (kIsDeferred<R>) {
    try {
      return R(std::invoke(std::forward<F>(f), std::forward<A>(args)...));
    } catch (...) {
      return fail<DeferredValueT<R>>(Failure::current());
    }
  } else {
    return succeed().addCallback([&]() -> decltype(auto) {
      return std::invoke(std::forward<F>(f), std::forward<A>(args)...);
    });
  }
}

}  // namespace weft

#include "weft/defer/detail/coroutine.h"
