#!/usr/bin/env bash
# Memcheck over the main commands on small inputs: no leaks, no invalid
# accesses, no uninitialised reads (the plain build; ASan covers the other).
set -u
. "$(dirname "$0")/lib.bash"
if [ "${XPKT_ASAN:-0}" = 1 ]; then
	echo "skip: valgrind cannot run an ASan binary (the plain run covers this)"
	exit 77
fi
command -v valgrind >/dev/null || { echo "skip: no valgrind"; exit 77; }
vg() {
	valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$@" >/dev/null 2>"$T/vg.err"
	rc=$?
	[ $rc -ne 99 ] || { cat "$T/vg.err" >&2; fail "valgrind found errors in: $*"; }
	return $rc
}
vg "$X" synth -o "$T/b" --packets 2000 --seed 9 --quiet || fail "synth failed"
vg "$X" report "$T/b" || fail "report failed"
vg "$X" report --json -o "$T/r.json" "$T/b" || fail "report --json failed"
vg "$X" xen-stat --json "$T/b/xen.trace" || fail "xen-stat failed"
vg "$X" stages --long || fail "stages failed"
# error paths too: a torn kev file
cp -r "$T/b" "$T/torn"
truncate -s -5 "$T/torn/dom0.kev"
vg "$X" report "$T/torn"
[ $? -eq 1 ] || fail "torn bundle not refused"
echo "valgrind: clean"
