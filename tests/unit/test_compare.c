// SPDX-License-Identifier: GPL-2.0
/*
 * test_compare.c - `xpkttrace compare`'s model and renderers: ratios are B/A
 * of the two runs' own figures, stages one run has no samples of are
 * new/gone and print "-" (text) or null (JSON) rather than 0, the "biggest
 * changes" are ordered by how far p50 or mean moved, runs of different modes
 * are refused, and two generated runs that differ in one stage's latency
 * name that stage first. Expected values are arithmetic on the inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>
#include <jansson.h>

#include "correlator/correlate.h"
#include "synth/synth.h"
#include "viz/compare.h"
#include "viz/compare_json.h"
#include "viz/compare_text.h"

static void set_stage(struct xpkt_stage_stats *s, uint64_t count, double mean, uint64_t p50,
		      uint64_t p90, uint64_t p99)
{
	memset(s, 0, sizeof(*s));
	s->count = count;
	s->mean_ns = mean;
	s->p50_ns = p50;
	s->p90_ns = p90;
	s->p99_ns = p99;
	s->total_ns = mean * (double)count;
}

/* Row index of a stage in the compare model (TX rows come first). */
static unsigned row_of(const struct xpkt_compare *c, enum xpkt_dir d, const char *name)
{
	for (unsigned i = 0; i < c->nrows; i++)
		if (c->rows[i].st->dir == d && !strcmp(c->rows[i].st->name, name))
			return i;
	fail_msg("no row %s", name);
	return 0;
}

/* TX stage rows 1, 2, 3 (after the origin, whatever their names). */
static const char *tx_name(unsigned i)
{
	unsigned n;

	return xpkt_stages(XPKT_TX, &n)[i].name;
}

/*
 * A: tx origin 100 packets; row 1 count 100, mean 1000, p50 900;
 *    row 2 count 50 (gone in B); row 3 none (new in B).
 * B: origin 150; row 1 count 200, mean 2500, p50 1800; row 3 count 10.
 */
static void fill_pair(struct xpkt_results *a, struct xpkt_results *b)
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->mode = b->mode = XPKT_MODE_XEN;
	set_stage(&a->stages[XPKT_TX][0], 100, 0, 0, 0, 0);
	set_stage(&b->stages[XPKT_TX][0], 150, 0, 0, 0, 0);
	set_stage(&a->stages[XPKT_TX][1], 100, 1000, 900, 2000, 5000);
	set_stage(&b->stages[XPKT_TX][1], 200, 2500, 1800, 3000, 4000);
	set_stage(&a->stages[XPKT_TX][2], 50, 700, 650, 900, 1200);
	set_stage(&b->stages[XPKT_TX][3], 10, 300, 280, 400, 500);
	a->stages[XPKT_TX][2].unattributed = 4;
	b->stages[XPKT_TX][2].unattributed = 6;
	a->packets.total = 100;
	b->packets.total = 150;
	a->packets.dropped = 0;
	b->packets.dropped = 3;
	a->nlost = 2;
	strcpy(a->lost[0].source, "guest");
	a->lost[0].events = 10;
	strcpy(a->lost[1].source, "dom0");
	a->lost[1].events = 4;
	b->nlost = 2;
	strcpy(b->lost[0].source, "dom0");
	b->lost[0].events = 1;
	strcpy(b->lost[1].source, "xen");
	b->lost[1].events = 7;
}

static void test_fmt_ratio(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 0.57), "-43 %");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 2.31), "x2.31");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 1.12), "+12 %");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 1.0), "0 %");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 0.996), "0 %");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 1.996), "x2.00");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 12.34), "x12.3");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 150.0), "x150");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 0.004), "x0.004");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), 0.0), "x0");
	assert_string_equal(xpkt_cmp_fmt_ratio(buf, sizeof(buf), NAN), "-");
	assert_true(isnan(xpkt_cmp_ratio(0, 5)));
	assert_true(xpkt_cmp_ratio(4, 10) == 2.5);
}

