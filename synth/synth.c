// SPDX-License-Identifier: GPL-2.0
/*
 * synth.c - the scenario: one PV guest (domid 1, vif 1.0, two queues,
 * 10.0.0.2), dom0 bridging it to a NIC, Xen on two physical CPUs, a peer at
 * 10.0.0.1, TCP flows both ways.
 *
 * Packets are generated in batches (one evtchn notify covers a batch of one
 * queue), batch starts in increasing time order. For every batch the stage
 * table of its direction is walked row by row: the row's join kind says
 * how its time is set (ORIGIN starts the packet, KEY/SEQ_IN rows follow the
 * previous row after a latency draw, SLOT_RANGE rows are one event for the
 * whole batch, SWITCH_IN and UNMAP_CALL rows ask Xen for a switch-in or an
 * unmap hypercall), and the row's event id says which fields the event
 * carries. What the table cannot say is kept in small tables below, keyed by
 * event id: when an skb is freed, where drops happen, which events walk a
 * ring in order.
 *
 * Identities (skb addresses, request ids, grant references) come from pools
 * that hand back the most recently freed value (as the slab allocator and
 * netfront's free lists do), so reuse is immediate. The one rule of
 * docs/correlation.md section 8 the pools enforce: a packet whose
 * key-setting event will not attach never takes a value whose mapping could
 * still lead a lookup to a live packet (its ending event was lost).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle/manifest.h"
#include "lib/afile.h"
#include "synth/sim.h"
#include "tracepoints/drop_reasons.h"
#include "viz/report_json.h"

#define NQ	     2	     /* netfront queues */
#define MAX_BATCH    8	     /* slots notified at once (netfront pushes per xmit_more) */
#define MSS	     1448    /* TCP payload per wire segment */
#define TX_COPY_LEN  128     /* XEN_NETBACK_TX_COPY_LEN: copied, the rest grant-mapped */
#define PAGE_BYTES   4096    /* one TX slot per page */
#define TX_HDR_BYTES 54	     /* netfront's first slot: the linear area, headers only */
#define MAX_SLOTS    24	     /* TX request slots of one packet (64 KB GSO: 18) */
#define SEG_GAP_NS   1200    /* one 1500-byte frame at 10 Gb/s */
#define P_SWITCH     0.7     /* a batch whose peer domain must be scheduled */
#define PKT_GAP_NS   5000.0  /* mean time between packets: 200 k packets/s */
#define NOISE_GAP_NS 20000.0 /* mean time between unrelated Xen records per pCPU */

#define GUEST_DOMID   1
#define DOM0_DOMID    0
#define VIF_HANDLE    0
#define IF_ETH0	      2 /* dom0 NIC */
#define IF_BRIDGE     3 /* xenbr0 */
#define IF_VIF	      4 /* vif1.0 */
#define IF_GUEST_ETH0 2 /* the guest's netfront device */
#define GUEST_ADDR    0x0a000002u
#define PEER_ADDR     0x0a000001u
#define TSC_HZ	      2400000000ull

/* When each skb a row provides is freed (consume_skb): after which event. */
static const struct {
	enum xpkt_dir dir;
	uint16_t setter_ev, freed_after_ev;
} skb_life[] = {
    /* netfront frees the skb with the TX response (xennet_tx_buf_gc) */
    {XPKT_TX, XPKT_EV_TCP_XMIT, XPKT_EV_NF_TX_DONE},
    /* the NIC driver frees it at TX completion, after the last segment left */
    {XPKT_TX, XPKT_EV_NB_TX_DELIVER, XPKT_EV_WIRE},
    /* netback frees dom0's skb (the NIC driver's, GRO's) once grant-copied
     * into the guest's buffer */
    {XPKT_RX, XPKT_EV_GRO_RECEIVE, XPKT_EV_NB_RX_COPY},
    /* the socket frees it after the copy to user */
    {XPKT_RX, XPKT_EV_NF_RX_RESPONSE, XPKT_EV_SKB_COPY_DATAGRAM},
};

/* Where packets are dropped (kfree_skb with a reason), right after which event. */
static const struct {
	enum xpkt_dir dir;
	enum xpkt_domain dom;
	uint16_t after_ev;
	unsigned reasons[4];
	unsigned nreasons;
} drop_points[] = {
    /* dom0: bridge netfilter or the NIC's qdisc */
    {XPKT_TX,
     XPKT_DOM_DOM0,
     XPKT_EV_BR_FORWARD,
     {XPKT_DROP_NETFILTER_DROP, XPKT_DROP_QDISC_DROP},
     2},
    /* guest: receive buffer or memory pressure, zero window, out-of-order queue */
    {XPKT_RX,
     XPKT_DOM_GUEST,
     XPKT_EV_GRO_RECEIVE,
     {XPKT_DROP_SOCKET_RCVBUFF, XPKT_DROP_PROTO_MEM, XPKT_DROP_TCP_ZEROWINDOW,
      XPKT_DROP_TCP_OFO_DROP},
     4},
};

struct pool_ent {
	uint64_t val, busy_until, live_until;
};

struct pool {
	struct pool_ent *v;
	size_t n, cap;
	uint64_t base, stride, fresh;
	int reuse;
};

struct flow {
	struct xpkt_flow f;
	uint32_t seq;
	uint16_t ip_id;
};

/*
 * A TX packet's request slots as Linux 6.1 netfront writes them
 * (xennet_start_xmit): packets of at most TX_COPY_LEN bytes fit one slot;
 * longer ones put the headers (linear area) in slot 0, a GSO packet then
 * takes one extra-info ring slot (no grant, no event), and the payload
 * follows one slot per page. Each slot has its own request id and grant.
 */
struct slot {
	uint32_t off, len; /* bytes of the packet this slot carries */
	uint32_t ring;	   /* its ring index */
	uint32_t gref;
	uint16_t req_id;
};

struct pk {
	unsigned q;
	struct flow *fl;
	uint32_t len, seq, nsegs, nslots, ring_used, ring_idx, gref, rx_gref;
	uint16_t req_id;
	struct slot slot[MAX_SLOTS];
	uint64_t ns[XPKT_MAX_STAGES];
	uint32_t has, rec, att;		   /* bit per row: event emitted, recorded, attached */
	uint64_t base;			   /* time of the last thing that happened to it */
	uint64_t skb[XPKT_MAX_STAGES];	   /* by setter row */
	uint64_t free_ns[XPKT_MAX_STAGES]; /* consume time by setter row, 0 none */
	uint32_t free_rec;		   /* bit per setter row: its consume was recorded */
	int stopped, drop_rec, drop_att, drop_skb_row;
	uint64_t drop_ns;
	unsigned drop_reason;
	uint64_t end_ns; /* when the correlator ends it, SIM_NS_NEVER if it never does */
	uint64_t pmu[XPKT_MAX_STAGES][XPKT_PMU_MAX]; /* read with the row's attaching event */
};

struct dir_rules {
	const struct xpkt_stage *rows;
	unsigned n;
	int terminal;
	int skb_row[XPKT_MAX_STAGES];	  /* row -> setter row of the skb it carries, -1 */
	int freed_after[XPKT_MAX_STAGES]; /* setter row -> row after which it is freed */
	int drop_row, drop_idx;
	int req_row, req_end_row, gref_row, gref_end_row, txslot_row, rxslot_row;
};

struct gen {
	const struct xpkt_synth_opts *o;
	struct sim_rng rng;
	struct sim_sink *sink;
	struct sim_truth *truth;
	struct sim_sink_cfg cfg;
	struct dir_rules dr[XPKT_DIR_COUNT];
	struct flow *flows[XPKT_DIR_COUNT];
	unsigned nflows[XPKT_DIR_COUNT];
	struct pool skb_pool[2]; /* 0 guest, 1 dom0 */
	struct pool req_pool[NQ], gref_pool;
	uint32_t tx_ring[NQ], rx_ring[NQ], rx_gref[NQ];
	uint64_t seq_last[XPKT_DIR_COUNT][NQ][XPKT_MAX_STAGES];
	uint64_t noise_next[SIM_XEN_NCPUS];
	struct pk batch[MAX_BATCH];
	struct sim_rng pmu_rng; /* its own stream: PMU records change no other draw */
	struct sim_rng hot_rng; /* and hotspot calls theirs */
	unsigned npmu;		/* counters per PMU record, 0: none written */
	struct xpkt_err err;
};

/* ----------------------------------------------------------------------------------------- */

static uint64_t at(uint64_t base, double d_ns, int odd)
{
	uint64_t t = base + (d_ns < 1 ? 1 : (uint64_t)d_ns);

	if ((int)(t & 1) != odd)
		t++;
	return t;
}

static int is_xen(const struct xpkt_stage *r)
{
	return r->domain == XPKT_DOM_XEN;
}

static int is_window(const struct xpkt_stage *r)
{
	return r->join == XPKT_JOIN_SWITCH_IN || r->join == XPKT_JOIN_UNMAP_CALL;
}

