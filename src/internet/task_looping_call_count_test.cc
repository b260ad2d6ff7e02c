// LoopingCall's skipping of missed intervals and withCount (TASK-05, TASK-06):
// t/test_task.py test_callbackTimeSkips .. test_withCountIntervalZeroDelayThenNonZeroInterval,
// test_deferredWithCount.
#include "weft/defer/deferred.h"
#include "weft/internet/task.h"
#include "weft/testing/clock.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

namespace weft {
namespace {

using testing::Clock;
using Tick = std::pair<double, int>;  // (clock.seconds(), count)

TEST(LoopingCallCountTest, callbackTimeSkipsGoToTheNextIntervalInTheFuture) {
  Clock clock;
  std::vector<double> times;
  double callDuration = 2;
  LoopingCall call(clock, [&] {
    times.push_back(clock.seconds());
    clock.advance(callDuration);
  });
  auto d = call.start(0.5);
  EXPECT_EQ(times, (std::vector<double>{0}));
  EXPECT_EQ(clock.seconds(), 2);

  // An iteration is due at 2, but 2 is the present, not the future: skipped.
  clock.advance(0);
  EXPECT_EQ(times, (std::vector<double>{0}));

  callDuration = 1;
  clock.advance(0.5);
  EXPECT_EQ(times, (std::vector<double>{0, 2.5}));
  EXPECT_EQ(clock.seconds(), 3.5);

  clock.advance(0);
  EXPECT_EQ(times, (std::vector<double>{0, 2.5}));

  callDuration = 0;
  clock.advance(0.5);
  EXPECT_EQ(times, (std::vector<double>{0, 2.5, 4}));
  EXPECT_EQ(clock.seconds(), 4);
  call.stop();
}

TEST(LoopingCallCountTest, reactorTimeSkipsGoToTheNextIntervalInTheFuture) {
  Clock clock;
  std::vector<double> times;
  LoopingCall call(clock, [&] { times.push_back(clock.seconds()); });
  auto d = call.start(0.5);
  EXPECT_EQ(times, (std::vector<double>{0}));
  clock.advance(2);
  EXPECT_EQ(times, (std::vector<double>{0, 2}));
  clock.advance(1);
  EXPECT_EQ(times, (std::vector<double>{0, 2, 3}));
  clock.advance(0);
  EXPECT_EQ(times, (std::vector<double>{0, 2, 3}));
  call.stop();
}

TEST(LoopingCallCountTest, withCountPassesTheNumberOfIntervalsThatElapsed) {
  Clock clock;
  std::vector<Tick> times;
  auto call = LoopingCall::withCount(clock, [&](int n) { times.emplace_back(clock.seconds(), n); });
  const double kInterval = 0.5;
  const double kDelay = 0.01;
  auto d = call.start(kInterval);
  EXPECT_EQ(times, (std::vector<Tick>{{0, 1}}));

  clock.advance(kInterval + kDelay);
  EXPECT_EQ(times, (std::vector<Tick>{{0, 1}, {kInterval + kDelay, 1}}));

  clock.advance(3 * kInterval + kDelay);
  std::vector<Tick> expected{{0, 1}, {kInterval + kDelay, 1}, {4 * kInterval + 2 * kDelay, 3}};
  EXPECT_EQ(times, expected);

  clock.advance(0);
  EXPECT_EQ(times, expected);
  call.stop();
}

TEST(LoopingCallCountTest, withCountCountsOnlyWholeIntervalsNotLateness) {
  Clock clock;
  std::vector<Tick> times;
  auto call = LoopingCall::withCount(clock, [&](int n) { times.emplace_back(clock.seconds(), n); });
  const double kInterval = 0.5;
  const double kDelay = 0.01;
  auto d = call.start(kInterval);
  EXPECT_EQ(times.back(), (Tick{0, 1}));

  clock.advance(kInterval + kDelay);
  EXPECT_EQ(times.back(), (Tick{kInterval + kDelay, 1}));

  // Delayed for a while: 1.75 intervals pass, but only one whole interval boundary.
  clock.advance(kInterval * 1.75);
  EXPECT_EQ(times.back(), (Tick{2.75 * kInterval + kDelay, 1}));

  clock.advance(kInterval * 0.25);
  EXPECT_EQ(times.back(), (Tick{3.0 * kInterval + kDelay, 1}));
  EXPECT_EQ(times.size(), 4u);
  call.stop();
}

TEST(LoopingCallCountTest, withCountNeverPassesZeroAtAFloatingPointBoundary) {
  Clock clock;
  std::vector<int> accumulator;
  auto call = LoopingCall::withCount(clock, [&](int n) { accumulator.push_back(n); });
  const int count = 10;
  const double timespan = 1.0;
  const double interval = timespan / count;

  auto d = call.start(interval, false);
  for (int x = 0; x < count; ++x) clock.advance(interval);

  double sum = 0;
  for (int x = 0; x < count; ++x) sum += interval;
  double epsilon = timespan - sum;
  clock.advance(epsilon);
  // The test is only meaningful if 0.1 really is inexact and the clock reached timespan.
  EXPECT_GT(std::abs(epsilon), 0.0);
  EXPECT_GE(clock.seconds(), timespan);

  EXPECT_EQ(std::accumulate(accumulator.begin(), accumulator.end(), 0), count);
  for (int n : accumulator) EXPECT_NE(n, 0);
  call.stop();
}

TEST(LoopingCallCountTest, withCountAndIntervalZeroPassesOneEachTime) {
  Clock clock;
  std::vector<int> accumulator;
  std::optional<LoopingCall> loop;
  loop.emplace(LoopingCall::withCount(clock, [&](int n) {
    accumulator.push_back(n);
    if (accumulator.size() > 4) loop->stop();
  }));
  auto d = loop->start(0, false);
  bool stopped = false;
  d = d.addCallback([&](LoopingCall* lc) {
    stopped = true;
    return lc;
  });
  clock.advance(0);
  EXPECT_TRUE(stopped);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1, 1, 1, 1}));
}

