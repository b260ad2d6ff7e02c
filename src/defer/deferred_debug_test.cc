// Debugging aids: setDebugging, AlreadyCalledError with call sites (DEF-05), the debug info
// of the unhandled-error log and repr() (DEF-17). Twisted's AlreadyCalledTests, LogTests
// .test_errorLogDebugInfo and DeferredTests.test_repr*.
#include "test_util.h"

#include "weft/base/error.h"
#include "weft/base/log.h"
#include "weft/defer/deferred.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace weft {
namespace {

using test::failureResultOf;
using test::successResultOf;

// Restores the process-wide switch, as Twisted's tests do in tearDown.
class DebuggingTest : public ::testing::Test {
 protected:
  void SetUp() override { was_ = defer::getDebugging(); }
  void TearDown() override { defer::setDebugging(was_); }

 private:
  bool was_ = false;
};

// Twisted's AlreadyCalledTests run with debugging on.
class AlreadyCalledTest : public DebuggingTest {
 protected:
  void SetUp() override {
    DebuggingTest::SetUp();
    defer::setDebugging(true);
  }
};

// The helpers are distinct functions so that the message can name them (_call_1 ...).
void call1(Deferred<std::string>& d) { d.callback("hello"); }
void call2(Deferred<std::string>& d) { d.callback("twice"); }
void err1(Deferred<std::string>& d) { d.errback(Failure(error::RuntimeError("e1"))); }
void err2(Deferred<std::string>& d) { d.errback(Failure(error::RuntimeError("e2"))); }

Deferred<std::string> withCallbacks() {
  Deferred<std::string> d;
  (void)d.addCallbacks([](std::string s) { return s; }, [](Failure) { return std::string(); });
  return d;
}

// Lines of `text` that start with " <mark>:" and name the function `name` (as "name(").
std::size_t countLines(std::string_view text, char mark, const std::string& name) {
  std::size_t n = 0;
  std::istringstream in{std::string(text)};
  const std::string prefix = std::string(" ") + mark + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0 && line.find(name + "(") != std::string::npos) ++n;
  }
  return n;
}

// Twisted's AlreadyCalledTests._check, plus the second call (S) that C++ cannot show as a
// traceback: the creator appears once as C, the first invoker once as I and never the
// second, the second once as S.
void checkMessage(const error::AlreadyCalledError& e, const std::string& creator,
                  const std::string& first, const std::string& second) {
  std::string_view msg = e.what();
  EXPECT_EQ(countLines(msg, 'C', creator), 1u) << msg;
  for (const char* f : {"call1", "call2", "err1", "err2"}) {
    EXPECT_EQ(countLines(msg, 'C', f), 0u) << msg;
  }
  EXPECT_EQ(countLines(msg, 'I', first), 1u) << msg;
  EXPECT_EQ(countLines(msg, 'I', second), 0u) << msg;
  EXPECT_EQ(countLines(msg, 'S', second), 1u) << msg;
  EXPECT_EQ(countLines(msg, 'S', first), 0u) << msg;
}

// --- DEF-05: every combination raises ---------------------------------------------------------

TEST_F(AlreadyCalledTest, callbackThenCallbackRaises) {
  auto d = withCallbacks();
  call1(d);
  EXPECT_THROW(call2(d), error::AlreadyCalledError);
}

TEST_F(AlreadyCalledTest, callbackThenErrbackRaises) {
  auto d = withCallbacks();
  call1(d);
  EXPECT_THROW(err2(d), error::AlreadyCalledError);
}

TEST_F(AlreadyCalledTest, errbackThenCallbackRaises) {
  auto d = withCallbacks();
  err1(d);
  EXPECT_THROW(call2(d), error::AlreadyCalledError);
}

TEST_F(AlreadyCalledTest, errbackThenErrbackRaises) {
  auto d = withCallbacks();
  err1(d);
  EXPECT_THROW(err2(d), error::AlreadyCalledError);
}

TEST_F(AlreadyCalledTest, theRaiseLeavesTheFirstResultInPlace) {
  Deferred<std::string> d;
  call1(d);
  EXPECT_THROW(err2(d), error::AlreadyCalledError);
  EXPECT_EQ(successResultOf(d), "hello");
}