static enum sim_src src_of(enum xpkt_domain d)
{
	return d == XPKT_DOM_GUEST  ? SIM_GUEST
	       : d == XPKT_DOM_DOM0 ? SIM_DOM0
	       : d == XPKT_DOM_XEN  ? SIM_XEN
				    : SIM_WIRE;
}

/* Events that walk a ring in order (netfront and netback consume slots in ring order). */
static int sequential(const struct gen *g, uint16_t ev)
{
	switch (ev) {
	case XPKT_EV_NF_TX_GRANT:
	case XPKT_EV_NB_TX_COPY:
	case XPKT_EV_NB_TX_MAP:
	case XPKT_EV_NB_TX_DELIVER:
	case XPKT_EV_NB_RX_COPY:
	case XPKT_EV_NF_RX_RESPONSE:
		return 1;
	case XPKT_EV_NF_TX_DONE:
		/* responses in request order unless the out-of-order hazard is on */
		return !(g->o->hazards & XPKT_HZ_TX_REORDER);
	default:
		return 0;
	}
}

static int find_row(const struct dir_rules *d, uint16_t ev)
{
	for (unsigned i = 0; i < d->n; i++)
		if (d->rows[i].event == ev)
			return (int)i;
	return -1;
}

static int find_row_in(const struct dir_rules *d, enum xpkt_domain dom, uint16_t ev)
{
	for (unsigned i = 0; i < d->n; i++)
		if (d->rows[i].event == ev && d->rows[i].domain == dom)
			return (int)i;
	return -1;
}

static int find_key_row(const struct dir_rules *d, enum xpkt_key k, int setting)
{
	for (unsigned i = 0; i < d->n; i++)
		if (setting ? !!(d->rows[i].sets & (1u << k))
			    : (d->rows[i].key == k && d->rows[i].join == XPKT_JOIN_KEY))
			return (int)i;
	return -1;
}

static int rules_init(struct gen *g, struct xpkt_err *err)
{
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		struct dir_rules *r = &g->dr[d];

		r->rows = xpkt_stages((enum xpkt_dir)d, &r->n);
		r->terminal = -1;
		r->drop_row = -1;
		for (unsigned i = 0; i < r->n; i++) {
			const struct xpkt_stage *s = &r->rows[i];

			r->freed_after[i] = -1;
			r->skb_row[i] = -1;
			if (s->flags & XPKT_STAGE_TERMINAL)
				r->terminal = (int)i;
			if (s->sets & (1u << XPKT_KEY_SKB))
				r->skb_row[i] = (int)i;
			else if (s->key == XPKT_KEY_SKB && s->join == XPKT_JOIN_KEY)
				r->skb_row[i] = s->key_from;
			/* truth settles window rows late; nothing may hang off them */
			if (s->key_from >= 0 && is_window(&r->rows[s->key_from]))
				return xpkt_err_set(err, "synth: stage %s keys off window stage %s",
						    s->name, r->rows[s->key_from].name);
			if (i == 0 && s->join != XPKT_JOIN_ORIGIN)
				return xpkt_err_set(err, "synth: %s does not start with its origin",
						    xpkt_dir_name((enum xpkt_dir)d));
		}
		for (size_t k = 0; k < sizeof(skb_life) / sizeof(skb_life[0]); k++) {
			int s, a;

			if (skb_life[k].dir != (enum xpkt_dir)d)
				continue;
			s = find_row(r, skb_life[k].setter_ev);
			a = find_row(r, skb_life[k].freed_after_ev);
			if (s < 0 || a < 0)
				return xpkt_err_set(err, "synth: skb lifetime rule names no stage");
			r->freed_after[s] = a;
		}
		for (size_t k = 0; k < sizeof(drop_points) / sizeof(drop_points[0]); k++)
			if (drop_points[k].dir == (enum xpkt_dir)d) {
				r->drop_row =
				    find_row_in(r, drop_points[k].dom, drop_points[k].after_ev);
				r->drop_idx = (int)k;
			}
		r->req_row = find_key_row(r, XPKT_KEY_REQ_ID, 1);
		r->req_end_row = find_key_row(r, XPKT_KEY_REQ_ID, 0);
		r->gref_row = find_key_row(r, XPKT_KEY_GREF, 1);
		r->gref_end_row = find_key_row(r, XPKT_KEY_GREF, 0);
		r->txslot_row = find_key_row(r, XPKT_KEY_TX_SLOT, 1);
		r->rxslot_row = find_key_row(r, XPKT_KEY_RX_SLOT, 1);
	}
	return 0;
}

/* --- identity pools ---------------------------------------------------------------------- */

/*
 * A value free at from_ns (its last holder is done with it), the most
 * recently freed first. need_clean: the taker's key-setting event will not
 * attach, so the value's old mapping must not lead to a live packet.
 */
static struct pool_ent *pool_take(struct gen *g, struct pool *p, uint64_t from_ns, int need_clean,
				  struct pool_ent *scratch)
{
	struct pool_ent *best = NULL;

	if (!p->reuse) {
		scratch->val = p->base + p->stride * p->fresh++;
		scratch->busy_until = scratch->live_until = 0;
		return scratch;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct pool_ent *e = &p->v[i];

		if (e->busy_until >= from_ns || (need_clean && e->live_until > from_ns))
			continue;
		if (!best || e->busy_until > best->busy_until)
			best = e;
	}
	if (best)
		return best;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct pool_ent *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			xpkt_err_set(&g->err, "synth: out of memory");
			return NULL;
		}
		p->v = v;
		p->cap = cap;
	}
	best = &p->v[p->n];
	best->val = p->base + p->stride * p->n;
	best->busy_until = best->live_until = 0;
	p->n++;
	return best;
}

/* The holder is done at release_ns; its mapping ended (or not) as the trace shows. */
static void pool_release(struct pool_ent *e, uint64_t release_ns, int set_attached, int ended,
			 uint64_t holder_end_ns)
{
	e->busy_until = release_ns;
	if (ended)
		e->live_until = 0;
	else if (set_attached)
		e->live_until = holder_end_ns;
}

/* --- batch planning --------------------------------------------------------------------------- */

static double lat(struct gen *g, enum xpkt_dir d, unsigned row)
{
	return sim_dist_draw(&g->o->latency[d][row], &g->rng);
}

static int xen_req(struct gen *g, unsigned pcpu, uint64_t ns, struct sim_xen x)
{
	if (sim_sink_xen(g->sink, pcpu, ns, &x))
		return xpkt_err_set(&g->err, "synth: out of memory");
	return 0;
}

/* Where a domain's vCPU runs: dom0 on pCPU 0, the guest on pCPU 1. */
static unsigned home_pcpu(uint16_t dom)
{
	return dom == DOM0_DOMID ? 0 : 1;
}

static uint32_t draw_len(struct gen *g, enum xpkt_dir d)
{
	double u = sim_rng_unit(&g->rng);
	int gso = !!(g->o->hazards & XPKT_HZ_GSO);

	if (u < 0.08)
		return 1 + (uint32_t)sim_rng_below(&g->rng, TX_COPY_LEN); /* small: copy only */
	if (d == XPKT_RX || !gso || u < 0.35)
		return u < 0.2 ? 129 + (uint32_t)sim_rng_below(&g->rng, MSS - 129) : MSS;
	/* a GSO super-packet: mostly a few segments, sometimes up to 64 KB */
	{
		uint32_t nseg = sim_rng_unit(&g->rng) < 0.8
				    ? 2 + (uint32_t)sim_rng_below(&g->rng, 7)
				    : 2 + (uint32_t)sim_rng_below(&g->rng, 44);

		return (nseg - 1) * MSS + 1 + (uint32_t)sim_rng_below(&g->rng, MSS);
	}
}

static void lay_slots(struct pk *p, enum xpkt_dir d)
{
	uint32_t off = TX_HDR_BYTES, n = 1;

	if (d == XPKT_RX || p->len <= TX_COPY_LEN) {
		p->slot[0] = (struct slot){.off = 0, .len = p->len};
		p->nslots = p->ring_used = 1;
		return;
	}
	p->slot[0] = (struct slot){.off = 0, .len = TX_HDR_BYTES};
	while (off < p->len && n < MAX_SLOTS) {
		uint32_t l = p->len - off < PAGE_BYTES ? p->len - off : PAGE_BYTES;

		p->slot[n++] = (struct slot){.off = off, .len = l};
		off += l;
	}
	p->nslots = n;
	p->ring_used = n + (p->nsegs > 1); /* + the GSO extra-info slot */
}

/*
 * The slots a PER_SLOT row's events name, [*first, *first + return): netback
 * grant-copies the first TX_COPY_LEN bytes (xenvif_get_requests) and
 * grant-maps every slot with bytes past them, and unmaps exactly those;
 * netfront claims and gets back every slot.
 */
static unsigned slot_span(const struct pk *p, uint16_t ev, unsigned *first)
{
	unsigned n = 0;

	*first = 0;
	for (unsigned s = 0; s < p->nslots; s++) {
		const struct slot *sl = &p->slot[s];

		if (ev == XPKT_EV_NB_TX_COPY && sl->off >= TX_COPY_LEN)
			continue;
		if ((ev == XPKT_EV_NB_TX_MAP || ev == XPKT_EV_NB_TX_UNMAP) &&
		    sl->off + sl->len <= TX_COPY_LEN)
			continue;
		if (!n)
			*first = s;
		n++;
	}
	return n;
}

