// weft_timers: weft's entry for /work/shared/bench/timers.sh. Schedules N one-shot calls
// with the shared xorshift32 delays in [0, 10 s) through IReactorTime::callLater (the
// virtual scheduleCall path, on the test kit's Clock, whose TimerQueue is the reactor's),
// then cancels every other one without running the loop, and prints the JSON line the
// script expects. usage: weft_timers [N]
#include "weft/testing/clock.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace {

std::uint64_t nowNs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// Resident set in KiB (the second field of /proc/self/statm, in pages).
long rssKb() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peakRssKb() {
  long kb = 0;
  char line[256];
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::atol(line + 6);
    }
    std::fclose(f);
  }
  return kb;
}

// The benchmark's shared delay sequence, in microseconds.
std::uint32_t nextDelayUs(std::uint32_t& x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x % 10000000u;
}

void onTimer() {}

}  // namespace

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  weft::testing::Clock clock;
  weft::IReactorTime& reactor = clock;
  std::vector<weft::DelayedCallPtr> calls;
  calls.reserve(static_cast<std::size_t>(n));
  std::uint32_t x = 2463534242u;
  long rss0 = rssKb();
  std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i) {
    calls.push_back(reactor.callLater(nextDelayUs(x) * 1e-6, onTimer));
  }
  std::uint64_t t1 = nowNs();
  long rss1 = rssKb();
  for (long i = 0; i < n; i += 2) calls[static_cast<std::size_t>(i)]->cancel();
  std::uint64_t t2 = nowNs();
  std::printf(
      "{\"impl\":\"weft\",\"n\":%ld,\"schedule_ns\":%.1f,\"cancel_ns\":%.1f,"
      "\"bytes_per_timer\":%.1f,\"peak_rss_kb\":%ld}\n",
      n, static_cast<double>(t1 - t0) / static_cast<double>(n),
      static_cast<double>(t2 - t1) / static_cast<double>(n / 2),
      static_cast<double>(rss1 - rss0) * 1024.0 / static_cast<double>(n), peakRssKb());
  return 0;
}
