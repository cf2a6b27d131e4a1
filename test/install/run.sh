#!/usr/bin/env bash
# run.sh install|package BUILD_DIR - checks that clang-dist works as installed
# (docs/BUILD.md, "Installing" and "The Debian packages"):
#
#   install  `cmake --install BUILD_DIR --prefix P` to a temporary prefix,
#            then the checks below from P/bin; then P moved elsewhere (an
#            installed tree holds no absolute path of its own), the same.
#   package  `cpack -G DEB` in BUILD_DIR: `dpkg -c` lists the expected files,
#            the dependencies are there, lintian reports no error, apt-get
#            --simulate can install them; then both
#            packages unpacked together (`dpkg -x`, no dpkg -i: a test must
#            not change the system) and the checks below from their /usr/bin.
#
# The checks: a small C and C++ project compiled with BIN/clang-dist and
# BIN/clang-dist++ (and through symlinks named cc and c++ in another
# directory), against
#   1. a config whose worker is BIN/clang-dist-worker on loopback, with a
#      shared secret, and
#   2. the built-in default (no config), the server's own worker;
# every object equals clang-16's (cmp), and the server's log shows every
# compile on a slot. Each run has its own runtime directory, result cache and
# TMPDIR, so it meets no other test's server and no cached result.
set -euo pipefail

usage() { echo "usage: $0 install|package BUILD_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
WHAT=$1
BUILD_DIR=$(realpath "$2")
case $WHAT in install | package) ;; *) usage ;; esac
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
  echo "install-$WHAT: error: $*" >&2
  exit 1
}
for tool in clang-16 clang++-16 cmp; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh"
done

# Short: the runtime directories below hold the servers' sockets.
WORK=$(mktemp -d /tmp/cdi-XXXXXX)
WORKER_PID=""
SERVERS=()
on_exit() {
  local rc=$? entry
  [ -z "$WORKER_PID" ] || kill -TERM "$WORKER_PID" 2>/dev/null || true
  for entry in "${SERVERS[@]}"; do
    # BIN RUNTIME_DIR [--distributed CONF]
    read -r -a args <<<"$entry"
    CLANG_DIST_RUNTIME_DIR=${args[1]} "${args[0]}/clang-dist" "${args[@]:2}" --stop-server >/dev/null 2>&1 || true
  done
  [ -z "$WORKER_PID" ] || wait "$WORKER_PID" 2>/dev/null || true
  if [ "$rc" -eq 0 ]; then
    rm -rf "$WORK"
  else
    echo "install-$WHAT: FAILED (exit status $rc); logs and outputs are in $WORK" >&2
  fi
}
trap on_exit EXIT
unset CLANG_DIST_CONFIG

