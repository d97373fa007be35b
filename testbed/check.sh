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

# 4. The patched modules: loaded in place of the distro's, and their tracepoints
# exist (dom0: xen_netback, the domU: xen_netfront). Skipped when the run was
# given no replacement module (make testbed builds both; see the top Makefile).
NB_PATCHED=0
nb_line=$(grep -a 'module xen-netback:' "$RUN/serial.log" 2>/dev/null | tr -d '\r' | tail -1)
case $nb_line in
*"failed to load"*) bad "dom0: $nb_line" ;;
*replacement*)
	n=$(grep -a 'tracepoints xen_netback:' "$RUN/serial.log" | tr -d '\r' | tail -1 | sed -n 's/.*xen_netback: \([0-9]*\) events.*/\1/p')
	if [ "${n:-0}" -gt 0 ]; then
		NB_PATCHED=1
		ok "dom0: patched xen-netback loaded, $n xen_netback tracepoints"
	else
		bad "dom0: patched xen-netback loaded but no xen_netback tracepoints"
	fi
	;;
*) echo "testbed-check: skip  dom0: distro xen-netback (no replacement module given)" ;;
esac
nf_line=$(grep -a 'netfront: loaded' "$RUN/domU-console.log" 2>/dev/null | tr -d '\r' | tail -1)
if [ -f "$RUN/stage/domu/opt/xpkttrace/modules/xen-netfront.ko" ]; then
	n=$(grep -a 'tracepoints xen_netfront:' "$RUN/domU-console.log" 2>/dev/null | tr -d '\r' | tail -1 | sed -n 's/.*xen_netfront: \([0-9]*\) events.*/\1/p')
	if [[ "$nf_line" == *"loaded replacement"* ]] && [ "${n:-0}" -gt 0 ]; then
		ok "domU: patched xen-netfront loaded, $n xen_netfront tracepoints"
	else
		bad "domU: patched xen-netfront: '${nf_line:-no load line}', ${n:-no} xen_netfront tracepoints"
	fi
else
	echo "testbed-check: skip  domU: distro xen-netfront (no replacement module given)"
fi

# 5. The hypervisor trace decodes, and Xen lost none of it. `record --xen` puts it
# in the bundle (xen.trace); XPKT_TESTBED_XENTRACE=1 runs xentrace (xentrace.bin).
XT=$RUN/dom0/xen.trace
[ -s "$XT" ] || XT=$RUN/xentrace.bin
if [ -s "$XT" ]; then
	if "$X" xen-stat --json "$XT" >"$RUN/xen-stat.json" 2>"$RUN/xen-stat.err"; then
		lost=$(jq -r '.lost_records // "absent"' "$RUN/xen-stat.json")
		sz=$(stat -c %s "$XT")
		if [ "$lost" = 0 ]; then
			ok "xen-stat: $(basename "$XT") $sz bytes decoded, lost_records 0"
		else
			bad "xen-stat: $(basename "$XT") $sz bytes, lost_records $lost"
		fi
	else
		bad "xen-stat $(basename "$XT"): $(head -1 "$RUN/xen-stat.err")"
	fi
else
	bad "no hypervisor trace (dom0/xen.trace or xentrace.bin)"
fi

# 6. The dom0 bundle, when xpkttrace was in dom0, decodes.
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