/* Events row i of a packet emits: one per slot it names for PER_SLOT rows. */
static unsigned row_events(const struct xpkt_stage *row, const struct pk *p, unsigned *first)
{
	*first = 0;
	return row->flags & XPKT_STAGE_PER_SLOT ? slot_span(p, row->event, first) : 1;
}

static int plan_batch(struct gen *g, enum xpkt_dir d, unsigned q, unsigned k, uint64_t start)
{
	struct dir_rules *r = &g->dr[d];
	int drops = !!(g->o->hazards & XPKT_HZ_DROPS) && r->drop_row >= 0;
	uint64_t t0 = start;

	for (unsigned j = 0; j < k; j++) {
		struct pk *p = &g->batch[j];

		memset(p, 0, sizeof(*p));
		p->q = q;
		p->fl = &g->flows[d][sim_rng_below(&g->rng, g->nflows[d])];
		p->len = draw_len(g, d);
		p->seq = p->fl->seq;
		p->fl->seq += p->len;
		p->nsegs = (p->len + MSS - 1) / MSS;
		lay_slots(p, d);
		p->drop_skb_row = -1;
	}
	for (unsigned i = 0; i < r->n; i++) {
		const struct xpkt_stage *row = &r->rows[i];
		int odd = is_xen(row);
		uint64_t t, maxbase = 0;
		unsigned m = 0;

		for (unsigned j = 0; j < k; j++) {
			struct pk *p = &g->batch[j];

			if (p->stopped || (row->key_from >= 0 && !(p->has & (1u << row->key_from))))
				continue;
			m++;
			if (p->base > maxbase)
				maxbase = p->base;
		}
		switch (row->join) {
		case XPKT_JOIN_ORIGIN:
			for (unsigned j = 0; j < k; j++) {
				struct pk *p = &g->batch[j];

				/* back-to-back sends, or segments arriving one frame apart */
				t0 = j == 0 ? start
					    : at(t0,
						 d == XPKT_RX ? SEG_GAP_NS
							      : 500 + sim_rng_below(&g->rng, 2500),
						 0);
				p->ns[i] = p->base = t0;
				p->has |= 1u << i;
			}
			continue;
		case XPKT_JOIN_SLOT_RANGE:
			if (!m)
				continue;
			t = at(maxbase, lat(g, d, i), odd);
			for (unsigned j = 0; j < k; j++) {
				struct pk *p = &g->batch[j];

				if (p->stopped || !(p->has & (1u << row->key_from)))
					continue;
				p->ns[i] = p->base = t;
				p->has |= 1u << i;
			}
			continue;
		case XPKT_JOIN_SWITCH_IN:
		case XPKT_JOIN_UNMAP_CALL: {
			uint16_t dom = row->join == XPKT_JOIN_UNMAP_CALL || d == XPKT_TX
					   ? DOM0_DOMID
					   : GUEST_DOMID;
			struct sim_xen x = {.dom = dom,
					    .vcpu = dom == DOM0_DOMID ? 0 : (uint16_t)q};

			if (!m)
				continue;
			if (row->join == XPKT_JOIN_SWITCH_IN) {
				/* sometimes the peer is running already: no switch */
				if (sim_rng_unit(&g->rng) >= P_SWITCH)
					continue;
				x.kind = SIM_XEN_SWITCH;
			} else {
				x.kind = SIM_XEN_HCALL;
				x.op = XPKT_HC_GRANT_TABLE_OP;
				x.cmd = XPKT_GNTTABOP_UNMAP_GRANT_REF;
				x.count = m;
			}
			t = at(maxbase, lat(g, d, i), 1);
			if (xen_req(g, home_pcpu(dom), t, x))
				return -1;
			for (unsigned j = 0; j < k; j++) {
				struct pk *p = &g->batch[j];

				if (!p->stopped && (p->has & (1u << row->key_from)))
					p->base = t;
			}
			continue;
		}
		default:
			break;
		}
		/* KEY and SEQ_IN rows: one event per packet, or per slot (2 ns apart) */
		for (unsigned j = 0; j < k; j++) {
			struct pk *p = &g->batch[j];
			uint64_t *last = &g->seq_last[d][q][i], tl;
			unsigned first, nev;

			if (p->stopped || !(p->has & (1u << row->key_from)))
				continue;
			/* only what netback could not copy is mapped (and unmapped) */
			nev = row_events(row, p, &first);
			if (!nev)
				continue;
			t = at(p->base, lat(g, d, i), odd);
			if (sequential(g, row->event) && t <= *last)
				t = at(*last, 1, odd);
			tl = t + 2ull * (nev - 1);
			if (sequential(g, row->event))
				*last = tl;
			/* a per-slot terminal row attaches with the last slot's answer */
			p->ns[i] = row->flags & XPKT_STAGE_TERMINAL ? tl : t;
			p->base = tl;
			p->has |= 1u << i;
			if ((int)i == r->txslot_row) {
				p->ring_idx = g->tx_ring[q];
				g->tx_ring[q] += p->ring_used;
				for (unsigned s = 0; s < p->nslots; s++)
					p->slot[s].ring =
					    p->ring_idx + s + (s && p->ring_used > p->nslots);
			}
			if ((int)i == r->rxslot_row) {
				p->ring_idx = g->rx_ring[q]++;
				p->rx_gref = 0x100 + q * 256 + (g->rx_gref[q]++ % 256);
			}
			if (row->join == XPKT_JOIN_SEQ_IN)
				p->base += (uint64_t)(p->nsegs - 1) * SEG_GAP_NS;
			for (unsigned s = 0; s < r->n; s++)
				if (r->freed_after[s] == (int)i && (p->has & (1u << s))) {
					p->free_ns[s] = p->base =
					    at(p->base, 300 + sim_rng_below(&g->rng, 1200), 0);
				}
			if (drops && (int)i == r->drop_row &&
			    sim_rng_unit(&g->rng) < g->o->drop_rate) {
				unsigned di = (unsigned)r->drop_idx;

				p->stopped = 1;
				p->drop_ns = p->base =
				    at(p->base, 200 + sim_rng_below(&g->rng, 800), 0);
				p->drop_skb_row = r->skb_row[i];
				p->drop_reason =
				    drop_points[di]
					.reasons[sim_rng_below(&g->rng, drop_points[di].nreasons)];
			}
		}
	}
	return 0;
}

/* --- recorded, attached, identities ----------------------------------------------------------- */

static unsigned row_cpu(const struct pk *p)
{
	return p->q % SIM_LINUX_CPUS;
}

static int lost_at(struct gen *g, enum xpkt_domain dom, unsigned cpu, uint64_t ns)
{
	enum sim_src s = src_of(dom);

	if (s == SIM_WIRE || s == SIM_XEN)
		return 0;
	return sim_loss_hit(g->cfg.loss[s][cpu], ns);
}

static void settle_batch(struct gen *g, enum xpkt_dir d, unsigned k)
{
	struct dir_rules *r = &g->dr[d];

	for (unsigned i = 0; i < r->n; i++) {
		const struct xpkt_stage *row = &r->rows[i];
		int shared = row->join == XPKT_JOIN_SLOT_RANGE, shared_rec = -1;

		if (is_window(row))
			continue;
		for (unsigned j = 0; j < k; j++) {
			struct pk *p = &g->batch[j];
			int rec;

			if (!(p->has & (1u << i)))
				continue;
			if (shared && shared_rec < 0)
				shared_rec = !lost_at(g, row->domain, row_cpu(p), p->ns[i]);
			rec = shared ? shared_rec : !lost_at(g, row->domain, row_cpu(p), p->ns[i]);
			if (rec)
				p->rec |= 1u << i;
			if (rec &&
			    (row->join == XPKT_JOIN_ORIGIN || (p->att & (1u << row->key_from))))
				p->att |= 1u << i;
		}
	}
	for (unsigned j = 0; j < k; j++) {
		struct pk *p = &g->batch[j];

		for (unsigned s = 0; s < r->n; s++)
			if (p->free_ns[s] &&
			    !lost_at(g, r->rows[s].domain, row_cpu(p), p->free_ns[s]))
				p->free_rec |= 1u << s;
		if (p->drop_skb_row >= 0) {
			p->drop_rec =
			    !lost_at(g, r->rows[p->drop_skb_row].domain, row_cpu(p), p->drop_ns);
			p->drop_att = p->drop_rec && (p->att & (1u << p->drop_skb_row));
		}
		if (r->terminal >= 0 && (p->att & (1u << r->terminal)))
			p->end_ns = p->ns[r->terminal];
		else if (p->drop_att)
			p->end_ns = p->drop_ns;
		else
			p->end_ns = SIM_NS_NEVER;
	}
}

