// SPDX-License-Identifier: GPL-2.0
/*
 * simpmu.c - simulated PMU deltas per stage from the pmu-sim counter stream
 * (see simpmu.h; docs/correlation.md section 13).
 *
 * Per physical CPU it keeps the latest records (a ring: an attach made
 * after the fact, such as tlb_flush at its hypercall's time, looks back a
 * little) and a claim mark: the time up to which that CPU's counters were
 * given to some stage, and the counters there. Per packet slot it keeps,
 * for each attached stage, the physical CPU and the counters at its time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlator/hist.h"
#include "correlator/simpmu.h"

#define RING	 4096 /* records kept per physical CPU: 40 ms at the plugin's 10 us */
#define MAX_PCPU 4096
#define NO_PCPU	 0xffffu

struct snap {
	uint64_t ts;
	uint64_t v[XPKT_SIM_COUNTERS];
};

/* A stage interval closing at the CPU's pending group time, from `open`. */
struct pend {
	uint8_t dir, s;
	struct snap open;
	uint64_t opened_ns; /* open before the claim mark moved it: breaks ties */
};

struct pcpu {
	struct snap *ring; /* RING entries, allocated at the CPU's first record */
	uint32_t head;	   /* next write */
	uint32_t n;	   /* entries held (<= RING) */
	uint64_t first_insns, last_insns;
	struct snap mark; /* counters up to mark.ts were given to stages */
	uint8_t have_mark;
	uint64_t claimed;
	/* intervals closing at one time (one event attached several packets), settled together */
	struct snap g_cur; /* counters at their close */
	struct pend *g;
	uint32_t ng, capg;
};

struct vmap {
	uint16_t domid, vcpu, pcpu;
};

struct spkt {
	uint32_t gen;
	uint16_t have; /* bit per stage: counters known at its time */
	uint16_t pcpu[XPKT_MAX_STAGES];
	struct snap at[XPKT_MAX_STAGES];
};

struct xpkt_simpmu {
	struct pcpu *cpu;
	uint32_t ncpu;
	struct vmap *vm;
	uint32_t nvm, capvm;
	struct spkt *pk;
	uint32_t cappk;
	uint64_t records;
	char geo[5][32]; /* model 0: l1i l1d l2 itlb dtlb */
	struct xpkt_hist *hist[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_SIM_COUNTERS];
	uint64_t sum[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_SIM_COUNTERS];
	uint64_t cross[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t unpaired[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
};

struct xpkt_simpmu *xpkt_simpmu_new(void)
{
	return calloc(1, sizeof(struct xpkt_simpmu));
}

void xpkt_simpmu_free(struct xpkt_simpmu *sp)
{
	if (!sp)
		return;
	for (uint32_t i = 0; i < sp->ncpu; i++) {
		free(sp->cpu[i].ring);
		free(sp->cpu[i].g);
	}
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++)
			for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++)
				xpkt_hist_free(sp->hist[d][s][c]);
	free(sp->cpu);
	free(sp->vm);
	free(sp->pk);
	free(sp);
}

static struct pcpu *get_cpu(struct xpkt_simpmu *sp, uint16_t cpu)
{
	if (cpu >= MAX_PCPU)
		return NULL;
	if (cpu >= sp->ncpu) {
		uint32_t n = (uint32_t)cpu + 1;
		struct pcpu *c = realloc(sp->cpu, n * sizeof(*c));

		if (!c)
			return NULL;
		memset(c + sp->ncpu, 0, (n - sp->ncpu) * sizeof(*c));
		sp->cpu = c;
		sp->ncpu = n;
	}
	return &sp->cpu[cpu];
}

