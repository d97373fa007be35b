// SPDX-License-Identifier: GPL-2.0
/*
 * test_simscale.c - per-stage cache/TLB sums of several pmu-sim models
 * (correlator/simscale.c), driven directly with hand-made XPKT_EV_SIM_MODEL
 * events and owner calls (what simpmu's listener API tells). Model m's
 * counter k on physical CPU p at a record stamped t is a formula, so every
 * expected sum is arithmetic on it:
 *
 *  - an interval (prev, rec] told for stage (dir, s) adds f(rec) - f(prev)
 *    of every model to that stage; "no stage" (dir < 0) to no_stage; both
 *    to the total, which therefore is f(last) - f(first) per CPU;
 *  - two CPUs whose events interleave and whose owner calls come late and
 *    in another order than the events (per CPU in time order, as simpmu
 *    tells them);
 *  - records sharing a timestamp are separate intervals;
 *  - a record missing a model's counters, an owner call for a record never
 *    seen and a counter that went back are counted, and added nowhere;
 *  - geometry texts, the ":G" flag, and no result with a single model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "correlator/correlate.h"
#include "correlator/simscale.h"
#include "tracepoints/sim_event.h"

#define NMOD 3

/* Counter k of model m on physical CPU p at a record stamped t. */
static uint64_t f(unsigned m, unsigned k, unsigned p, uint64_t t)
{
	return (uint64_t)(m + 1) * (k + 3) * (p + 1) * t + 17 * k + (t >= 500 ? 99 * (m + 1) : 0);
}

static struct xpkt_event model_ev(unsigned m, uint16_t pcpu, uint64_t t)
{
	struct xpkt_event e;
	uint64_t v[XPKT_SIMM_COUNTERS];

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_SIM_MODEL;
	e.ts = t;
	e.cpu = pcpu;
	e.source = XPKT_DOM_XEN;
	for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++)
		v[k] = f(m, k, pcpu, t);
	xpkt_sim_model_set(&e, v);
	e.arg2 = XPKT_SIM_EV_COUNTERS << 16 | m;
	return e;
}

static void geometry(struct xpkt_simscale *sc, unsigned nmod)
{
	static const char *const l2[] = {"256K:16:64", "1M:16:64", "8M:16:64"};
	static const char *const tlb[] = {"32:4", "64:4", "64:4:G"};

	for (unsigned m = 0; m < nmod; m++)
		for (unsigned kind = XPKT_SIM_EV_MODEL_L1I; kind <= XPKT_SIM_EV_MODEL_DTLB;
		     kind++) {
			struct xpkt_event e;
			const char *t = kind == XPKT_SIM_EV_MODEL_L2	 ? l2[m % 3]
					: kind >= XPKT_SIM_EV_MODEL_ITLB ? tlb[m % 3]
									 : "32K:8:64";

			memset(&e, 0, sizeof(e));
			e.id = XPKT_EV_SIM_MODEL;
			e.arg2 = kind << 16 | m;
			memcpy(e.pmu, t, strlen(t));
			assert_int_equal(xpkt_simscale_event(sc, &e), 0);
		}
}

/* One counter record of every model. */
static void record(struct xpkt_simscale *sc, uint16_t pcpu, uint64_t t)
{
	for (unsigned m = 0; m < NMOD; m++) {
		struct xpkt_event e = model_ev(m, pcpu, t);

		assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	}
}

/* Expected sums, kept by the test from the formula. */
struct want {
	uint64_t stage[XPKT_DIR_COUNT][XPKT_MAX_STAGES][NMOD][XPKT_SIMM_COUNTERS];
	uint64_t none[NMOD][XPKT_SIMM_COUNTERS];
	uint64_t total[NMOD][XPKT_SIMM_COUNTERS];
};

static void tell(struct xpkt_simscale *sc, struct want *w, uint16_t p, uint64_t a, uint64_t b,
		 int dir, int s)
{
	assert_int_equal(xpkt_simscale_owner(sc, p, a, b, dir, s), 0);
	for (unsigned m = 0; m < NMOD; m++)
		for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++) {
			uint64_t d = f(m, k, p, b) - f(m, k, p, a);

			if (dir >= 0)
				w->stage[dir][s][m][k] += d;
			else
				w->none[m][k] += d;
			w->total[m][k] += d;
		}
}

