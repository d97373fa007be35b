// SPDX-License-Identifier: GPL-2.0
/*
 * correlate.c - bundle in, results out: manifest -> merged stream on host ns
 * (merge.c) -> packets and stages (join.c) -> struct xpkt_results.
 */
#include <stdio.h>
#include <string.h>

#include "correlator/correlate.h"
#include "correlator/hist.h"
#include "correlator/join.h"
#include "correlator/merge.h"
#include "tracepoints/stage.h"

#define PROGRESS_EVERY (1u << 20)

int xpkt_correlate(const char *bundle, const struct xpkt_correlate_opts *opts,
		   struct xpkt_manifest *m, struct xpkt_results *out, struct xpkt_err *err)
{
	struct xpkt_merge *mg = NULL;
	struct xpkt_joiner *j = NULL;
	const struct xpkt_event *ev;
	uint64_t n = 0;
	unsigned src;
	int rc;

	memset(out, 0, sizeof(*out));
	if (xpkt_manifest_read(bundle, m, err))
		return -1;
	/* The mode picks the catalogue rows (tracepoints/stages.c). */
	if (!xpkt_mode_parse(m->mode))
		return xpkt_err_set(err, "%s/manifest.json: unknown mode \"%s\" (xen or native)",
				    bundle, m->mode);
	j = xpkt_join_new(m, opts ? opts->idle_timeout_ns : 0, err);
	if (!j)
		return -1;
	if (opts && opts->packet_sink)
		xpkt_join_set_sink(j, opts->packet_sink, opts->packet_sink_arg);
	mg = xpkt_merge_open(bundle, m, err);
	if (!mg)
		goto fail;
	while ((rc = xpkt_merge_next(mg, &ev, &src, err)) == 1) {
		if (xpkt_join_event(j, ev, src, err))
			goto fail;
		if (!(++n & (PROGRESS_EVERY - 1)) && opts && opts->progress)
			opts->progress(n, xpkt_join_in_flight(j), opts->progress_arg);
	}
	if (rc < 0)
		goto fail;
	if (xpkt_join_finish(j, out, err))
		goto fail;
	out->events_read = n;
	out->nlost = m->nsources;
	for (unsigned i = 0; i < m->nsources; i++) {
		/* What the stream itself recorded as lost, nothing else. */
		snprintf(out->lost[i].source, sizeof(out->lost[i].source), "%s",
			 m->sources[i].name);
		out->lost[i].events = xpkt_merge_lost(mg, i);
		out->source_events[i] = xpkt_merge_events(mg, i);
	}
	xpkt_merge_close(mg);
	xpkt_join_free(j);
	return 0;
fail:
	xpkt_merge_close(mg);
	xpkt_join_free(j);
	xpkt_results_free(out);
	return -1;
}
