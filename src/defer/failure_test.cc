#include "weft/defer/failure.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <vector>

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

// --- FAIL-05: detail levels -------------------------------------------------------------------

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(FailureTracebackTest, theDefaultDetailIsTheNoArgumentForm) {
  Failure f(error::ValueError("boom"));
  EXPECT_EQ(f.getTraceback("default"), f.getTraceback());
  EXPECT_TRUE(startsWith(f.getTraceback(), "Traceback (failure created at ")) << f.getTraceback();
  EXPECT_TRUE(endsWith(f.getTraceback(), "):\nweft::error::ValueError: boom\n"))
      << f.getTraceback();
}

TEST(FailureTracebackTest, briefIsOneHeaderLineThenFileLineFunction) {
  Failure f(error::ValueError("boom"));
  const std::string line = std::to_string(__LINE__ - 1);
  std::string tb = f.getTraceback("brief");
  EXPECT_TRUE(startsWith(tb, "Traceback: weft::error::ValueError: boom\n")) << tb;
  EXPECT_TRUE(endsWith(tb, "failure_test.cc:" + line + ":" + f.where().function_name() + "\n"))
      << tb;
  EXPECT_EQ(std::count(tb.begin(), tb.end(), '\n'), 2);
}

TEST(FailureTracebackTest, verboseIsFramedByFailureMarkers) {
  Failure f(error::ValueError("boom"));
  std::string tb = f.getTraceback("verbose");
  EXPECT_TRUE(startsWith(tb, "*--- Failure at 0x")) << tb;
  EXPECT_TRUE(endsWith(tb, " ---\n")) << tb;
  EXPECT_NE(tb.find("\nweft::error::ValueError: boom\n*--- End of Failure at 0x"),
            std::string::npos)
      << tb;
  EXPECT_NE(tb.find("failure_test.cc:"), std::string::npos) << tb;
  // The opening and closing marker name the same Failure; copies share it.
  std::string id = tb.substr(16, tb.find(' ', 16) - 16);
  EXPECT_NE(tb.find("*--- End of Failure at " + id + " ---\n"), std::string::npos) << tb;
  EXPECT_EQ(Failure(f).getTraceback("verbose"), tb);
}

TEST(FailureTracebackTest, anUnknownDetailRaisesValueError) {
  Failure f(error::ValueError("boom"));
  try {
    (void)f.getTraceback("noisia");
    FAIL() << "no ValueError";
  } catch (const error::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("'noisia'"), std::string::npos) << e.what();
  }
  std::ostringstream out;
  EXPECT_THROW(f.printTraceback(out, "noisia"), error::ValueError);
  EXPECT_THROW(f.printTraceback("Default"), error::ValueError);
  EXPECT_TRUE(out.str().empty());
}

struct NullWhat : std::exception {
  const char* what() const noexcept override { return nullptr; }
};

// C++'s what() is noexcept, so the "str() raises" cases of Twisted's GetTracebackTests
// become: no what() at all (a non-std exception), a null what(), an empty Failure.
std::vector<Failure> oddFailures() {
  std::vector<Failure> out;
  try {
    throw 42;
  } catch (...) {
    out.push_back(Failure::current());
  }
  out.emplace_back(NullWhat());
  out.emplace_back(WhatThrows());
  Failure moved(error::ValueError("v"));
  Failure target = std::move(moved);
  out.push_back(std::move(moved));  // NOLINT(bugprone-use-after-move): an empty handle
  return out;
}

TEST(FailureTracebackTest, noDetailLevelRaisesForOddExceptions) {
  for (const Failure& f : oddFailures()) {
    for (const char* detail : {"default", "brief", "verbose"}) {
      std::string tb;
      EXPECT_NO_THROW(tb = f.getTraceback(detail)) << detail;
      EXPECT_FALSE(tb.empty()) << detail;
      std::ostringstream out;
      EXPECT_NO_THROW(f.printTraceback(out, detail)) << detail;
      EXPECT_EQ(out.str(), tb);
    }
  }
}

TEST(FailureTracebackTest, aNullWhatIsReportedNotCopied) {
  Failure f{NullWhat()};
  EXPECT_EQ(f.getErrorMessage(), "<what() returned null>");
  EXPECT_NE(f.getTraceback("brief").find("NullWhat: <what() returned null>\n"), std::string::npos)
      << f.getTraceback("brief");
}

TEST(FailureTracebackTest, printTracebackWritesTheTracebackOfThatDetail) {
  Failure f(error::KeyError("k"));
  for (const char* detail : {"default", "brief", "verbose"}) {
    std::ostringstream out;
    f.printTraceback(out, detail);
    EXPECT_EQ(out.str(), f.getTraceback(detail)) << detail;
  }
  std::ostringstream plain;
  std::ostringstream brief;
  std::ostringstream detailed;
  f.printTraceback(plain);
  f.printBriefTraceback(brief);
  f.printDetailedTraceback(detailed);
  EXPECT_EQ(plain.str(), f.getTraceback());
  EXPECT_EQ(brief.str(), f.getTraceback("brief"));
  EXPECT_EQ(detailed.str(), f.getTraceback("verbose"));
}

// A stream buffer that throws on every write.
class ThrowingBuf : public std::streambuf {
 protected:
  int_type overflow(int_type) override { throw std::runtime_error("disk on fire"); }
  std::streamsize xsputn(const char*, std::streamsize) override {
    throw std::runtime_error("disk on fire");
  }
};

TEST(FailureTracebackTest, printTracebackNeverRaisesFromItsStream) {
  ThrowingBuf buf;
  std::ostream out(&buf);
  out.exceptions(std::ios::badbit | std::ios::failbit);
  Failure f(error::ValueError("v"));
  EXPECT_THROW(out << "x", std::exception);  // the stream does raise on its own
  out.clear();
  EXPECT_NO_THROW(f.printTraceback(out, "verbose"));
  EXPECT_NO_THROW(f.printBriefTraceback(out));
}

TEST(FailureTracebackTest, printTracebackWithoutAStreamLogsAnError) {
  log::Capture capture;
  Failure f(error::ValueError("logged"));
  f.printTraceback("brief");
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].text, f.getTraceback("brief"));
  f.printTraceback();
  errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].text, f.getTraceback());
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
