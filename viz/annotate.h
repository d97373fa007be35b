/* SPDX-License-Identifier: GPL-2.0 */
/*
 * annotate.h - `xpkttrace annotate` output: simulated counts per function
 * and stage (sym/annotate.h rows), as the seed's Figure 4 table in the
 * terminal, or JSON.
 */
#ifndef XPKT_VIZ_ANNOTATE_H
#define XPKT_VIZ_ANNOTATE_H

#include <stddef.h>
#include <stdio.h>

#include "correlator/results.h"
#include "sym/annotate.h"

struct xpkt_annotate_view {
	const char *bundle;
	const struct xpkt_results *r;
	const struct xpkt_func_row *rows;
	size_t nrows;
	unsigned top;	   /* functions per stage; 0 = all */
	int stage_dir;	   /* with stage: -1 any direction */
	const char *stage; /* only this stage (NULL all; "none" the no-stage group) */
};

/* 0, or -1 on a write error. */
int xpkt_annotate_text(FILE *fp, const struct xpkt_annotate_view *v);
int xpkt_annotate_json(FILE *fp, const struct xpkt_annotate_view *v);

#endif
