/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simscale_text.h - the report's cache/TLB scaling table (pmu-sim with
 * several model instances; seed 001 Figures 13-17), 80 columns: per
 * instance its L2, ITLB and DTLB geometry and, per direction, the miss rate
 * of all that direction's stages together. The per-stage curves are in
 * report --html and report --json ("pmu_scaling").
 */
#ifndef XPKT_VIZ_SIMSCALE_TEXT_H
#define XPKT_VIZ_SIMSCALE_TEXT_H

#include <stdio.h>

#include "correlator/results.h"
#include "viz/report_text.h"

/* Prints nothing (and returns 0) without several model instances. */
int xpkt_simscale_text(FILE *fp, const struct xpkt_results *r, const struct xpkt_text_opts *o);

#endif
