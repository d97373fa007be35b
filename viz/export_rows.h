/* SPDX-License-Identifier: GPL-2.0 */
/*
 * export_rows.h - one row per packet for pandas, DuckDB or a spreadsheet:
 * CSV or JSON Lines, columns in docs/export.md. Reads packet records
 * (correlator/correlate.h), never a trace; each row is written as its
 * packet ends, so memory does not grow with the trace.
 */
#ifndef XPKT_VIZ_EXPORT_ROWS_H
#define XPKT_VIZ_EXPORT_ROWS_H

#include <stdio.h>

#include "correlator/correlate.h"

enum xpkt_rows_format { XPKT_ROWS_CSV, XPKT_ROWS_JSONL };

/*
 * The CSV header line (JSONL has none: every line carries its keys). mode:
 * XPKT_MODE_*, the catalogue whose rows become columns. Returns -1 if fp
 * has an error.
 */
int xpkt_export_rows_header(FILE *fp, enum xpkt_rows_format f, unsigned mode);
int xpkt_export_rows_packet(FILE *fp, enum xpkt_rows_format f, unsigned mode,
			    const struct xpkt_packet_rec *r);
/* "complete", "partial", "dropped", "merged" */
const char *xpkt_pkt_status_name(enum xpkt_pkt_status s);

#endif
