/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simpmu_text.h - the report's table of simulated PMU deltas (pmu-sim,
 * docs/correlation.md section 13), 80 columns: per stage the intervals that
 * got a delta, those whose ends ran on different physical CPUs, and the mean
 * instructions (with p99) and L1D, L2, DTLB and ITLB misses per packet,
 * labelled "simulated" with the cache/TLB model.
 */
#ifndef XPKT_VIZ_SIMPMU_TEXT_H
#define XPKT_VIZ_SIMPMU_TEXT_H

#include <stdio.h>

#include "correlator/results.h"
#include "viz/report_text.h"

/* Prints nothing (and returns 0) when the bundle has no pmu-sim source. */
int xpkt_simpmu_text(FILE *fp, const struct xpkt_results *r, const struct xpkt_text_opts *o);

#endif
