// callFromThread throughput: another thread queues N calls; the reactor runs them all.
// The target is at least 2 million calls per second from another thread.
#include "weft/internet/reactor.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

void BM_CallFromThreadThroughput(benchmark::State& state) {
  const auto calls = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto reactor = weft::makeReactor({.poller = weft::PollerKind::kEPoll});
    int ran = 0;
    std::thread producer;
    auto start = std::chrono::steady_clock::now();
    reactor->callWhenRunning([&] {
      start = std::chrono::steady_clock::now();
      producer = std::thread([&] {
        for (int i = 0; i < calls; ++i) {
          reactor->callFromThread([&ran, &reactor, calls] {
            if (++ran == calls) reactor->stop();
          });
        }
      });
    });
    reactor->run({.installSignalHandlers = false});
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
    producer.join();
    state.SetIterationTime(elapsed.count());
    benchmark::DoNotOptimize(ran);
  }
  state.SetItemsProcessed(state.iterations() * calls);
}
BENCHMARK(BM_CallFromThreadThroughput)
    ->Arg(1000000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_CallLaterCancelOnReactor(benchmark::State& state) {
  auto reactor = weft::makeReactor({.poller = weft::PollerKind::kEPoll});
  for (auto _ : state) {
    auto call = reactor->callLater(weft::Seconds(5), [] {});
    call->cancel();
  }
}
BENCHMARK(BM_CallLaterCancelOnReactor);

}  // namespace

BENCHMARK_MAIN();
