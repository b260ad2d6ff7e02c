#include "weft/base/log.h"

#include <gtest/gtest.h>

namespace weft::log {
namespace {

TEST(LogTest, captureRecordsEventsWithLevelAndSystem) {
  Capture capture;
  error("boom happened", "TCP");
  info("hello");
  auto events = capture.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].level, Level::kError);
  EXPECT_EQ(events[0].system, "TCP");
  EXPECT_EQ(events[1].text, "hello");
  EXPECT_EQ(capture.count("boom"), 1u);
}

TEST(LogTest, flushErrorsReturnsAndForgetsErrors) {
  Capture capture;
  error("e1");
  warn("w1");
  EXPECT_EQ(capture.flushErrors().size(), 1u);
  EXPECT_TRUE(capture.errors().empty());
  EXPECT_EQ(capture.events().size(), 1u);
}

TEST(LogTest, removedObserverSeesNothing) {
  Capture silence;
  int seen = 0;
  auto id = addObserver([&](const Event&) { ++seen; });
  info("one");
  removeObserver(id);
  info("two");
  EXPECT_EQ(seen, 1);
}

TEST(LogTest, eventsBelowMinimumLevelAreDropped) {
  Capture capture;
  debug("quiet");
  EXPECT_EQ(capture.count("quiet"), 0u);
  setMinimumLevel(Level::kDebug);
  debug("loud");
  setMinimumLevel(Level::kInfo);
  EXPECT_EQ(capture.count("loud"), 1u);
}

}  // namespace
}  // namespace weft::log
