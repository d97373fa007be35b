#!/usr/bin/env bash
# kernel-patches.sh - netfront-patch/ and netback-patch/ (issue 4, part 2):
#   1. each patch applies cleanly to the pristine Debian linux-source-6.1
#      files (patch -p1 --dry-run --fuzz=0 and git apply --check), and both refuse a
#      tree that differs in a line the patch relies on (the check can fail);
#   2. where linux-headers for the testbed kernel are installed, each module
#      builds out of tree with no compiler warning, its vermagic names that
#      kernel, and it carries every tracepoint events.c names for its
#      TRACE_SYSTEM and one trace event per event the shared header defines.
# Step 2 runs in the plain run only (XPKT_ASAN=1: the binary under test plays
# no part, the build would only repeat). The pristine files are cached outside
# the repository, keyed by the Debian version: $XPKT_CACHE or
# ~/.cache/xpkttrace. Exit 77 (skipped) when they cannot be had or the
# headers are missing, with the reason on the last line.
set -u
. "$(dirname "$0")/lib.bash"
# Run under `make check`: the outer make's O= and flags are not for Kbuild.
unset O KBUILD_OUTPUT MAKEFLAGS MAKELEVEL MFLAGS

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NF=$ROOT/netfront-patch
NB=$ROOT/netback-patch
TRACE_H=$ROOT/tracepoints/xen_net_trace.h
MK=$ROOT/tracepoints/xen_net_patch.mk # the build both patches include
VER=$(sed -n 's/^DEBIAN_VERSION := //p' "$MK")
KVER=$(sed -n 's/^KVER *?= //p' "$MK")
[ -n "$VER" ] && [ -n "$KVER" ] || fail "cannot read DEBIAN_VERSION/KVER from $MK"
for mf in "$NF/Makefile" "$NB/Makefile"; do
	grep -q 'tracepoints/xen_net_patch.mk' "$mf" || fail "$mf does not include $MK"
done
CACHE=${XPKT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xpkttrace}/linux-source-6.1_$VER
KDIR=${KDIR:-/usr/src/linux-headers-$KVER}
command -v patch >/dev/null || { echo "skip: no patch(1)"; exit 77; }
command -v git >/dev/null || { echo "skip: no git"; exit 77; }

# --- pristine files (once; then from the cache) ------------------------------------
if [ ! -f "$CACHE/netfront/.ok" ] || [ ! -f "$CACHE/netback/.ok" ]; then
	tarball=/usr/src/linux-source-6.1.tar.xz
	if [ ! -f $tarball ] || ! dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null |
		grep -qx "$VER"; then
		# not installed (or another version): the package, downloaded once
		command -v apt-get >/dev/null || { echo "skip: no linux-source-6.1 $VER and no apt-get"; exit 77; }
		(cd "$T" && apt-get download -q "linux-source-6.1=$VER") >"$T/apt.log" 2>&1 ||
			{ echo "skip: cannot download linux-source-6.1 $VER: $(tail -1 "$T/apt.log")"; exit 77; }
		dpkg-deb --fsys-tarfile "$T"/linux-source-6.1_*.deb |
			tar -x -C "$T" ./usr/src/linux-source-6.1.tar.xz || fail "cannot unpack the .deb"
		rm -f "$T"/linux-source-6.1_*.deb
		tarball=$T/usr/src/linux-source-6.1.tar.xz
	fi
	mkdir -p "$CACHE" || { echo "skip: cannot create the cache $CACHE"; exit 77; }
	for p in netfront:$NF netback:$NB; do
		make -s -C "${p#*:}" BUILD="$T/${p%%:*}" PRISTINE="$CACHE/${p%%:*}" \
			SRC_TAR="$tarball" pristine || fail "extracting the pristine ${p%%:*} files"
	done
	rm -rf "${T:?}/usr"
fi