int xpkt_simpmu_record(struct xpkt_simpmu *sp, const struct xpkt_event *ev)
{
	struct pcpu *c;
	struct snap *e;

	if (ev->arg2 >= XPKT_SIM_EV_MODEL_L1I && ev->arg2 <= XPKT_SIM_EV_MODEL_DTLB) {
		char *g = sp->geo[ev->arg2 - XPKT_SIM_EV_MODEL_L1I];

		memcpy(g, ev->pmu, sizeof(ev->pmu));
		g[sizeof(sp->geo[0]) - 1] = 0;
		return 0;
	}
	if (ev->arg2 != XPKT_SIM_EV_COUNTERS)
		return 0;
	sp->records++;
	if (ev->cpu >= MAX_PCPU)
		return 0;
	c = get_cpu(sp, ev->cpu);
	if (!c)
		return -1;
	if (!c->ring && !(c->ring = malloc(RING * sizeof(*c->ring))))
		return -1;
	e = &c->ring[c->head];
	e->ts = ev->ts;
	xpkt_sim_event_get(ev, e->v);
	if (!c->n)
		c->first_insns = e->v[XPKT_SIM_INSNS];
	c->last_insns = e->v[XPKT_SIM_INSNS];
	c->head = (c->head + 1) % RING;
	if (c->n < RING)
		c->n++;
	return 0;
}

int xpkt_simpmu_switch(struct xpkt_simpmu *sp, const struct xpkt_event *ev)
{
	for (uint32_t i = 0; i < sp->nvm; i++)
		if (sp->vm[i].domid == ev->domid && sp->vm[i].vcpu == ev->vcpu) {
			sp->vm[i].pcpu = ev->cpu;
			return 0;
		}
	if (sp->nvm == sp->capvm) {
		uint32_t cap = sp->capvm ? 2 * sp->capvm : 16;
		struct vmap *n = realloc(sp->vm, cap * sizeof(*n));

		if (!n)
			return -1;
		sp->vm = n;
		sp->capvm = cap;
	}
	sp->vm[sp->nvm++] = (struct vmap){.domid = ev->domid, .vcpu = ev->vcpu, .pcpu = ev->cpu};
	return 0;
}

/* The physical CPU an attach ran on, NO_PCPU if unknown. */
static uint16_t pcpu_of(const struct xpkt_simpmu *sp, const struct xpkt_simpmu_at *at)
{
	if (at->domain == XPKT_DOM_XEN)
		return at->cpu;
	if (at->domain != XPKT_DOM_GUEST && at->domain != XPKT_DOM_DOM0)
		return NO_PCPU; /* the wire, or a native kernel: no Xen CPU */
	/* A Linux vCPU runs where the latest switch-in put it. */
	for (uint32_t i = 0; i < sp->nvm; i++)
		if (sp->vm[i].domid == at->domid && sp->vm[i].vcpu == at->cpu)
			return sp->vm[i].pcpu;
	return NO_PCPU;
}

/* Counters of pcpu's last record at or before ts: 1, or 0 if none is held. */
static int counters_at(const struct xpkt_simpmu *sp, uint16_t pcpu, uint64_t ts, struct snap *out)
{
	const struct pcpu *c;

	if (pcpu >= sp->ncpu)
		return 0;
	c = &sp->cpu[pcpu];
	for (uint32_t k = 1; k <= c->n; k++) {
		const struct snap *e = &c->ring[(c->head + RING - k) % RING];

		if (e->ts <= ts) {
			out->ts = ts;
			memcpy(out->v, e->v, sizeof(out->v));
			return 1;
		}
	}
	return 0;
}

static struct spkt *get_pkt(struct xpkt_simpmu *sp, uint32_t p, uint32_t gen)
{
	if (p >= sp->cappk) {
		uint32_t cap = sp->cappk ? sp->cappk : 64;
		struct spkt *n;

		while (cap <= p)
			cap *= 2;
		n = realloc(sp->pk, (size_t)cap * sizeof(*n));
		if (!n)
			return NULL;
		for (uint32_t i = sp->cappk; i < cap; i++) {
			n[i].gen = UINT32_MAX;
			n[i].have = 0;
		}
		sp->pk = n;
		sp->cappk = cap;
	}
	if (sp->pk[p].gen != gen) {
		sp->pk[p].gen = gen;
		sp->pk[p].have = 0;
	}
	return &sp->pk[p];
}

