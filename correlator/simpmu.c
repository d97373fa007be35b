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

#define RING	      4096 /* records kept per physical CPU: 40 ms at the plugin's 10 us */
#define MAX_PCPU      4096
#define NO_PCPU	      0xffffu
#define SWITCHES      256 /* XEN_SWITCHes remembered per physical CPU (domain_at) */
#define MAX_LISTENERS 4

struct snap {
	uint64_t ts;
	uint64_t rec_ts; /* the record the counters are from (its ts) */
	uint64_t v[XPKT_SIM_COUNTERS];
};

/* A record interval (prev, ts] waiting for its owner. */
struct ival {
	uint64_t prev, ts;
};

/* A stage's share of a flush: the record intervals ending in (lo, hi]. */
struct take {
	uint64_t lo, hi;
	uint8_t dir, s;
};

/* A live packet's stage counters on a CPU: a future interval may open there. */
struct opener {
	uint64_t rec_ts;
	uint32_t p, gen;
	uint8_t s;
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
	/* listeners: record intervals not yet settled, oldest at q[qhead] */
	uint64_t last_rec_ts;
	uint8_t have_rec;
	struct ival *q;
	uint32_t qhead, qn, qcap;
	struct take *take;
	uint32_t ntake, captake;
	uint64_t told_upto; /* intervals ending at or before it were told */
	/* listeners: a min-heap by rec_ts of where live packets' stages on this
	 * CPU could open a later interval (stale entries dropped when on top) */
	struct opener *op;
	uint32_t nop, capop;
	/* recent XEN_SWITCHes to this CPU: (ts, next domid), a ring */
	uint64_t sw_ts[SWITCHES];
	uint16_t sw_dom[SWITCHES];
	uint32_t sw_n;
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
	uint64_t forced;	/* intervals settled as "no stage" for lack of room */
	uint64_t late;		/* claims reaching back into intervals already told */
	uint32_t max_unsettled; /* the listeners' least room, in intervals per CPU */
	struct {
		xpkt_simpmu_owner_fn fn;
		void *arg;
	} lis[MAX_LISTENERS];
	unsigned nlis;
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
		free(sp->cpu[i].q);
		free(sp->cpu[i].take);
		free(sp->cpu[i].op);
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

int xpkt_simpmu_listen(struct xpkt_simpmu *sp, xpkt_simpmu_owner_fn fn, void *arg,
		       uint32_t max_unsettled)
{
	if (sp->nlis == MAX_LISTENERS)
		return -1;
	if (!sp->nlis || max_unsettled < sp->max_unsettled)
		sp->max_unsettled = max_unsettled ? max_unsettled : 1;
	sp->lis[sp->nlis].fn = fn;
	sp->lis[sp->nlis].arg = arg;
	sp->nlis++;
	return 0;
}

static int tell(struct xpkt_simpmu *sp, uint16_t pcpu, const struct ival *iv, int dir, int s)
{
	for (unsigned i = 0; i < sp->nlis; i++)
		if (sp->lis[i].fn(sp->lis[i].arg, pcpu, iv->prev, iv->ts, dir, s))
			return -1;
	return 0;
}

/*
 * Tells the owners of CPU c's queued intervals that end at or before
 * upto: the take (from the flush just done) whose range holds the
 * interval's end, else no stage. Takes are disjoint, and exist only
 * during a flush (it empties them): settled anywhere else, an interval
 * is no stage's.
 */
static int settle(struct xpkt_simpmu *sp, struct pcpu *c, uint16_t pcpu, uint64_t upto)
{
	while (c->qn) {
		const struct ival *iv = &c->q[c->qhead];
		int dir = -1, s = -1;

		if (iv->ts > upto)
			break;
		for (uint32_t k = 0; k < c->ntake; k++)
			if (c->take[k].lo < iv->ts && iv->ts <= c->take[k].hi) {
				dir = c->take[k].dir;
				s = c->take[k].s;
				break;
			}
		if (tell(sp, pcpu, iv, dir, s))
			return -1;
		c->told_upto = iv->ts;
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qn--;
	}
	return 0;
}

static int queue_ival(struct xpkt_simpmu *sp, struct pcpu *c, uint16_t pcpu, uint64_t prev,
		      uint64_t ts)
{
	if (c->qn >= sp->max_unsettled) {
		/* no stage can still claim it without one closing for ages: give up on it */
		if (settle(sp, c, pcpu, c->q[c->qhead].ts))
			return -1;
		sp->forced++;
	}
	if (c->qn == c->qcap) {
		uint32_t cap = c->qcap ? 2 * c->qcap : 1024;
		struct ival *n = malloc(cap * sizeof(*n));

		if (!n)
			return -1;
		for (uint32_t k = 0; k < c->qn; k++)
			n[k] = c->q[(c->qhead + k) % c->qcap];
		free(c->q);
		c->q = n;
		c->qcap = cap;
		c->qhead = 0;
	}
	c->q[(c->qhead + c->qn) % c->qcap] = (struct ival){.prev = prev, .ts = ts};
	c->qn++;
	return 0;
}

static int op_push(struct pcpu *c, struct opener o)
{
	uint32_t i;

	if (c->nop == c->capop) {
		uint32_t cap = c->capop ? 2 * c->capop : 256;
		struct opener *n = realloc(c->op, cap * sizeof(*n));

		if (!n)
			return -1;
		c->op = n;
		c->capop = cap;
	}
	for (i = c->nop++; i && c->op[(i - 1) / 2].rec_ts > o.rec_ts; i = (i - 1) / 2)
		c->op[i] = c->op[(i - 1) / 2];
	c->op[i] = o;
	return 0;
}

static void op_pop(struct pcpu *c)
{
	struct opener last = c->op[--c->nop];
	uint32_t i = 0;

	for (;;) {
		uint32_t k = 2 * i + 1;

		if (k >= c->nop)
			break;
		if (k + 1 < c->nop && c->op[k + 1].rec_ts < c->op[k].rec_ts)
			k++;
		if (c->op[k].rec_ts >= last.rec_ts)
			break;
		c->op[i] = c->op[k];
		i = k;
	}
	if (c->nop)
		c->op[i] = last;
}

/*
 * The earliest record a later claim on CPU c could start after: the
 * oldest counters a live packet holds on c (an interval opens at its
 * packet's previous stage, as of that stage), or a pending one's open.
 * Intervals ending at or before it will never be claimed.
 */
static uint64_t claim_floor(const struct xpkt_simpmu *sp, struct pcpu *c)
{
	uint64_t floor = UINT64_MAX;

	while (c->nop) {
		const struct opener *o = &c->op[0];
		const struct spkt *k = o->p < sp->cappk ? &sp->pk[o->p] : NULL;

		if (k && k->gen == o->gen && (k->have >> o->s & 1) &&
		    k->pcpu[o->s] == (uint16_t)(c - sp->cpu) && k->at[o->s].rec_ts == o->rec_ts)
			break;
		op_pop(c); /* the packet ended, or that stage's counters changed */
	}
	if (c->nop)
		floor = c->op[0].rec_ts;
	for (uint32_t k = 0; k < c->ng; k++)
		if (c->g[k].open.rec_ts < floor)
			floor = c->g[k].open.rec_ts;
	return floor;
}

int xpkt_simpmu_end(struct xpkt_simpmu *sp, uint32_t p)
{
	if (p < sp->cappk)
		sp->pk[p].have = 0; /* its openers go stale */
	return 0;
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
	if (sp->nlis && c->have_rec && queue_ival(sp, c, ev->cpu, c->last_rec_ts, ev->ts))
		return -1;
	/* nothing can claim what ends before the oldest open still possible;
	 * the floor is also what keeps the openers' heap free of stale tops */
	{
		uint64_t floor = claim_floor(sp, c);

		if (sp->nlis && c->qn && floor != UINT64_MAX && c->q[c->qhead].ts <= floor &&
		    settle(sp, c, ev->cpu, floor))
			return -1;
	}
	c->last_rec_ts = ev->ts;
	c->have_rec = 1;
	e = &c->ring[c->head];
	e->ts = e->rec_ts = ev->ts;
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
	if (ev->cpu < MAX_PCPU) {
		struct pcpu *c = get_cpu(sp, ev->cpu);

		if (!c)
			return -1;
		c->sw_ts[c->sw_n % SWITCHES] = ev->ts;
		c->sw_dom[c->sw_n % SWITCHES] = ev->domid;
		c->sw_n++;
	}
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

int xpkt_simpmu_domain_at(const struct xpkt_simpmu *sp, uint16_t pcpu, uint64_t ts)
{
	const struct pcpu *c;
	uint32_t n;

	if (pcpu >= sp->ncpu)
		return -1;
	c = &sp->cpu[pcpu];
	n = c->sw_n < SWITCHES ? c->sw_n : SWITCHES;
	for (uint32_t k = 1; k <= n; k++) {
		uint32_t i = (c->sw_n - k) % SWITCHES;

		if (c->sw_ts[i] <= ts)
			return c->sw_dom[i];
	}
	return -1;
}

uint64_t xpkt_simpmu_last_record(const struct xpkt_simpmu *sp, uint16_t pcpu)
{
	return pcpu < sp->ncpu && sp->cpu[pcpu].have_rec ? sp->cpu[pcpu].last_rec_ts : 0;
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
			out->rec_ts = e->ts;
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
 * A stage's share of the flush under way, for settle(). A claim covering
 * intervals the listeners were already told of (given up on, or settled by
 * the floor) is counted: its stage's delta counts work they put elsewhere,
 * and the outputs say their sums fall short.
 */
static int add_take(struct xpkt_simpmu *sp, struct pcpu *c, const struct snap *hi,
		    const struct snap *lo, unsigned dir, unsigned s)
{
	if (c->ntake == c->captake) {
		uint32_t cap = c->captake ? 2 * c->captake : 8;
		struct take *n = realloc(c->take, cap * sizeof(*n));

		if (!n)
			return -1;
		c->take = n;
		c->captake = cap;
	}
	c->take[c->ntake++] =
	    (struct take){.lo = lo->rec_ts, .hi = hi->rec_ts, .dir = (uint8_t)dir, .s = (uint8_t)s};
	if (c->told_upto > lo->rec_ts)
		sp->late++;
	return 0;
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

	/* what the CPU ran before its claim mark is earlier intervals'. An open
	 * at the mark's very ns may predate a record of that ns (merged after
	 * the event that opened it, before the mark was taken): by record too */
	for (uint32_t k = 0; k < c->ng; k++)
		if (c->have_mark &&
		    (c->mark.ts > c->g[k].open.ts || c->mark.rec_ts > c->g[k].open.rec_ts))
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
		if (sp->nlis && add_take(sp, c, upper, lo, e->dir, e->s))
			return -1;
		upper = lo;
	}
	c->mark = c->g_cur;
	c->have_mark = 1;
	c->ng = 0;
	/* later intervals open at the mark or after: nothing up to it can change owner */
	if (sp->nlis && settle(sp, c, (uint16_t)(c - sp->cpu), c->mark.rec_ts))
		return -1;
	c->ntake = 0;
	return 0;
}

int xpkt_simpmu_attach(struct xpkt_simpmu *sp, uint32_t p, uint32_t gen, unsigned dir, unsigned s,
		       int prev, const struct xpkt_simpmu_at *at)
{
	uint16_t pcpu = pcpu_of(sp, at);
	struct spkt *k = get_pkt(sp, p, gen);
	struct snap cur, open;
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
		/* kept with or without listeners: one may come later */
		if (op_push(
			&sp->cpu[pcpu],
			(struct opener){.rec_ts = cur.rec_ts, .p = p, .gen = gen, .s = (uint8_t)s}))
			return -1;
	}
	if ((prev < 0 || prev >= XPKT_MAX_STAGES) && !at->wire_open)
		return 0; /* an origin: no interval */
	if (prev < 0 || prev >= XPKT_MAX_STAGES) {
		/* after the wire alone: from the wire's time on this CPU, the
		 * counters an event then would have seen (a record of the same ns
		 * comes after it: the stream is the manifest's last source) */
		if (!have_cur || !at->open_ts || !counters_at(sp, pcpu, at->open_ts - 1, &open)) {
			sp->unpaired[dir][s]++;
			return 0;
		}
	} else if (!have_cur || !(k->have & (1u << prev))) {
		sp->unpaired[dir][s]++;
		return 0;
	} else if (k->pcpu[prev] != pcpu) {
		/* per-CPU counters of two CPUs do not subtract */
		sp->cross[dir][s]++;
		return 0;
	} else {
		open = k->at[prev];
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
	c->g[c->ng++] =
	    (struct pend){.dir = (uint8_t)dir, .s = (uint8_t)s, .open = open, .opened_ns = open.ts};
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

	for (uint32_t i = 0; i < sp->ncpu; i++) {
		if (sp->cpu[i].ng && flush(sp, &sp->cpu[i]))
			return -1;
		if (settle(sp, &sp->cpu[i], (uint16_t)i, UINT64_MAX))
			return -1;
	}
	out->sim_known = 1;
	out->sim_ivals_forced = sp->forced;
	out->sim_claims_late = sp->late;
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
