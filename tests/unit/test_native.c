// SPDX-License-Identifier: GPL-2.0
/*
 * test_native.c - native mode's join rules (docs/correlation.md, "Native
 * mode") on hand-made event sequences fed straight to the join: the fast
 * clone offset, write-queue appends and skb reuse, pure ACKs, the receive
 * queue (STREAM key, FLOW_BYTES copies with TCP coalescing), and the mode in
 * the JSON and text reports. Expected numbers are arithmetic on the
 * timestamps and byte counts each test chooses.
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

#include "bundle/manifest.h"
#include "correlator/correlate.h"
#include "correlator/join.h"
#include "tracepoints/stage.h"
#include "viz/report_json.h"
#include "viz/report_text.h"

#define HOST_DOM 0
#define FCLONE	 240u
#define CLIENT	 0x0a000101u /* 10.0.1.1 in netns xpktA */
#define SERVER	 0x0a000102u /* 10.0.1.2 in netns xpktB */
/* ifindexes as the manifest lists them (each netns numbers its own) */
#define IF_A0 2 /* veth, client side */
#define IF_A1 3 /* bridge port */
#define IF_B1 4 /* bridge port */
#define IF_B0 5 /* veth, server side */
/* Frame bytes a tracepoint reports for a pure ACK (14 + 20 + 32) */
#define ACK_FRAME 66u

static struct xpkt_manifest man;
static struct xpkt_joiner *J;
static struct xpkt_results R;

static void setup_manifest(struct xpkt_manifest *m, uint32_t fclone)
{
	struct xpkt_source *s;

	memset(m, 0, sizeof(*m));
	m->version = 1;
	strcpy(m->mode, "native");
	strcpy(m->created_by, "test_native");
	m->tsc_hz = 1000000000;
	m->nsources = 1;
	s = &m->sources[0];
	strcpy(s->name, "host");
	s->domain = XPKT_DOM_HOST;
	s->domid = HOST_DOM;
	strcpy(s->format, "ftrace");
	strcpy(s->file, "host.ftrace");
	strcpy(s->clock_name, "x86-tsc");
	s->skb_fclone_offset = fclone;
	s->ifaces[0] = (struct xpkt_iface){.ifindex = IF_A0, .name = "xpa0", .kind = XPKT_DEV_VETH};
	s->ifaces[1] = (struct xpkt_iface){.ifindex = IF_A1, .name = "xpa1", .kind = XPKT_DEV_PORT};
	s->ifaces[2] = (struct xpkt_iface){.ifindex = IF_B1, .name = "xpb1", .kind = XPKT_DEV_PORT};
	s->ifaces[3] = (struct xpkt_iface){.ifindex = IF_B0, .name = "xpb0", .kind = XPKT_DEV_VETH};
	s->nifaces = 4;
}

static void start_fclone(uint32_t fclone)
{
	struct xpkt_err err;

	setup_manifest(&man, fclone);
	J = xpkt_join_new(&man, 0, &err);
	assert_non_null(J);
	memset(&R, 0, sizeof(R));
}

static void start(void)
{
	start_fclone(FCLONE);
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

/* An event as the ftrace decoder stamps it for the host source. */
static struct xpkt_event ev0(uint16_t id, uint64_t ts, uint64_t skb, uint32_t len)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.ts = ts;
	e.skb = skb;
	e.len = len;
	e.source = XPKT_DOM_HOST;
	e.src_domid = HOST_DOM;
	return e;
}

static void feed(const struct xpkt_event *e)
{
	struct xpkt_err err;

	assert_int_equal(xpkt_join_event(J, e, 0, &err), 0);
}

/* tcp:tcp_sendmsg_locked on the write-queue skb w */
static void sendmsg(uint64_t ts, uint64_t w, uint32_t len)
{
	struct xpkt_event e = ev0(XPKT_EV_TCP_SENDMSG, ts, w, len);

	feed(&e);
}

/* A net: device event on ifindex, kind resolved as the decoder does it. */
static void dev(uint16_t id, uint64_t ts, uint64_t skb, uint16_t ifindex, uint32_t len)
{
	struct xpkt_event e = ev0(id, ts, skb, len);

	e.ifindex = ifindex;
	e.dev_kind = (uint8_t)xpkt_source_dev_kind(&man.sources[0], ifindex);
	feed(&e);
}