// --- DEF-05: with debugging on the message names the call sites -------------------------------

template <class First, class Second>
void expectDebugMessage(First first, Second second, const std::string& creator,
                        const std::string& firstName, const std::string& secondName) {
  auto d = withCallbacks();
  first(d);
  try {
    second(d);
    ADD_FAILURE() << "the second call did not raise AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    checkMessage(e, creator, firstName, secondName);
  }
}

TEST_F(AlreadyCalledTest, debugMessageNamesCreatorAndBothCallsForCallbackCallback) {
  expectDebugMessage(call1, call2, "withCallbacks", "call1", "call2");
}

TEST_F(AlreadyCalledTest, debugMessageNamesCreatorAndBothCallsForCallbackErrback) {
  expectDebugMessage(call1, err2, "withCallbacks", "call1", "err2");
}

TEST_F(AlreadyCalledTest, debugMessageNamesCreatorAndBothCallsForErrbackCallback) {
  expectDebugMessage(err1, call2, "withCallbacks", "err1", "call2");
}

TEST_F(AlreadyCalledTest, debugMessageNamesCreatorAndBothCallsForErrbackErrback) {
  expectDebugMessage(err1, err2, "withCallbacks", "err1", "err2");
}

TEST_F(AlreadyCalledTest, debugMessageGivesFileAndLineOfEachSite) {
  Deferred<int> d;
  const int created = __LINE__ - 1;
  d.callback(1);
  const int fired = __LINE__ - 1;
  try {
    d.callback(2);
    FAIL() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("Deferred has already been called\n", 0), 0u) << msg;
    for (int line : {created, fired, fired + 3}) {
      EXPECT_NE(msg.find("deferred_debug_test.cc:" + std::to_string(line) + " in "),
                std::string::npos)
          << line << "\n"
          << msg;
    }
  }
}

TEST_F(AlreadyCalledTest, errbackWithAnExceptionValueAndWithNoArgumentRecordTheirSite) {
  Deferred<int> a;
  a.errback(error::ValueError("v"));
  const int line = __LINE__ - 1;
  try {
    a.callback(1);
    FAIL() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    EXPECT_NE(
        std::string(e.what()).find(" I: " + std::string(__FILE__) + ":" + std::to_string(line)),
        std::string::npos)
        << e.what();
  }
  EXPECT_EQ(failureResultOf(a).where().line(), static_cast<unsigned>(line));

  Deferred<int> b;
  try {
    throw error::KeyError("k");
  } catch (...) {
    b.errback();
  }
  const int line2 = __LINE__ - 2;
  EXPECT_EQ(failureResultOf(b).where().line(), static_cast<unsigned>(line2));
}

void cancelHere(Deferred<int>& d) { d.cancel(); }

TEST_F(AlreadyCalledTest, cancelIsRecordedAsTheFirstInvokerAndMarksItsCancelledError) {
  Deferred<int> d;
  cancelHere(d);
  d.callback(1);  // the one late call Twisted ignores after a cancel (DEF-19)
  try {
    d.callback(2);
    FAIL() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    EXPECT_EQ(countLines(e.what(), 'I', "cancelHere"), 1u) << e.what();
  }
  Failure f = failureResultOf(d);
  EXPECT_TRUE(f.check<error::CancelledError>());
  EXPECT_NE(std::string(f.where().function_name()).find("cancelHere"), std::string::npos);
}

TEST_F(AlreadyCalledTest, succeedAndFailRecordTheirCaller) {
  auto d = succeed(1);
  try {
    d.callback(2);
    FAIL() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    std::string msg = e.what();
    EXPECT_EQ(countLines(msg, 'C', "TestBody"), 1u) << msg;
    EXPECT_EQ(countLines(msg, 'I', "TestBody"), 1u) << msg;
  }
  auto f = fail<int>(Failure(error::ValueError("v")));
  EXPECT_THROW(f.callback(1), error::AlreadyCalledError);
  (void)f.addErrback([](Failure) { return 0; });
}

// --- testNoDebugging / testSwitchDebugging ----------------------------------------------------

