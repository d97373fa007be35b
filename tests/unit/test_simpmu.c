// SPDX-License-Identifier: GPL-2.0
/*
 * test_simpmu.c - simulated PMU deltas per stage (correlator/simpmu.c,
 * docs/correlation.md section 13), on hand-made records whose counters are
 * a formula of (physical CPU, record time), so every expected delta is
 * arithmetic on that formula:
 *
 *  - a stage interval on one physical CPU gets counters(last record at or
 *    before its end) - counters(last record at or before its start);
 *  - a Linux vCPU's physical CPU is the one the latest XEN_SWITCH put it on:
 *    a migration between the two ends is cross-CPU, an unknown vCPU unpaired;
 *    a Xen event's cpu is physical;
 *  - overlapping intervals on one CPU share nothing: the later-closing one
 *    starts at the earlier one's end; an interval closing before that gets 0;
 *  - on random overlapping packets, each CPU's stages together never get more
 *    instructions than the CPU executed between its first and last record,
 *    while the plain rule (each interval its full delta) would;
 *  - through the join with a "pmu-sim" source: the same numbers per stage,
 *    and the model string from the stream's geometry events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>

#include "correlator/correlate.h"
#include "correlator/join.h"
#include "correlator/simpmu.h"
#include "tracepoints/stage.h"
#include "viz/report_json.h"
#include "viz/report_text.h"

#define STEP 10 /* ns between records */

/* Counter c of physical CPU p at a record stamped t (a multiple of STEP). */
static uint64_t f(unsigned p, unsigned c, uint64_t t)
{
	return (uint64_t)(c + 1) * (p + 2) * t + 1000000ull * c + (t >= 5000 ? 777 * (c + 1) : 0);
}

/* Counter c of CPU p at time t: the last record at or before t. */
static uint64_t at(unsigned p, unsigned c, uint64_t t)
{
	return f(p, c, t / STEP * STEP);
}

static struct xpkt_event rec(uint16_t pcpu, uint64_t t)
{
	struct xpkt_event e;
	uint64_t v[XPKT_SIM_COUNTERS];

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_SIM_PMU;
	e.ts = t;
	e.cpu = pcpu;
	e.source = XPKT_DOM_XEN;
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++)
		v[c] = f(pcpu, c, t);
	xpkt_sim_event_set(&e, v);
	return e;
}

static struct xpkt_event sw(uint16_t pcpu, uint16_t domid, uint16_t vcpu, uint64_t t)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_XEN_SWITCH;
	e.ts = t;
	e.cpu = pcpu;
	e.domid = domid;
	e.vcpu = vcpu;
	e.source = XPKT_DOM_XEN;
	return e;
}

/* Records of CPUs 0 and 1 every STEP ns in [from, to), with switches in time order. */
static void records(struct xpkt_simpmu *sp, uint64_t from, uint64_t to)
{
	for (uint64_t t = from; t < to; t += STEP)
		for (uint16_t p = 0; p < 2; p++) {
			struct xpkt_event e = rec(p, t);

			assert_int_equal(xpkt_simpmu_record(sp, &e), 0);
		}
}

static void attach(struct xpkt_simpmu *sp, uint32_t pkt, unsigned s, int prev, enum xpkt_domain dom,
		   uint16_t domid, uint16_t cpu, uint64_t t)
{
	struct xpkt_simpmu_at a = {.domain = dom, .domid = domid, .cpu = cpu, .ts = t};

	assert_int_equal(xpkt_simpmu_attach(sp, pkt, 1, XPKT_TX, s, prev, &a), 0);
}

