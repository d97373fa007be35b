#!/usr/bin/env bash
# xpkttrace export: per-packet CSV / JSONL and the Perfetto timeline of a
# generated bundle, checked against `report --json` of the same bundle, an
# independent path (report aggregates the correlator's histograms; the test
# aggregates the exported rows itself). Bad input: one-line errors, exit
# codes 1/2, no partial file.
set -u
. "$(dirname "$0")/lib.bash"

N=5000
[ "${XPKT_ASAN:-0}" = 1 ] && N=1500
expect_exit 0 "" "$X" synth -o "$T/b" --packets $N --seed 11 -q
"$X" report --json -q -o "$T/r.json" "$T/b" || fail "report --json"
expect_exit 0 "" "$X" export --csv "$T/p.csv" "$T/b"
expect_exit 0 "" "$X" export --jsonl "$T/p.jsonl" "$T/b"
expect_exit 0 "" "$X" export --perfetto "$T/p.json" "$T/b"

python3 - "$T/r.json" "$T/p.csv" "$T/p.jsonl" "$T/p.json" <<'PY' || fail "export checks"
import csv, json, sys
from collections import defaultdict

rep = json.load(open(sys.argv[1]))
stages = [(s["direction"], s["name"]) for s in rep["stages"]]
bad = []

# (a) CSV: per-stage latency samples counted and averaged here reproduce
# report's count exactly and its (exact) mean to rounding; packet totals and
# statuses reproduce report's packet counts.
rows = list(csv.DictReader(open(sys.argv[2])))
cols = rows[0].keys() if rows else []
for d, n in stages:
    for suf in ("ts_ns", "lat_ns"):
        if f"{d}_{n}_{suf}" not in cols:
            bad.append(f"column {d}_{n}_{suf} missing")
for s in rep["stages"]:
    col = f'{s["direction"]}_{s["name"]}_lat_ns'
    v = [int(r[col]) for r in rows if r[col] != ""]
    if len(v) != s["count"]:
        bad.append(f"{col}: {len(v)} samples, report {s['count']}")
    elif v and abs(sum(v) / len(v) - s["mean_ns"]) > 1e-6 * max(1.0, s["mean_ns"]):
        bad.append(f"{col}: mean {sum(v)/len(v)}, report {s['mean_ns']}")
    elif v and abs(sum(v) - s["total_ns"]) > 0.5:
        bad.append(f"{col}: sum {sum(v)}, report total {s['total_ns']}")
if len(rows) != rep["packets"]["total"]:
    bad.append(f"{len(rows)} rows, report {rep['packets']['total']} packets")
ids = [int(r["id"]) for r in rows]
if sorted(ids) != list(range(1, len(rows) + 1)):
    bad.append("ids are not 1..N")
for d in ("tx", "rx"):
    byst = defaultdict(int)
    reasons = defaultdict(int)
    for r in rows:
        if r["direction"] == d:
            byst[r["status"]] += 1
            if r["status"] in ("partial", "dropped"):
                reasons[(r["status"], r["reason"])] += 1
    pc = rep["packets"][d]
    for st in ("complete", "partial", "dropped", "merged"):
        if byst[st] != pc[st]:
            bad.append(f"{d} {st}: {byst[st]} rows, report {pc[st]}")
    for k, v in pc["partial_reasons"].items():
        if reasons[("partial", k)] != v:
            bad.append(f"{d} partial '{k}': {reasons[('partial', k)]}, report {v}")
    for k, v in pc["drop_reasons"].items():
        if reasons[("dropped", k)] != v:
            bad.append(f"{d} dropped '{k}': {reasons[('dropped', k)]}, report {v}")
# A stage's latency is its time minus the packet's previous attached stage's.
order = defaultdict(list)
for d, n in stages:
    order[d].append(n)
for r in rows[:500]:
    prev = None
    for n in order[r["direction"]]:
        t, l = r[f'{r["direction"]}_{n}_ts_ns'], r[f'{r["direction"]}_{n}_lat_ns']
        if t == "":
            if l != "":
                bad.append(f"packet {r['id']} {n}: latency without a time")
            continue
        if prev is not None and l != "" and int(l) != int(t) - prev:
            bad.append(f"packet {r['id']} {n}: lat {l} != {t} - {prev}")
        prev = int(t)

# Hotspot calls per packet: summed over the rows, every call the report put
# in a stage, plus those whose packet ended before a later stage (on a
# generated bundle the generator wrote some: its truth.json says how many).
hs = rep.get("hotspots", {})
for f in ("skb_copy_bits", "tcp_collapse", "tcp_prune_queue", "skb_try_coalesce",
          "__pskb_pull_tail"):
    for unit in ("calls", "bytes"):
        col = f"hot_{f}_{unit}"
        if col not in cols:
            bad.append(f"column {col} missing")
            continue
        got = sum(int(r[col]) for r in rows)
        want = sum(s.get("hotspots", {}).get("kprobes", {}).get(f, {}).get(unit, 0)
                   for s in rep["stages"])
        if unit == "calls":
            want += sum(d.get(f, {}).get("after_last_stage", 0) for d in hs.values())
        if got != want and not (unit == "bytes" and any(
                d.get(f, {}).get("after_last_stage", 0) for d in hs.values())):
            bad.append(f"{col}: rows sum {got}, report {want}")
if not any(int(r["hot_skb_copy_bits_calls"]) for r in rows):
    bad.append("no packet has a hotspot call: the generator writes them")

