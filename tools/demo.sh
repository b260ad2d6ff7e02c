#!/usr/bin/env bash
# Installs the Debian packages, builds weft (release) and runs the demo tour.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset release -DWEFT_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target weft-demo
./build/release/examples/weft-demo
