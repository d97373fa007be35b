#!/usr/bin/env bash
# pmu-sim-annotate: the plugin's per translation block counts (annotate=1,
# stream version 2) add up. The test guest runs under the plugin with two
# model instances and a CR3-loading workload; in the stream every counter
# record's interval (since the vCPU's previous record) is preceded by ANNOT
# records whose blocks must sum, counter by counter, to exactly that
# record's model 0 deltas (instructions, and each level's accesses and
# misses); every block is defined (TBDEF) before it is named; a mov to CR3
# ends an interval with a record of kind cr3. And without annotate=1 the
# stream stays version 1 with counter records only.
set -u
. "$(dirname "$0")/lib.bash"

if [ "${XPKT_ASAN:-0}" = 1 ]; then
	echo "skipped: the plugin does not link the ASan binary (the plain run covers it)"
	exit 77
fi
QEMU=$(command -v qemu-system-x86_64) || { echo "skipped: no qemu-system-x86_64"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT/pmu-sim" B="$T/pmu" all >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make -C pmu-sim"; }

run() { # $1 = stream file, $2 = extra options
	local rc
	timeout 60 "$QEMU" -accel tcg -cpu qemu64 -m 64 -nographic -no-reboot \
		-kernel "$T/pmu/testguest/guest.elf" \
		-plugin "$T/pmu/xpkt-pmu-sim.so,stream=$1,period_ns=20000,l1d=32K:8:64+128K:8:64,l2=256K:16:64,dtlb=64:4,itlb=64:4$2" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$1.console" 2>&1
	rc=$?
	[ $rc -eq 1 ] || { tail -5 "$1.console"; fail "qemu exited $rc, expected 1"; }
	"$T/pmu/xpkt-pmu-dump" "$1" >"$1.json" || fail "xpkt-pmu-dump $1"
}

run "$T/a.stream" ",annotate=1"
run "$T/p.stream" ""

python3 - "$T/a.stream.json" "$T/p.stream.json" <<'PY' || fail "annotation does not add up"
import json, sys

names = ["l1i", "l1d", "l2", "itlb", "dtlb"]
prev, pend, tbs = {}, {}, set()
intervals = bad = cr3 = blocks = 0
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["kind"] == "header" and lines[0]["version"] == 2, lines[0]
for o in lines[1:]:
    k, v = o["kind"], o["vcpu"]
    if k == "tbdef":
        tbs.add(o["id"])
        continue
    if k == "annot":
        s = pend.setdefault(v, [0] * 11)
        for b in o["blocks"]:
            assert b[0] in tbs, f"block {b[0]} named before its TBDEF"
            blocks += 1
            for i in range(11):
                s[i] += b[1 + i]
        continue
    cr3 += k == "cr3"
    m = o["models"][0]
    cur = [o["insns"]] + [m[f"{n}_{x}"] for n in names for x in ("access", "miss")]
    s = pend.pop(v, [0] * 11)
    if v in prev:
        intervals += 1
        d = [a - b for a, b in zip(cur, prev[v])]
        if d != s:
            bad += 1
            if bad < 4:
                print(f"record at tsc {o['tsc']}: deltas {d}, blocks {s}", file=sys.stderr)
    elif any(s):
        sys.exit("blocks before the first record of a vCPU")
    prev[v] = cur
print(f"ok: {intervals} intervals, {blocks} block counts, {len(tbs)} blocks, {cr3} cr3 records, {bad} mismatches")
if bad or intervals < 100 or cr3 < 1 or blocks < intervals:
    sys.exit(1)
plain = [json.loads(l) for l in open(sys.argv[2])]
assert plain[0]["version"] == 1, plain[0]
kinds = {o["kind"] for o in plain[1:]}
assert kinds <= {"periodic", "marker", "final"}, kinds
print(f"ok: without annotate=1: version 1, record kinds {sorted(kinds)}")
PY
