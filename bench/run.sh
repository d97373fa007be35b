#!/usr/bin/env bash
# make bench: every speed and memory target, measured in one run, side by side.
# Each part prints one line and exits non-zero when it misses its target.
set -u
O=${O:-build}
export O
rc=0
echo "== xpkttrace bench ($(nproc) CPUs, $(date -u +%FT%TZ))"
for part in correlate xen-decode overhead; do
	bash "bench/$part.sh" || rc=1
done
# the QEMU TCG plugin's slowdown (issue 7: at most 6x with L1D + L2 + DTLB)
bash pmu-sim/bench.sh || rc=1
[ $rc -eq 0 ] && echo "bench: all targets met" || echo "bench: a target was missed"
exit $rc
