// twisted.protocols.basic: line, length-prefixed and netstring framing protocols.
#pragma once

#include "weft/protocols/int_n_string_receiver.h"
#include "weft/protocols/line_receiver.h"
#include "weft/protocols/netstring_receiver.h"
#include "weft/protocols/pausable.h"