static void check(const struct xpkt_sim_scaling *r, const struct want *w)
{
	for (unsigned m = 0; m < NMOD; m++)
		for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++) {
			for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
				for (unsigned s = 0; s < XPKT_MAX_STAGES; s++)
					assert_int_equal(r->stage[d][s][m][k],
							 w->stage[d][s][m][k]);
			assert_int_equal(r->no_stage[m][k], w->none[m][k]);
			assert_int_equal(r->total[m][k], w->total[m][k]);
		}
}

static void test_two_cpus_interleaved(void **state)
{
	struct xpkt_simscale *sc = xpkt_simscale_new();
	struct xpkt_results out;
	struct want *w = calloc(1, sizeof(*w));
	const struct xpkt_sim_scaling *r;

	(void)state;
	assert_non_null(sc);
	assert_non_null(w);
	memset(&out, 0, sizeof(out));
	geometry(sc, NMOD);
	/* CPU 0 records every 100 ns from 100, CPU 1 every 70 ns from 30, merged by time */
	for (uint64_t t = 0; t <= 1000; t += 10) {
		if (t >= 100 && t % 100 == 0)
			record(sc, 0, t);
		if (t >= 30 && (t - 30) % 70 == 0)
			record(sc, 1, t);
		/* CPU 0's intervals are told as they close; CPU 1's only later, below */
		if (t == 300) {
			tell(sc, w, 0, 100, 200, XPKT_TX, 2);
			tell(sc, w, 0, 200, 300, -1, -1);
		}
		if (t == 700) {
			tell(sc, w, 0, 300, 400, XPKT_RX, 5);
			tell(sc, w, 0, 400, 500, XPKT_RX, 5);
			tell(sc, w, 0, 500, 600, XPKT_TX, 2);
		}
	}
	/* CPU 1: 30 100 170 240 310 380 450 520 590 660 730 800 870 940 */
	tell(sc, w, 1, 30, 100, XPKT_TX, 0);
	tell(sc, w, 1, 100, 170, XPKT_TX, 0);
	tell(sc, w, 1, 170, 240, -1, -1);
	tell(sc, w, 1, 240, 310, XPKT_RX, 1);
	tell(sc, w, 1, 310, 380, XPKT_RX, 1);
	tell(sc, w, 1, 380, 450, XPKT_TX, 2); /* the same stage as on CPU 0: sums add */
	tell(sc, w, 1, 450, 520, XPKT_TX, 2); /* across the formula's jump at 500 */
	for (uint64_t t = 520; t < 940; t += 70)
		tell(sc, w, 1, t, t + 70, -1, -1);
	for (uint64_t t = 600; t < 1000; t += 100)
		tell(sc, w, 0, t, t + 100, XPKT_RX, 15);

	assert_int_equal(xpkt_simscale_finish(sc, &out), 0);
	r = out.sim_scaling;
	assert_non_null(r);
	assert_int_equal(r->nmodels, NMOD);
	check(r, w);
	/* the whole run: each CPU's last record minus its first, as the stages never overlap */
	for (unsigned m = 0; m < NMOD; m++)
		for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++)
			assert_int_equal(r->total[m][k], f(m, k, 0, 1000) - f(m, k, 0, 100) +
							     f(m, k, 1, 940) - f(m, k, 1, 30));
	assert_int_equal(r->intervals, 9 + 13);
	assert_int_equal(r->intervals_owned, 9 + 13 - 1 - 7);
	assert_int_equal(r->stage_intervals[XPKT_TX][2], 2 + 2);
	assert_int_equal(r->stage_intervals[XPKT_RX][15], 4);
	assert_int_equal(r->intervals_unknown, 0);
	assert_int_equal(r->deltas_backwards, 0);
	/* geometry and the global flag */
	assert_string_equal(r->model[0].l2, "256K:16:64");
	assert_string_equal(r->model[2].l2, "8M:16:64");
	assert_string_equal(r->model[1].l1d, "32K:8:64");
	assert_string_equal(r->model[2].dtlb, "64:4:G");
	assert_int_equal(r->model[0].dtlb_global, 0);
	assert_int_equal(r->model[1].itlb_global, 0);
	assert_int_equal(r->model[2].dtlb_global, 1);
	assert_int_equal(r->model[2].itlb_global, 1);
	xpkt_results_free(&out);
	assert_null(out.sim_scaling);
	xpkt_simscale_free(sc);
	free(w);
}