TEST_F(DebuggingTest, debuggingIsOffByDefaultAndSwitchable) {
  EXPECT_FALSE(defer::getDebugging());
  defer::setDebugging(true);
  EXPECT_TRUE(defer::getDebugging());
  defer::setDebugging(false);
  EXPECT_FALSE(defer::getDebugging());
}

TEST_F(DebuggingTest, withoutDebuggingTheMessageIsThePlainOne) {
  defer::setDebugging(false);
  auto d = withCallbacks();
  call1(d);
  try {
    call2(d);
    FAIL() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    EXPECT_STREQ(e.what(), "Deferred has already been called");
  }
}

TEST_F(DebuggingTest, switchingDebuggingBetweenCreateAndFireIsHarmless) {
  defer::setDebugging(false);
  Deferred<void> a;
  (void)a.addBoth([] {});
  defer::setDebugging(true);
  a.callback();

  defer::setDebugging(false);
  Deferred<void> b;
  b.callback();
  defer::setDebugging(true);
  (void)b.addBoth([] {});
}

TEST_F(DebuggingTest, onlyWhatHappenedWhileDebuggingIsReported) {
  defer::setDebugging(false);
  Deferred<std::string> d;  // created with debugging off: no C lines
  defer::setDebugging(true);
  call1(d);
  try {
    call2(d);
    FAIL() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find(" C:"), std::string::npos) << msg;
    EXPECT_EQ(countLines(msg, 'I', "call1"), 1u) << msg;
    EXPECT_EQ(countLines(msg, 'S', "call2"), 1u) << msg;
  }
}

TEST_F(DebuggingTest, debuggingTurnedOffBeforeTheSecondCallGivesThePlainMessage) {
  defer::setDebugging(true);
  Deferred<std::string> d;
  call1(d);
  defer::setDebugging(false);
  try {
    call2(d);
    FAIL() << "no AlreadyCalledError";
  } catch (const error::AlreadyCalledError& e) {
    EXPECT_STREQ(e.what(), "Deferred has already been called");
  }
}

// --- DEF-17: the unhandled-error log ----------------------------------------------------------

void createAndFail() {
  Deferred<int> d;
  auto r = d.addCallback([](int) -> int { throw error::ValueError("1/0"); });
  d.callback(1);
}

TEST_F(DebuggingTest, anUnhandledErrorLogNamesCreationAndFiringWhenDebugging) {
  defer::setDebugging(true);
  log::Capture capture;
  createAndFail();
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  const std::string& text = errors[0].text;
  EXPECT_EQ(text.rfind("Unhandled error in Deferred:\n(debug:  C: Deferred was created:\n", 0), 0u)
      << text;
  EXPECT_EQ(countLines(text, 'C', "createAndFail"), 1u) << text;
  EXPECT_EQ(countLines(text, 'I', "createAndFail"), 1u) << text;
  EXPECT_NE(text.find("weft::error::ValueError: 1/0"), std::string::npos) << text;
}

TEST_F(DebuggingTest, debuggingTurnedOnAfterCreationLogsOnlyTheInvoker) {
  // test_errorLogDebugInfo: the message then starts "(debug:  I".
  log::Capture capture;
  {
    Deferred<int> d;
    auto r = d.addCallback([](int) -> int { throw error::ValueError("1/0"); });
    defer::setDebugging(true);
    d.callback(1);
  }
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(
      errors[0].text.rfind("Unhandled error in Deferred:\n(debug:  I: First Invoker was:\n", 0), 0u)
      << errors[0].text;
}

TEST_F(DebuggingTest, withoutDebuggingTheLogHasNoDebugInfo) {
  defer::setDebugging(false);
  log::Capture capture;
  createAndFail();
  auto errors = capture.flushErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].text.find("(debug:"), std::string::npos) << errors[0].text;
  EXPECT_EQ(errors[0].text.rfind("Unhandled error in Deferred:\nTraceback", 0), 0u);
}

// --- DEF-17: repr() ---------------------------------------------------------------------------

// "0x..." of an unfired Deferred's repr "<Deferred at 0x...>".
std::string addressOf(const std::string& repr) {
  std::smatch m;
  if (!std::regex_match(repr, m, std::regex("<Deferred at (0x[0-9a-f]+)>"))) return "?" + repr;
  return m[1];
}

