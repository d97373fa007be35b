// SPDX-License-Identifier: GPL-2.0
/*
 * test_pmusim.c - the pmu-sim stream decoder (decode/pmusim_stream.c) on
 * hand-built files in the plugin's format (pmu-sim/stream_format.h):
 *
 *  - the model geometry comes first (five events, model instance 0);
 *  - records of two vCPUs written in interleaved chunks, and a second model
 *    instance, come out merged by tsc with model 0's counters picked from
 *    the right offsets (values are a function of (vcpu, record, counter), so
 *    each check recomputes what the decoder must have read);
 *  - a damaged header, a truncated record, a vCPU out of range, an unknown
 *    kind and a vCPU's tsc stepping back are errors naming file and offset.
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

#include "decode/pmusim_stream.h"
#include "pmu-sim/stream_format.h"

static char path[64];

/* Counter c of record k of vcpu v: distinct everywhere, cumulative in k. */
static uint64_t val(unsigned v, unsigned k, unsigned c)
{
	return (uint64_t)(v + 1) * 1000000000ull + (uint64_t)k * 1000 + c * 7 +
	       (c == 14 ? (uint64_t)1 << 33 : 0); /* model 0's itlb_miss tests the u64 split */
}

struct wr {
	FILE *fp;
	uint32_t n_models, n_counters;
};

static void put_header(struct wr *w, uint32_t n_vcpus, uint32_t n_models)
{
	struct pmu_stream_header h;
	struct pmu_stream_model m;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, PMU_STREAM_MAGIC, 8);
	h.version = PMU_STREAM_VERSION;
	h.header_bytes = (uint32_t)(sizeof(h) + sizeof(m) * n_models);
	h.n_vcpus = n_vcpus;
	h.n_models = n_models;
	h.n_counters = PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * n_models;
	h.record_bytes = 16 + 8 * h.n_counters;
	h.tsc_hz = 2000000000ull;
	h.period_ns = 10000;
	h.start_tsc = 500;
	fwrite(&h, sizeof(h), 1, w->fp);
	for (uint32_t i = 0; i < n_models; i++) {
		memset(&m, 0, sizeof(m));
		snprintf(m.l1i, sizeof(m.l1i), "%s", i ? "64K:8:64" : "32K:8:64");
		snprintf(m.l1d, sizeof(m.l1d), "%s", "32K:8:64");
		snprintf(m.l2, sizeof(m.l2), "%s", i ? "8M:16:64" : "1M:16:64");
		snprintf(m.itlb, sizeof(m.itlb), "%s", "off");
		snprintf(m.dtlb, sizeof(m.dtlb), "%s", "64:4");
		fwrite(&m, sizeof(m), 1, w->fp);
	}
	w->n_models = n_models;
	w->n_counters = h.n_counters;
}

static void put_rec(struct wr *w, uint64_t tsc, uint32_t vcpu, uint16_t kind, unsigned k)
{
	uint16_t zero = 0;

	fwrite(&tsc, 8, 1, w->fp);
	fwrite(&vcpu, 4, 1, w->fp);
	fwrite(&kind, 2, 1, w->fp);
	fwrite(&zero, 2, 1, w->fp);
	for (unsigned c = 0; c < w->n_counters; c++) {
		uint64_t v = val(vcpu, k, c);

		fwrite(&v, 8, 1, w->fp);
	}
}

static struct wr wopen(void)
{
	struct wr w = {0};

	snprintf(path, sizeof(path), "/tmp/test_pmusim.%d.bin", (int)getpid());
	w.fp = fopen(path, "wb");
	assert_non_null(w.fp);
	return w;
}