static void test_ratios_and_markers(void **state)
{
	struct xpkt_results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct xpkt_compare *c = calloc(1, sizeof(*c));
	struct xpkt_err err = {{0}};
	const struct xpkt_cmp_stage *r0, *r1, *r2, *r3;

	(void)state;
	fill_pair(a, b);
	assert_int_equal(xpkt_compare_build(c, "A", a, "B", b, &err), 0);
	r0 = &c->rows[0];
	r1 = &c->rows[row_of(c, XPKT_TX, tx_name(1))];
	r2 = &c->rows[row_of(c, XPKT_TX, tx_name(2))];
	r3 = &c->rows[row_of(c, XPKT_TX, tx_name(3))];

	/* the origin compares packets created, never a latency */
	assert_true(r0->origin);
	assert_int_equal(r0->status, XPKT_CMP_BOTH);
	assert_true(r0->ratio[XPKT_CMP_COUNT] == 150.0 / 100.0);
	assert_true(isnan(r0->ratio[XPKT_CMP_MEAN]) && isnan(r0->ratio[XPKT_CMP_P50]));

	assert_int_equal(r1->status, XPKT_CMP_BOTH);
	assert_true(r1->ratio[XPKT_CMP_COUNT] == 200.0 / 100.0);
	assert_true(r1->ratio[XPKT_CMP_MEAN] == 2500.0 / 1000.0);
	assert_true(r1->ratio[XPKT_CMP_P50] == 1800.0 / 900.0);
	assert_true(r1->ratio[XPKT_CMP_P90] == 3000.0 / 2000.0);
	assert_true(r1->ratio[XPKT_CMP_P99] == 4000.0 / 5000.0);
	assert_true(isnan(r1->ratio[XPKT_CMP_UNATTR])); /* 0 -> 0 */
	/* moved: the larger |log| of p50 (2.0) and mean (2.5) */
	assert_true(fabs(r1->moved - log(2.5)) < 1e-12);

	assert_int_equal(r2->status, XPKT_CMP_GONE);
	assert_int_equal(r3->status, XPKT_CMP_NEW);
	for (int f = XPKT_CMP_COUNT; f <= XPKT_CMP_P99; f++) {
		assert_true(isnan(r2->ratio[f]));
		assert_true(isnan(r3->ratio[f]));
	}
	/* unattributed events are compared whatever attached */
	assert_true(r2->ratio[XPKT_CMP_UNATTR] == 6.0 / 4.0);

	/* only rows with samples on both sides and a moved latency are ranked */
	assert_int_equal(c->nbiggest, 1);
	assert_int_equal(c->biggest[0], (unsigned)(r1 - c->rows));

	/* different modes: refused, naming both runs */
	b->mode = XPKT_MODE_NATIVE;
	assert_int_equal(xpkt_compare_build(c, "runA", a, "runB", b, &err), -1);
	assert_non_null(strstr(err.msg, "runA"));
	assert_non_null(strstr(err.msg, "runB"));
	assert_non_null(strstr(err.msg, "native"));
	free(c);
	free(b);
	free(a);
}

/* moves[i] = B/A of stage i+1's p50 and mean: the ranking is by |log|. */
static void test_biggest_order(void **state)
{
	static const double moves[] = {1.5, 0.25, 3.0, 1.1, 0.9, 5.0,
				       0.5, 1.01, 2.0, 0.7, 1.3, 4.5};
	unsigned nm = sizeof(moves) / sizeof(moves[0]), n;
	struct xpkt_results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct xpkt_compare *c = calloc(1, sizeof(*c));
	struct xpkt_err err = {{0}};
	unsigned order[16], used[16] = {0};

	(void)state;
	xpkt_stages(XPKT_TX, &n);
	assert_true(n > nm); /* the Xen TX catalogue has the rows for it */
	for (unsigned i = 0; i < nm; i++) {
		set_stage(&a->stages[XPKT_TX][i + 1], 10, 1000, 1000, 1000, 1000);
		set_stage(&b->stages[XPKT_TX][i + 1], 10, 1000 * moves[i],
			  (uint64_t)llround(1000 * moves[i]), 1000, 1000);
	}
	/* expected: selection by |log(move)|, largest first */
	for (unsigned k = 0; k < nm; k++) {
		int best = -1;

		for (unsigned i = 0; i < nm; i++)
			if (!used[i] && (best < 0 || fabs(log(moves[i])) > fabs(log(moves[best]))))
				best = (int)i;
		used[best] = 1;
		order[k] = (unsigned)best + 1; /* TX row index */
	}
	assert_int_equal(xpkt_compare_build(c, "A", a, "B", b, &err), 0);
	assert_int_equal(c->nbiggest, XPKT_CMP_BIGGEST);
	for (unsigned k = 0; k < c->nbiggest; k++) {
		assert_int_equal(c->rows[c->biggest[k]].st->dir, XPKT_TX);
		assert_int_equal(c->rows[c->biggest[k]].index, order[k]);
	}
	free(c);
	free(b);
	free(a);
}

