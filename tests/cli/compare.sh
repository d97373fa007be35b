#!/usr/bin/env bash
# `xpkttrace compare A B`: two generated runs, B with the TX backend copy ten
# times slower. The JSON's a and b values must equal what `report --json`
# says of each bundle on its own (an independent path through the CLI), every
# ratio must be b/a, the slowed stage must lead the biggest changes, a run
# compared with itself changes nothing, and bad input gives one-line errors
# with the right exit status without replacing a good output file.
set -u
. "$(dirname "$0")/lib.bash"

command -v jq >/dev/null || { echo "skip: jq not installed"; exit 77; }
n=6000
[ "${XPKT_ASAN:-0}" = 1 ] && n=2000

# one_line_error CODE REGEX CMD...: as expect_exit, and stderr is exactly one line.
one_line_error() {
	expect_exit "$@"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$3...: stderr is not one line: $(cat "$T/err")"
}

"$X" synth -o "$T/a" --packets $n --seed 3 --quiet || fail "synth a"
"$X" synth -o "$T/b" --packets $n --seed 4 --quiet \
	--latency tx:backend_copy=lognormal:50,0.6 || fail "synth b"

# Text: the slowed stage is the first of the biggest changes.
expect_exit 0 "" "$X" compare --quiet "$T/a" "$T/b"
cp "$T/out" "$T/cmp.txt"
grep -q "^  A: $T/a " "$T/cmp.txt" || fail "text names no run A"
grep -A1 "^Biggest changes" "$T/cmp.txt" | grep -Eq '^  1\. tx backend_copy +p50 x[0-9]' ||
	fail "tx backend_copy does not lead the biggest changes: $(grep -A3 '^Biggest' "$T/cmp.txt")"
# 80 columns, as every terminal report
awk 'length > 80 { exit 1 }' "$T/cmp.txt" || fail "text wider than 80 columns"