TEST(DeferredReprTest, anUnfiredDeferredShowsItsAddress) {
  Deferred<void> d;
  EXPECT_TRUE(std::regex_match(d.repr(), std::regex("<Deferred at 0x[0-9a-f]+>"))) << d.repr();
  Deferred<void> other;
  EXPECT_NE(d.repr(), other.repr());
  Deferred<void> copy = d;  // every handle of one chain shows the same address
  EXPECT_EQ(copy.repr(), d.repr());
}

TEST(DeferredReprTest, aFiredDeferredShowsItsResult) {
  Deferred<std::string> d;
  const std::string at = addressOf(d.repr());
  d.callback("orange");
  EXPECT_EQ(d.repr(), "<Deferred at " + at + " current result: 'orange'>");
}

TEST(DeferredReprTest, printableValuesPrintAndOthersShowTheirTypeName) {
  EXPECT_EQ(addressOf(Deferred<int>().repr()).substr(0, 2), "0x");
  auto i = succeed(42);
  EXPECT_NE(i.repr().find(" current result: 42>"), std::string::npos) << i.repr();
  auto b = succeed(true);
  EXPECT_NE(b.repr().find(" current result: true>"), std::string::npos) << b.repr();
  struct Opaque {
    int x = 0;
  };
  auto o = succeed(Opaque{});
  EXPECT_TRUE(std::regex_search(o.repr(), std::regex(" current result: <.*Opaque object>>$")))
      << o.repr();
  auto big = succeed(std::vector<int>(100, 1));  // held on the heap, not inline
  EXPECT_NE(big.repr().find(" current result: <std::vector<int"), std::string::npos) << big.repr();
  auto cstr = succeed(static_cast<const char*>("c"));
  EXPECT_NE(cstr.repr().find(" current result: 'c'>"), std::string::npos) << cstr.repr();
  auto nullCstr = succeed(static_cast<const char*>(nullptr));
  EXPECT_NE(nullCstr.repr().find(" current result: nullptr>"), std::string::npos);
  auto null = succeed(nullptr);
  EXPECT_NE(null.repr().find(" current result: nullptr>"), std::string::npos) << null.repr();
  auto quoted = succeed(std::string("it's\n"));
  EXPECT_NE(quoted.repr().find(R"( current result: 'it\'s\n'>)"), std::string::npos)
      << quoted.repr();
}

TEST(DeferredReprTest, aFailureOrNoValueIsShownTheTwistedWay) {
  auto f = fail<int>(Failure(error::ValueError("bad")));
  EXPECT_NE(f.repr().find(" current result: <weft::Failure weft::error::ValueError: bad>>"),
            std::string::npos)
      << f.repr();
  (void)f.addErrback([](Failure) { return 0; });
  auto v = succeed(1).addCallback([](int) {});
  EXPECT_NE(v.repr().find(" current result: None>"), std::string::npos) << v.repr();
}

TEST(DeferredReprTest, aChainedDeferredSaysWhatItIsWaitingOn) {
  Deferred<void> a;
  Deferred<void> b;
  const std::string atA = addressOf(a.repr());
  const std::string atB = addressOf(b.repr());
  b.chainDeferred(a);
  EXPECT_EQ(a.repr(), "<Deferred at " + atA + " waiting on Deferred at " + atB + ">");
  b.callback();
  EXPECT_EQ(a.repr(), "<Deferred at " + atA + " current result: None>");
}

TEST(DeferredReprTest, aCallbackReturningAnUnfiredDeferredMakesItsChainWait) {
  Deferred<int> outer;
  Deferred<int> inner;
  const std::string atOuter = addressOf(outer.repr());
  const std::string atInner = addressOf(inner.repr());
  auto r = outer.addCallback([inner](int) { return inner; });
  outer.callback(1);
  EXPECT_EQ(r.repr(), "<Deferred at " + atOuter + " waiting on Deferred at " + atInner + ">");
  inner.callback(7);
  EXPECT_EQ(r.repr(), "<Deferred at " + atOuter + " current result: 7>");
}

}  // namespace
}  // namespace weft
