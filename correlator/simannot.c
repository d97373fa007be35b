// SPDX-License-Identifier: GPL-2.0
/*
 * simannot.c - per-block simulated counts by stage and domain (see
 * simannot.h; docs/correlation.md section 14).
 *
 * A block event waits in its physical CPU's queue until simpmu says who
 * took the record interval it belongs to (the interval closing at the
 * event's ts), then is added into a hash table keyed by (stage, domain,
 * domid, ip). Memory: the table (distinct blocks per stage, ~100 B each)
 * and the events of intervals not yet settled, which can be hundreds of
 * millions in a testbed run, so they wait encoded: per interval a header,
 * per block its address and the counts as LEB128 (~20 bytes, not 72).
 */
#include <stdlib.h>
#include <string.h>

#include "correlator/simannot.h"
#include "lib/leb128.h"

#define MAX_PCPU   4096
#define DOMID_IDLE 0x7fffu /* Xen's idle domain: only Xen's code runs there */
/* Intervals a CPU may hold for us: ~235 blocks of ~20 bytes each in a
 * testbed run, so 16384 of them are ~80 MB per CPU (x2 while the buffer
 * grows); at 100 us periods that is over 1.6 s of the CPU's time. */
#define MAX_UNSETTLED (1u << 14)

/* One queued block, decoded, with the domain its code is. */
struct pend {
	uint64_t ip;
	uint8_t domain;
	uint16_t domid;
	uint32_t c[XPKT_SIMTB_COUNTERS];
};

/* A run of queued blocks of one interval: this header, then n blocks. */
struct qhead {
	uint64_t ts;
	int32_t dom; /* the interval's domain (simpmu_domain_at), -1 unknown */
	uint32_t n;
};

/* A CPU's queue: bytes [head, used) of buf; last = the open run's header. */
struct cpuq {
	uint8_t *buf;
	size_t head, used, cap, last;
	int have_last;
};

struct xpkt_simannot {
	struct xpkt_simpmu *sp;
	uint16_t driver_domid;
	struct cpuq *cpu;
	uint32_t ncpu;
	struct xpkt_sim_block *tab; /* open addressing; stage -2 = an empty slot */
	uint64_t cap, used;
	uint64_t entries, unowned, no_stage;
};

static int owner(void *arg, uint16_t pcpu, uint64_t prev_ts, uint64_t rec_ts, int dir, int s);

struct xpkt_simannot *xpkt_simannot_new(struct xpkt_simpmu *sp, uint16_t driver_domid)
{
	struct xpkt_simannot *an = calloc(1, sizeof(*an));

	if (!an)
		return NULL;
	an->sp = sp;
	an->driver_domid = driver_domid;
	if (xpkt_simpmu_listen(sp, owner, an, MAX_UNSETTLED)) {
		free(an);
		return NULL;
	}
	return an;
}

void xpkt_simannot_free(struct xpkt_simannot *an)
{
	if (!an)
		return;
	for (uint32_t i = 0; i < an->ncpu; i++)
		free(an->cpu[i].buf);
	free(an->cpu);
	free(an->tab);
	free(an);
}

static uint64_t key_hash(uint64_t ip, int dir, int s, uint8_t domain, uint16_t domid)
{
	uint64_t h = ip * 0x9e3779b97f4a7c15ull ^
		     ((uint64_t)(uint8_t)dir << 40 | (uint64_t)(uint8_t)s << 32 |
		      (uint64_t)domain << 16 | domid) *
			 0xc2b2ae3d27d4eb4full;

	return h ^ (h >> 31);
}

static int is_empty(const struct xpkt_sim_block *b)
{
	return b->stage == -2;
}

