// SPDX-License-Identifier: GPL-2.0
/*
 * test_simpmu_synth.c - simulated PMU deltas (docs/correlation.md section
 * 13) against the generator's ground truth.
 *
 * synth --pmu-sim writes a pmu-sim counter stream whose counters are a known
 * formula of (physical CPU, time) with jumps, behind a TSC offset, in
 * interleaved per-CPU chunks; truth places each stage's ends on physical
 * CPUs from the identities it knows (which vCPU recorded it, the switch-ins
 * Xen recorded, the pCPU of each Xen record) and applies the rule to the
 * formula. The correlator reads only the bundle. Per stage and counter,
 * count, sum, min and max must agree exactly, p50/p99 within the histogram's
 * 1 %, cross-CPU and unpaired counts exactly; the instructions the stages
 * got never exceed what the CPUs ran; without --pmu-sim nothing changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "correlator/correlate.h"
#include "synth/synth.h"

#if defined(__SANITIZE_ADDRESS__)
#define PACKETS 5000
#else
#define PACKETS 40000
#endif

static void gen(char *dir, uint64_t seed, int pmu_sim, struct xpkt_results *truth)
{
	struct xpkt_synth_opts o;
	struct xpkt_err err = {{0}};

	assert_non_null(mkdtemp(dir));
	xpkt_synth_defaults(&o);
	o.out_dir = dir;
	o.packets = PACKETS;
	o.seed = seed;
	o.pmu_sim = pmu_sim;
	memset(truth, 0, sizeof(*truth));
	if (xpkt_synth_generate(&o, truth, &err))
		fail_msg("synth: %s", err.msg);
}

static void rmdir_r(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void near(uint64_t got, uint64_t want, const char *what, const char *stage)
{
	double tol = (double)want * 0.01 + 1;

	if ((double)got > (double)want + tol || (double)got + tol < (double)want)
		fail_msg("%s %s: %llu, truth %llu", stage, what, (unsigned long long)got,
			 (unsigned long long)want);
}

static void eq(uint64_t got, uint64_t want, const char *what, const char *stage, unsigned c)
{
	if (got != want)
		fail_msg("%s %s (counter %u): %llu, truth %llu", stage, what, c,
			 (unsigned long long)got, (unsigned long long)want);
}

static void compare(uint64_t seed)
{
	char dir[] = "/tmp/xpkt-simpmu-XXXXXX";
	struct xpkt_results truth, got;
	struct xpkt_manifest m;
	struct xpkt_err err = {{0}};
	unsigned with_deltas[XPKT_DIR_COUNT] = {0, 0};

	gen(dir, seed, 1, &truth);
	memset(&got, 0, sizeof(got));
	if (xpkt_correlate(dir, NULL, &m, &got, &err))
		fail_msg("correlate: %s", err.msg);
	assert_true(got.sim_known && truth.sim_known);
	assert_string_equal(got.sim_model, truth.sim_model);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_stages((enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *a = &got.stages[d][i],
						      *b = &truth.stages[d][i];

			eq(a->sim_cross_cpu, b->sim_cross_cpu, "cross-CPU", st[i].name, 0);
			eq(a->sim_unpaired, b->sim_unpaired, "unpaired", st[i].name, 0);
			for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
				eq(a->sim[c].count, b->sim[c].count, "count", st[i].name, c);
				eq(a->sim[c].sum, b->sim[c].sum, "sum", st[i].name, c);
				eq(a->sim[c].min, b->sim[c].min, "min", st[i].name, c);
				eq(a->sim[c].max, b->sim[c].max, "max", st[i].name, c);
				near(a->sim[c].p50, b->sim[c].p50, "p50", st[i].name);
				near(a->sim[c].p99, b->sim[c].p99, "p99", st[i].name);
			}
			with_deltas[d] += a->sim[XPKT_SIM_INSNS].sum > 0;
		}
	}
	/* the comparison is not vacuous: most stages of both directions got deltas */
	assert_true(with_deltas[XPKT_TX] >= 8);
	assert_true(with_deltas[XPKT_RX] >= 7);
	assert_int_equal(got.sim_insns_claimed, truth.sim_insns_claimed);
	/* the stages' instructions never exceed what the CPUs ran (issue 7) */
	assert_true(got.sim_insns_claimed > 0);
	assert_true(got.sim_insns_claimed <= got.sim_insns_total);
	assert_true(got.sim_records > 0);
	xpkt_results_free(&got);
	rmdir_r(dir);
}

static void test_truth_seed1(void **state)
{
	(void)state;
	compare(1);
}

static void test_truth_seed2(void **state)
{
	(void)state;
	compare(20261122);
}

/* Off by default: no stream, no source, no simulated values anywhere. */
static void test_off_by_default(void **state)
{
	char dir[] = "/tmp/xpkt-simpmu-XXXXXX", path[300];
	struct xpkt_results truth, got;
	struct xpkt_manifest m;
	struct xpkt_err err = {{0}};

	(void)state;
	gen(dir, 3, 0, &truth);
	snprintf(path, sizeof(path), "%s/pmu.sim", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	memset(&got, 0, sizeof(got));
	if (xpkt_correlate(dir, NULL, &m, &got, &err))
		fail_msg("correlate: %s", err.msg);
	for (unsigned i = 0; i < m.nsources; i++)
		assert_string_not_equal(m.sources[i].format, "pmu-sim");
	assert_false(got.sim_known);
	assert_false(truth.sim_known);
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned i = 0; i < XPKT_MAX_STAGES; i++)
			assert_int_equal(got.stages[d][i].sim[XPKT_SIM_INSNS].count, 0);
	xpkt_results_free(&got);
	rmdir_r(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truth_seed1),
	    cmocka_unit_test(test_truth_seed2),
	    cmocka_unit_test(test_off_by_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
