// SPDX-License-Identifier: GPL-2.0
/*
 * test_join.c - each rule of docs/correlation.md on small hand-made event
 * sequences fed straight to the join (correlator/join.h), and the timebase
 * on a hand-written bundle (manifest + kev + pcap) through xpkt_correlate.
 * Expected numbers are arithmetic on the timestamps each test chooses.
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
#include <pcap/pcap.h>

#include "bundle/kev.h"
#include "bundle/manifest.h"
#include "correlator/correlate.h"
#include "correlator/join.h"
#include "tracepoints/stage.h"

#define GUEST_DOM 1
#define DOM0	  0
#define GADDR	  0x0a000002u /* 10.0.0.2, the guest */
#define PEER	  0x0a000001u /* 10.0.0.1, across the wire */
#define IF_NIC	  2
#define IF_VIF	  5

enum { S_GUEST, S_DOM0, S_XEN, S_WIRE };

static struct xpkt_manifest man;
static struct xpkt_joiner *J;
static struct xpkt_results R;

static void setup_manifest(struct xpkt_manifest *m)
{
	struct xpkt_source *s;

	memset(m, 0, sizeof(*m));
	m->version = 1;
	strcpy(m->mode, "xen");
	strcpy(m->created_by, "test_join");
	m->tsc_hz = 1000000000;
	m->nsources = 4;
	s = &m->sources[S_GUEST];
	strcpy(s->name, "guest1");
	s->domain = XPKT_DOM_GUEST;
	s->domid = GUEST_DOM;
	strcpy(s->format, "kev");
	strcpy(s->file, "guest1.kev");
	strcpy(s->clock_name, "x86-tsc");
	s->addrs[0] = GADDR;
	s->naddrs = 1;
	s = &m->sources[S_DOM0];
	strcpy(s->name, "dom0");
	s->domain = XPKT_DOM_DOM0;
	s->domid = DOM0;
	strcpy(s->format, "kev");
	strcpy(s->file, "dom0.kev");
	strcpy(s->clock_name, "x86-tsc");
	s->ifaces[0] = (struct xpkt_iface){.ifindex = IF_NIC, .name = "eth0", .kind = XPKT_DEV_NIC};
	s->ifaces[1] = (struct xpkt_iface){
	    .ifindex = IF_VIF, .name = "vif1.0", .kind = XPKT_DEV_VIF, .domid = 1};
	s->nifaces = 2;
	s = &m->sources[S_XEN];
	strcpy(s->name, "xen");
	s->domain = XPKT_DOM_XEN;
	s->domid = XPKT_DOMID_NONE;
	strcpy(s->format, "xentrace");
	strcpy(s->file, "xen.trace");
	strcpy(s->clock_name, "tsc");
	s = &m->sources[S_WIRE];
	strcpy(s->name, "wire");
	s->domain = XPKT_DOM_WIRE;
	s->domid = XPKT_DOMID_NONE;
	strcpy(s->format, "pcap");
	strcpy(s->file, "wire.pcap");
	strcpy(s->clock_name, "realtime");
	s->clock = XPKT_CLOCK_NS;
}

static void start(uint64_t idle_ns)
{
	struct xpkt_err err;

	setup_manifest(&man);
	J = xpkt_join_new(&man, idle_ns, &err);
	assert_non_null(J);
	memset(&R, 0, sizeof(R));
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

/* An event as a decoder of source src would stamp it. */
static struct xpkt_event ev0(uint16_t id, uint64_t ts, unsigned src)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.ts = ts;
	e.source = (uint8_t)man.sources[src].domain;
	e.src_domid = man.sources[src].domid;
	return e;
}

static void feed(const struct xpkt_event *e)
{
	unsigned src = e->source == XPKT_DOM_GUEST  ? S_GUEST
		       : e->source == XPKT_DOM_DOM0 ? S_DOM0
		       : e->source == XPKT_DOM_XEN  ? S_XEN
						    : S_WIRE;
	struct xpkt_err err;

	assert_int_equal(xpkt_join_event(J, e, src, &err), 0);
}

static struct xpkt_flow tx_flow(void)
{
	return (struct xpkt_flow){
	    .saddr = GADDR, .daddr = PEER, .sport = 40000, .dport = 5201, .proto = 6};
}

static struct xpkt_flow rx_flow(void)
{
	return (struct xpkt_flow){
	    .saddr = PEER, .daddr = GADDR, .sport = 5201, .dport = 40000, .proto = 6};
}

/* --- TX events ------------------------------------------------------------- */

static void tcp_build(uint64_t ts, uint64_t skb, uint32_t seq, uint32_t len)
{
	struct xpkt_event e = ev0(XPKT_EV_TCP_XMIT, ts, S_GUEST);

	e.skb = skb;
	e.flow = tx_flow();
	e.seq = seq;
	e.len = len;
	feed(&e);
}

static void grant(uint64_t ts, uint64_t skb, uint32_t ring, uint16_t req, uint32_t gref)
{
	struct xpkt_event e = ev0(XPKT_EV_NF_TX_GRANT, ts, S_GUEST);

	e.skb = skb;
	e.domid = GUEST_DOM;
	e.ring_idx = ring;
	e.req_id = req;
	e.gref = gref;
	feed(&e);
}

static void notify(uint64_t ts, uint32_t lo, uint32_t end)
{
	struct xpkt_event e = ev0(XPKT_EV_NF_TX_NOTIFY, ts, S_GUEST);

	e.domid = GUEST_DOM;
	e.ring_idx = lo;
	e.ring_end = end;
	feed(&e);
}

static void xswitch(uint64_t ts, uint16_t next)
{
	struct xpkt_event e = ev0(XPKT_EV_XEN_SWITCH, ts, S_XEN);

	e.domid = next;
	feed(&e);
}

static void hypercall(uint64_t ts, uint16_t dom, uint32_t op, uint32_t sub)
{
	struct xpkt_event e = ev0(XPKT_EV_XEN_HYPERCALL, ts, S_XEN);

	e.domid = dom;
	e.arg = op;
	e.arg2 = sub;
	feed(&e);
}

/* xen-patch/'s TRC_MEM_GNTTAB_FLUSH: the end of the flush of dom's unmap batch */
static void tlb_flush(uint64_t ts, uint16_t dom, uint32_t batch)
{
	struct xpkt_event e = ev0(XPKT_EV_XEN_TLB_FLUSH, ts, S_XEN);

	e.domid = dom;
	e.len = batch;
	e.arg2 = 2;
	feed(&e);
}

static void backend(uint16_t id, uint64_t ts, uint32_t ring, uint32_t gref, uint64_t skb)
{
	struct xpkt_event e = ev0(id, ts, S_DOM0);

	e.domid = GUEST_DOM;
	e.ring_idx = ring;
	e.gref = gref;
	e.skb = skb;
	feed(&e);
}

