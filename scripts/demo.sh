#!/usr/bin/env bash
# demo.sh - the clang-dist demo, one command on a fresh Debian bookworm machine:
#  1. installs the build dependencies (scripts/install-deps.sh; needs root/sudo),
#  2. configures and builds clang-dist and clang-dist-worker into $BUILD_DIR,
#  3. fetches Lua 5.4 from Debian's source package, Debian patches applied
#     (scripts/fetch-debian-source.sh; downloaded once, then reused),
#  4. starts a clang-dist-worker with $WORKER_CORES slots on 127.0.0.1 and writes
#     $WORK_DIR/dist.conf naming its slots,
#  5. builds Lua from a fresh copy of the tree with its upstream makefile
#     (target 'linux', no readline), every compile going through clang-dist,
#  6. runs a small Lua program (as source and as luac bytecode) with the new
#     interpreter and checks its output,
#  7. stops the worker and prints how many translation units each slot
#     compiled, the total and the wall time of the Lua build.
# Environment: BUILD_DIR (default <repo>/build), WORK_DIR (default
# $PWD/demo-work), WORKER_CORES (default 2; SLAVE_CORES, its older name,
# still works). Exits non-zero if any step fails; the worker is stopped on
# every exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$REPO/build}")
CLANG_DIST="$BUILD_DIR/bin/clang-dist"
CLANG_DIST_WORKER="$BUILD_DIR/bin/clang-dist-worker"
WORK_DIR=$(realpath -m "${WORK_DIR:-$PWD/demo-work}")
WORKER_CORES=${WORKER_CORES:-${SLAVE_CORES:-2}}   # SLAVE_CORES: its older name
CONF=$WORK_DIR/dist.conf
LUA_DIR=$WORK_DIR/lua-build        # recreated on every run

step() { printf '\n==> %s\n' "$*"; }
die() { echo "demo: error: $*" >&2; exit 1; }

WORKER_PID=""
stop_worker() {   # SIGTERM, then SIGKILL after 10s; returns the worker's status
  local pid=$WORKER_PID timer rc=0
  WORKER_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  (sleep 10; kill -KILL "$pid") >/dev/null 2>&1 & timer=$!
  wait "$pid" || rc=$?
  kill "$timer" 2>/dev/null || true
  wait "$timer" 2>/dev/null || true
  return "$rc"
}
on_exit() {
  local rc=$?
  [ -z "$WORKER_PID" ] || stop_worker || true
  [ "$rc" -eq 0 ] || echo "demo: FAILED (exit status $rc); logs are in $WORK_DIR" >&2
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

case "$BUILD_DIR$WORK_DIR" in *[[:space:]]*) die "BUILD_DIR and WORK_DIR must not contain spaces";; esac
[[ $WORKER_CORES =~ ^[1-9][0-9]*$ ]] || die "WORKER_CORES must be a positive number"

step "1/7 Installing dependencies"
"$REPO/scripts/install-deps.sh"

step "2/7 Building clang-dist in $BUILD_DIR"
cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR"
for bin in "$CLANG_DIST" "$CLANG_DIST_WORKER"; do
  [ -x "$bin" ] || die "the build did not produce $bin$([ ! -x "$BUILD_DIR/bin/${bin##*/}" ] ||
    echo " (but $BUILD_DIR/bin/${bin##*/} exists: fix the paths at the top of $0)")"
done

step "3/7 Fetching Lua 5.4 from Debian's source packages into $WORK_DIR/src"
mkdir -p "$WORK_DIR"
SRC=$("$REPO/scripts/fetch-debian-source.sh" lua5.4 "$WORK_DIR/src" | tail -n 1)
[ -f "$SRC/src/lua.c" ] || die "$SRC does not look like the Lua source tree"

step "4/7 Starting clang-dist-worker with $WORKER_CORES slots on 127.0.0.1"
: >"$WORK_DIR/worker.out"
"$CLANG_DIST_WORKER" --cores "$WORKER_CORES" --port 0 --bind 127.0.0.1 \
  >"$WORK_DIR/worker.out" 2>"$WORK_DIR/worker.err" &
WORKER_PID=$!
ports=()
for _ in $(seq 100); do   # wait up to 10s for one 'listening' line per slot
  mapfile -t ports < <(sed -n \
    's/^clang-dist-worker: listening on 127\.0\.0\.1:\([0-9]\{1,5\}\)[[:space:]]*$/\1/p' \
    "$WORK_DIR/worker.out")
  [ "${#ports[@]}" -lt "$WORKER_CORES" ] || break
  if ! kill -0 "$WORKER_PID" 2>/dev/null; then
    cat "$WORK_DIR/worker.out" "$WORK_DIR/worker.err" >&2
    die "clang-dist-worker exited before listening"
  fi
  sleep 0.1
