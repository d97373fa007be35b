#!/usr/bin/env bash
# sym-fixtures.bash - finds or fetches the real binaries the symbolization
# tests (tests/cli/sym.sh, tests/unit/test_sym.c) check libbfd against, into
# a cache, and prints one KEY=PATH line per fixture it has:
#   ko=        a Debian kernel module (xen-netback.ko, else any .ko), uncompressed
#   xen_syms=  xen-syms from xen-hypervisor-4.17-amd64-dbg (Debian 12)
#   xen_map=   the System.map Xen's build writes next to it
#   sysmap=    /boot/System.map-$(uname -r) when readable
# A fixture that cannot be had is left out, with the reason on stderr.
# Sources, first found wins: the host's /lib/modules, the testbed's dom0
# image (read with debugfs, read-only), `apt-get download` (network).
set -u
CACHE=${XPKT_TEST_CACHE:-/var/cache/xpkttrace-test}
if ! mkdir -p "$CACHE/sym" 2>/dev/null || [ ! -w "$CACHE/sym" ]; then
	CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/xpkttrace-test
	mkdir -p "$CACHE/sym" || { echo "sym-fixtures: no writable cache" >&2; exit 1; }
fi
C=$CACHE/sym
# One fetcher at a time: make check runs plain and ASan one after the other,
# but two checkouts may share the cache.
exec 9>"$C/.lock"
flock 9 2>/dev/null || true

unpack() { # $1 = .ko, .ko.xz or .ko.zst; $2 = output .ko
	case $1 in
	*.xz) xz -dc "$1" >"$2.tmp" ;;
	*.zst) zstd -q -dc "$1" >"$2.tmp" ;;
	*) cp "$1" "$2.tmp" ;;
	esac && mv "$2.tmp" "$2"
}

apt_download() { # $1 = package, into the cwd; updates the lists once if needed (root)
	apt-get download "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || return 1
	apt-get update -qq >/dev/null 2>&1 && apt-get download "$1" >/dev/null 2>&1
}

fetch_ko() {
	local ko=$C/xen-netback.ko f img k tmp deb pkg
	[ -s "$ko" ] && { echo "$ko"; return 0; }
	for d in "/lib/modules/$(uname -r)" /lib/modules/*; do
		[ -d "$d/kernel" ] || continue
		f=$(find "$d/kernel" -name 'xen-netback.ko*' 2>/dev/null | head -1)
		[ -n "$f" ] || f=$(find "$d/kernel" -name '*.ko*' 2>/dev/null | sort | head -1)
		if [ -n "$f" ]; then
			ko=$C/$(basename "${f%.xz}")
			ko=${ko%.zst}
			unpack "$f" "$ko" && { echo "$ko"; return 0; }
		fi
	done
	# The testbed's cached dom0 image holds Debian's 6.1 modules; debugfs
	# opens it read-only (no -w), so the image is never changed.
	for img in /var/cache/xpkttrace-testbed/*/dom0.img; do
		[ -r "$img" ] && command -v debugfs >/dev/null || continue
		for k in $(debugfs -R 'ls /lib/modules' "$img" 2>/dev/null | tr -s ' ' '\n' | grep '^[0-9]'); do
			debugfs -R "dump /lib/modules/$k/kernel/drivers/net/xen-netback/xen-netback.ko $ko.tmp" \
				"$img" >/dev/null 2>&1
			[ -s "$ko.tmp" ] && mv "$ko.tmp" "$ko" && { echo "$ko"; return 0; }
			rm -f "$ko.tmp"
		done
	done
	# Last resort: Debian's kernel package (about 70 MB, fetched once).
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[ -n "$pkg" ] || { echo "sym-fixtures: no kernel module on this host and no linux-image-amd64 in apt" >&2; return 1; }
	tmp=$(mktemp -d) || return 1
	(cd "$tmp" && apt_download "$pkg") || { echo "sym-fixtures: apt-get download $pkg failed" >&2; rm -rf "$tmp"; return 1; }
	deb=$(ls "$tmp"/*.deb | head -1)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/xen-netback.ko*' 2>/dev/null
	f=$(find "$tmp" -name 'xen-netback.ko*' | head -1)
	[ -n "$f" ] && unpack "$f" "$ko"
	rm -rf "$tmp"
	[ -s "$ko" ] && echo "$ko"
}

fetch_xen() {
	local tmp deb pkg=xen-hypervisor-4.17-amd64-dbg
	if [ ! -s "$C/xen-syms" ] || [ ! -s "$C/xen-syms.map" ]; then
		tmp=$(mktemp -d) || return 1
		if ! (cd "$tmp" && apt_download "$pkg"); then
			echo "sym-fixtures: apt-get download $pkg failed (no network or no Debian 12 sources)" >&2
			rm -rf "$tmp"
			return 1
		fi
		deb=$(ls "$tmp"/*.deb | head -1)
		dpkg-deb -x "$deb" "$tmp/x"
		cp "$(ls "$tmp"/x/usr/lib/debug/boot/xen-syms-* | grep -v '\.map$' | head -1)" "$C/xen-syms.tmp" &&
			mv "$C/xen-syms.tmp" "$C/xen-syms"
		cp "$(ls "$tmp"/x/usr/lib/debug/boot/xen-syms-*.map | head -1)" "$C/xen-syms.map.tmp" &&
			mv "$C/xen-syms.map.tmp" "$C/xen-syms.map"
		rm -rf "$tmp"
	fi
	[ -s "$C/xen-syms" ] && echo "xen_syms=$C/xen-syms"
	[ -s "$C/xen-syms.map" ] && echo "xen_map=$C/xen-syms.map"
	return 0
}

ko=$(fetch_ko) && [ -n "$ko" ] && echo "ko=$ko"
fetch_xen
m=/boot/System.map-$(uname -r)
if [ -r "$m" ] && [ -s "$m" ]; then
	echo "sysmap=$m"
else
	echo "sym-fixtures: no readable $m" >&2
fi
exit 0
