#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# testbed/collect.sh - copy dom0's /root/out out of a powered-off run image.
#
#   testbed/collect.sh RUNDIR
#
# debugfs reads the ext4 image directly (no mount). Then the 3 GB sparse run
# image is deleted unless XPKT_TESTBED_KEEP_IMAGE=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUN=${1:?usage: collect.sh RUNDIR}
[ -f "$RUN/dom0.img" ] || tb_die "$RUN/dom0.img: no such image"
rm -rf "$RUN/out"
debugfs -R "rdump /root/out $RUN" "$RUN/dom0.img" >"$RUN/stage/collect.log" 2>&1 ||
	tb_die "debugfs rdump failed (see $RUN/stage/collect.log)"
[ -d "$RUN/out" ] || tb_die "no /root/out in $RUN/dom0.img (did dom0's init run?)"
# Flatten: RUNDIR/out/* -> RUNDIR/*.
for f in "$RUN"/out/* ; do
	[ -e "$f" ] || continue
	rm -rf "${RUN:?}/$(basename "$f")"
	mv "$f" "$RUN/"
done
rmdir "$RUN/out"
[ "${XPKT_TESTBED_KEEP_IMAGE:-0}" = 1 ] || rm -f "$RUN/dom0.img"
tb_log "collected: $(cd "$RUN" && ls | tr '\n' ' ')"
