/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timebase.h - put one source's timestamps on the common clock: nanoseconds
 * of the host TSC (docs/correlation.md section 1).
 *
 *   tsc sources: ns = floor((ts - tsc_offset) * 1e9 / tsc_hz), exact;
 *   ns sources:  ns = ts - offset_ns.
 * Results below zero are clamped to 0 and above 2^64-1 to 2^64-1; the map is
 * monotonic, so a sorted source stays sorted.
 */
#ifndef XPKT_CORRELATOR_TIMEBASE_H
#define XPKT_CORRELATOR_TIMEBASE_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "lib/err.h"

struct xpkt_timebase {
	enum xpkt_clock clock;
	uint64_t tsc_hz;
	int64_t tsc_offset;
	int64_t offset_ns;
	/*
	 * tsc_hz * 1e9 fits in 64 bits (any TSC below 18 GHz): the division
	 * can be split into 64-bit steps, which is several times faster than a
	 * 128-bit divide and gives the same floor.
	 */
	int fast;
};

int xpkt_timebase_init(struct xpkt_timebase *tb, const struct xpkt_source *src, uint64_t tsc_hz,
		       struct xpkt_err *err);
uint64_t xpkt_timebase_ns(const struct xpkt_timebase *tb, uint64_t ts);

#endif