static void test_lost_union(void **state)
{
	struct xpkt_results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct xpkt_compare *c = calloc(1, sizeof(*c));
	struct xpkt_err err = {{0}};
	struct xpkt_cmp_lost l[8];
	unsigned n;

	(void)state;
	fill_pair(a, b);
	assert_int_equal(xpkt_compare_build(c, "A", a, "B", b, &err), 0);
	n = xpkt_compare_lost(c, l, 8);
	assert_int_equal(n, 3);
	assert_string_equal(l[0].source, "guest");
	assert_true(l[0].in_a && !l[0].in_b && l[0].a == 10);
	assert_string_equal(l[1].source, "dom0");
	assert_true(l[1].in_a && l[1].in_b && l[1].a == 4 && l[1].b == 1);
	assert_string_equal(l[2].source, "xen");
	assert_true(!l[2].in_a && l[2].in_b && l[2].b == 7);
	free(c);
	free(b);
	free(a);
}

/* The run measures: values by arithmetic on the results; NAN where unmeasured. */
static void test_measures(void **state)
{
	struct xpkt_results *r = calloc(1, sizeof(*r));
	unsigned n;
	const struct xpkt_cmp_measure *m = xpkt_cmp_measures(&n);
	double v[8];

	(void)state;
	assert_true(n >= 4 && n <= 8);
	for (unsigned i = 0; i < n; i++) /* nothing recorded: nothing measured */
		assert_true(isnan(m[i].value(r)));
	r->origin_bytes[XPKT_RX] = 12500000; /* 100 Mbit over 1 s */
	r->origin_first_ns[XPKT_RX] = 5000000000ull;
	r->origin_last_ns[XPKT_RX] = 6000000000ull;
	r->by_dir[XPKT_RX].total = 2000;
	r->hot_calls[XPKT_DOM_GUEST][XPKT_HOT_COLLAPSE] = 3;
	r->hot_calls[XPKT_DOM_GUEST][XPKT_HOT_COPY_BITS] = 5000;
	r->hot_calls[XPKT_DOM_GUEST][XPKT_HOT_PRUNE] = 4;
	r->rcv_truesize_segs[XPKT_DOM_GUEST] = 10;
	r->rcv_truesize_payload[XPKT_DOM_GUEST] = 1000;
	r->rcv_truesize_bytes[XPKT_DOM_GUEST] = 40960;
	for (unsigned i = 0; i < n; i++)
		v[i] = m[i].value(r);
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(m[i].name, "rx_payload_rate"))
			assert_float_equal(v[i], 100.0, 1e-9);
		else if (!strcmp(m[i].name, "tx_payload_rate"))
			assert_true(isnan(v[i])); /* no TX packets */
		else if (!strcmp(m[i].name, "guest_tcp_collapse_per_1000_rx"))
			assert_float_equal(v[i], 1.5, 1e-12);
		else if (!strcmp(m[i].name, "guest_skb_copy_bits_per_rx"))
			assert_float_equal(v[i], 2.5, 1e-12);
		else if (!strcmp(m[i].name, "guest_truesize_per_byte"))
			assert_float_equal(v[i], 40.96, 1e-12);
		else
			fail_msg("measure %s not checked", m[i].name);
	}
	free(r);
}

/*
 * Hotspot by hotspot: per stage the kprobes either run saw (calls per
 * packet of the stage), then the union of each run's top functions with
 * their share of the stage's samples; a run without samples there is NAN.
 */
