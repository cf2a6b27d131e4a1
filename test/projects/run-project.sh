#!/usr/bin/env bash
# run-project.sh PROJECT MODE - builds a real code base from its Debian
# source package twice and checks that clang-dist changes nothing:
#
#   MODE preprocessed (the mode that ships -frewrite-includes text):
#   A  clang-16 / clang++-16, Debian's flags plus -gdwarf-4
#   B  clang-dist / clang-dist++ --distributed CONF, the same flags, against
#      a clang-dist-worker this script starts on 127.0.0.1
#   MODE sources (the mode that ships the files by content digest):
#   C  as A, with Debian's own -g (DWARF 5, clang 16's default)
#   D  as B, with DWARF 5
#   MODE local (no worker line: the local server's own worker, which reads the
#   files from disk):
#   C  as above
#   E  clang-dist with a config without workers, DWARF 5
#
# Every build configures and builds a fresh copy of the source at the same
# absolute paths ($WORK/tree/src, $WORK/tree/build), since paths end up in
# objects and dependency files; the outputs are saved to $WORK/out/KIND.
# Required (each failure names the files):
#  * every object byte-identical (cmp);
#  * every dependency file identical, and the configuration results (config.h,
#    generated makefiles, CMake's compiler information) identical;
#  * the same compiler diagnostics: the build's stderr, sorted (see lib.sh);
#  * the workers compiled every compile job the server did not run locally,
#    and at least 90% of those of each build:
#    the workers' own totals (printed on SIGTERM) equal the compile jobs of the
#    distributed build (objects built, plus the jobs of its configure run as
#    the server counts them) minus the server log's 'running locally' lines,
#    whose reasons are reported, plus its 'compiling it again' lines (a file
#    changed after a worker was told of it);
#  * the project's own test suite passes on the distributed build.
#
# PROJECT names test/projects/PROJECT.sh, which says how to fetch, configure,
# build and test it (see sed.sh). Environment:
#   CLANG_DIST_BIN_DIR  clang-dist, clang-dist++, clang-dist-worker (default <repo>/build/bin)
#   PROJECTS_CACHE_DIR  fetched Debian sources, reused (default <bin>/../projects-cache)
#   PROJECTS_WORK_DIR   build trees, outputs and logs, recreated (default <bin>/../projects-work)
#   JOBS                make -j (default: the number of cores)
# Needs the packages of scripts/install-deps.sh, and root or sudo the first
# time (to enable deb-src and fetch the source).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 PROJECT preprocessed|sources|local" >&2; exit 2; }
PROJECT=$1
# Which pair of builds. From preprocessed text DWARF 5 line tables cannot
# carry the files' MD5 checksums (docs/COMPATIBILITY.md), so that mode is
# held to byte-identical objects with DWARF 4.
DIST_MODE=$2
case $DIST_MODE in
  preprocessed) REF=A CAND=B ;;
  sources) REF=C CAND=D ;;
  local) REF=C CAND=E ;;
  *) echo "usage: $0 PROJECT preprocessed|sources|local" >&2; exit 2 ;;
esac
[ -f "$HERE/$PROJECT.sh" ] || { echo "run-project: no test/projects/$PROJECT.sh" >&2; exit 2; }

BIN_DIR=$(realpath -m "${CLANG_DIST_BIN_DIR:-$REPO/build/bin}")
CACHE_DIR=$(realpath -m "${PROJECTS_CACHE_DIR:-$BIN_DIR/../projects-cache}")
WORK=$(realpath -m "${PROJECTS_WORK_DIR:-$BIN_DIR/../projects-work}")/$PROJECT
JOBS=${JOBS:-$(nproc)}
# The share of a build's compile jobs the workers must have compiled: all but
# a few that clang-dist keeps on the client for a logged reason.
MIN_REMOTE_PERCENT=90
TREE=$WORK/tree
SRC=$TREE/src
BLD=$TREE/build
OUT=$WORK/out
LOGS=$WORK/logs
CONF=$WORK/dist.conf
COMPARE_OBJECTS=$REPO/test/lit/Inputs/compare_objects.py

# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=sed.sh
. "$HERE/$PROJECT.sh"

case "$BIN_DIR$WORK$CACHE_DIR" in *[[:space:]]*) die "paths must not contain spaces";; esac
for bin in clang-dist clang-dist++ clang-dist-worker; do
  [ -x "$BIN_DIR/$bin" ] || die "$BIN_DIR/$bin not found: build clang-dist first (cmake --build build)"
