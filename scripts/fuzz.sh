#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang-16 in build-fuzz, replays
# the inputs of fuzz/regressions, then runs each target for SECONDS (default
# 20) from its seeds and what earlier runs kept in build-fuzz/corpus. Fails if
# any regression input or any target crashes; the crashing input is then in
# build-fuzz/artifacts. fuzz/README.md says more.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
targets=(frames messages decompress config redisreply cachevalues farmentry)

bash scripts/install-deps.sh

# Assertions stay on: an invariant the code asserts is a property too.
CC=clang-16 CXX=clang++-16 cmake -S . -B "$build_dir" -G Ninja -DCLANG_DIST_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

bin=$build_dir/bin
seeds=$build_dir/seeds
rm -rf "$seeds"
"$bin/fuzz-generate-seeds" "$seeds"
# Text seeds, checked in: the config parser's, the Redis replies' and the
# farm entries'.
for text in config redisreply farmentry; do
  mkdir -p "$seeds/$text"
  cp fuzz/corpus/$text/* "$seeds/$text/"
done
mkdir -p "$build_dir/artifacts" "$build_dir/logs"
export UBSAN_OPTIONS=print_stacktrace=1

failed=()
passed=0
# One input at a time: a run stops at its first crash, and each names a bug.
for input in fuzz/regressions/*/*; do
  [ -f "$input" ] || continue
  target=$(basename "$(dirname "$input")")
  log=$build_dir/logs/regression-$target-$(basename "$input").log
  if ! "$bin/fuzz-$target" "$input" >"$log" 2>&1; then
    echo "fuzz-$target: regression input $input crashes:"
    grep -E 'ERROR|SUMMARY|^[a-z]+: ' "$log" | tail -n 3 || true
    failed+=("$input")
  else
    passed=$((passed + 1))
  fi
done
echo "fuzz: $passed regression inputs pass"

for target in "${targets[@]}"; do
  corpus=$build_dir/corpus/$target
  log=$build_dir/logs/$target.log
  mkdir -p "$corpus"
  # The first directory receives what the run finds; the seeds are only read.
  if "$bin/fuzz-$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$build_dir/artifacts/$target-" "$corpus" "$seeds/$target" \
       >"$log" 2>&1; then
    echo "fuzz-$target: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in ${seconds} s, no crash"
  else
    echo "fuzz-$target: failed (log: $log):"
    grep -E 'ERROR|SUMMARY|^[a-z]+: |Test unit written' "$log" | tail -n 5 || true
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}"
  exit 1
fi
