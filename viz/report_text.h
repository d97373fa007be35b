/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_text.h - the terminal report of `xpkttrace report`, 80 columns:
 * header (bundle, sources, clock alignment with its causal check), per
 * direction a table of stages and a small log-scale histogram per stage,
 * packet outcomes with reasons, unattributed and lost events. Optionally
 * in colour (ANSI SGR) and for one stage only.
 */
#ifndef XPKT_VIZ_REPORT_TEXT_H
#define XPKT_VIZ_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bundle/manifest.h"
#include "correlator/results.h"
#include "lib/err.h"
#include "tracepoints/stage.h"

/* What the terminal report shows; all zero: everything, no colour. */
struct xpkt_text_opts {
	int colour;	    /* ANSI colour escapes (the caller decides: a TTY, NO_COLOR) */
	const char *stage;  /* only this stage's rows, histogram and PMU rows; NULL: all */
	int stage_dir;	    /* with stage: enum xpkt_dir, or -1 for every direction having it */
	const char *filter; /* results were filtered (e.g. "flow 10.0.0.1:5201"); NULL: none */
};

int xpkt_report_text(FILE *fp, const char *bundle, const struct xpkt_results *r,
		     const struct xpkt_manifest *m);
int xpkt_report_text_opts(FILE *fp, const char *bundle, const struct xpkt_results *r,
			  const struct xpkt_manifest *m, const struct xpkt_text_opts *o);
/*
 * Checks a --stage argument, "NAME" or "DIR:NAME" (tx:bridge_forward), for
 * a mode: 0 with *dir set (-1: any direction), or -1 with err saying what is
 * wrong and listing the mode's stages.
 */
int xpkt_report_text_stage(enum xpkt_mode mode, const char *spec, const char **name, int *dir,
			   struct xpkt_err *err);
/* "850ns", "12.3us", "1.20ms", "2.50s": three significant digits, at most 6 chars. */
const char *xpkt_fmt_ns(char *buf, size_t len, double ns);
/*
 * A counter value for a table column: plain below 10^plain_digits ("8864",
 * "3.50" for a mean), else scaled ("12.4k", "1.20M"). plain_digits 5 fits 8
 * characters, 4 fits 7.
 */
const char *xpkt_fmt_count(char *buf, size_t len, double v, unsigned plain_digits);

#endif
