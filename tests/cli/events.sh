#!/usr/bin/env bash
# `xpkttrace events`: per-source event counts of a bundle. Expected totals come
# from the .kev layout (docs/bundle.md: a 64-byte header, then 80-byte records,
# every record one event), not from an earlier run; the per-id counts must add
# up to the total, in text and JSON alike.
set -u
. "$(dirname "$0")/lib.bash"

expect_exit 2 "" "$X" events
expect_exit 2 "" "$X" events --no-such-flag "$T"
expect_exit 0 "" "$X" events --help
expect_exit 1 "/nonexistent" "$X" events /nonexistent

expect_exit 0 "" "$X" synth -o "$T/b" --packets 500 --seed 7 --quiet
"$X" events --json "$T/b" >"$T/ev.json" || fail "events --json"
"$X" events "$T/b" >"$T/ev.txt" || fail "events"
for f in "$T"/b/*.kev; do
	name=$(jq -r --arg f "$(basename "$f")" '.sources[] | select(.file == $f) | .name' "$T/b/manifest.json")
	want=$((($(stat -c %s "$f") - 64) / 80))
	got=$(jq -r --arg n "$name" '.sources[] | select(.name == $n) | .total' "$T/ev.json")
	[ "$got" = "$want" ] || fail "$name: events total $got, the .kev holds $want records"
	sum=$(jq -r --arg n "$name" '[.sources[] | select(.name == $n) | .events[]] | add' "$T/ev.json")
	[ "$sum" = "$want" ] || fail "$name: per-id counts add up to $sum, not $want"
	grep -Eq "^$name \(.*\): $want events, [0-9]+ lost" "$T/ev.txt" || fail "$name: text line missing: $(head -3 "$T/ev.txt")"
done
# Every source of the manifest is listed.
[ "$(jq '.sources | length' "$T/ev.json")" = "$(jq '.sources | length' "$T/b/manifest.json")" ] ||
	fail "not every source listed"
# A broken source is an error naming its file, not a partial count.
f=$(ls "$T"/b/*.kev | head -1)
truncate -s $(($(stat -c %s "$f") - 7)) "$f"
expect_exit 1 "$(basename "$f"): offset [0-9]+" "$X" events "$T/b"
echo "events: ok"
