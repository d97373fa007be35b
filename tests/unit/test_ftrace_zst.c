// SPDX-License-Identifier: GPL-2.0
/*
 * test_ftrace_zst.c - compressed ftrace bundles: capture/ftrace_compress.c
 * turns cpuN.raw into cpuN.raw.zst and decode/ftrace_stream.c reads them.
 *
 * The same hand-built ring-buffer pages (layout of kernel/trace/ring_buffer.c,
 * as in test_ftrace.c) are decoded raw and then compressed: the events must be
 * identical, and equal to the numbers written into the pages. Then the
 * compressed path's failures: a truncated .zst, a flipped byte, a partial
 * page inside a valid frame, a page error inside compressed data, and a
 * cancelled compression (raw bundle untouched).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cmocka.h>

#include "capture/ftrace_compress.h"
#include "decode/stream.h"
#include "tests/ftrace_formats.h"
#include "tracepoints/event.h"

#define PAGE   4096
#define NPAGES 40
#define MAXEV  4096

static const char meta_raw[] =
    "{\"format\": \"xpkttrace-ftrace\", \"version\": 1, \"clock\": \"x86-tsc\","
    " \"subbuf_size\": 4096, \"long_size\": 8, \"events\": [\"net:net_dev_queue\"],"
    " \"cpus\": [{\"cpu\": 0, \"file\": \"cpu0.raw\", \"bytes\": 163840, \"lost_events\": 0},"
    " {\"cpu\": 1, \"file\": \"cpu1.raw\", \"bytes\": 4096, \"lost_events\": 0}]}\n";

static char bundle[64], dir[128];
static struct xpkt_event raw_ev[MAXEV];
static int raw_n;

static void path_of(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", dir, rel);
}

static void put(const char *rel, const void *data, size_t len)
{
	char path[256];
	FILE *fp;

	path_of(path, sizeof(path), rel);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static unsigned char *get(const char *rel, size_t *len)
{
	char path[256];
	struct stat st;
	unsigned char *b;
	FILE *fp;

	path_of(path, sizeof(path), rel);
	assert_int_equal(stat(path, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_non_null(b);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	*len = fread(b, 1, (size_t)st.st_size, fp);
	fclose(fp);
	return b;
}

static int exists(const char *rel)
{
	char path[256];

	path_of(path, sizeof(path), rel);
	return access(path, F_OK) == 0;
}

static void le(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Page k of cpu 0: stamp 1e6 + 1000 k, events of net_dev_queue every 3 ticks. */
static unsigned fill_page(unsigned char *pg, unsigned k, unsigned nev)
{
	unsigned len = 0;

	memset(pg, 0, PAGE);
	le(pg, 1000000 + 1000ull * k, 8);
	for (unsigned i = 0; i < nev; i++) {
		unsigned char *p = pg + 16 + len;

		le(p, 3u << 5 | 32 / 4, 4); /* delta 3, 32 data bytes */
		le(p + 4, 2304, 2);
		le(p + 4 + 8, 0xffff888800000000ull + 0x100ull * (k * 100 + i), 8);
		le(p + 4 + 16, 60 + k * 7 + i, 4);
		le(p + 4 + 20, (uint64_t)3 << 16 | 24, 4);
		memcpy(p + 4 + 24, "lo", 3);
		len += 36;
	}
	le(pg + 8, len, 8);
	return len;
}

static int setup(void **state)
{
	char path[256];

	(void)state;
	snprintf(bundle, sizeof(bundle), "/tmp/xpkt-ftzst-XXXXXX");
	assert_non_null(mkdtemp(bundle));
	snprintf(dir, sizeof(dir), "%s/host.ftrace", bundle);
	mkdir(dir, 0755);
	put("header_page", header_page, strlen(header_page));
	snprintf(path, sizeof(path), "%s/events", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/net", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue", dir);
	mkdir(path, 0755);
	put("events/net/net_dev_queue/format", fmt_queue, strlen(fmt_queue));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bundle);
	return system(cmd) ? -1 : 0;
}

/* The raw fixture: cpu0 NPAGES pages, cpu1 one page, meta.json naming them. */
static void write_raw(void)
{
	unsigned char pg[PAGE];
	char path[256];
	FILE *fp;

	path_of(path, sizeof(path), "cpu0.raw");
	fp = fopen(path, "wb");
	assert_non_null(fp);
	for (unsigned k = 0; k < NPAGES; k++) {
		fill_page(pg, k, 1 + k % 100);
		assert_int_equal(fwrite(pg, 1, PAGE, fp), PAGE);
	}
	fclose(fp);
	fill_page(pg, 500, 2); /* cpu1: stamps after all of cpu0's */
	put("cpu1.raw", pg, PAGE);
	put("meta.json", meta_raw, strlen(meta_raw));
	path_of(path, sizeof(path), "cpu0.raw.zst");
	unlink(path);
	path_of(path, sizeof(path), "cpu1.raw.zst");
	unlink(path);
}