static uint64_t last_ns(const struct pk *p)
{
	uint64_t m = p->drop_ns;

	for (unsigned i = 0; i < XPKT_MAX_STAGES; i++) {
		if ((p->has & (1u << i)) && p->ns[i] > m)
			m = p->ns[i];
		if (p->free_ns[i] > m)
			m = p->free_ns[i];
	}
	return m;
}

static int assign_ids(struct gen *g, enum xpkt_dir d, unsigned k)
{
	struct dir_rules *r = &g->dr[d];

	for (unsigned j = 0; j < k; j++) {
		struct pk *p = &g->batch[j];
		uint64_t done = last_ns(p);
		struct pool_ent scratch, *e;

		for (unsigned s = 0; s < r->n; s++) {
			int guest = r->rows[s].domain == XPKT_DOM_GUEST, ended;

			if (r->skb_row[s] != (int)s || !(p->has & (1u << s)))
				continue;
			e = pool_take(g, &g->skb_pool[guest ? 0 : 1], p->ns[s],
				      !(p->att & (1u << s)), &scratch);
			if (!e)
				return -1;
			p->skb[s] = e->val;
			/* consume_skb or kfree_skb end the mapping, attached or not */
			ended =
			    (p->free_rec & (1u << s)) || (p->drop_skb_row == (int)s && p->drop_rec);
			pool_release(e,
				     p->free_ns[s]
					 ? p->free_ns[s]
					 : (p->drop_skb_row == (int)s ? p->drop_ns : done),
				     !!(p->att & (1u << s)), ended, p->end_ns);
		}
		/* every slot has its own request id and grant (the last answer frees them) */
		for (unsigned sl = 0;
		     r->req_row >= 0 && (p->has & (1u << r->req_row)) && sl < p->nslots; sl++) {
			uint64_t rel = r->req_end_row >= 0 && (p->has & (1u << r->req_end_row))
					   ? p->ns[r->req_end_row]
					   : done;
			/* granted at the claim; a key only once mapped, past the copied bytes */
			int mapped = p->slot[sl].off + p->slot[sl].len > TX_COPY_LEN;
			int set_has = r->gref_row >= 0 && mapped && (p->has & (1u << r->gref_row));
			int set_att = r->gref_row >= 0 && mapped && (p->att & (1u << r->gref_row));

			e = pool_take(g, &g->req_pool[p->q], p->ns[r->req_row],
				      !(p->att & (1u << r->req_row)), &scratch);
			if (!e)
				return -1;
			p->slot[sl].req_id = (uint16_t)e->val;
			pool_release(e, rel, !!(p->att & (1u << r->req_row)),
				     r->req_end_row >= 0 && (p->att & (1u << r->req_end_row)),
				     p->end_ns);
			if (r->gref_row < 0)
				continue;
			e = pool_take(g, &g->gref_pool, p->ns[r->req_row], set_has && !set_att,
				      &scratch);
			if (!e)
				return -1;
			p->slot[sl].gref = (uint32_t)e->val;
			pool_release(e, rel, set_att,
				     r->gref_end_row >= 0 && (p->att & (1u << r->gref_end_row)),
				     p->end_ns);
		}
	}
	return 0;
}

/* --- events ------------------------------------------------------------------------------------
 */

static uint16_t ifindex_of(const struct dir_rules *r, unsigned i)
{
	uint8_t kind = r->rows[i].dev_kind;

	/* br_forward's port is the device the next stage transmits on */
	for (unsigned n = i; kind == XPKT_DEV_ANY && n < r->n; n++)
		if (r->rows[n].domain == r->rows[i].domain)
			kind = r->rows[n].dev_kind;
	if (r->rows[i].domain == XPKT_DOM_GUEST)
		return IF_GUEST_ETH0;
	return kind == XPKT_DEV_VIF ? IF_VIF : kind == XPKT_DEV_BRIDGE ? IF_BRIDGE : IF_ETH0;
}

static void fill(const struct dir_rules *r, unsigned i, const struct pk *p, unsigned slot,
		 struct xpkt_event *ev)
{
	int sr = r->skb_row[i];
	const struct slot *sl = &p->slot[slot];
	uint32_t end = sl->off + sl->len;
	uint32_t copied = end < TX_COPY_LEN ? end - sl->off : TX_COPY_LEN - sl->off;

	memset(ev, 0, sizeof(*ev));
	ev->id = r->rows[i].event;
	ev->cpu = (uint16_t)row_cpu(p);
	if (sr >= 0)
		ev->skb = p->skb[sr];
	switch (ev->id) {
	case XPKT_EV_TCP_XMIT:
	case XPKT_EV_TCP_RCV:
	case XPKT_EV_DEV_XMIT:
	case XPKT_EV_GRO_RECEIVE:
		ev->flow = p->fl->f;
		ev->seq = p->seq;
		ev->len = p->len;
		break;
	case XPKT_EV_NETIF_RECEIVE:
		/*
		 * skb->len past the Ethernet header: IPv4 + TCP headers (20 + 20
		 * here) and the payload. The generator's dom0 GRO merges nothing:
		 * each segment is its own head.
		 */
		ev->flow = p->fl->f;
		ev->seq = p->seq;
		ev->len = p->len + 40;
		break;
	case XPKT_EV_SKB_COPY_DATAGRAM:
		ev->len = p->len;
		break;
	case XPKT_EV_NF_TX_GRANT:
		ev->ring_idx = sl->ring;
		ev->req_id = sl->req_id;
		ev->gref = sl->gref;
		ev->len = sl->len;
		break;
	case XPKT_EV_NF_TX_DONE:
	case XPKT_EV_NB_TX_UNMAP:
		ev->req_id = sl->req_id;
		ev->gref = sl->gref;
		break;
	case XPKT_EV_NB_TX_COPY:
	case XPKT_EV_NB_TX_MAP:
		/* a slot straddling TX_COPY_LEN has both: copied head, mapped rest */
		ev->ring_idx = sl->ring;
		ev->req_id = sl->req_id;
		ev->gref = sl->gref;
		ev->len = ev->id == XPKT_EV_NB_TX_COPY ? copied : sl->len - copied;
		break;
	case XPKT_EV_NB_TX_DELIVER:
		ev->ring_idx = p->ring_idx; /* the packet's first slot */
		break;
	case XPKT_EV_NB_RX_COPY:
	case XPKT_EV_NF_RX_RESPONSE:
		ev->ring_idx = p->ring_idx;
		ev->gref = p->rx_gref;
		ev->len = p->len;
		break;
	default:
		break;
	}
	if (ev->id >= XPKT_EV_NF_TX_GRANT && ev->id <= XPKT_EV_NB_RX_NOTIFY) {
		/* netfront and netback events carry the frontend's identity */
		ev->domid = GUEST_DOMID;
		ev->handle = VIF_HANDLE;
		ev->queue = (uint16_t)p->q;
	}
	if (ev->id == XPKT_EV_DEV_XMIT || ev->id == XPKT_EV_NETIF_RECEIVE ||
	    ev->id == XPKT_EV_BR_FORWARD || ev->id == XPKT_EV_GRO_RECEIVE)
		ev->ifindex = ifindex_of(r, i);
}

static int put_kev(struct gen *g, enum xpkt_domain dom, uint64_t ns, const struct xpkt_event *ev,
		   int rec)
{
	if (sim_sink_kev(g->sink, src_of(dom), ns, ev, !rec))
		return xpkt_err_set(&g->err, "synth: out of memory");
	return 0;
}

static int put_wire(struct gen *g, uint64_t ns, const struct flow *fl, uint32_t seq, uint32_t len,
		    uint16_t ip_id)
{
	struct sim_wire w = {.flow = fl->f, .seq = seq, .len = len, .ip_id = ip_id};

	w.ack = 0x10000 + (uint32_t)(ns / 1000); /* the other side's bytes: not followed */
	if (sim_sink_wire(g->sink, ns, &w))
		return xpkt_err_set(&g->err, "synth: out of memory");
	return 0;
}

/*
 * The PMU model: counter c read at host time ns by row i's event is
 *   ns * num / den  +  amount * (i + 1) * (i + 2) / 2  +  noise in [0, amount)
 * (a rate per ns, a cost per stage growing with the row, per-read noise).
 * Along one packet the value grows by at least amount * (i + 1) - (amount - 1)
 * per row, so every delta is positive; between packets of one CPU the values
 * do not follow one counter (the correlator never compares them).
 */
static const struct {
	uint64_t num, den, amount;
} pmu_model[XPKT_PMU_MAX] = {
    {12, 5, 300}, /* cycles: 2.4 GHz */
    {3, 2, 200},  /* instructions */
    {1, 500, 3},  /* LLC misses */
    {1, 2000, 2}, /* dTLB load misses */
};

static void pmu_values(struct gen *g, unsigned i, uint64_t ns, uint64_t v[XPKT_PMU_MAX])
{
	for (unsigned c = 0; c < XPKT_PMU_MAX; c++) {
		uint64_t a = pmu_model[c].amount;

		v[c] = c < g->npmu
			   ? ns / pmu_model[c].den * pmu_model[c].num +
				 ns % pmu_model[c].den * pmu_model[c].num / pmu_model[c].den +
				 a * (i + 1) * (i + 2) / 2 + sim_rng_below(&g->pmu_rng, a)
			   : 0;
	}
}

