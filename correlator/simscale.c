// SPDX-License-Identifier: GPL-2.0
/*
 * simscale.c - per-stage L2/ITLB/DTLB sums of every pmu-sim model instance
 * (see simscale.h; docs/correlation.md section 13).
 *
 * Counters are cumulative per physical CPU (the plugin counts per QEMU
 * vCPU, which under Xen is a physical CPU), so a record interval's work is
 * the difference of its two records' counters, and since simpmu tells
 * every interval of a CPU exactly once and in order, the sums over a
 * stage's intervals add up, over all stages and "no stage", to the CPU's
 * last record minus its first: nothing is counted twice, whatever the
 * number of packets in flight.
 *
 * Per CPU a queue holds the model counters of the records not yet closed
 * by an owner call, oldest first; an owner call for (prev, rec] takes the
 * entry at prev and the one at rec and drops what came before rec. Records
 * that share a timestamp are told as separate intervals in arrival order,
 * so entries are matched by position, not by looking a time up.
 */
#include <stdlib.h>
#include <string.h>

#include "correlator/simscale.h"
#include "tracepoints/sim_event.h"

#define MAX_PCPU 4096 /* as simpmu.c: bounds what a hostile cpu field allocates */
#define NM	 XPKT_SIM_SCALE_MODELS
#define NC	 XPKT_SIMM_COUNTERS
/*
 * Entries a CPU may hold: simpmu tells an interval "no stage" once more
 * than the least room any listener gave wait on one CPU (this one's is
 * XPKT_SIMSCALE_ROOM), so more never wait for a call that will come; past
 * this the oldest go (their intervals, if told, are unknown).
 */
#define MAX_QUEUED (XPKT_SIMSCALE_ROOM + 16)

/*
 * One counter record: ts, which models carried counters (bit m), then
 * every model's counters; `stride` models wide, so a run with a few
 * models keeps a few (a CPU may hold up to MAX_QUEUED of these).
 */
#define E_TS		0
#define E_HAVE		1
#define E_V(m, k)	(2 + (m)*NC + (k))
#define E_WORDS(stride) (2 + (size_t)(stride)*NC)

struct cpuq {
	uint64_t *q; /* ring of cap entries, oldest at entry head */
	uint32_t head, n, cap;
};

struct xpkt_simscale {
	struct cpuq *cpu;
	uint32_t ncpu;
	unsigned nmodels; /* highest model index seen + 1 (geometry or counters) */
	unsigned stride;  /* models per queued entry: above every counter event's model index */
	struct xpkt_sim_scaling acc;
};

struct xpkt_simscale *xpkt_simscale_new(void)
{
	return calloc(1, sizeof(struct xpkt_simscale));
}

void xpkt_simscale_free(struct xpkt_simscale *sc)
{
	if (!sc)
		return;
	for (uint32_t i = 0; i < sc->ncpu; i++)
		free(sc->cpu[i].q);
	free(sc->cpu);
	free(sc);
}

int xpkt_simscale_tlb_global(const char *geom)
{
	size_t n = strlen(geom);

	/* the plugin's syntax is ENTRIES:WAYS:G (pmu-sim/cache.c); " G" is taken too */
	return n >= 2 && geom[n - 1] == 'G' && (geom[n - 2] == ':' || geom[n - 2] == ' ');
}

static struct cpuq *get_cpu(struct xpkt_simscale *sc, uint16_t cpu)
{
	if (cpu >= MAX_PCPU)
		return NULL;
	if (cpu >= sc->ncpu) {
		uint32_t n = (uint32_t)cpu + 1;
		struct cpuq *c = realloc(sc->cpu, n * sizeof(*c));

		if (!c)
			return NULL;
		memset(c + sc->ncpu, 0, (n - sc->ncpu) * sizeof(*c));
		sc->cpu = c;
		sc->ncpu = n;
	}
	return &sc->cpu[cpu];
}

