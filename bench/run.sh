#!/usr/bin/env bash
# run.sh [--reps N] [--projects curl,zeromq] [--anchors a,b] [--work DIR]
# Installs the anchors, fetches and builds the projects with each anchor, and
# writes bench/results/results.json and docs/PERFORMANCE.md. Needs root (apt,
# cgroups, nft). The work dir (sources, builds, daemon logs) defaults to
# /work/bench-work, outside the repository.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (cgroups, nft, daemons)" >&2; exit 1; }
[ -x "$HERE/../build/bin/clang-dist" ] || { echo "bench: build clang-dist first (build/bin)" >&2; exit 1; }
bash "$HERE/install.sh"
exec python3 "$HERE/bench.py" "$@"
