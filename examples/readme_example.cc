// The README's API example, built by CI so that the README stays true.
#include <cstdio>
#include <weft/weft.h>

using namespace std::chrono_literals;

int main() {
  auto reactor = weft::makeReactor();  // no global reactor: pass it around
  weft::Deferred<int> answer;          // fired later, by a timed call
  reactor->callLater(0.1s, [answer]() mutable { answer.callback(21); });
  auto done = answer
                  .addCallback([](int v) { return v * 2; })  // chains, as in Twisted
                  .addCallback([&](int v) {
                    std::printf("the answer is %d\n", v);
                    reactor->stop();  // fires the shutdown triggers
                  });
  reactor->addSystemEventTrigger("before", "shutdown", [] { std::puts("bye"); });
  reactor->run();  // SIGINT/SIGTERM stop it cleanly
}
