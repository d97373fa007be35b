#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/scenario-nic.sh - the host's half of the NIC scenario, while boot.sh runs.
#
#   testbed/scenario-nic.sh RUNDIR QEMU_PID
#
# The host's iperf3 client is the only peer the guest can reach (QEMU user
# networking, restrict=on, one hostfwd). dom0 (guest/nic-await.sh) prints
# "TESTBED READY to-guest" once xentrace and the recorder run: then host ->
# domU for IPERF_SECONDS; "TESTBED READY from-guest" once the domU's server is
# listening again (starting earlier fails with "control socket has closed
# unexpectedly"): then -R, domU -> host. JSON results: RUNDIR/iperf3-*.json.
# IPERF_ARGS: more iperf3 client options for both tests (e.g. "-P 2 -w 64K").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUN=${1:?usage: scenario-nic.sh RUNDIR QEMU_PID}
QPID=${2:?usage: scenario-nic.sh RUNDIR QEMU_PID}
T=${IPERF_SECONDS:-10}
PORT=${HOSTFWD_PORT:-15201}
# Boot to the domU's iperf3 server takes ~60-100 s under TCG; be generous.
BOOT_WAIT_S=${BOOT_WAIT_S:-600}
command -v iperf3 >/dev/null || tb_die "iperf3 not installed on the host (apt-get install iperf3)"

run_test() { # NAME MARKER [-R]
	local name=$1 marker=$2
	shift 2
	local rc=0
	tb_wait_for "$RUN/serial.log" "$marker" "$QPID" "$BOOT_WAIT_S" || rc=$?
	# exit 75 (EX_TEMPFAIL): the system hung before the first test; run.sh boots again
	[ $rc -eq 2 ] && [ "$name" = to-guest ] && { tb_log "serial.log silent for $TB_STALL_S s before '$marker': hung"; exit 75; }
	[ $rc -eq 0 ] || tb_die "no '$marker' on $RUN/serial.log (QEMU gone, timeout or hang; see its tail)"
	# shellcheck disable=SC2086 # IPERF_ARGS is a list of options
	set -- ${IPERF_ARGS-} "$@"
	tb_log "$name: iperf3 -c 127.0.0.1 -p $PORT -t $T $*"
	# -J: one JSON document per test, read by check.sh.
	iperf3 -c 127.0.0.1 -p "$PORT" -t "$T" -J "$@" >"$RUN/iperf3-$name.json" 2>"$RUN/iperf3-$name.err" ||
		tb_die "iperf3 $name failed: $(jq -r '.error // empty' "$RUN/iperf3-$name.json" 2>/dev/null)"
	tb_log "$name: $(jq -r '"\(.end.sum_received.bytes) bytes, \(.end.sum_received.bits_per_second / 1e6 | floor) Mbit/s received"' "$RUN/iperf3-$name.json")"
}
run_test to-guest 'TESTBED READY to-guest'
run_test from-guest 'TESTBED READY from-guest' -R
