#include "weft/base/function.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace weft {
namespace {

TEST(FunctionTest, emptyFunctionIsFalse) {
  Function<void()> f;
  EXPECT_FALSE(f);
  Function<void()> g = nullptr;
  EXPECT_FALSE(g);
}

TEST(FunctionTest, callsInlineCallableWithArguments) {
  Function<int(int, int)> add = [](int a, int b) { return a + b; };
  ASSERT_TRUE(add);
  EXPECT_EQ(add(2, 3), 5);
}

TEST(FunctionTest, holdsMoveOnlyCallable) {
  auto p = std::make_unique<int>(7);
  Function<int()> f = [p = std::move(p)] { return *p; };
  EXPECT_EQ(f(), 7);
  Function<int()> g = std::move(f);
  EXPECT_FALSE(f);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(g(), 7);
}

TEST(FunctionTest, largeCallableGoesToTheHeapAndStillWorks) {
  std::string big(200, 'x');
  char pad[100] = {};
  Function<std::size_t()> f = [big, pad] { return big.size() + sizeof(pad); };
  Function<std::size_t()> g;
  g = std::move(f);
  EXPECT_EQ(g(), 300u);
}

TEST(FunctionTest, destroysCapturedStateExactlyOnce) {
  auto shared = std::make_shared<int>(1);
  {
    Function<void()> f = [shared] {};
    Function<void()> g = std::move(f);
    EXPECT_EQ(shared.use_count(), 2);
    g.reset();
    EXPECT_EQ(shared.use_count(), 1);
  }
  EXPECT_EQ(shared.use_count(), 1);
}

}  // namespace
}  // namespace weft
