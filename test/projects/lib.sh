# test/projects/lib.sh - shell functions shared by run-project.sh: messages,
# the loopback clang-dist-worker, the local server's phases and logs, saving a
# build's outputs and comparing two builds. Sourced, never run.
#
# Uses (set by run-project.sh): PROJECT, BIN_DIR, WORK, LOGS, CONF, DIST_MODE,
# CLANG_DIST_RUNTIME_DIR, COMPARE_OBJECTS, JOBS.

# ---------------------------------------------------------------- messages

step() { printf '\n==> [%s] %s\n' "$PROJECT" "$*"; }
say() { printf '    %s\n' "$*"; }
die() {
  printf 'project-%s: error: %s\n' "$PROJECT" "$*" >&2
  exit 1
}
FAILURES=()
# Records a failed check; the run goes on so that one run reports them all.
check_failed() {
  FAILURES+=("$1")
  printf 'project-%s: CHECK FAILED: %s\n' "$PROJECT" "$1" >&2
  shift
  local line
  for line in "$@"; do printf '%s\n' "$line" | sed 's/^/      /' >&2; done
}
now_ms() { date +%s%3N; }
fmt_ms() { printf '%d.%03ds' $(($1 / 1000)) $(($1 % 1000)); }
# Prints at most N lines of a file, indented, and says how many were left.
show_head() { # N FILE
  local n=$1 file=$2 total
  total=$(wc -l <"$file")
  sed -n "1,${n}p" "$file" | sed 's/^/      | /' >&2
  [ "$total" -le "$n" ] || printf '      | ... (%d more lines in %s)\n' $((total - n)) "$file" >&2
}

# ------------------------------------------------------------- the workers

WORKER_PID=""
WORKER_PORTS=()
# Starts one clang-dist-worker with SLOTS slots on 127.0.0.1 and writes $CONF.
start_workers() { # SLOTS
  local slots=$1
  "$BIN_DIR/clang-dist-worker" --cores "$slots" --port 0 --bind 127.0.0.1 \
    >"$LOGS/worker.out" 2>"$LOGS/worker.err" &
  WORKER_PID=$!
  local _
  for _ in $(seq 100); do # up to 10 s for one 'listening' line per slot
    mapfile -t WORKER_PORTS < <(sed -n \
      's/^clang-dist-worker: listening on 127\.0\.0\.1:\([0-9]\{1,5\}\)[[:space:]]*$/\1/p' "$LOGS/worker.out")
    [ "${#WORKER_PORTS[@]}" -lt "$slots" ] || break
    kill -0 "$WORKER_PID" 2>/dev/null ||
      die "clang-dist-worker exited before listening (see $LOGS/worker.out and $LOGS/worker.err)"
    sleep 0.1
  done
  [ "${#WORKER_PORTS[@]}" -eq "$slots" ] ||
    die "expected $slots 'listening' lines from clang-dist-worker, got ${#WORKER_PORTS[@]} ($LOGS/worker.out)"
  {
    echo "# Written by test/projects/run-project.sh: the slots of its clang-dist-worker."
    printf 'worker 127.0.0.1:%s\n' "${WORKER_PORTS[@]}"
    echo "idle-timeout 5"
    echo "mode $DIST_MODE"
  } >"$CONF"
  say "clang-dist-worker (pid $WORKER_PID) listening on ${WORKER_PORTS[*]/#/127.0.0.1:}"
}

# A config without worker lines: the local server starts SLOTS slots of its own.
write_local_config() { # SLOTS
  {
    echo "# Written by test/projects/run-project.sh: the local server's own worker."
    echo "local-workers $1"
    echo "idle-timeout 5"
  } >"$CONF"
  say "no worker line: the local server starts $1 slots of its own"
}

# SIGTERM (SIGKILL after 10 s); returns the worker's exit status.
stop_workers() {
  local pid=$WORKER_PID timer rc=0
  [ -n "$pid" ] || return 0
  WORKER_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  (sleep 10; kill -KILL "$pid") >/dev/null 2>&1 &
  timer=$!
  wait "$pid" || rc=$?
  kill "$timer" 2>/dev/null || true
  wait "$timer" 2>/dev/null || true
  return "$rc"
}

# Sets WORKER_TOTAL from the worker's 'ADDRESS compiled N translation units'
# lines (after the log's time and process, docs/MONITORING.md); fails a check
# for a slot that did not report.
read_worker_totals() {
  local port n
  WORKER_TOTAL=0
  for port in "${WORKER_PORTS[@]}"; do
    n=$(sed -n "s/^.*[[:space:]]127\.0\.0\.1:$port compiled \([0-9]\{1,\}\) translation units\{0,1\}[[:space:]]*\$/\1/p" \
      "$LOGS/worker.err" | tail -n 1)
    if [ -z "$n" ]; then
      check_failed "slot 127.0.0.1:$port reported no total on SIGTERM (see $LOGS/worker.err)"
      continue
    fi
    say "slot 127.0.0.1:$port compiled $n translation units"
    WORKER_TOTAL=$((WORKER_TOTAL + n))
  done
}