static void test_rules(void **state)
{
	struct xpkt_simpmu *sp = xpkt_simpmu_new();
	struct xpkt_results r;
	struct xpkt_event e;
	uint64_t want[XPKT_SIM_COUNTERS] = {0};
	uint64_t total, claimed;

	(void)state;
	memset(&r, 0, sizeof(r));
	e = sw(0, 1, 0, 5);
	assert_int_equal(xpkt_simpmu_switch(sp, &e), 0);
	records(sp, 0, 1000);
	/* packet 0: guest 1 vCPU 0 on pCPU 0, stages at 105 and 437 */
	attach(sp, 0, 0, -1, XPKT_DOM_GUEST, 1, 0, 105);
	attach(sp, 0, 1, 0, XPKT_DOM_GUEST, 1, 0, 437);
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++)
		want[c] += at(0, c, 437) - at(0, c, 105);
	/* packet 1 overlaps: stages at 203 and 651; 203..437 was packet 0's */
	attach(sp, 1, 0, -1, XPKT_DOM_GUEST, 1, 0, 203);
	attach(sp, 1, 1, 0, XPKT_DOM_GUEST, 1, 0, 651);
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++)
		want[c] += at(0, c, 651) - at(0, c, 437);
	/* packet 2: a stage of Xen on pCPU 1 (cpu is physical), then guest 1 on pCPU 0 */
	attach(sp, 2, 0, -1, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 300);
	attach(sp, 2, 1, 0, XPKT_DOM_GUEST, 1, 0, 700); /* cross-CPU */
	/* packet 3: dom0 vCPU 0 was never switched in: unpaired */
	attach(sp, 3, 0, -1, XPKT_DOM_GUEST, 1, 0, 710);
	attach(sp, 3, 1, 0, XPKT_DOM_DOM0, 0, 0, 720);
	/* packet 4: Xen on pCPU 1 both ends */
	attach(sp, 4, 0, -1, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 301);
	attach(sp, 4, 2, 0, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 555);
	/* packet 5: an attach after the fact on pCPU 1, closing before 555: gets 0 */
	attach(sp, 5, 0, -1, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 100);
	attach(sp, 5, 2, 0, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 400);
	/* the vCPU migrates to pCPU 1 at 805: packet 6's stages straddle it */
	attach(sp, 6, 0, -1, XPKT_DOM_GUEST, 1, 0, 801);
	e = sw(1, 1, 0, 805);
	assert_int_equal(xpkt_simpmu_switch(sp, &e), 0);
	attach(sp, 6, 1, 0, XPKT_DOM_GUEST, 1, 0, 901);

	/*
	 * packets 7, 8, 9 opened on pCPU 1 at 600, 800, 700 and close together
	 * at 950 (one event attached all three), attached in another order:
	 * each gets the work since its own open, up to the next later open
	 */
	attach(sp, 7, 0, -1, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 600);
	attach(sp, 9, 0, -1, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 700);
	attach(sp, 8, 0, -1, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 800);
	attach(sp, 8, 3, 0, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 950);
	attach(sp, 7, 3, 0, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 950);
	attach(sp, 9, 3, 0, XPKT_DOM_XEN, XPKT_DOMID_NONE, 1, 950);

	assert_int_equal(xpkt_simpmu_finish(sp, &r), 0);
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
		const struct xpkt_pmu_stats *g3 = &r.stages[XPKT_TX][3].sim[c];
		uint64_t parts[3] = {at(1, c, 950) - at(1, c, 800), at(1, c, 800) - at(1, c, 700),
				     at(1, c, 700) - at(1, c, 600)};

		assert_int_equal(g3->count, 3);
		assert_int_equal(g3->sum, parts[0] + parts[1] + parts[2]);
		assert_int_equal(g3->max, parts[0]); /* 150 ns of work against 100 */
		assert_int_equal(g3->min, parts[1]);
		assert_int_equal(r.stages[XPKT_TX][1].sim[c].count, 2);
		assert_int_equal(r.stages[XPKT_TX][1].sim[c].sum, want[c]);
		assert_int_equal(r.stages[XPKT_TX][2].sim[c].count, 2);
		assert_int_equal(r.stages[XPKT_TX][2].sim[c].sum, at(1, c, 555) - at(1, c, 301));
		assert_int_equal(r.stages[XPKT_TX][2].sim[c].min, 0);
		assert_int_equal(r.stages[XPKT_TX][0].sim[c].count, 0);
	}
	assert_int_equal(r.stages[XPKT_TX][1].sim_cross_cpu, 2); /* packets 2 and 6 */
	assert_int_equal(r.stages[XPKT_TX][1].sim_unpaired, 1);	 /* packet 3 */
	assert_int_equal(r.sim_records, 200);
	assert_int_equal(r.sim_known, 1);
	/* each CPU: first record at 0, last at 990 */
	xpkt_simpmu_cpu_insns(sp, 0, &total, &claimed);
	assert_int_equal(total, f(0, 0, 990) - f(0, 0, 0));
	assert_int_equal(claimed, want[0]);
	xpkt_simpmu_cpu_insns(sp, 1, &total, &claimed);
	assert_int_equal(claimed, at(1, 0, 555) - at(1, 0, 301) + at(1, 0, 950) - at(1, 0, 600));
	assert_int_equal(r.sim_insns_claimed, want[0] + claimed);
	xpkt_results_free(&r);
	xpkt_simpmu_free(sp);
}

