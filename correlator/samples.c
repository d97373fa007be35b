// SPDX-License-Identifier: GPL-2.0
/*
 * samples.c - PC samples to stage intervals (samples.h).
 *
 * Per (source, CPU) a ring of the busy samples not yet decided, in time
 * order (a source's events are sorted, so appends keep it sorted). An
 * interval (prev, ts] claims its samples by bisection and marks them; the
 * ring's front is popped when claimed, or counted outside once it is older
 * than HORIZON_NS behind the latest interval of its CPU: no interval that
 * still opens before it can be expected then (the join's own idle timeout
 * is longer, but a stage waiting a second on one CPU with the CPU busy is
 * not a stage interval a sample should be charged to).
 */
#include <stdlib.h>
#include <string.h>

#include "correlator/samples.h"

#define HORIZON_NS   1000000000ull /* 1 s */
#define RING_MAX     (1u << 20)	   /* per CPU: a sample older than this many is outside */
#define MAX_CPUS_SRC 4096

struct pend {
	uint64_t ts, ip;
	uint8_t claimed;
};

/* One CPU's undecided samples: a ring with free-running head and tail. */
struct ring {
	struct pend *e;
	uint32_t cap; /* power of two, or 0 */
	uint32_t head, tail;
	uint8_t dom;
};

/* Samples by address: open addressing, ip 0 never sampled (it marks empty). */
struct ipmap {
	struct xpkt_ip_count *e;
	uint32_t cap, used;
};

