// SPDX-License-Identifier: GPL-2.0
/*
 * test_xen_rec.c - the hypervisor recorder's ring logic (capture/xen_rec.c)
 * without a hypervisor.
 *
 * A model producer in this file writes records into a ring laid out as
 * Xen 4.17's (struct t_buf {cons, prod} then the data area; offsets modulo
 * twice the data size), following __trace_var() in xen/common/trace.c:
 * TRC_TRACE_WRAP_BUFFER padding before a record that would cross the end,
 * records dropped and counted when the ring is full, and a TRC_LOST_RECORDS
 * record written when room returns. Every record the model writes is also
 * kept in an expected list. The recorder's drain turns the rings into
 * windows, the windows go into a file, and decode/xentrace.c reads it back:
 * the records, their CPUs and their merged order must equal the expected
 * list exactly, and the lost count must equal what the model dropped.
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

#include "capture/xen_rec.h"
#include "decode/xentrace.h"

#define EV_LOST	    0x0001f001u /* TRC_LOST_RECORDS */
#define EV_WRAP	    0x0001f002u /* TRC_TRACE_WRAP_BUFFER */
#define EV_SWITCH   0x0002800au
#define EV_HC	    0x0020100du
#define EV_GNT_UNMP 0x0010f002u
#define MAX_EXP	    4096

struct exp_rec {
	unsigned cpu;
	uint32_t event;
	uint64_t tsc; /* as the reader reports it (carried forward without a TSC) */
	int has_tsc;
	unsigned nextra;
	uint32_t extra[7];
};

struct model {
	uint8_t *mem; /* t_buf + data */
	uint32_t X;   /* data size */
	unsigned cpu;
	uint64_t last_tsc;
	uint32_t lost; /* Xen's per-CPU lost_records */
	uint64_t lost_first_tsc;
	uint64_t dropped_total; /* every record the model could not write */
};

static struct exp_rec exp_recs[MAX_EXP];
static unsigned nexp;

static uint32_t *cons_p(struct model *m)
{
	return (uint32_t *)m->mem;
}

static uint32_t *prod_p(struct model *m)
{
	return (uint32_t *)m->mem + 1;
}

static void model_init(struct model *m, uint32_t X, unsigned cpu)
{
	memset(m, 0, sizeof(*m));
	m->mem = calloc(1, 8 + X);
	assert_non_null(m->mem);
	m->X = X;
	m->cpu = cpu;
}

static uint32_t unconsumed(struct model *m)
{
	int64_t x = (int64_t)*prod_p(m) - *cons_p(m);

	return (uint32_t)(x < 0 ? x + 2 * (int64_t)m->X : x);
}

static uint32_t to_wrap(struct model *m)
{
	int64_t x = (int64_t)m->X - *prod_p(m);

	return (uint32_t)(x <= 0 ? x + m->X : x);
}

/* Writes bytes at prod, byte by byte across the end of the data area, then moves prod. */
static void put_raw(struct model *m, const uint8_t *b, uint32_t n)
{
	uint32_t at = *prod_p(m) % m->X;

	for (uint32_t i = 0; i < n; i++)
		m->mem[8 + (at + i) % m->X] = b[i];
	*prod_p(m) = (uint32_t)((*prod_p(m) + n) % (2 * (uint64_t)m->X));
}

static uint32_t encode(uint8_t *b, uint32_t event, int has_tsc, uint64_t tsc, const uint32_t *ex,
		       unsigned n)
{
	uint32_t hdr = event | (uint32_t)n << 28 | (has_tsc ? 0x80000000u : 0);
	uint32_t len = 4;

	memcpy(b, &hdr, 4);
	if (has_tsc) {
		uint32_t lo = (uint32_t)tsc, hi = (uint32_t)(tsc >> 32);

		memcpy(b + 4, &lo, 4);
		memcpy(b + 8, &hi, 4);
		len += 8;
	}
	for (unsigned i = 0; i < n; i++, len += 4)
		memcpy(b + len, &ex[i], 4);
	return len;
}

static void insert(struct model *m, uint32_t event, int has_tsc, uint64_t tsc, const uint32_t *ex,
		   unsigned n)
{
	uint8_t b[40];
	uint32_t len = encode(b, event, has_tsc, tsc, ex, n);
	struct exp_rec *e;

	put_raw(m, b, len);
	assert_true(nexp < MAX_EXP);
	e = &exp_recs[nexp++];
	memset(e, 0, sizeof(*e));
	e->cpu = m->cpu;
	e->event = event;
	if (has_tsc)
		m->last_tsc = tsc;
	e->tsc = m->last_tsc;
	e->has_tsc = has_tsc;
	e->nextra = n;
	if (n)
		memcpy(e->extra, ex, 4 * n);
}