static void dom0_skb(uint16_t id, uint64_t ts, uint64_t skb, uint8_t kind, uint32_t seq,
		     uint32_t len, int rx)
{
	struct xpkt_event e = ev0(id, ts, S_DOM0);

	e.skb = skb;
	e.dev_kind = kind;
	e.ifindex = kind == XPKT_DEV_NIC ? IF_NIC : kind == XPKT_DEV_VIF ? IF_VIF : 0;
	e.flow = rx ? rx_flow() : tx_flow();
	e.seq = seq;
	e.len = len;
	feed(&e);
}

static void wire(uint64_t ts, int rx, uint32_t seq, uint32_t len)
{
	struct xpkt_event e = ev0(XPKT_EV_WIRE, ts, S_WIRE);

	e.flow = rx ? rx_flow() : tx_flow();
	e.seq = seq;
	e.len = len;
	feed(&e);
}

static void unmap(uint64_t ts, uint32_t gref)
{
	struct xpkt_event e = ev0(XPKT_EV_NB_TX_UNMAP, ts, S_DOM0);

	e.domid = GUEST_DOM;
	e.gref = gref;
	feed(&e);
}

static void tx_done(uint64_t ts, uint16_t req)
{
	struct xpkt_event e = ev0(XPKT_EV_NF_TX_DONE, ts, S_GUEST);

	e.domid = GUEST_DOM;
	e.req_id = req;
	feed(&e);
}

static void skb_free(uint16_t id, uint64_t ts, unsigned src, uint64_t skb, uint32_t reason)
{
	struct xpkt_event e = ev0(id, ts, src);

	e.skb = skb;
	e.arg = reason;
	feed(&e);
}

/* --- RX events ------------------------------------------------------------- */

static void guest_skb(uint16_t id, uint64_t ts, uint64_t skb, uint32_t ring)
{
	struct xpkt_event e = ev0(id, ts, S_GUEST);

	e.skb = skb;
	e.domid = GUEST_DOM;
	e.ring_idx = ring;
	e.flow = rx_flow();
	/* device events on the guest's netfront eth0, as the decoder marks them */
	if (id == XPKT_EV_GRO_RECEIVE || id == XPKT_EV_NETIF_RECEIVE)
		e.dev_kind = XPKT_DEV_GUEST;
	feed(&e);
}

static void rx_notify(uint64_t ts, uint32_t lo, uint32_t end)
{
	struct xpkt_event e = ev0(XPKT_EV_NB_RX_NOTIFY, ts, S_DOM0);

	e.domid = GUEST_DOM;
	e.ring_idx = lo;
	e.ring_end = end;
	feed(&e);
}

/* --- checks ---------------------------------------------------------------- */

static const struct xpkt_stage_stats *st(enum xpkt_dir d, const char *name)
{
	int i = xpkt_stage_find(d, name);

	assert_true(i >= 0);
	return &R.stages[d][i];
}

static uint64_t reason(const struct xpkt_reason_count *l, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(l[i].reason, name))
			return l[i].count;
	return 0;
}

/*
 * One whole TX packet starting at t0, every stage 100 ns after the previous
 * (switch and flush on odd ns, as Xen's are in the generator's traces).
 */
static void whole_tx(uint64_t t0, uint64_t skb, uint64_t skb0, uint32_t ring, uint16_t req,
		     uint32_t gref, uint32_t seq)
{
	tcp_build(t0, skb, seq, 1448);
	grant(t0 + 100, skb, ring, req, gref);
	notify(t0 + 200, ring, ring + 1);
	xswitch(t0 + 301, DOM0);
	backend(XPKT_EV_NB_TX_COPY, t0 + 400, ring, gref, 0);
	backend(XPKT_EV_NB_TX_MAP, t0 + 500, ring, gref, 0);
	backend(XPKT_EV_NB_TX_DELIVER, t0 + 600, ring, 0, skb0);
	dom0_skb(XPKT_EV_BR_FORWARD, t0 + 700, skb0, XPKT_DEV_NIC, 0, 0, 0);
	dom0_skb(XPKT_EV_DEV_XMIT, t0 + 800, skb0, XPKT_DEV_NIC, seq, 1448, 0);
	wire(t0 + 900, 0, seq, 1448);
	/* netback unmaps (hypercall) and then logs tx_unmap */
	hypercall(t0 + 1001, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	unmap(t0 + 1100, gref);
	tx_done(t0 + 1200, req);
}

static void test_tx_chain(void **state)
{
	unsigned n;
	const struct xpkt_stage *s = xpkt_stages(XPKT_TX, &n);

	(void)state;
	start(0);
	whole_tx(1000, 0xffff8880aa000000ull, 0xffff888011000000ull, 7, 3, 100, 1000);
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].total, 1);
	assert_int_equal(R.by_dir[XPKT_TX].complete, 1);
	assert_int_equal(R.packets.complete, 1);
	for (unsigned i = 0; i < n; i++) {
		const struct xpkt_stage_stats *x = &R.stages[XPKT_TX][i];

		assert_int_equal(x->count, 1);
		assert_int_equal(x->unattributed, 0);
		/* Each stage is 100 ns after the previous, Xen's at +1/-1 ns. */
		if (s[i].join == XPKT_JOIN_ORIGIN)
			assert_int_equal(x->max_ns, 0);
		else
			assert_true(x->max_ns >= 99 && x->max_ns <= 101);
	}
	assert_int_equal(st(XPKT_TX, "vm_switch")->max_ns, 101);
	assert_int_equal(st(XPKT_TX, "backend_copy")->max_ns, 99);
	/*
	 * Causal check: the guest's only hand-over is to the switch, measured
	 * from grant_claim: tx_notify is recorded after its push (AFTER_ACTION).
	 */
	assert_int_equal(R.clocks[S_GUEST].min_causal_gap_ns, 201);
	/* Xen hands over switch -> backend_copy and tlb_flush -> grant_unmap, 99 ns. */
	assert_int_equal(R.clocks[S_XEN].min_causal_gap_ns, 99);
	assert_int_equal(R.clocks[S_XEN].inversions, 0);
}

