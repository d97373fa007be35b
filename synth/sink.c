// SPDX-License-Identifier: GPL-2.0
/*
 * sink.c - the generator's output side: one reorder buffer per source and
 * the file each writes (guest.kev, dom0.kev, xen.trace, wire.pcap).
 *
 * Packets are generated one batch at a time, so their events arrive out of
 * time order. Each source keeps a min-heap on (host ns, arrival number) and
 * is flushed up to the earliest time the generator can still produce, so a
 * file is written in time order with memory bounded by what is in flight.
 *
 * What a recorder would do is applied here, in time order:
 *  - Linux: a lost event is counted; the CPU's next recorded event is
 *    preceded by an XPKT_EV_LOST record with the count (ftrace reports an
 *    overrun where recording resumes).
 *  - Xen: a scheduler switch to the vCPU already running is not traced
 *    (Xen's schedule() takes the continue_running path), so the "dom0 was
 *    already running" case arises by itself; a hypercall record carries no
 *    domain, so before a hypercall that must be charged to a given domain a
 *    switch to it is traced if the reader could not know it runs (after a
 *    loss the reader's idea of the running vCPU is unreliable). Recorded
 *    switches and unmap hypercalls are handed to the truth as they are
 *    written, which settles the packets' Xen windows.
 *  - Wire: Ethernet/IPv4/TCP frames, payload cut at snaplen, IP total length
 *    true, ns timestamps on the capture's clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/kev.h"
#include "synth/sim.h"
#include "synth/xtwrite.h"

struct item {
	uint64_t ns, seq;
	uint8_t cpu, lost;
	union {
		struct xpkt_event ev;
		struct sim_xen x;
		struct sim_wire w;
	} u;
};

struct heap {
	struct item *v;
	size_t n, cap;
};

struct xen_cpu {
	uint16_t dom, vcpu; /* what really runs */
	int view_known;	    /* a reader following the records knows it too */
	uint64_t pending_lost, first_lost_ns;
};

struct lin_cpu {
	uint64_t pending_lost, last_lost_ns;
};

struct sim_sink {
	struct sim_sink_cfg cfg;
	struct sim_truth *truth;
	struct heap heap[SIM_NSRC];
	uint64_t seq, peak_items, items;
	uint64_t last_ns; /* latest item time (sim_sink_last_ns) */
	uint64_t lost[SIM_NSRC], written[SIM_NSRC];
	struct xpkt_kev_writer *kev[2];
	uint64_t kev_last_ts[2];
	struct lin_cpu lin[2][SIM_LINUX_CPUS];
	struct xtw *xtw;
	struct xen_cpu xen[SIM_XEN_NCPUS];
	pcap_t *pcap;
	pcap_dumper_t *dump;
	char pcap_path[4200], pcap_tmp[4300];
	uint8_t *frame;
	int finished;
	struct xpkt_err err;
};

uint64_t sim_ns_to_ticks(uint64_t ns, uint64_t hz)
{
	unsigned __int128 x = (unsigned __int128)ns * hz + 999999999u;

	return (uint64_t)(x / 1000000000u);
}

static int item_less(const struct item *a, const struct item *b)
{
	return a->ns < b->ns || (a->ns == b->ns && a->seq < b->seq);
}

