// SPDX-License-Identifier: GPL-2.0
/*
 * rules.c - the diagnosis rules as data (DESIGN.md section 7), and the fact
 * extractors that turn correlation results into their evidence.
 *
 * A rule row names its evidence, its thresholds and its texts; adding a rule
 * is adding a row (and an extractor if no existing one computes its facts).
 * An extractor never invents a number: where the bundle lacks what a rule
 * needs (no hotspot kprobes, native mode, no xentrace source), it says which
 * fact is missing and the rule is listed as not evaluated.
 */
#include <stdio.h>
#include <string.h>

#include "diag/diag.h"
#include "tracepoints/stage.h"

/*
 * Thresholds, with the data they were set from.
 *
 * rx_truesize_collapse: the testbed's receive-collapse runs (make
 * testbed-anomaly, Linux 6.1 guest, Xen 4.17, dom0 GRO off). Bad run (64 KB
 * tcp_rmem, tcp_adv_win_scale 4; 35.7 Mbit/s into the guest): 24
 * tcp_collapse for 2250 TCP receives (10.7 per 1000), 85372 skb_copy_bits
 * for 84794 netfront RX slots (+0.0068 per slot). Good run (same window from
 * a 256 KB buffer; 97.5 Mbit/s): 0 tcp_collapse for 3617 receives, 135797
 * skb_copy_bits for 136029 slots (-0.0017 per slot). Netfront pulls each
 * slot's header with one skb_copy_bits, so copies beyond one per slot are
 * TCP's (tcp_collapse copies the queue into compact skbs). 1 collapse per
 * 1000 receives sits ten times under the bad run and above the good run's
 * none; 0.003 extra copies per slot sits under the bad run's 0.0068 and
 * above the good run's per-slot noise (0.0017 in magnitude). Both must
 * hold, so a stray collapse without the copying it causes does not fire.
 */
#define COLLAPSE_PER_1000_MAX	  1.0
#define EXTRA_COPIES_PER_SLOT_MAX 0.003
/* One notify per packet or worse: the ring's batching (one
 * notify_remote_via_irq per RING_PUSH) buys nothing. */
#define PACKETS_PER_NOTIFY_MIN 1.5
/* Mapped bytes above half: unmaps and their TLB flushes carry the TX path. */
#define MAP_BYTE_SHARE_MAX 0.5
/* A VM switch taking over half of the packets' summed stage latency dominates. */
#define SWITCH_SHARE_MAX 0.5
/* A flush retiring fewer than two grants is about one flush per slot. */
#define UNMAPS_PER_FLUSH_MIN 2.0

static unsigned mode_of(const struct xpkt_results *r)
{
	return r->mode ? r->mode : XPKT_MODE_XEN; /* results.h: 0 reads as Xen */
}

static int reason(struct xpkt_diag_result *res, const char *fmt, const char *a, const char *b)
{
	snprintf(res->reason, sizeof(res->reason), fmt, a ? a : "", b ? b : "");
	return -1;
}

static int need_xen(const struct xpkt_diag_in *in, struct xpkt_diag_result *res, const char *what)
{
	if (mode_of(in->r) == XPKT_MODE_XEN)
		return 0;
	return reason(res, "%s mode: %s", xpkt_mode_name(mode_of(in->r)), what);
}

/* The stage row of name in dir, or NULL if the mode has none. */
static const struct xpkt_stage_stats *stage(const struct xpkt_results *r, enum xpkt_dir dir,
					    const char *name)
{
	int i = xpkt_mode_stage_find(mode_of(r), dir, name);

	return i < 0 ? NULL : &r->stages[dir][i];
}

/* The first Linux source of the manifest that lists event as unavailable, or NULL. */
static const char *unavailable_in(const struct xpkt_manifest *m, enum xpkt_domain d,
				  const char *event)
{
	for (unsigned i = 0; m && i < m->nsources; i++) {
		const struct xpkt_source *s = &m->sources[i];

		if (d != XPKT_DOM_COUNT && s->domain != d)
			continue;
		for (unsigned k = 0; k < s->nunavailable; k++)
			if (!strcmp(s->unavailable[k], event))
				return s->name;
	}
	return NULL;
}

static double ratio(uint64_t a, uint64_t b)
{
	return (double)a / (double)b;
}