static void test_rx_chain(void **state)
{
	uint64_t t0 = 5000, d0 = 0xffff888022000000ull, g = 0xffff8880bb000000ull;

	(void)state;
	start(0);
	wire(t0, 1, 777, 1448);
	dom0_skb(XPKT_EV_GRO_RECEIVE, t0 + 50, d0, XPKT_DEV_NIC, 777, 1448, 1);
	dom0_skb(XPKT_EV_NETIF_RECEIVE, t0 + 100, d0, XPKT_DEV_NIC, 0, 1448 + 52, 1);
	dom0_skb(XPKT_EV_BR_FORWARD, t0 + 200, d0, XPKT_DEV_VIF, 0, 0, 1);
	dom0_skb(XPKT_EV_DEV_XMIT, t0 + 300, d0, XPKT_DEV_VIF, 777, 1448, 1);
	backend(XPKT_EV_NB_RX_COPY, t0 + 400, 40, 9, d0);
	rx_notify(t0 + 500, 40, 41);
	xswitch(t0 + 551, DOM0);      /* not the frontend: no attach */
	xswitch(t0 + 601, GUEST_DOM); /* frontend switched in */
	guest_skb(XPKT_EV_NF_RX_RESPONSE, t0 + 700, g, 40);
	guest_skb(XPKT_EV_GRO_RECEIVE, t0 + 800, g, 0);
	guest_skb(XPKT_EV_TCP_RCV, t0 + 900, g, 0);
	guest_skb(XPKT_EV_SKB_COPY_DATAGRAM, t0 + 1000, g, 0);
	finish();
	assert_int_equal(R.by_dir[XPKT_RX].complete, 1);
	assert_int_equal(st(XPKT_RX, "wire_rx")->count, 1);
	assert_int_equal(st(XPKT_RX, "vm_switch")->count, 1);
	assert_int_equal(st(XPKT_RX, "vm_switch")->max_ns, 101);
	assert_int_equal(st(XPKT_RX, "netfront_rx")->max_ns, 99);
	assert_int_equal(st(XPKT_RX, "socket_copy")->count, 1);
	assert_int_equal(st(XPKT_RX, "socket_copy")->max_ns, 100);
}

static void test_skb_reuse_after_consume(void **state)
{
	uint64_t skb = 0xffff8880cc000000ull;

	(void)state;
	start(0);
	tcp_build(100, skb, 1, 100);
	grant(150, skb, 1, 1, 11);
	skb_free(XPKT_EV_CONSUME_SKB, 160, S_GUEST, skb, 0);
	grant(170, skb, 2, 2, 12);     /* key ended: nobody's */
	tcp_build(200, skb, 101, 100); /* same address, new packet */
	grant(260, skb, 3, 3, 13);
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].total, 2);
	assert_int_equal(st(XPKT_TX, "grant_claim")->count, 2);
	assert_int_equal(st(XPKT_TX, "grant_claim")->unattributed, 1);
	assert_int_equal(st(XPKT_TX, "grant_claim")->min_ns, 50);
	assert_int_equal(st(XPKT_TX, "grant_claim")->max_ns, 60);
}

static void test_skb_reuse_replaces(void **state)
{
	uint64_t skb = 0xffff8880cc000000ull;

	(void)state;
	start(0);
	/* consume lost: the second tcp_build sets the key again and takes it. */
	tcp_build(100, skb, 1, 100);
	tcp_build(200, skb, 101, 100);
	grant(230, skb, 3, 3, 13);
	finish();
	assert_int_equal(st(XPKT_TX, "grant_claim")->count, 1);
	assert_int_equal(st(XPKT_TX, "grant_claim")->max_ns, 30);
	assert_int_equal(
	    reason(R.packets.partial_reasons, R.packets.npartial_reasons, "missing grant_claim"),
	    1);
	assert_int_equal(
	    reason(R.packets.partial_reasons, R.packets.npartial_reasons, "missing evtchn_notify"),
	    1);
}

static void test_notify_batching_and_wrap(void **state)
{
	const uint32_t base = 0xfffffffeu; /* slots ...fe, ...ff, 0 */

	(void)state;
	start(0);
	for (unsigned i = 0; i < 3; i++)
		tcp_build(100 + i * 10, 0x1000 + i, i * 100, 100);
	for (unsigned i = 0; i < 3; i++)
		grant(200 + i * 10, 0x1000 + i, base + i, (uint16_t)i, 50 + i);
	tcp_build(230, 0x2000, 900, 100);
	grant(240, 0x2000, 1, 9, 59); /* slot 1: outside the notified range */
	notify(300, base, base + 3);  /* wraps past 2^32 */
	finish();
	assert_int_equal(st(XPKT_TX, "evtchn_notify")->count, 3);
	/* Samples 100, 90, 80: from each packet's own grant_claim. */
	assert_int_equal(st(XPKT_TX, "evtchn_notify")->min_ns, 80);
	assert_int_equal(st(XPKT_TX, "evtchn_notify")->max_ns, 100);
	assert_true(st(XPKT_TX, "evtchn_notify")->mean_ns == 90.0);
	assert_int_equal(st(XPKT_TX, "evtchn_notify")->unattributed, 0);
}

static void test_tx_complete_out_of_order(void **state)
{
	(void)state;
	start(0);
	tcp_build(100, 0xa, 0, 100);
	grant(110, 0xa, 1, 5, 71);
	tcp_build(120, 0xb, 100, 100);
	grant(130, 0xb, 2, 6, 72);
	tx_done(500, 6); /* the second request completes first */
	tx_done(700, 5);
	finish();
	assert_int_equal(st(XPKT_TX, "tx_complete")->count, 2);
	assert_int_equal(st(XPKT_TX, "tx_complete")->max_ns, 700 - 110);
	assert_int_equal(st(XPKT_TX, "tx_complete")->min_ns, 500 - 130);
	assert_int_equal(R.by_dir[XPKT_TX].total, 2);
	/* The terminal stage ended them; the missing required stages say which. */
	assert_int_equal(R.by_dir[XPKT_TX].partial, 2);
}

static void test_gref_reuse(void **state)
{
	(void)state;
	start(0);
	tcp_build(100, 0xa, 0, 100);
	grant(110, 0xa, 1, 1, 77);
	backend(XPKT_EV_NB_TX_MAP, 200, 1, 77, 0);
	unmap(300, 77);
	unmap(310, 77); /* nothing maps 77 now: unattributed */
	tcp_build(400, 0xb, 100, 100);
	grant(410, 0xb, 2, 2, 77);
	backend(XPKT_EV_NB_TX_MAP, 500, 2, 77, 0);
	unmap(650, 77); /* the reused gref belongs to the second packet */
	finish();
	assert_int_equal(st(XPKT_TX, "grant_unmap")->count, 2);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->min_ns, 100);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->max_ns, 150);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->unattributed, 1);
}

