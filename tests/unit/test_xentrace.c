// SPDX-License-Identifier: GPL-2.0
/*
 * test_xentrace.c - the xentrace reader, summary, stream and writer.
 *
 * (a) A real Xen 4.17 capture: per-CPU log volume and per-vCPU hypercall
 *     counts equal what xenalyze printed for it (parsed from the .txt at run
 *     time, never copied into this file).
 * (b) Files written by synth/xtwrite.c, and hand-built ones for what the
 *     writer never emits (records without TSC), decode back identically,
 *     merged across CPUs in TSC order.
 * (c) Truncated and bit-flipped files give an error or decode; never crash.
 * (d) xenalyze itself, when installed, agrees with us on a writer's file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decode/stream.h"
#include "decode/xenstat.h"
#include "decode/xentrace.h"
#include "synth/xtwrite.h"

#define FIXTURE "xen417-iperf3-tcg-run2"

static void data_path(char *buf, size_t len, const char *file)
{
	const char *dir = getenv("XPKT_TESTDATA");

	snprintf(buf, len, "%s/%s", dir && *dir ? dir : "tests/data", file);
}

static void tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/xpkt-test-xt-%ld-%s", (long)getpid(), tag);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	if (n)
		assert_int_equal(fwrite(p, n, 1, fp), 1);
	assert_int_equal(fclose(fp), 0);
}

static void *read_all(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long sz;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*n = (size_t)sz;
	return buf;
}

/* ---- (a) the fixture against xenalyze's summary --------------------------- */

struct expect {
	uint64_t vol[16][XENSTAT_NCLASSES]; /* bytes per cpu, class */
	int ncpus;
	double total_s;
	struct {
		unsigned dom, vcpu;
		int lost;
		uint64_t hc[XENSTAT_NHYPERCALLS];
		double rs_s[XT_RS_MAX]; /* runstate seconds as printed; < 0: not printed */
	} v[32];
	int nv;
};

static int class_index(const char *name)
{
	for (unsigned k = 0; k < XENSTAT_NCLASSES; k++)
		if (!strcmp(name, xenstat_class_name(k)))
			return (int)k;
	return -1;
}

static void parse_summary(const char *path, struct expect *x)
{
	FILE *fp = fopen(path, "r");
	char line[512], name[64];
	int cpu = -1, in_volume = 0, dom = -1, cur = -1;
	unsigned a, b;
	unsigned long long n;
	double secs;

	assert_non_null(fp);
	memset(x, 0, sizeof(*x));
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "Total time: %lf seconds", &secs) == 1) {
			x->total_s = secs;
		} else if (!strncmp(line, "--- Log volume summary", 22)) {
			in_volume = 1;
		} else if (in_volume && sscanf(line, " - cpu %u -", &a) == 1) {
			assert_true(a < 16);
			cpu = (int)a;
			if (cpu + 1 > x->ncpus)
				x->ncpus = cpu + 1;
		} else if (in_volume && cpu >= 0 &&
			   sscanf(line, " %63[a-z0-9] : %llu", name, &n) == 2 &&
			   class_index(name) >= 0) {
			x->vol[cpu][class_index(name)] = n;
		} else if (sscanf(line, "|-- Domain %u --|", &a) == 1) {
			in_volume = 0;
			dom = (int)a;
			cur = -1; /* domain-wide lines follow until the first vCPU */
		} else if (dom >= 0 && sscanf(line, "-- v%u --", &a) == 1) {
			assert_true(x->nv < 32);
			x->v[x->nv].dom = (unsigned)dom;
			x->v[x->nv].vcpu = a;
			for (unsigned r = 0; r < XT_RS_MAX; r++)
				x->v[x->nv].rs_s[r] = -1;
			cur = x->nv++;
		} else if (cur >= 0 && sscanf(line, " %63[a-z]: %llu %lfs", name, &n, &secs) == 3) {
			for (unsigned r = 0; r < XT_RS_MAX; r++)
				if (!strcmp(name, xt_runstate_name(r)))
					x->v[cur].rs_s[r] = secs;
		} else if (x->nv && sscanf(line, " %63s [%u]: %llu", name, &b, &n) == 3 &&
			   b < XENSTAT_NHYPERCALLS) {
			x->v[x->nv - 1].hc[b] = n;
		} else if (x->nv && sscanf(line, " lost: %llu", &n) == 1) {
			x->v[x->nv - 1].lost = 1; /* this vCPU's counts may be short */
		}
	}
	fclose(fp);
	assert_true(x->ncpus > 0);
	assert_true(x->nv > 0);
}

