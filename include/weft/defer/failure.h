// weft::Failure: an asynchronous error (twisted.python.failure.Failure).
//
// An 8-byte handle to a refcounted box that holds the exception object itself. A Failure
// made from an exception value needs no throw; one made inside a catch block keeps the
// exception_ptr together with the std::exception& already caught. check<E>() and trap<E>()
// are a dynamic_cast on the cached pointer, never a rethrow. The refcount is not atomic:
// a Failure belongs to one thread (hand it to another only through callFromThread).
#pragma once

#include <concepts>
#include <cstdint>
#include <exception>
#include <iosfwd>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>

namespace weft {

namespace detail {

// The shared box. `value` points at the exception object (nullptr when a non-std exception
// was caught); `eptr` holds the thrown object for boxes made from a caught exception, and is
// made lazily for boxes made from a value (exceptionPtr(), raiseException()).
struct FailureBox {
  std::uint32_t refs = 1;
  const std::exception* value = nullptr;
  std::exception_ptr eptr;
  std::source_location where;
  void (*destroy)(FailureBox*) noexcept = nullptr;
  std::exception_ptr (*makePtr)(const FailureBox*) = nullptr;  // typed boxes only
};

template <class E>
struct TypedFailureBox final : FailureBox {
  template <class A>
  explicit TypedFailureBox(A&& e) : object(std::forward<A>(e)) {}
  E object;
};

}  // namespace detail

class Failure {
 public:
  // Wraps an exception value without throwing it. Allocates once.
  template <class E>
  requires std::derived_from<std::decay_t<E>, std::exception>
  explicit Failure(E&& e, std::source_location where = std::source_location::current()) {
    using Box = detail::TypedFailureBox<std::decay_t<E>>;
    auto* box = new Box(std::forward<E>(e));
    box->value = &box->object;
    box->where = where;
    box->destroy = [](detail::FailureBox* b) noexcept { delete static_cast<Box*>(b); };
    box->makePtr = [](const detail::FailureBox* b) {
      return std::make_exception_ptr(static_cast<const Box*>(b)->object);
    };
    box_ = box;
  }

  // Wraps a captured exception. A null pointer raises error::TypeError. If p is the
  // exception that raiseException() threw, the original Failure's box is reused (FAIL-03).
  explicit Failure(std::exception_ptr p,
                   std::source_location where = std::source_location::current());

  // The exception currently being handled (call inside a catch block). Raises
  // error::NoCurrentExceptionError when there is none. Costs one rethrow (about 1.5 us).
  static Failure current(std::source_location where = std::source_location::current());

  Failure(const Failure& other) noexcept : box_(other.box_) {
    if (box_ != nullptr) ++box_->refs;
  }
  Failure(Failure&& other) noexcept : box_(other.box_) { other.box_ = nullptr; }
  Failure& operator=(const Failure& other) noexcept {
    Failure copy(other);
    std::swap(box_, copy.box_);
    return *this;
  }
  Failure& operator=(Failure&& other) noexcept {
    std::swap(box_, other.box_);
    return *this;
  }
  ~Failure() { release(); }

  // True when the wrapped exception is one of E... (or derives from one). A moved-from
  // Failure matches nothing.
  template <class... E>
  bool check() const noexcept {
    const std::exception* v = value();
    return v != nullptr && ((dynamic_cast<const E*>(v) != nullptr) || ...);
  }

  // Returns the exception if it is one of E...; otherwise rethrows the original exception.
  template <class... E>
  const std::exception& trap() const {
    if (!check<E...>()) raiseException();
    return *value();
  }

  // Throws the original exception object (not a copy, for a Failure made in a catch block).
  // A Failure::current() made while handling it gets this Failure's box back (FAIL-03).
  [[noreturn]] void raiseException() const;

  const std::exception* value() const noexcept { return box_ != nullptr ? box_->value : nullptr; }
  // The dynamic type of the exception (typeid(void) when it is not a std::exception).
  const std::type_info& type() const noexcept;
  // Demangled type name, e.g. "weft::error::ConnectionLost". Never throws.
  std::string typeName() const;
  // what() of the exception. Never throws.
  std::string getErrorMessage() const;
  // Type, message and where the Failure was created. Never throws. The same as
  // getTraceback("default").
  std::string getTraceback() const;
  // Twisted's getTraceback(detail=...): "default" (as above), "brief" (one header line
  // "Traceback: Type: message", then file:line:function) or "verbose" (framed by
  // "*--- Failure at 0x... ---" and "*--- End of Failure at 0x... ---"). An unknown detail
  // raises error::ValueError; nothing else raises (FAIL-05).
  std::string getTraceback(std::string_view detail) const;
  // Writes getTraceback(detail) to `file`; without one, logs it as an error (Twisted's
  // log.logerr). Only an unknown detail raises (error::ValueError), never the stream.
  void printTraceback(std::ostream& file, std::string_view detail = "default") const;
  void printTraceback(std::string_view detail = "default") const;
  void printBriefTraceback(std::ostream& file) const { printTraceback(file, "brief"); }
  void printDetailedTraceback(std::ostream& file) const { printTraceback(file, "verbose"); }
  // Twisted's repr(Failure): "<weft::Failure weft::error::ValueError: bad value>", the
  // type and the message of the exception (FAIL-06). Never throws.
  std::string repr() const;
  std::exception_ptr exceptionPtr() const;
  std::source_location where() const noexcept;

  // True when both handles share one box (the same exception object).
  bool sameAs(const Failure& other) const noexcept { return box_ == other.box_; }

 private:
  explicit Failure(detail::FailureBox* box) noexcept : box_(box) {}
  void release() noexcept {
    if (box_ != nullptr && --box_->refs == 0) box_->destroy(box_);
    box_ = nullptr;
  }

  detail::FailureBox* box_;
};

}  // namespace weft