/* --- rx_truesize_collapse --------------------------------------------------- */

static int facts_rx_collapse(const struct xpkt_diag_in *in, struct xpkt_diag_result *res,
			     char *note, unsigned note_len)
{
	static const char *const probes[] = {"kprobe:skb_copy_bits", "kprobe:tcp_collapse"};
	const struct xpkt_results *r = in->r;
	const struct xpkt_stage_stats *slots_st, *rcv_st;
	uint64_t copies, collapses, slots, receives;
	const char *src;

	if (need_xen(in, res,
		     "no netfront receive path (the copy baseline is one "
		     "skb_copy_bits per netfront RX slot)"))
		return -1;
	if (in->m && !xpkt_manifest_find(in->m, XPKT_DOM_GUEST))
		return reason(res, "no guest source in the bundle", NULL, NULL);
	for (unsigned i = 0; i < 2; i++)
		if ((src = unavailable_in(in->m, XPKT_DOM_GUEST, probes[i])))
			return reason(res, "%s: %s unavailable in its kernel", src, probes[i]);
	slots_st = stage(r, XPKT_RX, "netfront_rx");
	rcv_st = stage(r, XPKT_RX, "tcp_receive");
	copies = r->hot_calls[XPKT_DOM_GUEST][XPKT_HOT_COPY_BITS];
	collapses = r->hot_calls[XPKT_DOM_GUEST][XPKT_HOT_COLLAPSE];
	slots = slots_st ? slots_st->events : 0;
	receives = rcv_st ? rcv_st->events : 0;
	if (!copies && !collapses)
		return reason(
		    res,
		    "no skb_copy_bits or tcp_collapse kprobe events in the guest: hotspot "
		    "kprobes were not recorded (netfront copies every RX slot's header "
		    "with skb_copy_bits, so a recording with them has one per slot)",
		    NULL, NULL);
	if (!slots)
		return reason(res,
			      "no netfront rx_response events in the guest (no receive traffic, "
			      "or no netfront patch): no per-slot copy baseline",
			      NULL, NULL);
	if (!receives)
		return reason(res, "no tcp_receive (tcp_probe) events in the guest", NULL, NULL);

	xpkt_diag_add(res, "tcp_collapse", (double)collapses, "calls");
	xpkt_diag_add(res, "skb_copy_bits", (double)copies, "calls");
	xpkt_diag_add(res, "skb_copy_bits_bytes",
		      (double)r->hot_bytes[XPKT_DOM_GUEST][XPKT_HOT_COPY_BITS], "bytes");
	xpkt_diag_add(res, "tcp_receives", (double)receives, "packets");
	xpkt_diag_add(res, "netfront_rx_slots", (double)slots, "slots");
	xpkt_diag_add(res, "tcp_collapse_per_1000_packets", 1000.0 * ratio(collapses, receives),
		      "per 1000 packets");
	xpkt_diag_add(res, "skb_copy_bits_per_packet", ratio(copies, receives), "per packet");
	xpkt_diag_add(res, "skb_copy_bits_per_slot", ratio(copies, slots), "per slot");
	xpkt_diag_add(res, "extra_copies_per_slot",
		      ((double)copies - (double)slots) / (double)slots, "per slot above 1");
	/*
	 * What the receive buffer was charged per payload byte (skb->truesize
	 * at tcp_rcv_established): netfront builds each received skb from
	 * whole pages, so a small segment costs a page of buffer; TCP sizes
	 * its window from the buffer by tcp_adv_win_scale assuming a fixed
	 * overhead, and when truesize exceeds it the buffer fills before the
	 * window closes, which is what makes it prune and collapse.
	 */
	if (r->rcv_truesize_segs[XPKT_DOM_GUEST]) {
		xpkt_diag_add(res, "truesize_per_payload_byte",
			      ratio(r->rcv_truesize_bytes[XPKT_DOM_GUEST],
				    r->rcv_truesize_payload[XPKT_DOM_GUEST]),
			      "bytes charged per byte");
		xpkt_diag_add(res, "truesize_per_segment",
			      ratio(r->rcv_truesize_bytes[XPKT_DOM_GUEST],
				    r->rcv_truesize_segs[XPKT_DOM_GUEST]),
			      "bytes");
	}
	if (!unavailable_in(in->m, XPKT_DOM_GUEST, "kprobe:tcp_prune_queue") &&
	    (r->hot_calls[XPKT_DOM_GUEST][XPKT_HOT_PRUNE] || r->rcv_truesize_segs[XPKT_DOM_GUEST]))
		xpkt_diag_add(res, "tcp_prune_queue_per_1000_packets",
			      1000.0 *
				  ratio(r->hot_calls[XPKT_DOM_GUEST][XPKT_HOT_PRUNE], receives),
			      "per 1000 packets");
	if (!r->rcv_truesize_segs[XPKT_DOM_GUEST])
		snprintf(note, note_len,
			 "The bundle carries no skb truesize (the guest's tcp_rcv_established "
			 "kprobe reads it), so truesize/len is not part of the evidence.");
	return 0;
}

