#!/usr/bin/env bash
# xpkttrace report in the terminal: 80 columns, --color=auto|always|never
# (auto: a TTY and no NO_COLOR), --stage NAME and --flow SPEC. --flow is
# checked against the per-packet CSV export of the same bundle aggregated
# here (an independent path: the CSV holds each packet's own samples, report
# rebuilds histograms from packet records). Bad values: one-line error
# (plus the usual "Try ... --help" line), exit 2.
set -u
. "$(dirname "$0")/lib.bash"

N=4000
[ "${XPKT_ASAN:-0}" = 1 ] && N=1200
expect_exit 0 "" "$X" synth -o "$T/b" --packets $N --seed 5 -q
"$X" report -q "$T/b" >"$T/plain.txt" || fail "report"
"$X" report --json -q -o "$T/r.json" "$T/b" || fail "report --json"
expect_exit 0 "" "$X" export --csv "$T/p.csv" "$T/b"

# width FILE: the longest line, escapes stripped.
width() { sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'; }
esc() { grep -c $'\x1b' "$1"; }
# one_line: the error is one line (the "Try" hint aside)
one_line() { [ "$(grep -vc '^Try ' "$T/err")" = 1 ] || fail "error is not one line: $(cat "$T/err")"; }

# (a) 80 columns, and no colour into a pipe (auto).
[ "$(width "$T/plain.txt")" -le 80 ] || fail "report is $(width "$T/plain.txt") columns wide"
[ "$(esc "$T/plain.txt")" = 0 ] || fail "colour escapes in piped output (auto)"
grep -q '^TX, guest sends' "$T/plain.txt" || fail "no TX table"

# (b) --color.
"$X" report -q --color=always "$T/b" >"$T/always.txt" || fail "--color=always"
[ "$(esc "$T/always.txt")" -gt 0 ] || fail "--color=always wrote no colour"
[ "$(width "$T/always.txt")" -le 80 ] || fail "coloured report wider than 80 columns"
sed 's/\x1b\[[0-9;]*m//g' "$T/always.txt" | cmp -s - "$T/plain.txt" ||
	fail "--color=always differs from plain text by more than escapes"
NO_COLOR=1 "$X" report -q --color=always "$T/b" >"$T/nc.txt"
[ "$(esc "$T/nc.txt")" -gt 0 ] || fail "--color=always must win over NO_COLOR"
"$X" report -q --color=never "$T/b" >"$T/never.txt"
cmp -s "$T/never.txt" "$T/plain.txt" || fail "--color=never differs from piped output"
"$X" report -q --colour=never "$T/b" >/dev/null || fail "--colour spelling"
if command -v script >/dev/null; then
	# a pseudo-terminal on stdout: auto colours, unless NO_COLOR is set
	script -qec "$X report -q $T/b" /dev/null >"$T/tty.txt" </dev/null || fail "report on a TTY"
	[ "$(esc "$T/tty.txt")" -gt 0 ] || fail "no colour on a TTY (auto)"
	NO_COLOR=1 script -qec "$X report -q $T/b" /dev/null >"$T/tty-nc.txt" </dev/null
	[ "$(esc "$T/tty-nc.txt")" = 0 ] || fail "colour on a TTY with NO_COLOR set"
	NO_COLOR= script -qec "$X report -q $T/b" /dev/null >"$T/tty-empty.txt" </dev/null
	[ "$(esc "$T/tty-empty.txt")" -gt 0 ] || fail "an empty NO_COLOR must not turn colour off"
	script -qec "$X report -q -o $T/o.txt $T/b" /dev/null >/dev/null </dev/null
	[ "$(esc "$T/o.txt")" = 0 ] || fail "colour in an -o file (auto)"
else
	echo "report-filters: TTY checks skipped: no script(1)"
fi
for bad in purple "" ALWAYS; do
	expect_exit 2 "bad --color" "$X" report -q --color="$bad" "$T/b"
	one_line
done
expect_exit 2 "text report" "$X" report -q --json --color=always "$T/b"
one_line

# (c) --stage: exactly that stage's rows and histograms, same numbers as the full report.
"$X" report -q --stage bridge_forward "$T/b" >"$T/st.txt" || fail "--stage bridge_forward"
[ "$(width "$T/st.txt")" -le 80 ] || fail "--stage output wider than 80 columns"
rows=$(grep -E '^ [a-z_0-9*]+ +(guest|xen|dom0|wire|host) ' "$T/st.txt")
[ "$(printf '%s\n' "$rows" | wc -l)" = 2 ] || fail "--stage bridge_forward: rows: $rows"
printf '%s\n' "$rows" | grep -vq '^ bridge_forward ' && fail "--stage shows other stages: $rows"
while IFS= read -r line; do
	grep -qxF -- "$line" "$T/plain.txt" || fail "--stage row differs from the full report: $line"
done <<<"$rows"
hists=$(grep -E '^  (tx|rx) [a-z_]+$' "$T/st.txt" | tr '\n' ' ')
[ "$hists" = "  tx bridge_forward   rx bridge_forward " ] || fail "--stage histograms: $hists"
# its histogram lines are the full report's
awk '/^  tx bridge_forward$/ { on = 1; next } /^  [a-z]/ { on = 0 } on' "$T/st.txt" >"$T/h1"
awk '/^  tx bridge_forward$/ { on = 1; next } /^  [a-z]/ { on = 0 } on' "$T/plain.txt" >"$T/h2"
[ -s "$T/h1" ] && cmp -s "$T/h1" "$T/h2" || fail "--stage histogram differs from the full report"
"$X" report -q --stage rx:bridge_forward "$T/b" >"$T/st2.txt" || fail "--stage rx:bridge_forward"
grep -q '^TX, guest sends' "$T/st2.txt" && fail "--stage rx:... shows the TX table"
grep -q '^ bridge_forward ' "$T/st2.txt" || fail "--stage rx:bridge_forward shows no row"
expect_exit 2 "unknown --stage 'nosuch'.*tx:tcp_build.*rx:socket_copy" "$X" report -q --stage nosuch "$T/b"
one_line
expect_exit 2 "bad --stage" "$X" report -q --stage up:tcp_build "$T/b"
one_line
expect_exit 2 "unknown --stage" "$X" report -q --stage rx:tcp_build "$T/b"
one_line
expect_exit 2 "text report" "$X" report -q --json --stage tcp_build "$T/b"
one_line
expect_exit 1 "nobundle" "$X" report -q --stage tcp_build "$T/nobundle"

# (d) --flow: the CSV's packets of the flow, aggregated here, are what report counts.
# flow_of DIR: the first CSV row of that direction's flow, "saddr sport daddr dport"
flow_of() {
	awk -F, -v d="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["direction"] == d && $c["saddr"] != "" {
			print $c["saddr"], $c["sport"], $c["daddr"], $c["dport"]; exit }' "$T/p.csv"
}
read -r sa sp da dp < <(flow_of tx)
read -r ra rp rd rq < <(flow_of rx)
[ -n "${dp:-}" ] && [ -n "${rq:-}" ] || fail "no TX and RX flows in the CSV"
# one connection each way (narrow: fewer packets than the bundle), by one
# port, by one address (every packet of the generated bundle)
for spec in "$sa:$sp-$da:$dp" "$da:$dp-$sa:$sp" "$ra:$rp-$rd:$rq" ":$rq" "$sa"; do
	expect_exit 0 "" "$X" report -q --json --flow "$spec" -o "$T/f.json" "$T/b"
	python3 - "$T/f.json" "$T/p.csv" "$spec" <<'PY' || fail "--flow $spec disagrees with the CSV"
