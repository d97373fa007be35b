#!/usr/bin/env bash
# Bad input and bad flags: a clear one-line error naming the file (and byte
# offset for binary formats), the right exit status, no crash, and no good
# output file replaced by a partial one.
set -u
. "$(dirname "$0")/lib.bash"

# Usage errors: exit 2.
expect_exit 2 "not an xpkttrace command" "$X" nosuch
expect_exit 2 "" "$X" report
expect_exit 2 "" "$X" report --no-such-flag "$T"
expect_exit 2 "" "$X" synth --packets 10
expect_exit 2 "" "$X" synth -o "$T/b" --packets banana
expect_exit 2 "" "$X" xen-stat
expect_exit 0 "" "$X" --help
expect_exit 0 "" "$X" report --help
expect_exit 0 "" "$X" synth --help
expect_exit 0 "" "$X" xen-stat --help

# Missing things: exit 1, named.
expect_exit 1 "/nonexistent" "$X" report /nonexistent
expect_exit 1 "/nonexistent.trace" "$X" xen-stat /nonexistent.trace

# A good small bundle to break.
expect_exit 0 "" "$X" synth -o "$T/good" --packets 3000 --seed 5 --quiet
expect_exit 0 "" "$X" report "$T/good"
"$X" report --json -o "$T/report.json" "$T/good" || fail "report -o"
cp "$T/report.json" "$T/report.before"

break_copy() { # $1 = name of the copy
	rm -rf "$T/$1"
	cp -r "$T/good" "$T/$1"
}

# Torn last record of a kev file.
break_copy torn
f=$(ls "$T/torn"/*.kev | head -1)
size=$(stat -c %s "$f")
truncate -s $((size - 7)) "$f"
expect_exit 1 "$(basename "$f"): offset [0-9]+: truncated" "$X" report "$T/torn"
# ...and report -o over the good report leaves it alone.
"$X" report --json -o "$T/report.json" "$T/torn" 2>/dev/null && fail "torn bundle accepted"
cmp -s "$T/report.json" "$T/report.before" || fail "report -o replaced good output on failure"
ls "$T"/report.json.tmp-* 2>/dev/null && fail "temporary output left behind"

# Bad magic.
break_copy magic
f=$(ls "$T/magic"/*.kev | head -1)
printf 'XXXXXXXX' | dd of="$f" conv=notrunc status=none
expect_exit 1 "$(basename "$f"): offset 0: not a kev file" "$X" report "$T/magic"

# Truncated xentrace file, in report and in xen-stat.
break_copy xt
truncate -s 1001 "$T/xt/xen.trace"
expect_exit 1 "xen.trace: offset [0-9]+" "$X" report "$T/xt"
expect_exit 1 "xen.trace: offset [0-9]+" "$X" xen-stat "$T/xt/xen.trace"
: >"$T/empty.trace"
expect_exit 1 "empty.trace" "$X" xen-stat "$T/empty.trace"

# Truncated pcap.
break_copy pcap
size=$(stat -c %s "$T/pcap/wire.pcap")
truncate -s $((size / 2 + 3)) "$T/pcap/wire.pcap"
expect_exit 1 "wire.pcap" "$X" report "$T/pcap"

# Manifest that is not JSON, and one that names a file outside the bundle.
break_copy manifest
echo '{"format": "xpkttrace-bundle", "version": 1,' >"$T/manifest/manifest.json"
expect_exit 1 "manifest.json: offset [0-9]+" "$X" report "$T/manifest"
break_copy escape
sed -i 's|"file": "dom0.kev"|"file": "../../etc/passwd"|' "$T/escape/manifest.json"
expect_exit 1 "inside the bundle" "$X" report "$T/escape"

# synth never writes into a directory that holds something else.
mkdir -p "$T/precious"
echo keep >"$T/precious/notes.txt"
expect_exit 1 "precious" "$X" synth -o "$T/precious" --packets 100 --quiet
[ "$(cat "$T/precious/notes.txt")" = keep ] || fail "synth touched a foreign directory"
[ "$(ls "$T/precious")" = notes.txt ] || fail "synth wrote into a foreign directory"
echo "errors: all cases behaved"
