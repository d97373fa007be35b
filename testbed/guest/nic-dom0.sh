# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# testbed/guest/nic-dom0.sh - dom0's half of the NIC scenario (sourced by dom0-init.sh).
#
# The host (testbed/scenario-nic.sh) drives iperf3 through QEMU's hostfwd to the
# domU: host -> e1000 -> xenbr0 -> vif1.0 -> netfront, then the reverse (-R).
# Here `xpkttrace record --xen --events xen-dom0` records dom0's kernel (the
# patched netback's xen_netback events, device and skb events, kprobes) and
# Xen's trace buffers into one bundle, /root/out/dom0, for exactly the span of
# the two tests. nic-await.sh is the recorded command: it sends the clock marker
# (nic-marker.sh), tells the host when to start each test and returns when both
# are over.
#
# XPKT_TESTBED_XENTRACE=1 (comparison): Xen's own xentrace records the
# hypervisor into xentrace.bin instead, and xpkttrace records dom0 only (Xen's
# trace buffers have one consumer, so not both at once).
DL=/var/log/xen/console/guest-domU.log
for i in $(seq 1 600); do grep -q 'Server listening' $DL 2>/dev/null && break; sleep 0.5; done
grep -q 'Server listening' $DL || { log "error: domU iperf3 server never came up"; SCENARIO_RESULT=FAILED; return; }
# XPKT_TESTBED_DOM0_CMD (prepare.sh): the user's own dom0 setup, before recording.
if [ -s /opt/xpkttrace/testbed/dom0-cmd.sh ]; then
	log "dom0 command: $(cat /opt/xpkttrace/testbed/dom0-cmd.sh)"
	sh /opt/xpkttrace/testbed/dom0-cmd.sh 2>&1 | while read -r l; do log "dom0 command: $l"; done
fi
nicstat() { echo "tx_packets=$(cat /sys/class/net/$1/statistics/tx_packets) tx_bytes=$(cat /sys/class/net/$1/statistics/tx_bytes) rx_packets=$(cat /sys/class/net/$1/statistics/rx_packets) rx_bytes=$(cat /sys/class/net/$1/statistics/rx_bytes)"; }
log "before: $NIC $(nicstat $NIC); vif1.0 $(nicstat vif1.0)"
# The patched netback's tracepoints (netback-patch/) exist only if it loaded.
TP=/sys/kernel/tracing/events/xen_netback
log "tracepoints xen_netback: $(ls $TP 2>/dev/null | grep -cv -e '^enable$' -e '^filter$') events ($(ls $TP 2>/dev/null | grep -v -e '^enable$' -e '^filter$' | tr '\n' ' '))"
echo "$(lsmod | grep -E '^xen_net')" | while read -r l; do log "lsmod: $l"; done

# Can this kernel take a kprobe at all? (The recorder lists a refused one as
# unavailable without the kernel's reason; the shell's write error has it.)
KE=/sys/kernel/tracing/kprobe_events
for f in br_forward __ip_queue_xmit; do
	# the recorder's own definition (tracepoints/tp_map.c)
	if err=$(echo "p:tbprobe/$f $f port=%di:x64 skb=%si:x64" 2>&1 >>$KE); then
		log "kprobe test: $f accepted"
		echo "-:tbprobe/$f" >>$KE
	else
		log "kprobe test: $f refused: ${err##*: } ($(grep -c -w "$f" /proc/kallsyms) kallsyms entries; error_log: $(tail -1 /sys/kernel/tracing/error_log 2>/dev/null))"
	fi
done

AWAIT=/opt/xpkttrace/testbed/nic-await.sh
X=/opt/xpkttrace/xpkttrace
XT=
RC=1
if [ "${XPKT_TESTBED_XENTRACE:-0}" = 1 ] || [ ! -x $X ]; then
	# Only the classes the stages use (sched: VM switches and runstates, PV:
	# hypercalls, mem: grant ops, hw: IRQs), so a large per-CPU buffer (-S, pages)
	# is not flooded by the rest; xentrace -e all at -S 256 lost over half its records.
	log "xentrace -e $XENTRACE_MASK -S $XENTRACE_PAGES"
	xentrace -D -e $XENTRACE_MASK -S $XENTRACE_PAGES $OUT/xentrace.bin >$OUT/xentrace.log 2>&1 &
	XT=$!
	sleep 1
	kill -0 $XT 2>/dev/null || log "error: xentrace did not start: $(tail -1 $OUT/xentrace.log)"
fi
if [ -x $X ]; then
	XEN_OPT="--xen --xen-buffer-kb $((XENTRACE_PAGES * 4))"
	[ -n "$XT" ] && XEN_OPT=
	# under the pmu-sim plugin the recorder makes its clock markers (docs/pmu-sim.md)
	[ "${XPKT_TESTBED_PMU_SIM:-0}" = 1 ] && XEN_OPT="$XEN_OPT --pmu=sim"
	log "xpkttrace record $XEN_OPT --events xen-dom0 --samples -o $OUT/dom0 (at most $RECORD_MAX_S s) around the tests"
	# shellcheck disable=SC2086  # XEN_OPT: several words or none
	$X record $XEN_OPT --events xen-dom0 --samples --duration $RECORD_MAX_S -o $OUT/dom0 -- $AWAIT >$OUT/record.log 2>&1
	RC=$?
	grep 'xpkttrace record' $OUT/record.log | while read -r l; do log "$l"; done
	log "xpkttrace record exit $RC"
	# Why a kprobe was refused (symbol absent, inlined, bad fetch argument).
	# (tracefs files report size 0: no -s test)
	tail -5 /sys/kernel/tracing/error_log 2>/dev/null | while read -r l; do log "tracefs error_log: $l"; done
else
	log "no /opt/xpkttrace/xpkttrace: hypervisor trace only"
	$AWAIT
	RC=$?
fi
# The guest agent's recording (guest/domU-init): tell it the tests are over (a
# connection to its port 5301 ends its recorded command), wait for its
# "GUEST BUNDLE READY" console line, then fetch its bundle over the vif from its
# busybox httpd into $OUT/guest1 (bundle.sh merges it). No agent (no
# "agent:" line on its console): nothing to fetch, the domU stays passive.
if grep -q 'DOMU.*agent: xpkttrace record' $DL; then
	timeout 10 busybox nc 10.0.0.2 5301 </dev/null >/dev/null 2>&1
	for i in $(seq 1 240); do grep -q 'GUEST BUNDLE READY' $DL && break; sleep 0.5; done
	grep 'DOMU.*agent:' $DL | while read -r l; do log "domU $l"; done
	if grep -q 'GUEST BUNDLE READY' $DL &&
		busybox wget -q -O $OUT/guest1.tar http://10.0.0.2:8080/guest.tar &&
		mkdir -p $OUT/guest1 && tar -C $OUT/guest1 -xf $OUT/guest1.tar; then
		rm -f $OUT/guest1.tar
		log "guest agent bundle: $(du -sk $OUT/guest1 | cut -f1) KiB in $OUT/guest1"
	else
		log "error: no guest agent bundle from the domU"
		RC=1
	fi
fi
if [ -n "$XT" ]; then
	kill -INT $XT
	wait $XT
	log "xentrace done: $(ls -l $OUT/xentrace.bin | awk '{print $5}') bytes; $(tail -1 $OUT/xentrace.log)"
fi
xl dmesg | grep -i -E 'trac(e|ing)' | tail -3
log "after: $NIC $(nicstat $NIC); vif1.0 $(nicstat vif1.0)"
[ $RC -eq 0 ] && SCENARIO_RESULT=ok || SCENARIO_RESULT=FAILED
