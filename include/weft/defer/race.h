// race: the first of many Deferreds to succeed (twisted.internet.defer.race, DEF-28).
//
// race(ds) fires with (index, result) of the first input to succeed and then cancels every
// other input; later results are dropped. If every input fails it errbacks FailureGroup
// with all the failures in input order. Cancelling the race cancels every input (they then
// fail, so the race errbacks FailureGroup unless a canceller produced a success). An empty
// race never fires, as in Twisted.
//
// Each input's chain gets one addBoth that consumes its result: the input continues as
// Deferred<void> (Twisted's None) and its failures are not logged as unhandled.
// Deferred<void> inputs give a Deferred<std::size_t>: just the winner's index.
#pragma once

#include "weft/base/error.h"
#include "weft/defer/deferred.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>
#include <vector>

namespace weft {
namespace error {

// Every input of a race() failed: their Failures, in input order.
class FailureGroup : public Error {
 public:
  explicit FailureGroup(std::vector<Failure> failures);
  const std::vector<Failure>& failures() const noexcept { return failures_; }

 private:
  std::vector<Failure> failures_;
};

}  // namespace error

using error::FailureGroup;

template <class T>
using RaceResult = std::conditional_t<std::is_void_v<T>, std::size_t, std::pair<std::size_t, T>>;

namespace detail {

// Cancels one race input, logging (not raising) what its canceller throws.
void cancelRaceInput(Core& c) noexcept;

template <class T>
struct RaceState {
  Deferred<RaceResult<T>> result;
  std::vector<Core*> inputs;  // not owned; nulled when the watcher on that input goes
  std::vector<std::optional<Failure>> failures;
  std::size_t failed = 0;
  bool won = false;

  void cancelAllBut(std::size_t keep) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (i != keep && inputs[i] != nullptr) cancelRaceInput(*inputs[i]);
    }
  }
};

template <class T>
class RaceWatcher {
 public:
  RaceWatcher(std::shared_ptr<RaceState<T>> s, std::size_t i) noexcept
      : state_(std::move(s)), index_(i) {}
  RaceWatcher(RaceWatcher&&) noexcept = default;
  RaceWatcher(const RaceWatcher&) = delete;
  RaceWatcher& operator=(const RaceWatcher&) = delete;
  RaceWatcher& operator=(RaceWatcher&&) = delete;
  ~RaceWatcher() {
    if (state_) state_->inputs[index_] = nullptr;
  }

  void operator()(Outcome<T> r) {
    std::shared_ptr<RaceState<T>> keep = state_;  // cancelling others must not free it
    RaceState<T>& s = *keep;
    // Once decided, the rest can change nothing: their results (the CancelledErrors of the
    // cancelled inputs, or a success from a canceller) are consumed and dropped.
    if (s.won) return;
    if (!r.ok()) {
      s.failures[index_].emplace(std::move(r).failure());
      if (++s.failed == s.failures.size()) {
        std::vector<Failure> all;
        all.reserve(s.failures.size());
        for (auto& f : s.failures) all.push_back(std::move(*f));
        s.result.errback(Failure(error::FailureGroup(std::move(all))));
      }
      return;
    }
    s.won = true;
    s.cancelAllBut(index_);
    if constexpr (std::is_void_v<T>) {
      s.result.callback(index_);
    } else {
      s.result.callback(RaceResult<T>(index_, std::move(r).value()));
    }
  }

 private:
  std::shared_ptr<RaceState<T>> state_;
  std::size_t index_;
};

}  // namespace detail

// `where` becomes the result's creation site while debugging is on.
template <class T>
Deferred<RaceResult<T>> race(std::vector<Deferred<T>> deferreds,
                             std::source_location where = std::source_location::current()) {
  using State = detail::RaceState<T>;
  auto state = std::make_shared<State>();
  std::weak_ptr<State> weak = state;
  Deferred<RaceResult<T>> result(
      [weak](Deferred<RaceResult<T>>&) {
        if (auto s = weak.lock()) s->cancelAllBut(s->inputs.size());
      },
      where);
  state->result = result;
  state->inputs.resize(deferreds.size(), nullptr);
  state->failures.resize(deferreds.size());
  for (std::size_t i = 0; i < deferreds.size(); ++i) {
    state->inputs[i] = &detail::DeferredAccess::core(deferreds[i]);
  }
  for (std::size_t i = 0; i < deferreds.size(); ++i) {
    (void)deferreds[i].addBoth(detail::RaceWatcher<T>(state, i));
  }
  return result;
}

}  // namespace weft
