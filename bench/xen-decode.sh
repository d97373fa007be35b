#!/usr/bin/env bash
# xentrace decode throughput, xpkttrace xen-stat against xenalyze --summary,
# on one large file made here: at least $XT_BENCH_RECORDS (default 50 M)
# records, made by repeating the real capture tests/data/xen417-iperf3-tcg-run2
# (its windows copied whole, every TSC, and a lost record's first_tsc, shifted
# by one trace span per copy), so the record mix is a real one. Records are counted once
# for both tools: the file's records (xen-stat's count, window headers not
# included). Prints one line; exits non-zero if the ratio is below 2.
#   O=build bench/xen-decode.sh
set -eu
O=${O:-build}
N=${XT_BENCH_RECORDS:-50000000}
here=$(cd "$(dirname "$0")" && pwd)
xa=$(O=$O "$here/xenalyze-build.sh" | tail -1)
[ -x "$O/xpkttrace" ] || make -s O="$O" "$O/xpkttrace"
[ -f "$O/libxpkt.a" ] || make -s O="$O" "$O/libxpkt.a"
tmp=${TMPDIR:-/tmp}/xpkt-xen-bench.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -std=c11 -Wall -Wextra -Werror -o "$tmp/gen" bench/xt-repeat.c
xz -dc tests/data/xen417-iperf3-tcg-run2.xentrace.xz >"$tmp/fixture.xentrace"
"$tmp/gen" "$tmp/fixture.xentrace" "$tmp/big.xentrace" "$N"
rm -f "$tmp/fixture.xentrace"
size=$(stat -c %s "$tmp/big.xentrace")
cat "$tmp/big.xentrace" >/dev/null # both tools start from a warm page cache

now() { date +%s.%N; }
t0=$(now)
"$O/xpkttrace" xen-stat --cpu-hz=2.4G "$tmp/big.xentrace" >"$tmp/ours.txt"
t1=$(now)
"$xa" --cpu-hz=2.4G --summary "$tmp/big.xentrace" >"$tmp/xa.txt" 2>/dev/null
t2=$(now)
recs=$(sed -n '1s/.*: \([0-9]*\) records.*/\1/p' "$tmp/ours.txt")
# Same file, same counts: the two tools' log volumes must agree before timing means anything.
vol() { sed -n '/Log volume summary/,/^|--/p' "$1" | awk '$1 ~ /^[a-z0-9]+$/ && $2 == ":" {print $1, $3}'; }
if [ "$(vol "$tmp/ours.txt")" != "$(vol "$tmp/xa.txt")" ]; then
	echo "xentrace decode: log volumes differ between xpkttrace and xenalyze" >&2
	exit 1
fi
awk -v n="$recs" -v a="$t0" -v b="$t1" -v c="$t2" -v sz="$size" 'BEGIN {
	ours = n / (b - a) / 1e6; peer = n / (c - b) / 1e6; r = ours / peer
	printf "xentrace decode: xpkttrace %.1f M rec/s, xenalyze %.1f M rec/s (%.1fx) [%d records, %.0f MB]\n",
		ours, peer, r, n, sz / 1e6
	exit (r >= 2 ? 0 : 1)
}'
