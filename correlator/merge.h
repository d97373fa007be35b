/* SPDX-License-Identifier: GPL-2.0 */
/*
 * merge.h - every source of a bundle as one stream on one clock
 * (docs/correlation.md sections 1-2).
 *
 * Opens each source of the manifest with its decoder, rewrites ev->ts to host
 * ns (timebase.h) and merges by (ns, source index in the manifest, position in
 * the source). Events are read in blocks so the per-event cost is a compare
 * across the (at most XPKT_MAX_SOURCES) source heads.
 */
#ifndef XPKT_CORRELATOR_MERGE_H
#define XPKT_CORRELATOR_MERGE_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "lib/err.h"
#include "tracepoints/event.h"

struct xpkt_merge;

/* m must outlive the merge. */
struct xpkt_merge *xpkt_merge_open(const char *bundle, const struct xpkt_manifest *m,
				   struct xpkt_err *err);
/*
 * 1: *ev points at the next event (valid until the next call), *src is its
 * source index; 0: every source ended; -1: error in err (file and offset).
 */
int xpkt_merge_next(struct xpkt_merge *mg, const struct xpkt_event **ev, unsigned *src,
		    struct xpkt_err *err);
/* Per source: events read, and the sum of its XPKT_EV_LOST counts. */
uint64_t xpkt_merge_events(const struct xpkt_merge *mg, unsigned src);
uint64_t xpkt_merge_lost(const struct xpkt_merge *mg, unsigned src);
void xpkt_merge_close(struct xpkt_merge *mg);

#endif