/* --- notify_batching ------------------------------------------------------------ */

static int facts_notify(const struct xpkt_diag_in *in, struct xpkt_diag_result *res, char *note,
			unsigned note_len)
{
	static const struct {
		enum xpkt_dir dir;
		const char *row, *prefix;
	} rows[] = {{XPKT_TX, "evtchn_notify", "tx"}, {XPKT_RX, "rx_notify", "rx"}};
	unsigned have = 0;

	if (need_xen(in, res, "no event channels"))
		return -1;
	for (unsigned i = 0; i < 2; i++) {
		const struct xpkt_stage_stats *st = stage(in->r, rows[i].dir, rows[i].row);
		char name[64];

		if (!st || !st->events)
			continue;
		have++;
		snprintf(name, sizeof(name), "%s_notifies", rows[i].prefix);
		xpkt_diag_add(res, name, (double)st->events, "notifies");
		snprintf(name, sizeof(name), "%s_packets_notified", rows[i].prefix);
		xpkt_diag_add(res, name, (double)st->count, "packets");
		snprintf(name, sizeof(name), "%s_packets_per_notify", rows[i].prefix);
		xpkt_diag_add(res, name, ratio(st->count, st->events), "packets per notify");
	}
	if (!have)
		return reason(res,
			      "no netfront tx_notify or netback rx_notify events (the "
			      "netfront/netback patches were not recorded)",
			      NULL, NULL);
	snprintf(note, note_len,
		 "Notifies count every push, pure-ACK-only pushes included (pure ACKs are "
		 "not packets here), so packets per notify is a lower bound.");
	return 0;
}

/* --- grant_copy_vs_map ---------------------------------------------------------- */

static int facts_grant(const struct xpkt_diag_in *in, struct xpkt_diag_result *res, char *note,
		       unsigned note_len)
{
	const struct xpkt_stage_stats *cp, *mp;
	uint64_t total;

	(void)note;
	(void)note_len;
	if (need_xen(in, res, "no grant tables"))
		return -1;
	cp = stage(in->r, XPKT_TX, "backend_copy");
	mp = stage(in->r, XPKT_TX, "backend_map");
	if (!cp || !mp || !(cp->events + mp->events))
		return reason(res,
			      "no netback tx_copy or tx_map events (the netback patch was not "
			      "recorded, or no TX traffic)",
			      NULL, NULL);
	total = cp->event_bytes + mp->event_bytes;
	xpkt_diag_add(res, "copy_ops", (double)cp->events, "slots");
	xpkt_diag_add(res, "map_ops", (double)mp->events, "slots");
	xpkt_diag_add(res, "copied_bytes", (double)cp->event_bytes, "bytes");
	xpkt_diag_add(res, "mapped_bytes", (double)mp->event_bytes, "bytes");
	if (!total)
		return reason(res, "netback tx_copy/tx_map events carry no byte counts", NULL,
			      NULL);
	xpkt_diag_add(res, "copy_byte_share", ratio(cp->event_bytes, total), "share");
	xpkt_diag_add(res, "map_byte_share", ratio(mp->event_bytes, total), "share");
	return 0;
}

/* --- sched_wait ----------------------------------------------------------------- */

