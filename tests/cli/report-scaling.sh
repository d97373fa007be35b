#!/usr/bin/env bash
# Cache/TLB scaling (seed 001 Figures 13-17; correlator/simscale.c): a
# generated bundle's pmu-sim stream (synth --pmu-sim, one model) is
# rewritten into one with six model instances whose counters are known
# multiples of model 0's: instance m's L2 misses are FL2[m] times model 0's,
# its ITLB/DTLB misses FTLB[m] times, its L2 accesses model 0's L1D misses
# and its TLB accesses the instructions. So every per-stage number of
# `report --json`'s "pmu_scaling" follows by arithmetic from the same
# stage's simulated deltas of model 0 ("pmu": instructions, l1d_misses,
# l2_misses, itlb_misses, dtlb_misses; simpmu.c, an independent module),
# and the whole run's from "pmu_sim". The HTML page draws the L2, ITLB,
# DTLB and global-bit plots per direction, with one point per (line, size)
# that has accesses, renders clean in headless Chromium, and its self-check
# catches a broken plot.
set -u
. "$(dirname "$0")/lib.bash"

N=3000
[ "${XPKT_ASAN:-0}" = 1 ] && N=800
expect_exit 0 "" "$X" synth -o "$T/b" --packets $N --seed 11 -q --pmu-sim
[ -s "$T/b/pmu.sim" ] || fail "synth --pmu-sim wrote no pmu.sim"

# Six models: L2 8M 4M 1M 256K 1M 256K; TLB 256 128 64 32 64:G 32:G (the
# duplicated L2 sizes get the same factor, as the plugin shares the array).
# A version 2 stream's per-block records (model 0 only) are kept as they are.
rewrite() { # pmu.sim file
	python3 - "$1" <<'PY' || fail "cannot rewrite $1"
import struct, sys
path = sys.argv[1]
FL2 = [1, 2, 3, 4, 3, 4]
FTLB = [1, 2, 3, 4, 1, 2]
L2 = ["8M:16:64", "4M:16:64", "1M:16:64", "256K:16:64", "1M:16:64", "256K:16:64"]
TLB = ["256:4", "128:4", "64:4", "32:4", "64:4:G", "32:4:G"]
b = open(path, "rb").read()
(magic, ver, hb, nv, nm, nc, rb, hz, per, st, hv, fl, rs) = struct.unpack_from("<8sIIIIIIQQQQII", b, 0)
assert magic == b"XPMUSIM1" and ver in (1, 2) and nm == 1 and nc == 17 and rb == 16 + 8 * nc, (ver, nm, nc)
M = len(L2)
nnc = 7 + 10 * M
out = [struct.pack("<8sIIIIIIQQQQII", magic, ver, 72 + 200 * M, nv, M, nnc, 16 + 8 * nnc,
                   hz, per, st, hv, fl, rs)]
def g(s):
    return s.encode().ljust(40, b"\0")
for m in range(M):
    out.append(g("32K:8:64") + g("32K:8:64") + g(L2[m]) + g(TLB[m]) + g(TLB[m]))
off = hb
n = 0
while off < len(b):
    head = b[off:off + 16]
    kind, payload = struct.unpack_from("<HH", b, off + 12)
    if kind >= 4:  # version 2 TBDEF / ANNOT: head + payload, model 0's only; kept
        out.append(b[off:off + 16 + payload])
        off += 16 + payload
        continue
    c = list(struct.unpack_from("<%dQ" % nc, b, off + 16))
    off += rb
    insns = c[0]
    m0 = c[7:17]
    # l1i_a l1i_m l1d_a l1d_m l2_a l2_m itlb_a itlb_m dtlb_a dtlb_m
    l1d_miss, l2_miss, itlb_miss, dtlb_miss = m0[3], m0[5], m0[7], m0[9]
    cnt = c[:7]
    for m in range(M):
        cnt += [m0[0], m0[1], m0[2], l1d_miss, l1d_miss, FL2[m] * l2_miss,
                insns, FTLB[m] * itlb_miss, insns, FTLB[m] * dtlb_miss]
    out.append(head + struct.pack("<%dQ" % nnc, *cnt))
    n += 1
assert off == len(b)
open(path, "wb").write(b"".join(out))
print(f"pmu.sim: {n} records rewritten with {M} models")
PY
}
rewrite "$T/b/pmu.sim"

