/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_pick.h - representative packets for `report --html`: per
 * direction the packets at the median, the 99th percentile and the maximum
 * of end-to-end latency, picked with bounded memory (cli/report_pick.c).
 */
#ifndef XPKT_CLI_REPORT_PICK_H
#define XPKT_CLI_REPORT_PICK_H

#include "bundle/manifest.h"
#include "correlator/correlate.h"
#include "correlator/results.h"
#include "viz/report_html.h"

/*
 * Correlates bundle (cli_correlate, results into m and r, as report does)
 * and fills reps[dir][rank]. 0, or 1 with the error printed.
 */
int report_pick(const char *bundle, struct xpkt_correlate_opts *copts, int quiet,
		struct xpkt_manifest *m, struct xpkt_results *r,
		struct xpkt_html_rep reps[XPKT_DIR_COUNT][XPKT_REP_COUNT]);

/* A packet's end-to-end latency: its last attached stage's time minus its first's. */
uint64_t report_pick_e2e(const struct xpkt_packet_rec *rec, unsigned *nattached);

#endif
