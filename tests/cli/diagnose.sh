#!/usr/bin/env bash
# `xpkttrace diagnose` on generated bundles. The generator's truth.json is
# the independent source: the drops finding's evidence must equal its drop
# counts and reasons, lost_events its per-source losses, and every other
# finding must be weakened by exactly those losses. A bundle without hotspot
# kprobes (synth --no-hotspots) lists rx_truesize_collapse as not evaluated,
# with the reason; a bundle without drops or losses passes those rules and
# weakens nothing.
# Every rule lands in exactly one list. Bad input: one-line errors, right
# exit status, an existing output file left alone.
set -u
. "$(dirname "$0")/lib.bash"

command -v jq >/dev/null || { echo "skip: jq not installed"; exit 77; }
n=4000
[ "${XPKT_ASAN:-0}" = 1 ] && n=1500
ids='["drops","grant_copy_vs_map","lost_events","notify_batching","rx_truesize_collapse","sched_wait","tlb_flush_per_batch"]'

"$X" synth -o "$T/a" --packets $n --seed 5 --quiet --drop-rate 0.01 --loss-rate 0.002 --no-hotspots ||
	fail "synth a"
"$X" synth -o "$T/b" --packets $n --seed 6 --quiet --hazards=-drops,-lost-events || fail "synth b"

expect_exit 0 "" "$X" diagnose --json -q -o "$T/a.json" "$T/a"
[ ! -s "$T/out" ] || fail "-o still wrote to stdout"
errors=$(jq -r --slurpfile t "$T/a/truth.json" --argjson ids "$ids" '
	. as $d | $t[0] as $t
	| def f($id): $d.findings[] | select(.id == $id);
	([.findings[].id, .passed[].id, .not_evaluated[].id] | sort) as $all
	| (if $all != $ids then "rules listed: \($all)" else empty end),
	  (if ($t.packets.dropped // 0) == 0 then "truth has no drops: raise --drop-rate" else empty end),
	  (if ([$t.lost_events[]] | add) == 0 then "truth has no losses: raise --loss-rate" else empty end),
	  # drops: the counts and reasons of ground truth
	  (f("drops") as $f
	   | (if $f.evidence.dropped.value != $t.packets.dropped then "dropped \($f.evidence.dropped.value) != \($t.packets.dropped)" else empty end),
	     ($t.packets.drop_reasons | to_entries[]
	      | if $f.evidence["reason:\(.key)"].value != .value then "reason \(.key)" else empty end),
	     (if ([$f.evidence | keys[] | select(startswith("reason:"))] | length) != ($t.packets.drop_reasons | length) then "extra drop reasons" else empty end)),
	  (if [f("drops")] | length != 1 then "drops did not fire" else empty end),
	  # lost events: truth per source, and every other finding weakened by them
	  (f("lost_events") as $f
	   | (if $f.evidence.lost_events.value != ([$t.lost_events[]] | add) then "lost total" else empty end),
	     ($t.lost_events | to_entries[] | if $f.evidence["lost:\(.key)"].value != .value then "lost \(.key)" else empty end)),
	  (if [f("lost_events")] | length != 1 then "lost_events did not fire" else empty end),
	  (.findings[] | select(.id != "lost_events") | if .weakened != $t.lost_events then "\(.id) not weakened by the losses" else empty end),
	  # no hotspot kprobes in a generated bundle: not evaluated, with why
	  (if [.not_evaluated[] | select(.id == "rx_truesize_collapse" and (.reason | test("not recorded")))] | length != 1
	   then "rx_truesize_collapse not listed as not evaluated (kprobes not recorded)" else empty end),
	  # every finding is complete
	  (.findings[] | if (.explanation | length) == 0 or (.action | length) == 0 or (.evidence | length) == 0
	   or ([.severity] | inside(["info","warning","critical"]) | not) then "\(.id) incomplete" else empty end)
	' "$T/a.json")
[ -z "$errors" ] || fail "diagnose --json a: $errors"

# b: no drops, no losses: both evaluated and passed; nothing weakened.
"$X" diagnose --json -q "$T/b" >"$T/b.json" || fail "diagnose b"
errors=$(jq -r '
	(if [.passed[].id] | index("drops") == null then "drops not passed" else empty end),
	(if [.passed[].id] | index("lost_events") == null then "lost_events not passed" else empty end),
	(.findings[] | if .weakened != false then "\(.id) weakened without losses" else empty end)
	' "$T/b.json")
[ -z "$errors" ] || fail "diagnose --json b: $errors"

# Text: a block per finding, evidence indented, the reason a rule was not evaluated.
expect_exit 0 "" "$X" diagnose -q "$T/a"
cp "$T/out" "$T/a.txt"
grep -q "^$T/a: warning: drops$" "$T/a.txt" || fail "text: no drops block"
grep -Eq "^      dropped +[0-9]+  packets$" "$T/a.txt" || fail "text: drops evidence not indented"
grep -A3 "^  rx_truesize_collapse:$" "$T/a.txt" | grep -q "not recorded" ||
	fail "text: no reason for rx_truesize_collapse"
grep -q "weakened: events lost:" "$T/a.txt" || fail "text: findings not marked weakened"
awk 'length > 80 { exit 1 }' "$T/a.txt" || fail "text wider than 80 columns"

# Errors: usage 2, a bad bundle 1 with one line naming it; -o keeps the old file.
expect_exit 2 "usage|missing BUNDLE" "$X" diagnose
expect_exit 2 "" "$X" diagnose "$T/a" "$T/b"
echo keep >"$T/keep.json"
expect_exit 1 "$T/none" "$X" diagnose --json -o "$T/keep.json" "$T/none"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "error is not one line: $(cat "$T/err")"
[ "$(cat "$T/keep.json")" = keep ] || fail "a failed diagnose replaced the output file"
echo "diagnose: ok"
