#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# testbed/guest/dom0-init.sh - PID 1 of dom0 (kernel command line init=...).
#
# No systemd: the Xen toolstack daemons are started by hand (xenstored,
# xen-init-dom0, xenconsoled), which is all `xl create` needs, and far faster
# than booting units under TCG. Then the bridge xenbr0 with the QEMU e1000 NIC
# enslaved, the PV domU, and the scenario (scenario.sh, the dom0 half of
# testbed/scenario-*.sh). Everything the host needs afterwards is left in
# /root/out, and the machine powers itself off: collect.sh reads the image.
export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -o remount,rw /
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /var/run /var/log/xen/console /var/lib/xen
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
OUT=/root/out
rm -rf $OUT
mkdir -p $OUT
log() { echo "TESTBED[$(cut -d' ' -f1 /proc/uptime)] $*"; }
finish() {
	# xenconsoled appends to an old log; the image is fresh per run, but copy what
	# this run wrote before powering off either way.
	xl dmesg >$OUT/xen-dmesg.txt 2>&1
	dmesg >$OUT/dom0-dmesg.txt 2>&1
	cp /var/log/xen/console/guest-domU.log $OUT/domU-console.log 2>/dev/null
	xl destroy domU 2>/dev/null
	sync
	log "TESTBED DONE $1"
	echo o >/proc/sysrq-trigger
	sleep 60
}
log "dom0 init start, kernel $(uname -r)"
[ -f /opt/xpkttrace/testbed.env ] && . /opt/xpkttrace/testbed.env

# A replacement module (the xpkttrace-patched netback, /opt/xpkttrace/modules)
# is used instead of the distro's when it is there; insmod does not resolve
# dependencies, so the distro module's are loaded first. On failure (vermagic)
# the distro module is loaded so the run still happens, and the log says so.
load_module() {
	local m=$1 ko=/opt/xpkttrace/modules/$1.ko d
	if [ -f $ko ]; then
		for d in $(modinfo -F depends $m 2>/dev/null | tr , ' '); do modprobe $d; done
		if insmod $ko; then
			log "module $m: replacement $ko"
			return
		fi
		log "module $m: replacement $ko failed to load, using the distro module"
	fi
	modprobe $m || log "modprobe $m failed"
}
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd bridge e1000; do
	modprobe $m || log "modprobe $m failed"
done
load_module xen-netback
mount -t xenfs xenfs /proc/xen
log "hypervisor $(cat /sys/hypervisor/type 2>/dev/null) $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)"

xenstored --pid-file /run/xenstore.pid
for i in $(seq 1 50); do xenstore-read / >/dev/null 2>&1 && break; sleep 0.2; done
xen-init-dom0 || log "xen-init-dom0 failed"
rm -f /var/log/xen/console/*.log
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
ip link set lo up

# The e1000 is found by its driver, not by name (udev is not running; the
# kernel's predictable name depends on the QEMU machine's PCI layout).
NIC=
for i in $(seq 1 100); do
	for d in /sys/class/net/*; do
		[ "$(basename "$(readlink -f $d/device/driver 2>/dev/null)")" = e1000 ] && NIC=$(basename $d)
	done
	[ -n "$NIC" ] && break
	sleep 0.1
done
[ -n "$NIC" ] || { log "error: no e1000 NIC"; finish FAILED; }
# forward_delay 0 / no STP: the ports forward at once, or the first seconds of
# the test would be dropped while the bridge learns.
ip link add xenbr0 type bridge forward_delay 0 stp_state 0
ip link set $NIC master xenbr0
ip link set $NIC up
ip addr add 10.0.0.1/24 dev xenbr0
ip link set xenbr0 up
log "NIC $NIC ($(cat /sys/class/net/$NIC/address)) on xenbr0; toolstack up"
xl info | grep -E 'xen_version|nr_cpus|total_memory|free_memory|xen_commandline'

log "creating domU"
tc0=$(cut -d' ' -f1 /proc/uptime)
xl create /etc/xen/domU.cfg || { log "error: xl create failed"; finish FAILED; }
for i in $(seq 1 600); do busybox ping -c1 -W1 10.0.0.2 >/dev/null 2>&1 && break; sleep 0.5; done
log "domU reachable after $(awk -v a=$tc0 '{print $1-a}' /proc/uptime) s"
bridge link
export OUT NIC
if [ -f /opt/xpkttrace/testbed/scenario.sh ]; then
	. /opt/xpkttrace/testbed/scenario.sh
else
	log "error: no scenario"
	finish FAILED
fi
finish "$SCENARIO_RESULT"
