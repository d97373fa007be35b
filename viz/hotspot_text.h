/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hotspot_text.h - the report's hotspot table, 80 columns: per direction
 * and stage, the hotspot kprobe calls per packet (and bytes), and the PC
 * samples by function with their share of the stage's samples, in the
 * style of the seed's "Function Breakdown" and perf report's Overhead
 * column; then per domain what no stage got.
 */
#ifndef XPKT_VIZ_HOTSPOT_TEXT_H
#define XPKT_VIZ_HOTSPOT_TEXT_H

#include <stdio.h>

#include "correlator/results.h"

/* Functions listed per stage at most (the rest are summed as "other"). */
#define XPKT_HOTSPOT_TOP 6

/* Prints nothing (and returns 0) when the results have no hotspot data. */
int xpkt_hotspot_text(FILE *fp, const struct xpkt_results *r);

#endif
