// weft-demo: a short tour of the engine, printed as a transcript. Exits 0 on its own.
//
// It shows the reactor's life cycle (startup waiting on a Deferred, shutdown triggers),
// timed calls, a LoopingCall, a coroutine awaiting a Deferred, work on the thread pool,
// callFromThread from a foreign thread, DeferredList, an errback, and name resolution.
#include <weft/weft.h>

#include <cstdio>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

double startTime = 0;  // reactor.seconds() when main began: the transcript shows elapsed time

void say(weft::Reactor& reactor, const std::string& text) {
  std::printf("[%6.3fs] %s\n", reactor.seconds() - startTime, text.c_str());
  std::fflush(stdout);
}

// A coroutine: Twisted's inlineCallbacks, in C++20.
weft::Deferred<int> slowDouble(weft::Reactor& reactor, int value) {
  co_await weft::deferLater(reactor, 50ms);
  co_return value * 2;
}

weft::Deferred<void> tour(weft::Reactor& reactor) {
  say(reactor, "tour: callLater orders calls by time, then by scheduling order");
  for (int i = 3; i >= 1; --i) {
    reactor.callLater(weft::Seconds(0.01 * i), [&reactor, i] { say(reactor, "  timed call " + std::to_string(i)); });
  }
  auto cancelled = reactor.callLater(10ms, [&reactor] { say(reactor, "  never printed"); });
  cancelled->cancel();
  try {
    cancelled->cancel();
  } catch (const weft::error::AlreadyCancelled& e) {
    say(reactor, std::string("  cancel twice -> AlreadyCancelled: ") + e.what());
  }
  co_await weft::deferLater(reactor, 50ms);

  say(reactor, "tour: a LoopingCall ticking every 20 ms, three times");
  int ticks = 0;
  weft::LoopingCall loop(reactor, [&] {
    say(reactor, "  tick " + std::to_string(++ticks));
    if (ticks == 3) loop.stop();
  });
  co_await loop.start(20ms);

  say(reactor, "tour: a coroutine awaits a Deferred");
  int doubled = co_await slowDouble(reactor, 21);
  say(reactor, "  slowDouble(21) = " + std::to_string(doubled));

  say(reactor, "tour: deferToThread runs on the pool; the result comes back on the reactor thread");
  long long sum = co_await weft::deferToThread(reactor, [] {
    long long s = 0;
    for (int i = 1; i <= 1000000; ++i) s += i;
    return s;
  });
  const std::string where = reactor.isInIOThread() ? "back on the reactor thread" : "wrong thread!";
  say(reactor, "  sum(1..1e6) = " + std::to_string(sum) + " (" + where + ")");

  say(reactor, "tour: callFromThread from a foreign std::thread");
  weft::Deferred<std::string> fromThread;
  std::thread worker([&reactor, fromThread]() mutable {
    reactor.callFromThread([fromThread]() mutable { fromThread.callback("hello from a worker"); });
  });
  std::string message = co_await fromThread;
  worker.join();
  say(reactor, "  " + message);

  say(reactor, "tour: gatherResults waits for several Deferreds");
  std::vector<weft::Deferred<int>> parts;
  for (int i = 1; i <= 3; ++i) parts.push_back(slowDouble(reactor, i));
  auto all = co_await weft::gatherResults(std::move(parts));
  say(reactor, "  results: " + std::to_string(all[0]) + " " + std::to_string(all[1]) + " " +
                   std::to_string(all[2]));

  say(reactor, "tour: an errback traps a failure and recovers");
  auto failing = weft::fail<int>(weft::Failure(weft::error::ConnectionRefusedError()))
                     .addErrback([&reactor](weft::Failure f) {
                       f.trap<weft::error::ConnectError>();
                       say(reactor, "  trapped: " + f.getErrorMessage());
                       return -1;
                     });
  int recovered = co_await failing;
  say(reactor, "  recovered with " + std::to_string(recovered));

  say(reactor, "tour: resolve(\"localhost\")");
  // GCC 12 rejects a braced default argument (resolve's timeout list) inside a co_await
  // expression ("array used as initializer"), so the Deferred is made first.
  auto lookup = reactor.resolve("localhost");
  std::string address = co_await lookup;
  say(reactor, "  localhost -> " + address);
}

}  // namespace

int main() {
  auto reactor = weft::makeReactor();
  weft::Reactor& r = *reactor;
  startTime = r.seconds();
  std::printf("weft demo on the %s backend\n", std::string(weft::pollerName(r.pollerKind())).c_str());

  r.addSystemEventTrigger("before", "startup", [&r] {
    say(r, "before startup: holding startup on a Deferred for 30 ms");
    return weft::deferLater(r, 30ms);
  });
  r.addSystemEventTrigger("during", "startup", [&r] { say(r, "during startup"); });
  r.callWhenRunning([&r] {
    say(r, "running: " + std::string(r.running() ? "yes" : "no"));
    auto done = tour(r).addBoth([&r](weft::Outcome<void> outcome) {
      if (!outcome.ok()) say(r, "tour failed: " + outcome.failure().getErrorMessage());
      say(r, "tour done; stopping");
      r.stop();
    });
  });
  r.addSystemEventTrigger("before", "shutdown", [&r] { say(r, "before shutdown"); });
  r.addSystemEventTrigger("after", "shutdown", [&r] { say(r, "after shutdown"); });
  r.run();
  std::puts("reactor stopped; bye");
  return 0;
}