static void test_merge(void **state)
{
	struct wr w = wopen();
	struct xpkt_stream s;
	struct xpkt_event ev;
	struct xpkt_err err;
	static const char *const geo[5] = {"32K:8:64", "32K:8:64", "1M:16:64", "off", "64:4"};
	unsigned next_k[2] = {0, 0}, n = 0;
	uint64_t last = 0;

	(void)state;
	put_header(&w, 2, 2);
	/* vcpu 1's chunk (tsc 1000, 1010, ...) then vcpu 0's (1005, 1015, ...), twice */
	for (unsigned chunk = 0; chunk < 2; chunk++) {
		for (unsigned k = 0; k < 3; k++)
			put_rec(&w, 1000 + 60 * chunk + 20 * k, 1, k == 2 && chunk ? 2 : 0,
				3 * chunk + k);
		for (unsigned k = 0; k < 3; k++)
			put_rec(&w, 1005 + 60 * chunk + 20 * k, 0, 0, 3 * chunk + k);
	}
	fclose(w.fp);

	memset(&s, 0, sizeof(s));
	assert_int_equal(xpkt_pmusim_stream_open(&s, path, &err), 0);
	for (unsigned g = 0; g < 5; g++) {
		assert_int_equal(s.next(&s, &ev, &err), 1);
		assert_int_equal(ev.id, XPKT_EV_SIM_PMU);
		assert_int_equal(ev.arg2, XPKT_SIM_EV_MODEL_L1I + g);
		assert_string_equal((const char *)ev.pmu, geo[g]);
		assert_true(ev.ts <= 500);
	}
	/* two models: each one's geometry again, as XPKT_EV_SIM_MODEL */
	for (unsigned g = 0; g < 10; g++) {
		static const char *const l2[2] = {"1M:16:64", "8M:16:64"};

		assert_int_equal(s.next(&s, &ev, &err), 1);
		assert_int_equal(ev.id, XPKT_EV_SIM_MODEL);
		assert_int_equal(xpkt_sim_model_index(&ev), g / 5);
		assert_int_equal(xpkt_sim_model_kind(&ev), XPKT_SIM_EV_MODEL_L1I + g % 5);
		if (g % 5 == 2)
			assert_string_equal((const char *)ev.pmu, l2[g / 5]);
	}
	while (s.next(&s, &ev, &err) == 1) {
		uint64_t v[XPKT_SIM_COUNTERS];
		unsigned vc = ev.cpu, k;

		/* a record: each model's L2/TLB counters, then model 0's event */
		for (unsigned m = 0; m < 2; m++) {
			uint64_t mv[XPKT_SIMM_COUNTERS];
			unsigned base = PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * m;

			assert_int_equal(ev.id, XPKT_EV_SIM_MODEL);
			assert_int_equal(xpkt_sim_model_kind(&ev), XPKT_SIM_EV_COUNTERS);
			assert_int_equal(xpkt_sim_model_index(&ev), m);
			xpkt_sim_model_get(&ev, mv);
			k = next_k[vc];
			assert_int_equal(mv[XPKT_SIMM_L2_ACCESS], val(vc, k, base + 4));
			assert_int_equal(mv[XPKT_SIMM_L2_MISS], val(vc, k, base + 5));
			assert_int_equal(mv[XPKT_SIMM_ITLB_ACCESS], val(vc, k, base + 6));
			assert_int_equal(mv[XPKT_SIMM_ITLB_MISS], val(vc, k, base + 7));
			assert_int_equal(mv[XPKT_SIMM_DTLB_ACCESS], val(vc, k, base + 8));
			assert_int_equal(mv[XPKT_SIMM_DTLB_MISS], val(vc, k, base + 9));
			assert_int_equal(s.next(&s, &ev, &err), 1);
			assert_int_equal(ev.cpu, vc);
		}
		assert_int_equal(ev.id, XPKT_EV_SIM_PMU);
		assert_int_equal(ev.arg2, XPKT_SIM_EV_COUNTERS);
		assert_true(vc < 2);
		assert_true(ev.ts >= last);
		last = ev.ts;
		k = next_k[vc]++;
		/* the record's own tsc, from how it was written */
		assert_int_equal(ev.ts, (vc ? 1000 : 1005) + 60 * (k / 3) + 20 * (k % 3));
		assert_int_equal(ev.arg, vc == 1 && k == 5 ? 2 : 0);
		xpkt_sim_event_get(&ev, v);
		/* model 0 sits right after the 7 vCPU counters: insns 0, l1d_miss 10,
		 * l2_miss 12, itlb_miss 14, dtlb_miss 16 */
		assert_int_equal(v[XPKT_SIM_INSNS], val(vc, k, 0));
		assert_int_equal(v[XPKT_SIM_L1D_MISS], val(vc, k, 10));
		assert_int_equal(v[XPKT_SIM_L2_MISS], val(vc, k, 12));
		assert_int_equal(v[XPKT_SIM_ITLB_MISS], val(vc, k, 14));
		assert_int_equal(v[XPKT_SIM_DTLB_MISS], val(vc, k, 16));
		n++;
	}
	assert_int_equal(n, 12);
	assert_int_equal(next_k[0], 6);
	assert_int_equal(next_k[1], 6);
	s.close(&s);
	unlink(path);
}

static void expect_error(const char *what, const char *offset);