static int grow(struct xpkt_simannot *an)
{
	uint64_t cap = an->cap ? 2 * an->cap : 4096;
	struct xpkt_sim_block *t = malloc(cap * sizeof(*t));

	if (!t)
		return -1;
	for (uint64_t i = 0; i < cap; i++)
		t[i].stage = -2;
	for (uint64_t i = 0; i < an->cap; i++) {
		const struct xpkt_sim_block *b = &an->tab[i];
		uint64_t k;

		if (is_empty(b))
			continue;
		for (k = key_hash(b->ip, b->dir, b->stage, b->domain, b->domid) & (cap - 1);
		     !is_empty(&t[k]); k = (k + 1) & (cap - 1))
			;
		t[k] = *b;
	}
	free(an->tab);
	an->tab = t;
	an->cap = cap;
	return 0;
}

static int add(struct xpkt_simannot *an, const struct pend *e, int dir, int s)
{
	struct xpkt_sim_block *b;
	uint64_t k;

	if (2 * (an->used + 1) > an->cap && grow(an))
		return -1;
	for (k = key_hash(e->ip, dir, s, e->domain, e->domid) & (an->cap - 1);;
	     k = (k + 1) & (an->cap - 1)) {
		b = &an->tab[k];
		if (is_empty(b)) {
			memset(b, 0, sizeof(*b));
			b->ip = e->ip;
			b->dir = (int8_t)dir;
			b->stage = (int8_t)s;
			b->domain = e->domain;
			b->domid = e->domid;
			an->used++;
			break;
		}
		if (b->ip == e->ip && b->dir == dir && b->stage == s && b->domain == e->domain &&
		    b->domid == e->domid)
			break;
	}
	for (unsigned i = 0; i < XPKT_SIMTB_COUNTERS; i++)
		b->c[i] += e->c[i];
	return 0;
}

/* Whose code a block is: Xen's range is Xen's whoever ran; otherwise the
 * domain the CPU ran when its interval began. */
static void classify(const struct xpkt_simannot *an, int dom, struct pend *e)
{
	e->domid = dom < 0 ? XPKT_DOMID_NONE : (uint16_t)dom;
	if (e->ip >= XPKT_XEN_VA_START && e->ip < XPKT_XEN_VA_END)
		e->domain = XPKT_DOM_XEN;
	else if (dom < 0)
		e->domain = XPKT_DOM_COUNT;
	else if (dom == DOMID_IDLE)
		e->domain = XPKT_DOM_XEN;
	else
		e->domain = dom == an->driver_domid ? XPKT_DOM_DOM0 : XPKT_DOM_GUEST;
	if (e->domain == XPKT_DOM_XEN)
		e->domid = XPKT_DOMID_NONE;
}

/*
 * Pops the CPU's oldest run if it closes at or before rec_ts (1), adding
 * its blocks to (dir, s); a run closing before rec_ts is of an interval
 * no owner was told of. 0: nothing to pop; -1 out of memory.
 */
static int pop_run(struct xpkt_simannot *an, struct cpuq *c, uint64_t rec_ts, int dir, int s)
{
	struct qhead h;
	size_t at;

	if (c->head == c->used)
		return 0;
	memcpy(&h, c->buf + c->head, sizeof(h));
	if (h.ts > rec_ts)
		return 0;
	if (h.ts < rec_ts) {
		an->unowned += h.n;
		dir = s = -1;
	} else if (dir < 0) {
		an->no_stage += h.n;
		dir = s = -1;
	}
	at = c->head + sizeof(h);
	for (uint32_t i = 0; i < h.n; i++) {
		struct pend e;

		memcpy(&e.ip, c->buf + at, 8);
		at += 8;
		for (unsigned k = 0; k < XPKT_SIMTB_COUNTERS; k++)
			(void)xpkt_leb128_get32(c->buf, &at, c->used, &e.c[k]); /* ours */
		classify(an, h.dom, &e);
		if (add(an, &e, dir, s))
			return -1;
	}
	if (c->have_last && c->last == c->head)
		c->have_last = 0;
	c->head = at;
	if (c->head == c->used)
		c->head = c->used = 0;
	return 1;
}

