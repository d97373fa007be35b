// SPDX-License-Identifier: GPL-2.0
/*
 * test_report_json.c - results written by xpkt_report_json read back
 * exactly with xpkt_results_read_json (doubles included), every stage of the
 * catalogue appears in order, and a damaged file is an error naming it.
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

#include "viz/report_json.h"

static void fill_counts(struct xpkt_packet_counts *c, uint64_t base)
{
	memset(c, 0, sizeof(*c));
	c->complete = base * 7;
	c->partial = base + 3;
	c->dropped = base + 1;
	c->total = c->complete + c->partial + c->dropped;
	xpkt_reason_add(c->partial_reasons, &c->npartial_reasons, "missing grant_claim", base);
	xpkt_reason_add(c->partial_reasons, &c->npartial_reasons, "missing wire", 3);
	xpkt_reason_add(c->drop_reasons, &c->ndrop_reasons, "QDISC_DROP", base + 1);
}

static void fill(struct xpkt_results *r)
{
	memset(r, 0, sizeof(*r));
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;

		xpkt_stages((enum xpkt_dir)d, &n);
		for (unsigned i = 0; i < n; i++) {
			struct xpkt_stage_stats *s = &r->stages[d][i];

			s->count = 1000003ull * (i + 1) + (uint64_t)d;
			s->min_ns = i;
			s->p50_ns = 1000 + i;
			s->p90_ns = 5000 + i;
			s->p99_ns = 90000 + i;
			s->p999_ns = 123456789 + i;
			s->max_ns = (1ull << 50) + i;
			/* values that print badly with fewer than 17 digits */
			s->mean_ns = 1.0 / 3.0 * (double)(i + 1) + 1e-9 * d;
			s->total_ns = s->mean_ns * (double)s->count;
			s->unattributed = (uint64_t)(i * d);
		}
	}
	fill_counts(&r->packets, 10);
	fill_counts(&r->by_dir[XPKT_TX], 4);
	fill_counts(&r->by_dir[XPKT_RX], 6);
	r->nlost = 3;
	strcpy(r->lost[0].source, "guest");
	r->lost[0].events = 12;
	strcpy(r->lost[1].source, "xen");
	r->lost[1].events = 0;
	strcpy(r->lost[2].source, "wire");
	r->lost[2].events = 1ull << 40;
	r->nclocks = 2;
	strcpy(r->clocks[0].source, "guest");
	strcpy(r->clocks[0].clock, "x86-tsc");
	r->clocks[0].offset = -123456789012345ll;
	strcpy(r->clocks[0].offset_from, "xen-tsc-info");
	r->clocks[0].min_causal_gap_ns = INT64_MAX; /* never checked: null */
	r->clocks[0].inversions = 0;
	strcpy(r->clocks[1].source, "wire");
	strcpy(r->clocks[1].clock, "realtime");
	r->clocks[1].offset = 1700000000123456789ll;
	strcpy(r->clocks[1].offset_from, "recorder");
	r->clocks[1].min_causal_gap_ns = -42;
	r->clocks[1].inversions = 7;
	r->events_read = 987654321;
	r->max_in_flight = 4242;
}

static void assert_counts_equal(const struct xpkt_packet_counts *a,
				const struct xpkt_packet_counts *b)
{
	assert_int_equal(a->total, b->total);
	assert_int_equal(a->complete, b->complete);
	assert_int_equal(a->partial, b->partial);
	assert_int_equal(a->dropped, b->dropped);
	assert_int_equal(a->npartial_reasons, b->npartial_reasons);
	assert_int_equal(a->ndrop_reasons, b->ndrop_reasons);
	for (unsigned i = 0; i < a->npartial_reasons; i++) {
		assert_string_equal(a->partial_reasons[i].reason, b->partial_reasons[i].reason);
		assert_int_equal(a->partial_reasons[i].count, b->partial_reasons[i].count);
	}
	for (unsigned i = 0; i < a->ndrop_reasons; i++) {
		assert_string_equal(a->drop_reasons[i].reason, b->drop_reasons[i].reason);
		assert_int_equal(a->drop_reasons[i].count, b->drop_reasons[i].count);
	}
}

static void tmpname(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/test_report_json.%ld.json", (long)getpid());
}