# -------------------------------------------------------- the local server

# Pids of running local servers of $CLANG_DIST_RUNTIME_DIR (checked against
# their command line, so a recycled pid is never signalled).
server_pids() {
  local lock pid
  for lock in "$CLANG_DIST_RUNTIME_DIR"/server-*.lock; do
    [ -f "$lock" ] || continue
    pid=$(head -n 1 "$lock" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] || continue
    [ -r "/proc/$pid/cmdline" ] || continue
    [ "$(basename "$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1)")" = clang-dist-server ] || continue
    echo "$pid"
  done
}

# Stops every local server of the runtime dir (SIGTERM: it logs its totals
# and exits), and waits for it to be gone.
stop_servers() {
  local pids pid _
  mapfile -t pids < <(server_pids)
  [ "${#pids[@]}" -gt 0 ] || return 0
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    mapfile -t pids < <(server_pids)
    [ "${#pids[@]}" -gt 0 ] || return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  echo "project-$PROJECT: warning: local server ${pids[*]} ignored SIGTERM for 10 s; killed" >&2
}

# Ends a distributed phase: stops the server and moves its log to
# $LOGS/server-PHASE.log, then reads it into PHASE_SERVED[PHASE] (client
# connections the server served, one per compile job), PHASE_REMOTE[PHASE]
# (what it says the workers compiled), PHASE_LOCAL[PHASE] (its 'running
# locally' lines), PHASE_CACHED[PHASE] (jobs the result cache answered: a
# configure script compiles some tests twice) and PHASE_AGAIN[PHASE] (compiles
# it ran once more because a file changed since a worker was told of it). A
# server that exits while idle
# and is restarted by a later job leaves several 'exiting' blocks in one log:
# they add up.
declare -A PHASE_SERVED PHASE_REMOTE PHASE_LOCAL PHASE_CACHED PHASE_AGAIN
end_dist_phase() { # PHASE
  local phase=$1 log="$LOGS/server-$1.log" f
  stop_servers
  : >"$log"
  for f in "$CLANG_DIST_RUNTIME_DIR"/server-*.log; do
    [ -f "$f" ] || continue
    cat "$f" >>"$log"
    rm -f "$f"
  done
  local started exited
  started=$(grep -c "local-server\[[0-9]*\] serving " "$log" || true)
  exited=$(grep -c "local-server\[[0-9]*\] exiting: " "$log" || true)
  [ "$started" -eq "$exited" ] ||
    check_failed "$phase: the server log has $started 'serving' but $exited 'exiting' lines ($log)"
  PHASE_SERVED[$phase]=$(sed -n 's/.* exiting: .*(\([0-9]\{1,\}\) jobs served)$/\1/p' "$log" |
    awk '{ s += $1 } END { print s + 0 }')
  PHASE_REMOTE[$phase]=$(sed -n 's/.*local-server\[[0-9]*\]   [^ ]*: \([0-9]\{1,\}\) translation units$/\1/p' "$log" |
    awk '{ s += $1 } END { print s + 0 }')
  PHASE_LOCAL[$phase]=$(grep -c ': running locally: ' "$log" || true)
  PHASE_CACHED[$phase]=$(grep -c -E ': from the (shared )?cache \(' "$log" || true)
  PHASE_AGAIN[$phase]=$(grep -c '; compiling it again$' "$log" || true)
  say "server ($phase): ${PHASE_SERVED[$phase]} jobs served, ${PHASE_REMOTE[$phase]} compiled on workers, ${PHASE_LOCAL[$phase]} ran locally, ${PHASE_CACHED[$phase]} from the result cache, ${PHASE_AGAIN[$phase]} compiled again"
  local other
  other=$(grep -E ': (cancelled: |worker .* failed: )|client connection dropped: |refused a client' "$log" || true)
  if [ -n "$other" ]; then
    say "server ($phase) also logged:"
    printf '%s\n' "$other" | sed -n '1,10s/^/      /p'
  fi
}

# 'running locally' reasons of a log with counts, and the files for each.
local_reasons() { # LOG
  sed -n 's/.* local-server\[[0-9]*\] \(.*\): running locally: \(.*\)$/\2/p' "$1" |
    sort | uniq -c | sort -rn
}
local_files() { # LOG REASON
  sed -n 's/.* local-server\[[0-9]*\] \(.*\): running locally: \(.*\)$/\2\t\1/p' "$1" |
    awk -F'\t' -v r="$2" '$1 == r { print $2 }' | sort | uniq -c | sort -rn
}

