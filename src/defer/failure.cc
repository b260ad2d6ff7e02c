#include "weft/defer/failure.h"

#include "weft/base/error.h"
#include "weft/base/type_name.h"

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace weft {
namespace {

// The box whose exception raiseException() threw last on this thread, so that a Failure
// built while handling that exception finds the original box (Twisted's _findFailure).
// Holds a reference; replaced by the next raise, released at thread exit.
struct LastRaised {
  detail::FailureBox* box = nullptr;
  void set(detail::FailureBox* b) noexcept {
    ++b->refs;
    reset();
    box = b;
  }
  void reset() noexcept {
    if (box != nullptr && --box->refs == 0) box->destroy(box);
    box = nullptr;
  }
  ~LastRaised() { reset(); }
};

LastRaised& lastRaised() {
  thread_local LastRaised last;
  return last;
}

detail::FailureBox* boxFromPtr(std::exception_ptr p, std::source_location where) {
  auto* box = new detail::FailureBox();
  box->where = where;
  box->destroy = [](detail::FailureBox* b) noexcept { delete b; };
  try {
    std::rethrow_exception(p);
  } catch (const std::exception& e) {
    // Valid while box->eptr keeps the thrown object alive.
    box->value = &e;
  } catch (...) {
    box->value = nullptr;
  }
  box->eptr = std::move(p);
  return box;
}

}  // namespace

Failure::Failure(std::exception_ptr p, std::source_location where) : box_(nullptr) {
  if (!p) throw error::TypeError("Failure requires an exception, got a null exception_ptr");
  detail::FailureBox* last = lastRaised().box;
  if (last != nullptr && last->eptr == p) {
    box_ = last;
    ++box_->refs;
    return;
  }
  box_ = boxFromPtr(std::move(p), where);
}

Failure Failure::current(std::source_location where) {
  std::exception_ptr p = std::current_exception();
  if (!p) throw error::NoCurrentExceptionError();
  return Failure(std::move(p), where);
}

void Failure::raiseException() const {
  if (box_ == nullptr) throw std::logic_error("raiseException() on a moved-from Failure");
  std::exception_ptr p = exceptionPtr();
  lastRaised().set(box_);
  std::rethrow_exception(std::move(p));
}

std::exception_ptr Failure::exceptionPtr() const {
  if (box_ == nullptr) return nullptr;
  if (!box_->eptr && box_->makePtr != nullptr) box_->eptr = box_->makePtr(box_);
  return box_->eptr;
}

const std::type_info& Failure::type() const noexcept {
  const std::exception* v = value();
  return v != nullptr ? typeid(*v) : typeid(void);
}

std::string Failure::typeName() const {
  try {
    if (box_ == nullptr) return "<no exception>";
    if (box_->value == nullptr) return "<non-std exception>";
    return demangle(typeid(*box_->value));
  } catch (...) {
    return "<unknown>";
  }
}

std::string Failure::getErrorMessage() const {
  try {
    const std::exception* v = value();
    return v != nullptr ? std::string(v->what()) : std::string();
  } catch (...) {
    return "<what() raised>";
  }
}

std::source_location Failure::where() const noexcept {
  return box_ != nullptr ? box_->where : std::source_location();
}

std::string Failure::getTraceback() const {
  try {
    std::string out = "Traceback (failure created at ";
    std::source_location w = where();
    out += w.file_name();
    out += ':';
    out += std::to_string(w.line());
    out += " in ";
    out += w.function_name();
    out += "):\n";
    out += typeName();
    out += ": ";
    out += getErrorMessage();
    out += '\n';
    return out;
  } catch (...) {
    return "<traceback unavailable>\n";
  }
}

}  // namespace weft
