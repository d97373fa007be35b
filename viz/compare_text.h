/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compare_text.h - the terminal output of `xpkttrace compare`, 80 columns,
 * in the manner of `perf diff` and of "Point A vs Point B" tables: packets,
 * per direction each stage's A and B values with B/A under them, lost
 * events per source, and the stages that moved most.
 */
#ifndef XPKT_VIZ_COMPARE_TEXT_H
#define XPKT_VIZ_COMPARE_TEXT_H

#include <stdio.h>

#include "viz/compare.h"

/* 0, or -1 when writing failed. */
int xpkt_compare_text(FILE *fp, const struct xpkt_compare *c);

#endif