struct xpkt_samples {
	struct ring *cpu[XPKT_MAX_SOURCES]; /* [src][cpu] */
	uint32_t ncpu[XPKT_MAX_SOURCES];
	struct ipmap ips[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t stage_samples[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t all[XPKT_DOM_COUNT], idle[XPKT_DOM_COUNT], outside[XPKT_DOM_COUNT];
};

struct xpkt_samples *xpkt_samples_new(void)
{
	return calloc(1, sizeof(struct xpkt_samples));
}

void xpkt_samples_free(struct xpkt_samples *sa)
{
	if (!sa)
		return;
	for (unsigned s = 0; s < XPKT_MAX_SOURCES; s++) {
		for (uint32_t c = 0; c < sa->ncpu[s]; c++)
			free(sa->cpu[s][c].e);
		free(sa->cpu[s]);
	}
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++)
			free(sa->ips[d][s].e);
	free(sa);
}

static struct ring *ring_of(struct xpkt_samples *sa, unsigned src, uint16_t cpu, int create)
{
	if (src >= XPKT_MAX_SOURCES || cpu >= MAX_CPUS_SRC)
		return NULL;
	if (cpu >= sa->ncpu[src]) {
		uint32_t n = cpu + 1u;
		struct ring *r;

		if (!create)
			return NULL;
		r = realloc(sa->cpu[src], n * sizeof(*r));
		if (!r)
			return NULL;
		memset(r + sa->ncpu[src], 0, (n - sa->ncpu[src]) * sizeof(*r));
		sa->cpu[src] = r;
		sa->ncpu[src] = n;
	}
	return &sa->cpu[src][cpu];
}

static inline struct pend *at(struct ring *r, uint32_t i)
{
	return &r->e[i & (r->cap - 1)];
}

static int ring_grow(struct ring *r)
{
	uint32_t cap = r->cap ? r->cap * 2 : 256, n = r->tail - r->head;
	struct pend *e = malloc(cap * sizeof(*e));

	if (!e)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		e[i] = *at(r, r->head + i);
	free(r->e);
	r->e = e;
	r->cap = cap;
	r->head = 0;
	r->tail = n;
	return 0;
}

/* Pops decided samples off the front: claimed ones, and unclaimed older than limit. */
static void ring_trim(struct xpkt_samples *sa, struct ring *r, uint64_t limit)
{
	while (r->head != r->tail) {
		struct pend *p = at(r, r->head);

		if (!p->claimed && p->ts >= limit)
			break;
		if (!p->claimed)
			sa->outside[r->dom]++;
		r->head++;
	}
}

int xpkt_samples_add(struct xpkt_samples *sa, unsigned src, const struct xpkt_event *ev)
{
	unsigned dom = ev->source < XPKT_DOM_COUNT ? ev->source : XPKT_DOM_HOST;
	struct ring *r;

	sa->all[dom]++;
	if (ev->arg2 == 0) { /* tid 0: the idle task, no work of any stage */
		sa->idle[dom]++;
		return 0;
	}
	r = ring_of(sa, src, ev->cpu, 1);
	if (!r) {
		if (src < XPKT_MAX_SOURCES && ev->cpu < MAX_CPUS_SRC)
			return -1;
		sa->outside[dom]++;
		return 0;
	}
	r->dom = (uint8_t)dom;
	if (r->tail - r->head == RING_MAX) { /* the oldest waited too long */
		if (!at(r, r->head)->claimed)
			sa->outside[dom]++;
		r->head++;
	}
	if (r->tail - r->head == r->cap && ring_grow(r))
		return -1;
	*at(r, r->tail) = (struct pend){.ts = ev->ts, .ip = ev->ip, .claimed = 0};
	r->tail++;
	return 0;
}

static int ipmap_add(struct ipmap *m, uint64_t ip)
{
	uint32_t i;

	if ((m->used + 1) * 2 > m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 64;
		struct xpkt_ip_count *e = calloc(cap, sizeof(*e));

		if (!e)
			return -1;
		for (uint32_t k = 0; k < m->cap; k++) {
			if (!m->e[k].samples)
				continue;
			for (i = (uint32_t)(m->e[k].ip * 0x9e3779b97f4a7c15ull >> 32) & (cap - 1);
			     e[i].samples; i = (i + 1) & (cap - 1))
				;
			e[i] = m->e[k];
		}
		free(m->e);
		m->e = e;
		m->cap = cap;
	}
	for (i = (uint32_t)(ip * 0x9e3779b97f4a7c15ull >> 32) & (m->cap - 1); m->e[i].samples;
	     i = (i + 1) & (m->cap - 1))
		if (m->e[i].ip == ip) {
			m->e[i].samples++;
			return 0;
		}
	m->e[i].ip = ip;
	m->e[i].samples = 1;
	m->used++;
	return 0;
}

int xpkt_samples_interval(struct xpkt_samples *sa, unsigned dir, unsigned s, unsigned src,
			  uint16_t cpu, uint64_t prev_ts, uint64_t ts)
{
	struct ring *r = ring_of(sa, src, cpu, 0);
	uint32_t lo, hi;

	if (!r || r->head == r->tail || dir >= XPKT_DIR_COUNT || s >= XPKT_MAX_STAGES)
		return 0;
	/* First sample after prev_ts: the ring is sorted by ts. */
	lo = r->head;
	hi = r->tail;
	while (lo != hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (at(r, mid)->ts <= prev_ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo != r->tail && at(r, lo)->ts <= ts; lo++) {
		struct pend *p = at(r, lo);

		if (p->claimed)
			continue;
		if (ipmap_add(&sa->ips[dir][s], p->ip))
			return -1;
		p->claimed = 1;
		sa->stage_samples[dir][s]++;
	}
	ring_trim(sa, r, ts > HORIZON_NS ? ts - HORIZON_NS : 0);
	return 0;
}

static int by_ip(const void *a, const void *b)
{
	const struct xpkt_ip_count *x = a, *y = b;

	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

int xpkt_samples_finish(struct xpkt_samples *sa, struct xpkt_results *out)
{
	for (unsigned s = 0; s < XPKT_MAX_SOURCES; s++)
		for (uint32_t c = 0; c < sa->ncpu[s]; c++)
			ring_trim(sa, &sa->cpu[s][c], UINT64_MAX);
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++) {
			struct ipmap *m = &sa->ips[d][s];
			struct xpkt_stage_stats *st = &out->stages[d][s];
			uint32_t n = 0;

			st->samples = sa->stage_samples[d][s];
			if (!m->used)
				continue;
			st->ips = malloc(m->used * sizeof(*st->ips));
			if (!st->ips)
				return -1;
			for (uint32_t k = 0; k < m->cap; k++)
				if (m->e[k].samples)
					st->ips[n++] = m->e[k];
			qsort(st->ips, n, sizeof(*st->ips), by_ip);
			st->nips = n;
		}
	memcpy(out->samples, sa->all, sizeof(out->samples));
	memcpy(out->samples_idle, sa->idle, sizeof(out->samples_idle));
	memcpy(out->samples_outside, sa->outside, sizeof(out->samples_outside));
	return 0;
}