/* Records sharing a timestamp are two intervals: (t1, t2] and (t2, t2]. */
static void test_same_timestamp(void **state)
{
	struct xpkt_simscale *sc = xpkt_simscale_new();
	struct xpkt_results out;
	struct xpkt_event e;
	const struct xpkt_sim_scaling *r;
	uint64_t v[XPKT_SIMM_COUNTERS];

	(void)state;
	memset(&out, 0, sizeof(out));
	geometry(sc, NMOD);
	record(sc, 0, 100);
	record(sc, 0, 200);
	/* a second record at 200, every counter 1000 higher than the first */
	for (unsigned m = 0; m < NMOD; m++) {
		e = model_ev(m, 0, 200);
		for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++)
			v[k] = f(m, k, 0, 200) + 1000;
		xpkt_sim_model_set(&e, v);
		assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	}
	assert_int_equal(xpkt_simscale_owner(sc, 0, 100, 200, XPKT_TX, 1), 0);
	assert_int_equal(xpkt_simscale_owner(sc, 0, 200, 200, XPKT_TX, 3), 0);
	assert_int_equal(xpkt_simscale_finish(sc, &out), 0);
	r = out.sim_scaling;
	assert_non_null(r);
	for (unsigned m = 0; m < NMOD; m++)
		for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++) {
			assert_int_equal(r->stage[XPKT_TX][1][m][k],
					 f(m, k, 0, 200) - f(m, k, 0, 100));
			assert_int_equal(r->stage[XPKT_TX][3][m][k], 1000);
		}
	assert_int_equal(r->intervals_unknown, 0);
	xpkt_results_free(&out);
	xpkt_simscale_free(sc);
}

/* What cannot be known is counted and added nowhere; later intervals still add up. */
static void test_unknown_and_backwards(void **state)
{
	struct xpkt_simscale *sc = xpkt_simscale_new();
	struct xpkt_results out;
	struct want *w = calloc(1, sizeof(*w));
	struct xpkt_event e;
	uint64_t v[XPKT_SIMM_COUNTERS];
	const struct xpkt_sim_scaling *r;

	(void)state;
	memset(&out, 0, sizeof(out));
	geometry(sc, NMOD);
	record(sc, 0, 100);
	/* the record at 200 lacks model 1 */
	for (unsigned m = 0; m < NMOD; m += 2) {
		e = model_ev(m, 0, 200);
		assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	}
	record(sc, 0, 300);
	record(sc, 0, 400);
	/* at 500 model 2's DTLB misses went back (another run's counters) */
	for (unsigned m = 0; m < NMOD; m++) {
		e = model_ev(m, 0, 500);
		if (m == 2) {
			xpkt_sim_model_get(&e, v);
			v[XPKT_SIMM_DTLB_MISS] = 0;
			xpkt_sim_model_set(&e, v);
		}
		assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	}
	/* an index past the plugin's limit is not a model: ignored */
	e = model_ev(0, 0, 500);
	e.arg2 = XPKT_SIM_EV_COUNTERS << 16 | 200;
	assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	assert_int_equal(xpkt_simscale_owner(sc, 0, 100, 200, XPKT_TX, 1), 0); /* unknown */
	assert_int_equal(xpkt_simscale_owner(sc, 0, 200, 300, XPKT_TX, 1), 0); /* unknown */
	tell(sc, w, 0, 300, 400, XPKT_TX, 1);
	assert_int_equal(xpkt_simscale_owner(sc, 0, 400, 500, XPKT_RX, 2), 0);
	/* a CPU that never had a record, and a record never seen */
	assert_int_equal(xpkt_simscale_owner(sc, 7, 10, 20, XPKT_RX, 2), 0);
	assert_int_equal(xpkt_simscale_owner(sc, 0, 500, 600, XPKT_RX, 2), 0);
	assert_int_equal(xpkt_simscale_finish(sc, &out), 0);
	r = out.sim_scaling;
	assert_non_null(r);
	assert_int_equal(r->nmodels, NMOD);
	assert_int_equal(r->intervals, 6);
	assert_int_equal(r->intervals_unknown, 4);
	assert_int_equal(r->deltas_backwards, 1);
	/* (400, 500]: models 0 and 1 added, model 2 not */
	for (unsigned m = 0; m < 2; m++)
		for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++) {
			uint64_t d = f(m, k, 0, 500) - f(m, k, 0, 400);

			w->stage[XPKT_RX][2][m][k] += d;
			w->total[m][k] += d;
		}
	check(r, w);
	xpkt_results_free(&out);
	xpkt_simscale_free(sc);
	free(w);
}