# --- 1. the patches apply, and would not to a different tree ----------------------
for p in netfront:$NF netback:$NB; do
	name=${p%%:*} dir=${p#*:}
	make -s -C "$dir" BUILD="$T/$name" PRISTINE="$CACHE/$name" check-apply >"$T/apply.log" 2>&1 ||
		fail "$name patch does not apply to linux-source-6.1 $VER: $(cat "$T/apply.log")"
	echo "ok: $name patch applies (patch -p1 --dry-run --fuzz=0, git apply --check)"
done

# Negative control: change one context line of each patch in a copy of the tree.
mkdir -p "$T/bad"
cp -r "$CACHE/netfront/drivers" "$T/bad/"
cp -r "$CACHE/netback/drivers/net/xen-netback" "$T/bad/drivers/net/"
sed -i 's/^	\*tx = info->tx_local;/	*tx = info->tx_local; \/\* changed \*\//' "$T/bad/drivers/net/xen-netfront.c"
sed -i 's/^	resp->status = status;/	resp->status = 0;/' "$T/bad/drivers/net/xen-netback/netback.c"
grep -q 'changed' "$T/bad/drivers/net/xen-netfront.c" &&
	grep -q 'resp->status = 0;' "$T/bad/drivers/net/xen-netback/netback.c" ||
	fail "the negative control did not change the tree"
for patch in "$NF"/*.patch "$NB"/*.patch; do
	if (cd "$T/bad" && patch -p1 --dry-run --fuzz=0 -s -f <"$patch") >/dev/null 2>&1; then
		fail "patch -p1 accepts $(basename "$patch") on a changed tree"
	fi
	if (cd "$T/bad" && GIT_CEILING_DIRECTORIES=$T git apply --check "$patch") >/dev/null 2>&1; then
		fail "git apply accepts $(basename "$patch") on a changed tree"
	fi
done
echo "ok: both refuse a tree changed in a context line"

if [ "${XPKT_ASAN:-0}" = 1 ]; then
	echo "ok: build checked in the plain run only"
	exit 0
fi

# --- 2. the modules build, warning-free, with their tracepoints --------------------
if [ ! -f "$KDIR/Makefile" ]; then
	echo "skip: patches apply; no kernel headers at $KDIR to build (apt-get install linux-headers-$KVER)"
	exit 77
fi
# the release modules must match (Debian's include/config/kernel.release is the upstream one)
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$krel" ] || fail "$KDIR: no UTS_RELEASE in include/generated/utsrelease.h"

# Events and classes of one TRACE_SYSTEM's section of the shared header.
section() { # $1 = NETFRONT or NETBACK
	sed -n "/^#ifdef XEN_NET_TRACE_$1\$/,/^#endif \/\* XEN_NET_TRACE_$1 \*\//p" "$TRACE_H"
}

for p in netfront:$NF:xen-netfront:NETFRONT netback:$NB:xen-netback:NETBACK; do
	IFS=: read -r name dir mod sel <<<"$p"
	sys=xen_$name
	make -C "$dir" BUILD="$T/$name" PRISTINE="$CACHE/$name" KDIR="$KDIR" module >"$T/$name.log" 2>&1 ||
		fail "$mod.ko does not build: $(tail -30 "$T/$name.log")"
	if grep -Ei 'warning:|error:' "$T/$name.log"; then
		fail "$mod.ko builds with compiler diagnostics (above)"
	fi
	ko=$T/$name/mod/$mod.ko
	[ -f "$ko" ] || fail "no $ko after the build"
	# the patched sources were really built (not the pristine ones)
	grep -q "trace_" "$T/$name/mod/"*.c || fail "$mod: no tracepoint call in the built sources"

	if command -v modinfo >/dev/null; then
		vm=$(modinfo -F vermagic "$ko")
		case "$vm" in "$krel "*) ;; *) fail "$mod.ko vermagic '$vm', headers are $krel" ;; esac
	else
		strings -a "$ko" | grep -q "^vermagic=$krel " || fail "$mod.ko: no vermagic=$krel"
	fi
	strings -a "$ko" >"$T/$name.strings"
	grep -qx "$sys" "$T/$name.strings" || fail "$mod.ko: no TRACE_SYSTEM string $sys"
	# every event events.c names for this system is compiled in
	events=$(grep -o "\"$sys:[a-z_]*\"" "$ROOT/tracepoints/events.c" | tr -d '"' | cut -d: -f2)
	[ -n "$events" ] || fail "events.c names no $sys event"
	for e in $events; do
		grep -qx "$e" "$T/$name.strings" || fail "$mod.ko: no tracepoint $sys:$e"
	done
	# one struct trace_event_call pointer per event the header defines for it
	want=$(section "$sel" | grep -cE '^(TRACE_EVENT|DEFINE_EVENT)\(')
	size=$(objdump -h "$ko" | awk '$2 == "_ftrace_events" { print $3 }')
	[ -n "$size" ] || fail "$mod.ko: no _ftrace_events section"
	got=$((16#$size / 8))
	[ "$got" -eq "$want" ] || fail "$mod.ko: $got trace events, the header defines $want"
	echo "ok: $mod.ko builds without warnings for $krel, $got trace events ($(echo $events | tr ' ' ,) among them)"
done
echo "ok: kernel patches"
