// SPDX-License-Identifier: GPL-2.0
/*
 * test_perf.c - the perf decoder on cpuN.data files built here by hand in
 * the layout of capture/perf_rec.h: the 128-byte header, then perf records
 * as include/uapi/linux/perf_event.h defines them (a sample of IP, TID,
 * TIME, CPU is header + ip + pid/tid + time + cpu/res = 40 bytes). Expected
 * values are the numbers written into the records, times converted by
 * arithmetic done here. The time_zero conversion is checked against the
 * kernel's formula (the quot/rem split of the perf_event_mmap_page
 * comment) computed here with 128-bit arithmetic. Then corrupt files: each
 * must be a "FILE: offset N: what" error.
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

#include <cmocka.h>
#include <linux/perf_event.h>

#include "capture/perf_rec.h"
#include "decode/perf_stream.h"
#include "tests/ftrace_formats.h"

#define ST (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU)

/* Pairs: 2.6 ticks per ns, tick 1000 at ns 500. */
#define TSC0 1000ull
#define NS0  500ull
#define TSC1 (TSC0 + 2600000ull)
#define NS1  (NS0 + 1000000ull)

struct buf {
	unsigned char b[4096];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put64(struct buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void header(struct buf *b, uint32_t cpu)
{
	struct xpkt_perf_file_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, XPKT_PERF_MAGIC, 8);
	h.version = XPKT_PERF_VERSION;
	h.hdr_bytes = XPKT_PERF_HDR_BYTES;
	h.sample_type = ST;
	h.cpu = cpu;
	h.time_conv = XPKT_PERF_TIME_PAIRS;
	h.tsc0 = TSC0;
	h.ns0 = NS0;
	h.tsc1 = TSC1;
	h.ns1 = NS1;
	h.freq_hz = 999;
	put(b, &h, sizeof(h));
}

static void sample(struct buf *b, uint64_t ip, uint32_t pid, uint32_t tid, uint64_t time,
		   uint32_t cpu)
{
	struct perf_event_header eh = {.type = PERF_RECORD_SAMPLE, .size = 40};

	put(b, &eh, sizeof(eh));
	put64(b, ip);
	put32(b, pid);
	put32(b, tid);
	put64(b, time);
	put32(b, cpu);
	put32(b, 0);
}

/* PERF_RECORD_LOST {id, lost} + sample_id {pid, tid} {time} {cpu, res} */
static void lost(struct buf *b, uint64_t n, uint64_t time, uint32_t cpu)
{
	struct perf_event_header eh = {.type = PERF_RECORD_LOST, .size = 48};

	put(b, &eh, sizeof(eh));
	put64(b, 7);
	put64(b, n);
	put32(b, 1);
	put32(b, 1);
	put64(b, time);
	put32(b, cpu);
	put32(b, 0);
}

static void throttle(struct buf *b)
{
	struct perf_event_header eh = {.type = PERF_RECORD_THROTTLE, .size = 48};

	put(b, &eh, sizeof(eh));
	for (int i = 0; i < 5; i++)
		put64(b, 0);
}

static void write_file(const char *path, const struct buf *b)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(b->b, 1, b->n, fp), b->n);
	fclose(fp);
}

/* ns to ticks on the test's line, floored, computed independently of the decoder. */
static uint64_t line(uint64_t ns)
{
	return TSC0 + (ns - NS0) * (TSC1 - TSC0) / (NS1 - NS0);
}

static struct xpkt_source src = {.name = "host-samples", .domain = XPKT_DOM_HOST};

static int decode_all(const char *path, struct xpkt_event *out, size_t max, size_t *n,
		      struct xpkt_err *err)
{
	struct xpkt_stream s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.src = &src;
	*n = 0;
	if (xpkt_perf_stream_open(&s, path, err))
		return -1;
	while ((rc = xpkt_stream_next(&s, &out[*n], err)) == 1)
		assert_true(++*n < max);
	xpkt_stream_close(&s);
	return rc;
}