static void test_already_attached_unattributed(void **state)
{
	(void)state;
	start(0);
	tcp_build(100, 0xa, 0, 100);
	grant(110, 0xa, 1, 1, 1);
	notify(115, 1, 2);
	/* after the push: another packet's, whose tcp_build was lost (same skb) */
	grant(120, 0xa, 2, 2, 2);
	grant(130, 0xdead, 3, 3, 3); /* no packet at all */
	finish();
	assert_int_equal(st(XPKT_TX, "grant_claim")->count, 1);
	assert_int_equal(st(XPKT_TX, "grant_claim")->unattributed, 2);
}

static void test_kfree_drops(void **state)
{
	uint64_t d0 = 0xffff888033000000ull;

	(void)state;
	start(0);
	wire(1000, 1, 5, 100);
	dom0_skb(XPKT_EV_GRO_RECEIVE, 1100, d0, XPKT_DEV_NIC, 5, 100, 1);
	skb_free(XPKT_EV_KFREE_SKB, 1200, S_DOM0, d0, 7); /* SKB_DROP_REASON_NETFILTER_DROP */
	dom0_skb(XPKT_EV_BR_FORWARD, 1300, d0, XPKT_DEV_VIF, 0, 0, 1); /* too late */
	finish();
	assert_int_equal(R.packets.dropped, 1);
	assert_int_equal(R.by_dir[XPKT_RX].dropped, 1);
	assert_int_equal(R.packets.partial, 0);
	assert_int_equal(reason(R.packets.drop_reasons, R.packets.ndrop_reasons, "NETFILTER_DROP"),
			 1);
	assert_int_equal(st(XPKT_RX, "bridge_forward")->count, 0);
	assert_int_equal(st(XPKT_RX, "bridge_forward")->unattributed, 1);
}

static void test_partial_reason_first_missing(void **state)
{
	uint64_t t0 = 1000, skb = 0xa, skb0 = 0xb;

	(void)state;
	start(0);
	/* Every stage but the wire (required) and backend_map (optional). */
	tcp_build(t0, skb, 0, 100);
	grant(t0 + 100, skb, 1, 1, 1);
	notify(t0 + 200, 1, 2);
	backend(XPKT_EV_NB_TX_COPY, t0 + 400, 1, 1, 0);
	backend(XPKT_EV_NB_TX_DELIVER, t0 + 600, 1, 0, skb0);
	dom0_skb(XPKT_EV_BR_FORWARD, t0 + 700, skb0, XPKT_DEV_NIC, 0, 0, 0);
	dom0_skb(XPKT_EV_DEV_XMIT, t0 + 800, skb0, XPKT_DEV_NIC, 0, 100, 0);
	tx_done(t0 + 1200, 1);
	/* and one with only its origin */
	tcp_build(t0 + 2000, 0xc, 100, 100);
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].partial, 2);
	assert_int_equal(
	    reason(R.packets.partial_reasons, R.packets.npartial_reasons, "missing wire"), 1);
	assert_int_equal(
	    reason(R.packets.partial_reasons, R.packets.npartial_reasons, "missing grant_claim"),
	    1);
	/* backend_deliver's latency is from backend_copy: backend_map is absent. */
	assert_int_equal(st(XPKT_TX, "backend_deliver")->max_ns, 200);
}

static void test_idle_timeout(void **state)
{
	(void)state;
	start(1000); /* 1 us of trace time */
	tcp_build(100, 0xa, 0, 100);
	grant(1000, 0xa, 1, 1, 1);	/* 900 ns idle: still alive */
	tcp_build(2500, 0xb, 100, 100); /* 1500 ns since the last attach: 0xa ended */
	grant(2600, 0xa, 2, 2, 2);
	finish();
	assert_int_equal(st(XPKT_TX, "grant_claim")->count, 1);
	assert_int_equal(st(XPKT_TX, "grant_claim")->unattributed, 1);
	assert_int_equal(R.by_dir[XPKT_TX].total, 2);
	assert_int_equal(R.max_in_flight, 1);
}

static void test_gso_seq_range_wrap(void **state)
{
	uint64_t skb0 = 0xffff888044000000ull;
	const uint32_t seq = 0xfffffa00u; /* 1536 bytes below 2^32 */

	(void)state;
	start(0);
	tcp_build(100, 0xa, seq, 4344);
	grant(200, 0xa, 1, 1, 1);
	backend(XPKT_EV_NB_TX_COPY, 300, 1, 1, 0);
	backend(XPKT_EV_NB_TX_DELIVER, 400, 1, 0, skb0);
	dom0_skb(XPKT_EV_BR_FORWARD, 500, skb0, XPKT_DEV_NIC, 0, 0, 0);
	dom0_skb(XPKT_EV_DEV_XMIT, 600, skb0, XPKT_DEV_NIC, seq, 4344, 0);
	wire(700, 0, seq, 1448);
	wire(710, 0, seq + 1448, 1448); /* wraps: 0x000001a8 */
	wire(720, 0, seq + 2896, 1448);
	wire(730, 0, seq + 4344, 1448); /* past the range */
	wire(740, 0, seq + 10, 0);	/* a pure ACK: ignored */
	finish();
	assert_int_equal(st(XPKT_TX, "wire")->count, 1);
	assert_int_equal(st(XPKT_TX, "wire")->max_ns, 100);
	assert_int_equal(st(XPKT_TX, "wire")->unattributed, 1);
}

static void test_switch_window(void **state)
{
	(void)state;
	start(0);
	/* A: notified, switch to the guest (not dom0) does nothing, dom0 does. */
	tcp_build(100, 0xa, 0, 100);
	grant(110, 0xa, 1, 1, 1);
	notify(120, 1, 2);
	xswitch(131, GUEST_DOM);
	xswitch(151, DOM0);
	xswitch(171, DOM0); /* the first switch-in only */
	/* B: backend_copy before any switch: B stops waiting. */
	tcp_build(200, 0xb, 100, 100);
	grant(210, 0xb, 2, 2, 2);
	notify(220, 2, 3);
	backend(XPKT_EV_NB_TX_COPY, 230, 2, 2, 0);
	xswitch(241, DOM0);
	finish();
	assert_int_equal(st(XPKT_TX, "vm_switch")->count, 1);
	assert_int_equal(st(XPKT_TX, "vm_switch")->max_ns, 151 - 120);
	/* B's backend_copy latency is from its notify. */
	assert_int_equal(st(XPKT_TX, "backend_copy")->max_ns, 10);
}