static struct xpkt_source src = {
    .name = "host",
    .domain = XPKT_DOM_HOST,
    .format = "ftrace",
    .file = "host.ftrace",
    .ifaces = {{.ifindex = 1, .name = "lo", .kind = XPKT_DEV_ANY}},
    .nifaces = 1,
};

static int decode(struct xpkt_event *evs, int max, struct xpkt_err *err)
{
	struct xpkt_stream s;
	int n = 0, rc;

	if (xpkt_stream_open(&s, bundle, &src, err))
		return -1;
	while ((rc = xpkt_stream_next(&s, &evs[n < max ? n : max - 1], err)) == 1)
		n++;
	xpkt_stream_close(&s);
	return rc < 0 ? -1 : n;
}

static void compress_ok(void)
{
	struct xpkt_compress_stats st;
	struct xpkt_err err = {{0}};

	if (xpkt_ftrace_compress(dir, XPKT_FTRACE_ZSTD_LEVEL, NULL, NULL, &st, &err))
		fail_msg("compress: %s", err.msg);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.in_bytes, (NPAGES + 1) * PAGE);
}

/* Raw and compressed decode to the same events, the ones put into the pages. */
static void test_same_events(void **state)
{
	static struct xpkt_event zev[MAXEV];
	struct xpkt_err err = {{0}};
	unsigned expect = 0, i = 0;
	char *meta;
	size_t len;
	int n;

	(void)state;
	write_raw();
	raw_n = decode(raw_ev, MAXEV, &err);
	if (raw_n < 0)
		fail_msg("raw: %s", err.msg);
	for (unsigned k = 0; k < NPAGES; k++)
		expect += 1 + k % 100;
	assert_int_equal(raw_n, expect + 2);
	/* independent of the decoder: page k event j at 1e6 + 1000 k + 3 (j + 1) */
	for (unsigned k = 0; k < NPAGES; k++)
		for (unsigned j = 0; j < 1 + k % 100; j++, i++) {
			assert_int_equal(raw_ev[i].ts, 1000000 + 1000ull * k + 3 * (j + 1));
			assert_int_equal(raw_ev[i].skb,
					 0xffff888800000000ull + 0x100ull * (k * 100 + j));
			assert_int_equal(raw_ev[i].len, 60 + k * 7 + j);
			assert_int_equal(raw_ev[i].ifindex, 1);
		}
	assert_int_equal(raw_ev[i].cpu, 1);

	compress_ok();
	assert_false(exists("cpu0.raw"));
	assert_false(exists("cpu1.raw"));
	assert_true(exists("cpu0.raw.zst"));
	assert_true(exists("cpu1.raw.zst"));
	meta = (char *)get("meta.json", &len);
	meta[len] = 0;
	assert_non_null(strstr(meta, "\"file\": \"cpu0.raw.zst\""));
	assert_non_null(strstr(meta, "\"codec\": \"zstd\""));
	free(meta);
	n = decode(zev, MAXEV, &err);
	if (n < 0)
		fail_msg("compressed: %s", err.msg);
	assert_int_equal(n, raw_n);
	assert_memory_equal(zev, raw_ev, (size_t)n * sizeof(zev[0]));
	/* Run again: nothing left to compress, the bundle unchanged. */
	{
		struct xpkt_compress_stats st;

		assert_int_equal(xpkt_ftrace_compress(dir, 1, NULL, NULL, &st, &err), 0);
		assert_int_equal(st.files, 0);
	}
}

/* The offset N in "FILE: offset N: ..." after the file name. */
static unsigned long long offset_in(const char *msg, const char *file)
{
	const char *p = strstr(msg, file);

	if (!p || strncmp(p + strlen(file), ": offset ", 9))
		fail_msg("'%s' does not name '%s: offset N'", msg, file);
	return strtoull(p + strlen(file) + 9, NULL, 10);
}