static void test_samples_sorted_and_converted(void **state)
{
	char dir[] = "/tmp/xpkt-perf-XXXXXX", path[128];
	struct buf b0 = {.n = 0}, b1 = {.n = 0};
	struct xpkt_event ev[16];
	struct xpkt_err err = {{0}};
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* cpu0: out of time order inside the ring (an interrupt), a lost span, a throttle */
	header(&b0, 0);
	sample(&b0, 0xffffffff81234567ull, 42, 43, NS0 + 3000, 0);
	sample(&b0, 0x55550000abcdull, 42, 44, NS0 + 1000, 0);
	throttle(&b0);
	lost(&b0, 5, NS0 + 4000, 0);
	/* cpu1: one sample between cpu0's, of the idle task */
	header(&b1, 1);
	sample(&b1, 0xffffffff82000000ull, 0, 0, NS0 + 2000, 1);
	snprintf(path, sizeof(path), "%s/cpu0.data", dir);
	write_file(path, &b0);
	snprintf(path, sizeof(path), "%s/cpu1.data", dir);
	write_file(path, &b1);

	assert_int_equal(decode_all(dir, ev, 16, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ev[0].id, XPKT_EV_PC_SAMPLE);
	assert_int_equal(ev[0].ts, line(NS0 + 1000));
	assert_int_equal(ev[0].ts, TSC0 + 2600); /* 1000 ns at 2.6 ticks per ns */
	assert_int_equal(ev[0].ip, 0x55550000abcdull);
	assert_int_equal(ev[0].arg, 42);
	assert_int_equal(ev[0].arg2, 44);
	assert_int_equal(ev[0].cpu, 0);
	assert_int_equal(ev[0].source, XPKT_DOM_HOST);
	assert_int_equal(ev[1].ts, TSC0 + 5200);
	assert_int_equal(ev[1].ip, 0xffffffff82000000ull);
	assert_int_equal(ev[1].cpu, 1);
	assert_int_equal(ev[1].arg, 0);
	assert_int_equal(ev[2].ts, TSC0 + 7800);
	assert_int_equal(ev[2].ip, 0xffffffff81234567ull);
	assert_int_equal(ev[2].arg2, 43);
	assert_int_equal(ev[3].id, XPKT_EV_LOST);
	assert_int_equal(ev[3].ts, TSC0 + 10400);
	assert_int_equal(ev[3].arg, 5);
	assert_int_equal(ev[3].cpu, 0);

	/* one file on its own decodes too */
	snprintf(path, sizeof(path), "%s/cpu1.data", dir);
	assert_int_equal(decode_all(path, ev, 16, &n, &err), 0);
	assert_int_equal(n, 1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cpu0.data", dir);
	unlink(path);
	rmdir(dir);
}

/* The kernel's conversion (perf_event_mmap_page comment), in 128 bits here. */
static uint64_t kernel_time(uint64_t zero, uint32_t mult, uint32_t shift, uint64_t tsc)
{
	return zero + (uint64_t)(((unsigned __int128)tsc * mult) >> shift);
}

static void test_time_zero_exact(void **state)
{
	struct xpkt_perf_file_hdr h;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.time_conv = XPKT_PERF_TIME_ZERO;
	/* 0.5 ns per tick: time = zero + tsc / 2 */
	h.time_zero = 100;
	h.time_mult = 1;
	h.time_shift = 1;
	assert_int_equal(xpkt_perf_tsc_to_time(&h, 11), 105);
	assert_int_equal(xpkt_perf_time_to_tsc(&h, 105), 10); /* 10 and 11 both give 105 */
	assert_int_equal(xpkt_perf_time_to_tsc(&h, 99), 0);   /* before time_zero */
	/* a 2.6 GHz TSC the way the kernel scales it: mult = 10^9 << 31 / hz */
	h.time_shift = 31;
	h.time_mult = (uint32_t)((1000000000ull << 31) / 2600000000ull);
	h.time_zero = 123456789;
	for (int i = 0; i < 10000; i++) {
		uint64_t tsc, t, back;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		tsc = x >> 6; /* up to 2^58 ticks: years */
		t = kernel_time(h.time_zero, h.time_mult, h.time_shift, tsc);
		assert_int_equal(xpkt_perf_tsc_to_time(&h, tsc), t);
		back = xpkt_perf_time_to_tsc(&h, t);
		/* the smallest tick with that time: it maps back, the one before does not */
		assert_true(back <= tsc);
		assert_int_equal(kernel_time(h.time_zero, h.time_mult, h.time_shift, back), t);
		assert_true(back == 0 ||
			    kernel_time(h.time_zero, h.time_mult, h.time_shift, back - 1) < t);
	}
}

static void test_pairs_line(void **state)
{
	struct xpkt_perf_file_hdr h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.time_conv = XPKT_PERF_TIME_PAIRS;
	h.tsc0 = TSC0;
	h.ns0 = NS0;
	h.tsc1 = TSC1;
	h.ns1 = NS1;
	assert_int_equal(xpkt_perf_time_to_tsc(&h, NS0), TSC0);
	assert_int_equal(xpkt_perf_time_to_tsc(&h, NS1), TSC1);
	assert_int_equal(xpkt_perf_time_to_tsc(&h, NS0 + 1), TSC0 + 2); /* 2.6 floored */
	/* before the first pair: the line extended, floored (-2.6 -> -3) */
	assert_int_equal(xpkt_perf_time_to_tsc(&h, NS0 - 1), TSC0 - 3);
	assert_int_equal(xpkt_perf_time_to_tsc(&h, 0), 0); /* below tick 0: clamped */
}

/* Writes b to a file and expects an error naming the file and offset. */
static void expect_error(const struct buf *b, const char *want)
{
	char path[] = "/tmp/xpkt-perf-bad-XXXXXX";
	struct xpkt_event ev[16];
	struct xpkt_err err = {{0}};
	size_t n;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, b);
	assert_int_equal(decode_all(path, ev, 16, &n, &err), -1);
	if (!strstr(err.msg, want) || strncmp(err.msg, path, strlen(path)))
		fail_msg("error '%s' does not name %s and '%s'", err.msg, path, want);
	unlink(path);
}

static void test_corrupt(void **state)
{
	struct buf b = {.n = 0};
	struct perf_event_header eh = {.type = PERF_RECORD_SAMPLE, .size = 12};

	(void)state;
	header(&b, 0);
	sample(&b, 1, 2, 3, NS0, 0);
	/* torn last record: 20 of its 40 bytes */
	{
		struct buf t = b;

		sample(&t, 1, 2, 3, NS0, 0);
		t.n -= 20;
		expect_error(&t, "offset 168: record of 40 bytes runs past the end");
	}
	/* a record header cut short */
	{
		struct buf t = b;

		put32(&t, PERF_RECORD_SAMPLE);
		expect_error(&t, "offset 168: truncated record header");
	}
	/* a size that is not a multiple of 8 */
	{
		struct buf t = b;

		put(&t, &eh, sizeof(eh));
		put32(&t, 0);
		expect_error(&t, "offset 168: bad record size 12");
	}
	/* a sample shorter than its sample_type */
	{
		struct buf t = b;

		eh.size = 16;
		put(&t, &eh, sizeof(eh));
		put64(&t, 0);
		expect_error(&t, "offset 168: sample record too short");
	}
	/* a lost record without its sample_id fields */
	{
		struct buf t = b;
		struct perf_event_header le = {.type = PERF_RECORD_LOST, .size = 24};

		put(&t, &le, sizeof(le));
		put64(&t, 1);
		put64(&t, 1);
		expect_error(&t, "offset 168: lost record of 24 bytes is too short");
	}
	/* header damage */
	{
		struct buf t = b;

		t.b[0] = 'Y';
		expect_error(&t, "offset 0: not a perf sample file");
		t = b;
		t.b[8] = 9;
		expect_error(&t, "offset 8: version 9");
		t = b;
		t.b[36] = 7;
		expect_error(&t, "offset 36: unknown time conversion 7");
		t = b;
		memset(t.b + 56, 0, 32); /* pairs that do not advance */
		expect_error(&t, "offset 56: clock pairs do not advance");
		t = b;
		t.b[16] |= 1u << 5; /* PERF_SAMPLE_CALLCHAIN: not read */
		expect_error(&t, "offset 16: sample_type");
		t.n = 100;
		expect_error(&t, "offset 0: 100 bytes: too short");
	}
}

/*
 * Group mode: one group per CPU of two counters and a tracepoint; a sample
 * is TIME, CPU, READ {nr = 3, (value, id) x 3: the counters first, then
 * the tracepoint's count} and RAW (u32 size, then net:net_dev_queue's
 * record as its saved format lays it out, padded so the record stays
 * 8-byte aligned). Expected: the stage event from RAW, then a pmu record
 * with the two counter values, same ts and cpu.
 */
static void group_sample(struct buf *b, uint64_t time, uint32_t cpu, uint64_t c0, uint64_t c1,
			 uint64_t skb, uint32_t len)
{
	struct perf_event_header eh = {.type = PERF_RECORD_SAMPLE, .size = 120};
	unsigned char raw[36];

	put(b, &eh, sizeof(eh));
	put64(b, time);
	put32(b, cpu);
	put32(b, 0);
	put64(b, 3); /* nr */
	put64(b, c0);
	put64(b, 101); /* id */
	put64(b, c1);
	put64(b, 102);
	put64(b, 7); /* the tracepoint's own count */
	put64(b, 103);
	memset(raw, 0, sizeof(raw));
	raw[0] = 2304 & 0xff; /* common_type: fmt_queue's ID */
	raw[1] = 2304 >> 8;
	memcpy(raw + 8, &skb, 8);
	memcpy(raw + 16, &len, 4);
	raw[20] = 24; /* __data_loc name: offset 24, length 5 */
	raw[22] = 5;
	memcpy(raw + 24, "xpa0", 5);
	put32(b, sizeof(raw));
	put(b, raw, sizeof(raw));
}

static void test_group_samples(void **state)
{
	char dir[] = "/tmp/xpkt-perf-grp-XXXXXX", path[160];
	struct buf b = {.n = 0};
	struct xpkt_perf_file_hdr *h;
	struct xpkt_event ev[16];
	struct xpkt_err err = {{0}};
	struct xpkt_source gsrc = {.name = "host-pmu", .domain = XPKT_DOM_HOST};
	FILE *fp;
	size_t n;

	(void)state;
	gsrc.ifaces[0].ifindex = 5;
	snprintf(gsrc.ifaces[0].name, sizeof(gsrc.ifaces[0].name), "xpa0");
	gsrc.ifaces[0].kind = XPKT_DEV_VETH;
	gsrc.nifaces = 1;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/events/net", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue/format", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(fmt_queue, fp);
	fclose(fp);
	header(&b, 1);
	h = (struct xpkt_perf_file_hdr *)b.b;
	h->sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_READ | PERF_SAMPLE_RAW;
	h->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
	h->nvalues = 3;
	h->ncounters = 2;
	h->freq_hz = 0;
	group_sample(&b, NS0 + 2000, 1, 5000, 3, 0xffff888100001000ull, 1448);
	group_sample(&b, NS0 + 1000, 1, 4000, 2, 0xffff888100002000ull, 66);
	snprintf(path, sizeof(path), "%s/cpu1.data", dir);
	write_file(path, &b);

	{
		struct xpkt_stream s;
		int rc;

		memset(&s, 0, sizeof(s));
		s.src = &gsrc;
		assert_int_equal(xpkt_perf_stream_open(&s, dir, &err), 0);
		n = 0;
		while ((rc = xpkt_stream_next(&s, &ev[n], &err)) == 1)
			assert_true(++n < 16);
		xpkt_stream_close(&s);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(n, 4);
	/* sorted by time: the second record first, each stage event then its counters */
	assert_int_equal(ev[0].id, XPKT_EV_DEV_QUEUE);
	assert_int_equal(ev[0].ts, TSC0 + 2600);
	assert_int_equal(ev[0].cpu, 1);
	assert_int_equal(ev[0].skb, 0xffff888100002000ull);
	assert_int_equal(ev[0].len, 66);
	assert_int_equal(ev[0].ifindex, 5);
	assert_int_equal(ev[0].dev_kind, XPKT_DEV_VETH);
	assert_int_equal(ev[1].id, XPKT_EV_PMU);
	assert_int_equal(ev[1].ts, ev[0].ts);
	assert_int_equal(ev[1].cpu, 1);
	assert_int_equal(ev[1].pmu[0], 4000);
	assert_int_equal(ev[1].pmu[1], 2);
	assert_int_equal(ev[1].pmu[2], 0);
	assert_int_equal(ev[2].id, XPKT_EV_DEV_QUEUE);
	assert_int_equal(ev[2].ts, TSC0 + 5200);
	assert_int_equal(ev[2].len, 1448);
	assert_int_equal(ev[3].id, XPKT_EV_PMU);
	assert_int_equal(ev[3].pmu[0], 5000);
	assert_int_equal(ev[3].pmu[1], 3);

	/* a group read whose nr is not the header's: an error at the record */
	h = (struct xpkt_perf_file_hdr *)b.b;
	h->nvalues = 4;
	write_file(path, &b);
	{
		struct xpkt_stream s;

		memset(&s, 0, sizeof(s));
		s.src = &gsrc;
		assert_int_equal(xpkt_perf_stream_open(&s, dir, &err), -1);
		if (!strstr(err.msg, "cpu1.data: offset 128: sample record too short"))
			fail_msg("unexpected error '%s'", err.msg);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue/format", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/events/net", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/events", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples_sorted_and_converted),
	    cmocka_unit_test(test_time_zero_exact),
	    cmocka_unit_test(test_pairs_line),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_group_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
