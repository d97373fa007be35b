/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compare_json.h - `xpkttrace compare --json` (README, "xpkttrace compare"):
 *
 *   {"a": BUNDLE_A, "b": BUNDLE_B, "mode": "xen",
 *    "packets": {"a": COUNTS, "b": COUNTS, "ratio": RATIOS, "tx": {...}, "rx": {...}},
 *    "stages": [{"direction", "name", "domain", "status",
 *                "a": {"count", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "unattributed"},
 *                "b": {...}, "ratio": {...}}, ...],
 *    "lost": {"SOURCE": {"a", "b", "ratio"}, ...},
 *    "biggest_changes": [{"direction", "name", "status", "p50", "mean"}, ...]}
 *
 * Latency values of a run with no samples of the stage are null, not 0;
 * a ratio (B/A) is null where it is undefined.
 */
#ifndef XPKT_VIZ_COMPARE_JSON_H
#define XPKT_VIZ_COMPARE_JSON_H

#include <stdio.h>

#include "viz/compare.h"

/* 0, or -1 when writing failed. */
int xpkt_compare_json(FILE *fp, const struct xpkt_compare *c);

#endif
