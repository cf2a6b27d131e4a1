#!/usr/bin/env bash
# fetch-debian-source.sh PACKAGE DESTDIR
#
# Fetches the Debian source package PACKAGE (a source or binary package name)
# from the configured Debian archive and unpacks it, with Debian's patches
# applied, into DESTDIR/<source>-<upstream version> (dpkg-source's naming).
# The unpacked path is printed on stdout as the last line; progress goes to
# stderr. If no deb-src entries are configured, it derives them from the
# existing 'deb' entries of /etc/apt/sources.list and
# /etc/apt/sources.list.d/debian.sources (needs root or sudo).
# Idempotent: a tree already unpacked by an earlier run is reused as-is,
# without network access.
set -euo pipefail

die() { echo "fetch-debian-source: error: $*" >&2; exit 1; }
log() { echo "fetch-debian-source: $*" >&2; }

[ $# -eq 2 ] || { echo "usage: $0 PACKAGE DESTDIR" >&2; exit 2; }
PKG=$1
mkdir -p "$2"
DEST=$(cd "$2" && pwd)
MARKER="$DEST/.$PKG.unpacked"   # holds the unpacked path once complete

if [ -f "$MARKER" ]; then
  dir=$(cat "$MARKER")
  if [ -f "$dir/debian/changelog" ]; then
    log "reusing $dir"
    echo "$dir"
    exit 0
  fi
  rm -f "$MARKER"
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
SRC_LIST=/etc/apt/sources.list.d/clang-dist-src.sources

# Writes deb-src stanzas (deb822) equivalent to the Debian 'deb' entries.
derive_deb_src() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -f "$f" ]; then
    # Copy every enabled stanza whose Types include 'deb', as Types: deb-src.
    awk 'function flush() {
           if (isdeb && !off && body != "") printf "Types: deb-src\n%s\n", body
           body = ""; isdeb = 0; off = 0 }
         /^[ \t]*$/ { flush(); next }
         /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1; next }
         /^Enabled:[ \t]*[Nn][Oo]/ { off = 1 }
         { body = body $0 "\n" }
         END { flush() }' "$f"
  fi
  if [ -f /etc/apt/sources.list ]; then
    # One-line format: "deb [opts] URI SUITE COMPONENTS..." -> deb822 stanza.
    awk '$1 == "deb" {
           opts = ""; i = 2
           if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ }
                             opts = opts " " $i; i++ }
           if (NF < i + 2) next
           comps = ""; for (j = i + 2; j <= NF; j++) comps = comps " " $j
           printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:%s\n", $i, $(i+1), comps
           if (match(opts, /signed-by=[^] ]+/))
             printf "Signed-By: %s\n", substr(opts, RSTART + 10, RLENGTH - 10)
           print "" }' /etc/apt/sources.list
  fi
}

have_src() { [ -n "$(apt-cache showsrc "$PKG" 2>/dev/null | sed -n '/^Package:/p')" ]; }

if ! have_src; then
  if ! grep -qsE '^[[:space:]]*deb-src[[:space:]]|^Types:.*\bdeb-src\b' \
       /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
       /etc/apt/sources.list.d/*.sources; then
    stanzas=$(derive_deb_src)
    [ -n "$stanzas" ] || die "no Debian 'deb' entries found to derive deb-src from"
    log "enabling deb-src in $SRC_LIST"
    printf '# Written by clang-dist scripts/fetch-debian-source.sh\n%s\n' "$stanzas" |
      $SUDO tee "$SRC_LIST" >/dev/null
  fi
  log "apt-get update"
  $SUDO apt-get update -qq >&2 || die "apt-get update failed"
  have_src || die "no source package found for '$PKG' (is deb-src enabled?)"
fi

# Download into a scratch dir inside DEST, unpack there, then move into place,
# so an interrupted run never leaves a half-unpacked tree behind.
tmp=$(mktemp -d "$DEST/.fetch-$PKG.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "downloading source of $PKG"
# As root apt notes that the download is unsandboxed; that is harmless.
(cd "$tmp" && apt-get source --download-only -q "$PKG") >&2 ||
  die "apt-get source --download-only $PKG failed"
dscs=("$tmp"/*.dsc)
[ -f "${dscs[0]}" ] || die "apt-get source --download-only $PKG fetched no .dsc"
[ ${#dscs[@]} -eq 1 ] || die "expected one .dsc, got: ${dscs[*]}"
dsc=${dscs[0]}
src=$(sed -n 's/^Source:[[:space:]]*//p' "$dsc")
version=$(sed -n 's/^Version:[[:space:]]*//p' "$dsc")
upstream=${version#*:}        # drop the epoch
upstream=${upstream%-*}       # drop the Debian revision
name="$src-$upstream"

log "unpacking $src $version (applying Debian patches)"
dpkg-source -x "$dsc" "$tmp/$name" >&2 || die "dpkg-source -x $dsc failed"
if [ -e "$DEST/$name" ]; then
  log "replacing incomplete $DEST/$name"
  rm -rf "${DEST:?}/$name"
fi
mv "$tmp/$name" "$DEST/$name"
mv "$tmp"/*.dsc "$tmp"/*.tar.* "$DEST/" 2>/dev/null || true
echo "$DEST/$name" >"$MARKER"
log "unpacked into $DEST/$name"
echo "$DEST/$name"
