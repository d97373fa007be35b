#!/usr/bin/env bash
# annotate: `xpkttrace annotate` against the generator's truth. synth
# --pmu-sim writes a version 2 stream in which every record interval is one
# of two translation blocks in Xen's range (by the record's parity), named in
# the bundle's xen.kallsyms; truth replays the correlator's claim rule from
# identities and sums each stage's blocks (truth-annotate.json). Checked:
# every (direction, stage, function) with all eleven counters equal, no
# function the truth does not have, and per stage the functions' total equals
# the simulated instruction sum `report --json` gives that stage. Then the
# text table, --stage, --top, and the errors.
set -u
. "$(dirname "$0")/lib.bash"
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }

N=20000
[ "${XPKT_ASAN:-0}" = 1 ] && N=4000
for seed in 1 7; do
	B=$T/b$seed
	"$X" synth --pmu-sim --packets $N --seed $seed -o "$B" >/dev/null 2>&1 || fail "synth --pmu-sim seed $seed"
	"$X" annotate --json -q "$B" >"$T/a$seed.json" || fail "annotate --json seed $seed"
	"$X" report --json -q "$B" >"$T/r$seed.json" || fail "report --json seed $seed"
	python3 - "$T/a$seed.json" "$B/truth-annotate.json" "$T/r$seed.json" <<'PY' || fail "annotate differs from truth (seed $seed)"
import json, sys
got, want, rep = (json.load(open(p)) for p in sys.argv[1:])
key = lambda s, f: (s["dir"], s["stage"], f["function"])
g = {key(s, f): f for s in got["stages"] if s["dir"] for f in s["functions"]}
w = {key(s, f): f for s in want["stages"] for f in s["functions"]}
bad = [k for k in w if k not in g or any(g[k][c] != v for c, v in w[k].items())]
extra = [k for k in g if k not in w]
print(f"seed: {len(w)} (dir, stage, function) rows, {len(bad)} differ, {len(extra)} extra")
for k in bad[:3]:
    print("  differs:", k, g.get(k), w[k], file=sys.stderr)
stage_sum = {(s["direction"], s["name"]): s["pmu_sim"].get("instructions", {}).get("sum", 0)
             for s in rep["stages"] if "pmu_sim" in s}
tot = {(s["dir"], s["stage"]): s["total"]["instructions"] for s in got["stages"] if s["dir"]}
off = [k for k in tot if tot[k] != stage_sum.get(k)]
print(f"  {len(tot)} stage totals against report's simulated sums, {len(off)} differ")
sys.exit(1 if bad or extra or off or len(w) < 10 else 0)
PY
done

B=$T/b1
"$X" annotate -q "$B" >"$T/text" || fail "annotate (text)"
grep -q '^tx grant_claim$' "$T/text" || fail "no 'tx grant_claim' group in the text table"
grep -q 'synth_even_interval *xen' "$T/text" || fail "no named function row in the text table"
grep -q '^no stage' "$T/text" || fail "no 'no stage' group"
"$X" annotate -q --stage rx:backend_rx_copy "$B" >"$T/one" || fail "annotate --stage"
[ "$(grep -c '^[rt]x ' "$T/one")" = 1 ] || fail "--stage rx:backend_rx_copy printed $(grep -c '^[rt]x ' "$T/one") groups"
"$X" annotate -q --top 1 "$B" >"$T/top" || fail "annotate --top 1"
grep -q '(1 more functions)' "$T/top" || fail "--top 1 did not fold the rest"
"$X" annotate -q --stage none --json "$B" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [s["stage"] for s in d["stages"]] == ["none"], d["stages"]' || fail "--stage none --json"

# errors: no per-block counts; bad options; a stage the catalogue lacks
"$X" synth --packets 2000 -o "$T/plain" >/dev/null 2>&1 || fail "synth"
expect_exit 1 'no per-block simulated counts' "$X" annotate -q "$T/plain"
expect_exit 2 'top' "$X" annotate --top -3 "$B"
expect_exit 2 'unknown option' "$X" annotate --bogus "$B"
expect_exit 2 'BUNDLE' "$X" annotate
expect_exit 2 'no_such_stage' "$X" annotate --stage tx:no_such_stage "$B"
expect_exit 1 'nowhere' "$X" annotate "$T/nowhere"
echo "ok: annotate"