static void test_unmap_window(void **state)
{
	(void)state;
	start(0);
	/* An unmap call before the packet's latest stage is not its flush. */
	hypercall(151, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	tcp_build(100, 0xa, 0, 100);
	grant(110, 0xa, 1, 1, 1);
	backend(XPKT_EV_NB_TX_MAP, 200, 1, 1, 0);
	/* Only dom0's grant_table_op unmap calls count; the last before tx_unmap. */
	hypercall(211, GUEST_DOM, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	hypercall(221, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_COPY);
	hypercall(231, DOM0, XPKT_HC_EVTCHN_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	hypercall(241, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_AND_REPLACE);
	unmap(300, 1);
	hypercall(351, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	tx_done(400, 1);
	/* B: mapped after the latest unmap call (351): no flush can be its. */
	tcp_build(500, 0xb, 100, 100);
	grant(510, 0xb, 2, 2, 2);
	backend(XPKT_EV_NB_TX_MAP, 600, 2, 2, 0);
	unmap(700, 2);
	finish();
	assert_int_equal(st(XPKT_TX, "tlb_flush")->count, 1);
	assert_int_equal(st(XPKT_TX, "tlb_flush")->max_ns, 241 - 200);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->count, 2);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->min_ns, 300 - 241);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->max_ns, 700 - 600);
	assert_int_equal(st(XPKT_TX, "tx_complete")->max_ns, 400 - 300);
	/* no flush record in the trace: the stage is labelled inferred */
	assert_int_equal(st(XPKT_TX, "tlb_flush")->inferred, 1);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->inferred, 0);
}

/*
 * With xen-patch/'s flush records the flush is measured: the stage takes
 * dom0's last flush before the packet's tx_unmap (its end, not the
 * hypercall's entry), hypercalls no longer count, and nothing is inferred.
 */
static void test_measured_flush(void **state)
{
	(void)state;
	start(0);
	tcp_build(100, 0xa, 0, 100);
	grant(110, 0xa, 1, 1, 1);
	backend(XPKT_EV_NB_TX_MAP, 200, 1, 1, 0);
	hypercall(241, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	tlb_flush(251, GUEST_DOM, 1); /* the guest's own unmaps: not the backend's */
	tlb_flush(262, DOM0, 7);
	hypercall(270, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	unmap(300, 1);
	tx_done(400, 1);
	finish();
	assert_int_equal(st(XPKT_TX, "tlb_flush")->count, 1);
	assert_int_equal(st(XPKT_TX, "tlb_flush")->max_ns, 262 - 200);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->max_ns, 300 - 262);
	assert_int_equal(st(XPKT_TX, "tlb_flush")->inferred, 0);
}

/*
 * A GSO packet as Linux 6.1 sends it (measured on the testbed): netfront
 * claims the header slot (ring 10), skips the extra-info slot (11) and
 * claims one slot per page (12, 13), each with its own request id and
 * grant; netback copies the first 128 bytes (slots 10 and 12), maps the rest
 * (12, 13), delivers with the first slot, unmaps 12 and 13, and answers the
 * copied header slot long before the mapped ones.
 */
static void test_multi_slot_gso(void **state)
{
	uint64_t skb = 0xffff8880aa000000ull, skb0 = 0xffff888011000000ull;

	(void)state;
	start(0);
	tcp_build(1000, skb, 5000, 8000);
	grant(1100, skb, 10, 3, 30);
	grant(1102, skb, 12, 4, 31);
	grant(1104, skb, 13, 5, 32);
	notify(1200, 10, 14);
	backend(XPKT_EV_NB_TX_COPY, 1400, 10, 30, 0);
	backend(XPKT_EV_NB_TX_COPY, 1402, 12, 31, 0);
	backend(XPKT_EV_NB_TX_MAP, 1404, 12, 31, 0);
	backend(XPKT_EV_NB_TX_MAP, 1406, 13, 32, 0);
	tx_done(1450, 3); /* the copied header slot: answered at once */
	backend(XPKT_EV_NB_TX_DELIVER, 1600, 10, 0, skb0);
	dom0_skb(XPKT_EV_BR_FORWARD, 1700, skb0, XPKT_DEV_NIC, 0, 0, 0);
	dom0_skb(XPKT_EV_DEV_XMIT, 1800, skb0, XPKT_DEV_NIC, 5000, 8000, 0);
	wire(1900, 0, 5000, 1448);
	wire(1910, 0, 6448, 1448);
	hypercall(2001, DOM0, XPKT_HC_GRANT_TABLE_OP, XPKT_GNTTABOP_UNMAP_GRANT_REF);
	unmap(2100, 31);
	unmap(2102, 32);
	tx_done(2200, 5); /* out of order */
	tx_done(2300, 4); /* the last slot: now complete */
	finish();
	assert_int_equal(R.by_dir[XPKT_TX].total, 1);
	assert_int_equal(R.by_dir[XPKT_TX].complete, 1);
	assert_int_equal(st(XPKT_TX, "grant_claim")->max_ns, 100);
	assert_int_equal(st(XPKT_TX, "backend_copy")->max_ns, 1400 - 1200);
	assert_int_equal(st(XPKT_TX, "backend_map")->max_ns, 1404 - 1400);
	assert_int_equal(st(XPKT_TX, "backend_deliver")->max_ns, 1600 - 1404);
	assert_int_equal(st(XPKT_TX, "wire")->count, 1);
	assert_int_equal(st(XPKT_TX, "tlb_flush")->max_ns, 2001 - 1900);
	assert_int_equal(st(XPKT_TX, "grant_unmap")->max_ns, 2100 - 2001);
	assert_int_equal(st(XPKT_TX, "tx_complete")->max_ns, 2300 - 2100);
	/* every slot's event found its packet */
	for (unsigned i = 0; i < XPKT_MAX_STAGES; i++)
		assert_int_equal(R.stages[XPKT_TX][i].unattributed, 0);
}

/*
 * netfront writes tx_notify after the push made the slots visible, so dom0
 * may copy them before the record exists (XPKT_STAGE_AFTER_ACTION): not an
 * inversion. A dom0 copy before the guest's grant_claim still is one.
 */
static void test_causal_after_action(void **state)
{
	(void)state;
	start(0);
	tcp_build(100, 0xa, 0, 100);
	grant(110, 0xa, 1, 1, 1);
	backend(XPKT_EV_NB_TX_COPY, 150, 1, 1, 0);
	notify(160, 1, 2); /* recorded after netback already copied */
	finish();
	assert_int_equal(R.clocks[S_GUEST].inversions, 0);
	assert_int_equal(R.clocks[S_GUEST].min_causal_gap_ns, 150 - 110);
	xpkt_results_free(&R);
	start(0);
	tcp_build(100, 0xa, 0, 100);
	grant(200, 0xa, 1, 1, 1);
	backend(XPKT_EV_NB_TX_COPY, 150, 1, 1, 0); /* runs "before" the claim */
	finish();
	assert_int_equal(R.clocks[S_GUEST].inversions, 1);
	assert_int_equal(R.clocks[S_GUEST].min_causal_gap_ns, 150 - 200);
}

/*
 * dom0's GRO (napi_gro_receive) appends the following segments of a flow to
 * the skb it holds; only that skb reaches netif_receive_skb, 64 + 1448 * 3
 * bytes here (headers with timestamps: 52). A segment after the merged
 * bytes (flushed as a new head) and one of another flow are not merged.
 */
static void test_gro_merge(void **state)
{
	uint32_t seq = 0xfffff000u; /* the merged range wraps 2^32 */

	(void)state;
	start(0);
	for (unsigned i = 0; i < 4; i++) {
		wire(1000 + 10 * i, 1, seq + 1448 * i, 1448);
		dom0_skb(XPKT_EV_GRO_RECEIVE, 1100 + 10 * i, 0xd00 + i, XPKT_DEV_NIC,
			 seq + 1448 * i, 1448, 1);
	}
	dom0_skb(XPKT_EV_NETIF_RECEIVE, 1200, 0xd00, XPKT_DEV_NIC, 0, 52 + 3 * 1448, 1);
	dom0_skb(XPKT_EV_BR_FORWARD, 1300, 0xd00, XPKT_DEV_VIF, 0, 0, 1);
	dom0_skb(XPKT_EV_NETIF_RECEIVE, 1400, 0xd03, XPKT_DEV_NIC, 0, 52 + 1448, 1);
	finish();
	assert_int_equal(R.by_dir[XPKT_RX].total, 4);
	assert_int_equal(R.by_dir[XPKT_RX].merged, 2);
	assert_int_equal(R.packets.merged, 2);
	assert_int_equal(R.by_dir[XPKT_RX].partial, 2); /* the heads: no guest stages */
	assert_int_equal(st(XPKT_RX, "nic_receive")->count, 2);
	assert_int_equal(st(XPKT_RX, "nic_receive")->max_ns, 1400 - 1130);
	assert_int_equal(st(XPKT_RX, "nic_receive")->min_ns, 1200 - 1100);
	assert_int_equal(st(XPKT_RX, "bridge_forward")->count, 1);
	assert_int_equal(st(XPKT_RX, "nic_receive")->unattributed, 0);
}

/*
 * dom0's GRO off (the anomaly runs): two segments cross dom0 as skbs of
 * their own, netfront hands the guest's GRO one skb each, and GRO appends
 * the second to the first; tcp_rcv_established sees the head with both
 * payloads. The second ends merged, and the free of its skb (with the
 * head's, kfree_skb NOT_SPECIFIED in 6.1) is no drop.
 */
static void test_guest_gro_merge(void **state)
{
	uint64_t t0 = 9000, d0 = 0xffff888033000000ull, g = 0xffff8880cc000000ull;
	struct xpkt_event e;

	(void)state;
	start(0);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t t = t0 + 10 * i;

		wire(t, 1, 500 + 1448 * i, 1448);
		dom0_skb(XPKT_EV_GRO_RECEIVE, t + 50, d0 + i, XPKT_DEV_NIC, 500 + 1448 * i, 1448,
			 1);
		dom0_skb(XPKT_EV_NETIF_RECEIVE, t + 100, d0 + i, XPKT_DEV_NIC, 0, 1448 + 52, 1);
		dom0_skb(XPKT_EV_BR_FORWARD, t + 200, d0 + i, XPKT_DEV_VIF, 0, 0, 1);
		dom0_skb(XPKT_EV_DEV_XMIT, t + 300, d0 + i, XPKT_DEV_VIF, 500 + 1448 * i, 1448, 1);
		backend(XPKT_EV_NB_RX_COPY, t + 400, 40 + i, 9 + i, d0 + i);
	}
	rx_notify(t0 + 500, 40, 42);
	guest_skb(XPKT_EV_NF_RX_RESPONSE, t0 + 700, g, 40);
	guest_skb(XPKT_EV_NF_RX_RESPONSE, t0 + 702, g + 0x100, 41);
	guest_skb(XPKT_EV_GRO_RECEIVE, t0 + 800, g, 0);
	guest_skb(XPKT_EV_GRO_RECEIVE, t0 + 802, g + 0x100, 0);
	e = ev0(XPKT_EV_TCP_RCV, t0 + 900, S_GUEST);
	e.skb = g;
	e.flow = rx_flow();
	e.seq = 500;
	e.len = 2 * 1448; /* payload of the merged skb */
	feed(&e);
	guest_skb(XPKT_EV_SKB_COPY_DATAGRAM, t0 + 1000, g, 0);
	skb_free(XPKT_EV_KFREE_SKB, t0 + 1100, S_GUEST, g + 0x100, 1);
	finish();
	assert_int_equal(R.by_dir[XPKT_RX].total, 2);
	assert_int_equal(R.by_dir[XPKT_RX].merged, 1);
	assert_int_equal(R.by_dir[XPKT_RX].dropped, 0);
	assert_int_equal(R.by_dir[XPKT_RX].complete, 1);
	assert_int_equal(st(XPKT_RX, "tcp_receive")->count, 1);
	assert_int_equal(st(XPKT_RX, "gro_receive")->count, 2);
}