/* A tiny deterministic PRNG for the overlap test. */
static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static void test_never_more_than_the_cpu_ran(void **state)
{
	struct xpkt_simpmu *sp = xpkt_simpmu_new();
	struct xpkt_results r;
	uint64_t seed = 42, plain[2] = {0, 0}, sum = 0;
	struct {
		uint64_t t0, t1;
		uint16_t cpu;
	} pk[300];
	uint64_t t = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	/* Xen events on two pCPUs: 300 packets, each open for 50..2000 ns, heavily overlapping */
	for (unsigned i = 0; i < 300; i++) {
		pk[i].t0 = 1 + 20 * i + rnd(&seed) % 15;
		pk[i].t1 = pk[i].t0 + 50 + rnd(&seed) % 1950;
		pk[i].cpu = (uint16_t)(rnd(&seed) % 2);
	}
	/* records, then the attaches within that record step (in packet order) */
	for (t = 0; t < 9000; t += STEP) {
		records(sp, t, t + STEP);
		for (unsigned i = 0; i < 300; i++) {
			if (pk[i].t0 >= t && pk[i].t0 < t + STEP)
				attach(sp, i, 0, -1, XPKT_DOM_XEN, XPKT_DOMID_NONE, pk[i].cpu,
				       pk[i].t0);
			if (pk[i].t1 >= t && pk[i].t1 < t + STEP) {
				attach(sp, i, 1, 0, XPKT_DOM_XEN, XPKT_DOMID_NONE, pk[i].cpu,
				       pk[i].t1);
				plain[pk[i].cpu] +=
				    at(pk[i].cpu, 0, pk[i].t1) - at(pk[i].cpu, 0, pk[i].t0);
			}
		}
	}
	assert_int_equal(xpkt_simpmu_finish(sp, &r), 0);
	assert_int_equal(r.stages[XPKT_TX][1].sim[XPKT_SIM_INSNS].count, 300);
	for (uint16_t p = 0; p < 2; p++) {
		uint64_t total, claimed;

		xpkt_simpmu_cpu_insns(sp, p, &total, &claimed);
		assert_int_equal(total, f(p, 0, t - STEP) - f(p, 0, 0));
		assert_true(claimed <= total);
		assert_true(claimed > 0);
		/* the plain rule counts the overlaps again: it would break the bound */
		assert_true(plain[p] > total);
		sum += claimed;
	}
	assert_int_equal(r.stages[XPKT_TX][1].sim[XPKT_SIM_INSNS].sum, sum);
	assert_int_equal(r.sim_insns_claimed, sum);
	assert_true(r.sim_insns_claimed <= r.sim_insns_total);
	xpkt_results_free(&r);
	xpkt_simpmu_free(sp);
}

/* ---- through the join ---------------------------------------------------- */

enum { S_GUEST, S_DOM0, S_XEN, S_SIM };
static struct xpkt_manifest man;
static struct xpkt_joiner *J;