expect_exit 0 "" "$X" report --json -q -o "$T/r.json" "$T/b"
jq -e '.pmu_scaling' "$T/r.json" >/dev/null || fail "report --json has no pmu_scaling"
# The text report's table: a row per instance, its rates those of the JSON's
# stage sums per direction (the text's own arithmetic, checked here).
"$X" report -q "$T/b" >"$T/r.txt" || fail "report (text) failed"
python3 - "$T/r.json" "$T/r.txt" <<'PY' || fail "the text scaling table disagrees with the JSON"
import json, sys
sc = json.load(open(sys.argv[1]))["pmu_scaling"]
lines = open(sys.argv[2]).read().split("\n")
i = next(k for k, l in enumerate(lines) if l.startswith("Cache/TLB scaling"))
rows = [l.split() for l in lines[i + 3:i + 3 + len(sc["models"])]]
for m, row in zip(sc["models"], rows):
    assert row[0] == str(m["model"]) and row[1] == m["l2"], (row, m)
    for d, off in (("tx", 4), ("rx", 7)):
        for j, lv in enumerate(("l2", "itlb", "dtlb")):
            a = sum(s["models"][m["model"]][lv]["accesses"] for s in sc["stages"] if s["direction"] == d)
            x = sum(s["models"][m["model"]][lv]["misses"] for s in sc["stages"] if s["direction"] == d)
            want = "-" if not a else "%.2f%%" % (100.0 * x / a)
            assert row[off + j] == want, (m["model"], d, lv, row[off + j], want)
assert all(len(l) <= 80 for l in lines), "a line over 80 columns"
print("text table: %d instances, rates as the JSON's" % len(rows))
PY
python3 - "$T/r.json" <<'PY' || fail "pmu_scaling disagrees with the stages' simulated deltas"
import json, sys
r = json.load(open(sys.argv[1]))
sc = r["pmu_scaling"]
FL2 = [1, 2, 3, 4, 3, 4]
FTLB = [1, 2, 3, 4, 1, 2]
bad = []
models = sc["models"]
if len(models) != 6:
    bad.append(f"{len(models)} models, want 6")
glob = [m["dtlb_global"] for m in models]
if glob != [False] * 4 + [True] * 2 or [m["itlb_global"] for m in models] != glob:
    bad.append(f"global flags {glob}")
if [m["l2"] for m in models][:4] != ["8M:16:64", "4M:16:64", "1M:16:64", "256K:16:64"]:
    bad.append("L2 geometry texts")
stages = {(s["direction"], s["name"]): s for s in r["stages"]}
def simpmu(s):
    # simulated deltas hold "pmu" unless hardware ones do (then "pmu_sim")
    p = s.get("pmu") or {}
    return p if p.get("source") == "simulated" else s.get("pmu_sim") or {}
def want(p, m):
    def s(k):
        return p[k]["sum"] if k in p else 0
    return {"l2": (s("l1d_misses"), FL2[m] * s("l2_misses")),
            "itlb": (s("instructions"), FTLB[m] * s("itlb_misses")),
            "dtlb": (s("instructions"), FTLB[m] * s("dtlb_misses"))}
seen = set()
tot_stage = [[0, 0, 0, 0, 0, 0] for _ in models]
for st in sc["stages"]:
    key = (st["direction"], st["name"])
    seen.add(key)
    p = simpmu(stages[key])
    for mo in st["models"]:
        m = mo["model"]
        for lvl, (acc, miss) in want(p, m).items():
            got = (mo[lvl]["accesses"], mo[lvl]["misses"])
            if got != (acc, miss):
                bad.append(f"{key} model {m} {lvl}: {got}, want {(acc, miss)}")
            rate = mo[lvl]["miss_rate"]
            if (acc == 0) != (rate is None) or (acc and abs(rate - miss / acc) > 1e-12):
                bad.append(f"{key} model {m} {lvl}: miss_rate {rate}")
        for i, lvl in enumerate(("l2", "itlb", "dtlb")):
            tot_stage[m][2 * i] += mo[lvl]["accesses"]
            tot_stage[m][2 * i + 1] += mo[lvl]["misses"]
# every stage with simulated instructions took record intervals (and is listed)
for key, s in stages.items():
    p = simpmu(s)
    if p.get("instructions", {}).get("sum", 0) > 0 and key not in seen:
        bad.append(f"{key} has simulated instructions but no pmu_scaling entry")
if len(seen) < 6:
    bad.append(f"only {len(seen)} stages in pmu_scaling")
# stages + no stage = the whole run; the run's instructions are pmu_sim's
for m, (t, ns) in enumerate(zip(sc["total"]["models"], sc["no_stage"]["models"])):
    for i, lvl in enumerate(("l2", "itlb", "dtlb")):
        for j, k in enumerate(("accesses", "misses")):
            if tot_stage[m][2 * i + j] + ns[lvl][k] != t[lvl][k]:
                bad.append(f"model {m} {lvl} {k}: stages + no stage != total")
    if t["itlb"]["accesses"] != r["pmu_sim"]["instructions_total"]:
        bad.append(f"model {m}: run instructions {t['itlb']['accesses']}, "
                   f"pmu_sim says {r['pmu_sim']['instructions_total']}")
    if tot_stage[m][2] != r["pmu_sim"]["instructions_in_stages"]:
        bad.append(f"model {m}: stage instructions {tot_stage[m][2]}, "
                   f"pmu_sim says {r['pmu_sim']['instructions_in_stages']}")