/*
 * An RX packet over two ring slots, as the testbed records it: netback
 * queues one copy op per chunk (two for slot 40, one for 41), purges the
 * copied dom0 skb with kfree_skb (__skb_queue_purge), netfront answers both
 * slots and kfree_skb()s the second slot's own skb after moving its page
 * (xennet_fill_frags). Neither free is a drop; no event is unattributed.
 */
static void test_rx_slots_and_purge(void **state)
{
	uint64_t t0 = 5000, d0 = 0xffff888022000000ull, g = 0xffff8880bb000000ull;

	(void)state;
	start(0);
	wire(t0, 1, 777, 5000);
	dom0_skb(XPKT_EV_GRO_RECEIVE, t0 + 50, d0, XPKT_DEV_NIC, 777, 5000, 1);
	dom0_skb(XPKT_EV_NETIF_RECEIVE, t0 + 100, d0, XPKT_DEV_NIC, 0, 5000 + 52, 1);
	dom0_skb(XPKT_EV_BR_FORWARD, t0 + 200, d0, XPKT_DEV_VIF, 0, 0, 1);
	dom0_skb(XPKT_EV_DEV_XMIT, t0 + 300, d0, XPKT_DEV_VIF, 777, 5000, 1);
	backend(XPKT_EV_NB_RX_COPY, t0 + 400, 40, 9, d0);
	backend(XPKT_EV_NB_RX_COPY, t0 + 402, 40, 9, d0);
	backend(XPKT_EV_NB_RX_COPY, t0 + 404, 41, 10, d0);
	rx_notify(t0 + 500, 40, 42);
	skb_free(XPKT_EV_KFREE_SKB, t0 + 510, S_DOM0, d0, 1); /* the purge */
	xswitch(t0 + 601, GUEST_DOM);
	guest_skb(XPKT_EV_NF_RX_RESPONSE, t0 + 700, g, 40);
	guest_skb(XPKT_EV_NF_RX_RESPONSE, t0 + 702, g + 0x100, 41);
	skb_free(XPKT_EV_KFREE_SKB, t0 + 750, S_GUEST, g + 0x100, 1);
	guest_skb(XPKT_EV_GRO_RECEIVE, t0 + 800, g, 0);
	guest_skb(XPKT_EV_TCP_RCV, t0 + 900, g, 0);
	guest_skb(XPKT_EV_SKB_COPY_DATAGRAM, t0 + 1000, g, 0);
	finish();
	assert_int_equal(R.by_dir[XPKT_RX].total, 1);
	assert_int_equal(R.by_dir[XPKT_RX].dropped, 0);
	assert_int_equal(R.by_dir[XPKT_RX].complete, 1);
	assert_int_equal(st(XPKT_RX, "backend_rx_copy")->max_ns, 100);
	assert_int_equal(st(XPKT_RX, "netfront_rx")->max_ns, 700 - 601);
	for (unsigned i = 0; i < XPKT_MAX_STAGES; i++)
		assert_int_equal(R.stages[XPKT_RX][i].unattributed, 0);
}

