// The umbrella header: everything public in weft, in one include.
#pragma once

#include "weft/base/error.h"
#include "weft/base/function.h"
#include "weft/base/log.h"
#include "weft/base/rc.h"
#include "weft/base/time.h"
#include "weft/defer/defer.h"
#include "weft/internet/address.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/protocol.h"
#include "weft/internet/reactor.h"
#include "weft/internet/task.h"
#include "weft/internet/threads.h"
#include "weft/internet/time.h"
#include "weft/internet/transport.h"
