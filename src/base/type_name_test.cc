#include "weft/base/type_name.h"

#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <vector>

namespace weft {
namespace {

template <class T>
struct Box {};

TEST(TypeNameTest, demangleGivesTheQualifiedName) {
  EXPECT_EQ(demangle(typeid(error::ConnectionDone)), "weft::error::ConnectionDone");
}

TEST(TypeNameTest, classNameDropsNamespacesAndTemplateArguments) {
  EXPECT_EQ(className(typeid(error::ConnectionDone)), "ConnectionDone");
  EXPECT_EQ(className(typeid(Box<std::vector<int>>)), "Box");
  EXPECT_EQ(className(typeid(int)), "int");
}

}  // namespace
}  // namespace weft