/* insert_wrap_record(): pads to the end of the data area; a TSC only to take up room. */
static void insert_wrap(struct model *m, uint64_t tsc)
{
	uint32_t space = to_wrap(m), extra = space - 4, zeros[7] = {0};
	int cyc = 0;

	if (extra / 4 > 7) {
		cyc = 1;
		extra -= 8;
	}
	insert(m, EV_WRAP, cyc, tsc, zeros, extra / 4);
}

/* __trace_var(): 1 written, 0 dropped (and counted, as Xen does). */
static int produce(struct model *m, uint32_t event, uint64_t tsc, const uint32_t *ex, unsigned n)
{
	uint32_t size = 12 + 4 * n, avail = m->X - unconsumed(m), wrap = to_wrap(m), total = 0;

	if (m->lost) {
		if (28 > wrap) {
			total += wrap;
			wrap = m->X;
		}
		total += 28;
		wrap -= 28;
		if (!wrap)
			wrap = m->X;
	}
	if (size > wrap)
		total += wrap;
	total += size;
	if (total > avail) {
		if (++m->lost == 1)
			m->lost_first_tsc = tsc;
		m->dropped_total++;
		return 0;
	}
	if (m->lost) {
		uint32_t ed[4] = {m->lost, 0x00010000u | 7u /* vid 1, did 7 */,
				  (uint32_t)m->lost_first_tsc, (uint32_t)(m->lost_first_tsc >> 32)};

		if (28 > to_wrap(m))
			insert_wrap(m, tsc);
		insert(m, EV_LOST, 1, tsc, ed, 4);
		m->lost = 0;
	}
	if (size > to_wrap(m))
		insert_wrap(m, tsc);
	insert(m, event, 1, tsc, ex, n);
	return 1;
}

/* ---- draining into a file and reading it back ------------------------------------- */

struct sink {
	char path[128];
	FILE *fp;
	uint8_t *win;
	size_t cap;
	struct xpkt_xen_counts c;
	unsigned windows;
};

static void sink_open(struct sink *s, uint32_t X)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "/tmp/xpkt-test-xr-%ld.trace", (long)getpid());
	s->fp = fopen(s->path, "wb");
	assert_non_null(s->fp);
	s->cap = xpkt_xen_window_cap(X);
	s->win = malloc(s->cap);
	assert_non_null(s->win);
	nexp = 0;
}

/* One drain; returns what xpkt_xen_drain returned. */
static int drain(struct sink *s, struct model *m)
{
	struct xpkt_err err;
	size_t len = 12345;
	int rc = xpkt_xen_drain(m->mem, m->X, m->cpu, s->win, &len, &s->c, &err);

	if (rc == 1) {
		assert_true(len > 12 && len <= s->cap);
		assert_int_equal(fwrite(s->win, len, 1, s->fp), 1);
		s->windows++;
	} else {
		assert_int_equal(len, 0);
	}
	if (rc >= 0) /* consumed up to the producer */
		assert_int_equal(*cons_p(m), *prod_p(m));
	return rc;
}

static uint64_t exp_total_lost(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < nexp; i++)
		if (exp_recs[i].event == EV_LOST)
			n += exp_recs[i].extra[0];
	return n;
}

/* Expected merge order: by (tsc, cpu), each CPU's records in their own order. */
static void expected_order(unsigned *order)
{
	static unsigned idx[8][MAX_EXP];
	unsigned pos[8] = {0}, cnt[8] = {0}, k = 0;

	for (unsigned i = 0; i < nexp; i++) {
		assert_true(exp_recs[i].cpu < 8);
		idx[exp_recs[i].cpu][cnt[exp_recs[i].cpu]++] = i;
	}
	while (k < nexp) {
		int best = -1;

		for (unsigned c = 0; c < 8; c++) {
			if (pos[c] == cnt[c])
				continue;
			if (best < 0 ||
			    exp_recs[idx[c][pos[c]]].tsc < exp_recs[idx[best][pos[best]]].tsc)
				best = (int)c;
		}
		order[k++] = idx[best][pos[best]++];
	}
}

