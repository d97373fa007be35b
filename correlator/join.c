// SPDX-License-Identifier: GPL-2.0
/*
 * join.c - packets in flight, identity keys, attach rules (see join.h and
 * docs/correlation.md). Every decision is driven by the stage table: the
 * dispatch tables below are built from its rows at start, and no stage is
 * named in code.
 *
 * Data structures, all indexed by 32-bit slot numbers so they can grow by
 * realloc without dangling pointers:
 *  - pk[]: packet slots, reused through a free list; a slot's gen changes
 *    when its packet ends, and every key entry records the gen it was set
 *    with, so a key left pointing at an ended packet finds nothing.
 *  - keytab: one open-addressing (linear probing, backward-shift delete)
 *    hash of every exact key; SEQ_RANGE entries map a flow to a short list
 *    of seq ranges in rn[].
 *  - an LRU list of live packets by last attach time: the idle timeout pops
 *    its head, and since trace time only moves forward the list stays sorted.
 *  - wait lists per (window kind, domid) for the SWITCH_IN and UNMAP_CALL
 *    rows: Xen records carry no packet identity, only which domain runs.
 *  - native mode's receive queues (FLOW_BYTES rows): per (kernel, flow) a
 *    ring of the byte counts TCP queued for reading, in arrival order; a
 *    STREAM key maps a receive skb to its flow's ring. A ring holds only
 *    bytes not yet copied, so it follows the packets in flight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlator/correlate.h"
#include "correlator/hist.h"
#include "correlator/join.h"
#include "correlator/samples.h"
#include "correlator/simannot.h"
#include "correlator/simpmu.h"
#include "correlator/simscale.h"
#include "tracepoints/drop_reasons.h"
#include "tracepoints/stage.h"

#define NIL	      UINT32_MAX
#define MAX_PKT_KEYS  8
#define MAX_CANDS     4
#define SLOT_SCAN_MAX 4096 /* wider notify ranges scan the packets instead */
#define KEYBIT(k)     (1u << (k))
/* Internal key type: (kernel domid, flow) -> its receive queue (not a stage key). */
#define KEY_FLOWQ XPKT_KEY_COUNT
/*
 * Receive-queue entries per flow at most: bytes TCP holds unread are bounded
 * by the socket's receive buffer (tcp_rmem max, 6 MB by default, 4096 full
 * 1448-byte segments), so a longer queue means copies were not recorded;
 * the oldest entry is then dropped.
 */
#define FLOWQ_MAX (1u << 16)
/*
 * Native mode: the largest Ethernet + IPv4 + TCP header (14 + 60 + 60 bytes).
 * Device tracepoints carry skb->len but no TCP header, so a frame of at most
 * this length that matches no packet is taken for a pure ACK of the reverse
 * direction (which crosses the same veth and bridge-port kinds) and is not
 * counted as unattributed. It only changes that count, never an attach.
 */
#define NATIVE_HDR_MAX_BYTES 134

/* Window kinds: which wait list a SWITCH_IN / UNMAP_CALL row uses. */
enum { WAIT_SWITCH = 0, WAIT_UNMAP = 1, WAIT_KINDS };

/* Why a packet ended. */
enum { END_TERMINAL, END_DROP, END_IDLE, END_TRACE, END_MERGED };

/*
 * Keys whose life ends when the one stage that looks them up attaches
 * (docs/correlation.md section 4, "ended by"): a TX response frees its request
 * id, an unmap frees the grant. (A wire segment's FLOW_SEQ lives on with its
 * packet: a GRO head's receive looks up the segments that follow it.)
 * Ending them early changes no lookup (the packet already has that stage) but
 * keeps the table small.
 */
static const uint8_t key_ends_on_attach[XPKT_KEY_COUNT] = {
    [XPKT_KEY_REQ_ID] = 1,
    [XPKT_KEY_GREF] = 1,
};

struct jkey {
	uint64_t a, b;
	uint32_t c;
	uint32_t type; /* enum xpkt_key; 0 marks an empty table slot */
};

struct kent {
	uint64_t a, b;
	uint32_t c;
	uint8_t type;
	uint8_t setter; /* stage index (in the packet's direction) that set it */
	uint16_t pad;
	uint32_t val; /* packet slot, or for SEQ_RANGE the first range node */
	uint32_t gen; /* the packet's gen when set */
};

struct keytab {
	struct kent *e;
	uint32_t mask;
	uint32_t used;
	unsigned shift;
};

/* One seq range of a flow: [start, start + len) mod 2^32. */
struct rnode {
	uint32_t start, len;
	uint32_t pkt, gen;
	uint32_t next;
	uint8_t setter;
};

struct pkt {
	uint32_t gen;
	uint8_t live;
	uint8_t dir;
	uint8_t nkeys;
	int8_t wrow;	   /* row this packet waits for, or -1 */
	uint16_t attached; /* bit per stage index */
	uint16_t frontend; /* the guest's domid */
	uint32_t lru_prev, lru_next;
	uint32_t w_prev, w_next, wlist;
	uint32_t range;	    /* its seq-range node, or NIL */
	uint32_t bytes;	    /* APPENDS origins: sum of the origin events' len */
	uint32_t seq, plen; /* origin's seq and payload bytes (GRO_HEAD rows) */
	uint8_t nslots;	    /* PER_SLOT: slots claimed by the terminal row's key_from row */
	uint8_t ndone;	    /* PER_SLOT: of those, answered by the terminal row's events */
	uint64_t last_ns;
	/*
	 * The packet's latest attach made by an event of a Linux kernel, where
	 * a stage interval for PC samples starts (samples.h), and its hotspot
	 * kprobe calls since then, for the next such stage (section 12).
	 */
	uint64_t run_ns;
	uint16_t run_cpu;
	uint8_t run_src, hot_dom;
	uint32_t hot_pend[XPKT_HOT_COUNT];
	uint64_t hot_pend_bytes[XPKT_HOT_COUNT];
	uint64_t ts[XPKT_MAX_STAGES];
	uint8_t src[XPKT_MAX_STAGES];
	struct jkey keys[MAX_PKT_KEYS];
};

struct cand {
	uint8_t dir, row;
};

/*
 * PMU values a packet's stages were read with (section 11), parallel to
 * pk[] and allocated at the first PMU record: a trace without counters
 * costs nothing. gen is the packet's when the values were set, so a reused
 * slot reads as "no values".
 */
struct pkt_pmu {
	uint32_t gen;
	uint16_t have; /* bit per stage index */
	uint16_t cpu[XPKT_MAX_STAGES];
	uint8_t src[XPKT_MAX_STAGES];
	uint64_t v[XPKT_MAX_STAGES][XPKT_PMU_MAX];
};

/*
 * What a packet record (correlate.h) needs beyond struct pkt, parallel to
 * pk[] and allocated only when a packet sink is set: without one, nothing.
 * gen is the packet's when it was created, so a reused slot starts afresh.
 */
struct pkt_exp {
	uint32_t gen;
	uint16_t has_lat; /* bit per stage: a latency sample was taken */
	uint8_t have_flow;
	uint16_t cpu[XPKT_MAX_STAGES];
	int64_t lat[XPKT_MAX_STAGES];
	uint64_t id;
	struct xpkt_flow flow;
	uint32_t seq;
	uint32_t hot_calls[XPKT_HOT_COUNT];
	uint64_t hot_bytes[XPKT_HOT_COUNT];
};

/*
 * One stage the current event attached, with what its delta needs from the
 * previous attached stage, copied at attach time: a terminal stage ends (and
 * frees) the packet before its PMU record is read.
 */
struct pmu_att {
	uint32_t p, gen;
	uint8_t dir, s;
	uint8_t prev_have, prev_src;
	uint16_t prev_cpu;
	uint64_t prev_v[XPKT_PMU_MAX];
};

/* Bytes of one received segment still to be copied, and its packet (or NIL). */
struct qent {
	uint32_t pkt, gen;
	uint32_t bytes;
};

/* One flow's receive queue: a ring with free-running positions. */
struct flowq {
	struct qent *q;
	uint32_t cap; /* power of two, or 0 */
	uint32_t head, tail;
};

struct dirinfo {
	const struct xpkt_stage *st;
	unsigned n;
	uint16_t required;
	uint16_t waiters[XPKT_MAX_STAGES]; /* rows with a window opened by stage i */
	uint8_t wait_kind[XPKT_MAX_STAGES];
	uint8_t wait_peer_guest[XPKT_MAX_STAGES]; /* SWITCH_IN: peer is the frontend */
	int8_t skb_last_user[XPKT_MAX_STAGES];	  /* SKB setter -> last row looking it up */
};

struct guest_addr {
	uint32_t addr;
	uint16_t domid;
};

struct xpkt_joiner {
	const struct xpkt_manifest *m;
	uint64_t idle_ns;
	unsigned mode;
	uint16_t driver_domid;
	struct dirinfo d[XPKT_DIR_COUNT];
	struct cand cands[XPKT_EV_MAX][MAX_CANDS];
	uint8_t ncands[XPKT_EV_MAX];

	struct guest_addr gaddr[XPKT_MAX_SOURCES * XPKT_MAX_ADDRS];
	unsigned ngaddr;

	struct pkt *pk;
	uint32_t npk, cappk, free_head;
	uint32_t lru_head, lru_tail;
	uint64_t in_flight, max_in_flight;

	struct keytab kt;
	struct rnode *rn;
	uint32_t nrn, caprn, rn_free;

	uint32_t *wait_head; /* [WAIT_KINDS * 65536] */

	struct flowq *fq; /* receive queues, indexed by the KEY_FLOWQ entry's val */
	uint32_t nfq, capfq;