static void test_fixture_matches_xenalyze(void **state)
{
	char xz[4096], txt[4096], bin[256], cmd[8300];
	struct expect *x = calloc(1, sizeof(*x));
	struct xenstat st;
	struct xpkt_err err;
	int checked_hc = 0, checked_rs = 0;

	(void)state;
	assert_non_null(x);
	data_path(xz, sizeof(xz), FIXTURE ".xentrace.xz");
	data_path(txt, sizeof(txt), FIXTURE ".xenalyze-summary.txt");
	if (access(xz, R_OK) || access(txt, R_OK)) {
		free(x);
		fail_msg("fixture %s missing (run from the repo root or set XPKT_TESTDATA)", xz);
	}
	tmp_path(bin, sizeof(bin), "fixture");
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", xz, bin);
	assert_int_equal(system(cmd), 0);
	parse_summary(txt, x);
	assert_int_equal(xenstat_file(bin, &st, &err), 0);
	unlink(bin);
	assert_int_equal((int)st.ncpus, x->ncpus);
	for (int c = 0; c < x->ncpus; c++)
		for (unsigned k = 0; k < XENSTAT_NCLASSES; k++) {
			if (k != XENSTAT_SCHED && k != XENSTAT_MEM && k != XENSTAT_PV &&
			    k != XENSTAT_HW && k != XENSTAT_GEN)
				continue;
			if (st.pcpus[c].cls[k].bytes != x->vol[c][k])
				fail_msg("cpu %d %s: %llu bytes, xenalyze %llu", c,
					 xenstat_class_name(k),
					 (unsigned long long)st.pcpus[c].cls[k].bytes,
					 (unsigned long long)x->vol[c][k]);
		}
	for (int i = 0; i < x->nv; i++) {
		const struct xenstat_vcpu *v = NULL;

		for (unsigned j = 0; j < st.nvcpus; j++)
			if (st.vcpus[j].domid == x->v[i].dom && st.vcpus[j].vcpu == x->v[i].vcpu)
				v = &st.vcpus[j];
		if (!v)
			fail_msg("d%uv%u missing", x->v[i].dom, x->v[i].vcpu);
		for (unsigned h = 0; h < XENSTAT_NHYPERCALLS; h++) {
			uint64_t want = x->v[i].hc[h], got = v->hypercalls[h];
			uint64_t diff = got > want ? got - want : want - got;

			/* Only a vCPU that lost records may differ, by at most 1 %. */
			if (x->v[i].lost ? diff * 100 > want : diff != 0)
				fail_msg("d%uv%u hypercall %u: %llu, xenalyze %llu", x->v[i].dom,
					 x->v[i].vcpu, h, (unsigned long long)got,
					 (unsigned long long)want);
			checked_hc += want > 0;
		}
	}
	/*
	 * Runstate times: xenalyze prints seconds with two decimals (at the
	 * summary's 2.4 GHz), so agree within 0.01 s or 1 %.
	 */
	for (int i = 0; i < x->nv; i++)
		for (unsigned j = 0; j < st.nvcpus; j++) {
			const struct xenstat_vcpu *v = &st.vcpus[j];

			if (v->domid != x->v[i].dom || v->vcpu != x->v[i].vcpu)
				continue;
			for (unsigned r = 0; r < XT_RS_MAX; r++) {
				double want = x->v[i].rs_s[r],
				       got = (double)v->rs_cycles[r] / 2.4e9;

				if (want < 0 || r == XT_RS_QUEUED)
					continue;
				if (fabs(got - want) > 0.01 && fabs(got - want) > want / 100)
					fail_msg("d%uv%u %s: %.2f s, xenalyze %.2f s", v->domid,
						 v->vcpu, xt_runstate_name(r), got, want);
				checked_rs++;
			}
		}
	assert_true(checked_hc > 10);
	assert_true(checked_rs > 10);
	assert_true(x->total_s > 0);
	if (fabs((double)(st.last_tsc - st.first_tsc) / 2.4e9 - x->total_s) > 0.01)
		fail_msg("total time %.2f s, xenalyze %.2f s",
			 (double)(st.last_tsc - st.first_tsc) / 2.4e9, x->total_s);
	assert_true(st.lost_markers > 0);
	xenstat_free(&st);
	free(x);
}

