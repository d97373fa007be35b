#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/boot.sh - boot one run's Xen system under QEMU (foreground until power-off).
#
#   testbed/boot.sh IMAGES RUNDIR [TIMEOUT_S]
#
# QEMU with TCG and -cpu qemu64: KVM cannot run Xen on these hosts, and with
# -cpu max dom0 crashes in create_bounce_frame. QEMU's multiboot loader boots
# the xen ELF, with dom0's kernel and initrd as modules ("FILE ARGS,FILE").
# qemu64 has no rdtscp: xpkttrace then orders its TSC reads with lfence;
# rdtsc (capture/tsc.c), so the plain model serves.
#
# The network: dom0's e1000 (Linux's real e1000 driver) on QEMU user networking
# with restrict=on, so the guest side reaches nothing outside; the one way in is
# hostfwd, host 127.0.0.1:15201 -> domU 10.0.2.15:5201 (hostfwd, unlike a
# guestfwd chardev, carries iperf3's two connections). filter-dump records every
# frame of that NIC outside Xen: RUNDIR/wire.pcap.
# Outputs: RUNDIR/serial.log (Xen's and dom0's console), wire.pcap, qemu.log.
# XPKT_TESTBED_XEN: another hypervisor ELF to boot instead of IMAGES/xen (run.sh
# sets it to xen-patch/build/xen with XPKT_TESTBED_XEN_PATCH=1).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
IMG=${1:?usage: boot.sh IMAGES RUNDIR [TIMEOUT_S]}
RUN=${2:?usage: boot.sh IMAGES RUNDIR [TIMEOUT_S]}
TO=${3:-900}
HOSTFWD_PORT=${HOSTFWD_PORT:-15201}
[ -f "$RUN/dom0.img" ] || tb_die "$RUN/dom0.img: no such image (run testbed/prepare.sh)"
XEN_ELF=${XPKT_TESTBED_XEN:-$IMG/xen}
[ -f "$XEN_ELF" ] || tb_die "$XEN_ELF: no such hypervisor ELF"
# dom0 gets 1 GB and 2 vCPUs (pinned memory: no ballooning under xl); the rest
# of QEMU's 2 GB is Xen's, the domU's 256 MB and the trace buffers.
XENCMD="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 loglvl=all guest_loglvl=all noreboot=true sync_console=false console_timestamps=boot ${XENEXTRA-}"
DOM0CMD="root=/dev/vda rw console=hvc0 earlyprintk=xen init=/opt/xpkttrace/testbed/init"
# XPKT_TESTBED_PMU_SIM_SO: the pmu-sim plugin (run.sh builds it with
# XPKT_TESTBED_PMU_SIM=1): every vCPU's instructions, L1D, L2, ITLB and DTLB
# modelled, counters streamed to RUNDIR/pmu.sim every PMU_SIM_PERIOD_NS of
# host time from the first marker on (the tests; not the boot).
# XPKT_TESTBED_PMU_ANNOTATE=1 adds per translation block counts (annotate=1,
# for `xpkttrace annotate`): a stream several times larger.
PLUGIN=()
if [ -n "${XPKT_TESTBED_PMU_SIM_SO-}" ]; then
	PLUGIN=(-plugin "$XPKT_TESTBED_PMU_SIM_SO,stream=$RUN/pmu.sim,stream_from_marker=1,period_ns=${PMU_SIM_PERIOD_NS:-20000},${PMU_SIM_MODEL:-l1i=off,l1d=32K:8:64,l2=1M:16:64,itlb=64:4,dtlb=64:4}${XPKT_TESTBED_PMU_ANNOTATE:+,annotate=$XPKT_TESTBED_PMU_ANNOTATE}")
	tb_log "pmu-sim: ${PLUGIN[1]}"
fi
rm -f "$RUN/serial.log" "$RUN/wire.pcap" "$RUN/pmu.sim"
tb_log "booting Xen under QEMU/TCG (timeout $TO s; serial log $RUN/serial.log)"
exec timeout "$TO" qemu-system-x86_64 -accel tcg,thread=multi -cpu "${QEMU_CPU:-qemu64}" -smp 2 -m 2048 -machine q35 \
	-display none -no-reboot -serial "file:$RUN/serial.log" \
	-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$HOSTFWD_PORT-10.0.2.15:5201" \
	-device e1000,netdev=n0 \
	-object "filter-dump,id=f0,netdev=n0,file=$RUN/wire.pcap" \
	-drive "file=$RUN/dom0.img,if=virtio,format=raw,cache=unsafe" \
	-kernel "$XEN_ELF" -append "$XENCMD" \
	-initrd "$IMG/vmlinuz $DOM0CMD,$IMG/dom0-initrd.img" "${PLUGIN[@]}" >"$RUN/qemu.log" 2>&1
