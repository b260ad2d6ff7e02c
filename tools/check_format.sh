#!/usr/bin/env bash
# Fails when clang-format (the repository's .clang-format) would change a tracked C++ file.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format not installed"; exit 1; }
files=$(git ls-files '*.cc' '*.h' 2>/dev/null || find src include tests examples bench -name '*.cc' -o -name '*.h')
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "format: $(echo "$files" | wc -l) files clean"
