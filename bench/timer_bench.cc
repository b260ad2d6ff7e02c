// Timer micro-benchmarks (Google Benchmark): the targets are callLater + cancel
// under 100 ns per pair with 1,000,000 calls pending, and under 128 bytes per pending
// call (DelayedCall node + heap slot). Build by hand:
//   g++ -O2 -DNDEBUG -std=c++20 -Iinclude -Isrc bench/timer_bench.cc src/internet/{delayed_call,
//       timer_queue}.cc src/testing/clock.cc src/base/{log,error}.cc -lbenchmark -lpthread
#include "weft/internet/time.h"
#include "weft/testing/clock.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

constexpr int kPending = 1000000;

struct Rng {
  std::uint32_t x = 2463534242u;
  double next() {  // [0, 10) seconds, in microsecond steps
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return (x % 10000000u) * 1e-6;
  }
};

void noop() {}

// Fills a queue with kPending calls whose handles are dropped (the queue keeps them).
void fill(weft::IReactorTime& reactor, Rng& rng) {
  for (int i = 0; i < kPending; ++i) reactor.callLater(rng.next(), noop);
}

// callLater + cancel on a reactor-time front end holding 1M pending calls.
void BM_CallLaterCancelWith1MPending(benchmark::State& state) {
  weft::testing::Clock clock;
  weft::IReactorTime& reactor = clock;
  Rng rng;
  fill(reactor, rng);
  for (auto _ : state) {
    auto call = reactor.callLater(rng.next(), noop);
    call->cancel();
  }
  state.counters["pending"] = static_cast<double>(reactor.getDelayedCalls().size());
}
BENCHMARK(BM_CallLaterCancelWith1MPending);

// The same on TimerQueue directly (what the reactor calls), without the virtual front end.
void BM_QueueScheduleCancelWith1MPending(benchmark::State& state) {
  weft::TimerQueue queue;
  Rng rng;
  for (int i = 0; i < kPending; ++i) queue.schedule(0, rng.next(), noop);
  for (auto _ : state) {
    auto call = queue.schedule(0, rng.next(), noop);
    call->cancel();
  }
}
BENCHMARK(BM_QueueScheduleCancelWith1MPending);

// A lambda with captures (a pointer and two words) still fits Function's inline storage.
void BM_CallLaterWithArgumentsCancelWith1MPending(benchmark::State& state) {
  weft::testing::Clock clock;
  weft::IReactorTime& reactor = clock;
  Rng rng;
  fill(reactor, rng);
  long sink = 0;
  for (auto _ : state) {
    auto call = reactor.callLater(
        rng.next(), [&sink](long a, long b) { sink += a + b; }, 1L, 2L);
    call->cancel();
  }
  benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_CallLaterWithArgumentsCancelWith1MPending);

// reset() of a random pending call among 1M (TimeoutMixin's resetTimeout pattern).
void BM_ResetWith1MPending(benchmark::State& state) {
  weft::testing::Clock clock;
  Rng rng;
  std::vector<weft::DelayedCallPtr> calls;
  calls.reserve(kPending);
  for (int i = 0; i < kPending; ++i) calls.push_back(clock.callLater(rng.next(), noop));
  std::size_t i = 0;
  for (auto _ : state) {
    calls[i]->reset(rng.next());
    i = (i + 7919) % calls.size();
  }
}
BENCHMARK(BM_ResetWith1MPending);

// Schedules range(0) calls then runs them all in one pass: cost per call, schedule + run.
void BM_ScheduleAndRun(benchmark::State& state) {
  weft::TimerQueue queue;
  Rng rng;
  long ran = 0;
  auto n = state.range(0);
  for (auto _ : state) {
    for (long i = 0; i < n; ++i) queue.schedule(0, rng.next(), [&ran] { ++ran; });
    queue.runUntil(10);
  }
  benchmark::DoNotOptimize(ran);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ScheduleAndRun)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// Clock::advance stepping through calls one by one (the test kit's cost).
void BM_ClockAdvanceRuns1000Calls(benchmark::State& state) {
  weft::testing::Clock clock;
  long ran = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) clock.callLater(i * 0.001, [&ran] { ++ran; });
    clock.advance(1);
  }
  benchmark::DoNotOptimize(ran);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ClockAdvanceRuns1000Calls);

// Memory: bytes per pending call, by sizeof (node + heap slot).
void BM_MemoryPerPendingCall(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sizeof(weft::DelayedCall));
  state.counters["node_bytes"] = sizeof(weft::DelayedCall);
  state.counters["node_plus_heap_slot_bytes"] = sizeof(weft::DelayedCall) + 16;
}
BENCHMARK(BM_MemoryPerPendingCall);

}  // namespace

BENCHMARK_MAIN();
