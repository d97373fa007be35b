#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/run.sh - build (or reuse) the images, boot Xen, run a scenario, collect results.
#
#   testbed/run.sh [SCENARIO]        (default: nic; needs root)
#
# Results in testbed/out/RUN/ (RUN = UTC time stamp; testbed/out/latest points
# at the newest): serial.log, wire.pcap, xentrace.bin, dom0/ (the xpkttrace
# bundle, when XPKTTRACE names a binary), bundle/ (dom0/ plus the wire, testbed/bundle.sh),
# iperf3-to-guest.json and
# iperf3-from-guest.json, domU-console.log, xen-dmesg.txt, times.txt.
# Environment: see build.sh, prepare.sh; XPKT_TESTBED_OUT (default testbed/out),
# XPKT_TESTBED_TIMEOUT (QEMU's limit, default 900 s); XPKT_TESTBED_XEN_PATCH=1 boots
# the hypervisor with xen-patch/ (built or reused by xen-patch/build.sh), or
# XPKT_TESTBED_XEN=ELF boots that one; times.txt's "hypervisor" line says which.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SCEN=${1:-nic}
tb_need_root "the testbed"
tb_lock
[ -x "$TB_DIR/scenario-$SCEN.sh" ] || tb_die "no scenario '$SCEN' (testbed/scenario-$SCEN.sh)"
OUTD=${XPKT_TESTBED_OUT:-$TB_DIR/out}
RUN=$OUTD/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)

t=$(date +%s)
IMG=$("$TB_DIR/build.sh")
export XPKT_TESTBED_IMG=$IMG # bundle.sh: the hypervisor that ran, for its symbols
t_build=$(($(date +%s) - t))
HYP="stock ($IMG/xen)"
if [ -z "${XPKT_TESTBED_XEN-}" ] && [ "${XPKT_TESTBED_XEN_PATCH:-0}" = 1 ]; then
	XPKT_TESTBED_XEN=$("$TB_REPO/xen-patch/build.sh") || tb_die "xen-patch/build.sh failed"
	HYP="patched (xen-patch/) $XPKT_TESTBED_XEN"
elif [ -n "${XPKT_TESTBED_XEN-}" ]; then
	HYP="given (XPKT_TESTBED_XEN) $XPKT_TESTBED_XEN"
fi
[ -z "${XPKT_TESTBED_XEN-}" ] || export XPKT_TESTBED_XEN
tb_log "hypervisor: $HYP"
# XPKT_TESTBED_PMU_SIM=1: QEMU runs the pmu-sim plugin (pmu-sim/, issue 7),
# built here; everything takes ~6x longer, so the waits stretch with it.
if [ "${XPKT_TESTBED_PMU_SIM:-0}" = 1 ] && [ -z "${XPKT_TESTBED_PMU_SIM_SO-}" ]; then
	make -s -C "$TB_REPO/pmu-sim" B="$RUN/pmu-sim-build" "$RUN/pmu-sim-build/xpkt-pmu-sim.so" >&2 ||
		tb_die "cannot build the pmu-sim plugin"
	export XPKT_TESTBED_PMU_SIM_SO=$RUN/pmu-sim-build/xpkt-pmu-sim.so
fi
if [ -n "${XPKT_TESTBED_PMU_SIM_SO-}" ]; then
	export XPKT_TESTBED_PMU_SIM=1 BOOT_WAIT_S=${BOOT_WAIT_S:-3000} TB_STALL_S=$((TB_STALL_S * 4))
	XPKT_TESTBED_TIMEOUT=${XPKT_TESTBED_TIMEOUT:-5400}
fi
# The hostfwd port on the host's loopback: the first free one from 15201, so
# two testbeds (or anything else on 15201) do not collide; HOSTFWD_PORT forces one.
if [ -z "${HOSTFWD_PORT-}" ]; then
	for p in $(seq 15201 15299); do
		ss -Hltn "sport = :$p" | grep -q . || {
			HOSTFWD_PORT=$p
			break
		}
	done
fi
export HOSTFWD_PORT=${HOSTFWD_PORT:?no free port in 15201-15299}
tb_log "hostfwd 127.0.0.1:$HOSTFWD_PORT -> domU 10.0.2.15:5201"
t=$(date +%s)
# A system that hangs before the first test (the scenario exits 75) is booted
# once more from a fresh image copy; the first attempt's logs are kept as *.hung.
for attempt in 1 2; do
	"$TB_DIR/prepare.sh" "$IMG" "$RUN" "$SCEN"
	"$TB_DIR/boot.sh" "$IMG" "$RUN" "${XPKT_TESTBED_TIMEOUT:-900}" &
	QPID=$!
	# If this script dies, do not leave QEMU running: stop the one started here.
	trap 'kill $QPID 2>/dev/null || true' EXIT
	SRC=0
	"$TB_DIR/scenario-$SCEN.sh" "$RUN" "$QPID" || SRC=$?
	[ $SRC -eq 75 ] && [ $attempt -eq 1 ] || break
	tb_log "dom0 hung before the first test: stopping QEMU and booting again"
	pkill -P "$QPID" 2>/dev/null || true
	kill "$QPID" 2>/dev/null || true
	wait "$QPID" 2>/dev/null || true
	for f in serial.log qemu.log wire.pcap; do [ -f "$RUN/$f" ] && mv "$RUN/$f" "$RUN/$f.hung"; done
done
# Even after a failed scenario dom0 powers off by itself (at worst after its own
# wait for the tests times out), and what it wrote is worth collecting.
[ $SRC -eq 0 ] && tb_log "waiting for dom0 to power off" || tb_log "scenario failed; waiting for dom0 to power off"
QRC=0
wait $QPID || QRC=$?
trap - EXIT
t_boot=$(($(date +%s) - t))
[ -f "$RUN/dom0.img" ] && "$TB_DIR/collect.sh" "$RUN"
# dom0's recording + the wire: RUN/bundle (what check.sh reports on).
[ -d "$RUN/dom0" ] && { "$TB_DIR/bundle.sh" "$RUN" || tb_log "warning: no merged bundle"; }
ln -sfn "$(basename "$RUN")" "$OUTD/latest"
printf 'build_s %s\nboot_run_s %s\nimages %s\nhypervisor: %s\n' "$t_build" "$t_boot" "$IMG" "$HYP" >"$RUN/times.txt"
[ -z "${XPKT_TESTBED_XEN-}" ] || [ ! -f "$(dirname "$XPKT_TESTBED_XEN")/xen.info" ] ||
	cp "$(dirname "$XPKT_TESTBED_XEN")/xen.info" "$RUN/xen-patch.info"
done_line=$(grep -a 'TESTBED DONE' "$RUN/serial.log" | tr -d '\r')
[ $SRC -eq 0 ] || tb_die "scenario $SCEN failed; ${done_line:-no TESTBED DONE}; see $RUN/serial.log"
[ $QRC -eq 0 ] || tb_die "QEMU exit status $QRC ($([ $QRC -eq 124 ] && echo timeout || echo error)); see $RUN/qemu.log, $RUN/serial.log"
[[ "$done_line" == *"TESTBED DONE ok"* ]] || tb_die "dom0 says '${done_line:-nothing}' (no 'TESTBED DONE ok'); see $RUN/serial.log"
tb_log "done: build ${t_build} s, boot + scenario + power-off ${t_boot} s; results in $RUN"