static void put_var(struct wr *w, uint64_t tsc, uint32_t vcpu, uint16_t kind, const void *payload,
		    uint16_t bytes)
{
	fwrite(&tsc, 8, 1, w->fp);
	fwrite(&vcpu, 4, 1, w->fp);
	fwrite(&kind, 2, 1, w->fp);
	fwrite(&bytes, 2, 1, w->fp);
	fwrite(payload, 1, bytes, w->fp);
}

static void put_tbdef(struct wr *w, uint32_t vcpu, uint32_t id, uint64_t vaddr)
{
	struct pmu_stream_tbdef d = {.id = id, .n_insns = 3, .vaddr = vaddr};

	put_var(w, 0, vcpu, PMU_STREAM_TBDEF, &d, sizeof(d));
}

/* An ANNOT entry: block id, then counts c, c+1, ..., c+10 (LEB128; c large
 * enough that some take several bytes). */
static size_t annot_entry(uint8_t *p, uint32_t id, uint32_t c)
{
	size_t n = 0;

	for (unsigned i = 0; i < 1 + XPKT_SIMTB_COUNTERS; i++) {
		uint32_t x = i ? c + i - 1 : id;

		do {
			p[n++] = (uint8_t)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
			x >>= 7;
		} while (x);
	}
	return n;
}

static void set_version2(struct wr *w)
{
	fseek(w->fp, 8, SEEK_SET);
	fwrite(&(uint32_t){PMU_STREAM_VERSION_ANNOT}, 4, 1, w->fp);
	fseek(w->fp, 0, SEEK_END);
}

static void test_annot(void **state)
{
	struct wr w = wopen();
	struct xpkt_stream s;
	struct xpkt_event ev;
	struct xpkt_err err;
	uint8_t buf[256];
	size_t n;
	unsigned tb = 0, pmu = 0;

	(void)state;
	put_header(&w, 1, 1);
	set_version2(&w);
	put_rec(&w, 100, 0, 0, 0);
	put_tbdef(&w, 0, 0, 0xffff82d040200000ull);
	put_tbdef(&w, 0, 7, 0xffffffff81000010ull);
	n = annot_entry(buf, 7, 300000);
	n += annot_entry(buf + n, 0, 5);
	put_var(&w, 200, 0, PMU_STREAM_ANNOT, buf, (uint16_t)n);
	put_var(&w, 200, 0, PMU_STREAM_ANNOT, buf, 0); /* empty: nothing */
	put_rec(&w, 200, 0, PMU_STREAM_CR3, 1);
	fclose(w.fp);

	memset(&s, 0, sizeof(s));
	assert_int_equal(xpkt_pmusim_stream_open(&s, path, &err), 0);
	while (s.next(&s, &ev, &err) == 1) {
		uint32_t v[XPKT_SIMTB_COUNTERS];

		if (ev.id == XPKT_EV_SIM_PMU && ev.arg2 != XPKT_SIM_EV_COUNTERS)
			continue; /* geometry */
		if (ev.id == XPKT_EV_SIM_TB) {
			/* before the record that closes its interval, at its tsc */
			assert_int_equal(pmu, 1);
			assert_int_equal(ev.ts, 200);
			assert_int_equal(ev.ip, tb ? 0xffff82d040200000ull : 0xffffffff81000010ull);
			xpkt_sim_tb_get(&ev, v);
			for (unsigned i = 0; i < XPKT_SIMTB_COUNTERS; i++)
				assert_int_equal(v[i], (tb ? 5 : 300000) + i);
			tb++;
			continue;
		}
		assert_int_equal(ev.id, XPKT_EV_SIM_PMU);
		assert_int_equal(ev.arg, pmu ? PMU_STREAM_CR3 : 0);
		pmu++;
	}
	assert_int_equal(tb, 2);
	assert_int_equal(pmu, 2);
	s.close(&s);
	unlink(path);

	/* an ANNOT naming a block no TBDEF defined */
	w = wopen();
	put_header(&w, 1, 1);
	set_version2(&w);
	n = annot_entry(buf, 3, 1);
	put_var(&w, 200, 0, PMU_STREAM_ANNOT, buf, (uint16_t)n);
	fclose(w.fp);
	expect_error("before its TBDEF", "offset 288");

	/* an entry cut short */
	w = wopen();
	put_header(&w, 1, 1);
	set_version2(&w);
	put_tbdef(&w, 0, 0, 0x1000);
	n = annot_entry(buf, 0, 1);
	put_var(&w, 200, 0, PMU_STREAM_ANNOT, buf, (uint16_t)(n - 1));
	fclose(w.fp);
	expect_error("cut short", "offset 320");

	/* version 2 kinds in a version 1 stream */
	w = wopen();
	put_header(&w, 1, 1);
	put_tbdef(&w, 0, 0, 0x1000);
	fclose(w.fp);
	expect_error("kind 4 unknown in version 1", "offset 272");
}

