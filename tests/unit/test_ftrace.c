// SPDX-License-Identifier: GPL-2.0
/*
 * test_ftrace.c - the ftrace decoder on ring-buffer pages built here by hand
 * (the layout of kernel/trace/ring_buffer.c: a page is u64 timestamp, long
 * commit, then events of a u32 header type_len:5 | time_delta:27), with the
 * formats of Linux 6.18 saved as the recorder saves them. Expected values are
 * the numbers written into the pages: timestamps are the page stamp plus the
 * deltas, fields are what was put at the format's offsets. Then corrupt pages:
 * each must be a "FILE: offset N: what" error. And the tp_map table.
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

#include "decode/stream.h"
#include "tests/ftrace_formats.h"
#include "tracepoints/tp_map.h"

#define PAGE 4096

/* xen_netfront:tx_grant as tracepoints/xen_net_trace.h lays it out. */
static const char fmt_grant[] = "name: tx_grant\nID: 1800\n" COMMON
				"\tfield:const void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
				"\tfield:u32 ring_idx;\toffset:16;\tsize:4;\tsigned:0;\n"
				"\tfield:u32 gref;\toffset:20;\tsize:4;\tsigned:0;\n"
				"\tfield:u32 len;\toffset:24;\tsize:4;\tsigned:0;\n"
				"\tfield:u16 domid;\toffset:28;\tsize:2;\tsigned:0;\n"
				"\tfield:u16 handle;\toffset:30;\tsize:2;\tsigned:0;\n"
				"\tfield:u16 queue;\toffset:32;\tsize:2;\tsigned:0;\n"
				"\tfield:u16 req_id;\toffset:34;\tsize:2;\tsigned:0;\n\n"
				"print fmt: \"slot=%u\", REC->ring_idx\n";

/*
 * kprobe:dev_hard_start_xmit as a 6.1 kernel writes the format of the probe
 * tracepoints/tp_map.c defines (kprobe fields follow __probe_ip in the
 * order of the fetch arguments; a string is a __data_loc).
 */
static const char fmt_hsx[] = "name: dev_hard_start_xmit\nID: 2100\n" COMMON
			      "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
			      "\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n"
			      "\tfield:__data_loc char[] dev;\toffset:24;\tsize:4;\tsigned:1;\n"
			      "\tfield:u32 len;\toffset:28;\tsize:4;\tsigned:0;\n"
			      "\tfield:u16 etype;\toffset:32;\tsize:2;\tsigned:0;\n"
			      "\tfield:u8 vihl;\toffset:34;\tsize:1;\tsigned:0;\n"
			      "\tfield:u8 proto;\toffset:35;\tsize:1;\tsigned:0;\n"
			      "\tfield:u32 ip_saddr;\toffset:36;\tsize:4;\tsigned:0;\n"
			      "\tfield:u32 ip_daddr;\toffset:40;\tsize:4;\tsigned:0;\n"
			      "\tfield:u16 tcp_sport;\toffset:44;\tsize:2;\tsigned:0;\n"
			      "\tfield:u16 tcp_dport;\toffset:46;\tsize:2;\tsigned:0;\n"
			      "\tfield:u32 tcp_seq;\toffset:48;\tsize:4;\tsigned:0;\n"
			      "\tfield:u8 tcp_doff;\toffset:52;\tsize:1;\tsigned:0;\n\n"
			      "print fmt: \"(%lx) skb=0x%Lx\", REC->__probe_ip, REC->skb\n";

static const char meta[] =
    "{\"format\": \"xpkttrace-ftrace\", \"version\": 1, \"clock\": \"x86-tsc\","
    " \"subbuf_size\": 4096, \"long_size\": 8,"
    " \"events\": [\"net:net_dev_queue\", \"tcp:tcp_probe\", \"xen_netfront:tx_grant\","
    " \"kprobe:dev_hard_start_xmit\"],"
    " \"cpus\": [{\"cpu\": 0, \"file\": \"cpu0.raw\", \"lost_events\": 0},"
    " {\"cpu\": 1, \"file\": \"cpu1.raw\", \"lost_events\": 0}]}\n";

