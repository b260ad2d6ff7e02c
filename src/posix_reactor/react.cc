// react() on a reactor of its own: the composition root picks the concrete reactor.
#include "weft/internet/reactor.h"
#include "weft/internet/task.h"

#include <memory>
#include <utility>

namespace weft {

int react(Function<Deferred<void>(Reactor&)> main, ReactorOptions reactorOptions,
          RunOptions options) {
  std::unique_ptr<Reactor> reactor = makeReactor(reactorOptions);
  return react(*reactor, std::move(main), options);
}

}  // namespace weft