/* The k-th oldest entry of c. */
static uint64_t *at(const struct xpkt_simscale *sc, const struct cpuq *c, uint32_t k)
{
	return c->q + (size_t)((c->head + k) % c->cap) * E_WORDS(sc->stride);
}

static void pop(struct cpuq *c)
{
	c->head = (c->head + 1) % c->cap;
	c->n--;
}

/* Copies c's entries, oldest first, into a new ring of cap entries `stride` models wide. */
static int relayout(struct xpkt_simscale *sc, struct cpuq *c, uint32_t cap, unsigned stride)
{
	uint64_t *q = calloc(cap, E_WORDS(stride) * sizeof(uint64_t));

	if (!q)
		return -1;
	for (uint32_t k = 0; k < c->n; k++)
		memcpy(q + (size_t)k * E_WORDS(stride), at(sc, c, k),
		       E_WORDS(sc->stride) * sizeof(uint64_t));
	free(c->q);
	c->q = q;
	c->cap = cap;
	c->head = 0;
	return 0;
}

/* Makes entries wide enough for model m on every CPU. -1 out of memory. */
static int widen(struct xpkt_simscale *sc, unsigned m)
{
	unsigned stride = sc->stride ? sc->stride : 1;

	if (m < sc->stride)
		return 0;
	while (stride <= m)
		stride *= 2;
	if (stride > NM)
		stride = NM;
	for (uint32_t i = 0; i < sc->ncpu; i++)
		if (sc->cpu[i].cap && relayout(sc, &sc->cpu[i], sc->cpu[i].cap, stride))
			return -1;
	sc->stride = stride;
	return 0;
}

/* A new entry at the tail; NULL out of memory. */
static uint64_t *push(struct xpkt_simscale *sc, struct cpuq *c, uint64_t ts)
{
	uint64_t *e;

	if (c->n == MAX_QUEUED)
		pop(c); /* its interval, if ever told, finds no start: unknown */
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 64;

		if (cap > MAX_QUEUED)
			cap = MAX_QUEUED;
		if (relayout(sc, c, cap, sc->stride))
			return NULL;
	}
	e = at(sc, c, c->n++);
	memset(e, 0, E_WORDS(sc->stride) * sizeof(uint64_t));
	e[E_TS] = ts;
	return e;
}

int xpkt_simscale_event(struct xpkt_simscale *sc, const struct xpkt_event *ev)
{
	unsigned kind = xpkt_sim_model_kind(ev), m = xpkt_sim_model_index(ev);
	uint64_t v[NC];
	struct cpuq *c;
	uint64_t *e;

	if (ev->id != XPKT_EV_SIM_MODEL || m >= NM)
		return 0; /* the plugin runs at most NM instances: another writer's, ignored */
	if (kind >= XPKT_SIM_EV_MODEL_L1I && kind <= XPKT_SIM_EV_MODEL_DTLB) {
		struct xpkt_sim_scale_model *md = &sc->acc.model[m];
		char *const dst[5] = {md->l1i, md->l1d, md->l2, md->itlb, md->dtlb};
		char *g = dst[kind - XPKT_SIM_EV_MODEL_L1I];

		/* pmu[] holds the text NUL-padded; 32 bytes need not end in a NUL */
		memcpy(g, ev->pmu, sizeof(ev->pmu));
		g[sizeof(ev->pmu)] = 0;
		if (m + 1 > sc->nmodels)
			sc->nmodels = m + 1;
		return 0;
	}
	if (kind != XPKT_SIM_EV_COUNTERS)
		return 0;
	if (ev->cpu >= MAX_PCPU)
		return 0;
	if (widen(sc, m) || !(c = get_cpu(sc, ev->cpu)))
		return -1;
	if (m + 1 > sc->nmodels)
		sc->nmodels = m + 1;
	/* the models of one record come together; a model seen twice starts the next record */
	e = c->n ? at(sc, c, c->n - 1) : NULL;
	if (!e || e[E_TS] != ev->ts || (e[E_HAVE] & (1u << m))) {
		e = push(sc, c, ev->ts);
		if (!e)
			return -1;
	}
	xpkt_sim_model_get(ev, v);
	for (unsigned k = 0; k < NC; k++)
		e[E_V(m, k)] = v[k];
	e[E_HAVE] |= 1u << m;
	return 0;
}