/* One model (or none): nothing to scale, no result. */
static void test_single_model(void **state)
{
	struct xpkt_simscale *sc = xpkt_simscale_new();
	struct xpkt_results out;
	struct xpkt_event e;

	(void)state;
	memset(&out, 0, sizeof(out));
	assert_int_equal(xpkt_simscale_finish(sc, &out), 0);
	assert_null(out.sim_scaling);
	geometry(sc, 1);
	e = model_ev(0, 0, 100);
	assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	e = model_ev(0, 0, 200);
	assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	assert_int_equal(xpkt_simscale_owner(sc, 0, 100, 200, XPKT_TX, 1), 0);
	assert_int_equal(xpkt_simscale_finish(sc, &out), 0);
	assert_null(out.sim_scaling);
	xpkt_simscale_free(sc);
	assert_true(xpkt_simscale_tlb_global("128:4:G"));
	assert_true(xpkt_simscale_tlb_global("128:4 G"));
	assert_false(xpkt_simscale_tlb_global("128:4"));
	assert_false(xpkt_simscale_tlb_global("G"));
	assert_false(xpkt_simscale_tlb_global(""));
}

/*
 * Counter events before the geometry (a stream whose model count grows
 * while records are queued) still pair up: entries widen in place.
 */
static void test_models_grow(void **state)
{
	struct xpkt_simscale *sc = xpkt_simscale_new();
	struct xpkt_results out;
	struct xpkt_event e;
	const struct xpkt_sim_scaling *r;

	(void)state;
	memset(&out, 0, sizeof(out));
	e = model_ev(0, 1, 100);
	assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	for (unsigned m = 0; m < NMOD; m++) {
		e = model_ev(m, 1, 100);
		if (m) /* model 0 of this record was given above */
			assert_int_equal(xpkt_simscale_event(sc, &e), 0);
	}
	record(sc, 1, 250);
	assert_int_equal(xpkt_simscale_owner(sc, 1, 100, 250, XPKT_RX, 4), 0);
	assert_int_equal(xpkt_simscale_finish(sc, &out), 0);
	r = out.sim_scaling;
	assert_non_null(r);
	assert_int_equal(r->intervals_unknown, 0);
	for (unsigned m = 0; m < NMOD; m++)
		for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++)
			assert_int_equal(r->stage[XPKT_RX][4][m][k],
					 f(m, k, 1, 250) - f(m, k, 1, 100));
	xpkt_results_free(&out);
	xpkt_simscale_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_cpus_interleaved),  cmocka_unit_test(test_same_timestamp),
	    cmocka_unit_test(test_unknown_and_backwards), cmocka_unit_test(test_single_model),
	    cmocka_unit_test(test_models_grow),
	};

	return cmocka_run_group_tests_name("simscale", tests, NULL, NULL);
}
