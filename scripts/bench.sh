#!/usr/bin/env bash
# Throughput of the shipped binary on a large generated folder of exported
# logs, compared with jq running a trivial filter over the same files.
#
#   scripts/bench.sh [SIZE]        SIZE defaults to 1GB (also 200MB, 512MB, ...)
#
# Two whole-file paths of `vpnlens timeline --logs-dir`, each on one core
# (GOMAXPROCS=1) and on every core:
#   first start   no index cached yet: the folder is listed and, as a
#                 one-shot command indexes on demand, the files named for
#                 the connection asked about are indexed (large plain files
#                 from their ends), then the question is answered; jq reads
#                 every file of the folder (what finding the answer without
#                 an index takes).
#   question      the connection's index cached: its whole time range
#                 (up to 30 days), its four files read whole, merged,
#                 classified, incidents found and explained; jq reads
#                 those four files.
# DENSITY is the corpus's routine traffic: real (default: the liveness
# exchange every ~10 s per tunnel, as a tunnel with DPD on logs) or sparse
# (the generator's earlier mix, an IKE record about every 20 s). CORPUS_DIR
# overrides where the corpus lives (default /tmp/vpnlens-corpus-SIZE-DENSITY);
# it is generated once (go run ./internal/corpusgen) and reused.
set -euo pipefail

size=${1:-1GB}
density=${DENSITY:-real}
dir=${CORPUS_DIR:-/tmp/vpnlens-corpus-$size-$density}
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
	(cd "$root" && go run ./internal/corpusgen -out "$dir" -size "$size" -density "$density") >&2
	touch "$dir/.complete"
fi
(cd "$root" && go build -o "$work/vpnlens" .)

# Every run reads from the page cache, not the disk.
cat "$dir"/* >/dev/null
first=("$dir"/vpn-*_*) # a glob, not ls | head: head closing the pipe early fails the script under pipefail
vpn=$(basename "${first[0]}" | cut -d_ -f1)
conn_files=("$dir/$vpn"_*)

# field FILE NAME: a value from /usr/bin/time -v output.
field() { sed -n "s/^[[:space:]]*$2: //p" "$1"; }
cpu_seconds() { awk -v u="$(field "$1" 'User time (seconds)')" -v s="$(field "$1" 'System time (seconds)')" 'BEGIN { printf "%.2f", u + s }'; }
wall_seconds() { # h:mm:ss or m:ss.ss
	field "$1" 'Elapsed (wall clock) time (h:mm:ss or m:ss)' | awk -F: '{ t = 0; for (i = 1; i <= NF; i++) t = t * 60 + $i; printf "%.2f", t }'
}
rss_mb() { awk -v k="$(field "$1" 'Maximum resident set size (kbytes)')" 'BEGIN { printf "%.0f", k / 1024 }'; }

# row LABEL BYTES VPNLENS_TIME JQ_TIME
row() {
	awk -v l="$1" -v b="$2" -v vw="$(wall_seconds "$3")" -v vc="$(cpu_seconds "$3")" -v vr="$(rss_mb "$3")" \
		-v jw="$(wall_seconds "$4")" -v jc="$(cpu_seconds "$4")" 'BEGIN {
		printf "%-26s %6.0f MB  vpnlens %6.2f s wall %6.2f s cpu %5.0f MB RSS | jq %6.2f s wall %6.2f s cpu | vpnlens %.1fx faster (wall), %.1fx (cpu)\n",
			l, b / 1e6, vw, vc, vr, jw, jc, jw / vw, jc / vc }'
}

ask() { # ask CACHE_DIR: the question, as a user would ask it
	XDG_CACHE_HOME=$1 "$work/vpnlens" timeline --logs-dir "$dir" --vpn "$vpn" --start latest-30d --anomalies-only --json
}

all_bytes=$(cat "$dir"/* | wc -c)
conn_bytes=$(cat "${conn_files[@]}" | wc -c)
echo "corpus   $dir: $(ls "$dir" | wc -l) files, $((all_bytes / 1000000)) MB, $density density; question: timeline of $vpn ($((conn_bytes / 1000000)) MB in ${#conn_files[@]} files), up to 30 days, anomalies listed"
echo "machine  $(nproc) cores, $(go env GOVERSION)"
for cores in 1 "$(nproc)"; do
	export GOMAXPROCS=$cores
	/usr/bin/time -v jq -c 'select(.status=="DOWN")' "$dir"/* >"$work/jq-all.out" 2>"$work/jq-all.time"
	/usr/bin/time -v jq -c 'select(.status=="DOWN")' "${conn_files[@]}" >"$work/jq-conn.out" 2>"$work/jq-conn.time"
	rm -rf "$work/cache" && mkdir "$work/cache"
	/usr/bin/time -v bash -c "$(declare -f ask); work=$work dir=$dir vpn=$vpn ask $work/cache" >"$work/first.json" 2>"$work/first.time"
	/usr/bin/time -v bash -c "$(declare -f ask); work=$work dir=$dir vpn=$vpn ask $work/cache" >"$work/again.json" 2>"$work/again.time"
	cmp -s "$work/first.json" "$work/again.json" || { echo "the answer changed between runs" >&2; exit 1; }
	echo "GOMAXPROCS=$cores (jq is single-threaded)"
	row "  first start (no index)" "$all_bytes" "$work/first.time" "$work/jq-all.time"
	row "  question (index cached)" "$conn_bytes" "$work/again.time" "$work/jq-conn.time"
done
echo "answer   $(jq -r .summary "$work/again.json" | cut -c1-160)"