static void test_hotspots(void **state)
{
	struct xpkt_results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct xpkt_compare *c = malloc(sizeof(*c));
	struct xpkt_func_count fa[2] = {{"copy_user", "", 60}, {"tcp_rcv", "", 40}};
	struct xpkt_func_count fb[2] = {{"tcp_collapse", "", 90}, {"copy_user", "", 10}};
	struct xpkt_err err;
	int sc = xpkt_stage_find(XPKT_RX, "socket_copy");
	unsigned k;

	(void)state;
	assert_true(sc >= 0);
	set_stage(&a->stages[XPKT_RX][sc], 100, 1000, 900, 1200, 2000);
	set_stage(&b->stages[XPKT_RX][sc], 50, 1000, 900, 1200, 2000);
	a->stages[XPKT_RX][sc].hot_calls[XPKT_HOT_COPY_BITS] = 100;
	b->stages[XPKT_RX][sc].hot_calls[XPKT_HOT_COPY_BITS] = 150;
	a->stages[XPKT_RX][sc].samples = 100;
	a->stages[XPKT_RX][sc].funcs = fa;
	a->stages[XPKT_RX][sc].nfuncs = 2;
	b->stages[XPKT_RX][sc].samples = 100;
	b->stages[XPKT_RX][sc].funcs = fb;
	b->stages[XPKT_RX][sc].nfuncs = 2;
	assert_int_equal(xpkt_compare_build(c, "a", a, "b", b, &err), 0);
	assert_int_equal(c->nhot, 4);
	k = 0;
	assert_string_equal(c->hot[k].name, "skb_copy_bits");
	assert_false(c->hot[k].function);
	assert_float_equal(c->hot[k].a, 1.0, 1e-12);
	assert_float_equal(c->hot[k].b, 3.0, 1e-12);
	assert_float_equal(c->hot[k].ratio, 3.0, 1e-12);
	k = 1;
	assert_string_equal(c->hot[k].name, "copy_user");
	assert_float_equal(c->hot[k].a, 0.6, 1e-12);
	assert_float_equal(c->hot[k].b, 0.1, 1e-12);
	k = 2;
	assert_string_equal(c->hot[k].name, "tcp_rcv");
	assert_float_equal(c->hot[k].b, 0.0, 1e-12); /* sampled in B, just not there */
	k = 3;
	assert_string_equal(c->hot[k].name, "tcp_collapse");
	assert_float_equal(c->hot[k].a, 0.0, 1e-12);
	assert_true(isnan(c->hot[k].ratio));
	for (k = 0; k < c->nhot; k++)
		assert_int_equal(c->rows[c->hot[k].row].index, (unsigned)sc);
	free(c);
	free(a);
	free(b);
}

/* The text line of run `run` of the stage named name (the B and B/A lines follow A's). */
static const char *stage_line(const char *text, const char *name, int which, char *out, size_t len)
{
	const char *p = strstr(text, "TX, guest sends"), *e;
	char key[64];

	assert_non_null(p);
	snprintf(key, sizeof(key), "\n %-15s ", name);
	p = strstr(p, key);
	assert_non_null(p);
	p++;
	for (int i = 0; i < which; i++)
		p = strchr(p, '\n') + 1;
	e = strchr(p, '\n');
	snprintf(out, len, "%.*s", (int)(e - p), p);
	return out;
}

/* Whitespace-separated field k (0-based) of a line. */
static const char *word(const char *line, int k, char *out, size_t len)
{
	char tmp[256], *save = NULL, *w;

	snprintf(tmp, sizeof(tmp), "%s", line);
	w = strtok_r(tmp, " ", &save);
	while (w && k--)
		w = strtok_r(NULL, " ", &save);
	snprintf(out, len, "%s", w ? w : "");
	return out;
}

