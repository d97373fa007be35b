#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/prepare.sh - make one run's dom0 image from the cached images.
#
#   testbed/prepare.sh IMAGES RUNDIR SCENARIO
#
# Copies IMAGES/dom0.img (sparse) to RUNDIR and writes into it, with debugfs
# (no mount, no loop device): the init and the scenario's dom0 half from
# testbed/guest/, the domU config, the domU initramfs (cached base + this
# repository's /init, any replacement netfront and the guest agent: xpkttrace
# and its libraries), the host-built xpkttrace and replacement modules. So editing a script here never needs an image rebuild.
#
# Environment:
#   XPKTTRACE               xpkttrace binary to put in dom0 (default: none, then
#                           dom0 records only the hypervisor); every library it
#                           links must be in the dom0 image (checked). It also goes
#                           into the domU initramfs with the libraries `ldd` lists
#                           (the guest agent, guest/domU-init)
#   XPKT_TESTBED_MODULES    replacement .ko files (xen-netback.ko for dom0,
#                           xen-netfront.ko for the domU); default: the patched
#                           modules netback-patch/ and netfront-patch/ built, if any
#   IPERF_SECONDS (10), XENTRACE_MASK, XENTRACE_PAGES    scenario parameters
#   XPKT_TESTBED_GUEST_CMD  shell commands the domU runs (under the guest agent's
#                           recording) before it starts the iperf3 server, e.g.
#                           "sysctl -w net.ipv4.tcp_rmem='4096 65536 131072'"; output on
#                           its console (RUN/domU-console.log)
#   XPKT_TESTBED_DOM0_CMD   shell commands dom0 runs before it starts recording (after
#                           the domU's server is up), e.g. "ethtool -K enp0s2 gro off";
#                           output in serial.log
#   XPKT_TESTBED_XENTRACE=1  record the hypervisor with xentrace (xentrace.bin)
#                           instead of `xpkttrace record --xen` (comparison)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
IMG=${1:?usage: prepare.sh IMAGES RUNDIR SCENARIO}
RUN=${2:?usage: prepare.sh IMAGES RUNDIR SCENARIO}
SCEN=${3:?usage: prepare.sh IMAGES RUNDIR SCENARIO}
G=$TB_DIR/guest
[ -f "$IMG/dom0.img" ] || tb_die "$IMG/dom0.img: no such image (run testbed/build.sh)"
[ -f "$G/$SCEN-dom0.sh" ] || tb_die "no scenario '$SCEN' ($G/$SCEN-dom0.sh missing)"
mkdir -p "$RUN"
ST=$RUN/stage
rm -rf "$ST"
mkdir -p "$ST/domu/opt/xpkttrace/modules"

# Scenario parameters, read by the dom0 scripts. The xentrace mask is the union
# of the classes sched 0x0002f000, mem 0x0010f000, PV 0x0020f000, hw 0x0080f000:
# Xen keeps a record when its class bits and its subclass bits both meet the mask.
IPERF_SECONDS=${IPERF_SECONDS:-10}
WAIT_S=$((IPERF_SECONDS * 6 + 120))
cat >"$ST/testbed.env" <<EOT
IPERF_SECONDS=$IPERF_SECONDS
XENTRACE_MASK=${XENTRACE_MASK:-0x00b2f000}
XENTRACE_PAGES=${XENTRACE_PAGES:-8192}
WAIT_S=$WAIT_S
RECORD_MAX_S=$((WAIT_S * 2 + 60))
XPKT_TESTBED_XENTRACE=${XPKT_TESTBED_XENTRACE:-0}
XPKT_TESTBED_PMU_SIM=${XPKT_TESTBED_PMU_SIM:-0}
EOT

# Replacement modules: by file name, xen-netfront.ko goes to the domU, the rest to dom0.
MODS=${XPKT_TESTBED_MODULES-}
if [ -z "${XPKT_TESTBED_MODULES+set}" ]; then
	for m in "$TB_REPO/netback-patch/build/mod/xen-netback.ko" "$TB_REPO/netfront-patch/build/mod/xen-netfront.ko"; do
		[ -f "$m" ] && MODS="$MODS $m"
	done
fi
DOM0_MODS=()
for m in $MODS; do
	[ -f "$m" ] || tb_die "$m: no such module"
	case $(basename "$m") in
	xen-netfront.ko) cp "$m" "$ST/domu/opt/xpkttrace/modules/" ;;
	*) DOM0_MODS+=("$m") ;;
	esac
	tb_log "replacement module: $m"
done

# domU initramfs: the kernel unpacks concatenated cpio archives in order, later
# files replacing earlier ones, so the per-run part is appended to the base.
# One gzip stream, though: libxenguest gunzips a PV ramdisk itself and sizes the
# output from the gzip trailer, so two gzip members fail ("inflate failed").
install -m755 "$G/domU-init" "$ST/domu/init"
# The guest agent: the same host-built xpkttrace, with every library its loader
# needs that the base (iperf3's libraries) does not already hold. Those the base
# has stay the chroot's (same Debian release), so iperf3 is unchanged.
if [ -n "${XPKTTRACE-}" ]; then
	[ -x "$XPKTTRACE" ] || tb_die "$XPKTTRACE: not an executable"
	install -m755 "$XPKTTRACE" "$ST/domu/opt/xpkttrace/xpkttrace"
	base=$(zcat "$IMG/domU-base.cpio.gz" | cpio -t --quiet | sed 's|^\./||; s|^/||')
	nlib=0
	for l in $(ldd "$XPKTTRACE" | grep -o '/[^ ]*'); do
		grep -qxF "${l#/}" <<<"$base" && continue
		mkdir -p "$ST/domu/$(dirname "$l")"
		cp -L "$l" "$ST/domu/$l"
		nlib=$((nlib + 1))
	done
	tb_log "xpkttrace in the domU (guest agent): $nlib libraries added to its initramfs"
