// SystemEvents: Twisted's _ThreePhaseEvent per event type ("startup", "shutdown", or any
// user name). Triggers run once, in phase order before -> during -> after; 'during' waits
// for every Deferred a 'before' trigger returned, including one fired by a later 'before'
// trigger. A trigger that throws is logged and the others still run.
//
// Thread affinity: the reactor thread only.
#pragma once

#include "weft/internet/interfaces.h"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

class SystemEvents {
 public:
  using Trigger = Function<std::optional<Deferred<void>>()>;

  // Throws error::KeyError for a phase other than "before", "during", "after".
  TriggerId add(std::string_view phase, std::string_view eventType, Trigger trigger);
  // Throws error::TypeError for a null id, error::KeyError for a bad phase or an event type
  // never seen, error::ValueError for an id that is not pending. Removing a 'before' trigger
  // that already ran while its event waits only logs a deprecation warning.
  void remove(const TriggerId& id);
  void fire(std::string_view eventType);

 private:
  enum class Phase : std::uint8_t { kBefore, kDuring, kAfter };
  // BASE: idle or after the before phase; BEFORE: running or waiting on the before phase.
  enum class State : std::uint8_t { kBase, kBefore };
  struct Entry {
    std::uint64_t id;
    Trigger fn;
  };
  struct Event {
    std::deque<Entry> phases[3];
    std::vector<std::uint64_t> finishedBefore;
    State state = State::kBase;
    int waiting = 0;  // unfired 'before' Deferreds, plus one while the before phase runs
  };

  static Phase parsePhase(std::string_view phase);
  static void fireEvent(const std::shared_ptr<Event>& event);
  static void beforeDone(Event& event);
  static void continueFiring(Event& event);

  std::map<std::string, std::shared_ptr<Event>, std::less<>> events_;
  std::uint64_t nextId_ = 1;
};

}  // namespace weft