/* Adds b - a of every model to dst (a stage's or no stage's) and to the total; 0 if unknown. */
static int add_interval(struct xpkt_simscale *sc, const uint64_t *a, const uint64_t *b,
			uint64_t (*dst)[NC])
{
	uint64_t all = (1u << sc->nmodels) - 1; /* nmodels <= NM = 16 */

	if ((a[E_HAVE] & all) != all || (b[E_HAVE] & all) != all)
		return 0;
	for (unsigned m = 0; m < sc->nmodels; m++) {
		int back = 0;

		for (unsigned k = 0; k < NC; k++)
			back |= b[E_V(m, k)] < a[E_V(m, k)];
		if (back) { /* another run's counters, or a reset: no delta */
			sc->acc.deltas_backwards++;
			continue;
		}
		for (unsigned k = 0; k < NC; k++) {
			uint64_t d = b[E_V(m, k)] - a[E_V(m, k)];

			dst[m][k] += d;
			sc->acc.total[m][k] += d;
		}
	}
	return 1;
}

int xpkt_simscale_owner(void *arg, uint16_t pcpu, uint64_t prev_ts, uint64_t rec_ts, int dir, int s)
{
	struct xpkt_simscale *sc = arg;
	struct cpuq *c = pcpu < sc->ncpu ? &sc->cpu[pcpu] : NULL;
	int owned = dir >= 0 && dir < XPKT_DIR_COUNT && s >= 0 && s < XPKT_MAX_STAGES;
	uint64_t(*dst)[NC] = owned ? sc->acc.stage[dir][s] : sc->acc.no_stage;
	uint32_t k = 1;
	int known = 0;

	sc->acc.intervals++;
	if (owned) {
		sc->acc.intervals_owned++;
		sc->acc.stage_intervals[dir][s]++;
	}
	if (!c || !c->n) {
		sc->acc.intervals_unknown++;
		return 0;
	}
	/* records before this interval's start were closed already (or never told) */
	while (c->n && at(sc, c, 0)[E_TS] < prev_ts)
		pop(c);
	if (c->n && at(sc, c, 0)[E_TS] == prev_ts) {
		while (k < c->n && at(sc, c, k)[E_TS] < rec_ts)
			k++;
		if (k < c->n && at(sc, c, k)[E_TS] == rec_ts)
			known = add_interval(sc, at(sc, c, 0), at(sc, c, k), dst);
	}
	if (known) {
		/* entries 0..k-1 are done; entry k, the closing record, opens the next interval */
		while (k--)
			pop(c);
		return 0;
	}
	sc->acc.intervals_unknown++;
	while (c->n && at(sc, c, 0)[E_TS] < rec_ts)
		pop(c);
	return 0;
}

int xpkt_simscale_finish(struct xpkt_simscale *sc, struct xpkt_results *out)
{
	struct xpkt_sim_scaling *r;

	out->sim_scaling = NULL;
	if (sc->nmodels < 2)
		return 0;
	r = malloc(sizeof(*r));
	if (!r)
		return -1;
	*r = sc->acc;
	r->nmodels = sc->nmodels;
	for (unsigned m = 0; m < r->nmodels; m++) {
		r->model[m].itlb_global = (uint8_t)xpkt_simscale_tlb_global(r->model[m].itlb);
		r->model[m].dtlb_global = (uint8_t)xpkt_simscale_tlb_global(r->model[m].dtlb);
	}
	out->sim_scaling = r;
	return 0;
}
