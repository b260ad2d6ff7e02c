// weft::Outcome<T>: a value or a Failure, the argument of Deferred::addBoth and the element
// of a DeferredList result. Outcome<void> carries only success or a Failure.
#pragma once

#include "weft/defer/failure.h"

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace weft {

template <class T>
class Outcome {
 public:
  template <class... A>
  static Outcome success(A&&... a) {
    return Outcome(std::in_place_index<0>, std::forward<A>(a)...);
  }
  Outcome(Failure f) : v_(std::in_place_index<1>, std::move(f)) {}  // NOLINT: implicit by design
  template <class U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Failure> &&
           !std::is_same_v<std::decay_t<U>, Outcome>)
      Outcome(U&& value)  // NOLINT(google-explicit-constructor)
      : v_(std::in_place_index<0>, std::forward<U>(value)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // The value; raises the failure's exception when !ok().
  T& value() & {
    if (!ok()) failure().raiseException();
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!ok()) failure().raiseException();
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) failure().raiseException();
    return std::get<0>(std::move(v_));
  }
  // The failure. Precondition: !ok() (std::bad_variant_access otherwise).
  const Failure& failure() const& { return std::get<1>(v_); }
  Failure&& failure() && { return std::get<1>(std::move(v_)); }

 private:
  template <std::size_t I, class... A>
  explicit Outcome(std::in_place_index_t<I> i, A&&... a) : v_(i, std::forward<A>(a)...) {}
  std::variant<T, Failure> v_;
};

template <>
class Outcome<void> {
 public:
  Outcome() = default;
  static Outcome success() { return Outcome(); }
  Outcome(Failure f) : f_(std::move(f)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return !f_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  void value() const {
    if (!ok()) f_->raiseException();
  }
  const Failure& failure() const& { return f_.value(); }
  Failure&& failure() && { return std::move(f_).value(); }

 private:
  std::optional<Failure> f_;
};

template <class X>
inline constexpr bool kIsOutcome = false;
template <class T>
inline constexpr bool kIsOutcome<Outcome<T>> = true;

}  // namespace weft
