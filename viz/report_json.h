/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report_json.h - results as JSON: `report --json` and truth.json (README,
 * "JSON schemas"). The reader exists so tests compare two result files.
 */
#ifndef XPKT_VIZ_REPORT_JSON_H
#define XPKT_VIZ_REPORT_JSON_H

#include <stdio.h>

#include "bundle/manifest.h"
#include "correlator/results.h"
#include "lib/err.h"

int xpkt_report_json(FILE *fp, const struct xpkt_results *r, const struct xpkt_manifest *m);
/* Reads a file written by xpkt_report_json (hist pointers stay NULL). */
int xpkt_results_read_json(const char *path, struct xpkt_results *r, struct xpkt_err *err);

#endif