done
for tool in clang-16 clang++-16 python3 dpkg-buildflags make; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh"
done
[ -f "$COMPARE_OBJECTS" ] || die "$COMPARE_OBJECTS not found"

# A private, short runtime dir: this test's own local server and log.
CLANG_DIST_RUNTIME_DIR=$(mktemp -d /tmp/cdp-XXXXXX)
export CLANG_DIST_RUNTIME_DIR
# And a result cache of its own, empty: the build compiles what it builds.
export XDG_CACHE_HOME=$CLANG_DIST_RUNTIME_DIR
unset CLANG_DIST_CONFIG

on_exit() {
  local rc=$?
  stop_servers || true
  stop_workers || true
  rm -rf "$CLANG_DIST_RUNTIME_DIR"
  [ "$rc" -eq 0 ] || echo "project-$PROJECT: FAILED (exit status $rc); logs and outputs are in $WORK" >&2
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

START_MS=$(now_ms)
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT" "$LOGS" "$CACHE_DIR"

step "Fetching Debian's $PROJECT_PACKAGE source into $CACHE_DIR"
SOURCE=$("$REPO/scripts/fetch-debian-source.sh" "$PROJECT_PACKAGE" "$CACHE_DIR" 2>"$LOGS/fetch.log" | tail -n 1) ||
  { cat "$LOGS/fetch.log" >&2; die "could not fetch the $PROJECT_PACKAGE source package"; }
[ -f "$SOURCE/$PROJECT_SOURCE_CHECK" ] || die "$SOURCE does not look like the $PROJECT_PACKAGE source (no $PROJECT_SOURCE_CHECK)"
say "source: $SOURCE"

# Debian's own flags (hardening, -ffile-prefix-map=<source dir>=.), as its
# package build computes them in the source dir. Objects are built out of
# that tree, so their DWARF keeps the build dir's absolute path.
mkdir -p "$SRC"
export DEB_BUILD_MAINT_OPTIONS=${PROJECT_DEB_BUILD_MAINT_OPTIONS:-}
unset DEB_CFLAGS_APPEND DEB_CFLAGS_PREPEND DEB_CFLAGS_SET DEB_CFLAGS_STRIP DEB_CXXFLAGS_APPEND \
  DEB_CXXFLAGS_PREPEND DEB_CXXFLAGS_SET DEB_CXXFLAGS_STRIP DEB_CPPFLAGS_APPEND DEB_CPPFLAGS_SET \
  DEB_LDFLAGS_APPEND DEB_LDFLAGS_SET DEB_BUILD_OPTIONS
DEB_CFLAGS=$(cd "$SRC" && dpkg-buildflags --get CFLAGS)
DEB_CXXFLAGS=$(cd "$SRC" && dpkg-buildflags --get CXXFLAGS)
P_CPPFLAGS=$(cd "$SRC" && dpkg-buildflags --get CPPFLAGS)
P_LDFLAGS=$(cd "$SRC" && dpkg-buildflags --get LDFLAGS)
for f in "$DEB_CFLAGS" "$DEB_CXXFLAGS"; do
  [[ " $f " == *" -g "* ]] || die "dpkg-buildflags gave no -g: '$f'"
done
say "CFLAGS: $DEB_CFLAGS; CPPFLAGS: $P_CPPFLAGS; LDFLAGS: $P_LDFLAGS"

if [ "$DIST_MODE" = local ]; then
  write_local_config "$JOBS"
else
  step "Starting clang-dist-worker with $JOBS slots on 127.0.0.1"
  start_workers "$JOBS"
fi

# Runs a test command as an unprivileged user when the project asks for it
# and we are root (see PROJECT_TEST_UNPRIVILEGED in the project's file).
as_tester() {
  if [ "${PROJECT_TEST_UNPRIVILEGED:-0}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$@"
  else
    "$@"
  fi
}

declare -A T_CONF T_BUILD COMPILE_JOBS
# Configures and builds build KIND (A, B, C or D) in $TREE, saves its outputs.
build() { # KIND
  local kind=$1 compiler debug
  case $kind in
    A) compiler=local debug=4 ;;
    B) compiler=dist debug=4 ;;
    C) compiler=local debug=5 ;;
    D | E) compiler=dist debug=5 ;;
  esac
  if [ "$compiler" = local ]; then
    CC_CMD=clang-16 CXX_CMD=clang++-16
  else
    CC_CMD="$BIN_DIR/clang-dist --distributed $CONF" CXX_CMD="$BIN_DIR/clang-dist++ --distributed $CONF"
  fi
  P_CFLAGS=$DEB_CFLAGS P_CXXFLAGS=$DEB_CXXFLAGS
  if [ "$debug" = 4 ]; then P_CFLAGS+=" -gdwarf-4" P_CXXFLAGS+=" -gdwarf-4"; fi
  step "Build $kind: $([ "$compiler" = local ] && echo "clang-16" || echo "clang-dist on the workers"), DWARF $debug"
  say "CC=$CC_CMD; CXX=$CXX_CMD"
  rm -rf "$TREE"
  mkdir -p "$TREE"
  cp -a "$SOURCE" "$SRC"
  mkdir "$BLD"

  local t0 t1 t2
  t0=$(now_ms)
  (cd "$BLD" && project_configure) >"$LOGS/$kind-configure.log" 2>&1 ||
    die "configuring build $kind failed (log: $LOGS/$kind-configure.log)"
  t1=$(now_ms)
  T_CONF[$kind]=$((t1 - t0))
  [ "$compiler" = local ] || end_dist_phase "$kind-configure"
  list_objects "$BLD" >"$LOGS/$kind-objects-before"
  t1=$(now_ms)
  (cd "$BLD" && project_build) >"$LOGS/$kind-build.out" 2>"$LOGS/$kind-build.err" || {
    tail -n 30 "$LOGS/$kind-build.err" >&2
    die "build $kind failed (stdout: $LOGS/$kind-build.out, stderr: $LOGS/$kind-build.err)"
  }
  t2=$(now_ms)
  [ "$compiler" = local ] || end_dist_phase "$kind-build"
  T_BUILD[$kind]=$((t2 - t1))
  COMPILE_JOBS[$kind]=$(list_objects "$BLD" | LC_ALL=C comm -13 "$LOGS/$kind-objects-before" - | wc -l)
  save_outputs "$BLD" "$OUT/$kind"
  save_config "$BLD" "$OUT/$kind-config" "$compiler"
  cp "$LOGS/$kind-build.err" "$OUT/$kind.stderr"
  say "configure $(fmt_ms "${T_CONF[$kind]}"), build $(fmt_ms "${T_BUILD[$kind]}"): ${COMPILE_JOBS[$kind]} objects compiled, $(wc -l <"$OUT/$kind.depfiles") dependency files"
}

