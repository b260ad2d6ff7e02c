// Internal: the type-erased core shared by every Deferred<T> handle of one chain.
//
// One allocation holds the refcount, the state flags, the current result (a 32-byte small
// buffer or a Failure), and an inline arena for callback entries. Types are checked at run
// time with tags (the address of a per-type anchor): headTag is what callback()/errback()
// accept, tailTag what the next addCallback receives, valueTag what the slot holds now.
// With debugging on (weft::defer::setDebugging) the core also records where it was created
// and first fired; with it off that costs one relaxed load and a branch per create and fire.
// Not thread-safe: a chain belongs to one thread.
#pragma once

#include "weft/defer/failure.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <ostream>
#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace weft::detail {

// The switch behind weft::defer::setDebugging (process-wide, as Twisted's Deferred.debug).
extern std::atomic<bool> gDeferDebugging;
inline bool deferDebugging() noexcept { return gDeferDebugging.load(std::memory_order_relaxed); }

using TypeTag = const void*;
template <class T>
inline constexpr char kTypeAnchor = 0;
template <class T>
constexpr TypeTag typeTag() noexcept {
  return &kTypeAnchor<T>;
}

[[noreturn]] void throwTypeMismatch(const char* what);

// The text that Deferred::repr() shows for a result value: strings quoted as Python's repr
// does, other types with an operator<< as they print, the rest by type name.
template <class U>
concept Printable = requires(std::ostream& os, const U& u) {
  os << u;
};
std::string reprString(std::string_view s);
std::string reprPrinted(void (*print)(std::ostream&, const void*), const void* value);
std::string reprTypeName(const std::type_info& type);

template <class U>
std::string reprValue(const void* p) {
  const U& v = *static_cast<const U*>(p);
  if constexpr (std::is_null_pointer_v<U>) {
    return "nullptr";
  } else if constexpr (std::is_pointer_v<U> && std::is_convertible_v<U, std::string_view>) {
    return v == nullptr ? std::string("nullptr") : reprString(v);
  } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    return reprString(v);
  } else if constexpr (Printable<U>) {
    return reprPrinted([](std::ostream& os, const void* q) { os << *static_cast<const U*>(q); }, p);
  } else {
    return reprTypeName(typeid(U));
  }
}

// A type-erased value: inline when small and nothrow-movable, else boxed on the heap.
class ValueSlot {
 public:
  static constexpr std::size_t kSize = 32;
  template <class U>
  static constexpr bool kInline =
      sizeof(U) <= kSize &&
      alignof(U) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<U>;

  ValueSlot() noexcept = default;
  ValueSlot(const ValueSlot&) = delete;
  ValueSlot& operator=(const ValueSlot&) = delete;
  ~ValueSlot() { reset(); }

  bool empty() const noexcept { return ops_ == nullptr; }

  template <class U, class... A>
  void emplace(A&&... a) {
    reset();
    if constexpr (kInline<U>) {
      ::new (static_cast<void*>(buf_)) U(std::forward<A>(a)...);
      ops_ = &kInlineOps<U>;
    } else {
      *reinterpret_cast<U**>(buf_) = new U(std::forward<A>(a)...);
      ops_ = &kHeapOps<U>;
    }
  }

