#!/usr/bin/env bash
# pmu-sim: the QEMU TCG plugin's model is right on known patterns. The test
# guest (pmu-sim/testguest) runs workloads between ROI markers; every
# expected count below is computed here from the guest's parameters
# (testguest/params.h) and the LRU rule for cyclic access: a set that sees c
# distinct blocks per pass misses c times if c <= ways, else on every access.
# Two QEMU runs: one with two L1D geometries side by side, one with hypervisor
# TLB entries tagged global (global_hv=1, hv_base below the T6/T7 buffer).
set -u
. "$(dirname "$0")/lib.bash"

if [ "${XPKT_ASAN:-0}" = 1 ]; then
	echo "skipped: the plugin does not link the ASan binary"
	exit 77
fi
QEMU=$(command -v qemu-system-x86_64) || { echo "skipped: no qemu-system-x86_64"; exit 77; }
command -v jq >/dev/null || { echo "skipped: no jq"; exit 77; }

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# check = the plugin, the guest, and the model's host unit tests (plain, ASan).
# Built in this run's own directory: parallel runs of the suite do not collide.
make -s -C "$ROOT/pmu-sim" B="$T/pmu" check >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make -C pmu-sim check"; }
PLUGIN=$T/pmu/xpkt-pmu-sim.so
GUEST=$T/pmu/testguest/guest.elf

# The guest's parameters, as shell variables (values are plain numbers).
eval "$(awk '$1 == "#define" && $3 ~ /^(0x)?[0-9a-fA-F]+$/ { print $2 "=" $3 }' \
	"$ROOT/pmu-sim/testguest/params.h")"

# Model geometry under test (must match the plugin options below).
L1D0_SETS=$((32768 / 64 / 8)) L1D0_WAYS=8 # l1d model 0: 32K:8:64
L1D1_SETS=$((131072 / 64 / 8)) L1D1_WAYS=8 # l1d model 1: 128K:8:64
L2_SETS=$((262144 / 64 / 16)) L2_WAYS=16   # l2: 256K:16:64, one per model
TLB_SETS=$((64 / 4)) TLB_WAYS=4            # dtlb: 64:4
HV_BASE=0x00800000
OPTS="l1d=32K:8:64+128K:8:64,l2=256K:16:64,dtlb=64:4,itlb=64:4"

run_guest() { # $1 = output file, $2 = extra options
	local rc
	timeout 60 "$QEMU" -accel tcg -cpu qemu64 -m 64 -nographic -no-reboot -kernel "$GUEST" \
		-plugin "$PLUGIN,out=$1,$OPTS$2" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$1.console" 2>&1
	rc=$?
	# isa-debug-exit turns the guest's "out 0" into exit status (0 << 1) | 1.
	[ $rc -eq 1 ] || { tail -5 "$1.console"; fail "qemu exited $rc, expected 1"; }
	[ -s "$1" ] || fail "no output file $1"
	jq -c 'select(.kind == "roi")' "$1" >"$1.roi" || fail "$1 is not JSON lines"
	[ "$(wc -l <"$1.roi")" -eq 22 ] || fail "$1: $(wc -l <"$1.roi") ROI snapshots, expected 22"
	[ "$(jq -c 'select(.kind == "total")' "$1" | wc -l)" -eq 1 ] || fail "$1: no total line"
}

# delta FILE TEST FIELD [MODEL]: counter change between snapshots 2*TEST and
# 2*TEST+1: 0 = T1, 1 = warm-up, 2..7 = T2..T7, 8 = the TSC pairs, 9 = store
# warm-up, 10 = T8 (testguest/guest.S).
delta() {
	jq -rs --argjson t "$2" --arg f "$3" --argjson m "${4:-0}" \
		'(.[2*$t+1].models[$m][$f] // .[2*$t+1][$f]) - (.[2*$t].models[$m][$f] // .[2*$t][$f])' \
		"$1.roi"
}

# lru BASE N STRIDE PASSES BLOCK_BYTES SETS WAYS: misses in a cold LRU array
# of N accesses at BASE + i*STRIDE, the sequence repeated PASSES times.
# Accesses to one block are consecutive (STRIDE < BLOCK gives runs), and a
# run hits after its first access, so only distinct blocks per set count.
lru() {
	awk -v base=$(($1)) -v n=$2 -v stride=$3 -v passes=$4 -v blk=$5 -v sets=$6 -v ways=$7 '
	BEGIN {
		for (i = 0; i < n; i++) {
			b = int((base + i * stride) / blk)
			if (!(b in seen)) { seen[b] = 1; cnt[b % sets]++ }
		}
		for (s in cnt) tot += cnt[s] <= ways ? cnt[s] : passes * cnt[s]
		print tot
	}'
}

