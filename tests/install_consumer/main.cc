// Built against the installed tree by tools/check_install.sh: one include, one library.
#include <cstdio>
#include <weft/weft.h>

int main() {
  int calls = 0;
  weft::Deferred<int> d;
  d.addCallback([&calls](int v) {
    calls += v;
    return v;
  });
  d.callback(41);
  auto reactor = weft::makeReactor();
  reactor->callLater(weft::Seconds(0), [&] {
    ++calls;
    reactor->stop();
  });
  reactor->run({.installSignalHandlers = false});
  std::printf("consumer: %d\n", calls);
  return calls == 42 ? 0 : 1;
}
