#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xen-patch/build.sh - build Debian's Xen 4.17 hypervisor with
# 0001-grant-table-trace-unmap-tlb-flush.patch; print the ELF's path on stdout.
#
#   xen-patch/build.sh            build (or reuse) xen-patch/build/xen
#   xen-patch/build.sh --check    only check that the patch applies (patch -p1 --dry-run)
#
# Steps (root: apt-get):
#  1. VERSION = the xen-hypervisor-4.17-amd64 version the testbed boots
#     (testbed/lib.sh tb_versions). `apt-get source --download-only xen=VERSION`
#     into $XPKT_XEN_SRC_CACHE (default /var/cache/xpkttrace-xen-src), with a
#     deb-src list made from this machine's own deb sources (no host name here).
#     If the mirror serves no source for VERSION (Debian's security archive
#     mirrors often carry only binaries), fall back to the newest xen 4.17
#     source apt can fetch and say so: the grant-table code the patch touches is
#     the same in every 4.17.x (xen-patch/README.md).
#  2. dpkg-source -x (Debian's patches applied), then this patch, in a scratch
#     copy of the tree.
#  3. xen/.config = /boot/xen-4.17-amd64.config from the VERSION .deb (the
#     configuration Debian's binary was built with), `make -C xen olddefconfig`,
#     `make -C xen` (the hypervisor only: no tools, no shim, no EFI).
#  4. xen/xen, the multiboot ELF (what testbed/build.sh unpacks from
#     boot/xen-4.17-amd64.gz, and QEMU's -kernel takes), -> xen-patch/build/xen,
#     plus build/xen.info (source version, patch hash, build seconds).
# The result is cached per source version and patch hash: a second run copies it.
# Host build dependencies installed if missing: BUILD_PKGS below.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../testbed/lib.sh"
PATCH=$HERE/0001-grant-table-trace-unmap-tlb-flush.patch
OUT=${XPKT_XEN_PATCH_OUT:-$HERE/build}
CACHE=${XPKT_XEN_SRC_CACHE:-/var/cache/xpkttrace-xen-src}
# gcc/make/binutils build it; bison and flex build kconfig; python3 runs Xen's
# header generators; dpkg-dev unpacks the source package.
BUILD_PKGS=(gcc make binutils bison flex python3 dpkg-dev xz-utils)
# Bump when this script changes what goes into the ELF (part of the cache key).
RECIPE=2
log() { echo "xen-patch: [$(($(date +%s) - tb_t0))s] $*" >&2; }
die() {
	echo "xen-patch: error: $*" >&2
	exit 1
}

if [ "${1:-}" = --check ]; then
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	src=$(find "$CACHE" -mindepth 2 -maxdepth 2 -name src -type d | head -1)
	[ -n "$src" ] || die "no extracted source in $CACHE (run xen-patch/build.sh once)"
	mkdir -p "$t/xen/common" "$t/xen/include/public"
	cp "$src/xen/common/grant_table.c" "$t/xen/common/"
	cp "$src/xen/include/public/trace.h" "$t/xen/include/public/"
	(cd "$t" && patch -p1 --dry-run <"$PATCH" >&2) || die "$PATCH does not apply to $src"
	log "the patch applies to $src"
	exit 0
fi

tb_need_root "xen-patch/build.sh (apt-get source, build dependencies)"
tb_host_pkgs "${BUILD_PKGS[@]}"
tb_versions
VER=$TB_XEN_VER
mkdir -p "$CACHE"

# 1. A private apt configuration (nothing under /etc/apt changes): deb-src
# entries for every deb stanza of the machine's own sources, so the security
# suite (where the testbed's hypervisor comes from) is included.
APT=$CACHE/apt
if [ ! -s "$APT/sources.list.d/xen-src.sources" ]; then
	mkdir -p "$APT/sources.list.d" "$APT/lists/partial"
	# shellcheck disable=SC2016
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	     /(^|\n)Types:[ \t]*deb([ \t]|\n|$)/ {
		gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' \
		/etc/apt/sources.list.d/*.sources >"$APT/xen-src.tmp" 2>/dev/null || true
	[ -s "$APT/xen-src.tmp" ] || die "no deb822 Debian sources in /etc/apt/sources.list.d to derive deb-src from"
	mv "$APT/xen-src.tmp" "$APT/sources.list.d/xen-src.sources"
fi
APTO=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$APT/sources.list.d"
	-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o APT::Sandbox::User=root)
mkdir -p "$APT/cache/archives/partial"
if ! compgen -G "$APT/lists/*_Sources*" >/dev/null; then
	log "apt-get update (deb-src lists in $APT)"
	apt-get "${APTO[@]}" update -qq >&2 || die "apt-get update of $APT failed"
fi
dsc_of() { ls "$CACHE/$1"/xen_*.dsc 2>/dev/null | head -1; }
# fetch V: apt-get source xen=V into $CACHE/V; 0 when its .dsc is there.
fetch() {
	[ -n "$(dsc_of "$1")" ] && return 0
	mkdir -p "$CACHE/$1"
	log "apt-get source xen=$1"
	(cd "$CACHE/$1" && apt-get "${APTO[@]}" source --download-only -q=2 "xen=$1") >"$CACHE/apt.log" 2>&1 &&
		[ -n "$(dsc_of "$1")" ] && return 0
	rm -rf "${CACHE:?}/$1"
	return 1
}
SRCVER=
if fetch "$VER"; then
	SRCVER=$VER
