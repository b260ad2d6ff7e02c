// Deferred details from the audit of SEMANTICS.md 2.19: addCallbacks(cb, None).
#include "test_util.h"

#include "weft/base/error.h"
#include "weft/defer/defer.h"

#include <gtest/gtest.h>

#include <string>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

// DEF-03: addCallbacks(cb, None) has a pass-through errback.
TEST(DeferredAuditTest, addCallbacksWithANullErrbackPassesFailuresThrough) {
  int calls = 0;
  auto ok = succeed(2).addCallbacks(
      [&](int x) {
        ++calls;
        return std::to_string(x);
      },
      nullptr);
  EXPECT_EQ(successResultOf(ok), "2");
  auto bad = fail<int>(Failure(error::ValueError("v")))
                 .addCallbacks(
                     [&](int x) {
                       ++calls;
                       return x;
                     },
                     nullptr);
  EXPECT_TRUE(failureResultOf(bad).check<error::ValueError>());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace weft
