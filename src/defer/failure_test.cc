#include "weft/defer/failure.h"

#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace weft {
namespace {

TEST(FailureTest, isOneHandleWide) { EXPECT_EQ(sizeof(Failure), sizeof(void*)); }

TEST(FailureTest, wrapsAnExceptionValueWithoutThrowing) {
  Failure f{error::ConnectionLost()};
  EXPECT_TRUE(f.check<error::ConnectionLost>());
  EXPECT_TRUE(f.check<error::ConnectionClosed>());  // base classes match too
  EXPECT_FALSE(f.check<error::ConnectionDone>());
  EXPECT_EQ(f.typeName(), "weft::error::ConnectionLost");
  EXPECT_EQ(f.getErrorMessage(), "Connection to the other side was lost in a non-clean fashion.");
  EXPECT_EQ(f.type(), typeid(error::ConnectionLost));
}

TEST(FailureTest, currentWrapsTheExceptionBeingHandled) {
  try {
    throw error::ValueError("bad value");
  } catch (...) {
    Failure f = Failure::current();
    EXPECT_TRUE(f.check<error::ValueError>());
    EXPECT_EQ(f.getErrorMessage(), "bad value");
  }
}

TEST(FailureTest, currentOutsideACatchBlockRaisesNoCurrentExceptionError) {
  EXPECT_THROW(Failure::current(), error::NoCurrentExceptionError);
}

TEST(FailureTest, aNullExceptionPtrRaisesTypeError) {
  EXPECT_THROW(Failure(std::exception_ptr()), error::TypeError);
}

TEST(FailureTest, checkAcceptsSeveralTypes) {
  Failure f{error::ConnectionDone()};
  EXPECT_TRUE((f.check<error::ValueError, error::ConnectionDone>()));
  EXPECT_FALSE((f.check<error::ValueError, error::TypeError>()));
}

TEST(FailureTest, trapReturnsTheMatchingException) {
  Failure f(error::ValueError("v"));
  const std::exception& e = f.trap<error::TypeError, error::ValueError>();
  EXPECT_STREQ(e.what(), "v");
}

TEST(FailureTest, trapRethrowsTheOriginalExceptionWhenNothingMatches) {
  Failure f(error::ValueError("v"));
  EXPECT_THROW(f.trap<error::TypeError>(), error::ValueError);
}

TEST(FailureTest, raiseExceptionThrowsTheCaughtObjectItself) {
  const std::exception* original = nullptr;
  std::optional<Failure> f;
  try {
    throw std::runtime_error("x");
  } catch (const std::exception& e) {
    original = &e;
    f.emplace(Failure::current());
  }
  try {
    f->raiseException();
  } catch (const std::exception& e) {
    EXPECT_EQ(&e, original);
  }
}

TEST(FailureTest, aFailureBuiltWhileHandlingRaiseExceptionReusesTheOriginalBox) {
  Failure original(error::ValueError("v"));
  try {
    original.raiseException();
  } catch (...) {
    Failure again = Failure::current();
    EXPECT_TRUE(again.sameAs(original));
  }
  Failure caught = [] {
    try {
      throw error::TypeError("t");
    } catch (...) {
      return Failure::current();
    }
  }();
  try {
    caught.raiseException();
  } catch (...) {
    EXPECT_TRUE(Failure(std::current_exception()).sameAs(caught));
  }
}

TEST(FailureTest, aFreshExceptionGetsANewBox) {
  Failure original(error::ValueError("v"));
  try {
    original.raiseException();
  } catch (...) {
  }
  try {
    throw error::ValueError("w");
  } catch (...) {
    EXPECT_FALSE(Failure::current().sameAs(original));
  }
}

TEST(FailureTest, getTracebackNamesTypeMessageAndOrigin) {
  Failure f(error::ValueError("boom"));
  std::string tb = f.getTraceback();
  EXPECT_NE(tb.find("weft::error::ValueError: boom"), std::string::npos) << tb;
  EXPECT_NE(tb.find("failure_test.cc"), std::string::npos) << tb;
}

struct WhatThrows : std::exception {
  const char* what() const noexcept override { return "still fine"; }
};

TEST(FailureTest, getTracebackNeverRaisesForOddExceptions) {
  Failure moved(error::ValueError("v"));
  Failure target = std::move(moved);
  EXPECT_NO_THROW((void)moved.getTraceback());     // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(moved.check<error::ValueError>());  // NOLINT(bugprone-use-after-move)
  try {
    throw 42;
  } catch (...) {
    Failure odd = Failure::current();
    EXPECT_EQ(odd.value(), nullptr);
    EXPECT_FALSE(odd.check<std::exception>());
    EXPECT_NO_THROW((void)odd.getTraceback());
    EXPECT_THROW(odd.raiseException(), int);
  }
  EXPECT_NE(Failure(WhatThrows()).getTraceback().find("still fine"), std::string::npos);
}

TEST(FailureTest, exceptionPtrRethrowsAnEquivalentException) {
  Failure f{error::ConnectionDone()};
  std::exception_ptr p = f.exceptionPtr();
  ASSERT_TRUE(p);
  EXPECT_THROW(std::rethrow_exception(p), error::ConnectionDone);
  EXPECT_EQ(f.exceptionPtr(), p);  // made once
}

TEST(FailureTest, copiesShareOneBox) {
  Failure a(error::ValueError("v"));
  Failure b = a;
  EXPECT_TRUE(a.sameAs(b));
  EXPECT_EQ(a.value(), b.value());
}

}  // namespace
}  // namespace weft
