// weft::Function<R(A...)>: a move-only callable with 48 bytes of inline storage.
//
// Used wherever a callable must be stored behind one stable type (callFromThread queue,
// system event triggers, thread-pool jobs). Unlike std::function it accepts move-only
// callables and keeps a lambda that captures a shared_ptr and a few words inline.
// Not thread-safe; a Function may be moved across threads while no one else uses it.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace weft {

template <class Sig>
class Function;

template <class R, class... A>
class Function<R(A...)> {
 public:
  static constexpr std::size_t kInlineSize = 48;

  Function() noexcept = default;
  Function(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)

  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, Function> &&
           std::is_invocable_r_v<R, std::decay_t<F>&, A...>)
      Function(F&& f) {  // NOLINT(google-explicit-constructor)
    using Fn = std::decay_t<F>;
    if constexpr (fitsInline<Fn>()) {
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
      ops_ = &inlineOps<Fn>;
    } else {
      *reinterpret_cast<Fn**>(storage_) = new Fn(std::forward<F>(f));
      ops_ = &heapOps<Fn>;
    }
  }

  Function(Function&& other) noexcept { moveFrom(other); }
  Function& operator=(Function&& other) noexcept {
    if (this != &other) {
      reset();
      moveFrom(other);
    }
    return *this;
  }
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;
  ~Function() { reset(); }

  R operator()(A... args) { return ops_->invoke(storage_, std::forward<A>(args)...); }
  explicit operator bool() const noexcept { return ops_ != nullptr; }

  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }

 private:
  struct Ops {
    R (*invoke)(void*, A&&...);
    void (*move)(void* dst, void* src) noexcept;  // move-constructs dst, destroys src
    void (*destroy)(void*) noexcept;
  };

  // Calls fn; when R is void, a callable's own result is discarded.
  template <class Fn>
  static R call(Fn& fn, A&&... a) {
    if constexpr (std::is_void_v<R>) {
      static_cast<void>(fn(std::forward<A>(a)...));
    } else {
      return fn(std::forward<A>(a)...);
    }
  }

  template <class Fn>
  static constexpr bool fitsInline() {
    return sizeof(Fn) <= kInlineSize && alignof(Fn) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<Fn>;
  }

  template <class Fn>
  static constexpr Ops inlineOps = {
      [](void* s, A&&... a) -> R { return call(*static_cast<Fn*>(s), std::forward<A>(a)...); },
      [](void* d, void* s) noexcept {
        ::new (d) Fn(std::move(*static_cast<Fn*>(s)));
        static_cast<Fn*>(s)->~Fn();
      },
      [](void* s) noexcept { static_cast<Fn*>(s)->~Fn(); }};

  template <class Fn>
  static constexpr Ops heapOps = {
      [](void* s, A&&... a) -> R { return call(**static_cast<Fn**>(s), std::forward<A>(a)...); },
      [](void* d, void* s) noexcept { *static_cast<Fn**>(d) = *static_cast<Fn**>(s); },
      [](void* s) noexcept { delete *static_cast<Fn**>(s); }};

  void moveFrom(Function& other) noexcept {
    if (other.ops_ != nullptr) {
      other.ops_->move(storage_, other.storage_);
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }

  alignas(std::max_align_t) unsigned char storage_[kInlineSize];
  const Ops* ops_ = nullptr;
};

}  // namespace weft