/* One delta sample hi - lo for stage (dir, s) on CPU c; NULL ends: 0. */
static int add_delta(struct xpkt_simpmu *sp, struct pcpu *c, unsigned dir, unsigned s,
		     const struct snap *hi, const struct snap *lo)
{
	for (unsigned i = 0; i < XPKT_SIM_COUNTERS; i++) {
		struct xpkt_hist **h = &sp->hist[dir][s][i];
		uint64_t d = hi ? hi->v[i] - lo->v[i] : 0;

		if (!*h && !(*h = xpkt_hist_new()))
			return -1;
		xpkt_hist_add(*h, d);
		sp->sum[dir][s][i] += d;
		if (i == XPKT_SIM_INSNS)
			c->claimed += d;
	}
	return 0;
}

/*
 * By the time each interval opened (claim mark included), latest first;
 * ties (several opened before the mark) by their own open, then stage, so
 * which stage gets a share never depends on the order of attaches.
 */
static int by_open_desc(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;

	if (x->open.ts != y->open.ts)
		return x->open.ts < y->open.ts ? 1 : -1;
	if (x->opened_ns != y->opened_ns)
		return x->opened_ns < y->opened_ns ? 1 : -1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return (int)x->s - (int)y->s;
}

/*
 * Settles the intervals closing together on CPU c. Each instruction since
 * the claim mark goes to the interval that opened most recently before it:
 * the latest-opened interval gets (its open, close], the next (its open,
 * the previous one's open], and so on. Sums and the set of values do not
 * depend on the order the join attached them in, so ground truth can
 * follow the same rule from identities alone.
 */
static int flush(struct xpkt_simpmu *sp, struct pcpu *c)
{
	const struct snap *upper = &c->g_cur;

	/* what the CPU ran before its claim mark is earlier intervals' */
	for (uint32_t k = 0; k < c->ng; k++)
		if (c->have_mark && c->mark.ts > c->g[k].open.ts)
			c->g[k].open = c->mark;
	qsort(c->g, c->ng, sizeof(*c->g), by_open_desc);
	for (uint32_t k = 0; k < c->ng; k++) {
		const struct pend *e = &c->g[k];
		const struct snap *lo = &e->open;
		int back = 0;

		if (lo->ts >= upper->ts) {
			if (add_delta(sp, c, e->dir, e->s, NULL, NULL))
				return -1;
			continue;
		}
		for (unsigned i = 0; i < XPKT_SIM_COUNTERS; i++)
			back |= upper->v[i] < lo->v[i];
		if (back) {
			sp->unpaired[e->dir][e->s]++; /* a counter went back: another run */
			continue;
		}
		if (add_delta(sp, c, e->dir, e->s, upper, lo))
			return -1;
		upper = lo;
	}
	c->mark = c->g_cur;
	c->have_mark = 1;
	c->ng = 0;
	return 0;
}

