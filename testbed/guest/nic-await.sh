#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed/guest/nic-await.sh - the command `xpkttrace record` runs in dom0 (NIC scenario).
#
# Prints the markers the host waits for on the serial log, and counts the
# domU iperf3 server's "Server listening" lines (it prints one when it starts
# and one after each test) to know when each host test is over. Exit 0 when
# both tests ran, 1 on timeout.
. /opt/xpkttrace/testbed.env
DL=/var/log/xen/console/guest-domU.log
say() { echo "TESTBED[$(cut -d' ' -f1 /proc/uptime)] $*" >/dev/console; }
count() { grep -c 'Server listening' $DL; }
await() {
	local want=$1 i
	for ((i = 0; i < WAIT_S * 2; i++)); do
		[ "$(count)" -ge "$want" ] && return 0
		sleep 0.5
	done
	say "error: timeout after $WAIT_S s waiting for the host's iperf3 test"
	exit 1
}
n0=$(count)
rm -f $OUT/marker-dom0.txt
/opt/xpkttrace/testbed/nic-marker.sh start || say "warning: clock markers failed"
say "TESTBED READY to-guest"
await $((n0 + 1))
say "TESTBED READY from-guest"
await $((n0 + 2))
say "host tests finished"
/opt/xpkttrace/testbed/nic-marker.sh end || say "warning: clock markers failed"