static void source(struct xpkt_source *s, const char *name, enum xpkt_domain d, uint16_t domid,
		   const char *format)
{
	strcpy(s->name, name);
	s->domain = d;
	s->domid = domid;
	strcpy(s->format, format);
	snprintf(s->file, sizeof(s->file), "%s.x", name);
	strcpy(s->clock_name, "tsc");
}

static void feed(struct xpkt_event *e, unsigned src)
{
	struct xpkt_err err;

	e->source = (uint8_t)man.sources[src].domain;
	e->src_domid = man.sources[src].domid;
	assert_int_equal(xpkt_join_event(J, e, src, &err), 0);
}

static void feed_records(uint64_t from, uint64_t to)
{
	for (uint64_t t = from; t < to; t += STEP)
		for (uint16_t p = 0; p < 2; p++) {
			struct xpkt_event e = rec(p, t);

			feed(&e, S_SIM);
		}
}

static void model(unsigned kind, const char *geo)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_SIM_PMU;
	e.arg2 = kind;
	memcpy(e.pmu, geo, strlen(geo));
	feed(&e, S_SIM);
}

static struct xpkt_event tx(uint16_t id, uint64_t ts, uint16_t cpu, uint32_t ring)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.ts = ts;
	e.cpu = cpu;
	e.skb = 0xa000;
	e.domid = 1;
	e.flow = (struct xpkt_flow){
	    .saddr = 0x0a000002u, .daddr = 0x0a000001u, .sport = 40000, .dport = 5201, .proto = 6};
	e.ring_idx = ring;
	e.ring_end = ring + 1;
	e.req_id = (uint16_t)ring;
	e.gref = 100 + ring;
	e.len = 1000;
	return e;
}

/*
 * report --json: the stage's "pmu" is the simulated one (no hardware
 * counters here), labelled, with the statistics; the file reads
 * back to the same numbers; the text report has the table in 80 columns.
 */
static void reports(const struct xpkt_results *r, int g)
{
	char path[64], *buf = NULL, *line;
	struct xpkt_results back;
	struct xpkt_err err;
	json_error_t jerr;
	json_t *root, *st, *pmu, *ins;
	size_t len = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/tmp/test_simpmu.%d.json", (int)getpid());
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(xpkt_report_json(fp, r, NULL), 0);
	fclose(fp);
	root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	st = json_array_get(json_object_get(root, "stages"), (size_t)g);
	assert_string_equal(json_string_value(json_object_get(st, "name")), "grant_claim");
	pmu = json_object_get(st, "pmu");
	assert_non_null(pmu);
	assert_string_equal(json_string_value(json_object_get(pmu, "source")), "simulated");
	assert_string_equal(json_string_value(json_object_get(pmu, "model")), r->sim_model);
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
		ins = json_object_get(pmu, xpkt_sim_counter_name(c));
		assert_non_null(ins);
		assert_int_equal(json_integer_value(json_object_get(ins, "count")), 1);
		assert_non_null(json_object_get(ins, "mean"));
		assert_non_null(json_object_get(ins, "p50"));
		assert_non_null(json_object_get(ins, "p99"));
	}
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(pmu, "instructions"), "sum")),
	    at(0, 0, 2001) - at(0, 0, 1001));
	assert_non_null(json_object_get(root, "pmu_sim"));
	json_decref(root);

	memset(&back, 0, sizeof(back));
	assert_int_equal(xpkt_results_read_json(path, &back, &err), 0);
	unlink(path);
	assert_int_equal(back.sim_known, 1);
	assert_string_equal(back.sim_model, r->sim_model);
	assert_int_equal(back.sim_insns_claimed, r->sim_insns_claimed);
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++)
		assert_int_equal(back.stages[XPKT_TX][g].sim[c].sum,
				 r->stages[XPKT_TX][g].sim[c].sum);
	assert_int_equal(back.stages[XPKT_TX][g].pmu[0].count, 0); /* not taken for hardware */

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(xpkt_report_text(fp, "bundle", r, &man), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "Simulated PMU deltas"));
	assert_non_null(strstr(buf, "tx grant_claim"));
	for (line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		if (n > 80)
			fail_msg("line over 80 columns: %.*s", (int)n, line);
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
}

