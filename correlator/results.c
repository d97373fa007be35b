// SPDX-License-Identifier: GPL-2.0
/* results.c - helpers over struct xpkt_results: reason lists, freeing what a run owns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlator/correlate.h"
#include "correlator/hist.h"
#include "correlator/results.h"

void xpkt_reason_add(struct xpkt_reason_count *list, unsigned *n, const char *reason,
		     uint64_t count)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (!strcmp(list[i].reason, reason))
			break;
	if (i == *n) {
		/* Past the table's end, fold into the last row rather than lose counts. */
		if (*n == XPKT_MAX_REASONS) {
			i = XPKT_MAX_REASONS - 1;
			snprintf(list[i].reason, sizeof(list[i].reason), "other");
		} else {
			snprintf(list[i].reason, sizeof(list[i].reason), "%s", reason);
			list[i].count = 0;
			(*n)++;
		}
	}
	list[i].count += count;
}

/* Hotspot kinds: the kprobe event each counts, and the function it probes. */
static const struct {
	uint16_t event;
	const char *name;
} hot_table[XPKT_HOT_COUNT] = {
    [XPKT_HOT_COPY_BITS] = {XPKT_EV_HOT_COPY_BITS, "skb_copy_bits"},
    [XPKT_HOT_COLLAPSE] = {XPKT_EV_HOT_COLLAPSE, "tcp_collapse"},
    [XPKT_HOT_PRUNE] = {XPKT_EV_HOT_PRUNE, "tcp_prune_queue"},
    [XPKT_HOT_COALESCE] = {XPKT_EV_HOT_COALESCE, "skb_try_coalesce"},
    [XPKT_HOT_PULL_TAIL] = {XPKT_EV_HOT_PULL_TAIL, "__pskb_pull_tail"},
};

const char *xpkt_hot_name(unsigned h)
{
	return h < XPKT_HOT_COUNT ? hot_table[h].name : "?";
}

int xpkt_hot_of_event(unsigned id)
{
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
		if (hot_table[h].event == id)
			return (int)h;
	return -1;
}

/* Frees the histograms a correlation run left in r (correlate.h). */
void xpkt_results_free(struct xpkt_results *r)
{
	free(r->sim_scaling);
	r->sim_scaling = NULL;
	if (r->sim_annot)
		free(r->sim_annot->blocks);
	free(r->sim_annot);
	r->sim_annot = NULL;
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++) {
			xpkt_hist_free(r->stages[d][s].hist);
			r->stages[d][s].hist = NULL;
			free(r->stages[d][s].ips);
			r->stages[d][s].ips = NULL;
			r->stages[d][s].nips = 0;
			free(r->stages[d][s].funcs);
			r->stages[d][s].funcs = NULL;
			r->stages[d][s].nfuncs = 0;
			for (unsigned c = 0; c < XPKT_PMU_MAX; c++) {
				xpkt_hist_free(r->stages[d][s].pmu[c].hist);
				r->stages[d][s].pmu[c].hist = NULL;
			}
			for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
				xpkt_hist_free(r->stages[d][s].sim[c].hist);
				r->stages[d][s].sim[c].hist = NULL;
			}
		}
}

void xpkt_results_pmu_from_manifest(struct xpkt_results *r, const struct xpkt_manifest *m)
{
	struct xpkt_pmu_summary *p = &r->pmu;
	const char *why[XPKT_MAX_SOURCES];
	char names[XPKT_MAX_SOURCES][96];
	unsigned ngroups = 0;
	size_t used = 0;

	p->known = p->available = 0;
	p->reason[0] = 0;
	p->ncounters = 0;
	for (unsigned i = 0; i < m->nsources && i < XPKT_MAX_SOURCES; i++) {
		const struct xpkt_source *s = &m->sources[i];
		const char *w;
		unsigned g;

		if (!s->pmu.known)
			continue;
		p->known = 1;
		if (s->pmu.available && s->pmu.ncounters) {
			if (!p->available) {
				p->ncounters = s->pmu.ncounters;
				memcpy(p->counters, s->pmu.counters, sizeof(p->counters));
			}
			p->available = 1;
			continue;
		}
		/* Sources with the same reason are named together: "guest1, dom0: ..." */
		w = s->pmu.reason[0] ? s->pmu.reason : "no counters recorded";
		for (g = 0; g < ngroups; g++)
			if (!strcmp(why[g], w))
				break;
		if (g == ngroups) {
			why[ngroups] = w;
			snprintf(names[ngroups++], sizeof(names[0]), "%s", s->name);
		} else {
			size_t l = strlen(names[g]);

			snprintf(names[g] + l, sizeof(names[0]) - l, ", %s", s->name);
		}
	}
	for (unsigned g = 0; g < ngroups && used < sizeof(p->reason) - 1; g++) {
		int n = snprintf(p->reason + used, sizeof(p->reason) - used, "%s%s: %s",
				 used ? "; " : "", names[g], why[g]);

		used = n < 0 ? used : used + (size_t)n;
		if (used >= sizeof(p->reason))
			used = sizeof(p->reason) - 1;
	}
}
