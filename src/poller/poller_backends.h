// The backend constructors, for make_poller.cc (the one file that chooses) and tests.
#pragma once

#include "poller/poller.h"

#include <memory>

namespace weft {

std::unique_ptr<Poller> makeEPollPoller();
std::unique_ptr<Poller> makePollPoller();

}  // namespace weft
