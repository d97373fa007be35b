#!/usr/bin/env bash
# pmu-sim/bench.sh - the plugin's slowdown, one line: a Linux kernel (the
# testbed's vmlinuz) boots under QEMU TCG to its "no root fs" panic, plain
# (best of two) and with L1D + L2 + DTLB modelled; target at most 6x (issue 7).
# Exits 1 if the target is missed, 0 with "skipped: ..." if nothing to boot.
# XPKT_PMU_KERNEL=PATH picks the kernel; XPKT_PMU_BENCH_FULL=1 also times
# every level (L1I and ITLB too) and four L2 + four DTLB sizes side by side.
set -u
here=$(cd "$(dirname "$0")" && pwd)
TARGET=6
QEMU=$(command -v qemu-system-x86_64) || { echo "pmu-sim bench: skipped: no qemu-system-x86_64"; exit 0; }
K=${XPKT_PMU_KERNEL:-$(ls -t "${XPKT_TESTBED_CACHE:-/var/cache/xpkttrace-testbed}"/*/vmlinuz 2>/dev/null | head -1)}
[ -n "$K" ] && [ -r "$K" ] || { echo "pmu-sim bench: skipped: no kernel (make testbed, or XPKT_PMU_KERNEL=)"; exit 0; }

W=$(mktemp -d /tmp/xpkt-pmu-bench-XXXXXX)
trap 'rm -rf "$W"' EXIT
make -s -C "$here" B="$W" "$W/xpkt-pmu-sim.so" >"$W/make.log" 2>&1 || { cat "$W/make.log"; exit 1; }

# boot [PLUGIN_OPTIONS]: wall seconds of one boot to the panic.
boot() {
	local t0 t1 plugin=()
	[ $# -gt 0 ] && plugin=(-plugin "$W/xpkt-pmu-sim.so,out=$W/out.jsonl,$1")
	t0=$(date +%s%N)
	timeout 600 "$QEMU" -accel tcg -cpu qemu64 -m 256 -nographic -no-reboot -kernel "$K" \
		-append "console=ttyS0 panic=-1 quiet" "${plugin[@]}" </dev/null >"$W/console" 2>&1
	t1=$(date +%s%N)
	grep -q 'Kernel panic' "$W/console" || { echo "pmu-sim bench: the boot did not reach its panic" >&2; exit 1; }
	echo $(((t1 - t0) / 1000000))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

p1=$(boot) && p2=$(boot) || exit 1
plain=$((p1 < p2 ? p1 : p2))
m=$(boot "l1i=off,itlb=off") || exit 1
insns=$(jq -r 'select(.kind == "total") | .insns' "$W/out.jsonl" 2>/dev/null | head -1)
r=$(ratio "$m" "$plain")
line="pmu-sim bench: L1D+L2+DTLB model $(ratio "$m" 1000) s vs plain $(ratio "$plain" 1000) s = ${r}x (target <= ${TARGET}x; ${insns:-?} guest instructions)"
if [ "${XPKT_PMU_BENCH_FULL:-0}" = 1 ]; then
	a=$(boot "") || exit 1
	s=$(boot "l2=256K:16:64+1M:16:64+2M:16:64+8M:16:64,dtlb=32:4+64:4+128:4+256:4") || exit 1
	line="$line; all levels $(ratio "$a" "$plain")x; 4 L2 + 4 DTLB sizes $(ratio "$s" "$plain")x"
fi
echo "$line"
awk -v r="$r" -v t="$TARGET" 'BEGIN { exit !(r <= t) }'