static int push(struct sim_sink *s, enum sim_src src, struct item *it)
{
	struct heap *h = &s->heap[src];
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 1024;
		struct item *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return xpkt_err_set(&s->err, "synth: out of memory");
		h->v = v;
		h->cap = cap;
	}
	it->seq = s->seq++;
	if (it->ns > s->last_ns)
		s->last_ns = it->ns;
	i = h->n++;
	while (i && item_less(it, &h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = *it;
	if (++s->items > s->peak_items)
		s->peak_items = s->items;
	return 0;
}

static void pop(struct sim_sink *s, struct heap *h, struct item *out)
{
	struct item last = h->v[--h->n];
	size_t i = 0;

	*out = h->v[0];
	s->items--;
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && item_less(&h->v[c + 1], &h->v[c]))
			c++;
		if (!item_less(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
}

int sim_sink_kev(struct sim_sink *s, enum sim_src src, uint64_t ns, const struct xpkt_event *ev,
		 int lost)
{
	struct item it = {.ns = ns, .cpu = (uint8_t)ev->cpu, .lost = (uint8_t) !!lost};

	it.u.ev = *ev;
	return push(s, src, &it);
}

int sim_sink_xen(struct sim_sink *s, unsigned pcpu, uint64_t ns, const struct sim_xen *x)
{
	struct item it = {.ns = ns, .cpu = (uint8_t)pcpu};

	it.u.x = *x;
	return push(s, SIM_XEN, &it);
}

int sim_sink_wire(struct sim_sink *s, uint64_t ns, const struct sim_wire *w)
{
	struct item it = {.ns = ns};

	it.u.w = *w;
	return push(s, SIM_WIRE, &it);
}

/* --- Linux sources --------------------------------------------------------------------- */

static uint64_t kev_ticks(struct sim_sink *s, enum sim_src src, uint64_t ns)
{
	int64_t off = src == SIM_GUEST ? s->cfg.guest_tsc_offset : 0;

	return sim_ns_to_ticks(ns, s->cfg.tsc_hz) + (uint64_t)off;
}

static int kev_put(struct sim_sink *s, enum sim_src src, const struct xpkt_event *ev)
{
	if (xpkt_kev_write(s->kev[src], ev))
		return xpkt_err_set(&s->err, "%s: write failed: %s",
				    src == SIM_GUEST ? "guest.kev" : "dom0.kev", strerror(errno));
	s->kev_last_ts[src] = ev->ts;
	s->written[src]++;
	return 0;
}

static int kev_lost_record(struct sim_sink *s, enum sim_src src, unsigned cpu, uint64_t ts)
{
	struct xpkt_event lost = {.id = XPKT_EV_LOST, .cpu = (uint16_t)cpu};
	struct lin_cpu *c = &s->lin[src][cpu];

	lost.ts = ts;
	lost.arg = (uint32_t)c->pending_lost;
	c->pending_lost = 0;
	return kev_put(s, src, &lost);
}

static int kev_item(struct sim_sink *s, enum sim_src src, struct item *it)
{
	struct lin_cpu *c = &s->lin[src][it->cpu % SIM_LINUX_CPUS];

	it->u.ev.ts = kev_ticks(s, src, it->ns);
	if (it->lost) {
		c->pending_lost++;
		c->last_lost_ns = it->ns;
		s->lost[src]++;
		return 0;
	}
	if (c->pending_lost && kev_lost_record(s, src, it->cpu % SIM_LINUX_CPUS, it->u.ev.ts))
		return -1;
	return kev_put(s, src, &it->u.ev);
}

/* --- Xen ------------------------------------------------------------------------------- */

static int xen_fail(struct sim_sink *s)
{
	return xpkt_err_set(&s->err, "xen.trace: write failed");
}

/* One record on pcpu at ns: lost, or written (after any pending lost record). */
static int xen_emit(struct sim_sink *s, unsigned cpu, uint64_t ns, const struct sim_xen *x,
		    uint16_t prev_dom, uint16_t prev_vcpu)
{
	struct xen_cpu *c = &s->xen[cpu];
	uint64_t tsc = sim_ns_to_ticks(ns, s->cfg.tsc_hz);
	int rc = 0;

	if (sim_loss_hit(s->cfg.loss[SIM_XEN][cpu], ns)) {
		if (!c->pending_lost)
			c->first_lost_ns = ns;
		c->pending_lost++;
		s->lost[SIM_XEN]++;
		c->view_known = 0;
		return 0;
	}
	if (c->pending_lost) {
		if (xtw_lost(s->xtw, cpu, tsc, (uint32_t)c->pending_lost, c->dom, c->vcpu,
			     sim_ns_to_ticks(c->first_lost_ns, s->cfg.tsc_hz)))
			return xen_fail(s);
		c->pending_lost = 0;
		s->written[SIM_XEN]++;
	}
	switch (x->kind) {
	case SIM_XEN_SWITCH:
		rc = xtw_sched_switch(s->xtw, cpu, tsc, prev_dom, prev_vcpu, x->dom, x->vcpu);
		if (!rc) {
			c->view_known = 1;
			if (sim_truth_switch(s->truth, x->dom, x->vcpu, cpu, ns))
				return xpkt_err_set(&s->err, "synth: out of memory");
			if (x->dom == 0)
				rc = sim_truth_xen(s->truth, SIM_TARGET_SWITCH_DOM0, ns);
			else if (x->dom == 1)
				rc = sim_truth_xen(s->truth, SIM_TARGET_SWITCH_GUEST, ns);
			if (rc)
				return xpkt_err_set(&s->err, "synth: out of memory");
		}
		break;
	case SIM_XEN_HCALL: {
		uint32_t args[2] = {x->cmd, x->count};
		unsigned nargs = x->op == XPKT_HC_GRANT_TABLE_OP ? 2 : x->op == 32 ? 1 : 0;

		rc = xtw_hypercall(s->xtw, cpu, tsc, x->op, args, nargs);
		if (!rc && x->op == XPKT_HC_GRANT_TABLE_OP && c->dom == 0 &&
		    (x->cmd == XPKT_GNTTABOP_UNMAP_GRANT_REF ||
		     x->cmd == XPKT_GNTTABOP_UNMAP_AND_REPLACE) &&
		    sim_truth_xen(s->truth, SIM_TARGET_UNMAP, ns))
			return xpkt_err_set(&s->err, "synth: out of memory");
		break;
	}
	case SIM_XEN_RUNSTATE:
		rc = xtw_runstate(s->xtw, cpu, tsc, x->dom, x->vcpu, x->old_state, x->new_state);
		break;
	}
	if (rc)
		return xen_fail(s);
	s->written[SIM_XEN]++;
	return 0;
}

/* A context switch as Xen's schedule() traces it: switch, then both runstate changes. */
static int xen_switch(struct sim_sink *s, unsigned cpu, uint64_t ns, uint16_t dom, uint16_t vcpu)
{
	struct xen_cpu *c = &s->xen[cpu];
	struct sim_xen sw = {.kind = SIM_XEN_SWITCH, .dom = dom, .vcpu = vcpu};
	struct sim_xen rs = {.kind = SIM_XEN_RUNSTATE};
	uint16_t pd = c->dom, pv = c->vcpu;

	/* a lost record owed before the switch names the vCPU that ran until now */
	if (xen_emit(s, cpu, ns, &sw, pd, pv))
		return -1;
	c->dom = dom;
	c->vcpu = vcpu;
	if (pd != SIM_DOM_IDLE) {
		rs.dom = pd;
		rs.vcpu = pv;
		rs.old_state = 0; /* RUNSTATE_running */
		rs.new_state = 1; /* RUNSTATE_runnable */
		if (xen_emit(s, cpu, ns, &rs, 0, 0))
			return -1;
	}
	if (dom != SIM_DOM_IDLE) {
		rs.dom = dom;
		rs.vcpu = vcpu;
		rs.old_state = 1;
		rs.new_state = 0;
		if (xen_emit(s, cpu, ns, &rs, 0, 0))
			return -1;
	}
	return 0;
}

static int xen_item(struct sim_sink *s, struct item *it)
{
	const struct sim_xen *x = &it->u.x;
	unsigned cpu = it->cpu;
	struct xen_cpu *c = &s->xen[cpu];

	switch (x->kind) {
	case SIM_XEN_SWITCH:
		if (c->dom == x->dom && c->vcpu == x->vcpu)
			return 0; /* already running: Xen traces no switch */
		return xen_switch(s, cpu, it->ns, x->dom, x->vcpu);
	case SIM_XEN_HCALL:
		if (x->dom != SIM_ANY_DOM &&
		    (c->dom != x->dom || c->vcpu != x->vcpu || !c->view_known)) {
			if (c->dom == x->dom && c->vcpu == x->vcpu &&
			    xen_switch(s, cpu, it->ns, SIM_DOM_IDLE, (uint16_t)cpu))
				return -1;
			if (xen_switch(s, cpu, it->ns, x->dom, x->vcpu))
				return -1;
		}
		return xen_emit(s, cpu, it->ns, x, 0, 0);
	default:
		return xen_emit(s, cpu, it->ns, x, 0, 0);
	}
}

/* --- wire -------------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int wire_item(struct sim_sink *s, const struct item *it)
{
	const struct sim_wire *w = &it->u.w;
	uint8_t *f = s->frame;
	struct pcap_pkthdr h;
	uint64_t ts = it->ns + (uint64_t)s->cfg.wire_offset_ns;
	uint32_t frame_len = 14 + 20 + 20 + w->len;
	/* which side sent it: the guest's frames leave from its MAC */
	int from_guest = w->flow.saddr == 0x0a000002u;

	memset(f, 0, s->cfg.snaplen);
	memcpy(f, from_guest ? s->cfg.peer_mac : s->cfg.guest_mac, 6);
	memcpy(f + 6, from_guest ? s->cfg.guest_mac : s->cfg.peer_mac, 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, (uint16_t)(20 + 20 + w->len));
	put16(f + 18, w->ip_id);
	put16(f + 20, 0x4000); /* DF */
	f[22] = 64;
	f[23] = 6;
	put32be(f + 26, w->flow.saddr);
	put32be(f + 30, w->flow.daddr);
	put16(f + 24, ip_checksum(f + 14, 20));
	put16(f + 34, w->flow.sport);
	put16(f + 36, w->flow.dport);
	put32be(f + 38, w->seq);
	put32be(f + 42, w->ack);
	f[46] = 5 << 4;
	f[47] = w->len ? 0x18 : 0x10; /* PSH|ACK with data, ACK alone otherwise */
	put16(f + 48, 0xffff);
	/* payload bytes stay zero; TCP checksum left to offload, as a sender's capture shows */
	h.ts.tv_sec = (time_t)(ts / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(ts % 1000000000u); /* ns: the dumper is nano-precision */
	h.len = frame_len;
	h.caplen = frame_len < s->cfg.snaplen ? frame_len : s->cfg.snaplen;
	pcap_dump((u_char *)s->dump, &h, f);
	s->written[SIM_WIRE]++;
	return 0;
}

/* --- open, flush, close ---------------------------------------------------------------------- */

struct sim_sink *sim_sink_open(const struct sim_sink_cfg *cfg, struct sim_truth *truth,
			       struct xpkt_err *err)
{
	struct sim_sink *s = calloc(1, sizeof(*s));
	char path[4200];

	if (!s) {
		xpkt_err_set(err, "synth: out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->truth = truth;
	for (unsigned i = 0; i < SIM_XEN_NCPUS; i++) {
		s->xen[i].dom = SIM_DOM_IDLE;
		s->xen[i].vcpu = (uint16_t)i;
	}
	s->frame = calloc(1, cfg->snaplen + 64);
	if (!s->frame)
		goto oom;
	if (xpkt_bundle_path(path, sizeof(path), cfg->dir, "guest.kev"))
		goto toolong;
	s->kev[SIM_GUEST] = xpkt_kev_create(path, XPKT_DOM_GUEST, 1, cfg->tsc_hz, err);
	if (!s->kev[SIM_GUEST])
		goto fail;
	if (xpkt_bundle_path(path, sizeof(path), cfg->dir, "dom0.kev"))
		goto toolong;
	s->kev[SIM_DOM0] = xpkt_kev_create(path, XPKT_DOM_DOM0, 0, cfg->tsc_hz, err);
	if (!s->kev[SIM_DOM0])
		goto fail;
	if (xpkt_bundle_path(path, sizeof(path), cfg->dir, "xen.trace"))
		goto toolong;
	s->xtw = xtw_create(path, SIM_XEN_NCPUS, err);
	if (!s->xtw)
		goto fail;
	if (xpkt_bundle_path(s->pcap_path, sizeof(s->pcap_path), cfg->dir, "wire.pcap"))
		goto toolong;
	snprintf(s->pcap_tmp, sizeof(s->pcap_tmp), "%s.tmp-%ld", s->pcap_path, (long)getpid());
	s->pcap = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)cfg->snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!s->pcap)
		goto oom;
	s->dump = pcap_dump_open(s->pcap, s->pcap_tmp);
	if (!s->dump) {
		xpkt_err_set(err, "%s: %s", s->pcap_tmp, pcap_geterr(s->pcap));
		goto fail;
	}
	return s;
toolong:
	xpkt_err_set(err, "%s: path too long", cfg->dir);
	goto fail;
oom:
	xpkt_err_set(err, "synth: out of memory");
fail:
	sim_sink_close(s, 1, NULL);
	return NULL;
}

static int flush_src(struct sim_sink *s, enum sim_src src, uint64_t before_ns)
{
	struct heap *h = &s->heap[src];
	struct item it;

	while (h->n && h->v[0].ns < before_ns) {
		int rc;

		pop(s, h, &it);
		if (src == SIM_XEN)
			rc = xen_item(s, &it);
		else if (src == SIM_WIRE)
			rc = wire_item(s, &it);
		else
			rc = kev_item(s, src, &it);
		if (rc)
			return -1;
	}
	for (unsigned c = 0; c < SIM_LINUX_CPUS; c++)
		sim_loss_trim(s->cfg.loss[src][c], before_ns);
	return 0;
}

int sim_sink_flush(struct sim_sink *s, uint64_t before_ns, struct xpkt_err *err)
{
	for (int src = 0; src < SIM_NSRC; src++)
		if (flush_src(s, (enum sim_src)src, before_ns)) {
			if (err)
				*err = s->err;
			return -1;
		}
	return 0;
}

uint64_t sim_sink_lost(const struct sim_sink *s, enum sim_src src)
{
	return s->lost[src];
}

uint64_t sim_sink_written(const struct sim_sink *s, enum sim_src src)
{
	return s->written[src];
}

uint64_t sim_sink_last_ns(const struct sim_sink *s)
{
	return s->last_ns;
}

uint64_t sim_sink_peak_items(const struct sim_sink *s)
{
	return s->peak_items;
}

/* Losses at the very end still get their record, after the last one written. */
static int final_lost_records(struct sim_sink *s)
{
	for (int src = SIM_GUEST; src <= SIM_DOM0; src++)
		for (unsigned c = 0; c < SIM_LINUX_CPUS; c++) {
			struct lin_cpu *lc = &s->lin[src][c];
			uint64_t ts = kev_ticks(s, (enum sim_src)src, lc->last_lost_ns);

			if (!lc->pending_lost)
				continue;
			if (ts < s->kev_last_ts[src])
				ts = s->kev_last_ts[src];
			if (kev_lost_record(s, (enum sim_src)src, c, ts))
				return -1;
		}
	for (unsigned c = 0; c < SIM_XEN_NCPUS; c++) {
		struct xen_cpu *xc = &s->xen[c];
		uint64_t first = sim_ns_to_ticks(xc->first_lost_ns, s->cfg.tsc_hz);

		if (!xc->pending_lost)
			continue;
		/* at the TSC of the last loss: still in order on that CPU */
		if (xtw_lost(s->xtw, c, first, (uint32_t)xc->pending_lost, xc->dom, xc->vcpu,
			     first))
			return xen_fail(s);
		xc->pending_lost = 0;
		s->written[SIM_XEN]++;
	}
	return 0;
}

int sim_sink_finish(struct sim_sink *s, struct xpkt_err *err)
{
	if (s->finished)
		return 0;
	if (sim_sink_flush(s, SIM_NS_NEVER, err))
		return -1;
	if (final_lost_records(s)) {
		if (err)
			*err = s->err;
		return -1;
	}
	s->finished = 1;
	return 0;
}

int sim_sink_close(struct sim_sink *s, int abort, struct xpkt_err *err)
{
	int rc = 0;

	if (!s)
		return 0;
	if (!abort && sim_sink_finish(s, err)) {
		abort = 1;
		rc = -1;
	}
	for (int k = 0; k < 2; k++)
		if (s->kev[k] && xpkt_kev_close(s->kev[k], abort, rc ? NULL : err) && !abort) {
			abort = 1;
			rc = -1;
		}
	if (s->xtw && xtw_close(s->xtw, abort, rc ? NULL : err) && !abort) {
		abort = 1;
		rc = -1;
	}
	if (s->dump) {
		if (!abort && pcap_dump_flush(s->dump)) {
			xpkt_err_set(err, "%s: write failed", s->pcap_tmp);
			abort = 1;
			rc = -1;
		}
		pcap_dump_close(s->dump);
		if (!abort && rename(s->pcap_tmp, s->pcap_path)) {
			xpkt_err_set(err, "%s: cannot rename into place: %s", s->pcap_path,
				     strerror(errno));
			rc = -1;
		}
		if (abort || rc)
			unlink(s->pcap_tmp);
	}
	if (s->pcap)
		pcap_close(s->pcap);
	for (int k = 0; k < SIM_NSRC; k++)
		free(s->heap[k].v);
	free(s->frame);
	free(s);
	return rc;
}
