// SPDX-License-Identifier: GPL-2.0
/*
 * loss.c - when a source CPU loses events.
 *
 * A tracing ring buffer that overruns loses a contiguous run of one CPU's
 * events, then records again and says how many it lost. Here a loss is a
 * window of host time on one (source, CPU): every event that falls in it is
 * lost. Windows are drawn ahead of the time being generated (gaps and
 * lengths exponential, gap chosen so that about `rate` of the time is lost)
 * and kept only until the writer has passed them, so the lost-or-not answer
 * for an event depends on its time alone, whatever order packets are
 * generated in.
 */
#include <stdlib.h>

#include "synth/sim.h"

#define LOSS_LEN_MEAN_NS 20000.0 /* ~20 us: a few dozen events per overrun */
#define LOSS_MAX_WINDOWS 4096	 /* far more than the packets in flight span */

struct sim_loss {
	struct sim_rng rng;
	double gap_mean_ns;
	uint64_t start[LOSS_MAX_WINDOWS], end[LOSS_MAX_WINDOWS];
	unsigned head, n;    /* ring of windows, oldest at head */
	uint64_t next_start; /* where the next window to draw may start */
};

struct sim_loss *sim_loss_new(uint64_t seed, double rate, uint64_t start_ns)
{
	struct sim_loss *l;

	if (!(rate > 0))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	if (rate > 0.5)
		rate = 0.5;
	sim_rng_seed(&l->rng, seed);
	l->gap_mean_ns = LOSS_LEN_MEAN_NS * (1.0 - rate) / rate;
	l->next_start = start_ns;
	return l;
}

static void draw(struct sim_loss *l)
{
	struct xpkt_dist gap = {XPKT_DIST_EXP, l->gap_mean_ns, 0};
	struct xpkt_dist len = {XPKT_DIST_EXP, LOSS_LEN_MEAN_NS, 0};
	unsigned i = (l->head + l->n) % LOSS_MAX_WINDOWS;
	uint64_t s = l->next_start + 1 + (uint64_t)sim_dist_draw(&gap, &l->rng);

	/* sim_dist_draw caps at 100 ms; chain draws for long gaps (tiny rates) */
	if (l->gap_mean_ns > 5e7)
		s += (uint64_t)(l->gap_mean_ns * sim_rng_unit(&l->rng));
	l->start[i] = s;
	l->end[i] = s + 1 + (uint64_t)sim_dist_draw(&len, &l->rng);
	l->next_start = l->end[i];
	l->n++;
}

int sim_loss_hit(struct sim_loss *l, uint64_t ns)
{
	if (!l)
		return 0;
	/* draw until a window starts after ns, keeping room in the ring */
	while (l->n == 0 || l->end[(l->head + l->n - 1) % LOSS_MAX_WINDOWS] <= ns) {
		if (l->n == LOSS_MAX_WINDOWS) {
			/* nobody will ask about the oldest window any more than
			 * about the newest: drop the oldest */
			l->head = (l->head + 1) % LOSS_MAX_WINDOWS;
			l->n--;
		}
		draw(l);
	}
	for (unsigned k = 0; k < l->n; k++) {
		unsigned i = (l->head + k) % LOSS_MAX_WINDOWS;

		if (ns < l->start[i])
			return 0;
		if (ns < l->end[i])
			return 1;
	}
	return 0;
}

void sim_loss_trim(struct sim_loss *l, uint64_t ns)
{
	if (!l)
		return;
	while (l->n > 1 && l->end[l->head] <= ns) {
		l->head = (l->head + 1) % LOSS_MAX_WINDOWS;
		l->n--;
	}
}

void sim_loss_free(struct sim_loss *l)
{
	free(l);
}
