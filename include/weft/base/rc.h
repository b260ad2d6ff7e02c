// weft::Rc<T>: an intrusive, NON-atomic reference-counted pointer for hot internal objects
// (DelayedCalls, ...). T provides incRef() and decRef(); decRef() destroys T at zero.
// Objects held by Rc never cross threads (callFromThread is the one cross-thread door).
#pragma once

#include <cstddef>
#include <utility>

namespace weft {

template <class T>
class Rc {
 public:
  Rc() noexcept = default;
  Rc(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  // Adopts a new reference to p (increments).
  explicit Rc(T* p) noexcept : p_(p) {
    if (p_) p_->incRef();
  }
  Rc(const Rc& o) noexcept : Rc(o.p_) {}
  Rc(Rc&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <class U>
  Rc(const Rc<U>& o) noexcept : Rc(o.get()) {}  // NOLINT(google-explicit-constructor)
  Rc& operator=(Rc o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Rc() {
    if (p_) p_->decRef();
  }

  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  friend bool operator==(const Rc& a, const Rc& b) noexcept { return a.p_ == b.p_; }
  friend bool operator==(const Rc& a, std::nullptr_t) noexcept { return a.p_ == nullptr; }

 private:
  T* p_ = nullptr;
};

template <class T, class... A>
Rc<T> makeRc(A&&... args) {
  return Rc<T>(new T(std::forward<A>(args)...));
}

}  // namespace weft