TEST(LoopingCallCountTest, withCountAndIntervalZeroIgnoresTimeSpentWaitingOnADeferred) {
  Clock clock;
  Deferred<void> deferred;
  std::vector<int> accumulator;
  std::optional<LoopingCall> loop;
  loop.emplace(LoopingCall::withCount(clock, [&](int n) -> std::optional<Deferred<void>> {
    accumulator.push_back(n);
    if (accumulator.size() == 2) return deferred;
    if (accumulator.size() > 4) loop->stop();
    return std::nullopt;
  }));
  auto d = loop->start(0, false);

  clock.advance(0);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1}));
  clock.advance(2);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1}));

  deferred.callback();
  clock.advance(0);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1, 1, 1, 1}));
  EXPECT_FALSE(loop->running());
}

TEST(LoopingCallCountTest, withCountKeepsTheLastCallTimeWhenIntervalZeroBecomesNonZero) {
  Clock clock;
  Deferred<void> deferred;
  std::vector<int> accumulator;
  auto loop = LoopingCall::withCount(clock, [&](int n) -> std::optional<Deferred<void>> {
    accumulator.push_back(n);
    if (accumulator.size() == 2) return deferred;
    return std::nullopt;
  });
  auto d = loop.start(0, false);

  clock.advance(10);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1}));

  loop.setInterval(Seconds(2));
  deferred.callback();

  clock.advance(7);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1, 3}));
  clock.advance(2);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1, 3, 1}));
  clock.advance(4);
  EXPECT_EQ(accumulator, (std::vector<int>{1, 1, 3, 1, 2}));
  loop.stop();
}

TEST(LoopingCallCountTest, withCountCountsTheIntervalsSkippedWhileWaitingOnADeferred) {
  Clock clock;
  Deferred<void> d;
  std::vector<int> deferredCounts;
  auto lc = LoopingCall::withCount(clock, [&](int n) -> std::optional<Deferred<void>> {
    deferredCounts.push_back(n);
    if (deferredCounts.size() == 1) return d;
    return std::nullopt;
  });
  auto started = lc.start(0.2, false);
  EXPECT_TRUE(deferredCounts.empty());

  clock.pump({0.2, 0.4});
  EXPECT_EQ(deferredCounts.size(), 1u);

  d.callback();
  clock.pump({0.2});
  // Calls were missed at about 0.6 and 0.8.
  EXPECT_EQ(deferredCounts, (std::vector<int>{1, 3}));
  lc.stop();
}

TEST(LoopingCallCountTest, withCountRestartedCountsFromTheNewStart) {
  Clock clock;
  std::vector<int> counts;
  auto lc = LoopingCall::withCount(clock, [&](int n) { counts.push_back(n); });
  auto d1 = lc.start(1, false);
  clock.advance(1);
  lc.stop();
  clock.advance(10.5);
  auto d2 = lc.start(1, false);
  clock.advance(1);
  EXPECT_EQ(counts, (std::vector<int>{1, 1}));
  lc.stop();
}

}  // namespace
}  // namespace weft
