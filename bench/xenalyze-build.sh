#!/usr/bin/env bash
# Builds xenalyze (the peer tool xen-stat is compared with) from Debian's xen
# source package into $O/peer/xenalyze. Idempotent: the source package and the
# binary are cached in $O/peer; the deb-src list is added only if missing.
#   O=build bench/xenalyze-build.sh
set -eu
O=${O:-build}
peer=$O/peer
bin=$peer/xenalyze
[ -x "$bin" ] && { echo "$bin"; exit 0; }
mkdir -p "$peer/src"
peer=$(cd "$peer" && pwd)
bin=$peer/xenalyze
if ! ls "$peer"/src/xen_*.orig.tar.* >/dev/null 2>&1; then
	list=/etc/apt/sources.list.d/xpkt-src.sources
	if [ ! -e "$list" ]; then
		# deb-src from the mirror this machine's apt already uses (as testbed/build.sh)
		mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
		[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
		[ -n "$mirror" ] || { echo "xenalyze-build: no Debian mirror in /etc/apt/sources.list{,.d}" >&2; exit 1; }
		printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: %s\n' \
			"$mirror" /usr/share/keyrings/debian-archive-keyring.gpg >"$list"
		apt-get update >&2
	fi
	(cd "$peer/src" && apt-get source --download-only xen >&2)
fi
tarball=$(ls "$peer"/src/xen_*.orig.tar.* | head -1)
work=$peer/xen-src
if [ ! -f "$work/.extracted" ]; then
	rm -rf "$work"
	mkdir -p "$work"
	tar -xf "$tarball" -C "$work" --strip-components=1 --wildcards \
		'*/tools/xentrace' '*/tools/include' '*/xen/include/public' >&2
	touch "$work/.extracted"
fi
mkdir -p "$peer/inc/xen"
cp "$work/xen/include/public/trace.h" "$peer/inc/xen/trace.h"
(cd "$work/tools/xentrace" &&
	gcc -O2 -I../include -I"$peer/inc" -D__XEN_TOOLS__ -w -o "$bin.tmp" xenalyze.c mread.c -lm)
mv "$bin.tmp" "$bin"
echo "$bin"
