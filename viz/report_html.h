/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_html.h - `xpkttrace report --html`: one self-contained HTML page
 * (inline CSS and SVG, a few lines of inline JS, nothing fetched) with the
 * stage-flow diagram of each direction coloured by each stage's share of
 * the latency, a log-scale latency histogram per stage with p50 and p99
 * marked, a waterfall of representative packets in domain lanes, the
 * diagnosis and hotspot tables, PMU deltas (or "n/a" and why), and a
 * footer with lost events and the clock alignment. docs/html.md.
 *
 * A renderer: it reads results, the manifest, a diagnosis and packet
 * records chosen by the caller; it never opens a trace.
 */
#ifndef XPKT_VIZ_REPORT_HTML_H
#define XPKT_VIZ_REPORT_HTML_H

#include <stdio.h>

#include "bundle/manifest.h"
#include "correlator/correlate.h"
#include "correlator/results.h"
#include "diag/diag.h"

/* Representative packets per direction, by end-to-end latency. */
enum xpkt_html_rank { XPKT_REP_MEDIAN = 0, XPKT_REP_P99, XPKT_REP_MAX, XPKT_REP_COUNT };

struct xpkt_html_rep {
	int have;		    /* 0: the direction had no packet to show */
	uint64_t e2e_ns;	    /* last attached stage's time minus the first's */
	uint64_t rank_ns;	    /* the rank's value: histogram quantile (0.4 %), exact max */
	uint64_t population;	    /* packets the rank was taken among */
	int complete_only;	    /* 1: among complete packets; 0: any with two stages */
	struct xpkt_packet_rec rec; /* the packet itself */
};

struct xpkt_html_input {
	const char *bundle;
	const struct xpkt_results *r;
	const struct xpkt_manifest *m;
	const struct xpkt_diagnosis *diag; /* NULL: no diagnosis section */
	/* reps[dir][rank]; NULL: no waterfall */
	const struct xpkt_html_rep (*reps)[XPKT_REP_COUNT];
};

/* Name of a rank as the page prints it: "median", "p99", "slowest". */
const char *xpkt_html_rank_name(enum xpkt_html_rank k);
/* Writes the page; 0, or -1 if writing failed. */
int xpkt_report_html(FILE *fp, const struct xpkt_html_input *in);

#endif