static void sink_verify(struct sink *s)
{
	static unsigned order[MAX_EXP];
	struct xpkt_err err;
	struct xt_reader *r;
	struct xt_rec rec;
	unsigned n = 0;
	int rc;

	assert_int_equal(fclose(s->fp), 0);
	s->fp = NULL;
	assert_int_equal(s->c.windows, s->windows);
	assert_int_equal(s->c.records, nexp);
	assert_int_equal(s->c.xen_lost, exp_total_lost());
	expected_order(order);
	r = xt_open(s->path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	while ((rc = xt_next(r, &rec, &err)) == 1) {
		const struct exp_rec *e;

		assert_true(n < nexp);
		e = &exp_recs[order[n]];
		assert_int_equal(rec.cpu, e->cpu);
		assert_int_equal(rec.event, e->event);
		assert_int_equal(rec.has_tsc, e->has_tsc);
		assert_int_equal(rec.tsc, e->tsc);
		assert_int_equal(rec.nextra, e->nextra);
		assert_memory_equal(rec.extra, e->extra, 4 * e->nextra);
		n++;
	}
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, nexp);
	xt_close(r);
	unlink(s->path);
	free(s->win);
}

static void fill(struct model *m, uint64_t *tsc, unsigned count, unsigned nextra)
{
	for (unsigned i = 0; i < count; i++) {
		uint32_t ex[7];

		for (unsigned k = 0; k < nextra; k++)
			ex[k] = (uint32_t)(*tsc * 16 + k);
		*tsc += 10;
		produce(m, i % 2 ? EV_SWITCH : EV_HC, *tsc, ex, nextra);
	}
}

/* ---- cases ---------------------------------------------------------------------- */

static void test_mask_table(void **state)
{
	char names[64];

	(void)state;
	/* The four classes of xen/include/public/trace.h the stages need. */
	assert_int_equal(xpkt_xen_default_mask(),
			 0x0002f000u | 0x0010f000u | 0x0020f000u | 0x0080f000u);
	xpkt_xen_mask_names(xpkt_xen_default_mask(), names, sizeof(names));
	assert_string_equal(names, "sched|mem|pv|hw");
	xpkt_xen_mask_names(0x0002f000u | 0x00400000u, names, sizeof(names));
	assert_string_equal(names, "sched|0x00400000");
}

static void test_empty(void **state)
{
	struct model m;
	struct sink s;

	(void)state;
	model_init(&m, 400, 0);
	sink_open(&s, m.X);
	assert_int_equal(drain(&s, &m), 0);
	/* Empty again at a pointer in the second lap (cons == prod != 0). */
	*cons_p(&m) = *prod_p(&m) = 600;
	assert_int_equal(drain(&s, &m), 0);
	assert_int_equal(s.c.windows, 0);
	assert_int_equal(s.c.bytes, 0);
	fclose(s.fp);
	unlink(s.path);
	free(s.win);
	free(m.mem);
}

static void test_unwrapped(void **state)
{
	struct model m;
	struct sink s;
	uint64_t tsc = 1000;

	(void)state;
	model_init(&m, 4096 - 8, 0);
	sink_open(&s, m.X);
	fill(&m, &tsc, 20, 3); /* 20 * 24 bytes, far from the end */
	assert_int_equal(drain(&s, &m), 1);
	assert_int_equal(s.c.bytes, 12 + 20 * 24);
	assert_int_equal(drain(&s, &m), 0);
	fill(&m, &tsc, 7, 0);
	assert_int_equal(drain(&s, &m), 1);
	assert_int_equal(s.c.records, 27);
	sink_verify(&s);
	free(m.mem);
}

/* Many laps of a small ring: windows wrap, prod < cons, Xen's wrap padding. */
static void test_wrapped(void **state)
{
	struct model m;
	struct sink s;
	uint64_t tsc = 5;
	unsigned wrapped = 0, pwrap = 0;

	(void)state;
	model_init(&m, 400, 0);
	sink_open(&s, m.X);
	for (unsigned round = 0; round < 60; round++) {
		uint32_t c0;

		fill(&m, &tsc, 3 + round % 6, round % 8); /* at most 8 x 40 + a pad: fits */
		c0 = *cons_p(&m);
		if ((c0 % m.X) + unconsumed(&m) > m.X)
			wrapped++; /* this window crosses the end of the data area */
		if (*prod_p(&m) < c0)
			pwrap++; /* and this one the end of the 2X pointer space */
		assert_true(drain(&s, &m) >= 0);
	}
	assert_true(wrapped > 3);
	assert_true(pwrap > 0);
	assert_int_equal(m.dropped_total, 0);
	sink_verify(&s);
	free(m.mem);
}

