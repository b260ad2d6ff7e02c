// deferLater (twisted.internet.task.deferLater).
#include "weft/internet/task.h"

#include <memory>
#include <utility>

namespace weft {

Deferred<void> deferLater(IReactorTime& clock, Seconds delay) {
  // The canceller needs the call and the call needs the Deferred: the call goes into a slot
  // the canceller holds. The cycle ends when the call runs, is cancelled, or its clock goes.
  auto slot = std::make_shared<DelayedCallPtr>();
  Deferred<void> d([slot](Deferred<void>&) {
    if (*slot && (*slot)->active()) (*slot)->cancel();
  });
  *slot = clock.callLater(delay, [d]() mutable { d.callback(); });
  return d;
}

}  // namespace weft