# ------------------------------------------------------ a build's outputs

# Objects of a build tree, relative (./...), sorted.
list_objects() { # DIR
  (cd "$1" && find . -type f -name '*.o' | LC_ALL=C sort)
}

# Copies the objects and the dependency files (project_depfiles) of build
# tree BUILD into DEST, keeping relative paths.
save_outputs() { # BUILD DEST
  local build=$1 dest=$2
  mkdir -p "$dest"
  (cd "$build" && { list_objects .; project_depfiles; } | LC_ALL=C sort -u) >"$dest.files"
  (cd "$build" && tr '\n' '\0' <"$dest.files" | tar --null -T - -cf -) | tar -xf - -C "$dest"
  (cd "$build" && project_depfiles | LC_ALL=C sort) >"$dest.depfiles"
  list_objects "$build" >"$dest.objects"
}

# Copies the configuration results (project_config_files) of BUILD into DEST
# with the compiler's name replaced by @CC@/@CXX@ (project_normalize_config).
save_config() { # BUILD DEST KIND
  local build=$1 dest=$2 kind=$3 f
  mkdir -p "$dest"
  while IFS= read -r f; do
    mkdir -p "$dest/$(dirname "$f")"
    project_normalize_config "$kind" <"$build/$f" >"$dest/$f"
  done < <(cd "$build" && project_config_files | LC_ALL=C sort)
  (cd "$build" && project_config_files | LC_ALL=C sort) >"$dest.list"
}

# Replaces each compiler command of KIND (local or dist) by @CC@ / @CXX@, the
# longest spelling first; used by the projects' project_normalize_config.
normalize_compilers() { # KIND
  local kind=$1
  if [ "$kind" = local ]; then
    sed -e "s|/usr/bin/clang++-16|@CXX@|g" -e "s|clang++-16|@CXX@|g" \
      -e "s|/usr/bin/clang-16|@CC@|g" -e "s|clang-16|@CC@|g"
  else
    sed -e "s|$BIN_DIR/clang-dist++ --distributed $CONF|@CXX@|g" -e "s|$BIN_DIR/clang-dist++|@CXX@|g" \
      -e "s|$BIN_DIR/clang-dist --distributed $CONF|@CC@|g" -e "s|$BIN_DIR/clang-dist|@CC@|g" \
      -e "s|--distributed $CONF|@ARGS@|g"
  fi
}

# automake's test harness: one line per test suite, and the failed tests.
automake_test_summary() {
  awk '/^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):/ {
         sub(/^# /, ""); if ($1 == "TOTAL:" && line != "") { print line; line = "" }
         line = line (line == "" ? "" : "  ") $1 " " $2 }
       END { if (line != "") print line }'
}
automake_test_failures() {
  grep -E '^(FAIL|ERROR|XPASS):' || true
}

# What every automake project does alike: build everything, the test
# programs too, with each job's output in one piece (-O); read its test
# logs; and compare its dependency files, .deps/*.Po and, for libtool
# objects, *.Plo (placeholders until the object is compiled). A project file
# calls this, then defines the rest.
use_automake_defaults() {
  project_build() {
    make -j"$JOBS" -Otarget all
    make -j"$JOBS" -Otarget check TESTS=
  }
  project_test_summary() { automake_test_summary; }
  project_test_failures() { automake_test_failures; }
  project_depfiles() { find . -type f -path '*/.deps/*'; }
}

# ------------------------------------------------------------ comparisons

# The same relative file lists in two saved builds.
compare_lists() { # WHAT REF_LIST CAND_LIST REF_NAME CAND_NAME
  local what=$1 ref=$2 cand=$3 d
  if ! d=$(diff "$ref" "$cand"); then
    local lines=()
    mapfile -t lines < <(printf '%s\n' "$d" | grep '^[<>]' | sed -n '1,20p' |
      sed "s/^</only in $4:/; s/^>/only in $5:/")
    check_failed "$what: builds $4 and $5 have different files" "${lines[@]}"
    return 1
  fi
}