	struct xpkt_hist *hist[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t unattributed[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	/* events matching each row, attached or not, and their len (results' events) */
	uint64_t row_events[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t row_bytes[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	/* hotspot kprobes per recording domain (diag/) and the driver domain's flush records */
	uint64_t hot_calls[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	uint64_t hot_bytes[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	/* and their attribution (section 12): to stages, to no packet, after the last stage */
	uint64_t hot_st_calls[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_HOT_COUNT];
	uint64_t hot_st_bytes[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_HOT_COUNT];
	uint64_t hot_no_packet[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	uint64_t hot_after_end[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	struct xpkt_samples *sa; /* PC samples; NULL until the first one */
	struct xpkt_simpmu *sp;	 /* pmu-sim deltas (section 13); NULL without that source */
	/* pmu-sim listeners, made at their first event (section 14, scaling) */
	struct xpkt_simannot *an;
	struct xpkt_simscale *sc;
	/*
	 * Per source, the first source recording the same kernel (domain and
	 * domid): a kernel's PC samples come in a source of their own (format
	 * perf) and its stage events in another, yet a CPU of that kernel is one
	 * timeline for both.
	 */
	uint8_t kern[XPKT_MAX_SOURCES];
	/* enum xpkt_hot of each event id, -1 for the rest: looked up once, not per event */
	int8_t hot_of[XPKT_EV_MAX];
	uint64_t rcv_truesize_segs[XPKT_DOM_COUNT], rcv_truesize_payload[XPKT_DOM_COUNT];
	uint64_t rcv_truesize_bytes[XPKT_DOM_COUNT];
	/* origin payload and time span per direction (results.h) */
	uint64_t origin_bytes[XPKT_DIR_COUNT];
	uint64_t origin_first_ns[XPKT_DIR_COUNT], origin_last_ns[XPKT_DIR_COUNT];
	uint64_t flush_records, flush_ops;
	struct xpkt_packet_counts counts[XPKT_DIR_COUNT];
	struct xpkt_clock_alignment clocks[XPKT_MAX_SOURCES];
	uint64_t segments;
	/*
	 * The driver domain's latest grant-unmap hypercall (UNMAP_CALL rows),
	 * or, once the trace has shown one, its latest TLB flush record
	 * (xen-patch/: TRC_MEM_GNTTAB_FLUSH, the end of the flush itself). A
	 * trace with flush records times the stage by them alone: the row is
	 * then measured, not inferred (results' inferred flag).
	 */
	uint64_t unmap_ns;
	uint8_t unmap_src, have_unmap, flush_measured;
	uint16_t unmap_cpu; /* the hypercall's (or flush's) physical CPU */
	int oom;

	/* PMU deltas (section 11) */
	int pmu_skip; /* > 0: an attach not made by the event itself (a Xen window's) */
	uint64_t last_ts;
	uint16_t last_cpu;
	int last_src; /* source of the latest non-PMU event, -1 none */
	struct pmu_att *att;
	uint32_t natt, capatt;
	struct pkt_pmu *pm;
	uint32_t cappm;
	uint8_t pmu_ok[XPKT_MAX_SOURCES]; /* its counters are the results' counters */
	unsigned npmu;
	struct xpkt_hist *pmu_hist[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_PMU_MAX];
	uint64_t pmu_sum[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_PMU_MAX];
	uint64_t pmu_cross[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t pmu_unpaired[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	uint64_t pmu_records, pmu_orphans;

	/* Packet records (xpkt_join_set_sink); ex is NULL without a sink. */
	void (*sink)(const struct xpkt_packet_rec *, void *);
	void *sink_arg;
	struct pkt_exp *ex;
	uint32_t capex;
	uint64_t next_id;
};

/* ------------------------------------------------------------------------ */
/* Key hash table                                                            */

static inline uint64_t key_hash(uint64_t a, uint64_t b, uint32_t c, uint32_t type)
{
	uint64_t h =
	    a * 0x9e3779b97f4a7c15ull ^ (b + ((uint64_t)c << 8 | type)) * 0xc2b2ae3d27d4eb4full;

	h ^= h >> 31;
	return h * 0x165667b19e3779f9ull;
}

static int kt_init(struct keytab *t, unsigned log2)
{
	t->e = calloc((size_t)1 << log2, sizeof(*t->e));
	if (!t->e)
		return -1;
	t->mask = (1u << log2) - 1;
	t->shift = 64 - log2;
	t->used = 0;
	return 0;
}

static inline uint32_t kt_home(const struct keytab *t, const struct kent *e)
{
	return (uint32_t)(key_hash(e->a, e->b, e->c, e->type) >> t->shift);
}

static struct kent *kt_find(const struct keytab *t, const struct jkey *k)
{
	uint32_t i = (uint32_t)(key_hash(k->a, k->b, k->c, k->type) >> t->shift);

	for (;; i = (i + 1) & t->mask) {
		struct kent *e = &t->e[i];

		if (!e->type)
			return NULL;
		if (e->a == k->a && e->b == k->b && e->c == k->c && e->type == k->type)
			return e;
	}
}

static int kt_grow(struct keytab *t)
{
	struct keytab n;

	if (kt_init(&n, 64 - t->shift + 1))
		return -1;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct kent *e = &t->e[i];
		uint32_t j;

		if (!e->type)
			continue;
		for (j = kt_home(&n, e); n.e[j].type; j = (j + 1) & n.mask)
			;
		n.e[j] = *e;
		n.used++;
	}
	free(t->e);
	*t = n;
	return 0;
}

/* The entry for k, created empty (val NIL) if absent; NULL when out of memory. */
static struct kent *kt_insert(struct keytab *t, const struct jkey *k)
{
	uint32_t i;

	if ((t->used + 1) * 2 > t->mask + 1 && kt_grow(t))
		return NULL;
	for (i = (uint32_t)(key_hash(k->a, k->b, k->c, k->type) >> t->shift);;
	     i = (i + 1) & t->mask) {
		struct kent *e = &t->e[i];

		if (!e->type) {
			e->a = k->a;
			e->b = k->b;
			e->c = k->c;
			e->type = (uint8_t)k->type;
			e->val = NIL;
			e->gen = 0;
			e->setter = 0;
			t->used++;
			return e;
		}
		if (e->a == k->a && e->b == k->b && e->c == k->c && e->type == k->type)
			return e;
	}
}

static void kt_remove(struct keytab *t, struct kent *del)
{
	uint32_t i = (uint32_t)(del - t->e), j = i;

	/* Backward shift: pull later entries of the probe run into the hole. */
	for (;;) {
		uint32_t h;

		j = (j + 1) & t->mask;
		if (!t->e[j].type)
			break;
		h = kt_home(t, &t->e[j]);
		/* Entry j may move to i only if its home is not in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		t->e[i] = t->e[j];
		i = j;
	}
	t->e[i].type = 0;
	t->used--;
}

/* ------------------------------------------------------------------------ */
/* Keys from events                                                          */

static inline uint64_t flow_a(const struct xpkt_flow *f)
{
	return (uint64_t)f->saddr << 32 | f->daddr;
}

static inline uint64_t flow_b(const struct xpkt_flow *f)
{
	return (uint64_t)f->sport << 48 | (uint64_t)f->dport << 32 | f->proto;
}

/* The key of type t an event carries; for slots, ring index idx. */
static void key_of(struct jkey *k, enum xpkt_key t, const struct xpkt_event *ev, uint32_t idx)
{
	k->type = t;
	k->c = 0;
	k->b = 0;
	switch (t) {
	case XPKT_KEY_SKB:
	case XPKT_KEY_STREAM:
		/* Addresses are per kernel: the recording domain scopes them. */
		k->a = ev->skb;
		k->b = ev->src_domid;
		break;
	case XPKT_KEY_TX_SLOT:
	case XPKT_KEY_RX_SLOT:
		k->a = (uint64_t)ev->domid << 48 | (uint64_t)ev->handle << 32 | idx;
		k->b = ev->queue;
		break;
	case XPKT_KEY_REQ_ID:
		k->a = (uint64_t)ev->domid << 32 | (uint64_t)ev->queue << 16 | ev->req_id;
		break;
	case XPKT_KEY_GREF:
		k->a = (uint64_t)ev->domid << 32 | ev->gref;
		break;
	case XPKT_KEY_FLOW_SEQ:
		k->a = flow_a(&ev->flow);
		k->b = flow_b(&ev->flow);
		k->c = ev->seq;
		break;
	case XPKT_KEY_SEQ_RANGE:
		k->a = flow_a(&ev->flow);
		k->b = flow_b(&ev->flow);
		break;
	default:
		k->a = 0;
		break;
	}
}

/* ------------------------------------------------------------------------ */
/* Packets                                                                   */

static inline int pkt_alive(const struct xpkt_joiner *j, uint32_t p, uint32_t gen)
{
	return p < j->npk && j->pk[p].live && j->pk[p].gen == gen;
}

/* Key types whose value is a packet slot (the others map to ranges or queues). */
static int key_is_pkt(unsigned type)
{
	return type != XPKT_KEY_SEQ_RANGE && type != XPKT_KEY_STREAM && type != KEY_FLOWQ;
}

/*
 * kt_insert, but before the table grows, entries left pointing at ended
 * packets are dropped: a packet records in keys[] (and removes when it ends)
 * only the keys of its stages' first events, so the keys of its further
 * ring slots (PER_SLOT rows) and ring slots never reused stay behind until
 * such a sweep. Growing to a quarter load afterwards keeps it amortized.
 */
static struct kent *jk_insert(struct xpkt_joiner *j, const struct jkey *k)
{
	struct keytab *t = &j->kt;

	if ((t->used + 1) * 2 > t->mask + 1 && !kt_find(t, k)) {
		struct keytab n;
		unsigned log2 = 64 - t->shift;

		if (kt_init(&n, log2))
			return NULL;
		for (uint32_t i = 0; i <= t->mask; i++) {
			struct kent *e = &t->e[i];
			uint32_t h;

			if (!e->type || (key_is_pkt(e->type) && !pkt_alive(j, e->val, e->gen)))
				continue;
			for (h = kt_home(&n, e); n.e[h].type; h = (h + 1) & n.mask)
				;
			n.e[h] = *e;
			n.used++;
		}
		free(t->e);
		*t = n;
		if (t->used * 4 > t->mask + 1 && kt_grow(t))
			return NULL;
	}
	return kt_insert(t, k);
}

static uint32_t pkt_alloc(struct xpkt_joiner *j)
{
	uint32_t p;

	if (j->free_head != NIL) {
		p = j->free_head;
		j->free_head = j->pk[p].lru_next;
	} else {
		if (j->npk == j->cappk) {
			uint32_t cap = j->cappk ? j->cappk * 2 : 1024;
			struct pkt *n = realloc(j->pk, (size_t)cap * sizeof(*n));

			if (!n)
				return NIL;
			j->pk = n;
			j->cappk = cap;
		}
		p = j->npk++;
		j->pk[p].gen = 0;
	}
	return p;
}

static void lru_unlink(struct xpkt_joiner *j, uint32_t p)
{
	struct pkt *k = &j->pk[p];

	if (k->lru_prev != NIL)
		j->pk[k->lru_prev].lru_next = k->lru_next;
	else
		j->lru_head = k->lru_next;
	if (k->lru_next != NIL)
		j->pk[k->lru_next].lru_prev = k->lru_prev;
	else
		j->lru_tail = k->lru_prev;
}

static void lru_append(struct xpkt_joiner *j, uint32_t p)
{
	struct pkt *k = &j->pk[p];

	k->lru_next = NIL;
	k->lru_prev = j->lru_tail;
	if (j->lru_tail != NIL)
		j->pk[j->lru_tail].lru_next = p;
	else
		j->lru_head = p;
	j->lru_tail = p;
}

static void wait_stop(struct xpkt_joiner *j, uint32_t p)
{
	struct pkt *k = &j->pk[p];

	if (k->wrow < 0)
		return;
	if (k->w_prev != NIL)
		j->pk[k->w_prev].w_next = k->w_next;
	else
		j->wait_head[k->wlist] = k->w_next;
	if (k->w_next != NIL)
		j->pk[k->w_next].w_prev = k->w_prev;
	k->wrow = -1;
}

static void wait_start(struct xpkt_joiner *j, uint32_t p, unsigned row, uint32_t list)
{
	struct pkt *k = &j->pk[p];

	wait_stop(j, p);
	k->wrow = (int8_t)row;
	k->wlist = list;
	k->w_prev = NIL;
	k->w_next = j->wait_head[list];
	if (k->w_next != NIL)
		j->pk[k->w_next].w_prev = p;
	j->wait_head[list] = p;
}

/* ------------------------------------------------------------------------ */
/* Seq ranges (nic_transmit's GSO skb -> wire segments)                       */

static uint32_t rn_alloc(struct xpkt_joiner *j)
{
	uint32_t r;

	if (j->rn_free != NIL) {
		r = j->rn_free;
		j->rn_free = j->rn[r].next;
		return r;
	}
	if (j->nrn == j->caprn) {
		uint32_t cap = j->caprn ? j->caprn * 2 : 1024;
		struct rnode *n = realloc(j->rn, (size_t)cap * sizeof(*n));

		if (!n)
			return NIL;
		j->rn = n;
		j->caprn = cap;
	}
	return j->nrn++;
}

static int range_overlap(uint32_t s1, uint32_t l1, uint32_t s2, uint32_t l2)
{
	return (uint32_t)(s2 - s1) < l1 || (uint32_t)(s1 - s2) < l2;
}

/* Unlinks node r from the flow entry e (removing e when it empties). */
static void range_unlink(struct xpkt_joiner *j, struct kent *e, uint32_t r)
{
	uint32_t *pp = &e->val;

	while (*pp != NIL && *pp != r)
		pp = &j->rn[*pp].next;
	if (*pp == NIL)
		return;
	*pp = j->rn[r].next;
	j->rn[r].next = j->rn_free;
	j->rn_free = r;
	if (e->val == NIL)
		kt_remove(&j->kt, e);
}

static int range_set(struct xpkt_joiner *j, uint32_t p, unsigned setter,
		     const struct xpkt_event *ev)
{
	struct jkey k;
	struct kent *e;
	uint32_t r, *pp;

	if (!ev->len)
		return 0; /* an empty range holds no segment */
	key_of(&k, XPKT_KEY_SEQ_RANGE, ev, 0);
	e = jk_insert(j, &k);
	if (!e)
		return -1;
	/* Setting a key again replaces the old mapping: drop overlapped ranges. */
	for (pp = &e->val; *pp != NIL;) {
		struct rnode *o = &j->rn[*pp];

		if (range_overlap(o->start, o->len, ev->seq, ev->len)) {
			uint32_t dead = *pp;

			if (pkt_alive(j, o->pkt, o->gen))
				j->pk[o->pkt].range = NIL;
			*pp = o->next;
			j->rn[dead].next = j->rn_free;
			j->rn_free = dead;
		} else {
			pp = &o->next;
		}
	}
	r = rn_alloc(j);
	if (r == NIL) {
		if (e->val == NIL)
			kt_remove(&j->kt, e);
		return -1;
	}
	/* rn may have moved; e did not (no keytab insert since). */
	j->rn[r] = (struct rnode){.start = ev->seq,
				  .len = ev->len,
				  .pkt = p,
				  .gen = j->pk[p].gen,
				  .next = e->val,
				  .setter = (uint8_t)setter};
	e->val = r;
	j->pk[p].range = r;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Ending                                                                    */

/*
 * Packet records. exp_note: stage s of p attaches with ev (below: the
 * stages attached before it, as the latency sample was taken).
 */
static int exp_note(struct xpkt_joiner *j, uint32_t p, unsigned s, const struct xpkt_event *ev,
		    uint16_t below)
{
	const struct pkt *k = &j->pk[p];
	struct pkt_exp *x;

	if (j->capex < j->cappk) {
		struct pkt_exp *n = realloc(j->ex, (size_t)j->cappk * sizeof(*n));

		if (!n)
			return -1;
		for (uint32_t i = j->capex; i < j->cappk; i++)
			n[i].gen = UINT32_MAX; /* nothing yet: the first attach starts afresh */
		j->ex = n;
		j->capex = j->cappk;
	}
	x = &j->ex[p];
	if (x->gen != k->gen || !k->attached) {
		/* the packet's first attach: create_packet's origin */
		memset(x, 0, sizeof(*x));
		x->gen = k->gen;
		x->id = ++j->next_id;
	}
	x->cpu[s] = ev->cpu;
	if (below) {
		unsigned prev = 31u - (unsigned)__builtin_clz(below);

		x->lat[s] = (int64_t)(ev->ts - k->ts[prev]);
		x->has_lat |= (uint16_t)(1u << s);
	} else if (j->d[k->dir].st[s].join == XPKT_JOIN_ORIGIN) {
		x->lat[s] = 0;
		x->has_lat |= (uint16_t)(1u << s);
	}
	if (!x->have_flow &&
	    (ev->flow.saddr || ev->flow.daddr || ev->flow.sport || ev->flow.dport)) {
		x->flow = ev->flow;
		x->seq = ev->seq;
		x->have_flow = 1;
	}
	return 0;
}

static void exp_emit(struct xpkt_joiner *j, uint32_t p, int why, uint32_t drop_reason)
{
	const struct pkt *k = &j->pk[p];
	const struct dirinfo *di = &j->d[k->dir];
	const struct pkt_exp *x;
	struct xpkt_packet_rec r;

	if (!j->ex || p >= j->capex || j->ex[p].gen != k->gen)
		return; /* never attached (cannot happen: created by an attach) */
	x = &j->ex[p];
	memset(&r, 0, sizeof(r));
	r.id = x->id;
	r.dir = (enum xpkt_dir)k->dir;
	r.frontend = k->frontend;
	r.flow = x->flow;
	r.seq = x->seq;
	r.have_flow = x->have_flow;
	r.attached = k->attached;
	memcpy(r.hot_calls, x->hot_calls, sizeof(r.hot_calls));
	memcpy(r.hot_bytes, x->hot_bytes, sizeof(r.hot_bytes));
	/* The same decision as end_packet's counts. */
	if (why == END_MERGED) {
		r.status = XPKT_PKT_MERGED;
		snprintf(r.reason, sizeof(r.reason), "GRO");
	} else if (why == END_DROP) {
		r.status = XPKT_PKT_DROPPED;
		xpkt_drop_reason_format(drop_reason, r.reason, sizeof(r.reason));
	} else if ((k->attached & di->required) == di->required) {
		r.status = XPKT_PKT_COMPLETE;
	} else {
		r.status = XPKT_PKT_PARTIAL;
		snprintf(r.reason, sizeof(r.reason), "missing %s",
			 di->st[__builtin_ctz(di->required & ~k->attached)].name);
	}
	for (unsigned s = 0; s < di->n; s++) {
		if (!(k->attached & (1u << s)))
			continue;
		r.st[s].ts_ns = k->ts[s];
		r.st[s].src = k->src[s];
		r.st[s].cpu = x->cpu[s];
		r.st[s].has_lat = !!(x->has_lat & (1u << s));
		r.st[s].lat_ns = r.st[s].has_lat ? x->lat[s] : 0;
	}
	j->sink(&r, j->sink_arg);
}

static void causal_check(struct xpkt_joiner *j, const struct pkt *k)
{
	const struct dirinfo *di = &j->d[k->dir];
	int prev = -1;

	/*
	 * Consecutive attached stages recorded by different sources. A stage
	 * recorded after its action took effect (XPKT_STAGE_AFTER_ACTION) is
	 * no "previous" stage: the next domain may legitimately act first.
	 */
	for (unsigned s = 0; s < di->n; s++) {
		if (!(k->attached & (1u << s)))
			continue;
		if (prev >= 0 && k->src[prev] != k->src[s]) {
			struct xpkt_clock_alignment *c = &j->clocks[k->src[prev]];
			int64_t gap = (int64_t)(k->ts[s] - k->ts[prev]);

			if (gap < c->min_causal_gap_ns)
				c->min_causal_gap_ns = gap;
			if (gap < 0)
				c->inversions++;
		}
		if (!(di->st[s].flags & XPKT_STAGE_AFTER_ACTION))
			prev = (int)s;
	}
}

static void end_packet(struct xpkt_joiner *j, uint32_t p, int why, uint32_t drop_reason)
{
	struct pkt *k = &j->pk[p];
	const struct dirinfo *di = &j->d[k->dir];
	struct xpkt_packet_counts *pc = &j->counts[k->dir];
	char buf[48];

	pc->total++;
	if (why == END_MERGED) {
		pc->merged++;
	} else if (why == END_DROP) {
		pc->dropped++;
		xpkt_reason_add(pc->drop_reasons, &pc->ndrop_reasons,
				xpkt_drop_reason_format(drop_reason, buf, sizeof(buf)), 1);
	} else if ((k->attached & di->required) == di->required) {
		pc->complete++;
	} else {
		unsigned miss = (unsigned)__builtin_ctz(di->required & ~k->attached);

		pc->partial++;
		snprintf(buf, sizeof(buf), "missing %s", di->st[miss].name);
		xpkt_reason_add(pc->partial_reasons, &pc->npartial_reasons, buf, 1);
	}
	causal_check(j, k);
	if (j->sink)
		exp_emit(j, p, why, drop_reason);
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
		j->hot_after_end[k->hot_dom][h] += k->hot_pend[h];

	/* Keys still pointing here go: lookups would find nothing anyway. */
	for (unsigned i = 0; i < k->nkeys; i++) {
		struct kent *e;

		if (k->keys[i].type == XPKT_KEY_SEQ_RANGE)
			continue; /* a flow's range list, handled below */
		e = kt_find(&j->kt, &k->keys[i]);
		if (e && e->val == p && e->gen == k->gen)
			kt_remove(&j->kt, e);
	}
	if (k->range != NIL) {
		struct rnode *r = &j->rn[k->range];
		struct jkey fk = {.a = 0};
		struct kent *e;

		/* The flow key is found again from the stored SEQ_RANGE key. */
		for (unsigned i = 0; i < k->nkeys; i++)
			if (k->keys[i].type == XPKT_KEY_SEQ_RANGE)
				fk = k->keys[i];
		e = fk.type ? kt_find(&j->kt, &fk) : NULL;
		if (e && r->pkt == p && r->gen == k->gen)
			range_unlink(j, e, k->range);
		k->range = NIL;
	}
	wait_stop(j, p);
	lru_unlink(j, p);
	if (j->sp)
		xpkt_simpmu_end(j->sp, p);
	k->live = 0;
	k->gen++;
	k->lru_next = j->free_head;
	j->free_head = p;
	j->in_flight--;
}

/* ------------------------------------------------------------------------ */
/* Attaching                                                                 */

/*
 * The keys row s of dir provides, from ev. extra: a further ring slot of a
 * PER_SLOT row; its keys are not recorded in the packet's keys[] (bounded),
 * the table's sweep (jk_insert) drops them once the packet ended.
 */
static int set_keys(struct xpkt_joiner *j, uint32_t p, unsigned dir, unsigned s,
		    const struct xpkt_event *ev, int extra)
{
	uint32_t sets = j->d[dir].st[s].sets;

	for (unsigned t = 1; t < XPKT_KEY_COUNT; t++) {
		struct pkt *k;
		struct jkey key;
		struct kent *e;

		/* STREAM outlives the packet (later bytes coalesce into its skb): stream_push. */
		if (!(sets & (1u << t)) || t == XPKT_KEY_STREAM)
			continue;
		/*
		 * Only the first slot's skb carries the packet on: netfront moves
		 * later slots' pages into it and kfree_skb()s their own skbs
		 * (xennet_fill_frags), which must not read as a drop.
		 */
		if (extra && t == XPKT_KEY_SKB)
			continue;
		key_of(&key, (enum xpkt_key)t, ev, ev->ring_idx);
		if (t == XPKT_KEY_SEQ_RANGE) {
			if (range_set(j, p, s, ev))
				return -1;
		} else {
			e = jk_insert(j, &key);
			if (!e)
				return -1;
			/* Setting a key again replaces the old mapping (reuse). */
			e->val = p;
			e->gen = j->pk[p].gen;
			e->setter = (uint8_t)s;
		}
		k = &j->pk[p];
		if (!extra && k->nkeys < MAX_PKT_KEYS)
			k->keys[k->nkeys++] = key;
	}
	return 0;
}

/*
 * GRO_HEAD row s attached to head packet h with ev (dom0's netif_receive_skb
 * of the GRO skb, len its IP-level bytes; or the guest's TCP receive of its
 * GRO skb, len its payload): the segments GRO appended to it (skb_gro_receive)
 * are the live packets of the flow that follow the head's bytes contiguously,
 * passed the row's key_from stage but not s, and fit the bytes ev->len leaves
 * beyond the head's payload and the row's gro_hdr_bytes.
 * Their own skbs were freed with no tracepoint: they end "merged (GRO)".
 */
static void gro_merged(struct xpkt_joiner *j, uint32_t h, unsigned s, const struct xpkt_event *ev)
{
	const struct dirinfo *di = &j->d[j->pk[h].dir];
	int kf = di->st[s].key_from;
	struct jkey key = j->pk[h].keys[0]; /* the origin's FLOW_SEQ (first key set) */
	uint32_t next = j->pk[h].seq + j->pk[h].plen;
	uint64_t budget, hdr = di->st[s].gro_hdr_bytes;

	if (!j->pk[h].nkeys || key.type != XPKT_KEY_FLOW_SEQ || kf < 0 ||
	    ev->len < hdr + j->pk[h].plen)
		return;
	budget = ev->len - hdr - j->pk[h].plen;
	for (;;) {
		struct kent *e;
		struct pkt *m;
		uint32_t p;

		key.c = next;
		e = kt_find(&j->kt, &key);
		if (!e || !pkt_alive(j, e->val, e->gen))
			return;
		p = e->val;
		m = &j->pk[p];
		if (m->dir != j->pk[h].dir || !(m->attached & (1u << kf)) ||
		    (m->attached & (1u << s)) || !m->plen || m->plen > budget)
			return;
		budget -= m->plen;
		next += m->plen;
		end_packet(j, p, END_MERGED, 0);
	}
}

/* ------------------------------------------------------------------------ */
/* PMU deltas (docs/correlation.md section 11)                               */

static int pm_reserve(struct xpkt_joiner *j)
{
	if (j->cappm < j->cappk) {
		struct pkt_pmu *n = realloc(j->pm, (size_t)j->cappk * sizeof(*n));

		if (!n)
			return -1;
		/* gen UINT32_MAX matches no packet: "no values" */
		for (uint32_t i = j->cappm; i < j->cappk; i++) {
			n[i].gen = UINT32_MAX;
			n[i].have = 0;
		}
		j->pm = n;
		j->cappm = j->cappk;
	}
	return 0;
}

/*
 * Row s of packet p attaches with the event being joined (below: its
 * attached stages before s): remember it for the PMU record that may
 * follow, with the previous attached stage's counters.
 */
static int pmu_note(struct xpkt_joiner *j, uint32_t p, unsigned s, uint16_t below)
{
	const struct pkt *k = &j->pk[p];
	struct pmu_att *a;

	if (!j->npmu)
		return 0;
	if (j->natt == j->capatt) {
		uint32_t cap = j->capatt ? 2 * j->capatt : 16;
		struct pmu_att *n = realloc(j->att, cap * sizeof(*n));

		if (!n)
			return -1;
		j->att = n;
		j->capatt = cap;
	}
	a = &j->att[j->natt++];
	memset(a, 0, sizeof(*a));
	a->p = p;
	a->gen = k->gen;
	a->dir = k->dir;
	a->s = (uint8_t)s;
	a->prev_have = 0;
	if (below) {
		unsigned prev = 31u - (unsigned)__builtin_clz(below);

		if (j->pm && p < j->cappm && j->pm[p].gen == k->gen &&
		    (j->pm[p].have & (1u << prev))) {
			a->prev_have = 1;
			a->prev_src = j->pm[p].src[prev];
			a->prev_cpu = j->pm[p].cpu[prev];
			memcpy(a->prev_v, j->pm[p].v[prev], sizeof(a->prev_v));
		}
	} else {
		/* no previous stage (an origin): no delta to take, nothing counted */
		a->prev_have = 2;
	}
	return 0;
}

/*
 * A PMU record: the counters the source read with the event just before it
 * in the merged stream (same source, cpu and ts: the recorder writes them
 * as one sample). Each stage that event attached gets the values and, when
 * its previous stage was read on the same CPU of the same source, a delta.
 */
static int pmu_record(struct xpkt_joiner *j, const struct xpkt_event *ev, unsigned src)
{
	j->pmu_records++;
	if (j->last_src != (int)src || j->last_ts != ev->ts || j->last_cpu != ev->cpu || !j->natt) {
		j->pmu_orphans++;
		return 0;
	}
	if (!j->pmu_ok[src])
		return 0;
	if (pm_reserve(j))
		return -1;
	for (uint32_t i = 0; i < j->natt; i++) {
		const struct pmu_att *a = &j->att[i];
		struct pkt_pmu *m = &j->pm[a->p];

		if (pkt_alive(j, a->p, a->gen)) {
			if (m->gen != a->gen) {
				m->gen = a->gen;
				m->have = 0;
			}
			m->have |= (uint16_t)(1u << a->s);
			m->cpu[a->s] = ev->cpu;
			m->src[a->s] = (uint8_t)src;
			memcpy(m->v[a->s], ev->pmu, sizeof(m->v[0]));
		}
		if (a->prev_have == 2)
			continue;
		if (!a->prev_have || a->prev_src != src) {
			j->pmu_unpaired[a->dir][a->s]++;
			continue;
		}
		if (a->prev_cpu != ev->cpu) {
			j->pmu_cross[a->dir][a->s]++;
			continue;
		}
		/* Counters only count up on one CPU; a smaller value was reset. */
		for (unsigned c = 0; c < j->npmu; c++)
			if (ev->pmu[c] < a->prev_v[c])
				goto unpaired;
		for (unsigned c = 0; c < j->npmu; c++) {
			struct xpkt_hist **h = &j->pmu_hist[a->dir][a->s][c];
			uint64_t d = ev->pmu[c] - a->prev_v[c];

			if (!*h && !(*h = xpkt_hist_new()))
				return -1;
			xpkt_hist_add(*h, d);
			j->pmu_sum[a->dir][a->s][c] += d;
		}
		continue;
	unpaired:
		j->pmu_unpaired[a->dir][a->s]++;
	}
	return 0;
}

/*
 * Stage s of packet p attaches (below: its attached stages before s): the
 * pmu-sim deltas over its interval (section 13). The attach's domain is its
 * source's: an UNMAP_CALL attach carries the later event's fields but the
 * hypercall's source (Xen), time and physical CPU.
 */
static int sim_note(struct xpkt_joiner *j, uint32_t p, unsigned s, const struct xpkt_event *ev,
		    unsigned src, uint16_t below)
{
	const struct dirinfo *di = &j->d[j->pk[p].dir];
	struct xpkt_simpmu_at at = {
	    .domain =
		src < j->m->nsources ? j->m->sources[src].domain : (enum xpkt_domain)ev->source,
	    .domid = ev->src_domid,
	    .cpu = ev->cpu,
	    .ts = ev->ts,
	};
	int prev = -1, wire = -1;

	/* The wire is no CPU: the interval opens at the latest stage that ran on
	 * one; with none before it but the wire (RX nic_gro after wire_rx), at the
	 * wire's time, on this stage's CPU: what that CPU did since the frame
	 * came in. */
	for (int i = XPKT_MAX_STAGES - 1; i >= 0 && prev < 0; i--) {
		if (!(below & (1u << i)))
			continue;
		if (di->st[i].domain != XPKT_DOM_WIRE)
			prev = i;
		else if (wire < 0)
			wire = i;
	}
	if (prev < 0 && wire >= 0) {
		at.wire_open = 1;
		at.open_ts = j->pk[p].ts[wire];
	}
	return xpkt_simpmu_attach(j->sp, p, j->pk[p].gen, j->pk[p].dir, s, prev, &at);
}

static int is_linux(unsigned dom)
{
	return dom == XPKT_DOM_GUEST || dom == XPKT_DOM_DOM0 || dom == XPKT_DOM_HOST;
}

/*
 * Stage s of packet k attaches by an event of a Linux kernel: the hotspot
 * calls made on its skb since its previous such stage are this stage's,
 * and so are the PC samples of this CPU since then, if that stage ran on
 * the same CPU of the same source (samples.h).
 */
static int hot_credit(struct xpkt_joiner *j, struct pkt *k, unsigned s, const struct xpkt_event *ev,
		      unsigned src)
{
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++) {
		j->hot_st_calls[k->dir][s][h] += k->hot_pend[h];
		j->hot_st_bytes[k->dir][s][h] += k->hot_pend_bytes[h];
		k->hot_pend[h] = 0;
		k->hot_pend_bytes[h] = 0;
	}
	if (j->sa && k->run_src == src && k->run_cpu == ev->cpu && ev->ts >= k->run_ns &&
	    xpkt_samples_interval(j->sa, k->dir, s, src < XPKT_MAX_SOURCES ? j->kern[src] : src,
				  ev->cpu, k->run_ns, ev->ts))
		return -1;
	k->run_ns = ev->ts;
	k->run_cpu = ev->cpu;
	k->run_src = (uint8_t)src;
	return 0;
}

/*
 * A hotspot kprobe call (skb_copy_bits, tcp_collapse) on an skb: the packet
 * in flight that owns the skb in that kernel keeps it for its next stage.
 */
static void hot_call(struct xpkt_joiner *j, unsigned h, const struct xpkt_event *ev)
{
	struct jkey key;
	struct kent *e;

	key_of(&key, XPKT_KEY_SKB, ev, 0);
	e = kt_find(&j->kt, &key);
	if (!e || e->val == NIL || !pkt_alive(j, e->val, e->gen)) {
		j->hot_no_packet[ev->source][h]++;
		return;
	}
	j->pk[e->val].hot_pend[h]++;
	j->pk[e->val].hot_pend_bytes[h] += ev->len;
	j->pk[e->val].hot_dom = ev->source;
	if (j->ex && e->val < j->capex && j->ex[e->val].gen == j->pk[e->val].gen) {
		j->ex[e->val].hot_calls[h]++;
		j->ex[e->val].hot_bytes[h] += ev->len;
	}
}

static int attach(struct xpkt_joiner *j, uint32_t p, unsigned s, const struct xpkt_event *ev,
		  unsigned src)
{
	struct pkt *k = &j->pk[p];
	const struct dirinfo *di = &j->d[k->dir];
	const struct xpkt_stage *row = &di->st[s];
	uint16_t below;
	unsigned dir = k->dir;

	/*
	 * UNMAP_CALL row right before s (tlb_flush before grant_unmap): netback
	 * logs tx_unmap after gnttab_unmap_refs() returned, so the hypercall
	 * (and Xen's TLB flush in it) is the driver domain's latest unmap call,
	 * if that came after the packet's latest stage so far.
	 */
	if (s > 0 && di->st[s - 1].join == XPKT_JOIN_UNMAP_CALL && j->have_unmap &&
	    !(k->attached & (1u << (s - 1))) && di->st[s - 1].key_from >= 0 &&
	    (k->attached & (1u << di->st[s - 1].key_from))) {
		uint16_t lower = (uint16_t)(k->attached & ((1u << (s - 1)) - 1));
		unsigned last = 31u - (unsigned)__builtin_clz(lower);

		if (j->unmap_ns > k->ts[last]) {
			struct xpkt_event call = *ev;

			call.ts = j->unmap_ns;
			call.cpu = j->unmap_cpu;
			/* the hypercall's attach is Xen's, not the event's (no PMU) */
			j->pmu_skip++;
			if (attach(j, p, s - 1, &call, j->unmap_src))
				return -1;
			j->pmu_skip--;
			k = &j->pk[p];
		}
	}
	below = (uint16_t)(k->attached & ((1u << s) - 1));

	/* Latency from the previous attached stage in catalogue order. */
	if (below) {
		unsigned prev = 31u - (unsigned)__builtin_clz(below);

		xpkt_hist_add(j->hist[dir][s], ev->ts - k->ts[prev]);
	} else if (row->join == XPKT_JOIN_ORIGIN) {
		xpkt_hist_add(j->hist[dir][s], 0);
	}
	if (!j->pmu_skip && pmu_note(j, p, s, below))
		return -1;
	if (j->sp && sim_note(j, p, s, ev, src, below))
		return -1;
	if (j->sink && exp_note(j, p, s, ev, below))
		return -1;
	k = &j->pk[p];
	if (!j->pmu_skip && is_linux(ev->source) && hot_credit(j, k, s, ev, src))
		return -1;
	k->attached |= (uint16_t)(1u << s);
	k->ts[s] = ev->ts;
	k->src[s] = (uint8_t)src;
	k->last_ns = ev->ts;
	lru_unlink(j, p);
	lru_append(j, p);

	/* A window closes when any later stage attaches. */
	if (k->wrow >= 0 && (int)s > di->st[k->wrow].key_from)
		wait_stop(j, p);
	if (row->sets && set_keys(j, p, dir, s, ev, 0))
		return -1;
	k = &j->pk[p];
	/* Windows this stage opens (SWITCH_IN / UNMAP_CALL rows keyed from it). */
	if (di->waiters[s] && !(k->attached & ~((2u << s) - 1))) {
		for (unsigned w = s + 1; w < di->n; w++) {
			uint32_t dom;

			if (!(di->waiters[s] & (1u << w)) || (k->attached & (1u << w)))
				continue;
			dom = di->wait_kind[w] == WAIT_SWITCH && di->wait_peer_guest[w]
				  ? k->frontend
				  : j->driver_domid;
			wait_start(j, p, w, (uint32_t)di->wait_kind[w] << 16 | dom);
		}
	}
	if (row->flags & XPKT_STAGE_GRO_HEAD)
		gro_merged(j, p, s, ev);
	if (row->flags & XPKT_STAGE_TERMINAL)
		end_packet(j, p, END_TERMINAL, 0);
	return 0;
}

static int create_packet(struct xpkt_joiner *j, unsigned dir, unsigned s,
			 const struct xpkt_event *ev, unsigned src, uint16_t frontend)
{
	uint32_t p = pkt_alloc(j);
	struct pkt *k;

	if (p == NIL)
		return -1;
	k = &j->pk[p];
	k->live = 1;
	k->dir = (uint8_t)dir;
	k->nkeys = 0;
	k->wrow = -1;
	k->attached = 0;
	k->frontend = frontend;
	k->range = NIL;
	k->bytes = 0;
	k->nslots = k->ndone = 0;
	k->run_ns = 0;
	k->run_src = UINT8_MAX;
	k->hot_dom = 0;
	memset(k->hot_pend, 0, sizeof(k->hot_pend));
	memset(k->hot_pend_bytes, 0, sizeof(k->hot_pend_bytes));
	k->seq = ev->seq;
	k->plen = ev->len;
	k->lru_prev = k->lru_next = NIL;
	if (!j->origin_bytes[dir]) /* origins carry payload: the first one */
		j->origin_first_ns[dir] = ev->ts;
	j->origin_last_ns[dir] = ev->ts;
	j->origin_bytes[dir] += ev->len;
	lru_append(j, p);
	if (++j->in_flight > j->max_in_flight)
		j->max_in_flight = j->in_flight;
	return attach(j, p, s, ev, src);
}

/* The live packet an exact key maps to, set by stage `setter` of dir; or NIL. */
static uint32_t lookup(struct xpkt_joiner *j, const struct jkey *key, unsigned dir, int setter,
		       struct kent **ep)
{
	struct kent *e = kt_find(&j->kt, key);

	*ep = e;
	if (!e || !pkt_alive(j, e->val, e->gen))
		return NIL;
	if (j->pk[e->val].dir != dir || e->setter != setter)
		return NIL;
	return e->val;
}

static int guest_of(const struct xpkt_joiner *j, uint32_t addr, uint16_t *domid)
{
	for (unsigned i = 0; i < j->ngaddr; i++)
		if (j->gaddr[i].addr == addr) {
			*domid = j->gaddr[i].domid;
			return 1;
		}
	return 0;
}

/*
 * A PER_SLOT row's event found packet p through key entry e (its own slot's
 * key). The first attaches; a further slot adds the keys it sets. A row
 * keyed by the skb rather than a slot (grant_claim) takes further slots only
 * while nothing after it is attached: netfront writes all slots of an skb
 * before it pushes them. A TERMINAL row attaches when the packet's last
 * claimed slot is answered.
 */
static int join_slot_event(struct xpkt_joiner *j, uint32_t p, const struct cand *c, struct kent *e,
			   const struct xpkt_event *ev, unsigned src)
{
	const struct dirinfo *di = &j->d[c->dir];
	const struct xpkt_stage *row = &di->st[c->row];
	struct pkt *k = &j->pk[p];
	int first = !(k->attached & (1u << c->row));

	if (!first && row->key == XPKT_KEY_SKB && (k->attached >> c->row) > 1) {
		j->unattributed[c->dir][c->row]++; /* another packet's: its key was lost */
		return 0;
	}
	if (key_ends_on_attach[row->key])
		kt_remove(&j->kt, e);
	/* Slots claimed: the events of the row the terminal row's key comes from. */
	for (unsigned t = 0; t < di->n; t++)
		if ((di->st[t].flags & XPKT_STAGE_TERMINAL) && di->st[t].key_from == (int)c->row &&
		    k->nslots < UINT8_MAX)
			k->nslots++;
	if (row->flags & XPKT_STAGE_TERMINAL) {
		if (!first)
			return 0;
		if (++k->ndone < k->nslots)
			return 0; /* slots still out: not complete yet */
		return attach(j, p, c->row, ev, src);
	}
	if (first)
		return attach(j, p, c->row, ev, src);
	return row->sets ? set_keys(j, p, c->dir, c->row, ev, 1) : 0;
}

static int join_key(struct xpkt_joiner *j, const struct cand *c, unsigned nc,
		    const struct xpkt_event *ev, unsigned src)
{
	for (unsigned i = 0; i < nc; i++) {
		const struct xpkt_stage *row = &j->d[c[i].dir].st[c[i].row];
		struct jkey key;
		struct kent *e;
		uint32_t p;

		key_of(&key, row->key, ev, ev->ring_idx);
		p = lookup(j, &key, c[i].dir, row->key_from, &e);
		if (p == NIL)
			continue;
		if (row->flags & XPKT_STAGE_PER_SLOT)
			return join_slot_event(j, p, &c[i], e, ev, src);
		if (j->pk[p].attached & (1u << c[i].row)) {
			/* Another packet's event whose own key-setting event was lost. */
			j->unattributed[c[i].dir][c[i].row]++;
			return 0;
		}
		if (key_ends_on_attach[row->key])
			kt_remove(&j->kt, e);
		return attach(j, p, c[i].row, ev, src);
	}
	/*
	 * No packet: with one candidate row left after filtering, it is that
	 * row's. In native mode a header-only frame is the reverse direction's
	 * ACK, not a lost packet (NATIVE_HDR_MAX_BYTES).
	 */
	if (!(j->mode == XPKT_MODE_NATIVE && ev->len <= NATIVE_HDR_MAX_BYTES))
		j->unattributed[c[0].dir][c[0].row]++;
	return 0;
}

static int join_seq_in(struct xpkt_joiner *j, const struct cand *c, const struct xpkt_event *ev,
		       unsigned src)
{
	const struct xpkt_stage *row = &j->d[c->dir].st[c->row];
	struct jkey key;
	struct kent *e;

	key_of(&key, XPKT_KEY_SEQ_RANGE, ev, 0);
	e = kt_find(&j->kt, &key);
	for (uint32_t r = e ? e->val : NIL; r != NIL; r = j->rn[r].next) {
		const struct rnode *n = &j->rn[r];

		if ((uint32_t)(ev->seq - n->start) >= n->len)
			continue;
		if (!pkt_alive(j, n->pkt, n->gen) || j->pk[n->pkt].dir != c->dir ||
		    n->setter != row->key_from)
			break;
		if (j->pk[n->pkt].attached & (1u << c->row)) {
			j->segments++; /* a later segment of the same GSO skb */
			return 0;
		}
		return attach(j, n->pkt, c->row, ev, src);
	}
	j->unattributed[c->dir][c->row]++;
	return 0;
}

static int slot_in_range(const struct jkey *k, const struct jkey *lo, uint32_t count)
{
	return k->type == lo->type && k->b == lo->b && (k->a >> 32) == (lo->a >> 32) &&
	       (uint32_t)((uint32_t)k->a - (uint32_t)lo->a) < count;
}

static int join_slot_range(struct xpkt_joiner *j, const struct cand *c, const struct xpkt_event *ev,
			   unsigned src)
{
	const struct xpkt_stage *row = &j->d[c->dir].st[c->row];
	uint32_t count = ev->ring_end - ev->ring_idx; /* free-running, wraps */
	struct jkey lo;

	key_of(&lo, row->key, ev, ev->ring_idx);
	if (count <= SLOT_SCAN_MAX) {
		for (uint32_t i = 0; i < count; i++) {
			struct jkey key;
			struct kent *e;
			uint32_t p;

			key_of(&key, row->key, ev, ev->ring_idx + i);
			p = lookup(j, &key, c->dir, row->key_from, &e);
			if (p != NIL && !(j->pk[p].attached & (1u << c->row)) &&
			    attach(j, p, c->row, ev, src))
				return -1;
		}
		return 0;
	}
	/* A range wider than any ring: test each packet in flight instead. */
	for (uint32_t p = j->lru_head, next; p != NIL; p = next) {
		struct pkt *k = &j->pk[p];

		next = k->lru_next;
		if (k->dir != c->dir || (k->attached & (1u << c->row)))
			continue;
		for (unsigned i = 0; i < k->nkeys; i++) {
			struct kent *e;

			if (!slot_in_range(&k->keys[i], &lo, count) ||
			    lookup(j, &k->keys[i], c->dir, row->key_from, &e) != p)
				continue;
			if (attach(j, p, c->row, ev, src))
				return -1;
			break;
		}
	}
	return 0;
}

/* Every packet waiting in list attaches its window row. */
static int join_window(struct xpkt_joiner *j, uint32_t list, const struct xpkt_event *ev,
		       unsigned src)
{
	uint32_t p = j->wait_head[list];

	j->wait_head[list] = NIL;
	while (p != NIL) {
		struct pkt *k = &j->pk[p];
		uint32_t next = k->w_next;
		unsigned row = (unsigned)k->wrow;

		k->wrow = -1;
		if (next != NIL)
			j->pk[next].w_prev = NIL;
		if (attach(j, p, row, ev, src))
			return -1;
		p = next;
	}
	return 0;
}

static void skb_end(struct xpkt_joiner *j, const struct xpkt_event *ev)
{
	struct jkey key;
	struct kent *e;
	uint32_t p, gen;
	unsigned setter;

	key_of(&key, XPKT_KEY_SKB, ev, 0);
	e = kt_find(&j->kt, &key);
	if (!e)
		return;
	p = e->val;
	gen = e->gen;
	setter = e->setter;
	kt_remove(&j->kt, e);
	/*
	 * kfree_skb (not consume_skb) of a packet's skb: the kernel dropped it,
	 * unless the packet already attached a stage past the last row that
	 * looks that skb up: it moved on to other keys, and drivers free such
	 * finished skbs with kfree_skb too (netback's RX thread purges the skbs
	 * it has grant-copied with __skb_queue_purge() after the push).
	 */
	if (ev->id == XPKT_EV_KFREE_SKB && pkt_alive(j, p, gen)) {
		const struct pkt *k = &j->pk[p];
		int last = j->d[k->dir].skb_last_user[setter];

		if (last < 0 || !(k->attached >> (last + 1)))
			end_packet(j, p, END_DROP, ev->arg);
	}
}

/* ------------------------------------------------------------------------ */
/* Native mode: write-queue origins, receive queues                          */

/*
 * An origin row with XPKT_STAGE_FCLONE / XPKT_STAGE_APPENDS (native
 * tcp_build). tcp_sendmsg_locked names the write queue's tail skb each time
 * it copies user data into it; tcp_transmit_skb later sends the fast clone
 * allocated right after that skb, so the packet's skb key is the clone's
 * address. Further copies into the same tail skb (only the origin attached
 * so far) are the same packet; a key that leads to a packet further along
 * means the address was freed and reused, so a new packet starts.
 */
static int join_origin(struct xpkt_joiner *j, const struct cand *c, const struct xpkt_event *ev,
		       unsigned src)
{
	const struct xpkt_stage *row = &j->d[c->dir].st[c->row];
	struct xpkt_event e = *ev;
	struct jkey key;
	struct kent *ke;

	if ((row->flags & XPKT_STAGE_FCLONE) && src < j->m->nsources)
		e.skb += j->m->sources[src].skb_fclone_offset; /* 0: unknown, raw skb */
	if (row->flags & XPKT_STAGE_APPENDS) {
		key_of(&key, XPKT_KEY_SKB, &e, 0);
		ke = kt_find(&j->kt, &key);
		if (ke && pkt_alive(j, ke->val, ke->gen) && ke->setter == c->row &&
		    j->pk[ke->val].dir == c->dir &&
		    j->pk[ke->val].attached == (uint16_t)(1u << c->row)) {
			struct pkt *k = &j->pk[ke->val];

			/* The first copy's time stays the packet's start. */
			k->bytes += e.len;
			k->last_ns = e.ts;
			lru_unlink(j, ke->val);
			lru_append(j, ke->val);
			return 0;
		}
	}
	return create_packet(j, c->dir, c->row, &e, src, XPKT_DOMID_NONE);
}

/* The receive queue of (kernel, flow of ev), created empty; NIL when out of memory. */
static uint32_t flowq_get(struct xpkt_joiner *j, const struct xpkt_event *ev)
{
	struct jkey key = {
	    .a = flow_a(&ev->flow), .b = flow_b(&ev->flow), .c = ev->src_domid, .type = KEY_FLOWQ};
	struct kent *e = jk_insert(j, &key);

	if (!e)
		return NIL;
	if (e->val != NIL)
		return e->val;
	if (j->nfq == j->capfq) {
		uint32_t cap = j->capfq ? j->capfq * 2 : 16;
		struct flowq *n = realloc(j->fq, (size_t)cap * sizeof(*n));

		if (!n) {
			kt_remove(&j->kt, e);
			return NIL;
		}
		j->fq = n;
		j->capfq = cap;
	}
	j->fq[j->nfq] = (struct flowq){.q = NULL};
	e->val = j->nfq;
	return j->nfq++;
}

static void flowq_pop(struct flowq *f)
{
	f->head++;
}

/* Appends (p, bytes) to queue f; -1 when out of memory. */
static int flowq_push(struct xpkt_joiner *j, struct flowq *f, uint32_t p, uint32_t bytes)
{
	if (f->tail - f->head == f->cap) {
		if (f->cap >= FLOWQ_MAX) {
			flowq_pop(f); /* copies went unrecorded: forget the oldest */
		} else {
			uint32_t cap = f->cap ? f->cap * 2 : 64;
			struct qent *n = malloc((size_t)cap * sizeof(*n));

			if (!n)
				return -1;
			for (uint32_t i = f->head; i != f->tail; i++)
				n[i & (cap - 1)] = f->q[i & (f->cap - 1)];
			free(f->q);
			f->q = n;
			f->cap = cap;
		}
	}
	f->q[f->tail & (f->cap - 1)] =
	    (struct qent){.pkt = p, .gen = p == NIL ? 0 : j->pk[p].gen, .bytes = bytes};
	f->tail++;
	return 0;
}

/*
 * TCP queued ev->len bytes of ev's flow for reading, carried by ev->skb,
 * belonging to packet p (NIL: a segment whose packet is not known; its bytes
 * are still queued so that later copies consume the right packets). The
 * skb's STREAM key records the flow and the entry's position (in gen).
 */
static int stream_push(struct xpkt_joiner *j, const struct xpkt_event *ev, uint32_t p)
{
	uint32_t fi = flowq_get(j, ev), pos;
	struct jkey key;
	struct kent *e;

	if (fi == NIL)
		return -1;
	pos = j->fq[fi].tail;
	if (flowq_push(j, &j->fq[fi], p, ev->len))
		return -1;
	key_of(&key, XPKT_KEY_STREAM, ev, 0);
	e = jk_insert(j, &key);
	if (!e)
		return -1;
	e->val = fi;
	e->gen = pos;
	return 0;
}

/*
 * A row that sets STREAM (native tcp_receive): tcp_probe of a received
 * segment. Segments without payload are the ACKs the sender's socket
 * receives: no packet, no bytes, not unattributed.
 */
static int join_stream_key(struct xpkt_joiner *j, const struct cand *c, const struct xpkt_event *ev,
			   unsigned src)
{
	const struct xpkt_stage *row = &j->d[c->dir].st[c->row];
	struct jkey key;
	struct kent *e;
	uint32_t p;

	if (!ev->len)
		return 0;
	key_of(&key, row->key, ev, 0);
	p = lookup(j, &key, c->dir, row->key_from, &e);
	if (p != NIL && !(j->pk[p].attached & (1u << c->row))) {
		uint32_t gen = j->pk[p].gen;

		if (attach(j, p, c->row, ev, src))
			return -1;
		if (!pkt_alive(j, p, gen))
			p = NIL; /* a terminal row ended it: no bytes to wait for */
	} else {
		j->unattributed[c->dir][c->row]++;
		p = NIL;
	}
	return stream_push(j, ev, p);
}

/*
 * FLOW_BYTES (native socket_copy): the copy's skb gives the flow; its len
 * consumes that flow's queued bytes in arrival order. Every packet whose
 * bytes are all consumed now attaches the row; one partly consumed waits
 * for the next copy.
 */
static int join_flow_bytes(struct xpkt_joiner *j, const struct cand *c, const struct xpkt_event *ev,
			   unsigned src)
{
	struct jkey key;
	struct kent *e;
	uint32_t fi, left = ev->len;

	key_of(&key, XPKT_KEY_STREAM, ev, 0);
	e = kt_find(&j->kt, &key);
	if (!e || j->fq[e->val].head == j->fq[e->val].tail) {
		if (left)
			j->unattributed[c->dir][c->row]++;
		return 0;
	}
	fi = e->val;
	while (left) {
		struct flowq *f = &j->fq[fi];
		struct qent *q, done;
		uint32_t take;

		if (f->head == f->tail)
			break; /* copied more than was queued: a tcp_probe went unrecorded */
		q = &f->q[f->head & (f->cap - 1)];
		if (!q->bytes) {
			flowq_pop(f); /* dropped before it was read */
			continue;
		}
		take = q->bytes < left ? q->bytes : left;
		q->bytes -= take;
		left -= take;
		if (q->bytes)
			break;
		done = *q;
		flowq_pop(f);
		if (done.pkt != NIL && pkt_alive(j, done.pkt, done.gen) &&
		    j->pk[done.pkt].dir == c->dir && !(j->pk[done.pkt].attached & (1u << c->row)) &&
		    attach(j, done.pkt, c->row, ev, src))
			return -1;
	}
	return 0;
}

/*
 * consume_skb / kfree_skb of a receive skb ends its STREAM key. kfree_skb
 * means TCP dropped the segment (old data, no receive memory): its bytes
 * will never be copied, so they leave the queue too.
 */
static void stream_end(struct xpkt_joiner *j, const struct xpkt_event *ev)
{
	struct jkey key;
	struct kent *e;

	key_of(&key, XPKT_KEY_STREAM, ev, 0);
	e = kt_find(&j->kt, &key);
	if (!e)
		return;
	if (ev->id == XPKT_EV_KFREE_SKB) {
		struct flowq *f = &j->fq[e->val];

		if ((uint32_t)(e->gen - f->head) < f->tail - f->head) {
			f->q[e->gen & (f->cap - 1)].bytes = 0;
			f->q[e->gen & (f->cap - 1)].pkt = NIL;
		}
	}
	kt_remove(&j->kt, e);
}

static int is_unmap_call(const struct xpkt_joiner *j, const struct xpkt_event *ev)
{
	/* Netback's unmap batch is one grant_table_op hypercall from dom0. */
	return ev->arg == XPKT_HC_GRANT_TABLE_OP &&
	       (ev->arg2 == XPKT_GNTTABOP_UNMAP_GRANT_REF ||
		ev->arg2 == XPKT_GNTTABOP_UNMAP_AND_REPLACE) &&
	       ev->domid == j->driver_domid;
}

int xpkt_join_event(struct xpkt_joiner *j, const struct xpkt_event *ev, unsigned src,
		    struct xpkt_err *err)
{
	struct cand c[MAX_CANDS];
	unsigned nc = 0, id = ev->id;
	uint16_t frontend = XPKT_DOMID_NONE;
	int wire_dir = -1;

	if (id == XPKT_EV_PMU) {
		if (pmu_record(j, ev, src))
			goto oom;
		return 0;
	}
	if (id == XPKT_EV_SIM_PMU) {
		if (j->sp && xpkt_simpmu_record(j->sp, ev))
			goto oom;
		return 0;
	}
	/* pmu-sim's listeners (section 14, scaling) start with the first of
	 * their events, which come before the record closing their interval */
	if (id == XPKT_EV_SIM_TB) {
		if (!j->sp)
			return 0;
		if (!j->an && !(j->an = xpkt_simannot_new(j->sp, j->driver_domid)))
			goto oom;
		if (xpkt_simannot_event(j->an, ev))
			goto oom;
		return 0;
	}
	if (id == XPKT_EV_SIM_MODEL) {
		if (!j->sp)
			return 0;
		if (!j->sc) {
			if (!(j->sc = xpkt_simscale_new()) ||
			    xpkt_simpmu_listen(j->sp, xpkt_simscale_owner, j->sc,
					       XPKT_SIMSCALE_ROOM))
				goto oom;
		}
		if (xpkt_simscale_event(j->sc, ev))
			goto oom;
		return 0;
	}

	/* pmu-sim places a Linux vCPU on the physical CPU that switched it in */
	if (id == XPKT_EV_XEN_SWITCH && j->sp && xpkt_simpmu_switch(j->sp, ev))
		goto oom;
	if (id == XPKT_EV_PC_SAMPLE) {
		/* Decided when a stage interval on its CPU closes (samples.h). */
		if (!j->sa && !(j->sa = xpkt_samples_new()))
			goto oom;
		if (xpkt_samples_add(j->sa, src < XPKT_MAX_SOURCES ? j->kern[src] : src, ev))
			goto oom;
		return 0;
	}
	if (id == XPKT_EV_XEN_TLB_FLUSH) {
		/* The measured flush replaces the hypercall it happens in. */
		if (ev->domid == j->driver_domid) {
			j->flush_records++;
			j->flush_ops += ev->len;
			j->flush_measured = 1;
			j->unmap_ns = ev->ts;
			j->unmap_src = (uint8_t)src;
			j->unmap_cpu = ev->cpu;
			j->have_unmap = 1;
		}
		return 0;
	}
	/* What this event attaches is what a PMU record right after it reads. */
	j->natt = 0;
	j->last_src = (int)src;
	j->last_ts = ev->ts;
	j->last_cpu = ev->cpu;

	/* Idle timeout, in trace time: nothing attached for longer than it. */
	while (j->lru_head != NIL && ev->ts > j->pk[j->lru_head].last_ns &&
	       ev->ts - j->pk[j->lru_head].last_ns > j->idle_ns)
		end_packet(j, j->lru_head, END_IDLE, 0);

	if (id == XPKT_EV_CONSUME_SKB || id == XPKT_EV_KFREE_SKB) {
		if (j->nfq)
			stream_end(j, ev);
		skb_end(j, ev);
	}
	/* Hotspot kprobes: counted per recording domain (diag/), kept for a stage. */
	if (id < XPKT_EV_MAX && j->hot_of[id] >= 0 && ev->source < XPKT_DOM_COUNT) {
		unsigned h = (unsigned)j->hot_of[id];

		j->hot_calls[ev->source][h]++;
		j->hot_bytes[ev->source][h] += ev->len;
		hot_call(j, h, ev);
		return 0;
	}
	if (id == XPKT_EV_TCP_RCV && ev->arg && ev->source < XPKT_DOM_COUNT) {
		j->rcv_truesize_segs[ev->source]++;
		j->rcv_truesize_payload[ev->source] += ev->len;
		j->rcv_truesize_bytes[ev->source] += ev->arg;
	}
	if (id >= XPKT_EV_MAX || !j->ncands[id])
		return 0;
	if (ev->source == XPKT_DOM_WIRE) {
		/* The wire has no domain: the guest's address gives the direction. */
		if (!ev->len)
			return 0; /* pure ACKs are not packets */
		if (guest_of(j, ev->flow.saddr, &frontend))
			wire_dir = XPKT_TX;
		else if (guest_of(j, ev->flow.daddr, &frontend))
			wire_dir = XPKT_RX;
		else
			return 0;
	} else if (ev->source == XPKT_DOM_GUEST) {
		frontend = ev->src_domid;
	}
	for (unsigned i = 0; i < j->ncands[id]; i++) {
		const struct cand *cd = &j->cands[id][i];
		const struct xpkt_stage *row = &j->d[cd->dir].st[cd->row];

		if (row->domain != ev->source)
			continue;
		if (row->dev_kind != XPKT_DEV_ANY && row->dev_kind != ev->dev_kind)
			continue;
		if (wire_dir >= 0 && cd->dir != wire_dir)
			continue;
		c[nc++] = *cd;
	}
	if (!nc)
		return 0;
	/* Every event matching a row counts for it, attached or not (notify batching). */
	for (unsigned i = 0; i < nc; i++) {
		if (j->d[c[i].dir].st[c[i].row].join == XPKT_JOIN_UNMAP_CALL &&
		    !is_unmap_call(j, ev))
			continue; /* only unmap hypercalls are that row's batches */
		j->row_events[c[i].dir][c[i].row]++;
		j->row_bytes[c[i].dir][c[i].row] += ev->len;
	}

	switch (j->d[c[0].dir].st[c[0].row].join) {
	case XPKT_JOIN_ORIGIN:
		if (!ev->len)
			return 0; /* a segment without payload is no packet */
		if (j->d[c[0].dir].st[c[0].row].flags & (XPKT_STAGE_FCLONE | XPKT_STAGE_APPENDS)) {
			if (join_origin(j, &c[0], ev, src))
				goto oom;
		} else if (create_packet(j, c[0].dir, c[0].row, ev, src, frontend)) {
			goto oom;
		}
		return 0;
	case XPKT_JOIN_KEY:
		if (j->d[c[0].dir].st[c[0].row].sets & KEYBIT(XPKT_KEY_STREAM)) {
			if (join_stream_key(j, &c[0], ev, src))
				goto oom;
		} else if (join_key(j, c, nc, ev, src)) {
			goto oom;
		}
		return 0;
	case XPKT_JOIN_SEQ_IN:
		if (join_seq_in(j, &c[0], ev, src))
			goto oom;
		return 0;
	case XPKT_JOIN_SLOT_RANGE:
		for (unsigned i = 0; i < nc; i++)
			if (join_slot_range(j, &c[i], ev, src))
				goto oom;
		return 0;
	case XPKT_JOIN_SWITCH_IN:
		/* One switch serves the windows of both directions. */
		if (join_window(j, (uint32_t)WAIT_SWITCH << 16 | ev->domid, ev, src))
			goto oom;
		return 0;
	case XPKT_JOIN_UNMAP_CALL:
		/* Settled when the next row attaches (attach): remember the latest. */
		if (!j->flush_measured && is_unmap_call(j, ev)) {
			j->unmap_ns = ev->ts;
			j->unmap_src = (uint8_t)src;
			j->unmap_cpu = ev->cpu;
			j->have_unmap = 1;
		}
		return 0;
	case XPKT_JOIN_FLOW_BYTES:
		if (join_flow_bytes(j, &c[0], ev, src))
			goto oom;
		return 0;
	}
	return 0;
oom:
	return xpkt_err_set(err, "correlator: out of memory (%llu packets in flight)",
			    (unsigned long long)j->in_flight);
}

/* ------------------------------------------------------------------------ */
/* Setup and results                                                         */

/*
 * The counters results report are the first source's with counters; a
 * source with another list is not mixed in (its records are read, not used).
 */
static void pmu_setup(struct xpkt_joiner *j)
{
	const struct xpkt_pmu_info *first = NULL;

	for (unsigned i = 0; i < j->m->nsources; i++) {
		const struct xpkt_pmu_info *pi = &j->m->sources[i].pmu;

		if (!pi->known || !pi->available || !pi->ncounters)
			continue;
		if (!first)
			first = pi;
		j->pmu_ok[i] = pi->ncounters == first->ncounters &&
			       !memcmp(pi->counters, first->counters, sizeof(pi->counters));
	}
	j->npmu = first ? first->ncounters : 0;
}

struct xpkt_joiner *xpkt_join_new(const struct xpkt_manifest *m, uint64_t idle_timeout_ns,
				  struct xpkt_err *err)
{
	struct xpkt_joiner *j = calloc(1, sizeof(*j));
	const struct xpkt_source *drv;

	if (!j)
		goto oom;
	j->m = m;
	for (unsigned id = 0; id < XPKT_EV_MAX; id++)
		j->hot_of[id] = (int8_t)xpkt_hot_of_event(id);
	for (unsigned i = 0; i < m->nsources && i < XPKT_MAX_SOURCES; i++) {
		j->kern[i] = (uint8_t)i;
		for (unsigned k = 0; k < i; k++)
			if (m->sources[k].domain == m->sources[i].domain &&
			    m->sources[k].domid == m->sources[i].domid) {
				j->kern[i] = (uint8_t)k;
				break;
			}
	}
	j->idle_ns = idle_timeout_ns ? idle_timeout_ns : XPKT_DEFAULT_IDLE_TIMEOUT_NS;
	j->mode = xpkt_mode_parse(m->mode);
	if (!j->mode) {
		xpkt_err_set(err, "manifest.json: unknown mode \"%s\" (xen or native)", m->mode);
		xpkt_join_free(j);
		return NULL;
	}
	drv = xpkt_manifest_find(m, XPKT_DOM_DOM0);
	j->driver_domid = drv ? drv->domid : 0;
	j->free_head = j->lru_head = j->lru_tail = NIL;
	j->wait_head = malloc(sizeof(uint32_t) * WAIT_KINDS * 65536);
	if (!j->wait_head || kt_init(&j->kt, 12))
		goto oom;
	memset(j->wait_head, 0xff, sizeof(uint32_t) * WAIT_KINDS * 65536);
	j->rn_free = NIL;
	j->last_src = -1;
	pmu_setup(j);
	for (unsigned i = 0; i < m->nsources; i++)
		if (!strcmp(m->sources[i].format, "pmu-sim") && !j->sp &&
		    !(j->sp = xpkt_simpmu_new()))
			goto oom;

	for (unsigned i = 0; i < m->nsources; i++) {
		const struct xpkt_source *s = &m->sources[i];
		struct xpkt_clock_alignment *c = &j->clocks[i];

		if (s->domain == XPKT_DOM_GUEST)
			for (unsigned a = 0; a < s->naddrs; a++)
				j->gaddr[j->ngaddr++] =
				    (struct guest_addr){.addr = s->addrs[a], .domid = s->domid};
		snprintf(c->source, sizeof(c->source), "%s", s->name);
		snprintf(c->clock, sizeof(c->clock), "%s", s->clock_name);
		c->offset = s->clock == XPKT_CLOCK_TSC ? s->tsc_offset : s->offset_ns;
		snprintf(c->offset_from, sizeof(c->offset_from), "%s", s->offset_from);
		c->min_causal_gap_ns = INT64_MAX;
	}

	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
		struct dirinfo *di = &j->d[d];
		unsigned nkeys = 0;

		/* Native mode has "tx" rows only: n is 0 for its "rx". */
		di->st = xpkt_mode_stages((enum xpkt_mode)j->mode, (enum xpkt_dir)d, &di->n);
		if (di->n > XPKT_MAX_STAGES) {
			xpkt_join_free(j);
			xpkt_err_set(err, "stage table: %u stages, at most %d", di->n,
				     XPKT_MAX_STAGES);
			return NULL;
		}
		for (unsigned s = 0; s < di->n; s++) {
			const struct xpkt_stage *r = &di->st[s];

			di->skb_last_user[s] = -1;
			if (r->join == XPKT_JOIN_KEY && r->key == XPKT_KEY_SKB && r->key_from >= 0)
				di->skb_last_user[r->key_from] = (int8_t)s;
			j->hist[d][s] = xpkt_hist_new();
			if (!j->hist[d][s])
				goto oom;
			nkeys += (unsigned)__builtin_popcount(r->sets);
			if (!(r->modes & j->mode) || r->event >= XPKT_EV_MAX)
				continue;
			if (r->flags & XPKT_STAGE_REQUIRED)
				di->required |= (uint16_t)(1u << s);
			if (j->ncands[r->event] < MAX_CANDS)
				j->cands[r->event][j->ncands[r->event]++] =
				    (struct cand){.dir = (uint8_t)d, .row = (uint8_t)s};
			if (r->join == XPKT_JOIN_SWITCH_IN && r->key_from >= 0) {
				di->waiters[r->key_from] |= (uint16_t)(1u << s);
				di->wait_kind[s] = WAIT_SWITCH;
				/*
				 * The peer that must be switched in is the domain of the
				 * stage after the window: dom0 (netback) for TX, the
				 * frontend guest (netfront) for RX.
				 */
				di->wait_peer_guest[s] =
				    s + 1 < di->n && di->st[s + 1].domain == XPKT_DOM_GUEST;
			}
		}
		if (nkeys > MAX_PKT_KEYS) {
			xpkt_join_free(j);
			xpkt_err_set(err, "stage table: %u keys per packet, at most %d", nkeys,
				     MAX_PKT_KEYS);
			return NULL;
		}
	}
	return j;
oom:
	xpkt_join_free(j);
	xpkt_err_set(err, "correlator: out of memory");
	return NULL;
}

uint64_t xpkt_join_in_flight(const struct xpkt_joiner *j)
{
	return j->in_flight;
}

uint64_t xpkt_join_segments(const struct xpkt_joiner *j)
{
	return j->segments;
}

static void add_counts(struct xpkt_packet_counts *dst, const struct xpkt_packet_counts *src)
{
	dst->total += src->total;
	dst->complete += src->complete;
	dst->partial += src->partial;
	dst->dropped += src->dropped;
	dst->merged += src->merged;
	for (unsigned i = 0; i < src->npartial_reasons; i++)
		xpkt_reason_add(dst->partial_reasons, &dst->npartial_reasons,
				src->partial_reasons[i].reason, src->partial_reasons[i].count);
	for (unsigned i = 0; i < src->ndrop_reasons; i++)
		xpkt_reason_add(dst->drop_reasons, &dst->ndrop_reasons, src->drop_reasons[i].reason,
				src->drop_reasons[i].count);
}

int xpkt_join_finish(struct xpkt_joiner *j, struct xpkt_results *out, struct xpkt_err *err)
{
	/* The trace ended: whatever is in flight ends now, oldest first. */
	while (j->lru_head != NIL)
		end_packet(j, j->lru_head, END_TRACE, 0);

	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
		for (unsigned s = 0; s < j->d[d].n; s++) {
			struct xpkt_stage_stats *st = &out->stages[d][s];
			struct xpkt_hist *h = j->hist[d][s];

			st->count = xpkt_hist_count(h);
			st->mean_ns = xpkt_hist_mean(h);
			st->min_ns = xpkt_hist_min(h);
			st->max_ns = xpkt_hist_max(h);
			st->p50_ns = xpkt_hist_quantile(h, 0.50);
			st->p90_ns = xpkt_hist_quantile(h, 0.90);
			st->p99_ns = xpkt_hist_quantile(h, 0.99);
			st->p999_ns = xpkt_hist_quantile(h, 0.999);
			st->total_ns = xpkt_hist_sum(h);
			st->unattributed = j->unattributed[d][s];
			st->events = j->row_events[d][s];
			st->event_bytes = j->row_bytes[d][s];
			st->inferred =
			    (j->d[d].st[s].flags & XPKT_STAGE_INFERRED) && !j->flush_measured;
			st->hist = h; /* ownership moves to out */
			j->hist[d][s] = NULL;
			memcpy(st->hot_calls, j->hot_st_calls[d][s], sizeof(st->hot_calls));
			memcpy(st->hot_bytes, j->hot_st_bytes[d][s], sizeof(st->hot_bytes));
			st->pmu_cross_cpu = j->pmu_cross[d][s];
			st->pmu_unpaired = j->pmu_unpaired[d][s];
			for (unsigned c = 0; c < XPKT_PMU_MAX; c++) {
				struct xpkt_pmu_stats *ps = &st->pmu[c];
				struct xpkt_hist *ph = j->pmu_hist[d][s][c];

				memset(ps, 0, sizeof(*ps));
				if (!ph)
					continue;
				ps->count = xpkt_hist_count(ph);
				ps->sum = j->pmu_sum[d][s][c];
				ps->mean = (double)ps->sum / (double)ps->count;
				ps->min = xpkt_hist_min(ph);
				ps->max = xpkt_hist_max(ph);
				ps->p50 = xpkt_hist_quantile(ph, 0.50);
				ps->p99 = xpkt_hist_quantile(ph, 0.99);
				ps->hist = ph; /* ownership moves to out */
				j->pmu_hist[d][s][c] = NULL;
			}
		}
		out->by_dir[d] = j->counts[d];
		add_counts(&out->packets, &j->counts[d]);
	}
	out->nclocks = j->m->nsources;
	memcpy(out->clocks, j->clocks, sizeof(out->clocks));
	out->max_in_flight = j->max_in_flight;
	out->mode = j->mode;
	xpkt_results_pmu_from_manifest(out, j->m);
	out->pmu.records = j->pmu_records;
	out->pmu.orphans = j->pmu_orphans;
	memcpy(out->hot_calls, j->hot_calls, sizeof(out->hot_calls));
	memcpy(out->origin_bytes, j->origin_bytes, sizeof(out->origin_bytes));
	memcpy(out->origin_first_ns, j->origin_first_ns, sizeof(out->origin_first_ns));
	memcpy(out->origin_last_ns, j->origin_last_ns, sizeof(out->origin_last_ns));
	memcpy(out->hot_bytes, j->hot_bytes, sizeof(out->hot_bytes));
	out->tlb_flush_records = j->flush_records;
	out->tlb_flush_ops = j->flush_ops;
	memcpy(out->hot_no_packet, j->hot_no_packet, sizeof(out->hot_no_packet));
	memcpy(out->hot_after_end, j->hot_after_end, sizeof(out->hot_after_end));
	memcpy(out->rcv_truesize_segs, j->rcv_truesize_segs, sizeof(out->rcv_truesize_segs));
	memcpy(out->rcv_truesize_payload, j->rcv_truesize_payload,
	       sizeof(out->rcv_truesize_payload));
	memcpy(out->rcv_truesize_bytes, j->rcv_truesize_bytes, sizeof(out->rcv_truesize_bytes));
	if (j->sa && xpkt_samples_finish(j->sa, out))
		return xpkt_err_set(err, "out of memory");
	if (j->sp && xpkt_simpmu_finish(j->sp, out))
		return xpkt_err_set(err, "out of memory");
	if (j->an && xpkt_simannot_finish(j->an, out))
		return xpkt_err_set(err, "out of memory");
	if (j->sc && xpkt_simscale_finish(j->sc, out))
		return xpkt_err_set(err, "out of memory");
	return 0;
}

void xpkt_join_set_sink(struct xpkt_joiner *j, void (*fn)(const struct xpkt_packet_rec *, void *),
			void *arg)
{
	j->sink = fn;
	j->sink_arg = arg;
}

void xpkt_join_free(struct xpkt_joiner *j)
{
	if (!j)
		return;
	free(j->ex);
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++)
			xpkt_hist_free(j->hist[d][s]);
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++)
			for (unsigned c = 0; c < XPKT_PMU_MAX; c++)
				xpkt_hist_free(j->pmu_hist[d][s][c]);
	xpkt_samples_free(j->sa);
	xpkt_simannot_free(j->an);
	xpkt_simscale_free(j->sc);
	xpkt_simpmu_free(j->sp);
	free(j->att);
	free(j->pm);
	free(j->pk);
	free(j->kt.e);
	free(j->rn);
	free(j->wait_head);
	for (uint32_t i = 0; i < j->nfq; i++)
		free(j->fq[i].q);
	free(j->fq);
	free(j);
}
