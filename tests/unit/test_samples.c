// SPDX-License-Identifier: GPL-2.0
/*
 * test_samples.c - hotspots attributed to stages (docs/correlation.md
 * section 12), on hand-made events whose answers follow from the rules:
 *
 *  - PC samples (correlator/samples.c): a sample belongs to the first
 *    interval on its (source, CPU) that opened before it and closes at or
 *    after it; the idle task's samples and samples no interval claims are
 *    counted apart; another CPU's interval claims nothing; a sample waiting
 *    longer than the horizon is outside; addresses are counted and sorted.
 *  - through the join: samples between two stages of one packet on one
 *    CPU go to the later stage; a stage reached on another CPU gets none;
 *    a hotspot kprobe call on a packet's skb goes to its next stage, one on
 *    an unknown skb to "no packet", one after the last stage to "after".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "correlator/correlate.h"
#include "correlator/join.h"
#include "correlator/samples.h"
#include "tracepoints/stage.h"

#define IP_A 0xffffffff81001000ull
#define IP_B 0xffffffff81002000ull

static struct xpkt_event sample(uint64_t ts, uint16_t cpu, uint64_t ip, uint32_t tid)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_PC_SAMPLE;
	e.ts = ts;
	e.cpu = cpu;
	e.ip = ip;
	e.arg = tid;
	e.arg2 = tid;
	e.source = XPKT_DOM_GUEST;
	return e;
}

static void add(struct xpkt_samples *sa, uint64_t ts, uint16_t cpu, uint64_t ip, uint32_t tid)
{
	struct xpkt_event e = sample(ts, cpu, ip, tid);

	assert_int_equal(xpkt_samples_add(sa, 0, &e), 0);
}

static void test_intervals(void **state)
{
	struct xpkt_samples *sa = xpkt_samples_new();
	struct xpkt_results r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_non_null(sa);
	add(sa, 5, 0, IP_B, 7);
	add(sa, 15, 0, IP_A, 7);
	add(sa, 16, 0, IP_B, 7);
	add(sa, 17, 0, IP_A, 0); /* idle task */
	add(sa, 25, 0, IP_A, 7);
	add(sa, 26, 1, IP_A, 7); /* another CPU */
	/* (10, 20] on cpu 0: the samples at 15 and 16 */
	assert_int_equal(xpkt_samples_interval(sa, XPKT_TX, 2, 0, 0, 10, 20), 0);
	/* cpu 2 has no samples; cpu 0's later interval opened before 5: 5 and 25 */
	assert_int_equal(xpkt_samples_interval(sa, XPKT_TX, 3, 0, 2, 0, 30), 0);
	assert_int_equal(xpkt_samples_interval(sa, XPKT_TX, 3, 0, 0, 0, 30), 0);
	assert_int_equal(xpkt_samples_finish(sa, &r), 0);
	xpkt_samples_free(sa);

	assert_int_equal(r.stages[XPKT_TX][2].samples, 2);
	assert_int_equal(r.stages[XPKT_TX][2].nips, 2);
	assert_true(r.stages[XPKT_TX][2].ips[0].ip == IP_A &&
		    r.stages[XPKT_TX][2].ips[0].samples == 1);
	assert_true(r.stages[XPKT_TX][2].ips[1].ip == IP_B &&
		    r.stages[XPKT_TX][2].ips[1].samples == 1);
	assert_int_equal(r.stages[XPKT_TX][3].samples, 2);
	assert_int_equal(r.stages[XPKT_TX][3].nips, 2);
	assert_int_equal(r.samples[XPKT_DOM_GUEST], 6);
	assert_int_equal(r.samples_idle[XPKT_DOM_GUEST], 1);
	assert_int_equal(r.samples_outside[XPKT_DOM_GUEST], 1); /* cpu 1's */
	xpkt_results_free(&r);
}

static void test_horizon(void **state)
{
	struct xpkt_samples *sa = xpkt_samples_new();
	struct xpkt_results r;

	(void)state;
	memset(&r, 0, sizeof(r));
	add(sa, 1000, 0, IP_A, 7);
	add(sa, 2500000000, 0, IP_A, 7);
	/* an interval that opened after both claims neither */
	assert_int_equal(xpkt_samples_interval(sa, XPKT_RX, 1, 0, 0, 2600000000, 3000000000), 0);
	/* the first is older than the horizon (1 s) behind that: outside, the second still waits */
	assert_int_equal(xpkt_samples_interval(sa, XPKT_RX, 1, 0, 0, 0, 3000000001), 0);
	assert_int_equal(xpkt_samples_finish(sa, &r), 0);
	xpkt_samples_free(sa);
	assert_int_equal(r.stages[XPKT_RX][1].samples, 1);
	assert_int_equal(r.samples_outside[XPKT_DOM_GUEST], 1);
	xpkt_results_free(&r);
}

/* --- through the join, Xen TX: tcp_build and grant_claim in the guest ---------- */

#define GUEST_DOM 1
static struct xpkt_manifest man;
static struct xpkt_joiner *J;