fi
if [ -n "${XPKT_TESTBED_DOM0_CMD-}" ]; then
	printf '%s\n' "$XPKT_TESTBED_DOM0_CMD" >"$ST/dom0-cmd.sh"
	tb_log "dom0 command: $XPKT_TESTBED_DOM0_CMD"
else
	: >"$ST/dom0-cmd.sh"
fi
if [ -n "${XPKT_TESTBED_GUEST_CMD-}" ]; then
	printf '%s\n' "$XPKT_TESTBED_GUEST_CMD" >"$ST/domu/opt/xpkttrace/guest-cmd.sh"
	tb_log "guest command: $XPKT_TESTBED_GUEST_CMD"
fi
(cd "$ST/domu" && find . | cpio -o -H newc --quiet) >"$ST/overlay.cpio"
(zcat "$IMG/domU-base.cpio.gz" && cat "$ST/overlay.cpio") | gzip -1 >"$ST/domU-initrd.cpio.gz"

# The pmu-sim plugin's clock pairs: `xpkttrace record --pmu=sim` makes them
# (nic-dom0.sh); without a recorder in dom0, tsc-marker does (nic-marker.sh).
if [ "${XPKT_TESTBED_PMU_SIM:-0}" = 1 ] && [ -z "${XPKTTRACE-}" ]; then
	gcc -O2 -static -D_GNU_SOURCE -I"$TB_REPO" -o "$ST/tsc-marker" "$G/tsc-marker.c" \
		"$TB_REPO/capture/simmark.c" "$TB_REPO/capture/tsc.c" "$TB_REPO/lib/err.c" ||
		tb_die "cannot build $G/tsc-marker.c"
fi

tb_log "run image $RUN/dom0.img"
cp --sparse=always "$IMG/dom0.img" "$RUN/dom0.img"
{
	echo "mkdir /opt/xpkttrace/testbed"
	echo "mkdir /opt/xpkttrace/modules"
	w() { echo "rm $2"; echo "write $1 $2"; }
	w "$G/dom0-init.sh" /opt/xpkttrace/testbed/init
	w "$G/$SCEN-dom0.sh" /opt/xpkttrace/testbed/scenario.sh
	for f in "$G/$SCEN"-*.sh; do
		[ "$f" = "$G/$SCEN-dom0.sh" ] || w "$f" "/opt/xpkttrace/testbed/$(basename "$f")"
	done
	w "$ST/testbed.env" /opt/xpkttrace/testbed.env
	w "$ST/dom0-cmd.sh" /opt/xpkttrace/testbed/dom0-cmd.sh
	# with the pmu-sim plugin: the program that pairs its clock with the trace's
	[ -x "$ST/tsc-marker" ] && w "$ST/tsc-marker" /opt/xpkttrace/testbed/tsc-marker
	w "$G/domU.cfg" /etc/xen/domU.cfg
	w "$ST/domU-initrd.cpio.gz" /boot/domU-initrd.cpio.gz
	if [ -n "${XPKTTRACE-}" ]; then
		[ -x "$XPKTTRACE" ] || tb_die "$XPKTTRACE: not an executable"
		w "$XPKTTRACE" /opt/xpkttrace/xpkttrace
	fi
	for m in "${DOM0_MODS[@]}"; do w "$m" "/opt/xpkttrace/modules/$(basename "$m")"; done
} >"$ST/debugfs.cmds"
# debugfs reports a missing file for each first "rm"; only its exit status and
# a check of the result count.
debugfs -w -f "$ST/debugfs.cmds" "$RUN/dom0.img" >"$ST/debugfs.log" 2>&1 || tb_die "debugfs -w failed (see $ST/debugfs.log)"
debugfs -R "stat /opt/xpkttrace/testbed/init" "$RUN/dom0.img" 2>/dev/null | grep -q 'Mode:  *0755' ||
	tb_die "dom0 init not written into $RUN/dom0.img (see $ST/debugfs.log)"
# The host-built binary runs in dom0 only if dom0 has every library it links
# (same Debian release): say which one is missing now, not as a failed run later.
if [ -n "${XPKTTRACE-}" ]; then
	have=$(debugfs -R "ls /usr/lib/x86_64-linux-gnu" "$RUN/dom0.img" 2>/dev/null | tr -s ' \t' '\n')
	for so in $(ldd "$XPKTTRACE" | awk '/=>/{print $1}'); do
		grep -qxF "$so" <<<"$have" || tb_die "$so (needed by $XPKTTRACE) is not in dom0; add its package to build.sh's DOM0_PKGS"
	done
	tb_log "xpkttrace in dom0: $XPKTTRACE (its $(ldd "$XPKTTRACE" | grep -c '=>') libraries are there)"
fi
