#!/usr/bin/env bash
# The shipped binary on a large, real-density logs folder, as a user meets
# it: `vpnlens serve --logs-dir` started over stdio (time to its initialize
# answer, to the answer of a first question on one connection-day, and to
# that question asked again; its peak RSS), then the one-shot `timeline` and
# `diagnose` on that day; each with no index cached (first start) and with
# the index the first start left.
#
#   scripts/estate-bench.sh [SIZE] [CONNECTIONS]
#
# SIZE defaults to 2.4GB and CONNECTIONS to 10 (about 30 days of 10
# connections at real density: the liveness exchange every ~10 s per
# tunnel); `scripts/estate-bench.sh 8GB 50` is 50 connections x 30 days.
# ESTATE_DIR overrides where the folder lives (default
# /tmp/vpnlens-estate-SIZE-CONNECTIONS); it is generated once, deterministically
# (go run ./internal/corpusgen), and reused. DENSITY=sparse for the
# generator's earlier mix.
set -euo pipefail

size=${1:-2.4GB}
conns=${2:-10}
density=${DENSITY:-real}
dir=${ESTATE_DIR:-/tmp/vpnlens-estate-$size-$conns-$density}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$dir/.complete" ]; then
	echo "generating $size of $conns connections ($density density) in $dir ..." >&2
	rm -rf "$dir"
	(cd "$root" && go run ./internal/corpusgen -out "$dir" -size "$size" -connections "$conns" -density "$density") >&2
	touch "$dir/.complete"
fi
(cd "$root" && go build -o "$work/vpnlens" . && go build -o "$work/estatebench" ./internal/estatebench)
cat "$dir"/* >/dev/null # every run reads from the page cache, not the disk
echo "machine  $(nproc) cores, $(go env GOVERSION), density $density"
"$work/estatebench" -bin "$work/vpnlens" -dir "$dir"
