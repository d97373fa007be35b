// SPDX-License-Identifier: GPL-2.0
/*
 * test_truth.c - the correlator against the generator's ground truth.
 *
 * For several seeds, with every hazard on, the generator writes a bundle and
 * the truth it knows (computed from identities, not from keys); the
 * correlator reads only the bundle. Every per-stage count, unattributed count,
 * packet total and status must agree exactly, means within 1 ns, min and max
 * exactly, quantiles within the histogram's 1 %. Nothing here is a number
 * copied from a run: each expectation comes from truth.json. PMU deltas
 * (on by default in the generator): counts and sums exactly.
 *
 * Plain builds run 1 M packets per seed; under ASan (10x slower) 100 k.
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
#include "viz/report_json.h"

#if defined(__SANITIZE_ADDRESS__)
#define PACKETS 100000
#define NSEEDS	1
#else
#define PACKETS 1100000 /* ~0.1 % of origins are lost: still over a million seen */
#define NSEEDS	3
#endif

static const uint64_t seeds[] = {1, 20261121, 0xdeadbeef};

static void check_reasons(const char *what, const struct xpkt_reason_count *a, unsigned na,
			  const struct xpkt_reason_count *b, unsigned nb)
{
	assert_int_equal(na, nb);
	for (unsigned i = 0; i < na; i++) {
		unsigned j;

		for (j = 0; j < nb; j++)
			if (!strcmp(a[i].reason, b[j].reason))
				break;
		if (j == nb)
			fail_msg("%s: reason \"%s\" only in truth", what, a[i].reason);
		if (a[i].count != b[j].count)
			fail_msg("%s \"%s\": truth %llu, correlator %llu", what, a[i].reason,
				 (unsigned long long)a[i].count, (unsigned long long)b[j].count);
	}
}

static void check_counts(const char *what, const struct xpkt_packet_counts *t,
			 const struct xpkt_packet_counts *c)
{
	printf("  %s packets: total %llu complete %llu partial %llu dropped %llu\n", what,
	       (unsigned long long)t->total, (unsigned long long)t->complete,
	       (unsigned long long)t->partial, (unsigned long long)t->dropped);
	assert_int_equal(t->total, c->total);
	assert_int_equal(t->complete, c->complete);
	assert_int_equal(t->partial, c->partial);
	assert_int_equal(t->dropped, c->dropped);
	check_reasons("partial", t->partial_reasons, t->npartial_reasons, c->partial_reasons,
		      c->npartial_reasons);
	check_reasons("drop", t->drop_reasons, t->ndrop_reasons, c->drop_reasons, c->ndrop_reasons);
}

static void check_quantile(const char *stage, const char *q, uint64_t truth, uint64_t got)
{
	double err = truth ? ((double)got - (double)truth) / (double)truth : (double)got;

	if (err > 0.01 || err < -0.01)
		fail_msg("%s %s: truth %llu ns, correlator %llu ns", stage, q,
			 (unsigned long long)truth, (unsigned long long)got);
}

/* PMU deltas (docs/correlation.md section 11): counts and sums exact. */
static void check_pmu(const char *name, const struct xpkt_results *t,
		      const struct xpkt_stage_stats *ts, const struct xpkt_stage_stats *cs)
{
	assert_int_equal(ts->pmu_cross_cpu, cs->pmu_cross_cpu);
	assert_int_equal(ts->pmu_unpaired, cs->pmu_unpaired);
	for (unsigned k = 0; k < t->pmu.ncounters; k++) {
		const struct xpkt_pmu_stats *a = &ts->pmu[k], *b = &cs->pmu[k];

		if (a->count != b->count || a->sum != b->sum)
			fail_msg("%s %s: truth %llu deltas, sum %llu; correlator %llu, sum %llu",
				 name, t->pmu.counters[k], (unsigned long long)a->count,
				 (unsigned long long)a->sum, (unsigned long long)b->count,
				 (unsigned long long)b->sum);
		if (!a->count)
			continue;
		assert_int_equal(a->min, b->min);
		assert_int_equal(a->max, b->max);
		check_quantile(name, "pmu p50", a->p50, b->p50);
		check_quantile(name, "pmu p99", a->p99, b->p99);
	}
}

