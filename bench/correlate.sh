#!/usr/bin/env bash
# Correlator throughput and memory: generates a bundle of >= 10 M events with
# `xpkttrace synth`, runs `report --json` on it under /usr/bin/time -v and
# prints one line, e.g.
#   correlate: 11.2 M events/s, peak RSS 84 MB (targets: >= 5 M/s, < 256 MB)
# Exits non-zero if a target is missed.
#   O=build [XPKTTRACE=build/xpkttrace] [BENCH_PACKETS=800000] bench/correlate.sh
set -u
O=${O:-build}
XPKTTRACE=${XPKTTRACE:-$O/xpkttrace}
PACKETS=${BENCH_PACKETS:-800000}
MIN_EVENTS=${BENCH_MIN_EVENTS:-10000000}
MIN_RATE=5    # M events/s
MAX_RSS=256   # MB
dir=$O/bench/correlate-bundle
out=$O/bench/correlate.json
tlog=$O/bench/correlate.time

mkdir -p "$O/bench"
if [ ! -s "$dir/manifest.json" ] || [ "$(cat "$dir/.packets" 2>/dev/null)" != "$PACKETS" ]; then
	rm -rf "$dir"
	"$XPKTTRACE" synth -o "$dir" --packets "$PACKETS" --quiet >/dev/null ||
		{ echo "correlate: synth failed" >&2; exit 1; }
	echo "$PACKETS" >"$dir/.packets"
fi
# Warm the page cache so the run measures decoding and joining, not the disk.
cat "$dir"/* >/dev/null 2>&1
/usr/bin/time -v "$XPKTTRACE" report --json --quiet -o "$out" "$dir" 2>"$tlog" ||
	{ cat "$tlog" >&2; echo "correlate: report failed" >&2; exit 1; }

events=$(jq -r .events_read "$out")
wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$tlog")
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tlog")
# wall is [h:]m:ss.ss
secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
rate=$(awk -v e="$events" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? e / s / 1e6 : 0) }')
rss=$(awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k / 1024 }')
echo "correlate: $rate M events/s, peak RSS $rss MB (targets: >= $MIN_RATE M/s, < $MAX_RSS MB;" \
	"$events events in ${secs}s)"
fail=0
if [ "$events" -lt "$MIN_EVENTS" ]; then
	echo "correlate: bundle has $events events, fewer than $MIN_EVENTS" >&2
	fail=1
fi
awk -v r="$rate" -v m="$MIN_RATE" 'BEGIN { exit !(r < m) }' && { echo "correlate: too slow" >&2; fail=1; }
[ "$rss" -lt "$MAX_RSS" ] || { echo "correlate: too much memory" >&2; fail=1; }
exit $fail