nfail=0
check() { # NAME EXPECTED GOT
	if [ "$2" = "$3" ]; then
		printf 'ok    %-34s expected %10s got %10s\n' "$1" "$2" "$3"
	else
		printf 'FAIL  %-34s expected %10s got %10s\n' "$1" "$2" "$3"
		nfail=$((nfail + 1))
	fi
}

# walk_checks FILE TEST NAME BASE N STRIDE PASSES CR3 [store]: instructions,
# loads, stores, and L1D/L2/DTLB accesses and misses of one walk
# (testguest/guest.S). Stores allocate like loads (write-allocate).
walk_checks() {
	local f=$1 t=$2 name=$3 base=$4 n=$5 stride=$6 passes=$7 cr3=$8 m l1sets l1ways l1miss l2passes
	local ld=$((passes * n)) st=0
	[ "${9:-load}" = store ] && { st=$ld; ld=0; }
	check "$name insns" $((1 + 2 + 2 * cr3 + passes * (4 + 4 * n))) "$(delta $f $t insns)"
	check "$name loads" $ld "$(delta $f $t loads)"
	check "$name stores" $st "$(delta $f $t stores)"
	for m in 0 1; do
		l1sets=$([ $m = 0 ] && echo $L1D0_SETS || echo $L1D1_SETS)
		l1ways=$([ $m = 0 ] && echo $L1D0_WAYS || echo $L1D1_WAYS)
		l1miss=$(lru $base $n $stride $passes 64 $l1sets $l1ways)
		check "$name model$m l1d_access" $((passes * n)) "$(delta $f $t l1d_access $m)"
		check "$name model$m l1d_miss" $l1miss "$(delta $f $t l1d_miss $m)"
		# The L2 sees the L1's misses: every pass if the L1 thrashes, the
		# first pass only if it holds the set. (Code is warm: no L1I misses.)
		if [ "$l1miss" -eq $((passes * n)) ]; then
			l2passes=$passes
		elif [ "$l1miss" -eq "$n" ]; then
			l2passes=1
		else
			fail "$name: test design: the L1 partly thrashes"
		fi
		check "$name model$m l2_access" $l1miss "$(delta $f $t l2_access $m)"
		check "$name model$m l2_miss" "$(lru $base $n $stride $l2passes 64 $L2_SETS $L2_WAYS)" \
			"$(delta $f $t l2_miss $m)"
	done
	check "$name dtlb_access" $((passes * n)) "$(delta $f $t dtlb_access)"
}

A=$T/a.jsonl
B=$T/b.jsonl
PERIOD_NS=5000
run_guest "$A" ",stream=$T/a.stream,period_ns=$PERIOD_NS"
run_guest "$B" ",global_hv=1,hv_base=$HV_BASE"

# T1: exact instruction count of a dec/jnz loop, no memory accesses.
check "T1 loop insns" $((1 + 1 + 2 * LOOP_K)) "$(delta $A 0 insns)"
check "T1 loop loads+stores" 0 $(($(delta $A 0 loads) + $(delta $A 0 stores)))
check "T1 loop insns (run B)" $((1 + 1 + 2 * LOOP_K)) "$(delta $B 0 insns)"

# T2: line-stride walk, working set > L1D of model 0, < L1D of model 1, < L2.
walk_checks $A 2 "T2 line walk" $WALK_BASE $((WALK_BYTES / WALK_LINE)) $WALK_LINE $WALK_REPS 0
check "T2 dtlb_miss" "$(lru $WALK_BASE $((WALK_BYTES / WALK_LINE)) $WALK_LINE $WALK_REPS 4096 \
	$TLB_SETS $TLB_WAYS)" "$(delta $A 2 dtlb_miss)"
check "T2 dtlb_miss (= pages, cold)" $((WALK_BYTES / PAGE_BYTES)) "$(delta $A 2 dtlb_miss)"

