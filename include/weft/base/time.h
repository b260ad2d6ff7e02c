// Time vocabulary: Twisted speaks float seconds; weft speaks std::chrono durations.
#pragma once

#include <chrono>

namespace weft {

// A delay or interval in seconds, as a double (Twisted's float seconds). Any chrono
// duration converts to it implicitly: callLater(1500ms, f) and callLater(1.5s, f) agree.
using Seconds = std::chrono::duration<double>;

}  // namespace weft