static int facts_sched(const struct xpkt_diag_in *in, struct xpkt_diag_result *res, char *note,
		       unsigned note_len)
{
	unsigned have = 0;

	(void)note;
	(void)note_len;
	if (need_xen(in, res, "no hypervisor scheduler between the stages"))
		return -1;
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
		int sw = xpkt_mode_stage_find(mode_of(in->r), (enum xpkt_dir)d, "vm_switch");
		unsigned n;
		double total = 0;
		char name[64];

		xpkt_mode_stages(mode_of(in->r), (enum xpkt_dir)d, &n);
		if (sw < 0 || !in->r->stages[d][sw].count)
			continue;
		for (unsigned s = 0; s < n; s++)
			total += in->r->stages[d][s].total_ns;
		if (!(total > 0))
			continue;
		have++;
		snprintf(name, sizeof(name), "%s_switch_share", xpkt_dir_name((enum xpkt_dir)d));
		xpkt_diag_add(res, name, in->r->stages[d][sw].total_ns / total, "share");
		snprintf(name, sizeof(name), "%s_switch_mean_ns", xpkt_dir_name((enum xpkt_dir)d));
		xpkt_diag_add(res, name, in->r->stages[d][sw].mean_ns, "ns");
		snprintf(name, sizeof(name), "%s_switch_p99_ns", xpkt_dir_name((enum xpkt_dir)d));
		xpkt_diag_add(res, name, (double)in->r->stages[d][sw].p99_ns, "ns");
		snprintf(name, sizeof(name), "%s_switch_packets", xpkt_dir_name((enum xpkt_dir)d));
		xpkt_diag_add(res, name, (double)in->r->stages[d][sw].count, "packets");
	}
	if (!have)
		return reason(res,
			      "no vm_switch latency samples (no xentrace source, or no switch "
			      "found after a notify)",
			      NULL, NULL);
	return 0;
}

/* --- tlb_flush_per_batch -------------------------------------------------------- */

static int facts_tlb(const struct xpkt_diag_in *in, struct xpkt_diag_result *res, char *note,
		     unsigned note_len)
{
	const struct xpkt_stage_stats *fl, *un;
	const struct xpkt_results *r = in->r;
	uint64_t flushes;
	int measured = r->tlb_flush_records > 0;

	if (need_xen(in, res, "no grant unmaps"))
		return -1;
	fl = stage(r, XPKT_TX, "tlb_flush");
	un = stage(r, XPKT_TX, "grant_unmap");
	if (!fl || !fl->events)
		return reason(res,
			      "no grant-unmap hypercalls from the driver domain (no xentrace "
			      "source, or no mapped grants)",
			      NULL, NULL);
	if (!un || !un->events)
		return reason(res,
			      "no netback tx_unmap events (the netback patch was not recorded)",
			      NULL, NULL);
	flushes = measured ? r->tlb_flush_records : fl->events;
	xpkt_diag_add(res, "unmap_batches", (double)fl->events, "hypercalls");
	xpkt_diag_add(res, "grant_unmaps", (double)un->events, "grants");
	xpkt_diag_add(res, "tlb_flushes", (double)flushes,
		      measured ? "flushes" : "flushes (inferred)");
	xpkt_diag_add(res, "measured", measured, "1 measured, 0 inferred");
	xpkt_diag_add(res, "flushes_per_batch", ratio(flushes, fl->events), "per batch");
	xpkt_diag_add(res, "grant_unmaps_per_flush", ratio(un->events, flushes),
		      "grants per flush");
	if (measured)
		xpkt_diag_add(res, "flush_grant_ops", (double)r->tlb_flush_ops, "grant ops");
	if (measured)
		snprintf(note, note_len,
			 "Flushes measured from the hypervisor's TRC_MEM_GNTTAB_FLUSH records "
			 "(xen-patch/).");
	else
		snprintf(note, note_len,
			 "Flush count inferred, not measured: this hypervisor wrote no TLB flush "
			 "records (stock Xen 4.17; xen-patch/ adds them), so one flush per unmap "
			 "hypercall is assumed (Xen flushes after each chunk of up to 32 unmaps, "
			 "GNTTAB_UNMAP_BATCH_SIZE: a lower bound).");
	return 0;
}

/* --- drops ------------------------------------------------------------------------ */

