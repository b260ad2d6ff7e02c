#include "weft/defer/failure.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/base/type_name.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <ostream>
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
    if (v == nullptr) return std::string();
    const char* what = v->what();
    return what != nullptr ? std::string(what) : std::string("<what() returned null>");
  } catch (...) {
    return "<what() raised>";
  }
}

std::string Failure::repr() const {
  try {
    return "<weft::Failure " + typeName() + ": " + getErrorMessage() + ">";
  } catch (...) {
    return std::string();
  }
}

std::source_location Failure::where() const noexcept {
  return box_ != nullptr ? box_->where : std::source_location();
}

namespace {

enum class Detail { kDefault, kBrief, kVerbose };

Detail parseDetail(std::string_view detail) {
  if (detail == "default") return Detail::kDefault;
  if (detail == "brief") return Detail::kBrief;
  if (detail == "verbose") return Detail::kVerbose;
  // Twisted's format_frames wording.
  throw error::ValueError("Detail must be default, brief, or verbose. (not '" +
                          std::string(detail) + "')");
}

std::string hexAddress(const void* p) {
  char buf[2 + 2 * sizeof(std::uintptr_t)] = {'0', 'x'};
  auto r = std::to_chars(buf + 2, buf + sizeof(buf), reinterpret_cast<std::uintptr_t>(p), 16);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string Failure::getTraceback() const { return getTraceback("default"); }

std::string Failure::getTraceback(std::string_view detail) const {
  const Detail level = parseDetail(detail);  // the one error that escapes
  try {
    const std::source_location w = where();
    const std::string line = std::to_string(w.line());
    const std::string summary = typeName() + ": " + getErrorMessage() + "\n";
    switch (level) {
      case Detail::kBrief:
        return "Traceback: " + summary + w.file_name() + ":" + line + ":" + w.function_name() +
               "\n";
      case Detail::kVerbose: {
        const std::string id = hexAddress(box_);
        return "*--- Failure at " + id + " ---\n" + w.file_name() + ":" + line + ": " +
               w.function_name() + " (failure created here)\n" + summary +
               "*--- End of Failure at " + id + " ---\n";
      }
      case Detail::kDefault:
        break;
    }
    return std::string("Traceback (failure created at ") + w.file_name() + ":" + line + " in " +
           w.function_name() + "):\n" + summary;
  } catch (...) {
    return "<traceback unavailable>\n";
  }
}

void Failure::printTraceback(std::ostream& file, std::string_view detail) const {
  std::string text = getTraceback(detail);
  try {
    file << text;
  } catch (...) {  // a stream with exceptions() set: printing must not raise (FAIL-05)
  }
}

void Failure::printTraceback(std::string_view detail) const {
  std::string text = getTraceback(detail);
  try {
    log::error(std::move(text));
  } catch (...) {  // likewise for the log
  }
}

}  // namespace weft
