// Thread pool and deferToThread benchmarks (Google Benchmark).
//
//   g++ -O2 -std=c++20 -Iinclude -Isrc bench/thread_bench.cc src/threads/thread_pool.cc
//       $(ls src/base/*.cc src/defer/*.cc | grep -v _test) -lbenchmark -lpthread
//
// deferToThread runs against LoopDouble (src/threads/loop_double.h), a queue + condition
// variable event loop; callFromThread throughput of the real reactor is benched elsewhere.
#include "threads/loop_double.h"

#include "weft/internet/threads.h"
#include "weft/threads/thread_pool.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace {

using weft::testing_detail::LoopDouble;

// Waits until `target` jobs have signalled.
class Completion {
 public:
  void done() {
    if (count_.fetch_add(1, std::memory_order_acq_rel) + 1 == target_) {
      std::lock_guard lock(mutex_);
      finished_ = true;
      cv_.notify_one();
    }
  }
  void reset(int target) {
    target_ = target;
    count_.store(0);
    finished_ = false;
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return finished_; });
  }

 private:
  std::atomic<int> count_{0};
  int target_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool finished_ = false;
};

// Throughput of callInThread: a batch of trivial jobs, submitted from one thread, until all
// have run. Arg: the pool's maximum size.
void BM_CallInThread(benchmark::State& state) {
  constexpr int kBatch = 1000;
  weft::ThreadPool pool(0, static_cast<int>(state.range(0)), "bench");
  pool.start();
  Completion completion;
  for (auto _ : state) {
    completion.reset(kBatch);
    for (int i = 0; i < kBatch; ++i) pool.callInThread([&] { completion.done(); });
    completion.wait();
  }
  pool.stop();
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_CallInThread)->Arg(1)->Arg(4)->UseRealTime();

// Latency of one callInThread whose job signals back (no batching).
void BM_CallInThreadPingPong(benchmark::State& state) {
  weft::ThreadPool pool(1, 1, "bench");
  pool.start();
  Completion completion;
  for (auto _ : state) {
    completion.reset(1);
    pool.callInThread([&] { completion.done(); });
    completion.wait();
  }
  pool.stop();
}
BENCHMARK(BM_CallInThreadPingPong)->UseRealTime();

// One deferToThread round trip: reactor -> pool thread -> callFromThread -> Deferred fires.
void BM_DeferToThreadRoundTrip(benchmark::State& state) {
  LoopDouble loop(1);
  for (auto _ : state) {
    bool fired = false;
    weft::Deferred<int> d = weft::deferToThread(loop, [] { return 7; });
    static_cast<void>(d.addCallback([&](int v) {
      benchmark::DoNotOptimize(v);
      fired = true;
    }));
    loop.runUntil([&] { return fired; });
  }
}
BENCHMARK(BM_DeferToThreadRoundTrip)->UseRealTime();

// Many deferToThread calls in flight at once. Arg: the pool's maximum size.
void BM_DeferToThreadBatch(benchmark::State& state) {
  constexpr int kBatch = 256;
  LoopDouble loop(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    int fired = 0;
    for (int i = 0; i < kBatch; ++i) {
      weft::Deferred<int> d = weft::deferToThread(loop, [i] { return i; });
      static_cast<void>(d.addCallback([&](int) { ++fired; }));
    }
    loop.runUntil([&] { return fired == kBatch; });
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DeferToThreadBatch)->Arg(1)->Arg(4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
