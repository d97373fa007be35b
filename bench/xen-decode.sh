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
cat >"$tmp/gen.c" <<'EOC'
/* Repeats the fixture's windows, TSCs shifted by one trace span per copy. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static uint64_t tsc_at(uint8_t *p) { uint32_t lo, hi; memcpy(&lo, p, 4); memcpy(&hi, p + 4, 4); return (uint64_t)hi << 32 | lo; }
static void tsc_put(uint8_t *p, uint64_t t) { uint32_t lo = (uint32_t)t, hi = (uint32_t)(t >> 32); memcpy(p, &lo, 4); memcpy(p + 4, &hi, 4); }
int main(int argc, char **argv)
{
	FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
	unsigned long long want = strtoull(argv[3], NULL, 10), recs = 0, total = 0;
	uint8_t *buf, *cp;
	long n;
	uint64_t lo = ~0ull, hi = 0, span;
	if (!in || !out) return 1;
	fseek(in, 0, SEEK_END); n = ftell(in); fseek(in, 0, SEEK_SET);
	buf = malloc(n); cp = malloc(n);
	if (!buf || !cp || fread(buf, 1, n, in) != (size_t)n) return 1;
	for (long o = 0; o < n;) { /* pass 1: records per copy, TSC range */
		uint32_t len; memcpy(&len, buf + o + 8, 4); o += 12;
		for (long e = o + len; o < e;) {
			uint32_t h; memcpy(&h, buf + o, 4);
			if (h >> 31) { uint64_t t = tsc_at(buf + o + 4); lo = t < lo ? t : lo; hi = t > hi ? t : hi; }
			o += 4 + (h >> 31) * 8 + 4 * ((h >> 28) & 7); recs++;
		}
	}
	span = hi - lo + 1000000;
	for (uint64_t k = 0; total < want; k++, total += recs) {
		memcpy(cp, buf, n);
		for (long o = 0; o < n;) {
			uint32_t len; memcpy(&len, cp + o + 8, 4); o += 12;
			for (long e = o + len; o < e;) {
				uint32_t h; memcpy(&h, cp + o, 4);
				if (h >> 31) {
					tsc_put(cp + o + 4, tsc_at(cp + o + 4) + k * span);
					if ((h & 0x7fffffff) == (0x0001f001u | 4u << 28)) /* lost: first_tsc too */
						tsc_put(cp + o + 20, tsc_at(cp + o + 20) + k * span);
				}
				o += 4 + (h >> 31) * 8 + 4 * ((h >> 28) & 7);
			}
		}
		if (fwrite(cp, 1, n, out) != (size_t)n) return 1;
	}
	return fclose(out) != 0;
}
EOC
gcc -O2 -std=c11 -o "$tmp/gen" "$tmp/gen.c"
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