/* The PMU record read with the event just written (same source, cpu, ns). */
static int put_pmu(struct gen *g, enum xpkt_domain dom, unsigned i, uint64_t ns, uint16_t cpu,
		   int rec, uint64_t v[XPKT_PMU_MAX])
{
	struct xpkt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.id = XPKT_EV_PMU;
	ev.cpu = cpu;
	pmu_values(g, i, ns, v);
	memcpy(ev.pmu, v, sizeof(ev.pmu));
	return put_kev(g, dom, ns, &ev, rec);
}

/*
 * Receive-side hotspot calls in the guest (docs/correlation.md section 12):
 * between a received packet's tcp_receive and socket_copy, TCP may copy
 * (skb_copy_bits) and collapse (tcp_collapse) its skb. Written only where
 * the correlator can know whose they are: the guest skb's key attached and
 * still alive, socket_copy attached after them, the call itself recorded.
 * Each then belongs to socket_copy, and truth says so. Draws come from
 * their own stream, so every other record is unchanged.
 */
static int emit_hot(struct gen *g, enum xpkt_dir d, unsigned k)
{
	struct dir_rules *r = &g->dr[d];
	int tr = find_row(r, XPKT_EV_TCP_RCV), sc = find_row(r, XPKT_EV_SKB_COPY_DATAGRAM), kr;
	struct xpkt_event ev;

	if (!g->o->hotspots || d != XPKT_RX || tr < 0 || sc < 0 || r->skb_row[tr] < 0)
		return 0;
	kr = r->skb_row[tr];
	for (unsigned j = 0; j < k; j++) {
		struct pk *p = &g->batch[j];
		unsigned ncopy = (unsigned)sim_rng_below(&g->hot_rng, 3);
		unsigned ncoll = sim_rng_below(&g->hot_rng, 4) == 0;
		uint64_t t = p->ns[tr] + 1;

		if (!(p->att & (1u << kr)) || !(p->att & (1u << sc)) || !(p->has & (1u << tr)) ||
		    p->ns[sc] < t + ncopy + ncoll + 1 ||
		    (p->free_ns[kr] && p->free_ns[kr] <= t + ncopy + ncoll))
			continue;
		for (unsigned e = 0; e < ncopy + ncoll; e++, t++) {
			unsigned h = e < ncopy ? XPKT_HOT_COPY_BITS : XPKT_HOT_COLLAPSE;
			int rec = !lost_at(g, r->rows[tr].domain, row_cpu(p), t);

			memset(&ev, 0, sizeof(ev));
			ev.id =
			    h == XPKT_HOT_COPY_BITS ? XPKT_EV_HOT_COPY_BITS : XPKT_EV_HOT_COLLAPSE;
			ev.cpu = (uint16_t)row_cpu(p);
			ev.skb = p->skb[kr];
			ev.len = h == XPKT_HOT_COPY_BITS
				     ? 64 + (uint32_t)sim_rng_below(&g->hot_rng, 1400)
				     : 0;
			if (put_kev(g, r->rows[tr].domain, t, &ev, rec))
				return -1;
			if (rec)
				sim_truth_hot(g->truth, d, (unsigned)sc, h, ev.len);
		}
	}
	return 0;
}

static int emit_batch(struct gen *g, enum xpkt_dir d, unsigned k)
{
	struct dir_rules *r = &g->dr[d];
	struct xpkt_event ev;

	for (unsigned i = 0; i < r->n; i++) {
		const struct xpkt_stage *row = &r->rows[i];

		if (is_window(row))
			continue;
		if (row->join == XPKT_JOIN_SLOT_RANGE) {
			/* one notify for the batch: the slot range it pushed */
			struct pk *first = NULL, *lastp = NULL;
			const struct xpkt_stage *kr = &r->rows[row->key_from];

			for (unsigned j = 0; j < k; j++)
				if (g->batch[j].has & (1u << i)) {
					lastp = &g->batch[j];
					first = first ? first : lastp;
				}
			if (!first)
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.id = row->event;
			ev.cpu = (uint16_t)row_cpu(first);
			ev.domid = GUEST_DOMID;
			ev.handle = VIF_HANDLE;
			ev.queue = (uint16_t)first->q;
			ev.ring_idx = first->ring_idx;
			ev.ring_end = lastp->ring_idx +
				      (kr->sets & (1u << XPKT_KEY_TX_SLOT) ? lastp->ring_used : 1);
			if (put_kev(g, row->domain, first->ns[i], &ev, !!(first->rec & (1u << i))))
				return -1;
			if (g->npmu) {
				/* one read: every packet the notify covers shares it */
				uint64_t v[XPKT_PMU_MAX];

				if (put_pmu(g, row->domain, i, first->ns[i], ev.cpu,
					    !!(first->rec & (1u << i)), v))
					return -1;
				for (unsigned j = 0; j < k; j++)
					if (g->batch[j].has & (1u << i))
						memcpy(g->batch[j].pmu[i], v, sizeof(v));
			}
			{
				/* notify_remote_via_irq: an EVTCHNOP_send hypercall */
				uint16_t dom =
				    row->domain == XPKT_DOM_GUEST ? GUEST_DOMID : DOM0_DOMID;
				struct sim_xen x = {.kind = SIM_XEN_HCALL,
						    .dom = dom,
						    .vcpu =
							dom == GUEST_DOMID ? (uint16_t)first->q : 0,
						    .op = XPKT_HC_EVTCHN_OP,
						    .cmd = 4};

				if (xen_req(g, home_pcpu(dom), first->ns[i] + 1, x))
					return -1;
			}
			continue;
		}
		for (unsigned j = 0; j < k; j++) {
			struct pk *p = &g->batch[j];

			if (!(p->has & (1u << i)))
				continue;
			if (row->domain == XPKT_DOM_WIRE) {
				uint32_t nseg = d == XPKT_TX ? p->nsegs : 1;

				for (uint32_t s = 0; s < nseg; s++) {
					uint32_t off = s * MSS;
					uint32_t l = d == XPKT_TX
							 ? (p->len - off < MSS ? p->len - off : MSS)
							 : p->len;

					if (put_wire(g, p->ns[i] + (uint64_t)s * SEG_GAP_NS, p->fl,
						     p->seq + off, l, p->fl->ip_id++))
						return -1;
				}
				continue;
			}
			{
				unsigned first, nev = row_events(row, p, &first);
				/* per-slot events 2 ns apart; a terminal one ends at ns[i] */
				uint64_t t0 = row->flags & XPKT_STAGE_TERMINAL
						  ? p->ns[i] - 2ull * (nev - 1)
						  : p->ns[i];

				for (unsigned e = 0; e < nev; e++) {
					uint64_t v[XPKT_PMU_MAX];

					fill(r, i, p, first + e, &ev);
					if (put_kev(g, row->domain, t0 + 2ull * e, &ev,
						    !!(p->rec & (1u << i))))
						return -1;
					if (!g->npmu)
						continue;
					if (put_pmu(g, row->domain, i, t0 + 2ull * e, ev.cpu,
						    !!(p->rec & (1u << i)), v))
						return -1;
					/* the event at ns[i] is the one that attaches */
					if (t0 + 2ull * e == p->ns[i])
						memcpy(p->pmu[i], v, sizeof(v));
				}
			}
		}
		/* dom0 copies a batch's headers/packets with one GNTTABOP_copy */
		if (row->event == XPKT_EV_NB_TX_COPY || row->event == XPKT_EV_NB_RX_COPY) {
			uint64_t m = 0;
			unsigned n = 0;

			for (unsigned j = 0; j < k; j++)
				if (g->batch[j].has & (1u << i)) {
					m = g->batch[j].ns[i] > m ? g->batch[j].ns[i] : m;
					n++;
				}
			if (n) {
				struct sim_xen x = {.kind = SIM_XEN_HCALL,
						    .dom = DOM0_DOMID,
						    .op = XPKT_HC_GRANT_TABLE_OP,
						    .cmd = XPKT_GNTTABOP_COPY,
						    .count = n};

				if (xen_req(g, 0, m + 1, x))
					return -1;
			}
		}
	}
	if (emit_hot(g, d, k))
		return -1;
	/* skb frees and drops */
	for (unsigned j = 0; j < k; j++) {
		struct pk *p = &g->batch[j];

		for (unsigned s = 0; s < r->n; s++) {
			if (!p->free_ns[s])
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.id = XPKT_EV_CONSUME_SKB;
			ev.cpu = (uint16_t)row_cpu(p);
			ev.skb = p->skb[s];
			if (put_kev(g, r->rows[s].domain, p->free_ns[s], &ev,
				    !!(p->free_rec & (1u << s))))
				return -1;
		}
		if (p->drop_skb_row >= 0) {
			memset(&ev, 0, sizeof(ev));
			ev.id = XPKT_EV_KFREE_SKB;
			ev.cpu = (uint16_t)row_cpu(p);
			ev.skb = p->skb[p->drop_skb_row];
			ev.arg = p->drop_reason;
			if (put_kev(g, r->rows[p->drop_skb_row].domain, p->drop_ns, &ev,
				    p->drop_rec))
				return -1;
		}
	}
	/* the receiver's pure ACK: on the wire, not a packet (correlation.md section 3) */
	{
		struct pk *p = &g->batch[0];
		int wr = find_row(r, XPKT_EV_WIRE);

		if (wr >= 0 && (p->has & (1u << wr))) {
			struct flow back = *p->fl;

			back.f.saddr = p->fl->f.daddr;
			back.f.daddr = p->fl->f.saddr;
			back.f.sport = p->fl->f.dport;
			back.f.dport = p->fl->f.sport;
			if (put_wire(g, p->ns[wr] + 20000, &back, 0x20000, 0, 0))
				return -1;
		}
	}
	return 0;
}