/* ---- (b) writer round trip --------------------------------------------------- */

struct want_rec {
	unsigned cpu;
	uint32_t event;
	uint64_t tsc;
	unsigned n;
	uint32_t extra[7];
};

/* A little scenario on 3 CPUs, interleaved in time, ties across CPUs. */
static unsigned build_scenario(const char *path, struct want_rec *w, unsigned max)
{
	struct xpkt_err err;
	struct xtw *t = xtw_create(path, 3, &err);
	unsigned n = 0;
	uint32_t gnt[2] = {XPKT_GNTTABOP_UNMAP_GRANT_REF, 7};

	assert_non_null(t);
	/* cpu 0: d0v0 starts running, makes hypercalls, lost records */
	assert_int_equal(xtw_runstate(t, 0, 100, 0, 0, 1, 0), 0);
	w[n++] = (struct want_rec){0, 0x21101, 100, 1, {0 << 16 | 0}};
	assert_int_equal(xtw_hypercall(t, 0, 110, 20, gnt, 2), 0);
	w[n++] = (struct want_rec){0, 0x20100d, 110, 3, {20 | 1u << 20 | 1u << 24, 1, 7}};
	assert_int_equal(xtw_lost(t, 0, 300, 42, 0, 0, 250), 0);
	w[n++] = (struct want_rec){0, 0x1f001, 300, 4, {42, 0, 250, 0}};
	/* cpu 1: switch idle -> d1v0, same TSC as a cpu 0 record */
	assert_int_equal(xtw_sched_switch(t, 1, 110, 32767, 1, 1, 0), 0);
	w[n++] = (struct want_rec){1, 0x2800a, 110, 4, {32767, 1, 1, 0}};
	assert_int_equal(xtw_hypercall(t, 1, 200, 23, NULL, 0), 0);
	w[n++] = (struct want_rec){1, 0x20100d, 200, 1, {23}};
	/* cpu 2: a raw record with a TSC above 2^32 */
	uint32_t raw[7] = {1, 2, 3, 4, 5, 6, 7};
	assert_int_equal(xtw_record(t, 2, 0x00802008, 0x100000005ull, raw, 7), 0);
	w[n++] = (struct want_rec){2, 0x802008, 0x100000005ull, 7, {1, 2, 3, 4, 5, 6, 7}};
	assert_true(n <= max);
	assert_int_equal(xtw_close(t, 0, &err), 0);
	return n;
}

static int want_cmp(const void *a, const void *b)
{
	const struct want_rec *x = a, *y = b;

	if (x->tsc != y->tsc)
		return x->tsc < y->tsc ? -1 : 1;
	return (int)x->cpu - (int)y->cpu;
}

