#include "reactor/system_events.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <algorithm>

namespace weft {
namespace {

constexpr std::string_view kPhaseNames[] = {"before", "during", "after"};

void runLogged(SystemEvents::Trigger& fn, std::optional<Deferred<void>>* result) {
  try {
    auto r = fn();
    if (result != nullptr) *result = std::move(r);
  } catch (...) {
    log::error("Unhandled error in a system event trigger:\n" + Failure::current().getTraceback());
  }
}

}  // namespace

SystemEvents::Phase SystemEvents::parsePhase(std::string_view phase) {
  for (std::size_t i = 0; i < 3; ++i) {
    if (phase == kPhaseNames[i]) return static_cast<Phase>(i);
  }
  throw error::KeyError("invalid phase '" + std::string(phase) + "'");
}

TriggerId SystemEvents::add(std::string_view phase, std::string_view eventType, Trigger trigger) {
  Phase p = parsePhase(phase);
  auto it = events_.find(eventType);
  if (it == events_.end()) {
    it = events_.emplace(std::string(eventType), std::make_shared<Event>()).first;
  }
  std::uint64_t id = nextId_++;
  it->second->phases[static_cast<int>(p)].push_back({id, std::move(trigger)});
  return TriggerId{std::string(phase), std::string(eventType), id};
}

void SystemEvents::remove(const TriggerId& id) {
  if (id.id == 0) throw error::TypeError("removeSystemEventTrigger: the trigger id is None");
  Phase p = parsePhase(id.phase);
  auto it = events_.find(id.eventType);
  if (it == events_.end()) throw error::KeyError("no such event type '" + id.eventType + "'");
  Event& event = *it->second;
  if (event.state == State::kBefore && p == Phase::kBefore &&
      std::find(event.finishedBefore.begin(), event.finishedBefore.end(), id.id) !=
          event.finishedBefore.end()) {
    log::warn(
        "DeprecationWarning: Removing already-fired system event triggers will raise an "
        "exception in a future version of Twisted.");
    return;
  }
  auto& list = event.phases[static_cast<int>(p)];
  auto pos = std::find_if(list.begin(), list.end(), [&](const Entry& e) { return e.id == id.id; });
  if (pos == list.end()) throw error::ValueError("removeSystemEventTrigger: no such trigger");
  list.erase(pos);
}

void SystemEvents::fire(std::string_view eventType) {
  auto it = events_.find(eventType);
  if (it == events_.end()) return;
  fireEvent(it->second);
}

void SystemEvents::fireEvent(const std::shared_ptr<Event>& event) {
  if (event->state == State::kBefore) return;  // already waiting on its 'before' phase
  event->state = State::kBefore;
  event->finishedBefore.clear();
  event->waiting = 1;  // held until every 'before' trigger has run
  std::weak_ptr<Event> weak = event;
  auto& before = event->phases[static_cast<int>(Phase::kBefore)];
  while (!before.empty()) {
    Entry entry = std::move(before.front());
    before.pop_front();
    event->finishedBefore.push_back(entry.id);
    std::optional<Deferred<void>> result;
    runLogged(entry.fn, &result);
    if (result && !result->called()) {
      ++event->waiting;
      // The chain keeps its result: a failure stays unhandled and is logged, as with
      // Twisted's DeferredList(consumeErrors=False).
      static_cast<void>(result->addBoth([weak] {
        if (auto e = weak.lock()) beforeDone(*e);
      }));
    }
  }
  beforeDone(*event);
}

void SystemEvents::beforeDone(Event& event) {
  if (--event.waiting == 0) continueFiring(event);
}

void SystemEvents::continueFiring(Event& event) {
  event.state = State::kBase;
  event.finishedBefore.clear();
  for (Phase p : {Phase::kDuring, Phase::kAfter}) {
    auto& list = event.phases[static_cast<int>(p)];
    while (!list.empty()) {
      Entry entry = std::move(list.front());
      list.pop_front();
      runLogged(entry.fn, nullptr);
    }
  }
}

}  // namespace weft