/* --- truth -------------------------------------------------------------------------------------
 */

/*
 * An event that attaches to nothing is counted against its stage row. Rows
 * that see the same events (bridge_forward of both directions: one
 * br_forward kprobe in dom0) cannot be told apart then; it counts against
 * the first such row in catalogue order, TX before RX.
 */
static void unattributed(struct gen *g, enum xpkt_dir d, unsigned i, uint64_t n)
{
	const struct xpkt_stage *row = &g->dr[d].rows[i];

	for (int dd = 0; dd <= (int)d; dd++)
		for (unsigned k = 0; k < g->dr[dd].n && (dd < (int)d || k <= i); k++) {
			const struct xpkt_stage *o = &g->dr[dd].rows[k];

			if (o->event == row->event && o->domain == row->domain &&
			    o->dev_kind == row->dev_kind && o->join == row->join) {
				sim_truth_unattributed(g->truth, (enum xpkt_dir)dd, k, n);
				return;
			}
		}
}

static int truth_batch(struct gen *g, enum xpkt_dir d, unsigned k)
{
	struct dir_rules *r = &g->dr[d];

	for (unsigned j = 0; j < k; j++) {
		struct pk *p = &g->batch[j];
		struct sim_tpkt *tp;

		/* events whose own chain is broken attach to nothing */
		for (unsigned i = 0; i < r->n; i++) {
			const struct xpkt_stage *row = &r->rows[i];

			if (!(p->has & (1u << i)))
				continue;
			if (row->join == XPKT_JOIN_KEY && (p->rec & (1u << i)) &&
			    !(p->att & (1u << i))) {
				unsigned first;

				unattributed(g, d, i, row_events(row, p, &first));
			}
			if (row->join == XPKT_JOIN_SEQ_IN && !(p->att & (1u << row->key_from)))
				unattributed(g, d, i, d == XPKT_TX ? p->nsegs : 1);
			if (row->join == XPKT_JOIN_SEQ_IN && (p->att & (1u << row->key_from)))
				p->att |= 1u << i; /* the first segment attaches */
		}
		if (!(p->att & 1u))
			continue; /* origin lost: no packet */
		tp = sim_truth_pkt(g->truth);
		if (!tp)
			return xpkt_err_set(&g->err, "synth: out of memory");
		tp->dir = d;
		tp->nstages = (uint8_t)r->n;
		tp->attached = p->att;
		memcpy(tp->ns, p->ns, sizeof(tp->ns));
		tp->dropped = p->drop_att;
		tp->drop_reason = p->drop_reason;
		for (unsigned i = 0; (g->npmu || g->o->pmu_sim) && i < r->n; i++) {
			enum xpkt_domain dom = r->rows[i].domain;

			tp->dom[i] = (uint8_t)dom;
			tp->cpu[i] = (uint16_t)row_cpu(p);
			/* Xen rows: the physical CPU of the record that attaches them */
			if (dom == XPKT_DOM_XEN)
				tp->cpu[i] = (uint16_t)home_pcpu(
				    r->rows[i].join == XPKT_JOIN_SWITCH_IN && d == XPKT_RX
					? GUEST_DOMID
					: DOM0_DOMID);
			/* every guest and dom0 stage event is followed by its PMU read */
			if ((dom == XPKT_DOM_GUEST || dom == XPKT_DOM_DOM0) &&
			    (p->att & (1u << i))) {
				tp->pmu_have |= 1u << i;
				memcpy(tp->pmu[i], p->pmu[i], sizeof(tp->pmu[i]));
			}
		}
		for (unsigned i = 0; i < r->n; i++) {
			const struct xpkt_stage *row = &r->rows[i];
			int kf = row->key_from, target;
			uint64_t hi = p->drop_att ? p->drop_ns : SIM_NS_NEVER;

			if (!is_window(row) || !(p->att & (1u << kf)))
				continue;
			if (row->join == XPKT_JOIN_UNMAP_CALL) {
				/* the last unmap call after the latest stage, before the next */
				uint64_t lo = 0;

				if (i + 1 >= r->n || !(p->att & (1u << (i + 1))))
					continue;
				for (unsigned n = 0; n < i; n++)
					if (p->att & (1u << n))
						lo = p->ns[n];
				if (sim_truth_window(g->truth, tp, SIM_TARGET_UNMAP, i, lo,
						     p->ns[i + 1]))
					return xpkt_err_set(&g->err, "synth: out of memory");
				continue;
			}
			/* waiting ends when any later stage attaches */
			for (unsigned n = (unsigned)kf + 1; n < r->n; n++)
				if (!is_window(&r->rows[n]) && (p->att & (1u << n))) {
					hi = p->ns[n];
					break;
				}
			target = row->join == XPKT_JOIN_UNMAP_CALL ? SIM_TARGET_UNMAP
				 : d == XPKT_TX			   ? SIM_TARGET_SWITCH_DOM0
								   : SIM_TARGET_SWITCH_GUEST;
			if (sim_truth_window(g->truth, tp, target, i, p->ns[kf], hi))
				return xpkt_err_set(&g->err, "synth: out of memory");
		}
		if (sim_truth_add(g->truth, tp))
			return xpkt_err_set(&g->err, "synth: out of memory");
	}
	return 0;
}

/* --- Xen noise ---------------------------------------------------------------------------------
 */

static int xen_noise(struct gen *g, uint64_t until_ns)
{
	struct xpkt_dist gap = {XPKT_DIST_EXP, NOISE_GAP_NS, 0};

	for (unsigned c = 0; c < SIM_XEN_NCPUS; c++) {
		while (g->noise_next[c] < until_ns) {
			uint64_t t = g->noise_next[c];
			double u = sim_rng_unit(&g->rng);
			uint16_t home = c == 0 ? DOM0_DOMID : GUEST_DOMID;
			struct sim_xen x = {.kind = SIM_XEN_SWITCH};

			if (u < 0.45) {
				x.dom = SIM_DOM_IDLE; /* the running vCPU blocks */
				x.vcpu = (uint16_t)c;
			} else if (u < 0.65) {
				x.dom = SIM_DOM_OTHER; /* one vCPU per pCPU: never on two at once */
				x.vcpu = (uint16_t)c;
			} else if (u < 0.75) {
				x.dom = home; /* woken by a timer or an event */
				x.vcpu =
				    home == GUEST_DOMID ? (uint16_t)sim_rng_below(&g->rng, NQ) : 0;
			} else if (u < 0.9) {
				x.kind = SIM_XEN_HCALL; /* iret from whoever runs */
				x.dom = SIM_ANY_DOM;
				x.op = 23;
			} else {
				x.kind = SIM_XEN_RUNSTATE; /* the other guest wakes up */
				x.dom = SIM_DOM_OTHER;
				x.vcpu = (uint16_t)c;
				x.old_state = 2;
				x.new_state = 1;
			}
			if (xen_req(g, c, t, x))
				return -1;
			g->noise_next[c] = at(t, sim_dist_draw(&gap, &g->rng), 1);
		}
	}
	return 0;
}

/* --- the bundle directory ----------------------------------------------------------------------
 */