# Every object of CAND byte-identical to REF's.
compare_objects() { # REF_DIR CAND_DIR REF_NAME CAND_NAME
  local ref=$1 cand=$2 rn=$3 cn=$4 n bad=() f out
  compare_lists "objects" "$ref.objects" "$cand.objects" "$rn" "$cn" || true
  n=$(wc -l <"$ref.objects")
  while IFS= read -r f; do
    [ -f "$cand/$f" ] || continue
    cmp -s "$ref/$f" "$cand/$f" || bad+=("${f#./}")
  done <"$ref.objects"
  if [ "${#bad[@]}" -eq 0 ]; then
    say "objects $rn = $cn: all $n identical (cmp)"
    return
  fi
  # What differs, for the first few: compare_objects.py names the sections.
  local lines=() i
  for ((i = 0; i < ${#bad[@]} && i < 5; i++)); do
    f=${bad[i]}
    out=$(python3 "$COMPARE_OBJECTS" "$ref/$f" "$cand/$f" 2>&1 || true)
    lines+=("$f: ${out:-differs}")
  done
  [ "${#bad[@]}" -le 5 ] || lines+=("... and $((${#bad[@]} - 5)) more:" "${bad[@]:5:30}")
  check_failed "$((${#bad[@]})) of $n objects of build $cn differ from build $rn" \
    "${lines[@]}" "(build $rn's objects: $ref; build $cn's: $cand)"
}

# Every dependency file identical.
compare_depfiles() { # REF_DIR CAND_DIR REF_NAME CAND_NAME
  local ref=$1 cand=$2 rn=$3 cn=$4 n bad=() f
  compare_lists "dependency files" "$ref.depfiles" "$cand.depfiles" "$rn" "$cn" || true
  n=$(wc -l <"$ref.depfiles")
  [ "$n" -gt 0 ] || { check_failed "build $rn has no dependency files"; return; }
  while IFS= read -r f; do
    [ -f "$cand/$f" ] || continue
    cmp -s "$ref/$f" "$cand/$f" || bad+=("${f#./}")
  done <"$ref.depfiles"
  local written
  written=$(cd "$ref" && { grep -L -x '# dummy' $(cat "$ref.depfiles") || true; } | wc -l)
  [ "$written" -gt 0 ] || check_failed "build $rn wrote no dependency file (all $n are placeholders)"
  if [ "${#bad[@]}" -eq 0 ]; then
    if [ "$written" -eq "$n" ]; then
      say "dependency files $rn = $cn: all $n identical"
    else
      say "dependency files $rn = $cn: all $n identical ($written written by the compiler, $((n - written)) placeholders of sources not built)"
    fi
    return
  fi
  check_failed "${#bad[@]} of $n dependency files of build $cn differ from build $rn" \
    "${bad[@]:0:20}" "first difference (diff $rn $cn):" \
    "$(diff "$ref/${bad[0]}" "$cand/${bad[0]}" | sed -n '1,20p')"
}

# The same configuration results (config.h, generated makefiles, CMake's
# compiler information), compilers' names normalized.
compare_config() { # REF_DIR CAND_DIR REF_NAME CAND_NAME
  local ref=$1 cand=$2 rn=$3 cn=$4 n bad=() f
  compare_lists "configuration files" "$ref.list" "$cand.list" "$rn" "$cn" || true
  n=$(wc -l <"$ref.list")
  while IFS= read -r f; do
    [ -f "$cand/$f" ] || continue
    cmp -s "$ref/$f" "$cand/$f" || bad+=("$f")
  done <"$ref.list"
  if [ "${#bad[@]}" -eq 0 ]; then
    say "configuration results $rn = $cn: all $n files identical (compiler names normalized)"
    return
  fi
  check_failed "${#bad[@]} of $n configuration files of build $cn differ from build $rn" \
    "${bad[@]:0:20}" "first difference (diff $rn $cn, compiler names normalized):" \
    "$(diff "$ref/${bad[0]}" "$cand/${bad[0]}" | sed -n '1,20p')"
}

# The same compiler diagnostics: the build's stderr (make -O, so no line is
# ever torn by a parallel job) as sorted lists of lines, since -j orders the
# jobs differently from run to run.
compare_diagnostics() { # REF_ERR CAND_ERR REF_NAME CAND_NAME
  local ref=$1 cand=$2 rn=$3 cn=$4 d
  if d=$(diff <(LC_ALL=C sort "$ref") <(LC_ALL=C sort "$cand")); then
    say "diagnostics $rn = $cn: the same $(wc -l <"$ref") stderr lines ($(grep -c 'warning: ' "$ref" || true) warnings, $(grep -c 'error: ' "$ref" || true) errors)"
    return
  fi
  printf '%s\n' "$d" >"$LOGS/diagnostics-$rn-$cn.diff"
  local lines=()
  mapfile -t lines < <(printf '%s\n' "$d" | grep '^[<>]' | sed -n '1,30p' |
    sed "s/^</only $rn:/; s/^>/only $cn:/")
  check_failed "the compiler diagnostics (build stderr) of builds $rn and $cn differ ($ref vs $cand; sorted diff in $LOGS/diagnostics-$rn-$cn.diff)" \
    "${lines[@]}"
}