/* Opens (and reads to the end) a file; returns the error text or NULL. */
static const char *decode_all(struct xpkt_err *err)
{
	struct xpkt_stream s;
	struct xpkt_event ev;
	int rc;

	memset(&s, 0, sizeof(s));
	if (xpkt_pmusim_stream_open(&s, path, err))
		return err->msg;
	while ((rc = s.next(&s, &ev, err)) == 1)
		;
	s.close(&s);
	return rc < 0 ? err->msg : NULL;
}

static void expect_error(const char *what, const char *offset)
{
	struct xpkt_err err;
	const char *msg = decode_all(&err);

	assert_non_null(msg);
	if (!strstr(msg, what) || !strstr(msg, path) || !strstr(msg, offset)) {
		fprintf(stderr, "got: %s\nwant: %s at %s\n", msg, what, offset);
		fail();
	}
	unlink(path);
}

static void test_errors(void **state)
{
	struct wr w;
	/* one model: header 72 + 200 = 272 bytes, records 16 + 8 * 17 = 152 bytes */
	const unsigned rec0 = 272, rec1 = 272 + 152;

	(void)state;
	w = wopen();
	fwrite("XPMUSIM2", 8, 1, w.fp);
	fclose(w.fp);
	expect_error("truncated header", "offset 8");

	w = wopen();
	put_header(&w, 1, 1);
	fseek(w.fp, 0, SEEK_SET);
	fwrite("XPMUSIM2", 8, 1, w.fp);
	fclose(w.fp);
	expect_error("magic", "offset 0");

	w = wopen();
	put_header(&w, 1, 1);
	fseek(w.fp, 8, SEEK_SET);
	fwrite(&(uint32_t){3}, 4, 1, w.fp);
	fclose(w.fp);
	expect_error("version 3", "offset 8");

	w = wopen();
	put_header(&w, 1, 1);
	fseek(w.fp, 28, SEEK_SET);
	fwrite(&(uint32_t){150}, 4, 1, w.fp);
	fclose(w.fp);
	expect_error("record_bytes 150", "offset 28");

	w = wopen();
	put_header(&w, 1, 1);
	put_rec(&w, 100, 0, 0, 0);
	fwrite("abc", 3, 1, w.fp);
	fclose(w.fp);
	{
		char off[32];

		snprintf(off, sizeof(off), "offset %u", rec1);
		expect_error("truncated record", off);
	}

	w = wopen();
	put_header(&w, 2, 1);
	put_rec(&w, 100, 2, 0, 0);
	fclose(w.fp);
	{
		char off[32];

		snprintf(off, sizeof(off), "offset %u", rec0);
		expect_error("vcpu 2", off);
	}

	w = wopen();
	put_header(&w, 1, 1);
	put_rec(&w, 100, 0, 0, 0);
	put_rec(&w, 200, 0, 7, 1);
	fclose(w.fp);
	{
		char off[32];

		snprintf(off, sizeof(off), "offset %u", rec1);
		expect_error("kind 7", off);
	}

	w = wopen();
	put_header(&w, 2, 1);
	put_rec(&w, 100, 0, 0, 0);
	put_rec(&w, 50, 1, 0, 0); /* another vCPU may be earlier: fine */
	put_rec(&w, 99, 0, 0, 1); /* the same vCPU may not */
	fclose(w.fp);
	{
		char off[32];

		snprintf(off, sizeof(off), "offset %u", rec1 + 152);
		expect_error("before its previous", off);
	}
}

static void test_empty_stream(void **state)
{
	struct wr w = wopen();
	struct xpkt_stream s;
	struct xpkt_event ev;
	struct xpkt_err err;
	unsigned n = 0;

	(void)state;
	put_header(&w, 4, 1);
	fclose(w.fp);
	memset(&s, 0, sizeof(s));
	assert_int_equal(xpkt_pmusim_stream_open(&s, path, &err), 0);
	while (s.next(&s, &ev, &err) == 1)
		n++;
	assert_int_equal(n, 5); /* the model only: an idle run writes no records */
	s.close(&s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_annot),
	    cmocka_unit_test(test_empty_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
