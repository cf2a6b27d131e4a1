#!/usr/bin/env bash
# Installs every package clang-dist needs to build, test and run its demo.
set -euo pipefail
packages=(
  clang-16 libclang-16-dev libclang-cpp16-dev llvm-16-dev llvm-16-tools
  libzstd-dev zlib1g-dev libncurses-dev libboost-dev catch2 cmake ninja-build pkg-config python3 python3-psutil make
  # TLS between local servers and workers on other machines (lib/Tls).
  libssl-dev
  dpkg-dev
  # test/install: the Debian packages' check.
  lintian
  # scripts/test.sh's sanitizer build and scripts/fuzz.sh: clang-16's
  # sanitizer runtimes and libFuzzer.
  libclang-rt-16-dev
  # test/projects: xz-utils (gettext: msgfmt for Debian's patched translation)
  # and yaml-cpp (Debian's googletest sources and its CMake package).
  gettext googletest libgtest-dev libgmock-dev
  # The shared result cache and its tests (unittests/Redis): a real Redis.
  redis-server
  # test/lit: clang-dist in front of other compilers (launcher-other.test),
  # behind ccache (ccache.test), in CMake and Meson builds (build-systems.test).
  gcc g++ ccache meson
  # test/lit/fault-network.test: hosts as network namespaces, loss and rate
  # limits, links taken down.
  iproute2 iptables
  # test/lit/monitor.test: clang-dist --monitor on a terminal, as a person
  # sees it.
  tmux
  # test/docs/check-man-pages.py: man/'s pages linted (mandoc -T lint, groff
  # -ww) and rendered as a person reads them (man).
  mandoc groff-base man-db
  # The worker's sd_notify (libsystemd), and systemd-analyze for the ctest
  # that verifies its unit (systemd/clang-dist-worker.service).
  libsystemd-dev systemd
  # test/lit/metrics.test: a real HTTP client scrapes the worker's metrics.
  curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
