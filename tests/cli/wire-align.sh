#!/usr/bin/env bash
# testbed/wire-align.py on a generated bundle whose wire alignment is known:
# the generator's manifest has the exact offset and rate. The test moves the
# wire 300 us early and the TSC rate 40 ppm off (what markers under TCG left),
# checks that TX packets then lose their wire stage, runs the alignment and
# requires the generator's answer back: TX complete as before, and the wire
# within 20 us of the generator's alignment across the whole trace.
set -u
. "$(dirname "$0")/lib.bash"
command -v python3 >/dev/null || {
	echo "skip: no python3"
	exit 77
}
command -v jq >/dev/null || {
	echo "skip: no jq"
	exit 77
}
ALIGN=$(dirname "$0")/../../testbed/wire-align.py
B=$T/b
"$X" synth -o "$B" --packets 4000 -q || fail "synth failed"
"$X" report --json -q -o "$T/r0.json" "$B" || fail "report failed"
tx0=$(jq '.packets.tx.complete' "$T/r0.json")
hz0=$(jq '.tsc_hz' "$B/manifest.json")
off0=$(jq '.sources[] | select(.name == "wire") | .offset_ns' "$B/manifest.json")
[ "$tx0" -gt 1000 ] || fail "generated bundle has only $tx0 complete TX packets"

# Misalign: TSC rate +40 ppm, and the wire 300 us early at the trace's start
# (markers fit the offset where they are, the rate error grows from there),
# "estimated" as the markers leave it.
tsc_first=$("$X" events --dump -s dom0 "$B" | awk 'NR == 1 { print $3 }')
python3 - "$B/manifest.json" "$tsc_first" <<'PY' || fail "could not misalign the manifest"
import json, sys
path, t = sys.argv[1], int(sys.argv[2])
m = json.load(open(path))
hz0 = m["tsc_hz"]
hz = hz0 * 1000040 // 1000000
w = next(s for s in m["sources"] if s["name"] == "wire")
# same ns for the first dom0 event at both rates, then 300 us early
w["offset_ns"] += t * 10**9 // hz0 - t * 10**9 // hz + 300000
w["offset_from"] = "estimated"
m["tsc_hz"] = hz
json.dump(m, open(path, "w"), indent=2)
PY
"$X" report --json -q -o "$T/r1.json" "$B" || fail "report (misaligned) failed"
tx1=$(jq '.packets.tx.complete' "$T/r1.json")
[ "$tx1" -lt $((tx0 / 2)) ] || fail "misaligning the wire did not break the TX wire joins ($tx1 of $tx0)"

python3 "$ALIGN" "$X" "$B" 2>"$T/align.err" || fail "wire-align.py failed: $(cat "$T/align.err")"
grep -q 'pairs out of order: TX [01], RX 0' "$T/align.err" || fail "alignment: $(cat "$T/align.err")"
[ "$(jq -r '.sources[] | select(.name == "wire") | .offset_from' "$B/manifest.json")" = "causal pairs" ] ||
	fail "offset_from not 'causal pairs'"
"$X" report --json -q -o "$T/r2.json" "$B" || fail "report (aligned) failed"
tx2=$(jq '.packets.tx.complete' "$T/r2.json")
[ "$tx2" -eq "$tx0" ] || fail "aligned: $tx2 complete TX packets, generator's alignment gave $tx0"
hz2=$(jq '.tsc_hz' "$B/manifest.json")
off2=$(jq '.sources[] | select(.name == "wire") | .offset_ns' "$B/manifest.json")
tsc_last=$("$X" events --dump -s dom0 "$B" | awk 'END { print $3 }')
# The wire's misalignment against the generator's, at the trace's first and
# last dom0 event: at most 20 us (the line sits on the least-delayed pairs,
# so it may lean late by the generator's smallest NIC-to-wire delay).
err=$(python3 -c '
import sys
hz0, off0, hz2, off2, a, b = map(int, sys.argv[1:])
e = [(off0 - off2) + t * 10**9 // hz0 - t * 10**9 // hz2 for t in (a, b)]
print(max(e, key=abs))' "$hz0" "$off0" "$hz2" "$off2" "$tsc_first" "$tsc_last")
[ "${err#-}" -le 20000 ] || fail "wire misaligned by $err ns after the fit (rate $hz2 Hz, offset $off2)"
echo "wire-align: $tx1 -> $tx2 of $tx0 TX packets complete; wire within $err ns of the generator's alignment; $(cat "$T/align.err")"
