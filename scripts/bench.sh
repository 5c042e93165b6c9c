#!/usr/bin/env bash
# Decoding throughput of vpnlens on a large generated corpus, on one core,
# compared with jq running a trivial filter over the same files.
#
#   scripts/bench.sh [SIZE]        SIZE defaults to 1GB (also 200MB, 512MB, ...)
#
# CORPUS_DIR overrides where the corpus lives (default /tmp/vpnlens-corpus-SIZE);
# it is generated once (go run ./internal/corpusgen) and reused.
set -euo pipefail

size=${1:-1GB}
dir=${CORPUS_DIR:-/tmp/vpnlens-corpus-$size}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() { # need COMMAND PACKAGE
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "installing $2 ..." >&2
		apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
	fi
}
need jq jq
[ -x /usr/bin/time ] || need /usr/bin/time time

if [ ! -f "$dir/.complete" ]; then
	echo "generating a $size corpus in $dir ..." >&2
	rm -rf "$dir"
	(cd "$root" && go run ./internal/corpusgen -out "$dir" -size "$size") >&2
	touch "$dir/.complete"
fi
(cd "$root" && go build -o "$work/readbench" ./internal/corpusgen/readbench)

# Both tools read from the page cache, not the disk.
cat "$dir"/*.log >/dev/null

# field FILE NAME: a value from /usr/bin/time -v output.
field() { sed -n "s/^[[:space:]]*$2: //p" "$1"; }
cpu_seconds() { awk -v u="$(field "$1" 'User time (seconds)')" -v s="$(field "$1" 'System time (seconds)')" 'BEGIN { printf "%.2f", u + s }'; }
wall_seconds() { # h:mm:ss or m:ss.ss
	field "$1" 'Elapsed (wall clock) time (h:mm:ss or m:ss)' | awk -F: '{ t = 0; for (i = 1; i <= NF; i++) t = t * 60 + $i; printf "%.2f", t }'
}

GOMAXPROCS=1 /usr/bin/time -v "$work/readbench" "$dir" >"$work/vpnlens.json" 2>"$work/vpnlens.time"
GOMAXPROCS=1 /usr/bin/time -v jq -c 'select(.status=="DOWN")' "$dir"/*.log >"$work/jq.out" 2>"$work/jq.time"

bytes=$(jq .bytes "$work/vpnlens.json")
records=$(jq .records "$work/vpnlens.json")
v_wall=$(wall_seconds "$work/vpnlens.time")
v_cpu=$(cpu_seconds "$work/vpnlens.time")
v_rss=$(field "$work/vpnlens.time" 'Maximum resident set size (kbytes)')
j_wall=$(wall_seconds "$work/jq.time")
j_cpu=$(cpu_seconds "$work/jq.time")
j_rss=$(field "$work/jq.time" 'Maximum resident set size (kbytes)')
down_v=$(jq .status_down "$work/vpnlens.json")
down_j=$(wc -l <"$work/jq.out")

awk -v bytes="$bytes" -v recs="$records" -v vw="$v_wall" -v vc="$v_cpu" -v vr="$v_rss" \
	-v jw="$j_wall" -v jc="$j_cpu" -v jr="$j_rss" -v dv="$down_v" -v dj="$down_j" -v dir="$dir" \
	-v malformed="$(jq .malformed "$work/vpnlens.json")" -v allocs="$(jq .allocs_per_event "$work/vpnlens.json")" 'BEGIN {
	printf "corpus            %s: %.0f MB, %d records\n", dir, bytes / 1e6, recs
	printf "vpnlens (1 core)  %6.2f s wall  %6.2f s cpu  %7.1f MB/s  %9.0f events/s  (%.1f MB/s per cpu-second)  peak RSS %.1f MB  %.2f allocs/event  %d malformed\n",
		vw, vc, bytes / 1e6 / vw, recs / vw, bytes / 1e6 / vc, vr / 1024, allocs, malformed
	printf "jq select DOWN    %6.2f s wall  %6.2f s cpu  %7.1f MB/s  peak RSS %.1f MB\n", jw, jc, bytes / 1e6 / jw, jr / 1024
	printf "ratio             vpnlens is %.1fx faster than jq (wall), %.1fx (cpu)\n", jw / vw, jc / vc
	printf "check             status DOWN records: vpnlens %d, jq %d%s\n", dv, dj, (dv == dj ? "" : "  MISMATCH")
}'
