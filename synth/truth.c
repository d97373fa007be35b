// SPDX-License-Identifier: GPL-2.0
/*
 * truth.c - the generator's ground truth (docs/correlation.md sections 5-8).
 *
 * The generator knows every packet's identities, so truth needs no joining:
 * a stage is attached when its event was recorded and its key_from stage
 * was attached. Only the window rows (SWITCH_IN, UNMAP_CALL) depend on Xen
 * records shared between packets; those are settled here as the Xen
 * records are written, in time order: a switch window (lo, hi) takes the
 * first recorded matching record after lo, if it comes before hi; an unmap
 * window (SIM_TARGET_UNMAP) the last recorded one before hi, if it comes
 * after lo (netback logs tx_unmap after its unmap hypercall). A packet
 * is counted once all its windows are settled. Statistics are exact: every
 * sample is kept (32 bits each: packet lives are far below 4 s) and sorted
 * at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/sim.h"
#include "tracepoints/drop_reasons.h"

struct win {
	uint64_t lo, hi;
	struct sim_tpkt *p;
	unsigned stage;
};

struct win_heap {
	struct win *v;
	size_t n, cap;
	int by_hi;	  /* "last before hi" windows: ordered by hi, not lo */
	uint64_t prev_ns; /* latest record of the target so far (by_hi), or SIM_NS_NEVER */
};

struct samples {
	uint32_t *v;
	size_t n, cap;
};

/* --- pmu-sim deltas (docs/correlation.md section 13) ------------------------------------- */

#define NO_PCPU 0xffffu

/* One stage interval of an attached stage: where and when each end ran. */
struct sim_iv {
	uint64_t proc_ns;		 /* when the correlator attaches it */
	uint64_t ts, open_ns, opened_ns; /* opened_ns: open_ns before a claim mark moved it */
	uint8_t dir, stage, retro;	 /* retro: attached after the fact, before proc_ns's own */
	uint8_t dom, open_dom;
	uint16_t cpu, open_cpu;
	uint8_t wire_open; /* opens at the wire's time, on the closing end's CPU */
	uint16_t pcpu;	   /* resolved at finish */
};

struct sim_first_switch {
	uint16_t dom, vcpu, pcpu;
	uint64_t ns;
};

