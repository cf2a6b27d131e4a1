#!/usr/bin/env bash
# Installs what clang-dist needs, builds it, and runs every test through
# ctest, whose summary closes the output: the Catch2 unit tests, the lit
# end-to-end tests in both modes, the real projects, and the builds of their
# own that scripts/fuzz.sh and scripts/sanitizers.sh make.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

bash scripts/install-deps.sh

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure
