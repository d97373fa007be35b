// SPDX-License-Identifier: GPL-2.0
/*
 * test_pmu.c - PMU deltas (docs/correlation.md section 11).
 *
 *  - the join's rules on hand-made events: a delta per counter between a
 *    packet's consecutive stages read on one CPU of one source; another
 *    CPU, another source, a counter that went back or a stage read without
 *    counters give none and are counted; a notify attached to several
 *    packets gives each its own delta; a PMU read after an event that
 *    attached nothing is an orphan. Expected values are arithmetic on the
 *    counter values each test writes.
 *  - a generated bundle: per-stage counts and exact sums equal the
 *    generator's truth (identities, not keys).
 *  - a generated bundle whose manifest says the PMU is unavailable: the
 *    text and JSON reports say n/a with the reason and show no PMU value.
 *  - the manifest's "pmu" object round-trips; --pmu lists parse; and the
 *    machine's own PMU is probed (skipped with the reason where there is
 *    none, which is every machine of this project).
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
#include <jansson.h>

#include "bundle/manifest.h"
#include "capture/pmu.h"
#include "correlator/correlate.h"
#include "correlator/join.h"
#include "synth/synth.h"
#include "tracepoints/stage.h"
#include "viz/report_json.h"
#include "viz/report_text.h"

#define GUEST_DOM 1
enum { S_GUEST, S_DOM0, S_XEN };

static struct xpkt_manifest man;
static struct xpkt_joiner *J;
static struct xpkt_results R;

static void source(struct xpkt_source *s, const char *name, enum xpkt_domain d, uint16_t domid)
{
	strcpy(s->name, name);
	s->domain = d;
	s->domid = domid;
	strcpy(s->format, d == XPKT_DOM_XEN ? "xentrace" : "kev");
	snprintf(s->file, sizeof(s->file), "%s.kev", name);
	strcpy(s->clock_name, "x86-tsc");
	if (d != XPKT_DOM_XEN) {
		s->pmu.known = 1;
		s->pmu.available = 1;
		s->pmu.ncounters = 2;
		strcpy(s->pmu.counters[0], "cycles");
		strcpy(s->pmu.counters[1], "instructions");
	}
}

static void start(void)
{
	struct xpkt_err err;

	memset(&man, 0, sizeof(man));
	man.version = 1;
	strcpy(man.mode, "xen");
	man.tsc_hz = 1000000000;
	man.nsources = 3;
	source(&man.sources[S_GUEST], "guest1", XPKT_DOM_GUEST, GUEST_DOM);
	source(&man.sources[S_DOM0], "dom0", XPKT_DOM_DOM0, 0);
	source(&man.sources[S_XEN], "xen", XPKT_DOM_XEN, XPKT_DOMID_NONE);
	J = xpkt_join_new(&man, 0, &err);
	assert_non_null(J);
	memset(&R, 0, sizeof(R));
}

static void finish(void)
{
	struct xpkt_err err;

	assert_int_equal(xpkt_join_finish(J, &R, &err), 0);
	xpkt_join_free(J);
	J = NULL;
}

static int teardown(void **state)
{
	(void)state;
	xpkt_results_free(&R);
	return 0;
}

static void feed(struct xpkt_event *e, unsigned src)
{
	struct xpkt_err err;

	e->source = (uint8_t)man.sources[src].domain;
	e->src_domid = man.sources[src].domid;
	assert_int_equal(xpkt_join_event(J, e, src, &err), 0);
}

/* The counters read with the event just fed (same source, cpu, ts). */
static void pmu(unsigned src, uint64_t ts, uint16_t cpu, uint64_t cycles, uint64_t instr)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_PMU;
	e.ts = ts;
	e.cpu = cpu;
	e.pmu[0] = cycles;
	e.pmu[1] = instr;
	feed(&e, src);
}

static void tcp_build(uint64_t ts, uint16_t cpu, uint64_t skb)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_TCP_XMIT;
	e.ts = ts;
	e.cpu = cpu;
	e.skb = skb;
	e.flow = (struct xpkt_flow){
	    .saddr = 0x0a000002u, .daddr = 0x0a000001u, .sport = 40000, .dport = 5201, .proto = 6};
	e.len = 1000;
	feed(&e, S_GUEST);
}

static void grant(uint64_t ts, uint16_t cpu, uint64_t skb, uint32_t ring)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_NF_TX_GRANT;
	e.ts = ts;
	e.cpu = cpu;
	e.skb = skb;
	e.domid = GUEST_DOM;
	e.ring_idx = ring;
	e.req_id = (uint16_t)ring;
	e.gref = 100 + ring;
	e.len = 1000;
	feed(&e, S_GUEST);
}

static void notify(uint64_t ts, uint16_t cpu, uint32_t lo, uint32_t end)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_NF_TX_NOTIFY;
	e.ts = ts;
	e.cpu = cpu;
	e.domid = GUEST_DOM;
	e.ring_idx = lo;
	e.ring_end = end;
	feed(&e, S_GUEST);
}

static void tx_copy(uint64_t ts, uint16_t cpu, uint32_t ring)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_NB_TX_COPY;
	e.ts = ts;
	e.cpu = cpu;
	e.domid = GUEST_DOM;
	e.ring_idx = ring;
	e.gref = 100 + ring;
	e.len = 128;
	feed(&e, S_DOM0);
}

static const struct xpkt_stage_stats *stage(const char *name)
{
	int i = xpkt_stage_find(XPKT_TX, name);

	assert_true(i >= 0);
	return &R.stages[XPKT_TX][i];
}

static void test_join_rules(void **state)
{
	const struct xpkt_stage_stats *g, *n, *c;

	(void)state;
	start();
	/* packet A: tcp_build and grant on cpu 0, notify on cpu 1, copy in dom0 */
	tcp_build(1000, 0, 0xa000);
	pmu(S_GUEST, 1000, 0, 5000, 3000);
	grant(2000, 0, 0xa000, 10);
	pmu(S_GUEST, 2000, 0, 5700, 3400); /* +700, +400 */
	notify(3000, 1, 10, 11);
	pmu(S_GUEST, 3000, 1, 9000, 9000); /* another CPU: cross-CPU */
	tx_copy(4000, 0, 10);
	pmu(S_DOM0, 4000, 0, 20000, 20000); /* previous stage in the guest: unpaired */

	/* packet B: the counter went back between its stages: unpaired */
	tcp_build(5000, 0, 0xb000);
	pmu(S_GUEST, 5000, 0, 8000, 8000);
	grant(6000, 0, 0xb000, 20);
	pmu(S_GUEST, 6000, 0, 7000, 8100);

	/* packet C: origin read without counters: its grant's delta is unpaired */
	tcp_build(7000, 0, 0xc000);
	grant(8000, 0, 0xc000, 30);
	pmu(S_GUEST, 8000, 0, 100, 100);

	/* packets D and E: one notify covers both; each gets its own delta */
	tcp_build(9000, 0, 0xd000);
	pmu(S_GUEST, 9000, 0, 1000, 1000);
	grant(9100, 0, 0xd000, 40);
	pmu(S_GUEST, 9100, 0, 1100, 1010); /* +100, +10 */
	tcp_build(9200, 0, 0xe000);
	pmu(S_GUEST, 9200, 0, 1200, 1020);
	grant(9300, 0, 0xe000, 41);
	pmu(S_GUEST, 9300, 0, 1500, 1050); /* +300, +30 */
	notify(9400, 0, 40, 42);
	pmu(S_GUEST, 9400, 0, 2000, 1100); /* D: +900, +90; E: +500, +50 */

	/* a read with no event of its (source, cpu, ts) right before it */
	pmu(S_GUEST, 9400, 1, 1, 1);
	finish();

	g = stage("grant_claim");
	assert_int_equal(g->pmu[0].count, 3); /* A, D, E */
	assert_int_equal(g->pmu[0].sum, 700 + 100 + 300);
	assert_int_equal(g->pmu[1].sum, 400 + 10 + 30);
	assert_int_equal(g->pmu[0].min, 100);
	assert_int_equal(g->pmu[0].max, 700);
	assert_int_equal(g->pmu_cross_cpu, 0);
	assert_int_equal(g->pmu_unpaired, 2); /* B went back, C had no base */
	n = stage("evtchn_notify");
	assert_int_equal(n->pmu[0].count, 2);
	assert_int_equal(n->pmu[0].sum, 900 + 500);
	assert_int_equal(n->pmu[1].sum, 90 + 50);
	assert_int_equal(n->pmu_cross_cpu, 1); /* A */
	c = stage("backend_copy");
	assert_int_equal(c->pmu[0].count, 0);
	assert_int_equal(c->pmu_unpaired, 1);
	assert_int_equal(stage("tcp_build")->pmu[0].count, 0); /* an origin has no delta */
	assert_int_equal(stage("tcp_build")->pmu_unpaired, 0);
	assert_true(R.pmu.available);
	assert_int_equal(R.pmu.ncounters, 2);
	assert_string_equal(R.pmu.counters[1], "instructions");
	assert_int_equal(R.pmu.records, 4 + 2 + 1 + 5 + 1);
	assert_int_equal(R.pmu.orphans, 1);
}

/* A source listing other counters is not mixed into the results' columns. */
static void test_other_counter_list_ignored(void **state)
{
	struct xpkt_err err;

	(void)state;
	start();
	xpkt_join_free(J);
	strcpy(man.sources[S_GUEST].pmu.counters[1], "llc-misses");
	J = xpkt_join_new(&man, 0, &err);
	assert_non_null(J);
	tcp_build(1000, 0, 0xa000);
	pmu(S_GUEST, 1000, 0, 5000, 3000);
	grant(2000, 0, 0xa000, 10);
	pmu(S_GUEST, 2000, 0, 5700, 3400);
	tx_copy(3000, 0, 10);
	pmu(S_DOM0, 3000, 0, 1, 1);
	finish();
	/* the guest's list is the results'; dom0's differs: its read is not used */
	assert_string_equal(R.pmu.counters[1], "llc-misses");
	assert_int_equal(stage("grant_claim")->pmu[0].sum, 700);
	assert_int_equal(stage("backend_copy")->pmu_unpaired, 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void gen(char *dir, enum xpkt_synth_pmu mode, uint64_t packets, struct xpkt_results *truth)
{
	struct xpkt_synth_opts o;
	struct xpkt_err err = {{0}};

	assert_non_null(mkdtemp(dir));
	xpkt_synth_defaults(&o);
	o.out_dir = dir;
	o.packets = packets;
	o.seed = 77;
	o.pmu = mode;
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

/* Per-stage counts and exact sums of a generated bundle equal its truth. */
static void test_generated_sums_match_truth(void **state)
{
	char dir[] = "/tmp/xpkt-pmu-XXXXXX";
	struct xpkt_results truth;
	struct xpkt_manifest m;
	struct xpkt_err err = {{0}};
	unsigned stages_with_deltas = 0;

	(void)state;
	gen(dir, XPKT_SYNTH_PMU_ON, 30000, &truth);
	memset(&R, 0, sizeof(R));
	if (xpkt_correlate(dir, NULL, &m, &R, &err))
		fail_msg("correlate: %s", err.msg);
	assert_true(truth.pmu.available && R.pmu.available);
	assert_int_equal(truth.pmu.ncounters, XPKT_PMU_MAX);
	assert_int_equal(R.pmu.ncounters, XPKT_PMU_MAX);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_stages((enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *t = &truth.stages[d][i],
						      *c = &R.stages[d][i];

			assert_int_equal(t->pmu_cross_cpu, c->pmu_cross_cpu);
			assert_int_equal(t->pmu_unpaired, c->pmu_unpaired);
			for (unsigned k = 0; k < XPKT_PMU_MAX; k++) {
				if (t->pmu[k].count != c->pmu[k].count ||
				    t->pmu[k].sum != c->pmu[k].sum)
					fail_msg("%s %s %s: truth %llu deltas sum %llu, correlator "
						 "%llu sum %llu",
						 xpkt_dir_name((enum xpkt_dir)d), st[i].name,
						 R.pmu.counters[k],
						 (unsigned long long)t->pmu[k].count,
						 (unsigned long long)t->pmu[k].sum,
						 (unsigned long long)c->pmu[k].count,
						 (unsigned long long)c->pmu[k].sum);
				assert_int_equal(t->pmu[k].min, c->pmu[k].min);
				assert_int_equal(t->pmu[k].max, c->pmu[k].max);
			}
			/*
			 * A Linux stage right after a stage of its own domain in
			 * the catalogue has deltas (every packet passing both).
			 */
			if (i > 0 && st[i - 1].domain == st[i].domain &&
			    (st[i].domain == XPKT_DOM_GUEST || st[i].domain == XPKT_DOM_DOM0)) {
				assert_true(t->pmu[0].count > 0);
				stages_with_deltas++;
			}
			/* Xen and wire stages are never read with counters */
			if (st[i].domain == XPKT_DOM_XEN || st[i].domain == XPKT_DOM_WIRE)
				assert_int_equal(c->pmu[0].count + c->pmu_unpaired, 0);
		}
	}
	assert_true(stages_with_deltas > 0);
	xpkt_results_free(&R);
	rmdir_r(dir);
}

/* No hardware PMU: reports say n/a (reason) and never show a PMU value. */
static void test_unavailable_never_zero(void **state)
{
	char dir[] = "/tmp/xpkt-pmu-XXXXXX", path[256];
	struct xpkt_results truth;
	struct xpkt_manifest m;
	struct xpkt_err err = {{0}};
	char *text, *line, *save = NULL;
	json_t *root, *stages, *st, *pm;
	json_error_t jerr;
	size_t i;
	FILE *f;

	(void)state;
	gen(dir, XPKT_SYNTH_PMU_UNAVAILABLE, 3000, &truth);
	memset(&R, 0, sizeof(R));
	if (xpkt_correlate(dir, NULL, &m, &R, &err))
		fail_msg("correlate: %s", err.msg);
	assert_true(m.sources[0].pmu.known && !m.sources[0].pmu.available);

	snprintf(path, sizeof(path), "%s/report.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(xpkt_report_text(f, dir, &R, &m), 0);
	fclose(f);
	text = slurp(path);
	assert_non_null(strstr(text, "PMU deltas: n/a (guest, dom0: synth --pmu=unavailable"));
	assert_null(strstr(text, "PMU deltas per stage"));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "PMU") || strstr(line, "cycles") || strstr(line, "instructions"))
			assert_non_null(strstr(line, "n/a"));
	}
	free(text);

	snprintf(path, sizeof(path), "%s/report.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(xpkt_report_json(f, &R, &m), 0);
	fclose(f);
	root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	pm = json_object_get(root, "pmu");
	assert_true(json_is_false(json_object_get(pm, "available")));
	assert_non_null(strstr(json_string_value(json_object_get(pm, "reason")), "unavailable"));
	assert_null(json_object_get(pm, "counters"));
	stages = json_object_get(root, "stages");
	assert_true(json_array_size(stages) > 0);
	json_array_foreach(stages, i, st) assert_null(json_object_get(st, "pmu"));
	json_decref(root);
	xpkt_results_free(&R);
	rmdir_r(dir);
}

static void test_manifest_roundtrip(void **state)
{
	char dir[] = "/tmp/xpkt-pmu-XXXXXX";
	struct xpkt_manifest in, out;
	struct xpkt_err err = {{0}};

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&in, 0, sizeof(in));
	in.version = 1;
	strcpy(in.mode, "xen");
	in.tsc_hz = 1000000000;
	in.nsources = 2;
	source(&in.sources[0], "dom0", XPKT_DOM_DOM0, 0);
	source(&in.sources[1], "guest1", XPKT_DOM_GUEST, 1);
	in.sources[1].pmu.available = 0;
	in.sources[1].pmu.ncounters = 0;
	strcpy(in.sources[1].pmu.reason, "cycles: perf_event_open: No such file or directory");
	if (xpkt_manifest_write(dir, &in, &err) || xpkt_manifest_read(dir, &out, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(out.sources[0].pmu.known, 1);
	assert_int_equal(out.sources[0].pmu.available, 1);
	assert_int_equal(out.sources[0].pmu.ncounters, 2);
	assert_string_equal(out.sources[0].pmu.counters[1], "instructions");
	assert_int_equal(out.sources[1].pmu.known, 1);
	assert_int_equal(out.sources[1].pmu.available, 0);
	assert_string_equal(out.sources[1].pmu.reason, in.sources[1].pmu.reason);
	rmdir_r(dir);
}

static void test_parse_list(void **state)
{
	struct xpkt_pmu_info p;
	struct xpkt_err err = {{0}};

	(void)state;
	assert_int_equal(xpkt_pmu_parse(XPKT_PMU_DEFAULT, &p, &err), 0);
	assert_int_equal(p.ncounters, 4);
	assert_string_equal(p.counters[3], "dtlb-load-misses");
	assert_int_equal(xpkt_pmu_parse("off", &p, &err), 0);
	assert_int_equal(p.ncounters, 0);
	assert_int_equal(xpkt_pmu_parse("cycles,bogus", &p, &err), -1);
	assert_non_null(strstr(err.msg, "bogus"));
	assert_int_equal(xpkt_pmu_parse("cycles,cycles", &p, &err), -1);
	assert_int_equal(
	    xpkt_pmu_parse("cycles,instructions,llc-misses,dtlb-load-misses,branch-misses", &p,
			   &err),
	    -1);
	assert_int_equal(xpkt_pmu_parse("", &p, &err), -1);
}

/* This machine's PMU: every project machine has none, which must be said. */
static void test_probe_this_machine(void **state)
{
	struct xpkt_pmu_info p;
	struct xpkt_err err = {{0}};

	(void)state;
	assert_int_equal(xpkt_pmu_parse("cycles", &p, &err), 0);
	xpkt_pmu_probe(&p);
	assert_int_equal(p.known, 1);
	assert_int_equal(p.available, 0); /* the group reader is not written (pmu.h) */
	assert_true(p.reason[0] != 0);
	if (strstr(p.reason, "perf_event_open"))
		printf("  SKIPPED reading real counters: %s\n", p.reason);
	else
		printf("  a PMU exists here, but reading it is not implemented: %s\n", p.reason);
	assert_int_equal(xpkt_pmu_parse("off", &p, &err), 0);
	xpkt_pmu_probe(&p);
	assert_int_equal(p.available, 0);
	assert_non_null(strstr(p.reason, "--pmu=off"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_join_rules, teardown),
	    cmocka_unit_test_teardown(test_other_counter_list_ignored, teardown),
	    cmocka_unit_test(test_generated_sums_match_truth),
	    cmocka_unit_test(test_unavailable_never_zero),
	    cmocka_unit_test(test_manifest_roundtrip),
	    cmocka_unit_test(test_parse_list),
	    cmocka_unit_test(test_probe_this_machine),
	};

	return cmocka_run_group_tests_name("pmu", tests, NULL, NULL);
}
