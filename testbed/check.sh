#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/check.sh - check one testbed run's results.
#
#   XPKTTRACE=build/xpkttrace testbed/check.sh RUNDIR
#
# Each check prints "ok" or "FAIL" with the numbers it looked at; exit 1 if any failed.
# Expected values come from independent sources: the pcap's payload is compared with
# what iperf3 itself counted, not with numbers from an earlier run.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
RUN=${1:?usage: check.sh RUNDIR}
X=${XPKTTRACE:-$TB_REPO/build/xpkttrace}
[ -d "$RUN" ] || tb_die "$RUN: no such run directory"
[ -x "$X" ] || tb_die "$X: no xpkttrace binary (make first, or set XPKTTRACE)"
command -v jq >/dev/null || tb_die "jq not installed"
command -v tshark >/dev/null || tb_die "tshark not installed (apt-get install tshark)"
FAILS=0
ok() { echo "testbed-check: ok    $*"; }
bad() {
	echo "testbed-check: FAIL  $*"
	FAILS=$((FAILS + 1))
}

# 1. dom0's init got to the end of the scenario.
if grep -aq 'TESTBED DONE ok' "$RUN/serial.log" 2>/dev/null; then
	ok "serial.log: TESTBED DONE ok"
else
	bad "serial.log: no 'TESTBED DONE ok' ($(grep -a 'TESTBED DONE' "$RUN/serial.log" 2>/dev/null | tail -1))"
fi

# 2. iperf3 moved data both ways. sum_received is counted by the receiving end.
declare -A RECV
for d in to-guest from-guest; do
	J=$RUN/iperf3-$d.json
	b=$(jq -r '.end.sum_received.bytes // 0' "$J" 2>/dev/null || echo 0)
	s=$(jq -r '.end.sum_sent.bytes // 0' "$J" 2>/dev/null || echo 0)
	m=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e6 | . * 10 | floor / 10' "$J" 2>/dev/null || echo 0)
	RECV[$d]=$b
	if [ "${b:-0}" -gt 0 ] && [ "${s:-0}" -gt 0 ]; then
		ok "iperf3 $d: sent $s bytes, received $b bytes, $m Mbit/s"
	else
		bad "iperf3 $d: sent ${s:-?} received ${b:-?} bytes ($J)"
	fi
done

# 3. The wire (QEMU filter-dump on dom0's e1000) holds the TCP segments between the
# two iperf3 endpoints: the domU 10.0.2.15:5201 and slirp's side of the hostfwd,
# 10.0.2.2. All payload the receiver counted must have crossed this wire, so the
# pcap's payload per direction is at least iperf3's received bytes.
if [ -s "$RUN/wire.pcap" ]; then
	frames=$(capinfos -c -M "$RUN/wire.pcap" 2>/dev/null | awk -F: '/Number of packets/{gsub(/ /,"",$2); print $2}')
	# TCP sequence analysis and reassembly are off: they are not needed for
	# tcp.len and make tshark ~15x slower on the ~170 k frames of a run.
	read -r n_in b_in n_out b_out < <(tshark -r "$RUN/wire.pcap" -n -o tcp.analyze_sequence_numbers:FALSE \
		-o tcp.desegment_tcp_streams:FALSE -o tcp.calculate_timestamps:FALSE -Y 'ip.addr==10.0.2.15 && ip.addr==10.0.2.2 && tcp.port==5201 && tcp.len>0' \
		-T fields -e ip.dst -e tcp.len 2>/dev/null |
		awk '$1=="10.0.2.15"{ni++; bi+=$2} $1=="10.0.2.2"{no++; bo+=$2} END{printf "%d %d %d %d\n", ni, bi, no, bo}')
	msg="wire.pcap: $frames frames; to domU $n_in data segments $b_in bytes, from domU $n_out segments $b_out bytes"
	if [ "$n_in" -gt 0 ] && [ "$n_out" -gt 0 ] && [ "$b_in" -ge "${RECV[to-guest]:-0}" ] && [ "$b_out" -ge "${RECV[from-guest]:-0}" ]; then
		ok "$msg (>= iperf3's received bytes)"
	else
		bad "$msg; iperf3 received ${RECV[to-guest]} / ${RECV[from-guest]}"
	fi
else
	bad "wire.pcap missing or empty"
fi

# 4. xpkttrace decodes the hypervisor trace, and says how many records Xen lost.
if [ -s "$RUN/xentrace.bin" ]; then
	if "$X" xen-stat --json "$RUN/xentrace.bin" >"$RUN/xen-stat.json" 2>"$RUN/xen-stat.err"; then
		lost=$(jq -r '.lost_records // "absent"' "$RUN/xen-stat.json")
		sz=$(stat -c %s "$RUN/xentrace.bin")
		if [ "$lost" != absent ]; then
			ok "xen-stat: xentrace.bin $sz bytes decoded, lost_records $lost"
		else
			bad "xen-stat: no lost_records in its JSON"
		fi
	else
		bad "xen-stat xentrace.bin: $(head -1 "$RUN/xen-stat.err")"
	fi
else
	bad "xentrace.bin missing or empty"
fi

# 5. The dom0 bundle, when xpkttrace was in dom0, decodes.
if [ -d "$RUN/dom0" ]; then
	if "$X" report "$RUN/dom0" >"$RUN/dom0-report.txt" 2>"$RUN/dom0-report.err" &&
		"$X" report --json -o "$RUN/dom0-report.json" "$RUN/dom0" 2>>"$RUN/dom0-report.err"; then
		ok "report dom0: $(wc -l <"$RUN/dom0-report.txt") lines (dom0-report.txt, dom0-report.json)"
	else
		bad "report dom0: $(head -1 "$RUN/dom0-report.err")"
	fi
else
	echo "testbed-check: skip  no dom0 bundle (XPKTTRACE was not put in dom0)"
fi
[ $FAILS -eq 0 ] || tb_die "$FAILS check(s) failed for $RUN"
tb_log "all checks passed for $RUN"
