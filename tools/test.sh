#!/usr/bin/env bash
# The whole suite, as CI runs it: installs the Debian packages, builds under ASan+UBSan and
# runs every test (every reactor test on both backends, epoll and poll), then builds under
# TSan and runs the thread tests again. Warnings are errors here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset asan-ubsan -DWEFT_WERROR=ON
cmake --build --preset asan-ubsan -j "$jobs"
ctest --preset asan-ubsan -j "$jobs"

# TSan: only the programs labelled "threads" (and "limits": descriptor exhaustion, which
# UBSan's vptr check cannot run) are built and run.
cmake --preset tsan -DWEFT_WERROR=ON -DWEFT_BUILD_EXAMPLES=OFF
cmake --build --preset tsan -j "$jobs" --target weft_tsan_tests
ctest --preset tsan -j "$jobs"
