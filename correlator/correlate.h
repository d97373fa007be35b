/* SPDX-License-Identifier: GPL-2.0 */
/*
 * correlate.h - bundle in, results out (docs/correlation.md).
 *
 * Opens every source of the bundle, puts events on one timebase, merges them,
 * joins them into packets and accumulates per-stage statistics. Streaming:
 * memory follows the packets in flight, not the length of the trace.
 */
#ifndef XPKT_CORRELATOR_CORRELATE_H
#define XPKT_CORRELATOR_CORRELATE_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "correlator/results.h"
#include "lib/err.h"

struct xpkt_correlate_opts {
	uint64_t idle_timeout_ns; /* 0: default 10 s */
	/* Called now and then with events read so far; may be NULL. */
	void (*progress)(uint64_t events, uint64_t packets_in_flight, void *arg);
	void *progress_arg;
};

int xpkt_correlate(const char *bundle, const struct xpkt_correlate_opts *opts,
		   struct xpkt_manifest *manifest, struct xpkt_results *out, struct xpkt_err *err);
/* Frees what results own (histograms). */
void xpkt_results_free(struct xpkt_results *r);

#endif
