// weft/defer: everything of twisted.internet.defer in one include.
#pragma once

#include "weft/defer/deferred.h"       // IWYU pragma: export
#include "weft/defer/deferred_list.h"  // IWYU pragma: export
#include "weft/defer/failure.h"        // IWYU pragma: export
#include "weft/defer/outcome.h"        // IWYU pragma: export
#include "weft/defer/primitives.h"     // IWYU pragma: export
#include "weft/defer/race.h"           // IWYU pragma: export