static void compare(const struct xpkt_results *t, const struct xpkt_results *c)
{
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *rows = xpkt_stages((enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *ts = &t->stages[d][i],
						      *cs = &c->stages[d][i];
			char name[64];

			snprintf(name, sizeof(name), "%s:%s", xpkt_dir_name((enum xpkt_dir)d),
				 rows[i].name);
			if (ts->count != cs->count || ts->unattributed != cs->unattributed)
				fail_msg("%s: count truth %llu correlator %llu, unattributed truth "
					 "%llu correlator %llu",
					 name, (unsigned long long)ts->count,
					 (unsigned long long)cs->count,
					 (unsigned long long)ts->unattributed,
					 (unsigned long long)cs->unattributed);
			check_pmu(name, t, ts, cs);
			for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
				if (ts->hot_calls[h] != cs->hot_calls[h] ||
				    ts->hot_bytes[h] != cs->hot_bytes[h])
					fail_msg("%s: %s calls truth %llu correlator %llu, bytes "
						 "truth %llu correlator %llu",
						 name, xpkt_hot_name(h),
						 (unsigned long long)ts->hot_calls[h],
						 (unsigned long long)cs->hot_calls[h],
						 (unsigned long long)ts->hot_bytes[h],
						 (unsigned long long)cs->hot_bytes[h]);
			if (!ts->count)
				continue;
			if (ts->mean_ns - cs->mean_ns > 1.0 || cs->mean_ns - ts->mean_ns > 1.0)
				fail_msg("%s: mean truth %.3f correlator %.3f", name, ts->mean_ns,
					 cs->mean_ns);
			assert_int_equal(ts->min_ns, cs->min_ns);
			assert_int_equal(ts->max_ns, cs->max_ns);
			check_quantile(name, "p50", ts->p50_ns, cs->p50_ns);
			check_quantile(name, "p90", ts->p90_ns, cs->p90_ns);
			check_quantile(name, "p99", ts->p99_ns, cs->p99_ns);
			check_quantile(name, "p99.9", ts->p999_ns, cs->p999_ns);
		}
	}
	check_counts("all", &t->packets, &c->packets);
	check_counts("tx", &t->by_dir[XPKT_TX], &c->by_dir[XPKT_TX]);
	check_counts("rx", &t->by_dir[XPKT_RX], &c->by_dir[XPKT_RX]);
	assert_int_equal(t->nlost, c->nlost);
	for (unsigned i = 0; i < t->nlost; i++) {
		assert_string_equal(t->lost[i].source, c->lost[i].source);
		assert_int_equal(t->lost[i].events, c->lost[i].events);
	}
}

/* The generator's in-memory truth, truth.json and the correlator must all agree. */
static void run_seed(uint64_t seed)
{
	char dir[] = "/tmp/xpkt-truth-XXXXXX", path[256], cmd[300];
	struct xpkt_synth_opts o;
	struct xpkt_results truth, from_file, got;
	struct xpkt_manifest m;
	struct xpkt_err err = {{0}};

	assert_non_null(mkdtemp(dir));
	xpkt_synth_defaults(&o);
	o.out_dir = dir;
	o.packets = PACKETS;
	o.seed = seed;
	assert_int_equal(o.hazards, XPKT_HZ_ALL);
	memset(&truth, 0, sizeof(truth));
	if (xpkt_synth_generate(&o, &truth, &err))
		fail_msg("synth: %s", err.msg);

	snprintf(path, sizeof(path), "%s/truth.json", dir);
	memset(&from_file, 0, sizeof(from_file));
	if (xpkt_results_read_json(path, &from_file, &err))
		fail_msg("truth.json: %s", err.msg);

	memset(&got, 0, sizeof(got));
	if (xpkt_correlate(dir, NULL, &m, &got, &err))
		fail_msg("correlate: %s", err.msg);

	printf("  seed %llu: %llu events\n", (unsigned long long)seed,
	       (unsigned long long)got.events_read);
	/* Every hazard must actually have happened, or this test proves little. */
	assert_true(truth.packets.dropped > 0);
	assert_true(truth.packets.partial > 0);
	assert_true(truth.nlost > 0);
	/* the generator writes PMU reads by default: their deltas are compared too */
	assert_true(truth.pmu.available && got.pmu.available);
	assert_int_equal(truth.pmu.ncounters, got.pmu.ncounters);
	compare(&truth, &from_file);
	compare(&truth, &got);

	xpkt_results_free(&got);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_correlator_matches_truth(void **state)
{
	(void)state;
	for (int i = 0; i < NSEEDS; i++)
		run_seed(seeds[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_correlator_matches_truth),
	};

	return cmocka_run_group_tests_name("truth", tests, NULL, NULL);
}