static void test_text(void **state)
{
	struct xpkt_results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct xpkt_compare *c = calloc(1, sizeof(*c));
	struct xpkt_err err = {{0}};
	char *text = NULL, line[256], w[32];
	size_t size = 0;
	FILE *fp;

	(void)state;
	fill_pair(a, b);
	assert_int_equal(xpkt_compare_build(c, "runA", a, "runB", b, &err), 0);
	fp = open_memstream(&text, &size);
	assert_int_equal(xpkt_compare_text(fp, c), 0);
	fclose(fp);

	/* row 1: A line (name dom A count mean ...), then B, then B/A */
	stage_line(text, tx_name(1), 2, line, sizeof(line));
	assert_string_equal(word(line, 0, w, sizeof(w)), "B/A");
	assert_string_equal(word(line, 1, w, sizeof(w)), "x2.00"); /* count 200/100 */
	assert_string_equal(word(line, 2, w, sizeof(w)), "x2.50"); /* mean 2500/1000 */
	assert_string_equal(word(line, 3, w, sizeof(w)), "x2.00"); /* p50 1800/900 */
	assert_string_equal(word(line, 4, w, sizeof(w)), "+50");   /* p90 3000/2000: "+50 %" */
	assert_string_equal(word(line, 6, w, sizeof(w)), "-20");   /* p99 4000/5000: "-20 %" */

	/* row 2 gone: B has "-" for count and every latency, never 0 */
	stage_line(text, tx_name(2), 1, line, sizeof(line));
	for (int k = 1; k <= 5; k++)
		assert_string_equal(word(line, k, w, sizeof(w)), "-");
	assert_string_equal(word(line, 6, w, sizeof(w)), "6"); /* unattributed is a count */
	stage_line(text, tx_name(2), 2, line, sizeof(line));
	assert_string_equal(word(line, 1, w, sizeof(w)), "gone");
	/* row 3 new: A line all "-" */
	stage_line(text, tx_name(3), 0, line, sizeof(line));
	for (int k = 3; k <= 7; k++)
		assert_string_equal(word(line, k, w, sizeof(w)), "-");
	stage_line(text, tx_name(3), 2, line, sizeof(line));
	assert_string_equal(word(line, 1, w, sizeof(w)), "new");

	assert_non_null(strstr(text, "A: runA"));
	assert_non_null(strstr(text, "B: runB"));
	assert_non_null(strstr(text, "Biggest changes"));
	/* the lost table has each side's sources, "-" where a run has none */
	assert_non_null(strstr(text, " guest "));
	assert_non_null(strstr(text, " xen "));
	free(text);
	free(c);
	free(b);
	free(a);
}

static void test_json(void **state)
{
	struct xpkt_results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct xpkt_compare *c = calloc(1, sizeof(*c));
	struct xpkt_err err = {{0}};
	char *text = NULL;
	size_t size = 0, i;
	json_error_t jerr;
	json_t *root, *st, *s;
	FILE *fp;
	int seen = 0;

	(void)state;
	fill_pair(a, b);
	assert_int_equal(xpkt_compare_build(c, "runA", a, "runB", b, &err), 0);
	fp = open_memstream(&text, &size);
	assert_int_equal(xpkt_compare_json(fp, c), 0);
	fclose(fp);
	root = json_loads(text, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "a")), "runA");
	assert_string_equal(json_string_value(json_object_get(root, "mode")), "xen");
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(json_object_get(root, "packets"), "b"), "dropped")),
			 3);
	/* 0 -> 3 drops has no ratio */
	assert_true(json_is_null(json_object_get(
	    json_object_get(json_object_get(root, "packets"), "ratio"), "dropped")));
	st = json_object_get(root, "stages");
	json_array_foreach(st, i, s)
	{
		const char *name = json_string_value(json_object_get(s, "name"));
		json_t *ja = json_object_get(s, "a"), *jb = json_object_get(s, "b"),
		       *jr = json_object_get(s, "ratio");

		if (strcmp(json_string_value(json_object_get(s, "direction")), "tx"))
			continue;
		if (!strcmp(name, tx_name(1))) {
			seen++;
			assert_int_equal(json_integer_value(json_object_get(ja, "count")), 100);
			assert_true(json_real_value(json_object_get(ja, "mean_ns")) == 1000.0);
			assert_int_equal(json_integer_value(json_object_get(jb, "p50_ns")), 1800);
			assert_true(json_real_value(json_object_get(jr, "mean_ns")) == 2.5);
			assert_true(json_real_value(json_object_get(jr, "p99_ns")) == 0.8);
			assert_string_equal(json_string_value(json_object_get(s, "status")),
					    "both");
		} else if (!strcmp(name, tx_name(3))) {
			seen++;
			assert_string_equal(json_string_value(json_object_get(s, "status")), "new");
			assert_int_equal(json_integer_value(json_object_get(ja, "count")), 0);
			assert_true(json_is_null(json_object_get(ja, "mean_ns")));
			assert_true(json_is_null(json_object_get(ja, "p50_ns")));
			assert_true(json_is_null(json_object_get(jr, "count")));
		}
	}
	assert_int_equal(seen, 2);
	assert_true(json_is_null(
	    json_object_get(json_object_get(json_object_get(root, "lost"), "guest"), "b")));
	assert_int_equal(json_array_size(json_object_get(root, "biggest_changes")), 1);
	json_decref(root);
	free(text);
	free(c);
	free(b);
	free(a);
}

