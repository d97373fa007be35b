#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/build.sh - build the Xen 4.17 testbed images from Debian packages.
#
#   testbed/build.sh            build (or reuse) the images; print their directory on stdout
#   testbed/build.sh --key      print the cache key and versions only
#
# Makes, in $XPKT_TESTBED_CACHE (default /var/cache/xpkttrace-testbed)/KEY/:
#   xen                 the hypervisor ELF: QEMU's multiboot loader takes it directly
#   vmlinuz, dom0-initrd.img   Debian's 6.1 kernel and its initramfs (dom0 and domU kernel)
#   dom0.img            ext4 root of a debootstrapped bookworm dom0: xen-utils-4.17, iperf3,
#                       busybox, and the libraries a host-built xpkttrace links against
#   domU-base.cpio.gz   the PV domU's initramfs: static busybox, iperf3 and its
#                       libraries, xen-netfront.ko (prepare.sh appends /init per run)
#   versions.txt        what went in
# KEY names the versions of xen-hypervisor-4.17-amd64, the linux-image ABI package and
# xen-utils-4.17; a second run with the same versions only prints the directory (~1 s).
# Nothing is installed on the host except the tools listed in HOST_PKGS: the hypervisor
# .deb is unpacked with dpkg-deb, the kernel lives only in the dom0 root filesystem.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

HOST_PKGS=(qemu-system-x86 debootstrap e2fsprogs busybox-static cpio xz-utils tcpdump python3 tshark jq iperf3)
# In dom0: the toolstack, the workload, busybox for ping/nc, ethtool (offloads, for
# XPKT_TESTBED_DOM0_CMD: the anomaly scenario turns the NIC's GRO off), and xpkttrace's
# runtime libraries (libjansson, libpcap, libtracefs, libtraceevent, libbfd from
# libbinutils) so the binary built on this Debian 12 host runs unchanged inside
# dom0. A change here needs TB_RECIPE (lib.sh) bumped: it is part of the cache key.
DOM0_PKGS=(xen-utils-4.17 xen-utils-common xenstore-utils linux-image-amd64 initramfs-tools
	iperf3 iproute2 procps kmod busybox ethtool libjansson4 libpcap0.8 libtracefs1 libtraceevent1
	libbinutils)
# Debian's kernel has no room to grow a root fs in place; 3 GB sparse holds the
# system (~0.9 GB) plus a run's xentrace file and bundle.
IMG_SIZE=3G

tb_host_pkgs "${HOST_PKGS[@]}"
tb_versions
if [ "${1:-}" = --key ]; then
	echo "$TB_KEY"
	exit 0
fi
OUT=$TB_CACHE/$TB_KEY
tb_log "cache key $TB_KEY"
tb_log "  xen-hypervisor-4.17-amd64 $TB_XEN_VER, $TB_KPKG $TB_KVER_PKG, xen-utils-4.17 $TB_UTILS_VER"
if [ -f "$OUT/versions.txt" ]; then
	tb_log "images cached in $OUT (skipping build)"
	echo "$OUT"
	exit 0
fi
tb_need_root "building the images"

# Build in KEY.tmp and rename at the end: an interrupted build never looks cached.
W=$OUT.tmp
# A killed build may leave the chroot's /dev bind-mounted: never rm -rf through it.
grep -q " $W/" /proc/mounts && tb_die "file systems still mounted under $W (umount them first)"
rm -rf "$W"
mkdir -p "$W/debs"
MNT=()
cleanup() {
	local m
	for m in "${MNT[@]}"; do umount "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$MIRROR" ] || tb_die "no Debian mirror found in /etc/apt/sources.list{,.d}"

# 1. The hypervisor: download the exact version keyed above and unpack it (no install).
tb_log "1/4 hypervisor: apt-get download xen-hypervisor-4.17-amd64=$TB_XEN_VER"
(cd "$W/debs" && apt-get download -q=2 -o APT::Sandbox::User=root "xen-hypervisor-4.17-amd64=$TB_XEN_VER") ||
	tb_die "apt-get download xen-hypervisor-4.17-amd64 failed"
dpkg-deb -x "$W"/debs/xen-hypervisor-4.17-amd64_*.deb "$W/xpkg"
zcat "$W"/xpkg/boot/xen-4.17-amd64.gz >"$W/xen" || tb_die "no boot/xen-4.17-amd64.gz in the hypervisor package"

# 2. dom0 root filesystem.
R=$W/rootfs
tb_log "2/4 dom0: debootstrap bookworm from $MIRROR (~1 min)"
debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
	tb_die "debootstrap failed (see $W/debootstrap.log)"