# 7. The merged bundle (testbed/bundle.sh: guest1, from the guest agent or
# passive, + dom0 + xen + wire, and both kernels' PC samples).
B=$RUN/bundle
if [ -f "$B/manifest.json" ]; then
	M=$B/manifest.json
	srcs=$(jq -r '[.sources[].name] | join(",")' "$M")
	# record --samples in the guest and dom0: each kernel's PC samples are a source
	want=guest1,guest1-samples,dom0,dom0-samples,xen,wire
	[ -s "$RUN/xentrace.bin" ] && want=guest1,guest1-samples,dom0,dom0-samples,wire # XPKT_TESTBED_XENTRACE=1: Xen's trace is apart
	[ "$srcs" = $want ] && ok "bundle: sources $srcs" || bad "bundle: sources '$srcs', expected $want"
	# dom0's devices with the kinds stage rows select on (capture/host.c).
	kinds=$(jq -r '.sources[] | select(.name == "dom0") | .ifaces[] |
		"\(.name)=\(.kind)\(if .kind == "vif" then "(\(.domid).\(.handle))" else "" end)"' "$M" | tr '\n' ' ')
	if grep -q '=nic ' <<<"$kinds" && grep -q 'vif1.0=vif(1.0)' <<<"$kinds" && grep -q 'xenbr0=bridge' <<<"$kinds"; then
		ok "bundle: dom0 devices $kinds"
	else
		bad "bundle: dom0 devices '$kinds' (want a nic, vif1.0=vif(1.0), xenbr0=bridge)"
	fi
	wf=$(jq -r '.sources[] | select(.name == "wire") | "\(.offset_from) \(.offset_ns)"' "$M")
	echo "testbed-check: info  bundle: wire clock offset_from/offset_ns: $wf"
	if "$X" events --json "$B" >"$RUN/events.json" 2>"$RUN/events.err"; then
		jq -r '.sources[] | "\(.name): \(.total) events, \(.lost_events) lost"' "$RUN/events.json" |
			while read -r l; do echo "testbed-check: info  events $l"; done
		nlost=$(jq '[.sources[].lost_events] | add' "$RUN/events.json")
		[ "$nlost" = 0 ] && ok "events: 0 lost in every source" || bad "events: $nlost lost ($(jq -c '[.sources[] | {(.name): .lost_events}] | add' "$RUN/events.json"))"
		if [ $NB_PATCHED = 1 ]; then
			for e in tx_copy tx_map tx_deliver rx_copy rx_notify; do
				n=$(jq -r --arg e "xen_netback:$e" '.sources[] | select(.name == "dom0") | .events[$e] // 0' "$RUN/events.json")
				[ "$n" -gt 0 ] && ok "events: dom0 xen_netback:$e $n" || bad "events: dom0 has no xen_netback:$e"
			done
		fi
		# br_forward: the one kprobe a dom0 stage maps (tp_map.c); recorded unless
		# the manifest lists it unavailable, and then it fired (every bridged frame).
		if jq -e '.sources[] | select(.name == "dom0") | .unavailable // [] | index("kprobe:br_forward")' "$M" >/dev/null; then
			echo "testbed-check: info  kprobe:br_forward unavailable in dom0 (manifest)"
		else
			# (keys "bridge:br_forward@KIND" once the probe names the egress device)
			n=$(jq -r '[.sources[] | select(.name == "dom0") | .events // {} | to_entries[] | select(.key | startswith("bridge:br_forward")) | .value] | add // 0' "$RUN/events.json")
			[ "$n" -gt 0 ] && ok "events: dom0 kprobe br_forward $n" || bad "events: kprobe:br_forward recorded but no events"
		fi
		# The guest agent (guest/domU-init, fetched into RUN/guest1 by nic-dom0.sh):
		# source guest1 decodes with nothing lost, and holds the patched
		# netfront's events when the domU ran it.
		if [ -f "$RUN/guest1/g/manifest.json" ]; then
			read -r gtot glost < <(jq -r '.sources[] | select(.name == "guest1") | "\(.total) \(.lost_events)"' "$RUN/events.json" 2>/dev/null)
			gman=$(jq -r '.sources[] | select(.name == "guest1") | "\(.format) \(.offset_from)"' "$M")
			if [ "$gman" = "ftrace tsc_mode=native" ] && [ "${gtot:-0}" -gt 0 ] && [ "${glost:-x}" = 0 ]; then
				ok "events: guest1 (agent, $gman) $gtot events, 0 lost"
			else
				bad "events: guest1 agent source '$gman': ${gtot:-no} events, ${glost:-?} lost"
			fi
			nf=$(jq -r '[.sources[] | select(.name == "guest1") | .events // {} | to_entries[] | select(.key | startswith("xen_netfront:")) | .value] | add // 0' "$RUN/events.json")
			nfk=$(jq -r '[.sources[] | select(.name == "guest1") | .events // {} | to_entries[] | select(.key | startswith("xen_netfront:")) | "\(.key | sub("xen_netfront:"; ""))=\(.value)"] | join(" ")' "$RUN/events.json")
			if [ -f "$RUN/stage/domu/opt/xpkttrace/modules/xen-netfront.ko" ]; then
				[ "$nf" -gt 0 ] && ok "events: guest1 xen_netfront $nf ($nfk)" || bad "events: guest1 has no xen_netfront events"
			fi
		elif [ -x "$RUN/stage/domu/opt/xpkttrace/xpkttrace" ]; then
			bad "no guest agent recording ($RUN/guest1; see domU-console.log, serial.log)"
		fi
		n=$(jq -r '.sources[] | select(.name == "xen") | .total' "$RUN/events.json")
		[ "${n:-0}" -gt 0 ] && ok "events: xen $n records decoded" || bad "events: no xen records"
	else
		bad "events bundle: $(head -1 "$RUN/events.err")"
	fi
	if "$X" report "$B" >"$RUN/report.txt" 2>"$RUN/report.err" &&
		"$X" report --json -o "$RUN/report.json" "$B" 2>>"$RUN/report.err"; then
		ok "report bundle: $(jq -r '"\(.events_read) events read, packets tx \(.packets.tx.total) rx \(.packets.rx.total)"' "$RUN/report.json")"
		echo "testbed-check: info  stages with counts: $(jq -r '[.stages[] | select(.count > 0) | "\(.direction):\(.name)=\(.count)"] | join(" ")' "$RUN/report.json")"
		# 8. What the cross-domain correlation must show (the Xen issue): every
		# stage of both directions seen on some packet; at least 95 % of the
		# guest's data packets complete from TCP build to the wire; no packet
		# whose stage in one source precedes the stage before it in another.
		R=$RUN/report.json
		zero=$(jq -r '[.stages[] | select(.count == 0) | "\(.direction):\(.name)"] | join(" ")' "$R")
		[ -z "$zero" ] && ok "report: every TX and RX stage has packets" || bad "report: stages without packets: $zero"
		read -r tot comp < <(jq -r '"\(.packets.tx.total) \(.packets.tx.complete)"' "$R")
		why=$(jq -c '.packets.tx.partial_reasons' "$R")
		if [ "${tot:-0}" -gt 0 ] && [ $((comp * 100)) -ge $((tot * 95)) ]; then
			ok "report: TX $comp of $tot guest data packets complete (>= 95 %)"
		else
			bad "report: TX ${comp:-?} of ${tot:-?} complete (< 95 %; partial: $why)"
		fi
		inv=$(jq -r '[.clock[] | select(.inversions > 0) | "\(.source)=\(.inversions) (min gap \(.min_causal_gap_ns) ns)"] | join(" ")' "$R")
		[ -z "$inv" ] && ok "report: no receive before its send in any source ($(jq -r '[.clock[] | "\(.source) \(.min_causal_gap_ns)"] | join(", ")' "$R") ns min gap)" ||
			bad "report: causal inversions: $inv"
	else
		bad "report bundle: $(head -1 "$RUN/report.err")"
	fi
elif [ -d "$RUN/dom0" ]; then
	bad "no merged bundle ($B; testbed/bundle.sh failed?)"
fi
[ $FAILS -eq 0 ] || tb_die "$FAILS check(s) failed for $RUN"
tb_log "all checks passed for $RUN"
