#!/usr/bin/env bash
# Installs the build tree BUILD_DIR into a fresh prefix, then builds and runs a consumer
# with find_package(weft) and another with pkg-config. Extra compiler flags (e.g. the
# sanitizer flags the library was built with) come as the second argument.
set -euo pipefail
build=$1
flags=${2:-}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/install_consumer" -B "$tmp/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
"$tmp/consumer/consumer"
pcdir=$(dirname "$(find "$tmp/prefix" -name weft.pc | head -n 1)")
# shellcheck disable=SC2046,SC2086
c++ $flags "$src/tests/install_consumer/main.cc" -o "$tmp/pc-consumer" \
  $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs weft)
"$tmp/pc-consumer"
echo "install: find_package and pkg-config consumers built and ran"