if sc["intervals_unknown"] or sc["deltas_backwards"]:
    bad.append(f"unknown {sc['intervals_unknown']} backwards {sc['deltas_backwards']}")
if bad:
    print("\n".join(bad[:20]), file=sys.stderr)
    sys.exit(1)
print(f"pmu_scaling: {len(seen)} stages x {len(models)} models agree with the stages' deltas")
PY

# HTML: the plots, with as many points as the JSON has (line, size) pairs with accesses.
expect_exit 0 "" "$X" report --html "$T/r.html" -q "$T/b"
H=$T/r.html
grep -q '<h2 id="scaling">Cache and TLB scaling (simulated)</h2>' "$H" || fail "no scaling section"
python3 - "$T/r.json" "$H" <<'PY' || fail "scaling plots disagree with pmu_scaling"
import json, re, sys
sc = json.load(open(sys.argv[1]))["pmu_scaling"]
html = open(sys.argv[2]).read()
models = sc["models"]
def size(t):
    n = re.match(r"(\d+)([KMG]?)", t)
    return int(n.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[n.group(2)]
def picks(kind, glob):
    out = {}
    for m in models:
        if kind != "l2" and m[kind + "_global"] != glob:
            continue
        out.setdefault(size(m[kind]), m["model"])
    return [out[k] for k in sorted(out)]
bad = []
for d in ("tx", "rx"):
    st = [s for s in sc["stages"] if s["direction"] == d]
    for kind in ("l2", "itlb", "dtlb"):
        ms = picks(kind, False)
        pts = lines = 0
        for s in st:
            c = sum(1 for m in ms if s["models"][m][kind]["accesses"] > 0)
            pts += c
            lines += c > 0
        agg = [sum(s["models"][m][kind]["accesses"] for s in st) for m in ms]
        c = sum(1 for a in agg if a > 0)
        pts += c if st else 0
        lines += (c > 0) if st else 0
        c = sum(1 for m in ms if sc["total"]["models"][m][kind]["accesses"] > 0)
        pts += c
        lines += c > 0
        tag = f'<svg class="scaling" data-dir="{d}" data-kind="{kind}" data-lines="{lines}" data-points="{pts}"'
        if tag not in html:
            got = re.findall(f'<svg class="scaling" data-dir="{d}" data-kind="{kind}"[^>]*', html)
            bad.append(f"want {tag}, got {got}")
    if st and f'<svg class="scaling-global" data-dir="{d}" data-kind="global" data-lines="4" data-points="8"' not in html:
        bad.append(f"{d}: no global-bit plot with 4 lines of 2 sizes")
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
print("scaling plots: point counts agree with pmu_scaling")
PY
grep -nE 'https?://|src=|<link|@import|url\([^#]' "$H" && fail "the page references something external"

# A bundle with one model has no scaling section (and no pmu_scaling).
expect_exit 0 "" "$X" synth -o "$T/one" --packets 300 --seed 3 -q --pmu-sim
expect_exit 0 "" "$X" report --json -q -o "$T/one.json" "$T/one"
jq -e '.pmu_scaling' "$T/one.json" >/dev/null && fail "pmu_scaling with one model"
expect_exit 0 "" "$X" report --html "$T/one.html" -q "$T/one"
grep -q 'id="scaling"' "$T/one.html" && fail "scaling section with one model"

# Memcheck over the scaling path (decoder, simscale, JSON and HTML writers),
# on the plain build only (ASan covers the other).
if [ "${XPKT_ASAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	expect_exit 0 "" "$X" synth -o "$T/small" --packets 400 --seed 5 -q --pmu-sim
	rewrite "$T/small/pmu.sim" >/dev/null
	vg() {
		valgrind --quiet --error-exitcode=99 --leak-check=full \
			--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
			"$@" 2>"$T/vg.err" || { cat "$T/vg.err"; fail "valgrind: $*"; }
	}
	vg "$X" report -q --json -o "$T/small.json" "$T/small"
	vg "$X" report -q --html "$T/small.html" "$T/small"
	jq -e '.pmu_scaling' "$T/small.json" >/dev/null || fail "small bundle: no pmu_scaling"
	grep -q 'id="scaling"' "$T/small.html" || fail "small bundle: no scaling section"
fi

. "$(dirname "$0")/chromium.bash"
if [ ! -x "$CHROMIUM" ]; then
	echo "report-scaling: static checks ok; browser checks skipped: $CHROMIUM not installed"
	exit 0
fi
render "$H" || fail "the page did not render clean in Chromium"
grep -q '<body[^>]* data-scaling="8"' "$H.dom" || fail "the rendered page does not count 8 scaling plots"
# The page's check catches a plot that lost a point.
sed '0,/<circle class="pt"/s/<circle class="pt"/<circle class="gone"/' "$H" >"$T/broken.html"
render "$T/broken.html" >/dev/null && fail "a scaling plot missing a point was not caught"
grep -q 'broken scaling plot' "$T/broken.html.log" || fail "broken scaling plot: no console error"
echo "report-scaling: ok"