static void test_round_trip_is_exact(void **state)
{
	struct xpkt_results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct xpkt_err err = {{0}};
	char path[128];
	FILE *fp;

	(void)state;
	fill(a);
	tmpname(path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(xpkt_report_json(fp, a, NULL), 0);
	fclose(fp);
	assert_int_equal(xpkt_results_read_json(path, b, &err), 0);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;

		xpkt_stages((enum xpkt_dir)d, &n);
		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *x = &a->stages[d][i], *y = &b->stages[d][i];

			assert_int_equal(x->count, y->count);
			assert_true(x->mean_ns == y->mean_ns); /* bit-exact, not "close" */
			assert_true(x->total_ns == y->total_ns);
			assert_int_equal(x->min_ns, y->min_ns);
			assert_int_equal(x->p50_ns, y->p50_ns);
			assert_int_equal(x->p90_ns, y->p90_ns);
			assert_int_equal(x->p99_ns, y->p99_ns);
			assert_int_equal(x->p999_ns, y->p999_ns);
			assert_int_equal(x->max_ns, y->max_ns);
			assert_int_equal(x->unattributed, y->unattributed);
			assert_null(y->hist);
		}
	}
	assert_counts_equal(&a->packets, &b->packets);
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		assert_counts_equal(&a->by_dir[d], &b->by_dir[d]);
	assert_int_equal(a->nlost, b->nlost);
	for (unsigned i = 0; i < a->nlost; i++) {
		assert_string_equal(a->lost[i].source, b->lost[i].source);
		assert_int_equal(a->lost[i].events, b->lost[i].events);
	}
	assert_int_equal(a->nclocks, b->nclocks);
	for (unsigned i = 0; i < a->nclocks; i++) {
		assert_string_equal(a->clocks[i].source, b->clocks[i].source);
		assert_string_equal(a->clocks[i].clock, b->clocks[i].clock);
		assert_string_equal(a->clocks[i].offset_from, b->clocks[i].offset_from);
		assert_true(a->clocks[i].offset == b->clocks[i].offset);
		assert_true(a->clocks[i].min_causal_gap_ns == b->clocks[i].min_causal_gap_ns);
		assert_int_equal(a->clocks[i].inversions, b->clocks[i].inversions);
	}
	assert_int_equal(a->events_read, b->events_read);
	assert_int_equal(a->max_in_flight, b->max_in_flight);
	unlink(path);
	free(a);
	free(b);
}

/* The stages array lists the whole catalogue, TX then RX, in row order. */
static void test_stage_order(void **state)
{
	struct xpkt_results *a = calloc(1, sizeof(*a));
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	fill(a);
	assert_int_equal(xpkt_report_json(fp, a, NULL), 0);
	fclose(fp);
	p = buf;
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *s = xpkt_stages((enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			char needle[96];

			snprintf(needle, sizeof(needle),
				 "\"direction\": \"%s\",\n      \"name\": \"%s\"",
				 xpkt_dir_name((enum xpkt_dir)d), s[i].name);
			p = strstr(p, needle);
			assert_non_null(p);
		}
	}
	assert_non_null(strstr(buf, "\"min_causal_gap_ns\": null"));
	free(buf);
	free(a);
}

static void test_bad_files(void **state)
{
	struct xpkt_results *r = calloc(1, sizeof(*r));
	struct xpkt_err err = {{0}};
	char path[128];
	FILE *fp;

	(void)state;
	tmpname(path, sizeof(path));
	fp = fopen(path, "w");
	fputs("{\"stages\": [ {\"direction\": \"tx\", \"name\": \"no_such_stage\"} ]", fp);
	fclose(fp);
	assert_int_equal(xpkt_results_read_json(path, r, &err), -1);
	assert_non_null(strstr(err.msg, path));

	fp = fopen(path, "w");
	fputs("{\"stages\": [ {\"direction\": \"tx\", \"name\": \"no_such_stage\"} ]}", fp);
	fclose(fp);
	assert_int_equal(xpkt_results_read_json(path, r, &err), -1);
	assert_non_null(strstr(err.msg, "no_such_stage"));

	unlink(path);
	assert_int_equal(xpkt_results_read_json(path, r, &err), -1);
	assert_non_null(strstr(err.msg, path));
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_is_exact),
	    cmocka_unit_test(test_stage_order),
	    cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
