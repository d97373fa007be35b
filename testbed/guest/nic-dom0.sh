# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# testbed/guest/nic-dom0.sh - dom0's half of the NIC scenario (sourced by dom0-init.sh).
#
# The host (testbed/scenario-nic.sh) drives iperf3 through QEMU's hostfwd to the
# domU: host -> e1000 -> xenbr0 -> vif1.0 -> netfront, then the reverse (-R).
# Here: xentrace records the hypervisor, and `xpkttrace record` (when a host-built
# binary was put in /opt/xpkttrace) records dom0's kernel, for exactly the span of
# the two tests. nic-await.sh is the recorded command: it tells the host when to
# start each test and returns when both are over.
DL=/var/log/xen/console/guest-domU.log
for i in $(seq 1 600); do grep -q 'Server listening' $DL 2>/dev/null && break; sleep 0.5; done
grep -q 'Server listening' $DL || { log "error: domU iperf3 server never came up"; SCENARIO_RESULT=FAILED; return; }
nicstat() { echo "tx_packets=$(cat /sys/class/net/$1/statistics/tx_packets) tx_bytes=$(cat /sys/class/net/$1/statistics/tx_bytes) rx_packets=$(cat /sys/class/net/$1/statistics/rx_packets) rx_bytes=$(cat /sys/class/net/$1/statistics/rx_bytes)"; }
log "before: $NIC $(nicstat $NIC); vif1.0 $(nicstat vif1.0)"

# Only the classes the stages use (sched: VM switches and runstates, PV:
# hypercalls, mem: grant ops, hw: IRQs), so a large per-CPU buffer (-S, pages)
# is not flooded by the rest; xentrace -e all at -S 256 lost over half its records.
log "xentrace -e $XENTRACE_MASK -S $XENTRACE_PAGES"
xentrace -D -e $XENTRACE_MASK -S $XENTRACE_PAGES $OUT/xentrace.bin >$OUT/xentrace.log 2>&1 &
XT=$!
sleep 1
kill -0 $XT 2>/dev/null || log "error: xentrace did not start: $(tail -1 $OUT/xentrace.log)"
AWAIT=/opt/xpkttrace/testbed/nic-await.sh
if [ -x /opt/xpkttrace/xpkttrace ]; then
	log "xpkttrace record -o $OUT/dom0 (at most $RECORD_MAX_S s) around the tests"
	/opt/xpkttrace/xpkttrace record --duration $RECORD_MAX_S -o $OUT/dom0 -- $AWAIT >$OUT/record.log 2>&1
	RC=$?
	log "xpkttrace record exit $RC: $(tail -1 $OUT/record.log)"
else
	log "no /opt/xpkttrace/xpkttrace: hypervisor trace only"
	$AWAIT
	RC=$?
fi
kill -INT $XT
wait $XT
log "xentrace done: $(ls -l $OUT/xentrace.bin | awk '{print $5}') bytes; $(tail -1 $OUT/xentrace.log)"
xl dmesg | grep -i -E 'trac(e|ing)' | tail -3
log "after: $NIC $(nicstat $NIC); vif1.0 $(nicstat vif1.0)"
[ $RC -eq 0 ] && SCENARIO_RESULT=ok || SCENARIO_RESULT=FAILED
