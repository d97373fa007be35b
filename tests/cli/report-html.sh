#!/usr/bin/env bash
# xpkttrace report --html: the page of a generated bundle is self-contained
# (no reference to anything outside it), holds a histogram for every stage
# that `report --json` of the same bundle counts latency samples for, and a
# waterfall of representative packets; rendered in headless Chromium it
# fetches nothing, logs nothing to the console and its own check marks
# <body data-ok="1">; a screenshot is kept as a test artefact. Bad input:
# one-line errors, exit codes 1/2, no partial file.
set -u
. "$(dirname "$0")/lib.bash"

N=4000
[ "${XPKT_ASAN:-0}" = 1 ] && N=1200
expect_exit 0 "" "$X" synth -o "$T/b" --packets $N --seed 7 -q
"$X" report --json -q -o "$T/r.json" "$T/b" || fail "report --json"
expect_exit 0 "" "$X" report --html "$T/r.html" -q "$T/b"
H=$T/r.html
[ -s "$H" ] || fail "no HTML written"

# (a) Self-contained: no URL, no src= or external stylesheet, no @import.
grep -nE 'https?://|src=|<link|@import|url\([^#]' "$H" && fail "the page references something external"
grep -q 'Content-Security-Policy' "$H" || fail "no CSP forbidding fetches"

# Stages with latency samples, from report --json (an independent writer):
# every stage but the first of each direction (the origin, which creates
# packets and has no previous stage: docs/correlation.md section 3).
jq -r '.stages | group_by(.direction)[] | .[1:][] | select(.count > 0) |
	"\(.direction) \(.name)"' "$T/r.json" >"$T/want"
[ "$(wc -l <"$T/want")" -ge 10 ] || fail "report --json lists only $(wc -l <"$T/want") stages with samples"
# Directions with packets: each must have at least one waterfall.
jq -r '.packets | to_entries[] | select(.value | type == "object" and .total > 0) | .key' \
	"$T/r.json" >"$T/dirs"
[ -s "$T/dirs" ] || fail "report --json has no direction with packets"

# check_dom FILE: every wanted histogram and a waterfall per direction in FILE.
check_dom() {
	local f=$1 d n
	while read -r d n; do
		grep -q "<svg class=\"hist\" data-stage=\"$n\" data-dir=\"$d\"" "$f" ||
			fail "$f: no histogram for $d $n"
	done <"$T/want"
	while read -r d; do
		grep -q "<svg class=\"waterfall\" data-dir=\"$d\"" "$f" || fail "$f: no $d waterfall"
	done <"$T/dirs"
	# Histogram counts are report's counts (same results, another renderer).
	while read -r d n; do
		c=$(jq -r --arg d "$d" --arg n "$n" \
			'.stages[] | select(.direction == $d and .name == $n) | .count' "$T/r.json")
		grep -q "data-stage=\"$n\" data-dir=\"$d\" data-count=\"$c\"" "$f" ||
			fail "$f: $d $n histogram does not carry report's count $c"
	done <"$T/want"
}
check_dom "$H"

# Representative packets, checked against the CSV export of the same bundle
# (each packet's stage times): per direction, the slowest is a packet with
# the largest end-to-end time (last stage minus first) among complete
# packets, and the median and p99 packets' times are within 0.5 % of the
# exact nearest-rank values (the page picks by histogram bucket, 0.4 %).
expect_exit 0 "" "$X" export --csv "$T/p.csv" "$T/b"
grep -o '<svg class="waterfall" data-dir="[a-z]*" data-rank="[a-z0-9]*" data-packet="[0-9]*"' "$H" |
	sed 's/.*data-dir="\([a-z]*\)" data-rank="\([a-z0-9]*\)" data-packet="\([0-9]*\)"/\1 \2 \3/' \
		>"$T/reps"
python3 - "$T/p.csv" "$T/reps" <<'PY' || fail "representative packets disagree with the CSV"
import csv, math, sys
e2e, by_dir = {}, {}
for r in csv.DictReader(open(sys.argv[1])):
    ts = [int(v) for k, v in r.items() if k.endswith("_ts_ns") and v != ""]
    if r["status"] != "complete" or len(ts) < 2:
        continue
    e2e[r["id"]] = max(ts) - min(ts)
    by_dir.setdefault(r["direction"], []).append(max(ts) - min(ts))
reps = [l.split() for l in open(sys.argv[2])]
bad = []
for d, v in by_dir.items():
    v.sort()
    want = {"median": v[math.ceil(0.5 * len(v)) - 1], "p99": v[math.ceil(0.99 * len(v)) - 1],
            "slowest": v[-1]}
    shown = {rank: pid for dd, rank, pid in reps if dd == d}
    if "slowest" not in shown:
        bad.append(f"{d}: no slowest packet shown")
    for rank, pid in shown.items():
        got = e2e.get(pid)
        if got is None:
            bad.append(f"{d} {rank}: packet {pid} is not a complete packet in the CSV")
        elif rank == "slowest" and got != want[rank]:
            bad.append(f"{d} slowest: packet {pid} took {got} ns, the slowest {want[rank]}")
        elif abs(got - want[rank]) > 0.005 * want[rank]:
            bad.append(f"{d} {rank}: packet {pid} took {got} ns, the {rank} is {want[rank]}")
if len(reps) < 2 * len(by_dir):
    bad.append(f"only {len(reps)} waterfalls for {len(by_dir)} directions")
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
print(f"representative packets: {len(reps)} agree with the CSV")
PY
# An inferred stage (tlb_flush without xen-patch/) is labelled with a footnote.
if jq -e '.stages[] | select(.inferred)' "$T/r.json" >/dev/null; then
	grep -q 'is inferred, not observed' "$H" || fail "inferred stage without its footnote"