/* --- timebase through files ------------------------------------------------ */

static char dir[64];

static void write_kev(const char *name, enum xpkt_domain d, uint16_t domid,
		      const struct xpkt_event *evs, unsigned n)
{
	char path[128];
	struct xpkt_err err;
	struct xpkt_kev_writer *w;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	w = xpkt_kev_create(path, d, domid, 2500000000u, &err);
	assert_non_null(w);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(xpkt_kev_write(w, &evs[i]), 0);
	assert_int_equal(xpkt_kev_close(w, 0, &err), 0);
}

/* A TCP/IPv4 Ethernet frame from src to dst with payload_len bytes (not captured). */
static void dump_tcp(pcap_dumper_t *d, uint64_t ts_ns, uint32_t src, uint32_t dst, uint32_t seq,
		     uint16_t payload_len)
{
	uint8_t f[14 + 20 + 20] = {0};
	struct pcap_pkthdr h;
	uint16_t tot = (uint16_t)(40 + payload_len);

	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[18] = 0x12;
	f[19] = 0x34;
	f[23] = 6;
	for (int i = 0; i < 4; i++) {
		f[26 + i] = (uint8_t)(src >> (24 - 8 * i));
		f[30 + i] = (uint8_t)(dst >> (24 - 8 * i));
		f[38 + i] = (uint8_t)(seq >> (24 - 8 * i));
	}
	f[34] = 5201 >> 8;
	f[35] = 5201 & 0xff;
	f[36] = 40000 >> 8;
	f[37] = 40000 & 0xff;
	f[46] = 0x50; /* doff 5 */
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000u); /* ns: nano precision file */
	h.caplen = sizeof(f);
	h.len = 14u + tot;
	pcap_dump((u_char *)d, &h, f);
}

