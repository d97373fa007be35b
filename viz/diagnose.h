/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diagnose.h - renderers of a diagnosis (diag/diag.h): linter-like text,
 * one block per finding with its evidence indented, and JSON
 * {"bundle", "findings", "passed", "not_evaluated", "lost_events"}.
 */
#ifndef XPKT_VIZ_DIAGNOSE_H
#define XPKT_VIZ_DIAGNOSE_H

#include <stdio.h>

#include "diag/diag.h"

/* Both return 0, or -1 if writing failed. */
int xpkt_diagnose_text(FILE *fp, const char *bundle, const struct xpkt_diagnosis *d);
int xpkt_diagnose_json(FILE *fp, const char *bundle, const struct xpkt_diagnosis *d);

#endif
