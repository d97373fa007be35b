#!/usr/bin/env bash
# xpkttrace record --xen outside a Xen dom0 (this project's host and CI): a
# one-line error naming why, exit 1, before anything starts, nothing created.
# Option errors are usage errors (exit 2). The recording itself needs a real
# dom0 (testbed/); its ring logic is tests/unit/test_xen_rec.c.
set -u
. "$(dirname "$0")/lib.bash"

if [ -e /proc/xen ]; then echo "skip: this machine is a Xen domain; the not-dom0 path is not testable here"; exit 77; fi

one_line() { [ "$(wc -l <"$T/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$T/err")"; }

# 1. With a duration, and with a command: refused before the bundle or the command exist.
expect_exit 1 '^xpkttrace: --xen: not running in a Xen dom0 \(no /proc/xen\)$' \
	"$X" record --xen -o "$T/b1" --duration 1
one_line
[ ! -e "$T/b1" ] || fail "bundle directory created"
expect_exit 1 '^xpkttrace: --xen: not running in a Xen dom0 \(' \
	"$X" record --xen --xen-buffer-kb 1024 -o "$T/b2" -- touch "$T/ran"
one_line
[ ! -e "$T/b2" ] || fail "bundle directory created"
[ ! -e "$T/ran" ] || fail "the command ran"
# No tracefs instance was made by these runs (the check comes before tracing).
for d in /sys/kernel/tracing/instances/xpkttrace-*; do
	[ -d "$d" ] || continue
	kill -0 "${d##*-}" 2>/dev/null || fail "leftover tracefs instance $d"
done

# 2. Option errors.
expect_exit 2 'xen-buffer-kb needs --xen' "$X" record --xen-buffer-kb 1024 --duration 1
expect_exit 2 "bad --xen-buffer-kb '0'" "$X" record --xen --xen-buffer-kb 0 --duration 1
expect_exit 2 "bad --xen-buffer-kb '262144'" "$X" record --xen --xen-buffer-kb 262144 --duration 1
echo ok