# T3: page-stride walk over more pages than the DTLB holds: every access misses.
walk_checks $A 3 "T3 big page walk" $TLB_BIG_BASE $TLB_BIG_PAGES $PAGE_BYTES $TLB_REPS 0
check "T3 dtlb_miss (= pages * reps)" $((TLB_BIG_PAGES * TLB_REPS)) "$(delta $A 3 dtlb_miss)"
check "T3 dtlb_miss (lru)" "$(lru $TLB_BIG_BASE $TLB_BIG_PAGES $PAGE_BYTES $TLB_REPS 4096 \
	$TLB_SETS $TLB_WAYS)" "$(delta $A 3 dtlb_miss)"

# T4: fewer pages than the DTLB holds: cold misses only.
walk_checks $A 4 "T4 small page walk" $TLB_SMALL_BASE $TLB_SMALL_PAGES $PAGE_BYTES $TLB_REPS 0
check "T4 dtlb_miss (= pages)" $TLB_SMALL_PAGES "$(delta $A 4 dtlb_miss)"

# T5: the same (TLB-warm) pages after a mov to CR3: back to the cold count.
check "T5 cr3_loads" 1 "$(delta $A 5 cr3_loads)"
check "T5 after CR3 insns" $((1 + 2 + 2 + 2 * (4 + 4 * TLB_SMALL_PAGES))) "$(delta $A 5 insns)"
check "T5 after CR3 dtlb_miss (= pages)" $TLB_SMALL_PAGES "$(delta $A 5 dtlb_miss)"
check "T5 after CR3 dtlb_miss, global_hv" $TLB_SMALL_PAGES "$(delta $B 5 dtlb_miss)"

# T6/T7: pages above hv_base. Without global_hv a CR3 load drops them like any
# other; with it they survive and the walk after the CR3 load never misses.
check "T6 above hv_base, cold" $TLB_SMALL_PAGES "$(delta $A 6 dtlb_miss)"
check "T6 above hv_base, cold, global_hv" $TLB_SMALL_PAGES "$(delta $B 6 dtlb_miss)"
check "T7 after CR3, no global_hv" $TLB_SMALL_PAGES "$(delta $A 7 dtlb_miss)"
check "T7 after CR3, global_hv=1" 0 "$(delta $B 7 dtlb_miss)"
check "T7 cr3_loads, global_hv=1" 1 "$(delta $B 7 cr3_loads)"

# Per-model global bit (a TLB geometry ending in ":G", issue 7 part 5): one
# run, global_hv left 0, model 1's DTLB tags hypervisor entries global and
# model 0's does not. T7 (the pages above hv_base again after a CR3 load):
# model 1 misses none, as global_hv=1 does (run B), model 0 every page, as
# run A. Below hv_base (T5) and cold (T6) the tag changes nothing.
C=$T/c.jsonl
run_guest "$C" ",dtlb=64:4+64:4:G,hv_base=$HV_BASE"
check "G: model 1 dtlb geometry" "64:4:G" "$(jq -rs '.[0].models[1].dtlb' "$C.roi")"
check "G: T7 after CR3, model 1 (64:4:G)" 0 "$(delta $C 7 dtlb_miss 1)"
check "G: T7 after CR3, model 0 (64:4)" $TLB_SMALL_PAGES "$(delta $C 7 dtlb_miss 0)"
check "G: T7 cr3_loads" 1 "$(delta $C 7 cr3_loads)"
check "G: T6 above hv_base cold, model 1" $TLB_SMALL_PAGES "$(delta $C 6 dtlb_miss 1)"
check "G: T5 after CR3 below hv_base, model 1" $TLB_SMALL_PAGES "$(delta $C 5 dtlb_miss 1)"
check "G: T5 after CR3 below hv_base, model 0" $TLB_SMALL_PAGES "$(delta $C 5 dtlb_miss 0)"

# Totals are at least the last snapshot.
last=$(jq -s '.[21].insns' "$A.roi")
tot=$(jq -c 'select(.kind == "total") | .insns' "$A")
[ "$tot" -ge "$last" ] || { echo "FAIL  total insns $tot < last snapshot $last"; nfail=$((nfail + 1)); }

# T8: T2 with stores into fresh memory: the same misses, as stores allocate.
walk_checks $A 10 "T8 store walk" $STORE_BASE $((WALK_BYTES / WALK_LINE)) $WALK_LINE $WALK_REPS 0 \
	store
check "T8 dtlb_miss (= pages, cold)" $((WALK_BYTES / PAGE_BYTES)) "$(delta $A 10 dtlb_miss)"