/* A ring exactly full (window == data size), from offset 0 and from the middle. */
static void test_full(void **state)
{
	struct model m;
	struct sink s;
	uint64_t tsc = 100;
	uint32_t ex[7] = {1, 2, 3, 4, 5, 6, 7};

	(void)state;
	model_init(&m, 400, 1);
	sink_open(&s, m.X);
	for (int i = 0; i < 10; i++)
		assert_int_equal(produce(&m, EV_HC, tsc += 3, ex, 7), 1); /* 10 x 40 bytes */
	assert_int_equal(unconsumed(&m), m.X);
	assert_int_equal(produce(&m, EV_HC, tsc += 3, ex, 7), 0); /* no room: dropped */
	assert_int_equal(drain(&s, &m), 1);
	assert_int_equal(s.c.bytes, 12 + 400);
	/* From the middle: cons = prod = 200 in the second lap, then full again. */
	*cons_p(&m) = *prod_p(&m) = 600;
	/* Xen writes its lost record (28 bytes) first; then 40-byte records to the brim. */
	assert_int_equal(produce(&m, EV_HC, tsc += 3, ex, 7), 1);
	for (int i = 0; i < 7; i++)
		assert_int_equal(produce(&m, EV_HC, tsc += 3, ex, 7), 1);
	/*
	 * 28 + 8 * 40 bytes and a 12-byte wrap pad (at 388 of 400 a 40-byte
	 * record does not fit) = 360: one more 40-byte record fills it.
	 */
	assert_int_equal(produce(&m, EV_HC, tsc += 3, ex, 7), 1);
	assert_int_equal(unconsumed(&m), m.X);
	assert_int_equal(produce(&m, EV_GNT_UNMP, tsc += 3, ex, 1), 0);
	assert_int_equal(drain(&s, &m), 1);
	assert_int_equal(m.dropped_total, 2);
	sink_verify(&s);
	/* The first drop was reported by Xen's lost record, the second is still pending. */
	assert_int_equal(s.c.xen_lost, 1);
	free(m.mem);
}

/* The copy is byte-exact across the end, even for a record Xen would have padded. */
static void test_straddle(void **state)
{
	struct model m;
	struct sink s;
	uint32_t ex[5] = {0xaaaa0001, 0xaaaa0002, 0xaaaa0003, 0xaaaa0004, 0xaaaa0005};

	(void)state;
	model_init(&m, 400, 2);
	sink_open(&s, m.X);
	*cons_p(&m) = *prod_p(&m) = 400 + 392; /* 8 bytes before the end, second lap */
	insert(&m, EV_HC, 1, 777, ex, 5);      /* 32 bytes: 8 at the end, 24 at the start */
	assert_int_equal(*prod_p(&m), 24);
	insert(&m, EV_SWITCH, 1, 778, ex, 4);
	assert_int_equal(drain(&s, &m), 1);
	sink_verify(&s);
	free(m.mem);
}

/* Xen's lost records: the model drops while the ring is full, the count comes back. */
static void test_lost_counted(void **state)
{
	struct model m[2];
	struct sink s;
	uint64_t tsc = 50;

	(void)state;
	model_init(&m[0], 1000, 0);
	model_init(&m[1], 1000, 3);
	sink_open(&s, 1000);
	for (unsigned round = 0; round < 40; round++) {
		/* CPU 0 overflows every few rounds; CPU 3 never does. */
		fill(&m[0], &tsc, round % 5 == 4 ? 120 : 10, 2);
		fill(&m[1], &tsc, 8, 5);
		assert_true(drain(&s, &m[0]) >= 0);
		if (round % 2)
			assert_true(drain(&s, &m[1]) >= 0);
	}
	/* One record after the last drain carries the last pending count. */
	fill(&m[0], &tsc, 1, 0);
	assert_true(drain(&s, &m[0]) >= 0);
	assert_true(drain(&s, &m[1]) >= 0);
	assert_true(m[0].dropped_total > 100);
	assert_int_equal(m[0].lost, 0);
	assert_int_equal(m[1].dropped_total, 0);
	sink_verify(&s); /* checks c.xen_lost == the counts in the expected lost records */
	assert_int_equal(s.c.xen_lost, m[0].dropped_total);
	assert_int_equal(s.c.dropped_windows, 0);
	free(m[0].mem);
	free(m[1].mem);
}