static void test_bundle_clock_offsets(void **state)
{
	struct xpkt_manifest m, got;
	struct xpkt_correlate_opts opts = {0};
	struct xpkt_err err;
	struct xpkt_event g[3], d[2];
	const int64_t g_off = 5000000, d_off = -1250; /* ticks */
	const int64_t w_off = 1700000000000000000ll;  /* ns: a realtime clock */
	const uint64_t hz = 2500000000u;
	uint64_t wire_ns = 1000000, g_tick[3], d_tick[2];
	char path[128], cmd[160];
	pcap_t *dead;
	pcap_dumper_t *dump;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_join.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
	assert_int_equal(system(cmd), 0);
	setup_manifest(&m);
	m.tsc_hz = hz;
	m.sources[S_GUEST].tsc_offset = g_off;
	strcpy(m.sources[S_GUEST].offset_from, "test");
	m.sources[S_DOM0].tsc_offset = d_off;
	m.sources[S_WIRE].offset_ns = w_off;
	/* No xentrace source: a bundle of guest, dom0 and wire only. */
	m.sources[S_XEN] = m.sources[S_WIRE];
	m.nsources = 3;
	assert_int_equal(xpkt_manifest_write(dir, &m, &err), 0);

	/*
	 * RX: wire at host 1 ms; nic_gro 1000 ns later in dom0 ticks; guest
	 * netfront_rx etc. Host ticks for t ns: t * 2.5; source = host + offset.
	 */
	d_tick[0] = (wire_ns + 1000) * 5 / 2 + (uint64_t)d_off;
	d_tick[1] = (wire_ns + 2001) * 5 / 2 + (uint64_t)d_off; /* floor(x.5) */
	memset(d, 0, sizeof(d));
	d[0].id = XPKT_EV_GRO_RECEIVE;
	d[0].ts = d_tick[0];
	d[0].skb = 0xd0;
	d[0].ifindex = IF_NIC;
	d[0].flow = rx_flow();
	d[0].seq = 4242;
	d[0].len = 1000;
	d[1] = d[0];
	d[1].id = XPKT_EV_BR_FORWARD;
	d[1].ts = d_tick[1];
	d[1].ifindex = IF_VIF;
	write_kev("dom0.kev", XPKT_DOM_DOM0, DOM0, d, 2);
	memset(g, 0, sizeof(g));
	for (int i = 0; i < 3; i++) {
		g_tick[i] = (wire_ns + 10000 + 1000 * (uint64_t)i) * 5 / 2 + (uint64_t)g_off;
		g[i].ts = g_tick[i];
		g[i].id = XPKT_EV_TCP_XMIT;
		g[i].skb = 0x900 + (uint64_t)i;
		g[i].flow = tx_flow();
		g[i].len = 10;
	}
	write_kev("guest1.kev", XPKT_DOM_GUEST, GUEST_DOM, g, 3);
	snprintf(path, sizeof(path), "%s/wire.pcap", dir);
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	dump = pcap_dump_open(dead, path);
	assert_non_null(dump);
	dump_tcp(dump, wire_ns + (uint64_t)w_off, PEER, GADDR, 4242, 1000);
	dump_tcp(dump, wire_ns + 5 + (uint64_t)w_off, GADDR, PEER, 1, 0); /* ACK */
	pcap_dump_close(dump);
	pcap_close(dead);

	memset(&R, 0, sizeof(R));
	assert_int_equal(xpkt_correlate(dir, &opts, &got, &R, &err), 0);
	assert_int_equal(R.events_read, 2 + 3 + 2);
	assert_int_equal(st(XPKT_RX, "wire_rx")->count, 1);
	assert_int_equal(st(XPKT_RX, "nic_gro")->count, 1);
	assert_int_equal(st(XPKT_RX, "nic_gro")->max_ns, 1000);
	/* (wire+2001)*2.5 ticks floors to x.5 -> back to ns: 2000 or 2001 exactly? */
	assert_int_equal(st(XPKT_RX, "bridge_forward")->max_ns,
			 (d_tick[1] - (uint64_t)d_off) * 1000000000u / hz - (wire_ns + 1000));
	assert_int_equal(st(XPKT_TX, "tcp_build")->count, 3);
	assert_int_equal(R.clocks[S_GUEST].offset, g_off);
	assert_string_equal(R.clocks[S_GUEST].offset_from, "test");
	assert_int_equal(R.clocks[2].offset, w_off);
	assert_int_equal(R.clocks[2].min_causal_gap_ns, 1000); /* wire -> dom0 */
	assert_int_equal(R.max_in_flight, 4);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_bad_pcap_names_offset(void **state)
{
	struct xpkt_manifest m, got;
	struct xpkt_err err;
	char path[128], cmd[160];
	pcap_t *dead;
	pcap_dumper_t *dump;
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_join.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
	assert_int_equal(system(cmd), 0);
	setup_manifest(&m);
	m.sources[0] = m.sources[S_WIRE];
	m.nsources = 1;
	assert_int_equal(xpkt_manifest_write(dir, &m, &err), 0);
	snprintf(path, sizeof(path), "%s/wire.pcap", dir);
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	dump = pcap_dump_open(dead, path);
	dump_tcp(dump, 1000, PEER, GADDR, 1, 10);
	dump_tcp(dump, 2000, PEER, GADDR, 2, 10);
	pcap_dump_close(dump);
	pcap_close(dead);
	/* Cut the second record's data short: it starts at 24 + 16 + 54 = 94. */
	assert_int_equal(truncate(path, 94 + 16 + 10), 0);
	memset(&R, 0, sizeof(R));
	assert_int_equal(xpkt_correlate(dir, NULL, &got, &R, &err), -1);
	assert_non_null(strstr(err.msg, "wire.pcap: offset 94:"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Merge order on equal ns is the manifest's source order: a wire segment and
 * the NIC's receive of it at the same ns attach only if the wire comes first.
 */
static void tie_bundle(int wire_first, struct xpkt_results *r)
{
	struct xpkt_manifest m, got;
	struct xpkt_err err;
	struct xpkt_event d;
	struct xpkt_source w, d0, g;
	char path[128], cmd[160];
	pcap_t *dead;
	pcap_dumper_t *dump;

	snprintf(dir, sizeof(dir), "/tmp/test_join.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
	assert_int_equal(system(cmd), 0);
	setup_manifest(&m);
	w = m.sources[S_WIRE];
	d0 = m.sources[S_DOM0];
	g = m.sources[S_GUEST];
	m.sources[0] = wire_first ? w : d0;
	m.sources[1] = wire_first ? d0 : w;
	m.sources[2] = g;
	m.nsources = 3;
	assert_int_equal(xpkt_manifest_write(dir, &m, &err), 0);
	memset(&d, 0, sizeof(d));
	d.id = XPKT_EV_GRO_RECEIVE;
	d.ts = 5000; /* tsc_hz 1e9: ticks are ns */
	d.skb = 0xd0;
	d.ifindex = IF_NIC;
	d.flow = rx_flow();
	d.seq = 99;
	d.len = 500;
	write_kev("dom0.kev", XPKT_DOM_DOM0, DOM0, &d, 1);
	write_kev("guest1.kev", XPKT_DOM_GUEST, GUEST_DOM, NULL, 0);
	snprintf(path, sizeof(path), "%s/wire.pcap", dir);
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	dump = pcap_dump_open(dead, path);
	dump_tcp(dump, 5000, PEER, GADDR, 99, 500);
	pcap_dump_close(dump);
	pcap_close(dead);
	memset(r, 0, sizeof(*r));
	assert_int_equal(xpkt_correlate(dir, NULL, &got, r, &err), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_merge_tie_by_source_index(void **state)
{
	(void)state;
	tie_bundle(1, &R);
	assert_int_equal(st(XPKT_RX, "nic_gro")->count, 1);
	assert_int_equal(st(XPKT_RX, "nic_gro")->max_ns, 0);
	assert_int_equal(st(XPKT_RX, "nic_gro")->unattributed, 0);
	xpkt_results_free(&R);
	tie_bundle(0, &R);
	assert_int_equal(st(XPKT_RX, "nic_gro")->count, 0);
	assert_int_equal(st(XPKT_RX, "nic_gro")->unattributed, 1);
	assert_int_equal(st(XPKT_RX, "wire_rx")->count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_tx_chain, teardown),
	    cmocka_unit_test_teardown(test_rx_chain, teardown),
	    cmocka_unit_test_teardown(test_skb_reuse_after_consume, teardown),
	    cmocka_unit_test_teardown(test_skb_reuse_replaces, teardown),
	    cmocka_unit_test_teardown(test_notify_batching_and_wrap, teardown),
	    cmocka_unit_test_teardown(test_tx_complete_out_of_order, teardown),
	    cmocka_unit_test_teardown(test_gref_reuse, teardown),
	    cmocka_unit_test_teardown(test_already_attached_unattributed, teardown),
	    cmocka_unit_test_teardown(test_kfree_drops, teardown),
	    cmocka_unit_test_teardown(test_partial_reason_first_missing, teardown),
	    cmocka_unit_test_teardown(test_idle_timeout, teardown),
	    cmocka_unit_test_teardown(test_gso_seq_range_wrap, teardown),
	    cmocka_unit_test_teardown(test_switch_window, teardown),
	    cmocka_unit_test_teardown(test_unmap_window, teardown),
	    cmocka_unit_test_teardown(test_measured_flush, teardown),
	    cmocka_unit_test_teardown(test_multi_slot_gso, teardown),
	    cmocka_unit_test_teardown(test_causal_after_action, teardown),
	    cmocka_unit_test_teardown(test_gro_merge, teardown),
	    cmocka_unit_test_teardown(test_guest_gro_merge, teardown),
	    cmocka_unit_test_teardown(test_rx_slots_and_purge, teardown),
	    cmocka_unit_test_teardown(test_bundle_clock_offsets, teardown),
	    cmocka_unit_test_teardown(test_bad_pcap_names_offset, teardown),
	    cmocka_unit_test_teardown(test_merge_tie_by_source_index, teardown),
	};

	return cmocka_run_group_tests_name("join", tests, NULL, NULL);
}