static void test_truncated(void **state)
{
	struct xpkt_err err = {{0}};
	unsigned char *z;
	size_t len;

	(void)state;
	write_raw();
	compress_ok();
	z = get("cpu0.raw.zst", &len);
	assert_true(len > 200);
	put("cpu0.raw.zst", z, len / 2);
	assert_int_equal(decode(raw_ev, MAXEV, &err), -1);
	/* the offset is where the compressed input ran out: at most what is left */
	assert_true(offset_in(err.msg, "cpu0.raw.zst") <= len / 2);
	assert_non_null(strstr(err.msg, "zstd"));
	/* cut just before the end: the checksum (last 4 bytes) is missing */
	put("cpu0.raw.zst", z, len - 2);
	assert_int_equal(decode(raw_ev, MAXEV, &err), -1);
	assert_true(offset_in(err.msg, "cpu0.raw.zst") <= len - 2);
	/* a flipped byte inside the data: corruption or checksum error, never events */
	z[len / 2] ^= 0x55;
	put("cpu0.raw.zst", z, len);
	assert_int_equal(decode(raw_ev, MAXEV, &err), -1);
	assert_true(offset_in(err.msg, "cpu0.raw.zst") <= len);
	/* not zstd at all */
	put("cpu0.raw.zst", "plain text, not a frame", 23);
	assert_int_equal(decode(raw_ev, MAXEV, &err), -1);
	offset_in(err.msg, "cpu0.raw.zst");
	free(z);
}

/* Valid frames whose content is wrong: errors name the decompressed offset. */
static void test_bad_content(void **state)
{
	static unsigned char pg[2 * PAGE], z[2 * PAGE + 1024];
	struct xpkt_err err = {{0}};
	size_t zn;

	(void)state;
	write_raw();
	compress_ok();
	/* one page and 100 bytes: a partial page at offset 4096 */
	fill_page(pg, 0, 3);
	fill_page(pg + PAGE, 1, 3);
	zn = ZSTD_compress(z, sizeof(z), pg, PAGE + 100, 1);
	assert_false(ZSTD_isError(zn));
	put("cpu0.raw.zst", z, zn);
	assert_int_equal(decode(raw_ev, MAXEV, &err), -1);
	assert_int_equal(offset_in(err.msg, "cpu0.raw.zst (decompressed)"), PAGE);
	assert_non_null(strstr(err.msg, "truncated page"));
	/* second page's commit larger than a page: offset 4096 + 8 */
	le(pg + PAGE + 8, 5000, 8);
	zn = ZSTD_compress(z, sizeof(z), pg, 2 * PAGE, 3);
	assert_false(ZSTD_isError(zn));
	put("cpu0.raw.zst", z, zn);
	assert_int_equal(decode(raw_ev, MAXEV, &err), -1);
	assert_int_equal(offset_in(err.msg, "cpu0.raw.zst (decompressed)"), PAGE + 8);
	assert_non_null(strstr(err.msg, "does not fit"));
}

/* Two frames back to back (a compressor run in pieces) are one stream. */
static void test_two_frames(void **state)
{
	static unsigned char pg[2 * PAGE], z[2 * PAGE + 1024];
	struct xpkt_event ev[16];
	struct xpkt_err err = {{0}};
	size_t a, b;

	(void)state;
	write_raw();
	compress_ok();
	fill_page(pg, 0, 2);
	fill_page(pg + PAGE, 1, 3);
	a = ZSTD_compress(z, sizeof(z), pg, PAGE, 1);
	assert_false(ZSTD_isError(a));
	b = ZSTD_compress(z + a, sizeof(z) - a, pg + PAGE, PAGE, 1);
	assert_false(ZSTD_isError(b));
	put("cpu0.raw.zst", z, a + b);
	assert_int_equal(decode(ev, 16, &err), 2 + 3 + 2);
	assert_int_equal(ev[2].ts, 1000000 + 1000 + 3);
}

static int cancel_cb(const struct xpkt_compress_progress *p, void *ctx)
{
	(void)ctx;
	return p->in_bytes > 0; /* cancel at the first report */
}

/* A cancelled compression leaves the raw bundle exactly as it was. */
static void test_cancel(void **state)
{
	struct xpkt_compress_stats st;
	struct xpkt_err err = {{0}};
	unsigned char *before, *after;
	char path[256];
	size_t lb, la;

	(void)state;
	write_raw();
	before = get("meta.json", &lb);
	assert_int_equal(xpkt_ftrace_compress(dir, 1, cancel_cb, NULL, &st, &err), -1);
	assert_non_null(strstr(err.msg, "cancelled"));
	assert_true(exists("cpu0.raw"));
	assert_true(exists("cpu1.raw"));
	assert_false(exists("cpu0.raw.zst"));
	assert_false(exists("cpu1.raw.zst"));
	after = get("meta.json", &la);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, lb);
	free(before);
	free(after);
	/* and it still decodes as before */
	assert_int_equal(decode(raw_ev, MAXEV, &err), raw_n);
	/* a meta.json naming a raw file that is missing: an error naming it */
	path_of(path, sizeof(path), "cpu1.raw");
	unlink(path);
	assert_int_equal(xpkt_ftrace_compress(dir, 1, NULL, NULL, &st, &err), -1);
	assert_non_null(strstr(err.msg, "cpu1.raw"));
	assert_false(exists("cpu0.raw.zst"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_events), cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_content), cmocka_unit_test(test_two_frames),
	    cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
