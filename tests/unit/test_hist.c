// SPDX-License-Identifier: GPL-2.0
/*
 * test_hist.c - the log-linear histogram against exact answers: quantiles of
 * random samples (uniform, exponential, lognormal, heavy tails) compared with
 * the nearest-rank sample of the sorted data, computed here, within 1 %;
 * count/min/max/mean exact; merge equals adding everything to one histogram.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "correlator/hist.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static double unif(void)
{
	return ((double)(rng() >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact_quantile(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static void check_quantiles(uint64_t *v, size_t n)
{
	static const double qs[] = {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0};
	struct xpkt_hist *h = xpkt_hist_new();
	uint64_t mn = UINT64_MAX, mx = 0;
	long double sum = 0;

	assert_non_null(h);
	for (size_t i = 0; i < n; i++) {
		xpkt_hist_add(h, v[i]);
		sum += v[i];
		mn = v[i] < mn ? v[i] : mn;
		mx = v[i] > mx ? v[i] : mx;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(xpkt_hist_count(h), n);
	assert_int_equal(xpkt_hist_min(h), mn);
	assert_int_equal(xpkt_hist_max(h), mx);
	assert_true(fabs(xpkt_hist_mean(h) - (double)(sum / n)) < 1.0);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double want = (double)exact_quantile(v, n, qs[i]);
		double got = (double)xpkt_hist_quantile(h, qs[i]);

		if (want == 0)
			assert_true(got == 0);
		else
			assert_true(fabs(got - want) / want <= 0.01);
	}
	xpkt_hist_free(h);
}

#define N 200000

static void test_uniform(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));

	(void)state;
	for (size_t i = 0; i < N; i++)
		v[i] = 1000 + rng() % 99000;
	check_quantiles(v, N);
	free(v);
}

static void test_exponential(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));

	(void)state;
	for (size_t i = 0; i < N; i++)
		v[i] = (uint64_t)(-log(unif()) * 20000.0);
	check_quantiles(v, N);
	free(v);
}

static void test_lognormal_heavy(void **state)
{
	uint64_t *v = malloc(N * sizeof(*v));

	(void)state;
	for (size_t i = 0; i < N; i++) {
		/* Box-Muller normal, sigma 2: spans many powers of two. */
		double z = sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());

		v[i] = (uint64_t)(50000.0 * exp(2.0 * z));
	}
	check_quantiles(v, N);
	free(v);
}

static void test_small_values_exact(void **state)
{
	uint64_t v[300];

	(void)state;
	for (size_t i = 0; i < 300; i++)
		v[i] = rng() % 128; /* below 128 every value has its own bucket */
	check_quantiles(v, 300);
	{
		struct xpkt_hist *h = xpkt_hist_new();

		for (size_t i = 0; i < 300; i++)
			xpkt_hist_add(h, v[i]);
		assert_int_equal(xpkt_hist_quantile(h, 0.5), v[149]);
		xpkt_hist_free(h);
	}
}

static void test_bucket_bounds(void **state)
{
	(void)state;
	/* Every bucket's mid-point is within 1/256 of both of its ends. */
	for (unsigned i = 0; i < XPKT_HIST_BUCKETS; i++) {
		uint64_t lo, hi;

		xpkt_hist_bounds(i, &lo, &hi);
		assert_int_equal(xpkt_hist_index(lo), i);
		assert_int_equal(xpkt_hist_index(hi), i);
		if (i + 1 < XPKT_HIST_BUCKETS) {
			uint64_t lo2, hi2;

			xpkt_hist_bounds(i + 1, &lo2, &hi2);
			assert_true(lo2 == hi + 1);
		}
		assert_true((double)(hi - lo + 1) / 2 <= (double)lo / 256.0 + 0.5);
	}
	assert_int_equal(xpkt_hist_index(UINT64_MAX), XPKT_HIST_BUCKETS - 1);
}

static void test_merge_and_iterate(void **state)
{
	struct xpkt_hist *a = xpkt_hist_new(), *b = xpkt_hist_new(), *all = xpkt_hist_new();
	struct xpkt_hist_bucket bk;
	unsigned it = 0;
	uint64_t total = 0, prev_hi = 0;
	int first = 1;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		uint64_t x = rng() % 10000000;

		xpkt_hist_add(i & 1 ? a : b, x);
		xpkt_hist_add(all, x);
	}
	xpkt_hist_merge(a, b);
	assert_int_equal(xpkt_hist_count(a), 10000);
	assert_int_equal(xpkt_hist_min(a), xpkt_hist_min(all));
	assert_int_equal(xpkt_hist_max(a), xpkt_hist_max(all));
	assert_true(xpkt_hist_sum(a) == xpkt_hist_sum(all));
	for (double q = 0.05; q < 1; q += 0.05)
		assert_int_equal(xpkt_hist_quantile(a, q), xpkt_hist_quantile(all, q));
	while (xpkt_hist_next(a, &it, &bk)) {
		assert_true(bk.count > 0);
		assert_true(first || bk.lo_ns > prev_hi);
		first = 0;
		prev_hi = bk.hi_ns;
		total += bk.count;
	}
	assert_int_equal(total, 10000);
	xpkt_hist_free(a);
	xpkt_hist_free(b);
	xpkt_hist_free(all);
}

static void test_empty(void **state)
{
	struct xpkt_hist *h = xpkt_hist_new();
	struct xpkt_hist_bucket bk;
	unsigned it = 0;

	(void)state;
	assert_int_equal(xpkt_hist_count(h), 0);
	assert_int_equal(xpkt_hist_quantile(h, 0.5), 0);
	assert_int_equal(xpkt_hist_min(h), 0);
	assert_true(xpkt_hist_mean(h) == 0);
	assert_int_equal(xpkt_hist_next(h, &it, &bk), 0);
	xpkt_hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uniform),	    cmocka_unit_test(test_exponential),
	    cmocka_unit_test(test_lognormal_heavy), cmocka_unit_test(test_small_values_exact),
	    cmocka_unit_test(test_bucket_bounds),   cmocka_unit_test(test_merge_and_iterate),
	    cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
