/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_text.h - the terminal report of `xpkttrace report`, 80 columns:
 * header (bundle, sources, clock alignment with its causal check), per
 * direction a table of stages and a small log-scale histogram per stage,
 * packet outcomes with reasons, unattributed and lost events.
 */
#ifndef XPKT_VIZ_REPORT_TEXT_H
#define XPKT_VIZ_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bundle/manifest.h"
#include "correlator/results.h"

int xpkt_report_text(FILE *fp, const char *bundle, const struct xpkt_results *r,
		     const struct xpkt_manifest *m);
/* "850ns", "12.3us", "1.20ms", "2.50s": three significant digits, at most 6 chars. */
const char *xpkt_fmt_ns(char *buf, size_t len, double ns);

#endif
