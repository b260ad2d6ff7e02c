// weft::log: a minimal observer-based logger (twisted.logger in miniature).
//
// Events carry a level, a text and a "system" (the logPrefix of whatever was running).
// One process-wide publisher fans events out to observers; a default observer prints
// "[system] LEVEL: text" to stderr. Tests use log::Capture to collect events and assert
// that an error was logged exactly once. All functions here are thread-safe; observers
// are called on the thread that emits.
#pragma once

#include "weft/base/function.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace weft::log {

enum class Level { kDebug, kInfo, kWarn, kError, kCritical };

std::string_view levelName(Level level);

struct Event {
  Level level;
  std::string text;
  std::string system;
};

using Observer = Function<void(const Event&)>;
using ObserverId = std::uint64_t;

// Adds an observer; it receives every event emitted afterwards until removed.
ObserverId addObserver(Observer observer);
void removeObserver(ObserverId id);

// Turns the default stderr observer off or on (on at start). Returns the previous state.
bool setStderrEnabled(bool enabled);
// Events below this level are dropped before reaching any observer (default kInfo).
void setMinimumLevel(Level level);

// system "-" (the default) means "whatever is running": the current SystemScope of this
// thread when there is one, else "-".
void emit(Level level, std::string text, std::string_view system = "-");
inline void debug(std::string text, std::string_view system = "-") {
  emit(Level::kDebug, std::move(text), system);
}
inline void info(std::string text, std::string_view system = "-") {
  emit(Level::kInfo, std::move(text), system);
}
inline void warn(std::string text, std::string_view system = "-") {
  emit(Level::kWarn, std::move(text), system);
}
inline void error(std::string text, std::string_view system = "-") {
  emit(Level::kError, std::move(text), system);
}

// The log "system" of this thread for events emitted with the default system "-" while the
// scope is alive (Twisted's callWithLogger/callWithContext): a transport opens one around
// each protocol callback, with its logPrefix(). Scopes nest; the innermost wins. The name
// may be given lazily, as describe(object), computed only when an event needs it, so an
// idle scope costs two thread-local stores. Thread-confined: a scope belongs to the thread
// that made it and must be destroyed there, innermost first (it lives on the stack).
class SystemScope {
 public:
  using Describe = std::string (*)(const void* object);
  // system must outlive the scope.
  explicit SystemScope(std::string_view system) noexcept;
  SystemScope(const void* object, Describe describe) noexcept;
  ~SystemScope();
  SystemScope(const SystemScope&) = delete;
  SystemScope& operator=(const SystemScope&) = delete;

 private:
  friend std::string currentSystem();
  std::string name() const;

  std::string_view system_;
  const void* object_ = nullptr;
  Describe describe_ = nullptr;
  SystemScope* previous_;
};

// The system the innermost SystemScope of this thread names, or "-" without one.
std::string currentSystem();

// RAII capture of log events for tests: while alive it records every event and silences
// the stderr observer. flushErrors() returns and forgets the error-level events, the way
// trial's flushLoggedErrors does.
class Capture {
 public:
  Capture();
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  std::vector<Event> events() const;
  std::vector<Event> errors() const;
  std::vector<Event> flushErrors();
  // Number of captured events whose text contains needle.
  std::size_t count(std::string_view needle) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Event> events_;
  ObserverId id_;
  bool previousStderr_;
};

}  // namespace weft::log
