#include "weft/base/log.h"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace weft::log {
namespace {

struct Entry {
  ObserverId id;
  std::shared_ptr<Observer> observer;
};

struct Publisher {
  std::mutex mutex;
  std::vector<Entry> observers;
  ObserverId nextId = 1;
  bool stderrEnabled = true;
  Level minimum = Level::kInfo;
};

thread_local SystemScope* currentScope = nullptr;

Publisher& publisher() {
  // Function-local static: the one process-wide sink, so that a Deferred destroyed with an
  // unhandled Failure can report it without holding a reactor reference.
  static Publisher* p = new Publisher();  // never destroyed: usable during static teardown
  return *p;
}

}  // namespace

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kCritical:
      return "critical";
  }
  return "?";
}

ObserverId addObserver(Observer observer) {
  auto& p = publisher();
  std::lock_guard lock(p.mutex);
  ObserverId id = p.nextId++;
  p.observers.push_back({id, std::make_shared<Observer>(std::move(observer))});
  return id;
}

void removeObserver(ObserverId id) {
  auto& p = publisher();
  std::lock_guard lock(p.mutex);
  std::erase_if(p.observers, [id](const Entry& e) { return e.id == id; });
}

bool setStderrEnabled(bool enabled) {
  auto& p = publisher();
  std::lock_guard lock(p.mutex);
  return std::exchange(p.stderrEnabled, enabled);
}

void setMinimumLevel(Level level) {
  auto& p = publisher();
  std::lock_guard lock(p.mutex);
  p.minimum = level;
}

void emit(Level level, std::string text, std::string_view system) {
  auto& p = publisher();
  std::vector<std::shared_ptr<Observer>> targets;
  bool toStderr;
  {
    std::lock_guard lock(p.mutex);
    if (level < p.minimum) return;
    toStderr = p.stderrEnabled;
    targets.reserve(p.observers.size());
    for (auto& e : p.observers) targets.push_back(e.observer);
  }
  Event event{level, std::move(text), system == "-" ? currentSystem() : std::string(system)};
  if (toStderr) {
    std::fprintf(stderr, "[%s] %s: %s\n", event.system.c_str(), levelName(level).data(),
                 event.text.c_str());
  }
  // Observers run outside the lock, so one may log or remove itself.
  for (auto& o : targets) (*o)(event);
}

SystemScope::SystemScope(std::string_view system) noexcept
    : system_(system), previous_(currentScope) {
  currentScope = this;
}

SystemScope::SystemScope(const void* object, Describe describe) noexcept
    : object_(object), describe_(describe), previous_(currentScope) {
  currentScope = this;
}

SystemScope::~SystemScope() { currentScope = previous_; }

std::string SystemScope::name() const {
  if (describe_ == nullptr) return std::string(system_);
  try {
    return describe_(object_);
  } catch (...) {
    return "-";  // a logPrefix() that throws must not take the log event down with it
  }
}

std::string currentSystem() {
  if (currentScope == nullptr) return "-";
  return currentScope->name();
}

Capture::Capture() : previousStderr_(setStderrEnabled(false)) {
  id_ = addObserver([this](const Event& e) {
    std::lock_guard lock(mutex_);
    events_.push_back(e);
  });
}

Capture::~Capture() {
  removeObserver(id_);
  setStderrEnabled(previousStderr_);
}

std::vector<Event> Capture::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<Event> Capture::errors() const {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  for (auto& e : events_)
    if (e.level >= Level::kError) out.push_back(e);
  return out;
}

std::vector<Event> Capture::flushErrors() {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  std::vector<Event> keep;
  for (auto& e : events_) (e.level >= Level::kError ? out : keep).push_back(e);
  events_ = std::move(keep);
  return out;
}

std::size_t Capture::count(std::string_view needle) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(events_.begin(), events_.end(),
                    [&](const Event& e) { return e.text.find(needle) != std::string::npos; }));
}

}  // namespace weft::log
