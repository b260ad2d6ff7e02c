// Twisted's SynchronousTestCase.successResultOf / failureResultOf / assertNoResult: check a
// Deferred's present state without running a reactor. They pair with Clock, MemoryReactor
// and StringTransport. Each raises error::AssertionError when the Deferred is not in the
// state asked for (so they work with any test framework).
//
//   Deferred<int> d = fetch(clock);
//   testing::assertNoResult(d);
//   clock.advance(1);
//   EXPECT_EQ(testing::successResultOf(d), 42);
#pragma once

#include "weft/base/error.h"
#include "weft/defer/deferred.h"
#include "weft/defer/failure.h"
#include "weft/defer/outcome.h"

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace weft::testing {

namespace detail {

// Adds a callback that takes the current result out of d (the chain then holds None, as
// with Twisted's helpers); nullopt when d has no result yet.
template <class T>
std::optional<Outcome<T>> takeResult(Deferred<T>& d) {
  // Shared: when d has no result yet, the callback runs whenever it fires.
  auto result = std::make_shared<std::optional<Outcome<T>>>();
  static_cast<void>(d.addBoth([result](Outcome<T> o) { result->emplace(std::move(o)); }));
  return std::move(*result);
}

}  // namespace detail

// The value d has already fired with. Raises error::AssertionError when d has no result
// yet (unfired, paused, or waiting on another Deferred) or has failed (the failure is
// consumed and its traceback is in the message). Consumes the result.
template <class T>
T successResultOf(Deferred<T> d) {
  const std::string repr = d.repr();
  std::optional<Outcome<T>> result = detail::takeResult(d);
  if (!result)
    throw error::AssertionError("Success result expected on " + repr + ", found no result instead");
  if (!result->ok()) {
    throw error::AssertionError("Success result expected on " + repr +
                                ", found failure result instead:\n" +
                                result->failure().getTraceback());
  }
  if constexpr (!std::is_void_v<T>) return std::move(*result).value();
}

// The Failure d has already failed with, which must be one of E... when any are given.
// Raises error::AssertionError when d has no result yet, has succeeded, or failed with
// another type. Consumes the result (so the failure is not logged as unhandled).
template <class... E, class T>
Failure failureResultOf(Deferred<T> d) {
  const std::string repr = d.repr();
  std::optional<Outcome<T>> result = detail::takeResult(d);
  if (!result)
    throw error::AssertionError("Failure result expected on " + repr + ", found no result instead");
  if (result->ok()) {
    throw error::AssertionError("Failure result expected on " + repr +
                                ", found success result instead");
  }
  Failure failure = result->failure();
  if constexpr (sizeof...(E) > 0) {
    if (!failure.template check<E...>()) {
      throw error::AssertionError("Failure of another type expected on " + repr + ", found " +
                                  failure.repr() + " instead");
    }
  }
  return failure;
}

// Raises error::AssertionError when d has a result (a failure it had is consumed, so only
// the assertion reports it). Otherwise leaves d's chain as it was: the check adds a
// pass-through callback.
template <class T>
void assertNoResult(Deferred<T> d) {
  auto has = std::make_shared<bool>(false);  // the callback may run long after we return
  d = d.addBoth([has](Outcome<T> o) -> Outcome<T> {
    *has = true;
    return o;
  });
  if (!*has) return;
  const std::string repr = d.repr();
  static_cast<void>(d.addBoth([](Outcome<T>) {}));
  throw error::AssertionError("No result expected on " + repr + ", found a result instead");
}

}  // namespace weft::testing
