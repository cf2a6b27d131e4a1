#!/usr/bin/env bash
# Builds clang-dist with AddressSanitizer and UBSan for the project's own code
# (Debian's libclang-cpp and libLLVM are not instrumented) in
# SANITIZER_BUILD_DIR (default build-asan), then runs its unit tests and the
# sources mode's lit suite. The local server and the workers daemonize, with
# stderr in their logs, so every report goes to a file of its own in
# sanitizer-logs, and any file there fails the run whatever the tests said.
# clang-16, not g++: GCC's separate UBSan runtime ignores log_path, and
# clang's takes it from UBSAN_OPTIONS over ASAN_OPTIONS, so both name it.
# docs/FUZZING.md says what this costs and what it leaves out.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SANITIZER_BUILD_DIR:-build-asan}

bash scripts/install-deps.sh
CC=clang-16 CXX=clang++-16 cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON \
  -DCLANG_DIST_SANITIZE=address,undefined >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

logs=$(cd "$build_dir" && pwd)/sanitizer-logs
rm -rf "$logs" && mkdir "$logs"
options=halt_on_error=1:print_stacktrace=1:log_path=$logs/report
failed=0
cd "$build_dir"
ASAN_OPTIONS=detect_leaks=1:$options UBSAN_OPTIONS=$options \
  ctest --output-on-failure --exclude-regex '^lit-' ||
  failed=1
# No leak checks in lit: LeakSanitizer's exit-time check never ends in a
# worker that dist.py's timeout stops (its SIGCONT after the SIGTERM cancels
# the SIGSTOP the checker waits for). Left out: fault-many-clients bounds the
# server's peak memory, which ASan's shadow memory and quarantine exceed by
# design.
ASAN_OPTIONS=detect_leaks=0:$options UBSAN_OPTIONS=$options \
  LIT_FILTER_OUT='fault-many-clients' \
  ctest --output-on-failure --tests-regex '^lit-sources$' || failed=1
if [ -n "$(ls -A "$logs")" ]; then
  head -n 30 "$logs"/*
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  echo "the sanitizer build failed (reports: $logs)"
  exit 1
fi
echo "the sanitizer build passed: no report"
