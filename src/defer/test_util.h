// Test helpers for the defer module: Twisted's successResultOf / failureResultOf /
// assertNoResult, and a tiny fake clock (callLater + advance) for addTimeout.
#pragma once

#include "weft/base/function.h"
#include "weft/base/time.h"
#include "weft/defer/defer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace weft::test {

template <class T>
std::shared_ptr<std::optional<Outcome<T>>> watch(Deferred<T> d) {
  auto r = std::make_shared<std::optional<Outcome<T>>>();
  (void)d.addBoth([r](Outcome<T> o) { r->emplace(std::move(o)); });
  return r;
}

// The value d has fired with (consumes it, like Twisted's successResultOf).
template <class T>
T successResultOf(Deferred<T> d) {
  auto r = watch(std::move(d));
  if (!r->has_value()) throw std::runtime_error("Deferred has no result");
  if (!(*r)->ok()) throw std::runtime_error("Deferred failed: " + (*r)->failure().getTraceback());
  if constexpr (!std::is_void_v<T>) return std::move(**r).value();
}

template <class T>
Failure failureResultOf(Deferred<T> d) {
  auto r = watch(std::move(d));
  if (!r->has_value()) throw std::runtime_error("Deferred has no result");
  if ((*r)->ok()) throw std::runtime_error("Deferred succeeded");
  return (*r)->failure();
}

// A fake IReactorTime: calls run when advance() passes their time.
class FakeClock {
 public:
  struct Call {
    double when;
    Function<void()> fn;
    bool called = false;
    bool cancelled = false;
    bool active() const { return !called && !cancelled; }
    void cancel() {
      if (!active()) throw std::logic_error("cancel() of an inactive call");
      cancelled = true;
      fn = nullptr;
    }
  };
  template <class F>
  std::shared_ptr<Call> callLater(Seconds delay, F f) {
    auto c = std::make_shared<Call>(Call{now_ + delay.count(), Function<void()>(std::move(f))});
    calls_.push_back(c);
    return c;
  }
  void advance(double seconds) {
    now_ += seconds;
    std::vector<std::shared_ptr<Call>> due;
    for (auto& c : calls_) {
      if (c->active() && c->when <= now_) due.push_back(c);
    }
    std::erase_if(calls_, [this](auto& c) { return !c->active() || c->when <= now_; });
    for (auto& c : due) {
      c->called = true;
      auto fn = std::move(c->fn);
      fn();
    }
  }
  std::size_t pending() const {
    return static_cast<std::size_t>(
        std::count_if(calls_.begin(), calls_.end(), [](auto& c) { return c->active(); }));
  }

 private:
  double now_ = 0;
  std::vector<std::shared_ptr<Call>> calls_;
};

}  // namespace weft::test