static void test_join(void **state)
{
	struct xpkt_results r;
	struct xpkt_err err;
	struct xpkt_event e;
	int g = xpkt_stage_find(XPKT_TX, "grant_claim");
	int n = xpkt_stage_find(XPKT_TX, "evtchn_notify");
	int c = xpkt_stage_find(XPKT_TX, "backend_copy");

	(void)state;
	assert_true(g > 0 && n > g && c > n);
	memset(&man, 0, sizeof(man));
	memset(&r, 0, sizeof(r));
	man.version = 1;
	strcpy(man.mode, "xen");
	man.tsc_hz = 1000000000;
	man.nsources = 4;
	source(&man.sources[S_GUEST], "guest1", XPKT_DOM_GUEST, 1, "kev");
	source(&man.sources[S_DOM0], "dom0", XPKT_DOM_DOM0, 0, "kev");
	source(&man.sources[S_XEN], "xen", XPKT_DOM_XEN, XPKT_DOMID_NONE, "xentrace");
	source(&man.sources[S_SIM], "pmu", XPKT_DOM_XEN, XPKT_DOMID_NONE, "pmu-sim");
	J = xpkt_join_new(&man, 0, &err);
	assert_non_null(J);
	model(XPKT_SIM_EV_MODEL_L1I, "32K:8:64");
	model(XPKT_SIM_EV_MODEL_L1D, "32K:8:64");
	model(XPKT_SIM_EV_MODEL_L2, "1M:16:64");
	model(XPKT_SIM_EV_MODEL_ITLB, "off");
	model(XPKT_SIM_EV_MODEL_DTLB, "64:4");
	e = sw(0, 1, 0, 1);
	feed(&e, S_XEN);
	e = sw(1, 0, 0, 3);
	feed(&e, S_XEN);
	feed_records(0, 1010); /* merged order: records up to each event's time first */
	e = tx(XPKT_EV_TCP_XMIT, 1001, 0, 0);
	feed(&e, S_GUEST);
	feed_records(1010, 2010);
	e = tx(XPKT_EV_NF_TX_GRANT, 2001, 0, 10);
	feed(&e, S_GUEST);
	feed_records(2010, 3000);
	e = tx(XPKT_EV_NF_TX_NOTIFY, 2999, 0, 10);
	feed(&e, S_GUEST);
	feed_records(3000, 4000);
	e = tx(XPKT_EV_NB_TX_COPY, 3999, 0, 10); /* dom0's vCPU 0 is on pCPU 1 */
	feed(&e, S_DOM0);
	assert_int_equal(xpkt_join_finish(J, &r, &err), 0);
	xpkt_join_free(J);

	for (unsigned k = 0; k < XPKT_SIM_COUNTERS; k++) {
		assert_int_equal(r.stages[XPKT_TX][g].sim[k].count, 1);
		assert_int_equal(r.stages[XPKT_TX][g].sim[k].sum, at(0, k, 2001) - at(0, k, 1001));
		assert_int_equal(r.stages[XPKT_TX][n].sim[k].sum, at(0, k, 2999) - at(0, k, 2001));
		assert_int_equal(r.stages[XPKT_TX][c].sim[k].count, 0);
	}
	assert_int_equal(r.stages[XPKT_TX][c].sim_cross_cpu, 1);
	assert_int_equal(r.sim_known, 1);
	assert_int_equal(r.sim_records, 800);
	assert_string_equal(r.sim_model,
			    "l1i=32K:8:64 l1d=32K:8:64 l2=1M:16:64 itlb=off dtlb=64:4");
	reports(&r, g);
	xpkt_results_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_never_more_than_the_cpu_ran),
	    cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