/* The producer came round to the window while it was copied: dropped, counted. */
static void test_overwritten(void **state)
{
	struct model m;
	struct xpkt_xen_counts c;
	struct xpkt_err err;
	uint8_t *win;
	size_t len;
	uint64_t tsc = 1;
	uint32_t cons, prod;

	(void)state;
	model_init(&m, 400, 0);
	nexp = 0;
	win = malloc(xpkt_xen_window_cap(m.X));
	assert_non_null(win);
	memset(&c, 0, sizeof(c));
	fill(&m, &tsc, 10, 4); /* 10 x 28 = 280 bytes */
	cons = *cons_p(&m);
	prod = *prod_p(&m);
	assert_int_equal(xpkt_xen_window_copy(m.mem + 8, m.X, cons, prod, 0, win, &len, &err), 1);
	assert_int_equal(len, 12 + 280);
	/* Not overwritten: prod moved on, but stays within one data area of cons. */
	assert_int_equal(xpkt_xen_window_check(m.X, cons, prod + 120, win, len, &c), 1);
	assert_int_equal(c.records, 10);
	/* Overwritten: the producer got 40 bytes past the oldest byte of the window. */
	assert_int_equal(xpkt_xen_window_check(m.X, cons, (cons + 440) % 800, win, len, &c), 0);
	assert_int_equal(c.dropped_windows, 1);
	assert_int_equal(c.dropped_bytes, 280);
	assert_int_equal(c.dropped_records, 7); /* ceil(280 / 40): no record exceeds 40 bytes */
	/* The same across the end of the pointer space (cons in the second lap). */
	assert_int_equal(xpkt_xen_window_check(m.X, 700, 350, win, len, &c), 0);
	assert_int_equal(c.dropped_windows, 2);
	assert_int_equal(c.windows, 1);
	/* A window that is not whole records is dropped too. */
	len -= 4;
	assert_int_equal(xpkt_xen_window_check(m.X, cons, prod, win, len, &c), 0);
	assert_int_equal(c.dropped_windows, 3);
	free(win);
	free(m.mem);
}

/* Pointers Xen could not have written: an error, and the ring is left alone. */
static void test_bogus(void **state)
{
	static const uint32_t bad[][2] = {
	    {2, 40},	/* unaligned cons */
	    {0, 801},	/* unaligned, and beyond 2X */
	    {0, 800},	/* prod at 2X */
	    {0, 404},	/* more than X apart */
	    {700, 396}, /* more than X apart across the end of the pointer space */
	};
	struct model m;
	uint8_t *win;
	size_t len;
	struct xpkt_xen_counts c;

	(void)state;
	model_init(&m, 400, 5);
	win = malloc(xpkt_xen_window_cap(m.X));
	assert_non_null(win);
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xpkt_err err = {{0}};

		*cons_p(&m) = bad[i][0];
		*prod_p(&m) = bad[i][1];
		assert_int_equal(xpkt_xen_drain(m.mem, m.X, 5, win, &len, &c, &err), -1);
		assert_non_null(strstr(err.msg, "CPU 5"));
		assert_int_equal(*cons_p(&m), bad[i][0]);
		assert_int_equal(len, 0);
	}
	assert_int_equal(c.windows + c.dropped_windows, 0);
	free(win);
	free(m.mem);
}

/* Several CPUs drained in turn: the decoder merges them back into TSC order. */
static void test_multi_cpu_order(void **state)
{
	struct model m[3];
	struct sink s;
	uint64_t tsc = 7;

	(void)state;
	for (unsigned i = 0; i < 3; i++)
		model_init(&m[i], 2000, i);
	sink_open(&s, 2000);
	for (unsigned round = 0; round < 30; round++) {
		for (unsigned k = 0; k < 12; k++) {
			unsigned cpu = (k * 7 + round) % 3;
			uint32_t ex[3] = {round, k, cpu};

			tsc += 1 + (k % 3);
			produce(&m[cpu], k % 2 ? EV_SWITCH : EV_HC, tsc, ex, 3);
		}
		/* Drain in a rotating order, so windows of CPUs interleave in the file. */
		for (unsigned i = 0; i < 3; i++)
			assert_true(drain(&s, &m[(i + round) % 3]) >= 0);
	}
	sink_verify(&s);
	for (unsigned i = 0; i < 3; i++)
		free(m[i].mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask_table),	 cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_unwrapped),	 cmocka_unit_test(test_wrapped),
	    cmocka_unit_test(test_full),	 cmocka_unit_test(test_straddle),
	    cmocka_unit_test(test_lost_counted), cmocka_unit_test(test_overwritten),
	    cmocka_unit_test(test_bogus),	 cmocka_unit_test(test_multi_cpu_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