# The project: two C and two C++ translation units sharing a header.
SRC=$WORK/src
mkdir -p "$SRC"
cp "$HERE"/project/* "$SRC/"
C_UNITS=(square.c main.c)
CXX_UNITS=(shapes.cpp table.cpp)
FLAGS=(-O2 -g -Wall)
mkdir -p "$WORK/ref"
for unit in "${C_UNITS[@]}"; do
  (cd "$SRC" && clang-16 "${FLAGS[@]}" -c "$unit" -o "$WORK/ref/$unit.o")
done
for unit in "${CXX_UNITS[@]}"; do
  (cd "$SRC" && clang++-16 "${FLAGS[@]}" -c "$unit" -o "$WORK/ref/$unit.o")
done

# Compiles the project with CC and CXX (words: a command) into OUT, checks
# the objects against clang-16's and that the log in RUNTIME_DIR has a
# compile on a slot for every unit. Then links and runs it.
build_and_compare() { # NAME RUNTIME_DIR OUT CC CXX
  local name=$1 rt=$2 out=$3 cc=$4 cxx=$5 unit compiled
  local units=$((${#C_UNITS[@]} + ${#CXX_UNITS[@]}))
  mkdir -p "$out"
  for unit in "${C_UNITS[@]}"; do
    (cd "$SRC" && $cc "${FLAGS[@]}" -c "$unit" -o "$out/$unit.o") 2>>"$out/stderr" ||
      die "$name: $cc -c $unit failed: $(cat "$out/stderr")"
  done
  for unit in "${CXX_UNITS[@]}"; do
    (cd "$SRC" && $cxx "${FLAGS[@]}" -c "$unit" -o "$out/$unit.o") 2>>"$out/stderr" ||
      die "$name: $cxx -c $unit failed: $(cat "$out/stderr")"
  done
  [ ! -s "$out/stderr" ] || die "$name: the compiles printed: $(cat "$out/stderr")"
  for unit in "${C_UNITS[@]}" "${CXX_UNITS[@]}"; do
    cmp "$WORK/ref/$unit.o" "$out/$unit.o" || die "$name: $unit.o differs from clang-16's"
  done
  compiled=$(cat "$rt"/server-*.log | grep -c ': compiled on slot 127\.0\.0\.1:' || true)
  [ "$compiled" -eq "$units" ] ||
    die "$name: the server's log shows $compiled compiles on a slot, not $units: $(cat "$rt"/server-*.log)"
  $cxx "$out"/*.o -o "$out/prog" 2>>"$out/stderr" || die "$name: linking failed: $(cat "$out/stderr")"
  [ "$("$out/prog")" = "square 49, area 12" ] || die "$name: the program printed '$("$out/prog")'"
  echo "$name: $units objects equal clang-16's, each compiled on a slot"
}

# Fresh state for one build: runtime directory, result cache, TMPDIR.
fresh_state() { # DIR
  mkdir -p "$1/tmp"
  chmod 700 "$1"
  export CLANG_DIST_RUNTIME_DIR=$1 XDG_CACHE_HOME=$1 TMPDIR=$1/tmp
}

# Runs the checks with the programs in BIN, under DIR.
check_tree() { # BIN DIR
  local bin=$1 dir=$2 port ports=() _
  for program in clang-dist clang-dist++ clang-dist-worker clangd-slave; do
    [ -x "$bin/$program" ] || die "no $bin/$program"
  done
  "$bin/clang-dist" --version | grep -q '^clang-dist version' || die "$bin/clang-dist --version failed"

  # 1. A config with a worker on loopback that requires a secret.
  fresh_state "$dir/farm"
  printf 'install test secret\n' >"$dir/farm/secret"
  chmod 600 "$dir/farm/secret"
  "$bin/clang-dist-worker" --cores 2 --port 0 --bind 127.0.0.1 --secret "$dir/farm/secret" \
    --cache-dir "$dir/farm/blobs" >"$dir/farm/worker.out" 2>"$dir/farm/worker.err" &
  WORKER_PID=$!
  for _ in $(seq 200); do # up to 20 s for one 'listening' line per slot
    mapfile -t ports < <(sed -n 's/^clang-dist-worker: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/farm/worker.out")
    [ "${#ports[@]}" -lt 2 ] || break
    kill -0 "$WORKER_PID" 2>/dev/null || die "clang-dist-worker exited: $(cat "$dir/farm/worker.err")"
    sleep 0.1
  done
  [ "${#ports[@]}" -eq 2 ] || die "clang-dist-worker did not listen on 2 ports: $(cat "$dir/farm/worker.out")"
  {
    for port in "${ports[@]}"; do echo "worker 127.0.0.1:$port"; done
    echo "secret secret"
    echo "mode sources"
  } >"$dir/farm/dist.conf"
  SERVERS+=("$bin $dir/farm --distributed $dir/farm/dist.conf")
  build_and_compare "$(basename "$dir"): config with a worker" "$dir/farm" "$dir/farm/out" \
    "$bin/clang-dist --distributed $dir/farm/dist.conf" "$bin/clang-dist++ --distributed $dir/farm/dist.conf"
  "$bin/clang-dist" --distributed "$dir/farm/dist.conf" --stop-server >/dev/null
  kill -TERM "$WORKER_PID"
  wait "$WORKER_PID" || true
  WORKER_PID=""

  # 2. The built-in default, through symlinks elsewhere: their real path
  # leads to the server.
  fresh_state "$dir/default"
  mkdir -p "$dir/links"
  ln -s "$bin/clang-dist" "$dir/links/cc"
  ln -s "$bin/clang-dist" "$dir/links/c++"
  SERVERS+=("$bin $dir/default")
  build_and_compare "$(basename "$dir"): built-in default, as cc and c++" "$dir/default" \
    "$dir/default/out" "$dir/links/cc" "$dir/links/c++"
  "$bin/clang-dist" --stop-server >/dev/null
}

case $WHAT in
install)
  cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" >"$WORK/install.log" ||
    die "cmake --install failed: $(cat "$WORK/install.log")"
  for file in bin/clang-dist bin/clang-dist++ bin/clang-dist-worker bin/clangd-slave \
    libexec/clang-dist/clang-dist-server share/doc/clang-dist/README.md \
    share/doc/clang-dist/docs/ARCHITECTURE.md; do
    [ -e "$WORK/prefix/$file" ] || die "cmake --install made no $file"
  done
  check_tree "$WORK/prefix/bin" "$WORK/installed"
  mv "$WORK/prefix" "$WORK/moved"
  check_tree "$WORK/moved/bin" "$WORK/relocated"
  ;;
package)
  command -v cpack >/dev/null || die "cpack not found: run scripts/install-deps.sh"
  command -v lintian >/dev/null || die "lintian not found: run scripts/install-deps.sh"
  (cd "$BUILD_DIR" && cpack -G DEB -B "$WORK/deb") >"$WORK/cpack.log" 2>&1 ||
    die "cpack failed: $(cat "$WORK/cpack.log")"
  version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD_DIR/CPackConfig.cmake")
  arch=$(dpkg --print-architecture)
  client=$WORK/deb/clang-dist_${version}_$arch.deb
  worker=$WORK/deb/clang-dist-worker_${version}_$arch.deb
  [ -f "$client" ] && [ -f "$worker" ] || die "cpack made no $client and $worker: $(ls "$WORK/deb")"

  # Each package holds its programs, and the documents Debian asks for.
  expect_files() { # DEB FILE...
    local deb=$1 file
    shift
    dpkg -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$deb.files"
    for file in "$@"; do
      grep -qx "$file" "$deb.files" || die "$(basename "$deb") has no $file: $(cat "$deb.files")"
    done
  }
  expect_files "$client" /usr/bin/clang-dist /usr/bin/clang-dist++ \
    /usr/libexec/clang-dist/clang-dist-server /usr/share/doc/clang-dist/README.md \
    /usr/share/doc/clang-dist/copyright /usr/share/doc/clang-dist/changelog.gz
  expect_files "$worker" /usr/bin/clang-dist-worker /usr/bin/clangd-slave \
    /usr/share/doc/clang-dist-worker/copyright /usr/share/doc/clang-dist-worker/changelog.gz
  ! grep -q clang-dist-worker "$client.files" || die "clang-dist holds the worker's files"

  expect_depends() { # DEB PACKAGE...
    local deb=$1 depends package
    shift
    depends=$(dpkg-deb -f "$deb" Depends)
    for package in "$@"; do
      [[ ", $depends," == *", $package"[\ ,]* ]] || die "$(basename "$deb") does not depend on $package: $depends"
    done
    echo "$(basename "$deb"): Depends: $depends"
  }
  expect_depends "$client" "clang-dist-worker (= $version)" clang-16 libc6
  expect_depends "$worker" libclang-cpp16 libllvm16 libc6

  lintian --no-cfg "$client" "$worker" >"$WORK/lintian.txt" 2>&1 || true
  cat "$WORK/lintian.txt"
  ! grep -q '^E: ' "$WORK/lintian.txt" || die "lintian reports errors"

  # apt's resolver finds every dependency (installed, or in the package
  # lists), and changes nothing.
  apt-get install --simulate "$client" "$worker" >"$WORK/apt.txt" 2>&1 ||
    die "apt-get cannot install the packages: $(cat "$WORK/apt.txt")"
  for package in clang-dist clang-dist-worker; do
    grep -q "^Inst $package " "$WORK/apt.txt" || die "apt-get would not install $package: $(cat "$WORK/apt.txt")"
  done

  mkdir -p "$WORK/root"
  dpkg -x "$client" "$WORK/root"
  dpkg -x "$worker" "$WORK/root"
  check_tree "$WORK/root/usr/bin" "$WORK/unpacked"
  ;;
esac
echo "install-$WHAT: passed"
