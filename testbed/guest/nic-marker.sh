#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed/guest/nic-marker.sh - clock markers seen by dom0's trace and on the wire.
#
# The wire pcap is stamped by QEMU with the host's realtime clock; dom0's trace
# with the TSC Xen gives it (under TCG, QEMU's emulated TSC): two clocks with an
# unknown offset. Eight ICMP echoes of an unusual size (1200 bytes of payload:
# a 1242-byte frame) to an address nobody has (10.0.0.99, a static neighbour
# entry so no ARP is needed) leave through the e1000. dom0 stamps each in a
# tracefs instance of its own at net_dev_start_xmit on the NIC (trace_clock
# x86-tsc: the counter of the bundle's dom0 and Xen sources); QEMU's filter-dump
# stamps the same frame a few microseconds of emulation later. The host
# (testbed/bundle.sh) pairs them in order and takes the smallest difference as
# the wire's offset (the transmit path only adds delay). nic-await.sh sends
# them twice, before the first test and after the last: the two groups also
# give the TSC's rate against the host's clock (bundle.sh), which the guest
# kernels' own calibrations under TCG do not agree on to better than 0.1 %
# (tens of milliseconds over a run).
# Output: lines appended to $OUT/marker-dom0.txt, the instance's trace lines
# for the NIC; $1 names the group in the console line.
. /opt/xpkttrace/testbed.env
T=/sys/kernel/tracing/instances/tbmarker
E=$T/events/net/net_dev_start_xmit
rmdir $T 2>/dev/null
mkdir $T || exit 1
echo x86-tsc >$T/trace_clock
echo 'len == 1242' >$E/filter
echo 1 >$E/enable
ip neigh replace 10.0.0.99 lladdr 02:00:00:00:00:99 dev xenbr0 nud permanent
busybox ping -c 8 -i 0.1 -s 1200 -W 1 10.0.0.99 >/dev/null 2>&1
sleep 0.2
echo 0 >$E/enable
# The pmu-sim plugin's clock (testbed/guest/tsc-marker.c), when it runs.
[ -x /opt/xpkttrace/testbed/tsc-marker ] && /opt/xpkttrace/testbed/tsc-marker 8 >>$OUT/tsc-marker.txt
n=$(grep -c "dev=$NIC " $T/trace)
grep "dev=$NIC " $T/trace >>$OUT/marker-dom0.txt
rmdir $T
echo "TESTBED[$(cut -d' ' -f1 /proc/uptime)] clock markers (${1:-start}): $n on $NIC" >/dev/console
