/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hist.h - log-linear latency histogram (HDR-like), in nanoseconds.
 *
 * Values below 128 have a bucket each; above, every power of two [2^e, 2^e+1)
 * is split into 128 equal sub-buckets, so a bucket's mid-point is within
 * 1/256 (0.39 %) of any value in it. Count, sum, min and max are exact;
 * quantiles (nearest rank) return the mid-point of the bucket holding the
 * sample of rank ceil(q * count), clamped to [min, max]. Fixed size (about
 * 60 KB), no allocation on add: the correlator adds one sample per attached
 * stage on its hot path.
 */
#ifndef XPKT_CORRELATOR_HIST_H
#define XPKT_CORRELATOR_HIST_H

#include <stdint.h>

#define XPKT_HIST_SUB_BITS 7
#define XPKT_HIST_SUB	   (1u << XPKT_HIST_SUB_BITS) /* sub-buckets per power of two */
/* 128 exact buckets for 0..127, then 128 per exponent 7..63. */
#define XPKT_HIST_BUCKETS (XPKT_HIST_SUB + (64 - XPKT_HIST_SUB_BITS) * XPKT_HIST_SUB)

struct xpkt_hist;

struct xpkt_hist_bucket {
	uint64_t lo_ns; /* smallest value in the bucket */
	uint64_t hi_ns; /* largest value in the bucket (inclusive) */
	uint64_t count;
};

struct xpkt_hist *xpkt_hist_new(void); /* NULL when out of memory */
void xpkt_hist_free(struct xpkt_hist *h);
void xpkt_hist_reset(struct xpkt_hist *h);

void xpkt_hist_add(struct xpkt_hist *h, uint64_t v_ns);
/* Adds every sample of src to dst. */
void xpkt_hist_merge(struct xpkt_hist *dst, const struct xpkt_hist *src);

uint64_t xpkt_hist_count(const struct xpkt_hist *h);
uint64_t xpkt_hist_min(const struct xpkt_hist *h); /* 0 when empty */
uint64_t xpkt_hist_max(const struct xpkt_hist *h);
double xpkt_hist_sum(const struct xpkt_hist *h);  /* exact up to double rounding of the total */
double xpkt_hist_mean(const struct xpkt_hist *h); /* 0 when empty */
/* Sample at rank ceil(q * count) (nearest rank), as its bucket's mid-point; 0 when empty. */
uint64_t xpkt_hist_quantile(const struct xpkt_hist *h, double q);

/* Bucket arithmetic, exposed for renderers and tests. */
unsigned xpkt_hist_index(uint64_t v_ns);
void xpkt_hist_bounds(unsigned index, uint64_t *lo_ns, uint64_t *hi_ns);

/*
 * Iterates non-empty buckets in increasing value order: start with *iter = 0;
 * returns 1 with *b filled, 0 at the end.
 */
int xpkt_hist_next(const struct xpkt_hist *h, unsigned *iter, struct xpkt_hist_bucket *b);

#endif
