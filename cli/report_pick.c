// SPDX-License-Identifier: GPL-2.0
/*
 * report_pick.c - representative packets for `report --html` (report_pick.h).
 *
 * The correlator streams: packets end and are forgotten, so "the packet at
 * the 99th percentile" is only known once every packet has ended. Two runs
 * over the same bundle: the first adds each packet's end-to-end latency to
 * a histogram (correlator/hist.h: fixed size, whatever the packet count)
 * and yields the results; the median and p99 are the histogram's nearest
 * rank buckets; the second run keeps, per direction and rank, the first
 * packet whose latency falls in that bucket (within 0.4 % of the exact
 * rank's value), and for the slowest the first whose latency equals the
 * exact maximum. Correlation is deterministic (docs/correlation.md: merge
 * order is total), so the second run sees the same packets with the same
 * times.
 *
 * Complete packets are the population when a direction has any (a partial
 * packet's span stops where its trace stopped); otherwise every packet with
 * at least two attached stages, and the page says which.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/report_pick.h"
#include "correlator/hist.h"

enum cls { CLS_COMPLETE = 0, CLS_OTHER, CLS_COUNT };

struct pick {
	int pass;
	struct xpkt_hist *lat[XPKT_DIR_COUNT][CLS_COUNT];
	/* pass 2: what to look for (hist bucket index; the max: the exact value) */
	enum cls use[XPKT_DIR_COUNT];
	uint64_t target[XPKT_DIR_COUNT][XPKT_REP_COUNT];
	struct xpkt_html_rep (*reps)[XPKT_REP_COUNT];
	/* the caller's own sink, chained in the first pass */
	xpkt_packet_sink_fn chain;
	void *chain_arg;
};

uint64_t report_pick_e2e(const struct xpkt_packet_rec *rec, unsigned *nattached)
{
	uint64_t first = UINT64_MAX, last = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < XPKT_MAX_STAGES; i++) {
		if (!(rec->attached & (1u << i)))
			continue;
		n++;
		first = rec->st[i].ts_ns < first ? rec->st[i].ts_ns : first;
		last = rec->st[i].ts_ns > last ? rec->st[i].ts_ns : last;
	}
	*nattached = n;
	return n ? last - first : 0;
}

/* Which population a packet belongs to; -1: none (fewer than two stages). */
static int classify(const struct xpkt_packet_rec *rec, uint64_t *e2e)
{
	unsigned n;

	*e2e = report_pick_e2e(rec, &n);
	if (rec->status == XPKT_PKT_COMPLETE && n >= 2)
		return CLS_COMPLETE;
	return n >= 2 ? CLS_OTHER : -1;
}

static void on_packet(const struct xpkt_packet_rec *rec, void *arg)
{
	struct pick *p = arg;
	uint64_t e2e;
	int c = classify(rec, &e2e);

	if (p->pass == 1 && p->chain)
		p->chain(rec, p->chain_arg);
	if (c < 0 || rec->dir >= XPKT_DIR_COUNT)
		return;
	if (p->pass == 1) {
		xpkt_hist_add(p->lat[rec->dir][c], e2e);
		return;
	}
	if ((enum cls)c != p->use[rec->dir])
		return;
	for (unsigned k = 0; k < XPKT_REP_COUNT; k++) {
		struct xpkt_html_rep *rep = &p->reps[rec->dir][k];
		uint64_t v = k == XPKT_REP_MAX ? e2e : xpkt_hist_index(e2e);

		if (!rep->have && v == p->target[rec->dir][k]) {
			rep->have = 1;
			rep->e2e_ns = e2e;
			rep->rec = *rec;
		}
	}
}

int report_pick(const char *bundle, struct xpkt_correlate_opts *copts, int quiet,
		struct xpkt_manifest *m, struct xpkt_results *r,
		struct xpkt_html_rep reps[XPKT_DIR_COUNT][XPKT_REP_COUNT])
{
	static const double q[XPKT_REP_COUNT] = {0.5, 0.99, 1.0};
	struct pick p = {.pass = 1, .reps = reps};
	struct xpkt_correlate_opts o2;
	struct xpkt_manifest *m2 = NULL;
	struct xpkt_results *r2 = NULL;
	int rc = 1, need = 0;

	memset(reps, 0, sizeof(struct xpkt_html_rep) * XPKT_DIR_COUNT * XPKT_REP_COUNT);
	p.chain = copts->packet_sink;
	p.chain_arg = copts->packet_sink_arg;
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (int c = 0; c < CLS_COUNT; c++)
			if (!(p.lat[d][c] = xpkt_hist_new())) {
				rc = die("report: out of memory");
				goto done;
			}
	copts->packet_sink = on_packet;
	copts->packet_sink_arg = &p;
	if (cli_correlate(bundle, copts, quiet, 0, m, r))
		goto done;
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		const struct xpkt_hist *h;

		p.use[d] = xpkt_hist_count(p.lat[d][CLS_COMPLETE]) ? CLS_COMPLETE : CLS_OTHER;
		h = p.lat[d][p.use[d]];
		if (!xpkt_hist_count(h))
			continue;
		for (unsigned k = 0; k < XPKT_REP_COUNT; k++) {
			uint64_t v =
			    k == XPKT_REP_MAX ? xpkt_hist_max(h) : xpkt_hist_quantile(h, q[k]);

			p.target[d][k] = k == XPKT_REP_MAX ? v : xpkt_hist_index(v);
			reps[d][k].rank_ns = v;
			reps[d][k].population = xpkt_hist_count(h);
			reps[d][k].complete_only = p.use[d] == CLS_COMPLETE;
		}
		need = 1;
	}
	if (!need) {
		rc = 0; /* no packet to show: no second run */
		goto done;
	}
	m2 = calloc(1, sizeof(*m2));
	r2 = calloc(1, sizeof(*r2));
	if (!m2 || !r2) {
		rc = die("report: out of memory");
		goto done;
	}
	o2 = *copts;
	p.pass = 2;
	if (cli_correlate(bundle, &o2, quiet, 0, m2, r2))
		goto done;
	rc = 0;
done:
	copts->packet_sink = p.chain;
	copts->packet_sink_arg = p.chain_arg;
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (int c = 0; c < CLS_COUNT; c++)
			xpkt_hist_free(p.lat[d][c]);
	if (r2)
		xpkt_results_free(r2);
	free(r2);
	free(m2);
	return rc;
}