/* tcp:tcp_probe: flow is the segment's (decoder swaps the socket's ends). */
static void tcp_rcv(uint64_t ts, uint64_t skb, uint32_t data_len, int to_server)
{
	struct xpkt_event e = ev0(XPKT_EV_TCP_RCV, ts, skb, data_len);

	e.flow =
	    to_server
		? (struct xpkt_flow){.saddr = CLIENT,
				     .daddr = SERVER,
				     .sport = 40000,
				     .dport = 5201,
				     .proto = 6}
		: (struct xpkt_flow){
		      .saddr = SERVER, .daddr = CLIENT, .sport = 5201, .dport = 40000, .proto = 6};
	feed(&e);
}

static void copy(uint64_t ts, uint64_t skb, uint32_t len)
{
	struct xpkt_event e = ev0(XPKT_EV_SKB_COPY_DATAGRAM, ts, skb, len);

	feed(&e);
}

static void skb_free(uint16_t id, uint64_t ts, uint64_t skb)
{
	struct xpkt_event e = ev0(id, ts, skb, 0);

	feed(&e);
}

/*
 * The device path of one packet's clone c, starting at t, each hop d_ns
 * after the previous: dev_queue, dev_xmit on xpa0, bridge in on xpa1, the
 * bridge's own dev_queue (no native row) and xmit on xpb1, receive on xpb0.
 */
static void path(uint64_t t, uint64_t d_ns, uint64_t c, uint32_t frame)
{
	dev(XPKT_EV_DEV_QUEUE, t, c, IF_A0, frame);
	dev(XPKT_EV_DEV_XMIT, t + d_ns, c, IF_A0, frame);
	dev(XPKT_EV_NETIF_RX, t + 2 * d_ns - 1, c, IF_A1, frame - 14);
	dev(XPKT_EV_NETIF_RECEIVE, t + 2 * d_ns, c, IF_A1, frame - 14);
	dev(XPKT_EV_DEV_QUEUE, t + 3 * d_ns - 1, c, IF_B1, frame);
	dev(XPKT_EV_DEV_XMIT, t + 3 * d_ns, c, IF_B1, frame);
	dev(XPKT_EV_NETIF_RECEIVE, t + 4 * d_ns, c, IF_B0, frame - 14);
}

static const struct xpkt_stage_stats *st(const char *name)
{
	int i = xpkt_mode_stage_find(XPKT_MODE_NATIVE, XPKT_TX, name);

	assert_true(i >= 0);
	return &R.stages[XPKT_TX][i];
}

static uint64_t total_unattributed(void)
{
	uint64_t n = 0;

	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned i = 0; i < XPKT_MAX_STAGES; i++)
			n += R.stages[d][i].unattributed;
	return n;
}

/* --- tests ------------------------------------------------------------------ */