struct page {
	unsigned char b[PAGE];
	unsigned len; /* data bytes after the 16-byte header */
};

static char dir[128];
static char bundle[64];

static void put(const char *rel, const void *data, size_t len)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void le(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void page_init(struct page *pg, uint64_t ts)
{
	memset(pg, 0, sizeof(*pg));
	le(pg->b, ts, 8);
}

/* Appends one event of rec_len bytes (a multiple of 4) with time_delta. */
static void page_add(struct page *pg, uint32_t delta, const unsigned char *rec, unsigned rec_len)
{
	unsigned char *p = pg->b + 16 + pg->len;

	if (rec_len <= 28 * 4) {
		le(p, (uint64_t)delta << 5 | rec_len / 4, 4);
		memcpy(p + 4, rec, rec_len);
		pg->len += 4 + rec_len;
	} else { /* type_len 0: array[0] holds the length (data + 4) */
		le(p, (uint64_t)delta << 5, 4);
		le(p + 4, rec_len + 4, 4);
		memcpy(p + 8, rec, rec_len);
		pg->len += 8 + rec_len;
	}
	le(pg->b + 8, pg->len, 8);
}

static unsigned queue_rec(unsigned char *r, uint64_t skb, uint32_t len, const char *dev)
{
	unsigned n = (unsigned)strlen(dev) + 1;

	memset(r, 0, 64);
	le(r, 2304, 2);
	le(r + 8, skb, 8);
	le(r + 16, len, 4);
	le(r + 20, (uint64_t)n << 16 | 24, 4);
	memcpy(r + 24, dev, n);
	return (24 + n + 3) & ~3u;
}

static void sockaddr_in(unsigned char *p, uint32_t addr, uint16_t port)
{
	le(p, 2, 2); /* AF_INET, host order */
	p[2] = (unsigned char)(port >> 8);
	p[3] = (unsigned char)port;
	p[4] = (unsigned char)(addr >> 24);
	p[5] = (unsigned char)(addr >> 16);
	p[6] = (unsigned char)(addr >> 8);
	p[7] = (unsigned char)addr;
}

static int setup(void **state)
{
	char path[256];

	(void)state;
	snprintf(bundle, sizeof(bundle), "/tmp/xpkt-ftrace-XXXXXX");
	assert_non_null(mkdtemp(bundle));
	snprintf(dir, sizeof(dir), "%s/host.ftrace", bundle);
	mkdir(dir, 0755);
	put("header_page", header_page, strlen(header_page));
	put("meta.json", meta, strlen(meta));
	snprintf(path, sizeof(path), "%s/events", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/net", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/tcp", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/tcp/tcp_probe", dir);
	mkdir(path, 0755);
	put("events/net/net_dev_queue/format", fmt_queue, strlen(fmt_queue));
	put("events/tcp/tcp_probe/format", fmt_probe, strlen(fmt_probe));
	snprintf(path, sizeof(path), "%s/events/xen_netfront", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/xen_netfront/tx_grant", dir);
	mkdir(path, 0755);
	put("events/xen_netfront/tx_grant/format", fmt_grant, strlen(fmt_grant));
	snprintf(path, sizeof(path), "%s/events/kprobe", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/kprobe/dev_hard_start_xmit", dir);
	mkdir(path, 0755);
	put("events/kprobe/dev_hard_start_xmit/format", fmt_hsx, strlen(fmt_hsx));
	put("cpu1.raw", "", 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bundle);
	return system(cmd) ? -1 : 0;
}

static struct xpkt_source src = {
    .name = "host",
    .domain = XPKT_DOM_HOST,
    .format = "ftrace",
    .file = "host.ftrace",
    .ifaces = {{.ifindex = 7, .name = "veth0", .kind = XPKT_DEV_VETH},
	       {.ifindex = 1, .name = "lo", .kind = XPKT_DEV_ANY}},
    .nifaces = 2,
};

/* Decodes the fixture; returns the number of events, fills evs; -1 with err. */
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

static void test_decode_and_merge(void **state)
{
	struct page p0, p1;
	unsigned char rec[160];
	struct xpkt_event ev[8];
	struct xpkt_err err = {{0}};
	unsigned n;

	(void)state;
	page_init(&p0, 1000000);
	n = queue_rec(rec, 0xffff888812345600ull, 1514, "veth0");
	page_add(&p0, 10, rec, n);
	memset(rec, 0, sizeof(rec));
	le(rec, 2273, 2);
	/* socket view: local 10.0.0.2:5201, remote 10.0.0.1:40000 */
	sockaddr_in(rec + 8, 0x0a000002, 5201);
	sockaddr_in(rec + 36, 0x0a000001, 40000);
	le(rec + 64, 5201, 2);
	le(rec + 66, 40000, 2);
	le(rec + 68, 2, 2);
	le(rec + 76, 1448, 2);
	le(rec + 120, 0xffff888800000100ull, 8);
	page_add(&p0, 5, rec, 136);
	put("cpu0.raw", p0.b, PAGE);
	page_init(&p1, 1000012);
	n = queue_rec(rec, 0xabc0, 60, "nosuch");
	page_add(&p1, 0, rec, n);
	put("cpu1.raw", p1.b, PAGE);

	assert_int_equal(decode(ev, 8, &err), 3);
	/* merged by time: 1000010 (cpu0), 1000012 (cpu1), 1000015 (cpu0) */
	assert_int_equal(ev[0].ts, 1000010);
	assert_int_equal(ev[0].id, XPKT_EV_DEV_QUEUE);
	assert_int_equal(ev[0].skb, 0xffff888812345600ull);
	assert_int_equal(ev[0].len, 1514);
	assert_int_equal(ev[0].ifindex, 7);
	assert_int_equal(ev[0].dev_kind, XPKT_DEV_VETH);
	assert_int_equal(ev[0].cpu, 0);
	assert_int_equal(ev[0].source, XPKT_DOM_HOST);
	assert_int_equal(ev[1].ts, 1000012);
	assert_int_equal(ev[1].cpu, 1);
	assert_int_equal(ev[1].ifindex, 0); /* unknown device name */
	assert_int_equal(ev[2].ts, 1000015);
	assert_int_equal(ev[2].id, XPKT_EV_TCP_RCV);
	assert_int_equal(ev[2].skb, 0xffff888800000100ull);
	assert_int_equal(ev[2].len, 1448);
	/* the segment's direction: remote -> local */
	assert_int_equal(ev[2].flow.saddr, 0x0a000001);
	assert_int_equal(ev[2].flow.sport, 40000);
	assert_int_equal(ev[2].flow.daddr, 0x0a000002);
	assert_int_equal(ev[2].flow.dport, 5201);
	assert_int_equal(ev[2].flow.proto, 6);
	put("cpu1.raw", "", 0);
}

static void test_missed_events(void **state)
{
	struct page p;
	unsigned char rec[64];
	struct xpkt_event ev[4];
	struct xpkt_err err = {{0}};
	unsigned n;

	(void)state;
	page_init(&p, 500);
	n = queue_rec(rec, 1, 2, "lo");
	page_add(&p, 3, rec, n);
	/* RB_MISSED_EVENTS | RB_MISSED_STORED, count 42 stored after the data */
	le(p.b + 8, p.len | 1ull << 31 | 1ull << 30, 8);
	le(p.b + 16 + p.len, 42, 8);
	put("cpu0.raw", p.b, PAGE);
	assert_int_equal(decode(ev, 4, &err), 2);
	assert_int_equal(ev[0].id, XPKT_EV_LOST);
	assert_int_equal(ev[0].arg, 42);
	assert_int_equal(ev[0].ts, 500);
	assert_int_equal(ev[1].id, XPKT_EV_DEV_QUEUE);
	assert_int_equal(ev[1].ts, 503);
	assert_int_equal(ev[1].ifindex, 1);
}

static void expect_error(const char *what)
{
	struct xpkt_event ev[4];
	struct xpkt_err err = {{0}};

	assert_int_equal(decode(ev, 4, &err), -1);
	if (!strstr(err.msg, "cpu0.raw: offset ") || !strstr(err.msg, what))
		fail_msg("error '%s' does not name file, offset and '%s'", err.msg, what);
}

static void test_corrupt_pages(void **state)
{
	struct page p;
	unsigned char rec[64];
	unsigned n;

	(void)state;
	/* commit larger than the page */
	page_init(&p, 1);
	le(p.b + 8, 5000, 8);
	put("cpu0.raw", p.b, PAGE);
	expect_error("does not fit");
	/* a torn last page */
	page_init(&p, 1);
	n = queue_rec(rec, 1, 2, "lo");
	page_add(&p, 1, rec, n);
	put("cpu0.raw", p.b, PAGE - 100);
	expect_error("truncated page");
	/* an event whose length runs past the committed data */
	page_init(&p, 1);
	le(p.b + 16, 1 << 5, 4);
	le(p.b + 20, 4000, 4);
	p.len = 64;
	le(p.b + 8, p.len, 8);
	put("cpu0.raw", p.b, PAGE);
	expect_error("overruns");
	/* a record too short for its format's fields */
	page_init(&p, 1);
	memset(rec, 0, sizeof(rec));
	le(rec, 2304, 2);
	page_add(&p, 1, rec, 8);
	put("cpu0.raw", p.b, PAGE);
	expect_error("too short");
	/* a device name pointing outside the record */
	page_init(&p, 1);
	n = queue_rec(rec, 1, 2, "lo");
	le(rec + 20, (uint64_t)200 << 16 | 24, 4);
	page_add(&p, 1, rec, n);
	put("cpu0.raw", p.b, PAGE);
	expect_error("device name");
	put("cpu0.raw", "", 0);
}

static void test_tp_map(void **state)
{
	unsigned n;
	const struct xpkt_tp_map *m = xpkt_tp_maps(&n);

	(void)state;
	assert_true(n > 0);
	for (unsigned i = 0; i < n; i++) {
		assert_non_null(xpkt_event_info(m[i].id));
		assert_ptr_equal(xpkt_tp_find(m[i].system, m[i].event), &m[i]);
		assert_non_null(m[i].skb); /* every packet event names its skb */
		/* one tracepoint per event id, or a kprobe that replaces it in a set */
		for (unsigned j = 0; j < i; j++) {
			const struct xpkt_tp_kprobe *k = xpkt_tp_kprobe_find(m[i].event);
			char name[160];

			if (m[j].id != m[i].id)
				continue;
			assert_string_equal(m[i].system, "kprobe");
			assert_non_null(k);
			assert_non_null(k->replaces);
			snprintf(name, sizeof(name), "%s:%s", m[j].system, m[j].event);
			assert_string_equal(k->replaces, name);
		}
	}
	assert_null(xpkt_tp_find("net", "no_such_event"));
	assert_non_null(xpkt_tp_find("skb", "kfree_skb"));
	assert_string_equal(xpkt_tp_find("skb", "kfree_skb")->arg, "reason");
}

/* The netfront patch's ring identity reaches the event by field name. */
static void test_xen_ring_fields(void **state)
{
	struct page p0;
	unsigned char rec[40] = {0};
	struct xpkt_event ev[4];
	struct xpkt_err err = {{0}};

	(void)state;
	page_init(&p0, 5000);
	le(rec, 1800, 2);
	le(rec + 8, 0xffff888800abc000ull, 8);
	le(rec + 16, 0xfffffffeu, 4); /* free-running RING_IDX near its wrap */
	le(rec + 20, 777, 4);
	le(rec + 24, 65226, 4);
	le(rec + 28, 3, 2);
	le(rec + 30, 1, 2);
	le(rec + 32, 2, 2);
	le(rec + 34, 201, 2);
	page_add(&p0, 7, rec, 36);
	put("cpu0.raw", p0.b, PAGE);
	put("cpu1.raw", "", 0);
	assert_int_equal(decode(ev, 4, &err), 1);
	assert_int_equal(ev[0].id, XPKT_EV_NF_TX_GRANT);
	assert_int_equal(ev[0].skb, 0xffff888800abc000ull);
	assert_int_equal(ev[0].ring_idx, 0xfffffffeu);
	assert_int_equal(ev[0].gref, 777);
	assert_int_equal(ev[0].len, 65226);
	assert_int_equal(ev[0].domid, 3);
	assert_int_equal(ev[0].handle, 1);
	assert_int_equal(ev[0].queue, 2);
	assert_int_equal(ev[0].req_id, 201);
	assert_int_equal(ev[0].ts, 5007);
}

/*
 * Headers a kprobe read from the packet arrive in network byte order (the
 * bytes as on the wire); the event carries them in host order, and the
 * payload: skb->len minus Ethernet, IP (IHL 5) and TCP (data offset 8,
 * timestamps) headers.
 */
static void test_kprobe_headers(void **state)
{
	static const unsigned char saddr[4] = {10, 0, 2, 15}, daddr[4] = {10, 0, 2, 2};
	static const unsigned char sport[2] = {0x14, 0x51}; /* 5201 */
	static const unsigned char dport[2] = {0xd4, 0x31}; /* 54321 */
	static const unsigned char seq[4] = {0xde, 0xad, 0xbe, 0xef};
	struct page p0;
	unsigned char rec[64] = {0};
	struct xpkt_event ev[4];
	struct xpkt_err err = {{0}};

	(void)state;
	page_init(&p0, 9000);
	le(rec, 2100, 2);
	le(rec + 16, 0xffff888812345600ull, 8);
	le(rec + 24, (uint64_t)6 << 16 | 56, 4); /* "veth0" + NUL at 56 */
	le(rec + 28, 1514, 4);
	rec[32] = 0x08; /* EtherType 0x0800 as the packet holds it */
	rec[34] = 0x45;
	rec[35] = 6;
	memcpy(rec + 36, saddr, 4);
	memcpy(rec + 40, daddr, 4);
	memcpy(rec + 44, sport, 2);
	memcpy(rec + 46, dport, 2);
	memcpy(rec + 48, seq, 4);
	rec[52] = 8 << 4;
	memcpy(rec + 56, "veth0", 6);
	page_add(&p0, 3, rec, 64);
	put("cpu0.raw", p0.b, PAGE);
	put("cpu1.raw", "", 0);
	assert_int_equal(decode(ev, 4, &err), 1);
	assert_int_equal(ev[0].id, XPKT_EV_DEV_XMIT);
	assert_int_equal(ev[0].skb, 0xffff888812345600ull);
	assert_int_equal(ev[0].ifindex, 7);
	assert_int_equal(ev[0].flow.saddr, 0x0a00020fu);
	assert_int_equal(ev[0].flow.daddr, 0x0a000202u);
	assert_int_equal(ev[0].flow.sport, 5201);
	assert_int_equal(ev[0].flow.dport, 54321);
	assert_int_equal(ev[0].flow.proto, 6);
	assert_int_equal(ev[0].seq, 0xdeadbeefu);
	assert_int_equal(ev[0].len, 1514 - 14 - 20 - 32);
	/* a header-only frame is no payload, not a negative one */
	le(rec + 28, 40, 4);
	page_init(&p0, 9000);
	page_add(&p0, 3, rec, 64);
	put("cpu0.raw", p0.b, PAGE);
	assert_int_equal(decode(ev, 4, &err), 1);
	assert_int_equal(ev[0].len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_and_merge), cmocka_unit_test(test_missed_events),
	    cmocka_unit_test(test_corrupt_pages),    cmocka_unit_test(test_tp_map),
	    cmocka_unit_test(test_xen_ring_fields),  cmocka_unit_test(test_kprobe_headers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