struct sim_truth_pmusim {
	int on;
	uint16_t guest_domid, dom0_domid;
	struct sim_iv *iv;
	size_t niv, capiv;
	struct sim_first_switch sw[64];
	unsigned nsw;
	struct samples v[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_SIM_COUNTERS];
	uint64_t sum[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_SIM_COUNTERS];
	uint64_t cross[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t unpaired[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t claimed;
	/* annotation (section 14): the blocks' counts of the record intervals each stage took */
	uint64_t block[XPKT_DIR_COUNT][XPKT_MAX_STAGES][SIM_PMUSIM_BLOCKS][XPKT_SIMTB_COUNTERS];
};

struct sim_truth {
	struct win_heap wins[SIM_TARGETS];
	struct samples samples[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t origin_count[XPKT_DIR_COUNT];
	uint64_t unattributed[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t hot_calls[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_HOT_COUNT];
	uint64_t hot_bytes[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_HOT_COUNT];
	struct xpkt_packet_counts packets, by_dir[XPKT_DIR_COUNT];
	struct sim_tpkt *free_list;
	uint64_t in_flight;
	int oom;
	/* PMU deltas (docs/correlation.md section 11), exact */
	unsigned npmu;
	struct samples pmu[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_PMU_MAX];
	uint64_t pmu_sum[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_PMU_MAX];
	uint64_t pmu_cross[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t pmu_unpaired[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	struct sim_truth_pmusim ps; /* pmu-sim deltas (section 13), when on */
};

void sim_truth_set_pmu(struct sim_truth *t, unsigned ncounters)
{
	t->npmu = ncounters;
}

struct sim_truth *sim_truth_new(struct xpkt_err *err)
{
	struct sim_truth *t = calloc(1, sizeof(*t));

	if (!t) {
		xpkt_err_set(err, "synth: out of memory");
		return NULL;
	}
	t->wins[SIM_TARGET_UNMAP].by_hi = 1;
	t->wins[SIM_TARGET_UNMAP].prev_ns = SIM_NS_NEVER;
	return t;
}

struct sim_tpkt *sim_truth_pkt(struct sim_truth *t)
{
	struct sim_tpkt *p = t->free_list;

	if (p)
		t->free_list = p->next;
	else
		p = malloc(sizeof(*p));
	if (!p) {
		t->oom = 1;
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	t->in_flight++;
	return p;
}

static int win_less(const struct win_heap *h, const struct win *a, const struct win *b)
{
	return h->by_hi ? a->hi < b->hi : a->lo < b->lo;
}

static int win_push(struct win_heap *h, struct win w)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 256;
		struct win *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	while (i && win_less(h, &w, &h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = w;
	return 0;
}

static struct win win_pop(struct win_heap *h)
{
	struct win top = h->v[0], last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && win_less(h, &h->v[c + 1], &h->v[c]))
			c++;
		if (!win_less(h, &h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

int sim_truth_window(struct sim_truth *t, struct sim_tpkt *p, int target, unsigned stage,
		     uint64_t lo_ns, uint64_t hi_ns)
{
	struct win w = {lo_ns, hi_ns, p, stage};

	if (win_push(&t->wins[target], w)) {
		t->oom = 1;
		return -1;
	}
	p->pending++;
	return 0;
}

static int sample_add(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		uint32_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = (uint32_t)(v > UINT32_MAX ? UINT32_MAX : v);
	return 0;
}

static void count_packet(struct xpkt_packet_counts *c, const char *partial, const char *drop)
{
	c->total++;
	if (drop) {
		c->dropped++;
		xpkt_reason_add(c->drop_reasons, &c->ndrop_reasons, drop, 1);
	} else if (partial) {
		c->partial++;
		xpkt_reason_add(c->partial_reasons, &c->npartial_reasons, partial, 1);
	} else {
		c->complete++;
	}
}

/*
 * Stage i of p was read with counters; prev is its previous attached stage.
 * A delta needs prev read on the same CPU of the same kernel, every counter
 * not smaller; the generator's values only grow along a packet, so the
 * last case is there to mirror the correlator's rule.
 */
static void pmu_delta(struct sim_truth *t, const struct sim_tpkt *p, unsigned prev, unsigned i)
{
	if (!(p->pmu_have & (1u << prev)) || p->dom[prev] != p->dom[i]) {
		t->pmu_unpaired[p->dir][i]++;
		return;
	}
	if (p->cpu[prev] != p->cpu[i]) {
		t->pmu_cross[p->dir][i]++;
		return;
	}
	for (unsigned c = 0; c < t->npmu; c++)
		if (p->pmu[i][c] < p->pmu[prev][c]) {
			t->pmu_unpaired[p->dir][i]++;
			return;
		}
	for (unsigned c = 0; c < t->npmu; c++) {
		uint64_t d = p->pmu[i][c] - p->pmu[prev][c];

		t->pmu_sum[p->dir][i][c] += d;
		if (sample_add(&t->pmu[p->dir][i][c], d))
			t->oom = 1;
	}
}

/* --- pmu-sim deltas: collected per packet, replayed at finish ------------------------------ */

void sim_truth_set_pmusim(struct sim_truth *t, uint16_t guest_domid, uint16_t dom0_domid)
{
	t->ps.on = 1;
	t->ps.guest_domid = guest_domid;
	t->ps.dom0_domid = dom0_domid;
}

/* A recorded switch-in: the generator keeps each vCPU on one pCPU, so the first one decides. */
int sim_truth_switch(struct sim_truth *t, uint16_t dom, uint16_t vcpu, unsigned pcpu, uint64_t ns)
{
	struct sim_truth_pmusim *ps = &t->ps;

	if (!ps->on)
		return 0;
	for (unsigned i = 0; i < ps->nsw; i++)
		if (ps->sw[i].dom == dom && ps->sw[i].vcpu == vcpu) {
			if (ns < ps->sw[i].ns)
				ps->sw[i].ns = ns;
			return 0;
		}
	if (ps->nsw == sizeof(ps->sw) / sizeof(ps->sw[0]))
		return -1;
	ps->sw[ps->nsw++] =
	    (struct sim_first_switch){.dom = dom, .vcpu = vcpu, .pcpu = (uint16_t)pcpu, .ns = ns};
	return 0;
}

/* Stage i of p attached after stage prev: remember the interval. */
static void pmusim_note(struct sim_truth *t, const struct sim_tpkt *p,
			const struct xpkt_stage *rows, unsigned prev, unsigned i, int wire_open)
{
	struct sim_truth_pmusim *ps = &t->ps;
	struct sim_iv *v;

	if (ps->niv == ps->capiv) {
		size_t cap = ps->capiv ? 2 * ps->capiv : 1024;
		struct sim_iv *n = realloc(ps->iv, cap * sizeof(*n));

		if (!n) {
			t->oom = 1;
			return;
		}
		ps->iv = n;
		ps->capiv = cap;
	}
	v = &ps->iv[ps->niv++];
	memset(v, 0, sizeof(*v));
	v->ts = p->ns[i];
	v->open_ns = v->opened_ns = p->ns[prev];
	v->dir = (uint8_t)p->dir;
	v->stage = (uint8_t)i;
	v->dom = p->dom[i];
	v->cpu = p->cpu[i];
	v->open_dom = p->dom[prev];
	v->open_cpu = p->cpu[prev];
	v->wire_open = (uint8_t)wire_open;
	/* the unmap call is attached by the next row's event, just before that row */
	v->retro = rows[i].join == XPKT_JOIN_UNMAP_CALL;
	v->proc_ns = v->retro ? p->ns[i + 1] : p->ns[i];
}

/* The physical CPU an end ran on: Xen's own, or a Linux vCPU's once a switch-in placed it. */
static uint16_t pmusim_pcpu(const struct sim_truth_pmusim *ps, unsigned dom, uint16_t cpu,
			    uint64_t ns)
{
	uint16_t domid;

	if (dom == XPKT_DOM_XEN)
		return cpu;
	if (dom != XPKT_DOM_GUEST && dom != XPKT_DOM_DOM0)
		return NO_PCPU;
	domid = dom == XPKT_DOM_GUEST ? ps->guest_domid : ps->dom0_domid;
	for (unsigned i = 0; i < ps->nsw; i++)
		if (ps->sw[i].dom == domid && ps->sw[i].vcpu == cpu && ps->sw[i].ns < ns)
			return ps->sw[i].pcpu;
	return NO_PCPU;
}

/*
 * Counters of pcpu at ns: its last record before ns. Records are at even
 * multiples of the period; a Xen time is odd, and a Linux event sharing a
 * record's ns is merged before it (the stream is the manifest's last source).
 */
static void pmusim_at(uint16_t pcpu, uint64_t ns, uint64_t v[XPKT_SIM_COUNTERS])
{
	sim_pmusim_values(pcpu, (ns - 1) / SIM_PMUSIM_PERIOD_NS * SIM_PMUSIM_PERIOD_NS, v);
}

static void pmusim_sample(struct sim_truth *t, const struct sim_iv *v, uint64_t hi_ns,
			  uint64_t lo_ns)
{
	struct sim_truth_pmusim *ps = &t->ps;
	uint64_t hi[XPKT_SIM_COUNTERS] = {0}, lo[XPKT_SIM_COUNTERS] = {0};

	if (hi_ns > lo_ns) {
		pmusim_at(v->pcpu, hi_ns, hi);
		pmusim_at(v->pcpu, lo_ns, lo);
	}
	/* the record intervals (lo's record, hi's record] are the stage's, whole */
	if (hi_ns > lo_ns)
		for (uint64_t r = (lo_ns - 1) / SIM_PMUSIM_PERIOD_NS * SIM_PMUSIM_PERIOD_NS +
				  SIM_PMUSIM_PERIOD_NS;
		     r <= (hi_ns - 1) / SIM_PMUSIM_PERIOD_NS * SIM_PMUSIM_PERIOD_NS;
		     r += SIM_PMUSIM_PERIOD_NS) {
			uint32_t bc[XPKT_SIMTB_COUNTERS];
			uint64_t *acc = ps->block[v->dir][v->stage][sim_pmusim_block(r)];

			sim_pmusim_block_counts(v->pcpu, r, bc);
			for (unsigned c = 0; c < XPKT_SIMTB_COUNTERS; c++)
				acc[c] += bc[c];
		}
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
		ps->sum[v->dir][v->stage][c] += hi[c] - lo[c];
		if (sample_add(&ps->v[v->dir][v->stage][c], hi[c] - lo[c]))
			t->oom = 1;
	}
	ps->claimed += hi[XPKT_SIM_INSNS] - lo[XPKT_SIM_INSNS];
}

static int by_proc(const void *a, const void *b)
{
	const struct sim_iv *x = a, *y = b;

	if (x->proc_ns != y->proc_ns)
		return x->proc_ns < y->proc_ns ? -1 : 1;
	return (int)y->retro - (int)x->retro;
}

static int by_open_desc(const void *a, const void *b)
{
	const struct sim_iv *x = *(const struct sim_iv *const *)a,
			    *y = *(const struct sim_iv *const *)b;

	if (x->open_ns != y->open_ns)
		return x->open_ns < y->open_ns ? 1 : -1;
	if (x->opened_ns != y->opened_ns)
		return x->opened_ns < y->opened_ns ? 1 : -1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return (int)x->stage - (int)y->stage;
}

struct pmusim_cpu {
	uint64_t mark_ns, group_ns;
	int have_mark;
	struct sim_iv **g;
	size_t ng;
};

/* Intervals closing together: each gets the work since its open, up to the next later open. */
static void pmusim_flush(struct sim_truth *t, struct pmusim_cpu *c)
{
	uint64_t upper = c->group_ns;

	for (size_t k = 0; k < c->ng; k++)
		if (c->have_mark && c->mark_ns > c->g[k]->open_ns)
			c->g[k]->open_ns = c->mark_ns;
	qsort(c->g, c->ng, sizeof(*c->g), by_open_desc);
	for (size_t k = 0; k < c->ng; k++) {
		pmusim_sample(t, c->g[k], upper, c->g[k]->open_ns);
		if (c->g[k]->open_ns < upper)
			upper = c->g[k]->open_ns;
	}
	c->mark_ns = c->group_ns;
	c->have_mark = 1;
	c->ng = 0;
}

/*
 * The correlator's rule from identities: an interval with both ends on one
 * physical CPU takes that CPU's work not already taken, in the order the
 * correlator attaches (section 13).
 */
static void pmusim_replay(struct sim_truth *t)
{
	struct sim_truth_pmusim *ps = &t->ps;
	struct pmusim_cpu cpu[SIM_XEN_NCPUS];

	memset(cpu, 0, sizeof(cpu));
	for (unsigned i = 0; i < SIM_XEN_NCPUS; i++) {
		cpu[i].g = malloc((ps->niv ? ps->niv : 1) * sizeof(*cpu[i].g));
		if (!cpu[i].g)
			t->oom = 1;
	}
	qsort(ps->iv, ps->niv, sizeof(*ps->iv), by_proc);
	for (size_t k = 0; k < ps->niv && !t->oom; k++) {
		struct sim_iv *v = &ps->iv[k];
		uint16_t a;
		struct pmusim_cpu *c;

		v->pcpu = pmusim_pcpu(ps, v->dom, v->cpu, v->ts);
		a = v->wire_open ? v->pcpu : pmusim_pcpu(ps, v->open_dom, v->open_cpu, v->open_ns);
		if (a == NO_PCPU || v->pcpu == NO_PCPU) {
			ps->unpaired[v->dir][v->stage]++;
			continue;
		}
		if (a != v->pcpu) {
			ps->cross[v->dir][v->stage]++;
			continue;
		}
		c = &cpu[v->pcpu % SIM_XEN_NCPUS];
		if (c->ng && c->group_ns != v->ts)
			pmusim_flush(t, c);
		if (c->have_mark && v->ts <= c->mark_ns) {
			pmusim_sample(t, v, 0, 0); /* all taken already */
			continue;
		}
		c->group_ns = v->ts;
		c->g[c->ng++] = v;
	}
	for (unsigned i = 0; i < SIM_XEN_NCPUS; i++) {
		if (cpu[i].ng && !t->oom)
			pmusim_flush(t, &cpu[i]);
		free(cpu[i].g);
	}
}

/* All windows settled: samples and status, then the packet is gone. */
static void finalize(struct sim_truth *t, struct sim_tpkt *p)
{
	unsigned n;
	const struct xpkt_stage *rows = xpkt_stages(p->dir, &n);
	char partial[48], drop[48];
	const char *why_partial = NULL, *why_drop = NULL;
	int prev = -1, sim_prev = -1;

	for (unsigned i = 0; i < n; i++) {
		if (!(p->attached & (1u << i)))
			continue;
		if (rows[i].join == XPKT_JOIN_ORIGIN)
			t->origin_count[p->dir]++;
		else if (prev >= 0 && sample_add(&t->samples[p->dir][i], p->ns[i] - p->ns[prev]))
			t->oom = 1;
		if (prev >= 0 && (p->pmu_have & (1u << i)))
			pmu_delta(t, p, (unsigned)prev, i);
		if (sim_prev >= 0 && t->ps.on)
			pmusim_note(t, p, rows, (unsigned)sim_prev, i, 0);
		else if (prev >= 0 && t->ps.on) /* only the wire before it (section 13) */
			pmusim_note(t, p, rows, (unsigned)prev, i, 1);
		if (rows[i].domain != XPKT_DOM_WIRE) /* the wire is no CPU (section 13) */
			sim_prev = (int)i;
		prev = (int)i;
	}
	if (p->dropped) {
		why_drop = xpkt_drop_reason_format(p->drop_reason, drop, sizeof(drop));
	} else {
		for (unsigned i = 0; i < n; i++)
			if ((rows[i].flags & XPKT_STAGE_REQUIRED) && !(p->attached & (1u << i))) {
				snprintf(partial, sizeof(partial), "missing %s", rows[i].name);
				why_partial = partial;
				break;
			}
	}
	count_packet(&t->packets, why_partial, why_drop);
	count_packet(&t->by_dir[p->dir], why_partial, why_drop);
	p->next = t->free_list;
	t->free_list = p;
	t->in_flight--;
}

int sim_truth_add(struct sim_truth *t, struct sim_tpkt *p)
{
	if (!p->pending)
		finalize(t, p);
	return t->oom ? -1 : 0;
}

void sim_truth_unattributed(struct sim_truth *t, enum xpkt_dir d, unsigned stage, uint64_t n)
{
	t->unattributed[d][stage] += n;
}

void sim_truth_hot(struct sim_truth *t, enum xpkt_dir d, unsigned stage, unsigned h, uint64_t bytes)
{
	t->hot_calls[d][stage][h]++;
	t->hot_bytes[d][stage][h] += bytes;
}

static void settle(struct sim_truth *t, struct win w, uint64_t ns)
{
	if (ns < w.hi && ns > w.lo) {
		w.p->attached |= 1u << w.stage;
		w.p->ns[w.stage] = ns;
	}
	if (--w.p->pending == 0)
		finalize(t, w.p);
}

int sim_truth_xen(struct sim_truth *t, int target, uint64_t ns)
{
	struct win_heap *h = &t->wins[target];

	if (h->by_hi) {
		/* A record past a window's end settles it with the one before. */
		while (h->n && h->v[0].hi < ns)
			settle(t, win_pop(h), h->prev_ns);
		h->prev_ns = ns;
		return t->oom ? -1 : 0;
	}
	/* The first matching record after a window opens settles it either way. */
	while (h->n && h->v[0].lo < ns)
		settle(t, win_pop(h), ns);
	return t->oom ? -1 : 0;
}

/* LSD radix sort, 11 bits a pass: millions of samples per stage sort in linear time. */
static int sort_u32(uint32_t *v, size_t n)
{
	uint32_t *tmp = malloc(n * sizeof(*tmp)), *src = v, *dst = tmp;

	if (!tmp)
		return -1;
	for (unsigned shift = 0; shift < 33; shift += 11) {
		size_t count[2048] = {0}, sum = 0;

		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & 2047]++;
		for (size_t b = 0; b < 2048; b++) {
			size_t c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 2047]++] = src[i];
		src = dst;
		dst = dst == tmp ? v : tmp;
	}
	/* three passes: the sorted data ended in tmp */
	memcpy(v, src, n * sizeof(*v));
	free(tmp);
	return 0;
}

/* Nearest rank: the sample at rank ceil(q * count), q in thousandths, integer math. */
static uint64_t rank(const struct samples *s, uint64_t q_milli)
{
	uint64_t r = (q_milli * s->n + 999) / 1000;

	return s->v[(r ? r : 1) - 1];
}

const uint64_t *sim_truth_pmusim_block(const struct sim_truth *t, unsigned dir, unsigned stage,
				       unsigned block)
{
	return t->ps.block[dir][stage][block];
}

int sim_truth_finish(struct sim_truth *t, struct xpkt_results *r, struct xpkt_err *err)
{
	for (int k = 0; k < SIM_TARGETS; k++)
		while (t->wins[k].n)
			settle(t, win_pop(&t->wins[k]),
			       t->wins[k].by_hi ? t->wins[k].prev_ns : SIM_NS_NEVER);
	if (t->ps.on)
		pmusim_replay(t);
	if (t->oom)
		return xpkt_err_set(err, "synth: out of memory");
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *rows = xpkt_stages((enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			struct xpkt_stage_stats *st = &r->stages[d][i];
			struct samples *s = &t->samples[d][i];
			uint64_t sum = 0;

			memset(st, 0, sizeof(*st));
			st->unattributed = t->unattributed[d][i];
			memcpy(st->hot_calls, t->hot_calls[d][i], sizeof(st->hot_calls));
			memcpy(st->hot_bytes, t->hot_bytes[d][i], sizeof(st->hot_bytes));
			/* the generator's Xen has no flush record (stock 4.17) */
			st->inferred = !!(rows[i].flags & XPKT_STAGE_INFERRED);
			st->pmu_cross_cpu = t->pmu_cross[d][i];
			st->pmu_unpaired = t->pmu_unpaired[d][i];
			for (unsigned c = 0; c < t->npmu; c++) {
				struct samples *ps = &t->pmu[d][i][c];
				struct xpkt_pmu_stats *o = &st->pmu[c];

				if (!ps->n)
					continue;
				if (sort_u32(ps->v, ps->n))
					return xpkt_err_set(err, "synth: out of memory");
				o->count = ps->n;
				o->sum = t->pmu_sum[d][i][c];
				o->mean = (double)o->sum / (double)o->count;
				o->min = ps->v[0];
				o->max = ps->v[ps->n - 1];
				o->p50 = rank(ps, 500);
				o->p99 = rank(ps, 990);
			}
			st->sim_cross_cpu = t->ps.cross[d][i];
			st->sim_unpaired = t->ps.unpaired[d][i];
			for (unsigned c = 0; t->ps.on && c < XPKT_SIM_COUNTERS; c++) {
				struct samples *ps = &t->ps.v[d][i][c];
				struct xpkt_pmu_stats *o = &st->sim[c];

				if (!ps->n)
					continue;
				if (sort_u32(ps->v, ps->n))
					return xpkt_err_set(err, "synth: out of memory");
				o->count = ps->n;
				o->sum = t->ps.sum[d][i][c];
				o->mean = (double)o->sum / (double)o->count;
				o->min = ps->v[0];
				o->max = ps->v[ps->n - 1];
				o->p50 = rank(ps, 500);
				o->p99 = rank(ps, 990);
			}
			if (rows[i].join == XPKT_JOIN_ORIGIN) {
				st->count = t->origin_count[d];
				continue;
			}
			if (!s->n)
				continue;
			if (sort_u32(s->v, s->n))
				return xpkt_err_set(err, "synth: out of memory");
			for (size_t k = 0; k < s->n; k++)
				sum += s->v[k];
			st->count = s->n;
			st->total_ns = (double)sum;
			st->mean_ns = (double)sum / (double)s->n;
			st->min_ns = s->v[0];
			st->max_ns = s->v[s->n - 1];
			st->p50_ns = rank(s, 500);
			st->p90_ns = rank(s, 900);
			st->p99_ns = rank(s, 990);
			st->p999_ns = rank(s, 999);
		}
	}
	r->packets = t->packets;
	memcpy(r->by_dir, t->by_dir, sizeof(r->by_dir));
	r->sim_known = t->ps.on;
	r->sim_insns_claimed = t->ps.claimed;
	return 0;
}

uint64_t sim_truth_in_flight(const struct sim_truth *t)
{
	return t->in_flight;
}

void sim_truth_free(struct sim_truth *t)
{
	if (!t)
		return;
	/* after an error: packets still waiting are only reachable from their windows */
	for (int k = 0; k < SIM_TARGETS; k++)
		while (t->wins[k].n)
			settle(t, win_pop(&t->wins[k]), SIM_NS_NEVER);
	for (int k = 0; k < SIM_TARGETS; k++)
		free(t->wins[k].v);
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (int i = 0; i < XPKT_MAX_STAGES; i++) {
			free(t->samples[d][i].v);
			for (int c = 0; c < XPKT_PMU_MAX; c++)
				free(t->pmu[d][i][c].v);
			for (int c = 0; c < XPKT_SIM_COUNTERS; c++)
				free(t->ps.v[d][i][c].v);
		}
	free(t->ps.iv);
	while (t->free_list) {
		struct sim_tpkt *p = t->free_list;

		t->free_list = p->next;
		free(p);
	}
	free(t);
}