static int facts_drops(const struct xpkt_diag_in *in, struct xpkt_diag_result *res, char *note,
		       unsigned note_len)
{
	const struct xpkt_packet_counts *p = &in->r->packets;
	const char *src;

	(void)note;
	(void)note_len;
	if ((src = unavailable_in(in->m, XPKT_DOM_COUNT, "skb:kfree_skb")))
		return reason(res, "%s: skb:kfree_skb unavailable: drops cannot be seen", src,
			      NULL);
	if (!p->total)
		return reason(res, "no packets", NULL, NULL);
	xpkt_diag_add(res, "dropped", (double)p->dropped, "packets");
	xpkt_diag_add(res, "packets", (double)p->total, "packets");
	xpkt_diag_add(res, "drop_share", ratio(p->dropped, p->total), "share");
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
		char name[64];

		snprintf(name, sizeof(name), "%s_dropped", xpkt_dir_name((enum xpkt_dir)d));
		xpkt_diag_add(res, name, (double)in->r->by_dir[d].dropped, "packets");
	}
	for (unsigned i = 0; i < p->ndrop_reasons && i < XPKT_MAX_REASONS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "reason:%s", p->drop_reasons[i].reason);
		xpkt_diag_add(res, name, (double)p->drop_reasons[i].count, "packets");
	}
	return 0;
}

/* --- lost_events ------------------------------------------------------------------ */

static int facts_lost(const struct xpkt_diag_in *in, struct xpkt_diag_result *res, char *note,
		      unsigned note_len)
{
	uint64_t total = 0;

	(void)note;
	(void)note_len;
	if (!in->r->nlost)
		return reason(res, "no per-source loss counters in the results", NULL, NULL);
	for (unsigned i = 0; i < in->r->nlost && i < XPKT_MAX_SOURCES; i++)
		total += in->r->lost[i].events;
	xpkt_diag_add(res, "lost_events", (double)total, "events");
	for (unsigned i = 0; i < in->r->nlost && i < XPKT_MAX_SOURCES; i++) {
		char name[64];

		snprintf(name, sizeof(name), "lost:%s", in->r->lost[i].source);
		xpkt_diag_add(res, name, (double)in->r->lost[i].events, "events");
	}
	return 0;
}

/* --- the table ---------------------------------------------------------------------- */