/* The queued blocks of the interval closing at rec_ts go to (dir, s). */
static int owner(void *arg, uint16_t pcpu, uint64_t prev_ts, uint64_t rec_ts, int dir, int s)
{
	struct xpkt_simannot *an = arg;
	int rc;

	(void)prev_ts;
	if (pcpu >= an->ncpu)
		return 0;
	while ((rc = pop_run(an, &an->cpu[pcpu], rec_ts, dir, s)) == 1)
		;
	return rc;
}

int xpkt_simannot_event(struct xpkt_simannot *an, const struct xpkt_event *ev)
{
	const size_t max_block = 8 + 5 * XPKT_SIMTB_COUNTERS;
	uint32_t v[XPKT_SIMTB_COUNTERS];
	struct cpuq *c;
	struct qhead h;

	an->entries++;
	if (ev->cpu >= MAX_PCPU)
		return 0;
	if (ev->cpu >= an->ncpu) {
		uint32_t n = (uint32_t)ev->cpu + 1;
		struct cpuq *q = realloc(an->cpu, n * sizeof(*q));

		if (!q)
			return -1;
		memset(q + an->ncpu, 0, (n - an->ncpu) * sizeof(*q));
		an->cpu = q;
		an->ncpu = n;
	}
	c = &an->cpu[ev->cpu];
	if (c->cap - c->used < sizeof(h) + max_block) {
		/* slide the live bytes down, or grow */
		if (c->head > c->used / 2) {
			memmove(c->buf, c->buf + c->head, c->used - c->head);
			c->used -= c->head;
			c->last -= c->head;
			c->head = 0;
		} else {
			size_t cap = c->cap ? 2 * c->cap : 1 << 16;
			uint8_t *b = realloc(c->buf, cap);

			if (!b)
				return -1;
			c->buf = b;
			c->cap = cap;
		}
	}
	if (c->have_last)
		memcpy(&h, c->buf + c->last, sizeof(h));
	if (!c->have_last || h.ts != ev->ts) {
		/* a new interval: its domain is the one the CPU ran at its
		 * start, the CPU's previous record */
		h.ts = ev->ts;
		h.dom = xpkt_simpmu_domain_at(an->sp, ev->cpu,
					      xpkt_simpmu_last_record(an->sp, ev->cpu));
		h.n = 0;
		c->last = c->used;
		c->have_last = 1;
		c->used += sizeof(h);
	}
	h.n++;
	memcpy(c->buf + c->last, &h, sizeof(h));
	memcpy(c->buf + c->used, &ev->ip, 8);
	c->used += 8;
	xpkt_sim_tb_get(ev, v);
	for (unsigned k = 0; k < XPKT_SIMTB_COUNTERS; k++)
		c->used += xpkt_leb128_put(c->buf + c->used, v[k]);
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct xpkt_sim_block *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->domid != y->domid)
		return x->domid < y->domid ? -1 : 1;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

int xpkt_simannot_finish(struct xpkt_simannot *an, struct xpkt_results *out)
{
	struct xpkt_sim_annot *sa;
	uint64_t n = 0;

	if (!an->entries)
		return 0; /* a stream without annotate=1: no table at all */
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return -1;
	/* blocks still queued: intervals no owner was told of */
	for (uint32_t i = 0; i < an->ncpu; i++) {
		int rc;

		while ((rc = pop_run(an, &an->cpu[i], UINT64_MAX, -1, -1)) == 1)
			;
		if (rc) {
			free(sa);
			return -1;
		}
	}
	for (uint64_t i = 0; i < an->cap; i++)
		if (!is_empty(&an->tab[i]))
			an->tab[n++] = an->tab[i];
	qsort(an->tab, n, sizeof(*an->tab), by_key);
	sa->blocks = an->tab;
	sa->nblocks = n;
	sa->entries = an->entries;
	sa->unowned = an->unowned;
	sa->no_stage = an->no_stage;
	an->tab = NULL;
	an->cap = an->used = 0;
	free(out->sim_annot ? out->sim_annot->blocks : NULL);
	free(out->sim_annot);
	out->sim_annot = sa;
	return 0;
}