fi
# PMU: the generated bundle has counters (a table of them); the same bundle
# whose manifest says the recorder found no PMU shows "n/a (reason)", never
# a zero.
grep -q '<table class="pmu">' "$H" || fail "no PMU table for a bundle with counters"
rm -rf "$T/nopmu" && cp -r "$T/b" "$T/nopmu"
jq '(.sources[] | select(.pmu != null) | .pmu) |= {"available": false, "reason": "test: no PMU"}' \
	"$T/b/manifest.json" >"$T/nopmu/manifest.json"
expect_exit 0 "" "$X" report -q --html "$T/nopmu.html" "$T/nopmu"
grep -q '<p class="na">n/a (guest, dom0: test: no PMU)</p>' "$T/nopmu.html" || fail "no PMU n/a (reason)"
grep -q '<table class="pmu">' "$T/nopmu.html" && fail "PMU table without counters"
checked="static"

# Text from the bundle is escaped: a workload with markup shows as text.
rm -rf "$T/esc" && cp -r "$T/b" "$T/esc"
jq '.workload = "iperf3 <script>x()</script> \"a\" & '"'"'b'"'"'"' "$T/b/manifest.json" >"$T/esc/manifest.json"
expect_exit 0 "" "$X" report -q --html "$T/esc.html" "$T/esc"
grep -qF 'iperf3 &lt;script&gt;x()&lt;/script&gt; &quot;a&quot; &amp; &#39;b&#39;' "$T/esc.html" ||
	fail "the workload is not escaped"
[ "$(grep -c '<script' "$T/esc.html")" = "$(grep -c '<script' "$H")" ] || fail "markup from the bundle got in"

# (b) Bad input.
# usage errors: one line, then the usual "Try 'xpkttrace report --help'." hint
expect_exit 2 "exclusive" "$X" report --json --html "$T/x.html" "$T/b"
[ "$(grep -vc '^Try ' "$T/err")" = 1 ] || fail "error is not one line: $(cat "$T/err")"
expect_exit 2 "" "$X" report --html "$T/x.html"
expect_exit 2 "" "$X" report --html
expect_exit 1 "/nonexistent-dir/x.html" "$X" report -q --html /nonexistent-dir/x.html "$T/b"
[ "$(wc -l <"$T/err")" = 1 ] || fail "error is not one line: $(cat "$T/err")"
expect_exit 1 "nobundle" "$X" report -q --html "$T/x.html" "$T/nobundle"
[ -e "$T/x.html" ] && fail "failed report left $T/x.html"
cp "$H" "$T/keep.html"
rm -rf "$T/torn" && cp -r "$T/b" "$T/torn"
f=$(ls "$T/torn"/*.kev | head -1)
truncate -s $(($(stat -c %s "$f") - 7)) "$f"
expect_exit 1 "$(basename "$f"): offset [0-9]+" "$X" report -q --html "$H" "$T/torn"
cmp -s "$H" "$T/keep.html" || fail "failed report replaced a good file"
ls "$T"/r.html.tmp-* 2>/dev/null && fail "temporary output left behind"

# Memcheck over the HTML path (two correlation runs, the picking, the page),
# on the plain build only (ASan covers the other).
if [ "${XPKT_ASAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	"$X" synth -o "$T/small" --packets 600 --seed 3 -q || fail "synth small"
	valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$X" report -q --html "$T/small.html" \
		"$T/small" 2>"$T/vg.err" || { cat "$T/vg.err"; fail "valgrind: report --html"; }
fi

# (c) Headless Chromium (chromium.bash: chrome, render).
. "$(dirname "$0")/chromium.bash"
if [ ! -x "$CHROMIUM" ]; then
	echo "report-html: static checks ok; browser checks skipped: $CHROMIUM not installed (apt-get install chromium)"
	exit 0
fi
render "$H" || fail "the page did not render clean in Chromium"
check_dom "$H.dom"
h=$(grep -o '<svg class="hist"' "$H.dom" | wc -l)
[ "$h" -ge "$(wc -l <"$T/want")" ] || fail "DOM has $h histograms, want $(wc -l <"$T/want")"

# The detector itself can fail: a page with a broken histogram, and one that
# tries a fetch (blocked by the page's CSP), must both be caught.
sed '0,/<path class="q" data-q="p99"/s/<path class="q" data-q="p99"/<path data-q="p99"/' "$H" \
	>"$T/broken.html"
render "$T/broken.html" >/dev/null && fail "a histogram without its p99 mark was not caught"
grep -q 'broken histogram' "$T/broken.html.log" || fail "broken histogram: no console error"
sed 's|<h1>|<img alt="" src="missing.png"><h1>|' "$H" >"$T/fetch.html"
render "$T/fetch.html" >/dev/null && fail "a fetch was not caught"
grep -q 'missing.png' "$T/fetch.html.log" || fail "blocked fetch: no console error"

# Screenshot artefact.
ART=${XPKT_ARTEFACTS:-${O:-build}/artefacts}
mkdir -p "$ART" || fail "cannot create $ART"
png=$(cd "$ART" && pwd)/report-html$([ "${XPKT_ASAN:-0}" = 1 ] && echo -asan).png
rm -f "$png"
chrome "$H" --screenshot="$png" --window-size=1280,2400 >/dev/null ||
	fail "screenshot: $(tail -3 "$T/chrome.log")"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
sz=$(stat -c %s "$png")
[ "$sz" -gt 10240 ] || fail "$png is only $sz bytes"
echo "report-html: screenshot $png ($sz bytes)"
echo "report-html: ok ($checked and Chromium: $h histograms, $(wc -l <"$T/dirs") directions)"