static void test_full_chain(void **state)
{
	const uint64_t w = 0xffff888104a1c000ull, c = w + FCLONE;
	const uint64_t t0 = 10000, t_q = 10900, hop = 250, t_rcv = 12400, t_cp = 13100;
	const uint32_t payload = 3 * 1448;
	unsigned n;
	const struct xpkt_stage *rows = xpkt_mode_stages(XPKT_MODE_NATIVE, XPKT_TX, &n);

	(void)state;
	start();
	/* Three copies into one write-queue skb: one packet, starting at t0. */
	sendmsg(t0, w, 1448);
	sendmsg(t0 + 300, w, 2 * 1448);
	sendmsg(t0 + 600, w, payload);
	path(t_q, hop, c, payload + 66);
	tcp_rcv(t_rcv, c, payload, 1);
	copy(t_cp, c, payload);
	skb_free(XPKT_EV_CONSUME_SKB, t_cp + 100, c);
	finish();

	assert_int_equal(R.mode, XPKT_MODE_NATIVE);
	assert_int_equal(R.by_dir[XPKT_TX].total, 1);
	assert_int_equal(R.by_dir[XPKT_TX].complete, 1);
	assert_int_equal(R.by_dir[XPKT_RX].total, 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(R.stages[XPKT_TX][i].count, 1);
	assert_int_equal(total_unattributed(), 0);
	/* Latency from the previous stage; the origin keeps its first copy's time. */
	assert_int_equal(st("tcp_build")->max_ns, 0);
	assert_int_equal(st("dev_queue")->max_ns, t_q - t0);
	assert_int_equal(st("dev_xmit")->max_ns, hop);
	assert_int_equal(st("bridge_in")->max_ns, hop);
	assert_int_equal(st("bridge_forward")->max_ns, hop);
	assert_int_equal(st("receive")->max_ns, hop);
	assert_int_equal(st("tcp_receive")->max_ns, t_rcv - (t_q + 4 * hop));
	assert_int_equal(st("socket_copy")->max_ns, t_cp - t_rcv);
	assert_string_equal(rows[n - 1].name, "socket_copy");
	assert_int_equal(R.max_in_flight, 1);
}

/* Two packets A, B of one flow; tcp_receive of A at t + 700, of B at t + 1700. */
static void two_packets(uint64_t wa, uint64_t wb, uint32_t la, uint32_t lb, uint64_t t)
{
	sendmsg(t, wa, la);
	path(t + 100, 100, wa + FCLONE, la + 66);
	tcp_rcv(t + 700, wa + FCLONE, la, 1);
	sendmsg(t + 1000, wb, lb);
	path(t + 1100, 100, wb + FCLONE, lb + 66);
	tcp_rcv(t + 1700, wb + FCLONE, lb, 1);
}

static void test_coalesced_one_copy(void **state)
{
	const uint64_t wa = 0xffff888104a1c000ull, wb = 0xffff888104a1d000ull;
	const uint64_t t = 5000, t_cp = 9000;

	(void)state;
	start();
	two_packets(wa, wb, 1000, 500, t);
	/* tcp_try_coalesce moved B's bytes into A's skb: one copy names A only. */
	copy(t_cp, wa + FCLONE, 1000 + 500);
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].complete, 2);
	assert_int_equal(st("socket_copy")->count, 2);
	assert_int_equal(st("socket_copy")->max_ns, t_cp - (t + 700));
	assert_int_equal(st("socket_copy")->min_ns, t_cp - (t + 1700));
	assert_int_equal(total_unattributed(), 0);
}

static void test_coalesced_partial_copies(void **state)
{
	const uint64_t wa = 0xffff888104a1c000ull, wb = 0xffff888104a1d000ull, ca = wa + FCLONE;
	const uint64_t t = 5000, t1 = 9000, t2 = 9500, t3 = 11000;

	(void)state;
	start();
	two_packets(wa, wb, 1000, 500, t);
	copy(t1, ca, 600); /* A partly read: nothing completes */
	copy(t2, ca, 700); /* A's last 400 and B's first 300 */
	copy(t3, ca, 200); /* B's last 200 */
	skb_free(XPKT_EV_CONSUME_SKB, t3 + 10, ca);
	copy(t3 + 20, ca, 100); /* the key ended with the skb: nobody's */
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].complete, 2);
	assert_int_equal(st("socket_copy")->count, 2);
	/* A completes at t2 (after tcp_receive at t + 700), B at t3 (after t + 1700). */
	assert_int_equal(st("socket_copy")->min_ns, t2 - (t + 700));
	assert_int_equal(st("socket_copy")->max_ns, t3 - (t + 1700));
	assert_int_equal(st("socket_copy")->unattributed, 1);
}