# The counter stream of run A: header as configured, one MARKER record per ROI
# snapshot with the same counters (two encodings of one state), records of
# the vCPU in time order with counters never decreasing, periodic records at
# least period_ns apart, and the FINAL record equal to the total.
"$T/pmu/xpkt-pmu-dump" "$T/a.stream" >"$T/a.dump" || fail "xpkt-pmu-dump a.stream"
check "stream record_bytes (16 + 8 * (7 + 10 * 2))" $((16 + 8 * (7 + 10 * 2))) \
	"$(jq -r 'select(.kind == "header") | .record_bytes' "$T/a.dump")"
check "stream model 1 l1d" "128K:8:64" \
	"$(jq -r 'select(.kind == "header") | .models[1].l1d' "$T/a.dump")"
CMP='[.insns, .loads, .stores, .cr3_loads, (.models[] | [.l1i_access, .l1i_miss, .l1d_access,
	.l1d_miss, .l2_access, .l2_miss, .itlb_access, .itlb_miss, .dtlb_access, .dtlb_miss])]'
check "stream markers = ROI snapshots" "$(jq -c "$CMP" "$A.roi" | md5sum)" \
	"$(jq -c "select(.kind == \"marker\") | $CMP" "$T/a.dump" | md5sum)"
check "stream final = total" "$(jq -c "select(.kind == \"total\") | $CMP" "$A" | md5sum)" \
	"$(jq -c "select(.kind == \"final\") | $CMP" "$T/a.dump" | md5sum)"
check "stream order: tsc and counters monotonic" 0 "$(jq -s '[.[1:][] | [.tsc, .insns, .loads,
	.models[0].l1d_miss, .models[1].l2_miss]] | [range(1; length) as $i | .[$i - 1] as $a |
	.[$i] as $b | select([range(0; 5) | select($b[.] < $a[.])] | length > 0)] | length' "$T/a.dump")"
check "stream periodic spacing >= period_ns" 0 "$(jq -s '(.[0].tsc_hz * '$PERIOD_NS' / 1e9) as $p |
	[.[] | select(.kind == "periodic") | .tsc] | [range(1; length) as $i |
	select(.[$i] - .[$i - 1] < $p - 1)] | length' "$T/a.dump")"
nper=$(jq -c 'select(.kind == "periodic")' "$T/a.dump" | wc -l)
[ "$nper" -ge 10 ] || { echo "FAIL  only $nper periodic records"; nfail=$((nfail + 1)); }

# Timebase: the guest prints its rdtsc just before markers 16 and 17, some
# 10^7 instructions apart. Guest TSC - host TSC (marker's stamp) must be the
# same constant both times, within 100 us of ticks (measured: ~1000 cycles),
# which is what lets part 2 align the stream with guest-side traces.
gtsc=($(grep -ao 'TSC [0-9a-f]\{16\}' "$A.console" | while read -r _ h; do echo $((16#$h)); done))
htsc=($(jq -s '.[16].tsc, .[17].tsc' "$A.roi"))
hz=$(jq -r 'select(.kind == "header") | .tsc_hz' "$T/a.dump")
if [ ${#gtsc[@]} -ne 2 ]; then
	echo "FAIL  guest printed ${#gtsc[@]} TSC lines, expected 2"
	nfail=$((nfail + 1))
else
	drift=$(((htsc[1] - gtsc[1]) - (htsc[0] - gtsc[0])))
	gap=$((gtsc[1] - gtsc[0]))
	echo "info  guest-host TSC offset drift $drift ticks over $gap guest ticks"
	[ "$gap" -gt 0 ] || { echo "FAIL  guest TSC did not advance"; nfail=$((nfail + 1)); }
	check "TSC offset constant (|drift| < 100 us)" yes \
		"$([ $((drift < 0 ? -drift : drift)) -lt $((hz / 10000)) ] && echo yes || echo "no ($drift)")"
fi

# Bad options stop QEMU before the guest runs, naming the option.
expect_exit 1 "xpkt-pmu-sim: l2=3K:16:64: '3K:16:64'" \
	"$QEMU" -accel tcg -nographic -kernel "$GUEST" -plugin "$PLUGIN,l2=3K:16:64"
expect_exit 1 "xpkt-pmu-sim: option 'bogus=1': unknown key" \
	"$QEMU" -accel tcg -nographic -kernel "$GUEST" -plugin "$PLUGIN,bogus=1"

[ $nfail -eq 0 ] || fail "$nfail expectation(s) not met"
echo "pmu-sim: all expectations met"