static void start(void)
{
	struct xpkt_err err;
	struct xpkt_source *s = &man.sources[0];

	memset(&man, 0, sizeof(man));
	man.version = 1;
	strcpy(man.mode, "xen");
	man.tsc_hz = 1000000000;
	man.nsources = 1;
	strcpy(s->name, "guest1");
	s->domain = XPKT_DOM_GUEST;
	s->domid = GUEST_DOM;
	strcpy(s->format, "kev");
	strcpy(s->file, "guest1.kev");
	strcpy(s->clock_name, "x86-tsc");
	J = xpkt_join_new(&man, 0, &err);
	assert_non_null(J);
}

static void feed(struct xpkt_event *e)
{
	struct xpkt_err err;

	e->source = XPKT_DOM_GUEST;
	e->src_domid = GUEST_DOM;
	assert_int_equal(xpkt_join_event(J, e, 0, &err), 0);
}

static void ev(uint16_t id, uint64_t ts, uint16_t cpu, uint64_t skb, uint32_t ring)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.ts = ts;
	e.cpu = cpu;
	e.skb = skb;
	e.flow = (struct xpkt_flow){
	    .saddr = 0x0a000002u, .daddr = 0x0a000001u, .sport = 40000, .dport = 5201, .proto = 6};
	e.domid = GUEST_DOM;
	e.ring_idx = ring;
	e.req_id = (uint16_t)ring;
	e.gref = 100 + ring;
	e.len = id == XPKT_EV_HOT_COPY_BITS ? 300 : 1000;
	feed(&e);
}

static void pc(uint64_t ts, uint16_t cpu, uint64_t ip)
{
	struct xpkt_event e = sample(ts, cpu, ip, 9);

	feed(&e);
}

static void test_join(void **state)
{
	struct xpkt_results r;
	struct xpkt_err err;
	int build = xpkt_stage_find(XPKT_TX, "tcp_build"),
	    grant = xpkt_stage_find(XPKT_TX, "grant_claim");

	(void)state;
	assert_true(build >= 0 && grant > build);
	memset(&r, 0, sizeof(r));
	start();
	/* packet A on cpu 0: two samples and two skb_copy_bits calls before its grant */
	ev(XPKT_EV_TCP_XMIT, 1000, 0, 0xa000, 0);
	pc(1100, 0, IP_A);
	ev(XPKT_EV_HOT_COPY_BITS, 1150, 0, 0xa000, 0);
	ev(XPKT_EV_HOT_COPY_BITS, 1160, 0, 0xa000, 0);
	ev(XPKT_EV_HOT_COLLAPSE, 1170, 0, 0xdead, 0); /* no packet has this skb */
	pc(1200, 0, IP_B);
	ev(XPKT_EV_NF_TX_GRANT, 2000, 0, 0xa000, 10);
	/* packet B: built on cpu 1, granted on cpu 0: its stage gets no samples */
	ev(XPKT_EV_TCP_XMIT, 3000, 1, 0xb000, 0);
	pc(3100, 0, IP_A);
	ev(XPKT_EV_NF_TX_GRANT, 3500, 0, 0xb000, 11);
	/* a receive with its truesize (the guest kprobe's arg), and a prune on B's skb */
	{
		struct xpkt_event e;

		memset(&e, 0, sizeof(e));
		e.id = XPKT_EV_TCP_RCV;
		e.ts = 3600;
		e.skb = 0xc000;
		e.len = 100;
		e.arg = 1280;
		feed(&e);
		e.ts = 3700;
		e.len = 1448;
		e.arg = 2304;
		feed(&e);
	}
	ev(XPKT_EV_HOT_PRUNE, 3800, 0, 0xb000, 0);
	assert_int_equal(xpkt_join_finish(J, &r, &err), 0);
	xpkt_join_free(J);
	assert_int_equal(r.rcv_truesize_segs[XPKT_DOM_GUEST], 2);
	assert_int_equal(r.rcv_truesize_payload[XPKT_DOM_GUEST], 1548);
	assert_int_equal(r.rcv_truesize_bytes[XPKT_DOM_GUEST], 3584);
	/* B is still in flight when the trace ends: its prune had no later stage */
	assert_int_equal(r.hot_after_end[XPKT_DOM_GUEST][XPKT_HOT_PRUNE], 1);

	assert_int_equal(r.stages[XPKT_TX][grant].samples, 2);
	assert_int_equal(r.stages[XPKT_TX][grant].nips, 2);
	assert_int_equal(r.stages[XPKT_TX][build].samples, 0);
	assert_int_equal(r.samples_outside[XPKT_DOM_GUEST], 1);
	assert_int_equal(r.stages[XPKT_TX][grant].hot_calls[XPKT_HOT_COPY_BITS], 2);
	assert_int_equal(r.stages[XPKT_TX][grant].hot_bytes[XPKT_HOT_COPY_BITS], 600);
	assert_int_equal(r.hot_no_packet[XPKT_DOM_GUEST][XPKT_HOT_COLLAPSE], 1);
	assert_int_equal(r.hot_calls[XPKT_DOM_GUEST][XPKT_HOT_COPY_BITS], 2);
	xpkt_results_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intervals),
	    cmocka_unit_test(test_horizon),
	    cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