compare_builds() { # REF CAND
  local r=$1 c=$2
  step "Comparing build $c with build $r"
  compare_objects "$OUT/$r" "$OUT/$c" "$r" "$c"
  compare_depfiles "$OUT/$r" "$OUT/$c" "$r" "$c"
  compare_diagnostics "$OUT/$r.stderr" "$OUT/$c.stderr" "$r" "$c"
  compare_config "$OUT/$r-config" "$OUT/$c-config" "$r" "$c"
}

TEST_RESULT="not run"
run_test_suite() {
  step "Running $PROJECT's test suite on build $CAND"
  if [ "${PROJECT_TEST_UNPRIVILEGED:-0}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
    say "as user nobody: $PROJECT_TEST_UNPRIVILEGED_WHY"
    chown -R nobody:nogroup "$TREE"
    setpriv --reuid=nobody --regid=nogroup --clear-groups test -w "$BLD" ||
      die "user nobody cannot write $BLD (every parent directory must be searchable by others)"
  fi
  local t0 rc=0
  t0=$(now_ms)
  (cd "$BLD" && project_test) >"$LOGS/$CAND-test.log" 2>&1 || rc=$?
  T_TEST=$(($(now_ms) - t0))
  project_test_summary <"$LOGS/$CAND-test.log" | sed 's/^/      /'
  if [ "$rc" -ne 0 ]; then
    TEST_RESULT="FAILED (exit status $rc)"
    check_failed "$PROJECT's test suite failed on build $CAND (exit status $rc; log: $LOGS/$CAND-test.log)" \
      "$(project_test_failures <"$LOGS/$CAND-test.log" | sed -n '1,20p')"
  else
    TEST_RESULT="passed in $(fmt_ms "$T_TEST")"
    say "test suite passed ($(fmt_ms "$T_TEST"))"
  fi
}

build "$REF"
build "$CAND"
compare_builds "$REF" "$CAND"
run_test_suite

# The local server's own worker stops with it; only the server counts its compiles.
if [ "$DIST_MODE" != local ]; then
  step "Stopping clang-dist-worker"
  worker_rc=0
  stop_workers || worker_rc=$?
  [ "$worker_rc" -eq 0 ] || check_failed "clang-dist-worker exited with status $worker_rc on SIGTERM (see $LOGS/worker.err)"
  read_worker_totals
fi

step "Accounting: every compile job ran on a worker, came from the result cache, or ran locally for a logged reason"
expected=0
for phase in "$CAND-configure" "$CAND-build"; do
  served=${PHASE_SERVED[$phase]} remote=${PHASE_REMOTE[$phase]}
  locally=$((${PHASE_LOCAL[$phase]} + ${PHASE_CACHED[$phase]}))
  jobs=$served
  case $phase in
    *-build)
      jobs=${COMPILE_JOBS[${phase%-build}]}
      [ "$served" -eq "$jobs" ] ||
        check_failed "$phase: the server served $served jobs, but the build compiled $jobs objects"
      ;;
  esac
  case $phase in
    *-build)
      [ $((remote * 100)) -ge $((jobs * MIN_REMOTE_PERCENT)) ] ||
        check_failed "$phase: only $remote of $jobs compile jobs ran on the workers; at least $MIN_REMOTE_PERCENT% must (why the others ran locally: below)"
      ;;
  esac
  [ "$remote" -eq $((jobs - locally)) ] ||
    check_failed "$phase: the server counts $remote jobs compiled on workers, expected $jobs jobs - $locally run locally or cached = $((jobs - locally))"
  say "$(printf '%-12s %5d compile jobs - %3d run locally or cached = %5d on workers (server: %d)' \
    "$phase" "$jobs" "$locally" $((jobs - locally)) "$remote")"
  # A compile whose answers about the files no longer held ran once more.
  expected=$((expected + jobs - locally + ${PHASE_AGAIN[$phase]}))