static void test_skb_reuse(void **state)
{
	const uint64_t w = 0xffff888104a1c000ull, c = w + FCLONE;
	const uint64_t t1 = 1000, t2 = 4000, t_cp = 8000;

	(void)state;
	start();
	/* Packet 1 goes all the way to the receive queue (no consume_skb seen). */
	sendmsg(t1, w, 1448);
	path(t1 + 100, 100, c, 1448 + 66);
	tcp_rcv(t1 + 600, c, 1448, 1);
	/* The same write-queue address is sent again: a new packet. */
	sendmsg(t2, w, 700);
	sendmsg(t2 + 50, w, 900); /* still only its origin: extends packet 2 */
	path(t2 + 100, 100, c, 900 + 66);
	tcp_rcv(t2 + 600, c, 900, 1);
	copy(t_cp, c, 1448 + 900);
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].total, 2);
	assert_int_equal(R.by_dir[XPKT_TX].complete, 2);
	assert_int_equal(st("tcp_build")->count, 2);
	assert_int_equal(st("dev_queue")->count, 2);
	/* dev_queue latencies count from each packet's first copy. */
	assert_int_equal(st("dev_queue")->max_ns, 100);
	assert_int_equal(st("dev_queue")->min_ns, 100);
	assert_int_equal(st("socket_copy")->min_ns, t_cp - (t2 + 600));
	assert_int_equal(st("socket_copy")->max_ns, t_cp - (t1 + 600));
	assert_int_equal(total_unattributed(), 0);
}

static void test_pure_acks(void **state)
{
	const uint64_t ack = 0xffff888100770000ull, lost = 0xffff888104a1e0f0ull;

	(void)state;
	start();
	/* The server's ACK crosses xpb0 -> bridge -> xpa0 and reaches tcp_probe. */
	dev(XPKT_EV_DEV_QUEUE, 100, ack, IF_B0, ACK_FRAME);
	dev(XPKT_EV_DEV_XMIT, 110, ack, IF_B0, ACK_FRAME);
	dev(XPKT_EV_NETIF_RECEIVE, 120, ack, IF_B1, ACK_FRAME - 14);
	dev(XPKT_EV_DEV_XMIT, 130, ack, IF_A1, ACK_FRAME);
	dev(XPKT_EV_NETIF_RECEIVE, 140, ack, IF_A0, ACK_FRAME - 14);
	tcp_rcv(150, ack, 0, 0);
	skb_free(XPKT_EV_CONSUME_SKB, 160, ack);
	/* A data clone whose tcp_sendmsg was not recorded is unattributed. */
	dev(XPKT_EV_DEV_QUEUE, 200, lost, IF_A0, 1448 + 66);
	tcp_rcv(300, lost, 1448, 1);
	sendmsg(400, 0, 0); /* write queue empty: skb 0, len 0, no packet */
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].total, 0);
	assert_int_equal(st("tcp_receive")->unattributed, 1);
	assert_int_equal(st("dev_queue")->unattributed, 1);
	assert_int_equal(total_unattributed(), 2);
}

static void test_unknown_bytes_keep_order(void **state)
{
	const uint64_t wa = 0xffff888104a1c000ull, wb = 0xffff888104a1d000ull;
	const uint64_t ca = wa + FCLONE, cb = wb + FCLONE, x = 0xffff888104a1f0f0ull;
	const uint64_t y = 0xffff888104a200f0ull;

	(void)state;
	start();
	sendmsg(100, wa, 1000);
	path(200, 10, ca, 1066);
	tcp_rcv(300, ca, 1000, 1);
	tcp_rcv(310, x, 300, 1); /* a segment whose packet is unknown: its bytes still queue */
	tcp_rcv(320, y, 50, 1);	 /* old data: TCP drops it */
	skb_free(XPKT_EV_KFREE_SKB, 321, y);
	sendmsg(400, wb, 500);
	path(500, 10, cb, 566);
	tcp_rcv(600, cb, 500, 1);
	copy(700, ca, 1000); /* A */
	copy(710, x, 300);   /* the unknown segment: completes nothing */
	copy(720, cb, 499);  /* B waits for its last byte */
	copy(730, cb, 1);
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].complete, 2);
	assert_int_equal(st("socket_copy")->count, 2);
	assert_int_equal(st("socket_copy")->min_ns, 730 - 600);
	assert_int_equal(st("socket_copy")->max_ns, 700 - 300);
	assert_int_equal(st("tcp_receive")->unattributed, 2);
	assert_int_equal(st("socket_copy")->unattributed, 0);
}

