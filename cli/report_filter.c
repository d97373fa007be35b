// SPDX-License-Identifier: GPL-2.0
/*
 * report_filter.c - `report --flow`: per-stage statistics of one flow's
 * packets (report_filter.h).
 *
 * The correlator's statistics are per stage over all packets and its
 * options have no flow filter; filtering events by flow before the join is
 * not possible (most stages' events carry no flow: a grant, a ring slot, a
 * Xen switch), so the filter works on ended packets: every packet record
 * whose flow matches adds the very samples the correlator's histograms got
 * (its lat_ns where has_lat, 0 for the origin; correlator/join.c) to
 * histograms of its own, and its status to the packet counts. Memory: one
 * histogram per stage that got a sample, nothing per packet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report_filter.h"
#include "correlator/hist.h"

struct report_flow {
	char spec[64];
	struct xpkt_hist *hist[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	struct xpkt_packet_counts pc[XPKT_DIR_COUNT];
	uint64_t seen, matched;
	int failed; /* a histogram could not be allocated */
};

struct report_flow *report_flow_new(const char *spec, const char **why)
{
	struct report_flow *f;

	*why = NULL;
	if (!spec[0] || strspn(spec, "0123456789.:-") != strlen(spec)) {
		*why = "digits, '.', ':' and '-' only, as in 10.0.0.1:5201-10.0.0.2:40000";
		return NULL;
	}
	if (strlen(spec) >= sizeof(f->spec)) {
		*why = "too long";
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f)
		snprintf(f->spec, sizeof(f->spec), "%s", spec);
	return f;
}

void report_flow_free(struct report_flow *f)
{
	if (!f)
		return;
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (int s = 0; s < XPKT_MAX_STAGES; s++)
			xpkt_hist_free(f->hist[d][s]);
	free(f);
}

static int flow_matches(const struct report_flow *f, const struct xpkt_packet_rec *rec)
{
	char a[16], b[16], fwd[64], rev[64];

	if (!rec->have_flow)
		return 0;
	xpkt_ipv4_format(a, sizeof(a), rec->flow.saddr);
	xpkt_ipv4_format(b, sizeof(b), rec->flow.daddr);
	snprintf(fwd, sizeof(fwd), "%s:%u-%s:%u", a, rec->flow.sport, b, rec->flow.dport);
	snprintf(rev, sizeof(rev), "%s:%u-%s:%u", b, rec->flow.dport, a, rec->flow.sport);
	return strstr(fwd, f->spec) || strstr(rev, f->spec);
}

/* As the correlator counts a packet's end (its reasons: "missing STAGE", drop, "GRO"). */
static void count_packet(struct xpkt_packet_counts *pc, const struct xpkt_packet_rec *rec)
{
	pc->total++;
	switch (rec->status) {
	case XPKT_PKT_COMPLETE:
		pc->complete++;
		break;
	case XPKT_PKT_PARTIAL:
		pc->partial++;
		xpkt_reason_add(pc->partial_reasons, &pc->npartial_reasons, rec->reason, 1);
		break;
	case XPKT_PKT_DROPPED:
		pc->dropped++;
		xpkt_reason_add(pc->drop_reasons, &pc->ndrop_reasons, rec->reason, 1);
		break;
	case XPKT_PKT_MERGED:
		pc->merged++;
		break;
	}
}

void report_flow_sink(const struct xpkt_packet_rec *rec, void *arg)
{
	struct report_flow *f = arg;

	f->seen++;
	if (rec->dir >= XPKT_DIR_COUNT || !flow_matches(f, rec))
		return;
	f->matched++;
	count_packet(&f->pc[rec->dir], rec);
	for (int s = 0; s < XPKT_MAX_STAGES; s++) {
		struct xpkt_hist **h = &f->hist[rec->dir][s];

		if (!(rec->attached & (1u << s)) || !rec->st[s].has_lat)
			continue;
		if (!*h && !(*h = xpkt_hist_new())) {
			f->failed = 1;
			continue;
		}
		/* unsigned, as join.c adds ts - previous ts */
		xpkt_hist_add(*h, (uint64_t)rec->st[s].lat_ns);
	}
}

static void merge_counts(struct xpkt_packet_counts *all, const struct xpkt_packet_counts *pc)
{
	all->total += pc->total;
	all->complete += pc->complete;
	all->partial += pc->partial;
	all->dropped += pc->dropped;
	all->merged += pc->merged;
	for (unsigned i = 0; i < pc->npartial_reasons; i++)
		xpkt_reason_add(all->partial_reasons, &all->npartial_reasons,
				pc->partial_reasons[i].reason, pc->partial_reasons[i].count);
	for (unsigned i = 0; i < pc->ndrop_reasons; i++)
		xpkt_reason_add(all->drop_reasons, &all->ndrop_reasons, pc->drop_reasons[i].reason,
				pc->drop_reasons[i].count);
}

int report_flow_apply(struct report_flow *f, struct xpkt_results *r)
{
	if (f->failed)
		return -1;
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (int s = 0; s < XPKT_MAX_STAGES; s++) {
			struct xpkt_stage_stats *st = &r->stages[d][s];
			struct xpkt_hist *h = f->hist[d][s];

			xpkt_hist_free(st->hist);
			st->hist = h; /* results own it now */
			f->hist[d][s] = NULL;
			st->count = h ? xpkt_hist_count(h) : 0;
			st->mean_ns = h ? xpkt_hist_mean(h) : 0;
			st->min_ns = h ? xpkt_hist_min(h) : 0;
			st->max_ns = h ? xpkt_hist_max(h) : 0;
			st->p50_ns = h ? xpkt_hist_quantile(h, 0.50) : 0;
			st->p90_ns = h ? xpkt_hist_quantile(h, 0.90) : 0;
			st->p99_ns = h ? xpkt_hist_quantile(h, 0.99) : 0;
			st->p999_ns = h ? xpkt_hist_quantile(h, 0.999) : 0;
			st->total_ns = h ? xpkt_hist_sum(h) : 0;
			for (int c = 0; c < XPKT_PMU_MAX; c++) {
				xpkt_hist_free(st->pmu[c].hist);
				memset(&st->pmu[c], 0, sizeof(st->pmu[c]));
			}
			st->pmu_cross_cpu = 0;
			st->pmu_unpaired = 0;
		}
	memset(&r->packets, 0, sizeof(r->packets));
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		r->by_dir[d] = f->pc[d];
		merge_counts(&r->packets, &f->pc[d]);
	}
	if (r->pmu.known && r->pmu.available) {
		r->pmu.available = 0;
		snprintf(r->pmu.reason, sizeof(r->pmu.reason),
			 "--flow: packet records carry no counters, so PMU deltas are not"
			 " recomputed for one flow");
	}
	return 0;
}

void report_flow_counts(const struct report_flow *f, uint64_t *seen, uint64_t *matched)
{
	*seen = f->seen;
	*matched = f->matched;
}