  // Moves the value out and empties the slot. Precondition: holds a U.
  template <class U>
  U take() {
    U* p;
    if constexpr (kInline<U>) {
      p = std::launder(reinterpret_cast<U*>(buf_));
    } else {
      p = *reinterpret_cast<U**>(buf_);
    }
    U out(std::move(*p));
    reset();
    return out;
  }

  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(buf_);
      ops_ = nullptr;
    }
  }

  // repr() of the value (see reprValue). Precondition: !empty().
  std::string repr() const { return ops_->repr(buf_); }

  void moveTo(ValueSlot& dst) noexcept {
    dst.reset();
    if (ops_ != nullptr) {
      ops_->move(dst.buf_, buf_);
      dst.ops_ = ops_;
      ops_ = nullptr;
    }
  }

 private:
  struct Ops {
    void (*move)(void* dst, void* src) noexcept;  // move-constructs dst, destroys src
    void (*destroy)(void*) noexcept;
    std::string (*repr)(const void*);
  };
  template <class U>
  static constexpr Ops kInlineOps = {
      [](void* d, void* s) noexcept {
        U* src = std::launder(static_cast<U*>(s));
        ::new (d) U(std::move(*src));
        src->~U();
      },
      [](void* s) noexcept { std::launder(static_cast<U*>(s))->~U(); },
      [](const void* s) { return reprValue<U>(std::launder(static_cast<const U*>(s))); }};
  template <class U>
  static constexpr Ops kHeapOps = {
      [](void* d, void* s) noexcept { *static_cast<U**>(d) = *static_cast<U**>(s); },
      [](void* s) noexcept { delete *static_cast<U**>(s); },
      [](const void* s) { return reprValue<U>(*static_cast<const U* const*>(s)); }};

  alignas(std::max_align_t) unsigned char buf_[kSize];
  const Ops* ops_ = nullptr;
};

class Core;

// One queued callback. kCall entries run `run`; kContinue hands the result to `target`
// (an outer chain waiting on this one) and kForward does the same for chainDeferred.
struct Entry {
  enum class Kind : std::uint8_t { kCall, kContinue, kForward };
  Entry* next = nullptr;
  void (*run)(Entry*, Core&) = nullptr;
  void (*destroy)(Entry*) noexcept = nullptr;  // destroys the payload, not the memory
  Core* target = nullptr;                      // kContinue/kForward: owned reference
  Kind kind = Kind::kCall;
  bool onHeap = false;
};

template <class Fn, class Runner>
struct FnEntry final : Entry {
  template <class F>
  explicit FnEntry(F&& f) : fn(std::forward<F>(f)) {
    run = [](Entry* e, Core& c) { Runner::run(static_cast<FnEntry*>(e)->fn, c); };
    destroy = [](Entry* e) noexcept { static_cast<FnEntry*>(e)->~FnEntry(); };
  }
  Fn fn;
};

class Core {
 public:
  static constexpr std::size_t kArenaSize = 160;
  using Dispose = void (*)(Core*) noexcept;

  explicit Core(TypeTag tag, Dispose dispose = &deleteCore) noexcept
      : headTag_(tag), tailTag_(tag), dispose_(dispose) {}
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  void addRef() noexcept { ++refs_; }
  void release() noexcept {
    if (--refs_ == 0) destroy(this);
  }

  // Firing. beginFire() raises AlreadyCalledError, or returns false for the one late call
  // that Twisted ignores after cancel() without a canceller (DEF-19). `where` is the call
  // site of callback()/errback()/cancel(), recorded only while debugging is on.
  bool beginFire(std::source_location where);
  bool tryBeginFire() noexcept;  // false when already fired; never raises
  void errback(Failure f, std::source_location where);
  void runCallbacks();
  void cancel(std::source_location where = std::source_location::current());

  // Debugging (DEF-05, DEF-17). noteCreated records the creation site when debugging is on.
  void noteCreated(std::source_location where) noexcept {
    if (deferDebugging()) creator_ = where;
  }
  // Twisted's DebugInfo._getDebugTracebacks: " C:" lines for the creation site, " I:" lines
  // for the first firing; empty when neither was recorded.
  std::string debugInfo() const;
  // "<Deferred at 0x...>", "<Deferred at 0x... current result: ...>" or
  // "<Deferred at 0x... waiting on Deferred at 0x...>" (Twisted's Deferred.__repr__).
  std::string repr() const;
  void pause() noexcept { ++paused_; }
  void unpause();