/*
 * Two generated runs, B with tx backend_copy ten times slower: every ratio is
 * B/A of the two truths, and that stage moved most.
 */
static void test_synth_runs(void **state)
{
	struct xpkt_results *ta = calloc(1, sizeof(*ta)), *tb = calloc(1, sizeof(*tb));
	struct xpkt_compare *c = calloc(1, sizeof(*c));
	struct xpkt_synth_opts o;
	struct xpkt_err err = {{0}};
	char dir[] = "/tmp/xpkt-test-compare-XXXXXX", da[64], db[64], cmd[128];
	int top;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(da, sizeof(da), "%s/a", dir);
	snprintf(db, sizeof(db), "%s/b", dir);
	xpkt_synth_defaults(&o);
	o.packets = 3000;
	o.out_dir = da;
	o.seed = 11;
	assert_int_equal(xpkt_synth_set_latency(&o, "tx:backend_copy=lognormal:5,0.3", &err), 0);
	assert_int_equal(xpkt_synth_generate(&o, ta, &err), 0);
	o.out_dir = db;
	o.seed = 12;
	assert_int_equal(xpkt_synth_set_latency(&o, "tx:backend_copy=lognormal:50,0.3", &err), 0);
	assert_int_equal(xpkt_synth_generate(&o, tb, &err), 0);

	assert_int_equal(xpkt_compare_build(c, da, ta, db, tb, &err), 0);
	for (unsigned i = 0; i < c->nrows; i++) {
		const struct xpkt_cmp_stage *r = &c->rows[i];
		const struct xpkt_stage_stats *sa = &ta->stages[r->st->dir][r->index],
					      *sb = &tb->stages[r->st->dir][r->index];

		if (!sa->count || !sb->count)
			continue;
		assert_int_equal(r->status, XPKT_CMP_BOTH);
		assert_true(r->ratio[XPKT_CMP_COUNT] == (double)sb->count / (double)sa->count);
		if (r->origin)
			continue;
		assert_true(r->ratio[XPKT_CMP_MEAN] == sb->mean_ns / sa->mean_ns);
		assert_true(r->ratio[XPKT_CMP_P50] == (double)sb->p50_ns / (double)sa->p50_ns);
	}
	assert_true(c->nbiggest > 0);
	top = (int)c->biggest[0];
	assert_int_equal(c->rows[top].st->dir, XPKT_TX);
	assert_string_equal(c->rows[top].st->name, "backend_copy");
	/* a tenfold median, less what queueing around it adds to both runs */
	assert_true(c->rows[top].ratio[XPKT_CMP_P50] > 5.0);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(c);
	free(tb);
	free(ta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fmt_ratio),	  cmocka_unit_test(test_ratios_and_markers),
	    cmocka_unit_test(test_biggest_order), cmocka_unit_test(test_lost_union),
	    cmocka_unit_test(test_text),	  cmocka_unit_test(test_json),
	    cmocka_unit_test(test_synth_runs),	  cmocka_unit_test(test_measures),
	    cmocka_unit_test(test_hotspots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