# The host's apt sources (same mirror, same suites as the cache key's versions).
if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
	cp /etc/apt/sources.list.d/*.sources "$R/etc/apt/sources.list.d/"
	rm -f "$R/etc/apt/sources.list"
fi
# policy-rc.d: package scripts must not try to start daemons inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod +x "$R/usr/sbin/policy-rc.d"
for m in proc sys dev; do
	mkdir -p "$R/$m"
	case $m in
	proc) mount -t proc proc "$R/proc" ;;
	sys) mount -t sysfs sys "$R/sys" ;;
	dev) mount --bind /dev "$R/dev" ;;
	esac
	MNT=("$R/$m" "${MNT[@]}")
done
tb_log "2/4 dom0: apt-get install xen-utils-4.17, $TB_KPKG, iperf3, xpkttrace runtime libs"
chroot "$R" sh -c "apt-get update -q=2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q=2 \
	--no-install-recommends ${DOM0_PKGS[*]}" >"$W/apt.log" 2>&1 || tb_die "apt-get install in dom0 failed (see $W/apt.log)"
cleanup
MNT=()
rm -f "$R/usr/sbin/policy-rc.d"
chroot "$R" apt-get clean
KV=$(ls "$R/lib/modules" | head -1)
[ "linux-image-$KV" = "$TB_KPKG" ] || tb_die "dom0 got kernel $KV, the key says $TB_KPKG (apt lists changed? run again)"
got() { chroot "$R" dpkg-query -W -f='${Version}' "$1"; }
{ [ "$(got xen-utils-4.17)" = "$TB_UTILS_VER" ] && [ "$(got "$TB_KPKG")" = "$TB_KVER_PKG" ]; } ||
	tb_die "dom0 package versions differ from the key (host apt lists stale? apt-get update and run again)"
cp "$R/boot/vmlinuz-$KV" "$W/vmlinuz"
cp "$R/boot/initrd.img-$KV" "$W/dom0-initrd.img"
# xl reads the domU kernel from dom0's file system.
cp "$R/boot/vmlinuz-$KV" "$R/boot/domU-vmlinuz"
mkdir -p "$R/opt/xpkttrace" "$R/root/out"
echo testbed-dom0 >"$R/etc/hostname"

# 3. domU initramfs: busybox-static from the host (one file, every applet),
# iperf3 with exactly the libraries its loader needs, and the distro netfront.
tb_log "3/4 domU initramfs"
D=$W/domu
mkdir -p "$D"/{bin,lib,lib64,proc,sys,dev,tmp,opt/xpkttrace/modules}
cp /bin/busybox "$D/bin/"
cp "$R/usr/bin/iperf3" "$D/bin/"
for l in $(chroot "$R" ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
	mkdir -p "$D/$(dirname "$l")"
	cp -L "$R/$l" "$D/$l"
done
NF=$(find "$R/lib/modules/$KV" -name 'xen-netfront.ko*' | head -1)
[ -n "$NF" ] || tb_die "no xen-netfront.ko in $KV"
cp "$NF" "$D/lib/"
(cd "$D" && find . | cpio -o -H newc --quiet | gzip -9) >"$W/domU-base.cpio.gz"

# 4. dom0 disk image, made from the directory (no loop mount needed).
tb_log "4/4 dom0.img ($IMG_SIZE sparse)"
# stdout is the image directory alone (run.sh reads it): mkfs.ext4 -d names some
# files it copies even with -q, so its output goes to stderr.
mkfs.ext4 -q -F -L dom0root -d "$R" "$W/dom0.img" "$IMG_SIZE" >&2 || tb_die "mkfs.ext4 -d failed"
{
	echo "key $TB_KEY"
	echo "xen-hypervisor-4.17-amd64 $TB_XEN_VER"
	echo "$TB_KPKG $TB_KVER_PKG"
	echo "xen-utils-4.17 $TB_UTILS_VER"
	echo "kernel $KV"
	chroot "$R" dpkg-query -W iperf3 libjansson4 libpcap0.8 libtracefs1 libtraceevent1 | tr '\t' ' '
	echo "busybox-static(host) $(dpkg-query -W -f='${Version}' busybox-static)"
	echo "built $(date -u +%FT%TZ) in $(($(date +%s) - tb_t0)) s"
} >"$W/versions.txt"
rm -rf "$R" "$W/debs" "$W/xpkg" "$D"
rm -rf "$OUT"
mv "$W" "$OUT"
tb_log "images built in $(($(date +%s) - tb_t0)) s: $OUT"
cat "$OUT/versions.txt" >&2
echo "$OUT"
