/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simmark.h - `record --pmu=sim`: the clock pairs that line the pmu-sim
 * plugin's counter stream up with this recording (docs/pmu-sim.md
 * "Timebase", docs/bundle.md "pmu-sim-markers.txt").
 *
 * Under QEMU's TCG a guest's rdtsc is the host TSC plus an offset fixed
 * while the VM runs, and the plugin stamps its stream with the host TSC.
 * The instruction xchg %bx,%bx (Bochs's magic breakpoint; a no-op
 * elsewhere) makes the plugin write a MARKER record with its host TSC, so
 * an rdtsc just before and just after it bracket that record in the
 * trace's clock (x86-tsc). The host pairs the brackets with the stream's
 * MARKER records in order.
 */
#ifndef XPKT_CAPTURE_SIMMARK_H
#define XPKT_CAPTURE_SIMMARK_H

#include <stdio.h>

#include "lib/err.h"

/* Runs n markers 20 ms apart, one "BEFORE AFTER" line of TSC each to fp.
 * -1 (err) on a write error, or on a CPU that is not x86-64. */
int xpkt_simmark(FILE *fp, unsigned n, struct xpkt_err *err);

#endif
