// SPDX-License-Identifier: GPL-2.0
/*
 * hist.c - log-linear histogram (see hist.h for the bucket layout and why the
 * relative error stays below 0.4 %).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "correlator/hist.h"

__extension__ typedef unsigned __int128 u128;

struct xpkt_hist {
	uint64_t count;
	uint64_t min_ns, max_ns;
	u128 sum_ns; /* 2^64 samples of 2^63 ns still fit */
	uint64_t buckets[XPKT_HIST_BUCKETS];
};

struct xpkt_hist *xpkt_hist_new(void)
{
	struct xpkt_hist *h = malloc(sizeof(*h));

	if (h)
		xpkt_hist_reset(h);
	return h;
}

void xpkt_hist_free(struct xpkt_hist *h)
{
	free(h);
}

void xpkt_hist_reset(struct xpkt_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

unsigned xpkt_hist_index(uint64_t v)
{
	unsigned e;

	if (v < XPKT_HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* v in [2^e, 2^(e+1)), e >= 7 */
	return XPKT_HIST_SUB + (e - XPKT_HIST_SUB_BITS) * XPKT_HIST_SUB +
	       (unsigned)((v >> (e - XPKT_HIST_SUB_BITS)) & (XPKT_HIST_SUB - 1));
}

void xpkt_hist_bounds(unsigned index, uint64_t *lo, uint64_t *hi)
{
	unsigned e, sub;
	uint64_t width;

	if (index < XPKT_HIST_SUB) {
		*lo = *hi = index;
		return;
	}
	e = (index - XPKT_HIST_SUB) / XPKT_HIST_SUB + XPKT_HIST_SUB_BITS;
	sub = (index - XPKT_HIST_SUB) % XPKT_HIST_SUB;
	width = 1ull << (e - XPKT_HIST_SUB_BITS);
	*lo = (1ull << e) + (uint64_t)sub * width;
	*hi = *lo + (width - 1);
}

void xpkt_hist_add(struct xpkt_hist *h, uint64_t v)
{
	h->buckets[xpkt_hist_index(v)]++;
	h->count++;
	h->sum_ns += v;
	if (v < h->min_ns)
		h->min_ns = v;
	if (v > h->max_ns)
		h->max_ns = v;
}

void xpkt_hist_merge(struct xpkt_hist *dst, const struct xpkt_hist *src)
{
	if (!src->count)
		return;
	for (unsigned i = 0; i < XPKT_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t xpkt_hist_count(const struct xpkt_hist *h)
{
	return h->count;
}

uint64_t xpkt_hist_min(const struct xpkt_hist *h)
{
	return h->count ? h->min_ns : 0;
}

uint64_t xpkt_hist_max(const struct xpkt_hist *h)
{
	return h->max_ns;
}

double xpkt_hist_sum(const struct xpkt_hist *h)
{
	return (double)h->sum_ns;
}

double xpkt_hist_mean(const struct xpkt_hist *h)
{
	u128 q, r;

	if (!h->count)
		return 0;
	/* Integer part exactly, then the fraction: stays within 1 ns for any total. */
	q = h->sum_ns / h->count;
	r = h->sum_ns % h->count;
	return (double)q + (double)r / (double)h->count;
}

uint64_t xpkt_hist_quantile(const struct xpkt_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi, mid;

	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min_ns;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max_ns; /* the last sample is known exactly */
	for (unsigned i = 0; i < XPKT_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen < rank)
			continue;
		xpkt_hist_bounds(i, &lo, &hi);
		mid = lo + (hi - lo + 1) / 2;
		if (hi == lo)
			mid = lo;
		if (mid < h->min_ns)
			mid = h->min_ns;
		if (mid > h->max_ns)
			mid = h->max_ns;
		return mid;
	}
	return h->max_ns;
}

int xpkt_hist_next(const struct xpkt_hist *h, unsigned *iter, struct xpkt_hist_bucket *b)
{
	for (unsigned i = *iter; i < XPKT_HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		xpkt_hist_bounds(i, &b->lo_ns, &b->hi_ns);
		b->count = h->buckets[i];
		*iter = i + 1;
		return 1;
	}
	*iter = XPKT_HIST_BUCKETS;
	return 0;
}