else
	# The newest 4.17 source the mirror does serve.
	for v in $(apt-cache "${APTO[@]}" showsrc xen 2>/dev/null | awk '/^Version: 4\.17\./{print $2}' | sort -rVu); do
		[ "$v" != "$VER" ] || continue
		fetch "$v" && SRCVER=$v && break
	done
	[ -n "$SRCVER" ] || die "apt-get source xen=$VER failed ($CACHE/apt.log) and no other xen 4.17 source is available"
	log "WARNING: the mirror serves no source for xen $VER; building from xen $SRCVER with $VER's .config"
fi
SD=$CACHE/$SRCVER
[ -n "$(dsc_of "$SRCVER")" ] || die "no xen source package in $SD"

# Debian's build configuration, from the hypervisor .deb the testbed boots.
if [ ! -s "$CACHE/xen-$VER.config" ]; then
	t=$(mktemp -d)
	(cd "$t" && apt-get download -q=2 -o APT::Sandbox::User=root "xen-hypervisor-4.17-amd64=$VER") ||
		die "apt-get download xen-hypervisor-4.17-amd64=$VER failed"
	dpkg-deb --fsys-tarfile "$t"/xen-hypervisor-4.17-amd64_*.deb |
		tar -xO ./boot/xen-4.17-amd64.config >"$CACHE/xen-$VER.config.tmp" ||
		die "no boot/xen-4.17-amd64.config in xen-hypervisor-4.17-amd64 $VER"
	mv "$CACHE/xen-$VER.config.tmp" "$CACHE/xen-$VER.config"
	rm -rf "$t"
fi

# 2. The pristine Debian tree, extracted once.
if [ ! -f "$SD/src/.xpkt-extracted" ]; then
	log "dpkg-source -x xen $SRCVER"
	rm -rf "$SD/src"
	dpkg-source --no-check -x "$(dsc_of "$SRCVER")" "$SD/src" >/dev/null || die "dpkg-source -x failed in $SD"
	touch "$SD/src/.xpkt-extracted"
fi

HASH=$({
	cat "$PATCH" "$CACHE/xen-$VER.config"
	echo "$RECIPE"
	echo "$SRCVER"
} | sha256sum | cut -c1-16)
RES=$SD/out-$HASH
if [ ! -s "$RES/xen" ]; then
	W=$SD/work
	log "copying the tree, applying $(basename "$PATCH")"
	rm -rf "$W"
	cp -a "$SD/src" "$W"
	(cd "$W" && patch -p1 --quiet <"$PATCH") || die "$PATCH does not apply to xen $SRCVER"
	# 3. Debian's configuration; olddefconfig settles anything the source
	# version adds or drops (debian/rules does the same with its own seed).
	cp "$CACHE/xen-$VER.config" "$W/xen/.config"
	MK=(XEN_TARGET_ARCH=x86_64 XEN_COMPILE_ARCH=x86_64 PYTHON=/usr/bin/python3
		"EXTRA_CFLAGS_XEN_CORE=-ffile-prefix-map=$W=. -fdebug-prefix-map=$W=.")
	# debian/rules keeps WGET/GIT failing: the hypervisor build must not fetch.
	export WGET=/bin/false GIT=/bin/false
	# Debian's patch 0003 prints these in Xen's banner ("Xen version 4.17.N
	# (Debian VERSION)"): the serial log of a run then names the patched build.
	export DEB_VERSION="$SRCVER+xpkt.tlbflush" DEB_MAINTAINER="xen-patch <xen-patch@xpkttrace>"
	make -C "$W/xen" "${MK[@]}" olddefconfig >"$SD/build.log" 2>&1 || die "olddefconfig failed: $SD/build.log"
	log "building the hypervisor (make -C xen -j$(nproc); log $SD/build.log)"
	t=$(date +%s)
	nice make -C "$W/xen" "${MK[@]}" -j"$(nproc)" >>"$SD/build.log" 2>&1 || die "hypervisor build failed: $SD/build.log"
	build_s=$(($(date +%s) - t))
	grep -q '^CONFIG_TRACEBUFFER=y' "$W/xen/.config" || die "CONFIG_TRACEBUFFER is off: the record could never be emitted"
	file -b "$W/xen/xen" 2>/dev/null | grep -q ELF || head -c4 "$W/xen/xen" | grep -q ELF ||
		die "$W/xen/xen is not an ELF"
	mkdir -p "$RES.tmp"
	cp "$W/xen/xen" "$W/xen/.config" "$RES.tmp/"
	printf 'source xen %s (Debian source package)\ntestbed hypervisor xen-hypervisor-4.17-amd64 %s (its .config)\npatch %s sha256/16 %s\nbuild_s %s\n' \
		"$SRCVER" "$VER" "$(basename "$PATCH")" "$HASH" "$build_s" >"$RES.tmp/xen.info"
	rm -rf "$RES"
	mv "$RES.tmp" "$RES"
	rm -rf "$W"
	log "built in ${build_s} s"
else
	log "reusing $RES"
fi
# 4. Into the tree (atomically: a half-copied ELF must never be booted).
mkdir -p "$OUT"
cp "$RES/xen" "$OUT/xen.tmp" && mv "$OUT/xen.tmp" "$OUT/xen"
cp "$RES/xen.info" "$OUT/xen.info"
cp "$RES/.config" "$OUT/xen.config"
echo "$OUT/xen"
