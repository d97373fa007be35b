#!/usr/bin/env bash
# record --pmu=sim: no counters here, but the clock pairs a pmu-sim stream is
# aligned by (docs/pmu-sim.md "Timebase"): 8 "BEFORE AFTER" TSC brackets of
# the plugin's marker instruction before the workload and 8 after it, in
# pmu-sim-markers.txt, each bracket ordered and tight, the two groups around
# the workload (its own rdtsc, read by the workload itself, falls between
# them), and the manifest's pmu reason saying so. Outside QEMU's plugin the
# marker (xchg %bx,%bx) is a no-op, so this runs anywhere x86-64.
set -u
. "$(dirname "$0")/lib.bash"

TR=/sys/kernel/tracing
if [ "$(id -u)" -ne 0 ]; then echo "skip: record needs root"; exit 77; fi
if [ ! -d $TR/instances ]; then mount -t tracefs nodev $TR 2>/dev/null; fi
if [ ! -d $TR/instances ]; then echo "skip: no tracefs"; exit 77; fi
[ "$(uname -m)" = x86_64 ] || { echo "skip: x86-64 only"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

# The workload notes the TSC in the middle of the run: a line through the
# trace_marker of a tracefs instance of its own, stamped with x86-tsc.
cat >"$T/work.sh" <<'SH'
#!/bin/sh
d=/sys/kernel/tracing/instances/xpkt-pmusim-test-$$
mkdir "$d" && echo x86-tsc >"$d/trace_clock" && echo mid >"$d/trace_marker" &&
	sed -n 's/.* \([0-9]\+\): tracing_mark_write: mid$/\1/p' "$d/trace" >"$1"
rmdir "$d"
SH
chmod +x "$T/work.sh"
"$X" record -q --pmu=sim -o "$T/b" -- "$T/work.sh" "$T/mid" || fail "record --pmu=sim"
[ -s "$T/b/pmu-sim-markers.txt" ] || fail "no pmu-sim-markers.txt"
grep -q '"reason": "simulated (--pmu=sim)' "$T/b/manifest.json" || fail "manifest pmu reason"
python3 - "$T/b/pmu-sim-markers.txt" "$T/mid" <<'PY' || fail "markers do not check out"
import sys
pairs = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
mid = open(sys.argv[2]).read().split()
assert len(pairs) == 16, f"{len(pairs)} markers, want 16"
for (a, b), (c, d) in zip(pairs, pairs[1:]):
    assert a <= b < c <= d, ("not in order", a, b, c, d)
tight = max(b - a for a, b in pairs)
# 20 ms apart: at any TSC rate from 1 to 10 GHz, 2e7..2e8 ticks
gaps = [c - b for (a, b), (c, d) in zip(pairs, pairs[1:])]
assert tight < 10**6, f"a bracket of {tight} ticks"
assert min(gaps[:7] + gaps[8:]) > 10**7, f"markers closer than 20 ms: {min(gaps)}"
if mid:
    m = int(mid[0])
    assert pairs[7][1] < m < pairs[8][0], ("the workload ran outside the two groups", pairs[7], m, pairs[8])
print(f"ok: 16 markers, widest bracket {tight} ticks, workload between the groups: {bool(mid)}")
PY
expect_exit 2 'unknown counter' "$X" record --pmu=simulated -o "$T/c" -- true
echo "ok: record --pmu=sim"