static const struct xpkt_diag_rule rules[] = {
    {.id = "rx_truesize_collapse",
     .severity = XPKT_SEV_CRITICAL,
     .facts = facts_rx_collapse,
     .combine = XPKT_DIAG_ALL,
     .when = {{"tcp_collapse_per_1000_packets", XPKT_DIAG_GT, COLLAPSE_PER_1000_MAX},
	      {"extra_copies_per_slot", XPKT_DIAG_GT, EXTRA_COPIES_PER_SLOT_MAX}},
     .explanation =
	 "The guest's TCP receive queue is being collapsed: {tcp_collapse} tcp_collapse calls "
	 "for {tcp_receives} TCP receives ({tcp_collapse_per_1000_packets} per 1000), and "
	 "{skb_copy_bits} skb_copy_bits for {netfront_rx_slots} netfront RX slots "
	 "({extra_copies_per_slot} extra copies per slot above netfront's one). Each received "
	 "packet sits in a page-sized buffer (netfront), so its truesize is charged against "
	 "the receive buffer at several times its length; when the window advertised from "
	 "tcp_adv_win_scale overcommits the buffer, TCP collapses and copies the queue "
	 "(the tcp_adv_win_scale class of receive collapse).",
     .action = "Give the receiver room for truesize: raise net.ipv4.tcp_rmem's maximum (and "
	       "net.core.rmem_max), or advertise less of the buffer (tcp_adv_win_scale); on "
	       "Linux 6.x the window follows skb->len/truesize (tcp_rmem's scaling_ratio) where "
	       "available. Then rerun and compare tcp_collapse per packet."},
    {.id = "notify_batching",
     .severity = XPKT_SEV_INFO,
     .facts = facts_notify,
     .combine = XPKT_DIAG_ANY,
     .when = {{"tx_packets_per_notify", XPKT_DIAG_LT, PACKETS_PER_NOTIFY_MIN},
	      {"rx_packets_per_notify", XPKT_DIAG_LT, PACKETS_PER_NOTIFY_MIN}},
     .explanation = "Event-channel notifies barely batch: {tx_packets_per_notify} TX packets "
		    "per netfront notify ({tx_notifies} notifies) and {rx_packets_per_notify} "
		    "RX packets per netback notify ({rx_notifies} notifies). Each notify is a "
		    "hypercall and may force a VM switch to the peer domain.",
     .action = "Batch more per push: larger sends (GSO/TSO on in the guest), interrupt "
	       "moderation or NAPI budget in the backend; check sched_wait for the switch "
	       "cost each notify brings."},
    {.id = "grant_copy_vs_map",
     .severity = XPKT_SEV_INFO,
     .facts = facts_grant,
     .combine = XPKT_DIAG_ALL,
     .when = {{"map_byte_share", XPKT_DIAG_GT, MAP_BYTE_SHARE_MAX}},
     .explanation = "{map_byte_share} of the TX bytes netback took from the guest were grant-"
		    "mapped ({mapped_bytes} bytes in {map_ops} slots) and {copy_byte_share} "
		    "grant-copied ({copied_bytes} bytes in {copy_ops} slots). Linux 6.1 netback "
		    "copies the first 128 bytes and maps the rest; every mapped grant is "
		    "unmapped after transmission, and unmaps cost TLB flushes.",
     .action = "Weigh map against copy with tlb_flush_per_batch: if flushes retire few "
	       "grants each, mapping costs more than the copy it saves."},
    {.id = "sched_wait",
     .severity = XPKT_SEV_WARNING,
     .facts = facts_sched,
     .combine = XPKT_DIAG_ANY,
     .when = {{"tx_switch_share", XPKT_DIAG_GT, SWITCH_SHARE_MAX},
	      {"rx_switch_share", XPKT_DIAG_GT, SWITCH_SHARE_MAX}},
     .explanation = "Waiting for the peer domain to be scheduled dominates packet latency: "
		    "vm_switch takes {tx_switch_share} of the TX stage latency (mean "
		    "{tx_switch_mean_ns} ns) and {rx_switch_share} of the RX stage latency "
		    "(mean {rx_switch_mean_ns} ns).",
     .action = "Give dom0 and the guest their own physical CPUs (vcpu pinning, dom0_max_vcpus, "
	       "a cpupool), or raise dom0's credit weight, so a notified domain runs without "
	       "waiting for a time slice."},
    {.id = "tlb_flush_per_batch",
     .severity = XPKT_SEV_INFO,
     .facts = facts_tlb,
     .combine = XPKT_DIAG_ALL,
     .when = {{"grant_unmaps_per_flush", XPKT_DIAG_LT, UNMAPS_PER_FLUSH_MIN}},
     .explanation = "Grant unmaps are poorly batched: {grant_unmaps} grant unmaps over "
		    "{unmap_batches} unmap hypercalls and {tlb_flushes} TLB flushes "
		    "({grant_unmaps_per_flush} grants per flush).",
     .action = "Let netback's dealloc thread gather more unmaps per gnttab_unmap_refs call, or "
	       "copy instead of mapping (grant_copy_vs_map)."},
    {.id = "drops",
     .severity = XPKT_SEV_WARNING,
     .facts = facts_drops,
     .combine = XPKT_DIAG_ALL,
     .when = {{"dropped", XPKT_DIAG_GT, 0}},
     .explanation = "{dropped} of {packets} packets were dropped (kfree_skb): {tx_dropped} TX, "
		    "{rx_dropped} RX; the kernel's drop reasons are in the evidence.",
     .action = "Look up each reason (include/net/dropreason.h). NOT_SPECIFIED is what a plain "
	       "kfree_skb() reports: a driver or queue limit, but in 6.1 also the segments of "
	       "a GRO frag_list freed with their head after delivery, so check the stage the "
	       "dropped packets last reached (report) before taking them for losses."},
    {.id = "lost_events",
     .severity = XPKT_SEV_WARNING,
     .facts = facts_lost,
     .combine = XPKT_DIAG_ALL,
     .when = {{"lost_events", XPKT_DIAG_GT, 0}},
     .explanation = "{lost_events} events were lost by the recorders (buffer overruns): "
		    "packets whose events were lost look partial or unattributed, and every "
		    "count behind the other findings undercounts; they are weakened.",
     .action = "Record again with larger per-CPU buffers (record --buffer-kb) or fewer "
	       "events, until every source reports 0 lost."},
};

const struct xpkt_diag_rule *xpkt_diag_rules(unsigned *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

const struct xpkt_diag_rule *xpkt_diag_rule_find(const char *id)
{
	for (unsigned i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}