done
if [ "$DIST_MODE" = local ]; then
  WORKER_TOTAL=$expected
elif [ "$WORKER_TOTAL" -eq "$expected" ]; then
  say "the workers' own total, $WORKER_TOTAL, is every compile job but those run locally, and those compiled again"
else
  check_failed "the workers compiled $WORKER_TOTAL translation units, but the compile jobs minus those run locally, plus those compiled again, are $expected"
fi
cat "$LOGS"/server-*.log >"$LOGS/server-all.log"
if grep -q ': running locally: ' "$LOGS/server-all.log"; then
  say "why jobs ran locally (all phases):"
  local_reasons "$LOGS/server-all.log" | sed 's/^/      /'
  for phase in "$CAND-build"; do
    [ "${PHASE_LOCAL[$phase]}" -gt 0 ] || continue
    say "ran locally in $phase:"
    while IFS= read -r reason; do
      reason=${reason#"${reason%%[![:space:]]*}"}
      reason=${reason#* }
      printf '      %s:\n' "$reason"
      local_files "$LOGS/server-$phase.log" "$reason" | sed -n '1,15s/^/        /p'
    done < <(local_reasons "$LOGS/server-$phase.log")
  done
else
  say "no job ran locally"
fi

step "Summary: $PROJECT ($PROJECT_PACKAGE $(basename "$SOURCE"), $PROJECT_LANGUAGE, $PROJECT_BUILD_SYSTEM)"
say "translation units per build: ${COMPILE_JOBS[$REF]} (objects compiled by 'make'); mode $DIST_MODE"
for kind in "$REF" "$CAND"; do
  say "$(printf 'build %s: configure %9s  build %9s' "$kind" "$(fmt_ms "${T_CONF[$kind]}")" "$(fmt_ms "${T_BUILD[$kind]}")")"
done
say "worker total: $WORKER_TOTAL translation units; test suite on $CAND: $TEST_RESULT"
say "total time: $(fmt_ms $(($(now_ms) - START_MS)))"
if [ "${#FAILURES[@]}" -gt 0 ]; then
  echo
  echo "project-$PROJECT: ${#FAILURES[@]} check(s) FAILED:" >&2
  printf '  - %s\n' "${FAILURES[@]}" >&2
  exit 1
fi
echo "project-$PROJECT: OK"