int xpkt_simpmu_attach(struct xpkt_simpmu *sp, uint32_t p, uint32_t gen, unsigned dir, unsigned s,
		       int prev, const struct xpkt_simpmu_at *at)
{
	uint16_t pcpu = pcpu_of(sp, at);
	struct spkt *k = get_pkt(sp, p, gen);
	struct snap cur;
	struct pcpu *c;
	int have_cur;

	if (!k)
		return -1;
	if (dir >= XPKT_DIR_COUNT || s >= XPKT_MAX_STAGES)
		return 0;
	have_cur = pcpu != NO_PCPU && counters_at(sp, pcpu, at->ts, &cur);
	k->have &= (uint16_t) ~(1u << s);
	if (have_cur) {
		k->have |= (uint16_t)(1u << s);
		k->pcpu[s] = pcpu;
		k->at[s] = cur;
	}
	if (prev < 0 || prev >= XPKT_MAX_STAGES)
		return 0; /* an origin: no interval */
	if (!have_cur || !(k->have & (1u << prev))) {
		sp->unpaired[dir][s]++;
		return 0;
	}
	if (k->pcpu[prev] != pcpu) {
		/* per-CPU counters of two CPUs do not subtract */
		sp->cross[dir][s]++;
		return 0;
	}
	c = &sp->cpu[pcpu];
	if (c->ng && c->g_cur.ts != at->ts && flush(sp, c))
		return -1;
	/* closing at or before the claim mark (an after-the-fact attach): all taken */
	if (c->have_mark && at->ts <= c->mark.ts)
		return add_delta(sp, c, dir, s, NULL, NULL);
	if (c->ng == c->capg) {
		uint32_t cap = c->capg ? 2 * c->capg : 8;
		struct pend *n = realloc(c->g, cap * sizeof(*n));

		if (!n)
			return -1;
		c->g = n;
		c->capg = cap;
	}
	if (!c->ng)
		c->g_cur = cur;
	c->g[c->ng++] = (struct pend){
	    .dir = (uint8_t)dir, .s = (uint8_t)s, .open = k->at[prev], .opened_ns = k->at[prev].ts};
	return 0;
}

void xpkt_simpmu_cpu_insns(const struct xpkt_simpmu *sp, uint16_t pcpu, uint64_t *total,
			   uint64_t *claimed)
{
	*total = *claimed = 0;
	if (pcpu >= sp->ncpu || !sp->cpu[pcpu].n)
		return;
	*total = sp->cpu[pcpu].last_insns - sp->cpu[pcpu].first_insns;
	*claimed = sp->cpu[pcpu].claimed;
}

int xpkt_simpmu_finish(struct xpkt_simpmu *sp, struct xpkt_results *out)
{
	static const char *const lvl[5] = {"l1i", "l1d", "l2", "itlb", "dtlb"};
	size_t used = 0;

	for (uint32_t i = 0; i < sp->ncpu; i++)
		if (sp->cpu[i].ng && flush(sp, &sp->cpu[i]))
			return -1;
	out->sim_known = 1;
	out->sim_records = sp->records;
	out->sim_model[0] = 0;
	for (unsigned i = 0; i < 5; i++) {
		int n;

		if (!sp->geo[i][0])
			continue;
		n = snprintf(out->sim_model + used, sizeof(out->sim_model) - used, "%s%s=%s",
			     used ? " " : "", lvl[i], sp->geo[i]);
		if (n < 0 || (size_t)n >= sizeof(out->sim_model) - used)
			break;
		used += (size_t)n;
	}
	out->sim_insns_total = out->sim_insns_claimed = 0;
	for (uint32_t i = 0; i < sp->ncpu; i++) {
		uint64_t t, c;

		xpkt_simpmu_cpu_insns(sp, (uint16_t)i, &t, &c);
		out->sim_insns_total += t;
		out->sim_insns_claimed += c;
	}
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++) {
			struct xpkt_stage_stats *st = &out->stages[d][s];

			st->sim_cross_cpu = sp->cross[d][s];
			st->sim_unpaired = sp->unpaired[d][s];
			for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
				struct xpkt_pmu_stats *ps = &st->sim[c];
				struct xpkt_hist *h = sp->hist[d][s][c];

				memset(ps, 0, sizeof(*ps));
				if (!h)
					continue;
				ps->count = xpkt_hist_count(h);
				ps->sum = sp->sum[d][s][c];
				ps->mean = (double)ps->sum / (double)ps->count;
				ps->min = xpkt_hist_min(h);
				ps->max = xpkt_hist_max(h);
				ps->p50 = xpkt_hist_quantile(h, 0.50);
				ps->p99 = xpkt_hist_quantile(h, 0.99);
				ps->hist = h; /* ownership moves to out */
				sp->hist[d][s][c] = NULL;
			}
		}
	return 0;
}