# JSON against each bundle's own report.
"$X" compare --json -q -o "$T/cmp.json" "$T/a" "$T/b" || fail "compare --json -o"
"$X" report --json -q -o "$T/ra.json" "$T/a" || fail "report a"
"$X" report --json -q -o "$T/rb.json" "$T/b" || fail "report b"
errors=$(jq -r --slurpfile ra "$T/ra.json" --slurpfile rb "$T/rb.json" '
	. as $cmp
	| def lat: ["mean_ns", "p50_ns", "p90_ns", "p99_ns"];
	# the report stage of a compare stage
	def rep($r; $s): $r[0].stages[] | select(.direction == $s.direction and .name == $s.name);
	# one run of a compare stage against its report
	# the origin row (first of its direction) counts packets created: no latency
	def origin($s): [$cmp.stages[] | select(.direction == $s.direction)][0].name == $s.name;
	def side($r; $s; $run): rep($r; $s) as $p | $s[$run] as $c
		| (if $c.count != $p.count then "\($s.name) \($run) count \($c.count) != \($p.count)" else empty end),
		  (if $c.unattributed != $p.unattributed then "\($s.name) \($run) unattributed" else empty end),
		  (lat[] as $k | if $c.count == 0 or origin($s)
			then (if $c[$k] != null then "\($s.name) \($run) \($k) not null without latency samples" else empty end)
			else (if $c[$k] != $p[$k] then "\($s.name) \($run) \($k) \($c[$k]) != \($p[$k])" else empty end) end);
	def close($x; $y): (($x - $y) | fabs) <= 1e-12 * ([($y | fabs), 1] | max);
	($cmp.stages | length) as $n
	| (if $n != ($ra[0].stages | length) then "stage count \($n)" else empty end),
	  ($cmp.stages[] as $s | side($ra; $s; "a"), side($rb; $s; "b")),
	  # every defined latency ratio is b/a; both sides with samples -> status both
	  ($cmp.stages[] as $s | lat[] as $k
		| if ($s.a[$k] // 0) > 0 and $s.b[$k] != null
		  then (if close($s.ratio[$k]; $s.b[$k] / $s.a[$k]) | not then "\($s.name) ratio \($k)" else empty end)
		  else (if $s.ratio[$k] != null then "\($s.name) ratio \($k) should be null" else empty end) end),
	  ($cmp.stages[] | select((.a.count > 0 and .b.count > 0) != (.status == "both")) | "\(.name) status \(.status)"),
	  # packets, overall and per direction
	  (["total", "complete", "partial", "dropped", "merged"][] as $k
		| (if $cmp.packets.a[$k] != $ra[0].packets[$k] then "packets a \($k)" else empty end),
		  (if $cmp.packets.b[$k] != $rb[0].packets[$k] then "packets b \($k)" else empty end),
		  (if $cmp.packets.tx.a[$k] != $ra[0].packets.tx[$k] then "packets tx a \($k)" else empty end),
		  (if $cmp.packets.rx.b[$k] != $rb[0].packets.rx[$k] then "packets rx b \($k)" else empty end)),
	  # lost events per source
	  ($ra[0].lost_events | to_entries[] | select($cmp.lost[.key].a != .value) | "lost a \(.key)"),
	  ($rb[0].lost_events | to_entries[] | select($cmp.lost[.key].b != .value) | "lost b \(.key)"),
	  (if $cmp.a != "'"$T/a"'" or $cmp.b != "'"$T/b"'" or $cmp.mode != $ra[0].mode then "header" else empty end),
	  (if ($cmp.biggest_changes[0] | [.direction, .name]) != ["tx", "backend_copy"]
	   then "biggest change is \($cmp.biggest_changes[0])" else empty end)
' "$T/cmp.json") || fail "jq failed on compare JSON"
[ -z "$errors" ] || fail "compare JSON disagrees with report JSON: $errors"
# the checks above ran over something
[ "$(jq '[.stages[] | select(.status == "both")] | length' "$T/cmp.json")" -ge 10 ] ||
	fail "too few stages with samples in both runs"

# A run against itself: every defined ratio is 1, nothing moved.
"$X" compare --json -q "$T/a" "$T/a" >"$T/self.json" || fail "compare a a"
jq -e '[.stages[].ratio[] | select(. != null and . != 1)] | length == 0' "$T/self.json" >/dev/null ||
	fail "a run compared with itself has ratios other than 1"
jq -e '.biggest_changes == []' "$T/self.json" >/dev/null || fail "a run against itself moved"
"$X" compare -q "$T/a" "$T/a" | grep -A1 "^Biggest" | grep -q "(none)" || fail "text: self moved"

# Usage errors: exit 2.
expect_exit 0 "" "$X" compare --help
grep -q "usage: xpkttrace compare" "$T/out" || fail "--help prints no usage"
expect_exit 2 "two BUNDLEs" "$X" compare
expect_exit 2 "two BUNDLEs" "$X" compare "$T/a"
expect_exit 2 "only two BUNDLEs" "$X" compare "$T/a" "$T/b" "$T/a"
expect_exit 2 "unknown option" "$X" compare --bogus "$T/a" "$T/b"
expect_exit 2 "bad --idle-timeout 'x'" "$X" compare --idle-timeout x "$T/a" "$T/b"

# Bad bundles: exit 1, one line naming the file.
one_line_error 1 "^xpkttrace: /nonexistent/manifest.json" "$X" compare -q /nonexistent "$T/b"
one_line_error 1 "^xpkttrace: /nonexistent/manifest.json" "$X" compare -q "$T/a" /nonexistent
cp -r "$T/b" "$T/torn"
f=$(ls "$T/torn"/*.kev | head -1)
truncate -s $(($(stat -c %s "$f") - 7)) "$f"
one_line_error 1 "$(basename "$f"): offset [0-9]+: truncated" "$X" compare -q "$T/a" "$T/torn"
# ...and -o over a good comparison leaves it alone.
cp "$T/cmp.json" "$T/cmp.before"
"$X" compare --json -q -o "$T/cmp.json" "$T/a" "$T/torn" 2>/dev/null && fail "torn bundle accepted"
cmp -s "$T/cmp.json" "$T/cmp.before" || fail "compare -o replaced good output on failure"
ls "$T"/cmp.json.tmp-* 2>/dev/null && fail "temporary output left behind"

# Runs of different modes have different stages.
cp -r "$T/a" "$T/native"
sed -i 's/"mode": "xen"/"mode": "native"/' "$T/native/manifest.json"
grep -q '"mode": "native"' "$T/native/manifest.json" || fail "could not make a native copy"
one_line_error 1 "^xpkttrace: compare: $T/a is a xen run and $T/native a native run" \
	"$X" compare -q "$T/a" "$T/native"
echo "compare: all cases behaved"
