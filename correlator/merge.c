// SPDX-License-Identifier: GPL-2.0
/* merge.c - k-way merge of a bundle's sources on host ns (see merge.h). */
#include <stdlib.h>
#include <string.h>

#include "correlator/merge.h"
#include "correlator/timebase.h"
#include "decode/stream.h"

#define BLOCK 512 /* events per source read ahead */

struct msrc {
	struct xpkt_stream st;
	struct xpkt_timebase tb;
	int open, eof, failed;
	struct xpkt_err err; /* the error met while reading ahead, reported in order */
	uint64_t last_ns;
	unsigned n, pos;
	struct xpkt_event buf[BLOCK];
};

struct xpkt_merge {
	unsigned nsrc;
	/*
	 * Fast path: the source last chosen keeps winning while its head stays
	 * below the runner-up's head (lim_ns, lim_src), which cannot change
	 * meanwhile; traces come in bursts per source, so most events skip the
	 * scan.
	 */
	int cur;
	uint64_t lim_ns;
	unsigned lim_src;
	struct msrc src[XPKT_MAX_SOURCES];
};

static void refill(struct msrc *s)
{
	s->n = s->pos = 0;
	while (s->n < BLOCK) {
		struct xpkt_event *ev = &s->buf[s->n];
		int rc = xpkt_stream_next(&s->st, ev, &s->err);

		if (rc == 0) {
			s->eof = 1;
			break;
		}
		if (rc < 0) {
			s->failed = 1;
			break;
		}
		ev->ts = xpkt_timebase_ns(&s->tb, ev->ts);
		s->n++;
	}
}

struct xpkt_merge *xpkt_merge_open(const char *bundle, const struct xpkt_manifest *m,
				   struct xpkt_err *err)
{
	struct xpkt_merge *mg = calloc(1, sizeof(*mg));

	if (!mg) {
		xpkt_err_set(err, "%s: out of memory", bundle);
		return NULL;
	}
	mg->nsrc = m->nsources;
	mg->cur = -1;
	for (unsigned i = 0; i < m->nsources; i++) {
		struct msrc *s = &mg->src[i];

		if (xpkt_timebase_init(&s->tb, &m->sources[i], m->tsc_hz, err) ||
		    xpkt_stream_open(&s->st, bundle, &m->sources[i], err)) {
			xpkt_merge_close(mg);
			return NULL;
		}
		s->open = 1;
		refill(s);
	}
	return mg;
}

int xpkt_merge_next(struct xpkt_merge *mg, const struct xpkt_event **ev, unsigned *src,
		    struct xpkt_err *err)
{
	struct msrc *best = NULL;
	unsigned besti = 0, secondi = XPKT_MAX_SOURCES;
	uint64_t best_ns = 0, second_ns = UINT64_MAX;

	if (mg->cur >= 0) {
		struct msrc *s = &mg->src[mg->cur];

		if (s->pos < s->n) {
			uint64_t ns = s->buf[s->pos].ts;

			if (ns < mg->lim_ns ||
			    (ns == mg->lim_ns && (unsigned)mg->cur < mg->lim_src)) {
				best = s;
				besti = (unsigned)mg->cur;
				best_ns = ns;
				goto found;
			}
		}
	}
	for (unsigned i = 0; i < mg->nsrc; i++) {
		struct msrc *s = &mg->src[i];
		uint64_t ns;

		if (s->pos == s->n) {
			if (s->failed) {
				*err = s->err;
				return -1;
			}
			if (s->eof)
				continue;
			refill(s);
			if (s->pos == s->n) {
				if (s->failed) {
					*err = s->err;
					return -1;
				}
				continue;
			}
		}
		ns = s->buf[s->pos].ts;
		/* Strict '<': on equal ns the lower source index goes first. */
		if (!best || ns < best_ns) {
			if (best) {
				second_ns = best_ns;
				secondi = besti;
			}
			best = s;
			besti = i;
			best_ns = ns;
		} else if (ns < second_ns) {
			second_ns = ns;
			secondi = i;
		}
	}
	if (!best)
		return 0;
	mg->cur = (int)besti;
	mg->lim_ns = second_ns;
	mg->lim_src = secondi;
found:
	if (best_ns < best->last_ns)
		return xpkt_err_set(err, "source %s (%s): event %llu goes back in time",
				    best->st.src->name, best->st.src->file,
				    (unsigned long long)(best->st.events - (best->n - best->pos)));
	best->last_ns = best_ns;
	*ev = &best->buf[best->pos++];
	*src = besti;
	return 1;
}

uint64_t xpkt_merge_events(const struct xpkt_merge *mg, unsigned src)
{
	const struct msrc *s = &mg->src[src];

	/* Read ahead but not yet returned does not count. */
	return s->st.events - (s->n - s->pos);
}

uint64_t xpkt_merge_lost(const struct xpkt_merge *mg, unsigned src)
{
	const struct msrc *s = &mg->src[src];
	uint64_t lost = s->st.lost_events;

	for (unsigned i = s->pos; i < s->n; i++)
		if (s->buf[i].id == XPKT_EV_LOST)
			lost -= s->buf[i].arg;
	return lost;
}

void xpkt_merge_close(struct xpkt_merge *mg)
{
	if (!mg)
		return;
	for (unsigned i = 0; i < mg->nsrc; i++)
		if (mg->src[i].open)
			xpkt_stream_close(&mg->src[i].st);
	free(mg);
}
