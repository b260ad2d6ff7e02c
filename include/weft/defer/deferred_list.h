// DeferredList and gatherResults: wait for many Deferreds (twisted.internet.defer).
//
// DeferredList(ds, options) fires once every input has fired with one (success, Outcome)
// pair per input, in input order. With fireOnOneCallback it fires at the first success
// (results then holds that one pair and `index` says which input it was: Twisted's
// (result, index)); with fireOnOneErrback it errbacks FirstError(subFailure, index) at the
// first failure. Cancelling the list cancels every input that has not fired (DEF-26).
//
// Each input's chain gets one addBoth: the value moves into the list, so the input's own
// chain continues as Deferred<void> (Twisted's None); a failure is passed on down the
// input's chain unless consumeErrors is set, in which case it is absorbed.
#pragma once

#include "weft/base/error.h"
#include "weft/defer/deferred.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft {
namespace error {

// The first failure of a DeferredList(fireOnOneErrback) or gatherResults.
class FirstError : public Error {
 public:
  FirstError(Failure subFailure, std::size_t index);
  const Failure& subFailure() const noexcept { return subFailure_; }
  std::size_t index() const noexcept { return index_; }

 private:
  Failure subFailure_;
  std::size_t index_;
};

}  // namespace error

using error::FirstError;

struct DeferredListOptions {
  bool fireOnOneCallback = false;
  bool fireOnOneErrback = false;
  bool consumeErrors = false;
};

template <class T>
struct DeferredListResult {
  using Item = std::pair<bool, Outcome<T>>;
  std::vector<Item> results;  // (success, outcome) per input; one pair after fireOnOneCallback
  std::size_t index = 0;      // fireOnOneCallback: the input that succeeded first

  std::size_t size() const noexcept { return results.size(); }
  Item& operator[](std::size_t i) { return results[i]; }
  const Item& operator[](std::size_t i) const { return results[i]; }
  auto begin() { return results.begin(); }
  auto end() { return results.end(); }
  auto begin() const { return results.begin(); }
  auto end() const { return results.end(); }
};

namespace detail {

// Logs an exception that escaped an input's cancel() (DEF-26 keeps cancelling the others).
void logCancelFailure();

template <class T>
struct DeferredListState {
  Deferred<DeferredListResult<T>> result;
  std::vector<std::optional<std::pair<bool, Outcome<T>>>> slots;
  std::vector<Core*> inputs;  // not owned; nulled when the watcher on that input goes
  std::size_t finished = 0;
  DeferredListOptions options;
};

template <class T>
class DeferredListWatcher {
 public:
  DeferredListWatcher(std::shared_ptr<DeferredListState<T>> s, std::size_t i) noexcept
      : state_(std::move(s)), index_(i) {}
  DeferredListWatcher(DeferredListWatcher&&) noexcept = default;
  DeferredListWatcher(const DeferredListWatcher&) = delete;
  DeferredListWatcher& operator=(const DeferredListWatcher&) = delete;
  DeferredListWatcher& operator=(DeferredListWatcher&&) = delete;
  ~DeferredListWatcher() {
    if (state_) state_->inputs[index_] = nullptr;
  }

  Outcome<void> operator()(Outcome<T> r) {
    DeferredListState<T>& s = *state_;
    const bool ok = r.ok();
    std::optional<Failure> failure;
    if (!ok) failure = r.failure();
    s.slots[index_].emplace(ok, std::move(r));
    ++s.finished;
    if (!s.result.called()) {
      if (ok && s.options.fireOnOneCallback) {
        DeferredListResult<T> out;
        out.index = index_;
        out.results.push_back(std::move(*s.slots[index_]));
        s.result.callback(std::move(out));
      } else if (!ok && s.options.fireOnOneErrback) {
        s.result.errback(Failure(error::FirstError(*failure, index_)));
      } else if (s.finished == s.slots.size()) {
        DeferredListResult<T> out;
        out.results.reserve(s.slots.size());
        for (auto& slot : s.slots) out.results.push_back(std::move(*slot));
        s.result.callback(std::move(out));
      }
    }
    if (failure && !s.options.consumeErrors) return Outcome<void>(std::move(*failure));
    return Outcome<void>();
  }

 private:
  std::shared_ptr<DeferredListState<T>> state_;
  std::size_t index_;
};

}  // namespace detail

template <class T>
Deferred<DeferredListResult<T>> DeferredList(std::vector<Deferred<T>> deferreds,
                                             DeferredListOptions options = {}) {
  using State = detail::DeferredListState<T>;
  auto state = std::make_shared<State>();
  std::weak_ptr<State> weak = state;
  Deferred<DeferredListResult<T>> result([weak](Deferred<DeferredListResult<T>>&) {
    auto s = weak.lock();
    if (!s) return;
    for (std::size_t i = 0; i < s->inputs.size(); ++i) {
      detail::Core* c = s->inputs[i];
      if (c == nullptr || c->called()) continue;
      c->addRef();
      try {
        c->cancel();
      } catch (...) {
        detail::logCancelFailure();
      }
      c->release();
    }
  });
  state->result = result;
  state->options = options;
  state->slots.resize(deferreds.size());
  state->inputs.resize(deferreds.size(), nullptr);
  if (deferreds.empty()) {
    result.callback(DeferredListResult<T>{});
    return result;
  }
  for (std::size_t i = 0; i < deferreds.size(); ++i) {
    state->inputs[i] = &detail::DeferredAccess::core(deferreds[i]);
  }
  for (std::size_t i = 0; i < deferreds.size(); ++i) {
    (void)deferreds[i].addBoth(detail::DeferredListWatcher<T>(state, i));
  }
  return result;
}

// The inputs' values in order, or FirstError at the first failure. Deferred<void> inputs
// give a Deferred<void>. Cancelling it cancels the unfired inputs.
template <class T>
auto gatherResults(std::vector<Deferred<T>> deferreds, bool consumeErrors = false) {
  auto d = DeferredList(std::move(deferreds),
                        {.fireOnOneErrback = true, .consumeErrors = consumeErrors});
  if constexpr (std::is_void_v<T>) {
    return d.addCallback([](DeferredListResult<void>) {});
  } else {
    return d.addCallback([](DeferredListResult<T> r) {
      std::vector<T> out;
      out.reserve(r.size());
      for (auto& item : r.results) out.push_back(std::move(item.second).value());
      return out;
    });
  }
}

}  // namespace weft
