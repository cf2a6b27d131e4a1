#!/usr/bin/env bash
# install.sh: the anchors and what the measuring needs, from Debian's archive.
set -euo pipefail
PKGS=(clang-16 distcc distcc-pump icecc ccache sccache redis-server nftables make cmake pkg-config zlib1g-dev
      python3 python3-psutil iproute2 util-linux procps dpkg-dev
      autoconf automake python3-dev  # these three: pump-include-server.sh
      libc6-dev)  # bench/floorcc, static
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