static int prepare_dir(const char *dir, struct xpkt_err *err)
{
	struct stat st;
	DIR *dp;
	struct dirent *de;
	int empty = 1;
	struct xpkt_manifest m;
	struct xpkt_err ignore;

	if (stat(dir, &st)) {
		if (errno != ENOENT)
			return xpkt_err_set(err, "%s: %s", dir, strerror(errno));
		if (mkdir(dir, 0777))
			return xpkt_err_set(err, "%s: cannot create: %s", dir, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return xpkt_err_set(err, "%s: exists and is not a directory", dir);
	dp = opendir(dir);
	if (!dp)
		return xpkt_err_set(err, "%s: %s", dir, strerror(errno));
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(dp);
	if (empty || !xpkt_manifest_read(dir, &m, &ignore))
		return 0;
	return xpkt_err_set(
	    err, "%s: not empty and not an xpkttrace bundle; refusing to write into it", dir);
}

static void build_manifest(const struct xpkt_synth_opts *o, const struct sim_sink_cfg *cfg,
			   const struct sim_sink *sink, struct xpkt_manifest *m)
{
	struct xpkt_source *s;
	int offsets = !!(o->hazards & XPKT_HZ_CLOCK_OFFSET);

	memset(m, 0, sizeof(*m));
	m->version = XPKT_BUNDLE_VERSION;
	snprintf(m->created_by, sizeof(m->created_by), "xpkttrace synth");
	snprintf(m->mode, sizeof(m->mode), "xen");
	m->tsc_hz = cfg->tsc_hz;
	snprintf(m->workload, sizeof(m->workload),
		 "synth: %llu packets, seed %llu, %u flows, rx share %g, hazards 0x%x",
		 (unsigned long long)o->packets, (unsigned long long)o->seed, o->flows, o->rx_share,
		 o->hazards);

	s = &m->sources[m->nsources++];
	snprintf(s->name, sizeof(s->name), "guest");
	s->domain = XPKT_DOM_GUEST;
	s->domid = GUEST_DOMID;
	snprintf(s->format, sizeof(s->format), "kev");
	snprintf(s->file, sizeof(s->file), "guest.kev");
	snprintf(s->clock_name, sizeof(s->clock_name), "x86-tsc");
	s->clock = XPKT_CLOCK_TSC;
	s->tsc_offset = cfg->guest_tsc_offset;
	snprintf(s->offset_from, sizeof(s->offset_from), "%s", offsets ? "xen-tsc-info" : "none");
	s->lost_events = sim_sink_lost(sink, SIM_GUEST);
	snprintf(s->kernel, sizeof(s->kernel), "6.1.0-synth (PV domU)");
	s->addrs[s->naddrs++] = GUEST_ADDR;
	s->ifaces[s->nifaces++] =
	    (struct xpkt_iface){.ifindex = IF_GUEST_ETH0, .name = "eth0", .kind = XPKT_DEV_GUEST};

	s = &m->sources[m->nsources++];
	snprintf(s->name, sizeof(s->name), "dom0");
	s->domain = XPKT_DOM_DOM0;
	s->domid = DOM0_DOMID;
	snprintf(s->format, sizeof(s->format), "kev");
	snprintf(s->file, sizeof(s->file), "dom0.kev");
	snprintf(s->clock_name, sizeof(s->clock_name), "x86-tsc");
	s->clock = XPKT_CLOCK_TSC;
	snprintf(s->offset_from, sizeof(s->offset_from), "none");
	s->lost_events = sim_sink_lost(sink, SIM_DOM0);
	snprintf(s->kernel, sizeof(s->kernel), "6.1.0-synth (dom0)");
	s->ifaces[s->nifaces++] =
	    (struct xpkt_iface){.ifindex = IF_ETH0, .name = "eth0", .kind = XPKT_DEV_NIC};
	s->ifaces[s->nifaces++] =
	    (struct xpkt_iface){.ifindex = IF_BRIDGE, .name = "xenbr0", .kind = XPKT_DEV_BRIDGE};
	s->ifaces[s->nifaces++] = (struct xpkt_iface){.ifindex = IF_VIF,
						      .name = "vif1.0",
						      .kind = XPKT_DEV_VIF,
						      .domid = GUEST_DOMID,
						      .handle = VIF_HANDLE};

	for (unsigned i = 0; i < m->nsources && o->pmu != XPKT_SYNTH_PMU_OFF; i++) {
		struct xpkt_pmu_info *pi = &m->sources[i].pmu;

		pi->known = 1;
		pi->available = o->pmu == XPKT_SYNTH_PMU_ON;
		if (!pi->available) {
			snprintf(pi->reason, sizeof(pi->reason),
				 "synth --pmu=unavailable: generated as a machine without a "
				 "hardware PMU");
			continue;
		}
		pi->ncounters = XPKT_PMU_MAX;
		for (unsigned c = 0; c < XPKT_PMU_MAX; c++)
			snprintf(pi->counters[c], sizeof(pi->counters[c]), "%s",
				 xpkt_synth_pmu_counters[c]);
	}

	s = &m->sources[m->nsources++];
	snprintf(s->name, sizeof(s->name), "xen");
	s->domain = XPKT_DOM_XEN;
	s->domid = XPKT_DOMID_NONE;
	snprintf(s->format, sizeof(s->format), "xentrace");
	snprintf(s->file, sizeof(s->file), "xen.trace");
	snprintf(s->clock_name, sizeof(s->clock_name), "tsc");
	s->clock = XPKT_CLOCK_TSC;
	snprintf(s->offset_from, sizeof(s->offset_from), "none");
	s->lost_events = sim_sink_lost(sink, SIM_XEN);

	s = &m->sources[m->nsources++];
	snprintf(s->name, sizeof(s->name), "wire");
	s->domain = XPKT_DOM_WIRE;
	s->domid = XPKT_DOMID_NONE;
	snprintf(s->format, sizeof(s->format), "pcap");
	snprintf(s->file, sizeof(s->file), "wire.pcap");
	snprintf(s->clock_name, sizeof(s->clock_name), "%s", offsets ? "realtime" : "mono");
	s->clock = XPKT_CLOCK_NS;
	s->offset_ns = cfg->wire_offset_ns;
	snprintf(s->offset_from, sizeof(s->offset_from), "%s", offsets ? "recorder" : "none");
	s->lost_events = sim_sink_lost(sink, SIM_WIRE);
	if (o->pmu_sim) {
		/* last: a record sharing a ns with a stage event is merged after it */
		s = &m->sources[m->nsources++];
		snprintf(s->name, sizeof(s->name), "pmu");
		s->domain = XPKT_DOM_XEN; /* its CPUs are Xen's physical CPUs */
		s->domid = XPKT_DOMID_NONE;
		snprintf(s->format, sizeof(s->format), "pmu-sim");
		snprintf(s->file, sizeof(s->file), "%s", SIM_PMUSIM_FILE);
		snprintf(s->clock_name, sizeof(s->clock_name), "tsc");
		s->clock = XPKT_CLOCK_TSC;
		s->tsc_offset = SIM_PMUSIM_TSC_OFFSET;
		snprintf(s->offset_from, sizeof(s->offset_from), "recorder");
	}
}

static void results_from_manifest(const struct xpkt_manifest *m, struct xpkt_results *r)
{
	r->nlost = r->nclocks = 0;
	for (unsigned i = 0; i < m->nsources; i++) {
		const struct xpkt_source *s = &m->sources[i];
		struct xpkt_clock_alignment *c = &r->clocks[r->nclocks++];

		snprintf(r->lost[r->nlost].source, sizeof(r->lost[0].source), "%s", s->name);
		r->lost[r->nlost++].events = s->lost_events;
		snprintf(c->source, sizeof(c->source), "%s", s->name);
		snprintf(c->clock, sizeof(c->clock), "%s", s->clock_name);
		c->offset = s->clock == XPKT_CLOCK_TSC ? s->tsc_offset : s->offset_ns;
		snprintf(c->offset_from, sizeof(c->offset_from), "%s", s->offset_from);
		c->min_causal_gap_ns = INT64_MAX;
		c->inversions = 0;
	}
	r->events_read = 0;
	r->max_in_flight = 0;
	xpkt_results_pmu_from_manifest(r, m);
}

static int write_truth(const char *dir, const struct xpkt_results *r, const struct xpkt_manifest *m,
		       struct xpkt_err *err)
{
	char path[4200];
	struct afile af;

	if (xpkt_bundle_path(path, sizeof(path), dir, "truth.json"))
		return xpkt_err_set(err, "%s: path too long", dir);
	if (afile_open(&af, path, err))
		return -1;
	if (xpkt_report_json(af.fp, r, m)) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: cannot write", path);
	}
	return afile_commit(&af, err);
}

/* --- the run -----------------------------------------------------------------------------------
 */

static int setup(struct gen *g, const struct xpkt_synth_opts *o, uint64_t start_ns,
		 struct xpkt_err *err)
{
	unsigned nrx, ntx;
	int reuse_skb = !!(o->hazards & XPKT_HZ_SKB_REUSE);

	if (rules_init(g, err))
		return -1;
	nrx = (unsigned)(o->flows * o->rx_share + 0.5);
	if (o->rx_share > 0 && nrx == 0)
		nrx = 1;
	if (o->rx_share < 1 && nrx == o->flows)
		nrx = o->flows - 1;
	ntx = o->flows - nrx;
	if (o->rx_share > 0 && o->rx_share < 1 && (nrx == 0 || ntx == 0))
		return xpkt_err_set(err, "synth: need at least 2 flows for traffic both ways");
	g->nflows[XPKT_TX] = ntx;
	g->nflows[XPKT_RX] = nrx;
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		g->flows[d] = calloc(g->nflows[d] ? g->nflows[d] : 1, sizeof(struct flow));
		if (!g->flows[d])
			return xpkt_err_set(err, "synth: out of memory");
		for (unsigned i = 0; i < g->nflows[d]; i++) {
			struct flow *f = &g->flows[d][i];

			f->f.proto = 6;
			if (d == XPKT_TX) {
				f->f.saddr = GUEST_ADDR;
				f->f.daddr = PEER_ADDR;
				f->f.sport = (uint16_t)(40000 + i);
				f->f.dport = 5201; /* iperf3 */
			} else {
				f->f.saddr = PEER_ADDR;
				f->f.daddr = GUEST_ADDR;
				f->f.sport = 5201;
				f->f.dport = (uint16_t)(50000 + i);
			}
			/* random ISNs: some flows wrap 2^32 */
			f->seq = (uint32_t)sim_rng_next(&g->rng);
			f->ip_id = (uint16_t)sim_rng_next(&g->rng);
		}
	}
	g->skb_pool[0] =
	    (struct pool){.base = 0xffff888004a00000ull, .stride = 0x100, .reuse = reuse_skb};
	g->skb_pool[1] =
	    (struct pool){.base = 0xffff88800b300000ull, .stride = 0x100, .reuse = reuse_skb};
	for (unsigned q = 0; q < NQ; q++) {
		g->req_pool[q] = (struct pool){.base = 0, .stride = 1, .reuse = 1};
		/* free-running indices start anywhere; one queue starts near 2^32 */
		g->tx_ring[q] = q ? 0xffffff00u : (uint32_t)sim_rng_below(&g->rng, 1u << 20);
		g->rx_ring[q] = (uint32_t)sim_rng_below(&g->rng, 1u << 20);
	}
	g->gref_pool =
	    (struct pool){.base = 0x200, .stride = 1, .reuse = !!(o->hazards & XPKT_HZ_GREF_REUSE)};
	for (unsigned c = 0; c < SIM_XEN_NCPUS; c++)
		g->noise_next[c] = start_ns - 999; /* odd, before the first packet */
	return 0;
}