import csv, json, sys
rep = json.load(open(sys.argv[1]))
spec = sys.argv[3]
rows = []
for r in csv.DictReader(open(sys.argv[2])):
    if r["saddr"] == "":
        continue
    fwd = f'{r["saddr"]}:{r["sport"]}-{r["daddr"]}:{r["dport"]}'
    rev = f'{r["daddr"]}:{r["dport"]}-{r["saddr"]}:{r["sport"]}'
    if spec in fwd or spec in rev:
        rows.append(r)
bad = []
if not rows:
    bad.append("the spec matches no CSV row")
if spec.count(":") == 2 and len(rows) >= sum(1 for _ in csv.DictReader(open(sys.argv[2]))):
    bad.append("a whole connection matched every packet: the filter filtered nothing")
if rep["packets"]["total"] != len(rows):
    bad.append(f'{rep["packets"]["total"]} packets, CSV {len(rows)}')
for d in ("tx", "rx"):
    for st in ("complete", "partial", "dropped", "merged"):
        n = sum(1 for r in rows if r["direction"] == d and r["status"] == st)
        if rep["packets"][d][st] != n:
            bad.append(f'{d} {st}: {rep["packets"][d][st]}, CSV {n}')
for s in rep["stages"]:
    col = f'{s["direction"]}_{s["name"]}_lat_ns'
    v = [int(r[col]) for r in rows if r[col] != ""]
    if len(v) != s["count"]:
        bad.append(f"{col}: count {s['count']}, CSV {len(v)}")
    elif v and abs(sum(v) / len(v) - s["mean_ns"]) > 1e-6 * max(1.0, abs(s["mean_ns"])):
        bad.append(f"{col}: mean {s['mean_ns']}, CSV {sum(v) / len(v)}")
    elif v and (s["max_ns"] != max(v) or s["min_ns"] != min(v)):
        bad.append(f"{col}: min/max {s['min_ns']}/{s['max_ns']}, CSV {min(v)}/{max(v)}")
if bad:
    print(f"--flow {spec}: " + "; ".join(bad[:10]), file=sys.stderr)
    sys.exit(1)
print(f"--flow {spec}: {len(rows)} packets agree with the CSV")
PY
done
# the text report says it is filtered, and fits 80 columns
"$X" report -q --flow ":$rq" "$T/b" >"$T/flow.txt" || fail "--flow text"
grep -q "^only flow ~ ':$rq' ([0-9]* of [0-9]* packets)" "$T/flow.txt" || fail "--flow: no filter line"
[ "$(width "$T/flow.txt")" -le 80 ] || fail "--flow output wider than 80 columns"
# a flow that matches nothing: zero packets, not an error
expect_exit 0 "" "$X" report -q --json --flow "9.9.9.9:1" -o "$T/none.json" "$T/b"
[ "$(jq '.packets.total' "$T/none.json")" = 0 ] || fail "--flow 9.9.9.9:1 counted packets"
for bad in abc "" "10.0.0.1/24" "$(printf '1%.0s' {1..80})"; do
	expect_exit 2 "bad --flow" "$X" report -q --flow "$bad" "$T/b"
	one_line
done
expect_exit 2 "text and JSON" "$X" report -q --flow ":$sp" --html "$T/x.html" "$T/b"
one_line
# Memcheck over the filters (plain build only; ASan covers the other).
if [ "${XPKT_ASAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$X" report -q --color=always \
		--stage tx:wire --flow ":$rq" "$T/b" >/dev/null 2>"$T/vg.err" ||
		{ cat "$T/vg.err"; fail "valgrind: report --flow --stage"; }
fi
echo "report-filters: ok"