# JSONL: the same rows, same values.
jl = [json.loads(line) for line in open(sys.argv[3])]
if len(jl) != len(rows):
    bad.append(f"jsonl {len(jl)} lines, csv {len(rows)} rows")
for a, b in zip(rows, jl):
    for k, v in a.items():
        w = b.get(k, "absent")
        w = "" if w is None else str(w)
        if v != w:
            bad.append(f"jsonl packet {a['id']} {k}: {w!r} != csv {v!r}")
            break

# (b) Perfetto: trace-event format, flows paired, durations sum to total_ns.
pf = json.load(open(sys.argv[4]))
ev = pf["traceEvents"]
if pf.get("displayTimeUnit") != "ns":
    bad.append("displayTimeUnit")
xs = [e for e in ev if e.get("ph") == "X"]
dur = defaultdict(float)
cnt = defaultdict(int)
pids = {e["pid"] for e in ev if e.get("ph") == "M" and e["name"] == "process_name"}
tids = {(e["pid"], e["tid"]) for e in ev if e.get("ph") == "M" and e["name"] == "thread_name"}
for e in xs:
    for k in ("ph", "ts", "dur", "pid", "tid", "name"):
        if k not in e:
            bad.append(f"X event without {k}: {e}")
            break
    else:
        if e["dur"] < 0 or e["ts"] < 0:
            bad.append(f"negative ts/dur: {e}")
        if e["pid"] not in pids or (e["pid"], e["tid"]) not in tids:
            bad.append(f"unnamed lane {e['pid']}/{e['tid']}")
        a = e["args"]
        for k in ("packet", "direction", "flow", "seq"):
            if k not in a:
                bad.append(f"X args without {k}")
        dur[(a["direction"], e["name"])] += e["dur"] * 1000.0
        cnt[(a["direction"], e["name"])] += 1
flows = defaultdict(list)
for e in ev:
    if e.get("ph") in ("s", "t", "f"):
        flows[e["id"]].append(e)
for i, fl in flows.items():
    phs = [e["ph"] for e in sorted(fl, key=lambda e: e["ts"])]
    if phs[0] != "s" or phs[-1] != "f" or phs.count("s") != 1 or phs.count("f") != 1:
        bad.append(f"flow {i}: {phs}")
    if any(e["ph"] == "f" and e.get("bp") != "e" for e in fl):
        bad.append(f"flow {i}: finish without bp e")
npk = pf["otherData"]["packets"]
if npk == rep["packets"]["total"]:
    for s in rep["stages"]:
        key = (s["direction"], s["name"])
        # slices of stages with a latency sample; an attach without one
        # (origin lost) is drawn as an instant and adds 0
        if abs(dur[key] - s["total_ns"]) > 0.01 * max(1, cnt[key]) + 1:
            bad.append(f"{key}: slice durations {dur[key]} ns, report total {s['total_ns']}")
else:
    bad.append(f"perfetto holds {npk} packets, report {rep['packets']['total']}")
if bad:
    print("\n".join(bad[:20]), file=sys.stderr)
    sys.exit(1)
print(f"export: {len(rows)} packets, {len(xs)} slices, {len(flows)} flows checked")
PY

# --max-packets: the first N packets, said on stderr.
expect_exit 0 "first 100 of $((N)) packets" "$X" export --perfetto --max-packets 100 "$T/small.json" "$T/b"
n=$(jq '[.traceEvents[] | select(.ph == "X") | .args.packet] | unique | length' "$T/small.json")
[ "$n" = 100 ] || fail "--max-packets 100 exported $n packets"
expect_exit 0 "" "$X" export --csv -n 7 "$T/small.csv" "$T/b"
[ "$(wc -l <"$T/small.csv")" = 8 ] || fail "--max-packets 7: $(wc -l <"$T/small.csv") lines"

# (c) Bad input.
expect_exit 2 "" "$X" export "$T/x.csv" "$T/b"
expect_exit 2 "" "$X" export --csv --perfetto "$T/x.csv" "$T/b"
expect_exit 2 "" "$X" export --csv --no-such-flag "$T/x.csv" "$T/b"
expect_exit 2 "" "$X" export --csv "$T/x.csv"
expect_exit 2 "" "$X" export --csv --max-packets banana "$T/x.csv" "$T/b"
expect_exit 0 "" "$X" export --help
for e in /nonexistent "$T/nobundle"; do
	expect_exit 1 "$e" "$X" export --csv "$T/x.csv" "$e"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "error is not one line: $(cat "$T/err")"
done
[ -e "$T/x.csv" ] && fail "failed export left $T/x.csv"
expect_exit 1 "/nonexistent-dir/x.csv" "$X" export --csv /nonexistent-dir/x.csv "$T/b"
[ "$(wc -l <"$T/err")" = 1 ] || fail "error is not one line: $(cat "$T/err")"
# A good file survives a failed run over it, and no temporary is left.
cp "$T/p.csv" "$T/keep.csv"
rm -rf "$T/torn" && cp -r "$T/b" "$T/torn"
f=$(ls "$T/torn"/*.kev | head -1)
truncate -s $(($(stat -c %s "$f") - 7)) "$f"
expect_exit 1 "$(basename "$f"): offset [0-9]+" "$X" export --csv "$T/p.csv" "$T/torn"
cmp -s "$T/p.csv" "$T/keep.csv" || fail "failed export replaced a good file"
ls "$T"/p.csv.tmp-* 2>/dev/null && fail "temporary output left behind"
echo "export: ok"