static void test_fclone_unknown(void **state)
{
	const uint64_t w = 0xffff888104a1c000ull;

	(void)state;
	start_fclone(0);
	sendmsg(100, w, 1448);
	dev(XPKT_EV_DEV_QUEUE, 200, w + FCLONE, IF_A0, 1514); /* not the key */
	dev(XPKT_EV_DEV_QUEUE, 300, w, IF_A0, 1514);	      /* offset 0: the raw skb */
	finish();
	assert_int_equal(st("dev_queue")->count, 1);
	assert_int_equal(st("dev_queue")->max_ns, 200);
	assert_int_equal(st("dev_queue")->unattributed, 1);
	assert_int_equal(R.by_dir[XPKT_TX].partial, 1);
}

static void test_dropped_on_receive(void **state)
{
	const uint64_t w = 0xffff888104a1c000ull, c = w + FCLONE;

	(void)state;
	start();
	sendmsg(100, w, 1448);
	path(200, 10, c, 1514);
	tcp_rcv(300, c, 1448, 1);
	skb_free(XPKT_EV_KFREE_SKB, 310, c); /* e.g. no receive memory */
	sendmsg(400, w + 0x1000, 100);
	path(500, 10, c + 0x1000, 166);
	tcp_rcv(600, c + 0x1000, 100, 1);
	copy(700, c + 0x1000, 100); /* the dropped bytes are not in front of it */
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].dropped, 1);
	assert_int_equal(R.by_dir[XPKT_TX].complete, 1);
	assert_int_equal(st("socket_copy")->max_ns, 100);
}

static void test_unknown_mode(void **state)
{
	struct xpkt_err err;

	(void)state;
	setup_manifest(&man, FCLONE);
	strcpy(man.mode, "kvm");
	assert_null(xpkt_join_new(&man, 0, &err));
	assert_non_null(strstr(err.msg, "manifest"));
	assert_non_null(strstr(err.msg, "kvm"));
}

static void test_reports(void **state)
{
	const uint64_t w = 0xffff888104a1c000ull, c = w + FCLONE;
	char path_buf[] = "/tmp/test_native_XXXXXX", *text = NULL;
	struct xpkt_results back;
	struct xpkt_err err;
	size_t tlen = 0;
	FILE *fp;
	int fd;

	(void)state;
	start();
	sendmsg(100, w, 1448);
	path(200, 10, c, 1514);
	tcp_rcv(300, c, 1448, 1);
	copy(400, c, 1448);
	finish();

	fd = mkstemp(path_buf);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_int_equal(xpkt_report_json(fp, &R, &man), 0);
	fclose(fp);
	assert_int_equal(xpkt_results_read_json(path_buf, &back, &err), 0);
	unlink(path_buf);
	assert_int_equal(back.mode, XPKT_MODE_NATIVE);
	assert_int_equal(
	    back.stages[XPKT_TX][xpkt_mode_stage_find(XPKT_MODE_NATIVE, XPKT_TX, "socket_copy")]
		.max_ns,
	    400 - 300);
	assert_int_equal(back.by_dir[XPKT_TX].complete, 1);

	fp = open_memstream(&text, &tlen);
	assert_non_null(fp);
	assert_int_equal(xpkt_report_text(fp, "b", &R, &man), 0);
	fclose(fp);
	assert_non_null(strstr(text, "client -> server (native)"));
	assert_non_null(strstr(text, "bridge_forward"));
	assert_null(strstr(text, "RX, guest receives"));
	assert_null(strstr(text, "grant_claim"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_full_chain, teardown),
	    cmocka_unit_test_teardown(test_coalesced_one_copy, teardown),
	    cmocka_unit_test_teardown(test_coalesced_partial_copies, teardown),
	    cmocka_unit_test_teardown(test_skb_reuse, teardown),
	    cmocka_unit_test_teardown(test_pure_acks, teardown),
	    cmocka_unit_test_teardown(test_unknown_bytes_keep_order, teardown),
	    cmocka_unit_test_teardown(test_fclone_unknown, teardown),
	    cmocka_unit_test_teardown(test_dropped_on_receive, teardown),
	    cmocka_unit_test(test_unknown_mode),
	    cmocka_unit_test_teardown(test_reports, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