done
[ "${#ports[@]}" -eq "$WORKER_CORES" ] ||
  die "expected $WORKER_CORES 'listening' lines from clang-dist-worker, got ${#ports[@]} (see $WORK_DIR/worker.out)"
{
  echo "# Written by scripts/demo.sh: the slots of the clang-dist-worker it started."
  printf 'worker 127.0.0.1:%s\n' "${ports[@]}"
  echo "idle-timeout 5"
} >"$CONF"
echo "slots: ${ports[*]/#/127.0.0.1:}; config: $CONF"

step "5/7 Building Lua with clang-dist"
rm -rf "$LUA_DIR"
cp -a "$SRC" "$LUA_DIR"
cd "$LUA_DIR"
# Debian builds Lua through libtool (0001-build-system.patch plus debian/rules'
# autoreconf); revert just that patch to use upstream's plain makefile, keep
# the source patches. luaconf.h (0002-lua-modules-paths.patch) includes the
# header below, which debian/rules writes the same way.
patch -R -p1 -s <debian/patches/0001-build-system.patch ||
  die "could not revert Debian's build-system patch"
printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
  "$(dpkg-architecture -qDEB_HOST_MULTIARCH)" >src/lua5.4-deb-multiarch.h
make clean >/dev/null
start=$(date +%s%N)
# Debian's own compiler flags (hardening, -ffile-prefix-map, ...), as its build.
make -j"$(nproc)" linux CC="$CLANG_DIST --distributed $CONF -std=gnu99" \
  MYCFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
  MYLDFLAGS="$(dpkg-buildflags --get LDFLAGS)" 2>&1 | tee "$WORK_DIR/lua-build.log" ||
  die "building Lua with clang-dist failed (log: $WORK_DIR/lua-build.log)"
build_ms=$((($(date +%s%N) - start) / 1000000))
units=$(find src -name '*.o' | wc -l)
for bin in src/lua src/luac; do [ -x "$bin" ] || die "the Lua build produced no $bin"; done

step "6/7 Running a Lua program with the new interpreter"
# (Debian's lua5.4 source has no test suite to run: upstream's tests are a
# separate tarball and 'make test' only runs 'lua -v'.)
src/lua -v
cat >"$WORK_DIR/demo.lua" <<'EOF'
local function primes(n)          -- sieve of Eratosthenes
  local composite, count = {}, 0
  for i = 2, n do
    if not composite[i] then
      count = count + 1
      for j = i * i, n, i do composite[j] = true end
    end
  end
  return count
end
print("primes below 1000000: " .. primes(1000000))
local a, b = 0, 1
for _ = 1, 90 do a, b = b, a + b end
print("fib(90) = " .. a)
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do words[#words + 1] = w end
table.sort(words)
print(table.concat(words, " "))
local squares = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * i) end end)
print("squares:", squares(), squares(), squares())
print(string.format("pi = %.10f, utf8.len = %d", math.pi, utf8.len("héllo wörld")))
EOF
expected='primes below 1000000: 78498
fib(90) = 2880067194370816120
brown dog fox jumps lazy over quick the the
squares:	1	4	9
pi = 3.1415926536, utf8.len = 11'
actual=$(src/lua "$WORK_DIR/demo.lua") || die "lua failed to run $WORK_DIR/demo.lua"
echo "$actual"
[ "$actual" = "$expected" ] ||
  die "unexpected output from lua; expected:"$'\n'"$expected"
src/luac -o "$WORK_DIR/demo.luac" "$WORK_DIR/demo.lua" || die "luac failed"
[ "$(src/lua "$WORK_DIR/demo.luac")" = "$expected" ] ||
  die "the luac-compiled program printed something else"
echo "output as expected (from source and from luac bytecode)"

step "7/7 Stopping clang-dist-worker"
worker_rc=0
stop_worker || worker_rc=$?
total=0
failed=0
echo "Translation units compiled per slot:"
for port in "${ports[@]}"; do
  n=$(sed -n "s/^.*[[:space:]]127\.0\.0\.1:$port compiled \([0-9]\{1,\}\) translation units\{0,1\}[[:space:]]*\$/\1/p" \
    "$WORK_DIR/worker.err" | tail -n 1)
  if [ -z "$n" ]; then
    echo "  127.0.0.1:$port  (no report in $WORK_DIR/worker.err)"
    failed=1
    continue
  fi
  printf '  127.0.0.1:%-6s %5d\n' "$port" "$n"
  total=$((total + n))
done
printf '  %-16s %5d  (of %d the Lua build compiled)\n' "total" "$total" "$units"
printf 'Lua build wall time: %d.%03ds with make -j%d\n' \
  $((build_ms / 1000)) $((build_ms % 1000)) "$(nproc)"
[ "$worker_rc" -eq 0 ] || die "clang-dist-worker exited with status $worker_rc on SIGTERM"
[ "$failed" -eq 0 ] || die "clang-dist-worker did not report on every slot"
[ "$total" -gt 0 ] || die "no translation unit was compiled on the workers"
echo "demo: OK"