static void test_writer_round_trip(void **state)
{
	char path[256];
	struct want_rec w[16];
	struct xt_reader *r;
	struct xt_rec rec;
	struct xpkt_err err;
	unsigned n, i = 0;

	(void)state;
	tmp_path(path, sizeof(path), "rt");
	n = build_scenario(path, w, 16);
	/* within a CPU the scenario is in order; merged: by TSC, then CPU */
	qsort(w, n, sizeof(w[0]), want_cmp);
	r = xt_open(path, &err);
	assert_non_null(r);
	assert_int_equal(xt_ncpus(r), 3);
	while (xt_next(r, &rec, &err) == 1) {
		assert_true(i < n);
		assert_int_equal(rec.cpu, w[i].cpu);
		assert_int_equal(rec.event, w[i].event);
		assert_int_equal(rec.tsc, w[i].tsc);
		assert_int_equal(rec.has_tsc, 1);
		assert_int_equal(rec.nextra, w[i].n);
		assert_memory_equal(rec.extra, w[i].extra, 4 * w[i].n);
		i++;
	}
	assert_int_equal(i, n);
	xt_close(r);
	unlink(path);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Records without a TSC take the previous one of their CPU (xentrace never omits
 * it in 4.17, but Xen's format allows it and TRC_TRACE_WRAP_BUFFER may). */
static void test_tsc_carry_forward(void **state)
{
	uint8_t f[128];
	size_t o = 0;
	char path[256];
	struct xt_reader *r;
	struct xt_rec rec;
	struct xpkt_err err;
	uint64_t want_tsc[] = {1000, 1000, 1500, 1500};
	unsigned want_cpu[] = {0, 0, 1, 1};

	(void)state;
	/* cpu 1 window first in the file: order must come from TSCs */
	put32(f + o, 0x2001f003), put32(f + o + 4, 1), put32(f + o + 8, 20), o += 12;
	put32(f + o, 0x80021101 | 1u << 28), put32(f + o + 4, 1500), put32(f + o + 8, 0),
	    put32(f + o + 12, 0x10000), o += 16;
	put32(f + o, 0x0001f002), o += 4; /* wrap padding, no TSC, no extra */
	put32(f + o, 0x2001f003), put32(f + o + 4, 0), put32(f + o + 8, 20), o += 12;
	put32(f + o, 0x80021101 | 1u << 28), put32(f + o + 4, 1000), put32(f + o + 8, 0),
	    put32(f + o + 12, 0), o += 16;
	put32(f + o, 0x0020100d | 0u << 28), o += 4;
	tmp_path(path, sizeof(path), "carry");
	write_bytes(path, f, o);
	r = xt_open(path, &err);
	assert_non_null(r);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(xt_next(r, &rec, &err), 1);
		assert_int_equal(rec.tsc, want_tsc[i]);
		assert_int_equal(rec.cpu, want_cpu[i]);
		assert_int_equal(rec.has_tsc, i % 2 == 0);
	}
	/* the TSC-less hypercall ran on d0v0, which the runstate record made current */
	assert_int_equal(xt_next(r, &rec, &err), 0);
	xt_close(r);
	unlink(path);
}

static void test_stream_events(void **state)
{
	char path[256];
	struct want_rec w[16];
	struct xpkt_stream s = {0};
	struct xpkt_source src = {0};
	struct xpkt_event ev;
	struct xpkt_err err;
	int seen_hc = 0, seen_sw = 0, seen_lost = 0, seen_irq = 0;
	uint64_t last = 0;

	(void)state;
	tmp_path(path, sizeof(path), "stream");
	build_scenario(path, w, 16);
	src.domain = XPKT_DOM_XEN;
	src.domid = XPKT_DOMID_NONE;
	s.src = &src;
	assert_int_equal(xpkt_xentrace_stream_open(&s, path, &err), 0);
	while (xpkt_stream_next(&s, &ev, &err) == 1) {
		assert_true(ev.ts >= last);
		last = ev.ts;
		if (ev.id == XPKT_EV_XEN_HYPERCALL && ev.arg == XPKT_HC_GRANT_TABLE_OP) {
			assert_int_equal(ev.domid, 0);
			assert_int_equal(ev.cpu, 0);
			assert_int_equal(ev.arg2, XPKT_GNTTABOP_UNMAP_GRANT_REF);
			assert_int_equal(ev.len, 7);
			seen_hc++;
		} else if (ev.id == XPKT_EV_XEN_HYPERCALL) {
			/* made on cpu 1 after the switch to d1v0 */
			assert_int_equal(ev.arg, 23);
			assert_int_equal(ev.domid, 1);
			assert_int_equal(ev.vcpu, 0);
			seen_hc++;
		} else if (ev.id == XPKT_EV_XEN_SWITCH) {
			assert_int_equal(ev.domid, 1);
			assert_int_equal(ev.arg2, 32767u << 16 | 1);
			seen_sw++;
		} else if (ev.id == XPKT_EV_LOST) {
			assert_int_equal(ev.arg, 42);
			seen_lost++;
		} else if (ev.id == XPKT_EV_XEN_IRQ) {
			assert_int_equal(ev.cpu, 2);
			seen_irq++;
		}
		assert_int_equal(ev.source, XPKT_DOM_XEN);
	}
	assert_int_equal(seen_hc, 2);
	assert_int_equal(seen_sw, 1);
	assert_int_equal(seen_lost, 1);
	assert_int_equal(seen_irq, 1);
	assert_int_equal(s.lost_events, 42);
	xpkt_stream_close(&s);
	unlink(path);
}

/* ---- (c) bad input ------------------------------------------------------------ */

static int decode_all(const char *path, struct xpkt_err *err)
{
	struct xt_reader *r = xt_open(path, err);
	struct xt_rec rec;
	int rc;

	if (!r)
		return -1;
	while ((rc = xt_next(r, &rec, err)) == 1)
		;
	xt_close(r);
	return rc;
}

static void test_bad_files(void **state)
{
	char path[256], cut[256];
	struct want_rec w[16];
	struct xpkt_err err;
	struct xenstat st;
	uint8_t *buf;
	size_t n;

	(void)state;
	tmp_path(path, sizeof(path), "good");
	tmp_path(cut, sizeof(cut), "cut");
	build_scenario(path, w, 16);
	buf = read_all(path, &n);
	assert_int_equal(decode_all(path, &err), 0);

	write_bytes(cut, buf, 0);
	assert_int_equal(decode_all(cut, &err), -1);
	assert_non_null(strstr(err.msg, "offset 0: empty file"));
	write_bytes(cut, "%PDF-1.4 hello there", 20);
	assert_int_equal(decode_all(cut, &err), -1);
	assert_non_null(strstr(err.msg, "offset 0: not a xentrace file"));

	/* every truncation: a cut on a window boundary is a shorter valid file */
	for (size_t len = 1; len < n; len++) {
		int rc;

		write_bytes(cut, buf, len);
		rc = decode_all(cut, &err);
		if (rc < 0) {
			assert_non_null(strstr(err.msg, cut));
			assert_non_null(strstr(err.msg, ": offset "));
		}
		assert_true(rc == 0 || rc == -1);
		assert_int_equal(xenstat_file(cut, &st, &err) == 0 ? 0 : rc, rc);
		if (rc == 0)
			xenstat_free(&st);
	}
	/* every byte flipped, one at a time */
	for (size_t i = 0; i < n; i++) {
		buf[i] ^= 0xff;
		write_bytes(cut, buf, n);
		assert_true(decode_all(cut, &err) >= -1);
		if (xenstat_file(cut, &st, &err) == 0)
			xenstat_free(&st);
		buf[i] ^= 0xff;
	}
	/* a record claiming more words than its window holds */
	{
		uint8_t f[20];

		put32(f, 0x2001f003), put32(f + 4, 0), put32(f + 8, 8);
		put32(f + 12, 0xb0021101), put32(f + 16, 1234); /* TSC + 3 words claimed */
		write_bytes(cut, f, sizeof(f));
		assert_int_equal(decode_all(cut, &err), -1);
		assert_non_null(strstr(err.msg, "offset 12: record of 24 bytes"));
	}
	free(buf);
	unlink(cut);
	unlink(path);
}

/* ---- (d) xenalyze on a writer file -------------------------------------------- */

static void test_writer_vs_xenalyze(void **state)
{
	const char *xa = getenv("XENALYZE");
	char path[256], out[256], cmd[1200], line[256];
	struct xpkt_err err;
	struct xtw *t;
	struct xenstat st;
	FILE *fp;
	uint64_t tsc = 1000000, vol[2][XENSTAT_NCLASSES] = {{0}};
	int cpu = -1, in_volume = 0, lines = 0;

	(void)state;
	if (!xa || !*xa)
		xa = "/tmp/xa/xenalyze";
	if (access(xa, X_OK)) {
		printf("skipped: no xenalyze at %s (set $XENALYZE)\n", xa);
		skip();
	}
	tmp_path(path, sizeof(path), "xa");
	tmp_path(out, sizeof(out), "xa.txt");
	t = xtw_create(path, 2, &err);
	assert_non_null(t);
	/* Xen's order on a switch: switch, prev running->runnable, next runnable->running */
	for (unsigned c = 0; c < 2; c++)
		assert_int_equal(xtw_runstate(t, c, tsc + c, (uint16_t)c, 0, 1, 0), 0);
	for (unsigned i = 0; i < 20000; i++) {
		unsigned c = i % 2;
		uint32_t a[2] = {i % 8, i % 5};

		tsc += 1000 + (i * 7919) % 500;
		assert_int_equal(xtw_hypercall(t, c, tsc, i % 3 ? 20 : 32, a, i % 3), 0);
		if (i % 100 == 99) {
			assert_int_equal(xtw_sched_switch(t, c, tsc + 1, (uint16_t)c, 0, 32767, 0),
					 0);
			assert_int_equal(xtw_runstate(t, c, tsc + 2, (uint16_t)c, 0, 0, 1), 0);
			assert_int_equal(xtw_runstate(t, c, tsc + 3, 32767, 0, 1, 0), 0);
			assert_int_equal(xtw_sched_switch(t, c, tsc + 4, 32767, 0, (uint16_t)c, 0),
					 0);
			assert_int_equal(xtw_runstate(t, c, tsc + 5, 32767, 0, 0, 1), 0);
			assert_int_equal(xtw_runstate(t, c, tsc + 6, (uint16_t)c, 0, 1, 0), 0);
		}
	}
	assert_int_equal(xtw_close(t, 0, &err), 0);
	snprintf(cmd, sizeof(cmd), "'%s' --cpu-hz=2.4G --summary '%s' > '%s' 2>/dev/null", xa, path,
		 out);
	assert_int_equal(system(cmd), 0);
	fp = fopen(out, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char name[32];
		unsigned long long n;
		unsigned a;

		if (!strncmp(line, "--- Log volume summary", 22))
			in_volume = 1;
		else if (in_volume && sscanf(line, " - cpu %u -", &a) == 1 && a < 2)
			cpu = (int)a;
		else if (!strncmp(line, "|--", 3))
			in_volume = 0;
		else if (in_volume && cpu >= 0 &&
			 sscanf(line, " %31[a-z0-9] : %llu", name, &n) == 2 &&
			 class_index(name) >= 0)
			vol[cpu][class_index(name)] = n, lines++;
	}
	fclose(fp);
	assert_int_equal(xenstat_file(path, &st, &err), 0);
	assert_true(lines >= 4);
	for (int c = 0; c < 2; c++)
		for (unsigned k = 0; k < XENSTAT_NCLASSES; k++)
			assert_int_equal(st.pcpus[c].cls[k].bytes, vol[c][k]);
	xenstat_free(&st);
	unlink(path);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_matches_xenalyze),
	    cmocka_unit_test(test_writer_round_trip),
	    cmocka_unit_test(test_tsc_carry_forward),
	    cmocka_unit_test(test_stream_events),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_writer_vs_xenalyze),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