static void teardown(struct gen *g)
{
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		free(g->flows[d]);
	for (int k = 0; k < 2; k++)
		free(g->skb_pool[k].v);
	for (unsigned q = 0; q < NQ; q++)
		free(g->req_pool[q].v);
	free(g->gref_pool.v);
	for (int s = 0; s < SIM_NSRC; s++)
		for (int c = 0; c < SIM_LINUX_CPUS; c++)
			sim_loss_free(g->cfg.loss[s][c]);
}

int xpkt_synth_generate(const struct xpkt_synth_opts *o, struct xpkt_results *truth,
			struct xpkt_err *err)
{
	struct gen *g;
	struct xpkt_manifest *m = NULL;
	struct xpkt_results *res = NULL;
	uint64_t start, next, done = 0, last_progress = 0;
	struct xpkt_dist gap;
	int rc = -1;

	if (!o->out_dir || !*o->out_dir)
		return xpkt_err_set(err, "synth: no output directory");
	if (o->packets == 0 || o->flows == 0 || !(o->rx_share >= 0 && o->rx_share <= 1) ||
	    !(o->drop_rate >= 0 && o->drop_rate <= 1) || !(o->loss_rate >= 0 && o->loss_rate < 0.5))
		return xpkt_err_set(err, "synth: bad options (packets and flows > 0, rx share and "
					 "drop rate in [0, 1], loss rate in [0, 0.5))");
	if (prepare_dir(o->out_dir, err))
		return -1;
	g = calloc(1, sizeof(*g));
	m = calloc(1, sizeof(*m));
	res = calloc(1, sizeof(*res));
	if (!g || !m || !res) {
		xpkt_err_set(err, "synth: out of memory");
		goto out;
	}
	g->o = o;
	sim_rng_seed(&g->rng, o->seed);
	/* host uptime ~1000 s: guest TSC origin and wall clock differ from it */
	start = 1000000000000ull + 2 * sim_rng_below(&g->rng, 500000000);
	g->cfg.dir = o->out_dir;
	g->cfg.tsc_hz = TSC_HZ;
	g->cfg.snaplen = 80;
	memcpy(g->cfg.guest_mac, (uint8_t[6]){0x00, 0x16, 0x3e, 0x5e, 0x00, 0x02}, 6);
	memcpy(g->cfg.peer_mac, (uint8_t[6]){0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, 6);
	if (o->hazards & XPKT_HZ_CLOCK_OFFSET) {
		g->cfg.guest_tsc_offset =
		    -(int64_t)(100000000000ull + sim_rng_below(&g->rng, 1ull << 40));
		g->cfg.wire_offset_ns =
		    1700000000000000000ll + (int64_t)sim_rng_below(&g->rng, 1ull << 56);
	}
	if (o->hazards & XPKT_HZ_LOST_EVENTS)
		for (int s = 0; s < SIM_NSRC; s++)
			for (int c = 0; c < SIM_LINUX_CPUS; c++)
				if (s != SIM_WIRE && o->loss_rate > 0) {
					g->cfg.loss[s][c] = sim_loss_new(o->seed * 1000003u +
									     (uint64_t)(s * 16 + c),
									 o->loss_rate, start);
					if (!g->cfg.loss[s][c]) {
						xpkt_err_set(err, "synth: out of memory");
						goto out_gen;
					}
				}
	if (setup(g, o, start, err))
		goto out_gen;
	g->truth = sim_truth_new(err);
	if (!g->truth)
		goto out_gen;
	g->npmu = o->pmu == XPKT_SYNTH_PMU_ON ? XPKT_PMU_MAX : 0;
	sim_truth_set_pmu(g->truth, g->npmu);
	if (o->pmu_sim)
		sim_truth_set_pmusim(g->truth, GUEST_DOMID, DOM0_DOMID);
	sim_rng_seed(&g->pmu_rng, o->seed ^ 0x706d75706d75706dull);
	sim_rng_seed(&g->hot_rng, o->seed ^ 0x686f7473706f7473ull);
	g->sink = sim_sink_open(&g->cfg, g->truth, err);
	if (!g->sink)
		goto out_gen;

	next = start;
	while (done < o->packets) {
		enum xpkt_dir d = sim_rng_unit(&g->rng) < o->rx_share ? XPKT_RX : XPKT_TX;
		unsigned k = o->hazards & XPKT_HZ_NOTIFY_BATCH
				 ? 1 + (unsigned)sim_rng_below(&g->rng, MAX_BATCH)
				 : 1;
		unsigned q = (unsigned)sim_rng_below(&g->rng, NQ);

		if (!g->nflows[d])
			d = d == XPKT_RX ? XPKT_TX : XPKT_RX;
		if (k > o->packets - done)
			k = (unsigned)(o->packets - done);
		if (xen_noise(g, next) || sim_sink_flush(g->sink, next, &g->err) ||
		    plan_batch(g, d, q, k, next))
			goto fail;
		settle_batch(g, d, k);
		if (assign_ids(g, d, k) || emit_batch(g, d, k) || truth_batch(g, d, k))
			goto fail;
		done += k;
		gap = (struct xpkt_dist){XPKT_DIST_EXP, PKT_GAP_NS * k, 0};
		next = at(next, sim_dist_draw(&gap, &g->rng), 0);
		if (o->progress &&
		    (done - last_progress >= o->packets / 100 || done == o->packets)) {
			o->progress(done, o->packets, o->progress_arg);
			last_progress = done;
		}
	}
	if (sim_sink_finish(g->sink, &g->err))
		goto fail;
	if (o->pmu_sim && sim_pmusim_write(o->out_dir, start, sim_sink_last_ns(g->sink), TSC_HZ,
					   SIM_PMUSIM_TSC_OFFSET, &g->err))
		goto fail;
	if (o->stats) {
		memset(o->stats, 0, sizeof(*o->stats));
		o->stats->packets = done;
		o->stats->peak_buffered = sim_sink_peak_items(g->sink);
		for (int s = 0; s < SIM_NSRC; s++) {
			o->stats->lost[s] = sim_sink_lost(g->sink, (enum sim_src)s);
			o->stats->events[s] = sim_sink_written(g->sink, (enum sim_src)s);
		}
	}
	build_manifest(o, &g->cfg, g->sink, m);
	rc = sim_sink_close(g->sink, 0, err);
	g->sink = NULL;
	if (rc)
		goto out_gen;
	rc = -1;
	if (sim_truth_finish(g->truth, res, err))
		goto out_gen;
	results_from_manifest(m, res);
	if (o->pmu_sim)
		snprintf(res->sim_model, sizeof(res->sim_model),
			 "l1i=32K:8:64 l1d=32K:8:64 l2=1M:16:64 itlb=64:4 dtlb=64:4");
	if (xpkt_manifest_write(o->out_dir, m, err) || write_truth(o->out_dir, res, m, err))
		goto out_gen;
	if (o->pmu_sim && sim_pmusim_write_annot_truth(o->out_dir, g->truth, err))
		goto out_gen;
	if (truth)
		*truth = *res;
	rc = 0;
	goto out_gen;
fail:
	*err = g->err;
out_gen:
	if (g->sink)
		sim_sink_close(g->sink, 1, NULL);
	sim_truth_free(g->truth);
	teardown(g);
out:
	free(g);
	free(m);
	free(res);
	return rc;
}
