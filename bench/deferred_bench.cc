// Deferred micro-benchmarks: cost and heap allocations of the common operations.
// Build: g++ -O2 -std=c++20 -Iinclude bench/deferred_bench.cc src/defer/*.cc src/base/*.cc
//        -lbenchmark -lpthread   (src/base/*_test.cc excluded)
#include "weft/base/error.h"
#include "weft/defer/defer.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <new>
#include <string>

namespace {
std::size_t gAllocs = 0;
}  // namespace

// Counts every heap allocation of the process (the benchmark loop is single-threaded).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  ++gAllocs;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using weft::Deferred;
using weft::Failure;

// Reports heap allocations per iteration as the "allocs" counter.
class AllocCounter {
 public:
  explicit AllocCounter(benchmark::State& state) : state_(state), start_(gAllocs) {}
  ~AllocCounter() {
    state_.counters["allocs"] =
        static_cast<double>(gAllocs - start_) / static_cast<double>(state_.iterations());
  }

 private:
  benchmark::State& state_;
  std::size_t start_;
};

void BM_CreateAddCallbackFire(benchmark::State& state) {
  long sink = 0;
  AllocCounter count(state);
  for (auto _ : state) {
    Deferred<long> d;
    auto d2 = d.addCallback([&sink](long x) { sink += x; });
    d.callback(1);
    benchmark::DoNotOptimize(d2);
  }
  benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_CreateAddCallbackFire);

void BM_SucceedThenAddCallback(benchmark::State& state) {
  AllocCounter count(state);
  for (auto _ : state) {
    auto d = weft::succeed(1L).addCallback([](long x) { return x + 1; });
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_SucceedThenAddCallback);

void BM_ThreeCallbacksChangingType(benchmark::State& state) {
  std::size_t sink = 0;
  AllocCounter count(state);
  for (auto _ : state) {
    Deferred<long> d;
    auto end = d.addCallback([](long x) { return std::to_string(x); })
                   .addCallback([](std::string s) { return s.size(); })
                   .addCallback([&sink](std::size_t n) { sink += n; });
    d.callback(12345);
    benchmark::DoNotOptimize(end);
  }
  benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_ThreeCallbacksChangingType);

void BM_ErrbackTrapRecover(benchmark::State& state) {
  AllocCounter count(state);
  for (auto _ : state) {
    Deferred<long> d;
    auto r =
        d.addErrback([](Failure f) { return f.check<weft::error::ConnectionLost>() ? 1L : 0L; });
    d.errback(Failure(weft::error::ConnectionLost()));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ErrbackTrapRecover);

void BM_ThrowingCallback(benchmark::State& state) {
  AllocCounter count(state);
  for (auto _ : state) {
    Deferred<long> d;
    auto r = d.addCallback([](long) -> long {
                throw weft::error::ValueError("x");
              }).addErrback([](Failure f) { return f.check<weft::error::ValueError>() ? 1L : 0L; });
    d.callback(1);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ThrowingCallback);

void BM_CallbackReturnsUnfiredDeferred(benchmark::State& state) {
  AllocCounter count(state);
  for (auto _ : state) {
    Deferred<long> outer;
    Deferred<long> inner;
    auto r = outer.addCallback([&inner](long) { return inner; });
    outer.callback(1);
    inner.callback(2);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_CallbackReturnsUnfiredDeferred);

Deferred<long> coReturnOnly(long x) { co_return x; }
Deferred<long> coAwait(Deferred<long> d) { co_return co_await d + 1; }

void BM_CoroutineCoReturnOnly(benchmark::State& state) {
  AllocCounter count(state);
  for (auto _ : state) {
    auto d = coReturnOnly(1);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_CoroutineCoReturnOnly);

void BM_CoroutineAwaitFired(benchmark::State& state) {
  AllocCounter count(state);
  for (auto _ : state) {
    auto d = coAwait(weft::succeed(1L));
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_CoroutineAwaitFired);

void BM_CoroutineAwaitUnfired(benchmark::State& state) {
  AllocCounter count(state);
  for (auto _ : state) {
    Deferred<long> in;
    auto d = coAwait(in);
    in.callback(1);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_CoroutineAwaitUnfired);

void BM_FailureCheck(benchmark::State& state) {
  Failure f{weft::error::ConnectionDone()};
  AllocCounter count(state);
  for (auto _ : state) {
    bool hit = f.check<weft::error::ConnectionClosed>();
    benchmark::DoNotOptimize(hit);
  }
}
BENCHMARK(BM_FailureCheck);

}  // namespace

BENCHMARK_MAIN();