  // Result access for typed entries.
  bool failed() const noexcept { return failure_.has_value(); }
  Failure takeFailure() {
    Failure f = std::move(*failure_);
    failure_.reset();
    return f;
  }
  template <class U>
  U takeValue() {
    if (valueTag_ != typeTag<U>()) throwTypeMismatch("result type does not match the callback");
    valueTag_ = typeTag<void>();
    if constexpr (std::is_void_v<U>) {
      return;
    } else {
      return value_.take<U>();
    }
  }
  template <class U, class... A>
  void setValue(A&&... a) {
    failure_.reset();
    if constexpr (!std::is_void_v<U>) value_.emplace<U>(std::forward<A>(a)...);
    valueTag_ = typeTag<U>();
  }
  void setFailure(Failure f) noexcept {
    value_.reset();
    valueTag_ = typeTag<void>();
    failure_.emplace(std::move(f));
  }
  // A callback returned a Deferred over `inner` (an owned reference) that must yield `tag`.
  void setReturned(Core* inner, TypeTag tag);
  // Moves src's result here; src is left holding a void result.
  void takeResultFrom(Core& src) noexcept;
  bool awaitReady() const noexcept {
    return called_ && paused_ == 0 && !running_ && head_ == nullptr;
  }

  // Entries.
  template <class Runner, class F>
  Entry* makeEntry(F&& f) {
    using E = FnEntry<std::decay_t<F>, Runner>;
    static_assert(alignof(E) <= alignof(std::max_align_t),
                  "over-aligned callables are not supported");
    bool heap = false;
    void* mem = allocEntry(sizeof(E), alignof(E), heap);
    Entry* e;
    try {
      e = ::new (mem) E(std::forward<F>(f));
    } catch (...) {
      if (heap) ::operator delete(mem);
      throw;
    }
    e->onHeap = heap;
    return e;
  }
  Entry* makeLink(Entry::Kind kind, Core* target);
  void appendNoRun(Entry* e) noexcept;
  void append(Entry* e) {
    appendNoRun(e);
    if (called_) runCallbacks();
  }
  void setCanceller(Entry* e) noexcept { canceller_ = e; }
  void freezeArena() noexcept { arenaBase_ = arenaUsed_; }

  void checkHead(TypeTag t) const {
    if (headTag_ != t) throwTypeMismatch("callback()/errback() through a handle of the wrong type");
  }
  void checkTail(TypeTag t) const {
    if (tailTag_ != t) throwTypeMismatch("stale Deferred handle: the chain's type has moved on");
  }
  TypeTag headTag() const noexcept { return headTag_; }
  TypeTag tailTag() const noexcept { return tailTag_; }
  void setTail(TypeTag t) noexcept { tailTag_ = t; }
  bool called() const noexcept { return called_; }
  bool paused() const noexcept { return paused_ > 0; }
  bool waitingOnChained() const noexcept { return chainedTo_ != nullptr; }
  void setChainedTo(Core* c) noexcept { chainedTo_ = c; }

 protected:
  ~Core();

 private:
  static void deleteCore(Core* c) noexcept { delete c; }
  static void destroy(Core* c) noexcept;
  void* allocEntry(std::size_t size, std::size_t align, bool& heap);
  void freeEntry(Entry* e) noexcept;
  Entry* popEntry() noexcept;
  bool runOne(Entry* e);  // false when the chain must stop here (paused on an inner one)
  friend class ChainRunner;

  [[noreturn]] void throwAlreadyCalled(std::source_location where) const;

  // Packed so that the two debug locations fit in what used to be padding.
  std::uint32_t refs_ = 1;
  std::int32_t paused_ = 0;
  bool called_ = false;
  bool running_ = false;
  bool suppressAlreadyCalled_ = false;
  std::uint16_t arenaUsed_ = 0;
  std::uint16_t arenaBase_ = 0;
  TypeTag headTag_;
  TypeTag tailTag_;
  TypeTag valueTag_ = typeTag<void>();
  Dispose dispose_;
  ValueSlot value_;
  std::optional<Failure> failure_;
  Core* chainedTo_ = nullptr;  // not owned: the Deferred this one waits on (cancel forwards)
  Core* returned_ = nullptr;   // owned: a Deferred just returned by a callback
  Core* nextDead_ = nullptr;   // destruction trampoline
  Entry* head_ = nullptr;
  Entry* tail_ = nullptr;
  Entry* canceller_ = nullptr;
  std::source_location creator_;  // set only while debugging is on (line() 0 otherwise)
  std::source_location invoker_;  // the first callback()/errback()/cancel(), likewise
  alignas(std::max_align_t) unsigned char arena_[kArenaSize];
};

}  // namespace weft::detail
