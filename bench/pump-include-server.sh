#!/usr/bin/env bash
# pump-include-server.sh WORKDIR: a distcc-pump whose include server works.
#
# bookworm's include server dies under Python 3.11 on its first question: its
# C extension passes `int` lengths to "s#" formats without PY_SSIZE_T_CLEAN
# (SystemError), and distcc then silently preprocesses every TU itself, which
# is plain distcc. This rebuilds that extension from Debian's distcc source
# with the macro defined and the lengths made Py_ssize_t (the macro alone
# would let Python write 8 bytes into each 4-byte `int`), and lays out, under
# WORKDIR/distcc-pump, Debian's own include server with the rebuilt module
# beside it and a copy of Debian's distcc-pump pointed at it. The Debian
# package stays as it is for everyone else. Prints the pump script's path;
# reuses an earlier build.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
die() { echo "pump-include-server: error: $*" >&2; exit 1; }
log() { echo "pump-include-server: $*" >&2; }

[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
WORK=$1
OUT=$WORK/distcc-pump
PUMP=$OUT/distcc-pump
DEBIAN_IS=/usr/lib/python3/dist-packages/include_server
MODULE=distcc_pump_c_extensions.cpython-311-x86_64-linux-gnu.so
PY=/usr/bin/python3   # the interpreter Debian's distcc-pump runs

# "s#" on a str: the call that raises SystemError in the broken module.
works() { "$PY" -c "import sys; sys.path.insert(0, '$1')
import distcc_pump_c_extensions as m; assert m.OsPathIsFile('/etc/passwd')" 2>/dev/null; }

if [ -x "$PUMP" ] && works "$OUT/include_server"; then
  echo "$PUMP"
  exit 0
fi
[ -f "$DEBIAN_IS/$MODULE" ] || die "no $DEBIAN_IS/$MODULE: is Debian's distcc-pump installed?"

# Debian's source with its patches when the archive has them all; this
# archive has lost distcc's debian.tar.xz, so fall back to the upstream
# tarball the .dsc names (apt checks its digest against the signed index).
mkdir -p "$WORK/src"
if ! src=$(bash "$HERE/../scripts/fetch-debian-source.sh" distcc "$WORK/src" | tail -1); then
  log "Debian's patched tree is not to be had; using the upstream tarball of the source package"
  dl="$WORK/src/distcc-orig"
  rm -rf "$dl" && mkdir -p "$dl"
  (cd "$dl" && apt-get source --download-only -q distcc >&2) || true
  orig=("$dl"/distcc_*.orig.tar.gz)
  [ -f "${orig[0]}" ] || die "apt-get source distcc fetched no upstream tarball"
  tar -xzf "${orig[0]}" -C "$dl"
  src=$(find "$dl" -mindepth 1 -maxdepth 1 -type d -name 'distcc-*' | head -1)
  [ -n "$src" ] || die "no distcc-* directory in ${orig[0]}"
fi

build=$WORK/distcc-pump-build
rm -rf "$build"
cp -a "$src" "$build"
c=$build/include_server/c_extensions/distcc_pump_c_extensions_module.c
sed -i -e 's/^#include "Python.h"$/#define PY_SSIZE_T_CLEAN\n#include "Python.h"/' \
       -e 's/^  int in_len;$/  Py_ssize_t in_len;/' -e 's/^  int len;$/  Py_ssize_t len;/' "$c"
grep -q '^#define PY_SSIZE_T_CLEAN' "$c" || die "no '#include \"Python.h\"' line in $c to patch"
[ "$(grep -c '^  Py_ssize_t \(in_\)\?len;' "$c")" -eq 4 ] ||
  die "expected 4 lengths to make Py_ssize_t in $c: the source changed, look at it"

log "building the include server's C extension (configure, make include-server)"
(cd "$build" && ./autogen.sh && PYTHON=$PY ./configure --disable-Werror --without-libiberty \
   --without-avahi --without-gtk --without-gnome && make include-server PYTHON=$PY) \
  >"$WORK/distcc-pump-build.log" 2>&1 || die "build failed, see $WORK/distcc-pump-build.log"
so=$(find "$build/_include_server" -name "$MODULE" | head -1)
[ -n "$so" ] || die "make include-server built no $MODULE"

rm -rf "$OUT"
mkdir -p "$OUT/include_server"
cp "$DEBIAN_IS"/*.py "$OUT/include_server/"
cp "$so" "$OUT/include_server/"
works "$OUT/include_server" || die "the rebuilt $MODULE still fails"
# The pump script puts the include server's own directory first on the path,
# so only a copy of the script pointed elsewhere loads the rebuilt module.
sed "s|^include_server=.*|include_server='$OUT/include_server/include_server.py'|" \
  /usr/bin/distcc-pump >"$PUMP"
grep -q "^include_server='$OUT/" "$PUMP" || die "no include_server= line in /usr/bin/distcc-pump"
chmod +x "$PUMP"
log "ready: $PUMP"
echo "$PUMP"
