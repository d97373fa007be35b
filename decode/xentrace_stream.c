// SPDX-License-Identifier: GPL-2.0
/*
 * xentrace_stream.c - a xentrace file as a stream of struct xpkt_event.
 *
 * Only what the correlator uses becomes an event (tracepoints/event.h says
 * which fields each XPKT_EV_XEN_* id carries): scheduler switches and
 * runstate changes, TRC_PV_HYPERCALL_V2 (charged to the vCPU running on
 * that physical CPU, which the reader tracks), grant map/unmap/transfer,
 * the grant-unmap TLB flush (xen-patch/'s record, when the hypervisor has
 * it), hardware IRQ records and lost records. Everything else is skipped.
 * ts is the raw TSC; a CPU whose TSC steps back is clamped to the last ts
 * returned so the stream stays sorted, as stream.h promises.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/stream.h"
#include "decode/xentrace.h"

struct xts {
	struct xt_reader *r;
	uint64_t last_ts;
};

/* Arguments of a V2 hypercall record: 2 bits per argument say absent, 32 or 64 bits. */
static void hc_args(const struct xt_rec *rec, uint64_t args[6])
{
	unsigned word = 1;

	memset(args, 0, 6 * sizeof(args[0]));
	for (unsigned i = 0; i < 6 && word < rec->nextra; i++) {
		unsigned present = (rec->extra[0] >> (20 + 2 * i)) & 3;

		if (present == 1) {
			args[i] = rec->extra[word];
		} else if (present == 2 && word + 1 < rec->nextra) {
			args[i] = rec->extra[word] | (uint64_t)rec->extra[word + 1] << 32;
		}
		word += present;
	}
}

/* Fills ev from rec; 0 if the record is not one the correlator needs. */
static int convert(const struct xt_rec *rec, struct xpkt_event *ev)
{
	uint32_t e = rec->event;

	memset(ev, 0, sizeof(*ev));
	ev->ts = rec->tsc;
	ev->cpu = rec->cpu;
	if (e == XT_TRC_SCHED_SWITCH && rec->nextra >= 4) {
		ev->id = XPKT_EV_XEN_SWITCH;
		ev->domid = (uint16_t)rec->extra[2];
		ev->vcpu = (uint16_t)rec->extra[3];
		ev->arg2 = (rec->extra[0] & 0xffff) << 16 | (rec->extra[1] & 0xffff);
	} else if ((e & 0xfffff00fu) == (XT_TRC_SCHED_MIN | 1) && rec->nextra >= 1) {
		/* vcpu_runstate_change(): states in the event id, {vcpu:16, dom:16} */
		ev->id = XPKT_EV_XEN_RUNSTATE;
		ev->domid = (uint16_t)(rec->extra[0] >> 16);
		ev->vcpu = (uint16_t)rec->extra[0];
		ev->arg = (e >> 8) & 0xf;
		ev->arg2 = (e >> 4) & 0xf;
	} else if ((e & 0xfffff0ffu) == 0x0020100du && rec->nextra >= 1) {
		/* TRC_PV_HYPERCALL_V2, with or without TRC_64_FLAG (0x100) */
		uint64_t args[6];

		hc_args(rec, args);
		ev->id = XPKT_EV_XEN_HYPERCALL;
		ev->domid = rec->cur_dom == XT_DOM_NONE ? XPKT_DOMID_NONE : (uint16_t)rec->cur_dom;
		ev->vcpu = rec->cur_vcpu;
		ev->arg = rec->extra[0] & ~XT_HC_ARG_MASK;
		ev->arg2 = (uint32_t)args[0];
		if (ev->arg == XPKT_HC_GRANT_TABLE_OP)
			ev->len = (uint32_t)args[2]; /* GNTTABOP_*(cmd, uop, count) */
	} else if ((e == XT_TRC_MEM_PAGE_GRANT_MAP || e == XT_TRC_MEM_PAGE_GRANT_UNMAP ||
		    e == XT_TRC_MEM_PAGE_GRANT_XFER) &&
		   rec->nextra >= 1) {
		ev->id = e == XT_TRC_MEM_PAGE_GRANT_MAP	    ? XPKT_EV_XEN_GRANT_MAP
			 : e == XT_TRC_MEM_PAGE_GRANT_UNMAP ? XPKT_EV_XEN_GRANT_UNMAP
							    : XPKT_EV_XEN_GRANT_TRANSFER;
		ev->domid = (uint16_t)rec->extra[0];
	} else if (e == XT_TRC_MEM_GNTTAB_FLUSH && rec->nextra >= 3) {
		/*
		 * xen-patch/'s record, emitted after gnttab_flush_tlb():
		 * {domid, grant ops in the batch, CPUs in the dirty mask, flush
		 * cycles}. The flush runs in the unmapping domain's hypercall,
		 * so the vCPU is the one the reader has running on this CPU.
		 */
		ev->id = XPKT_EV_XEN_TLB_FLUSH;
		ev->domid = (uint16_t)rec->extra[0];
		if (rec->cur_dom == rec->extra[0])
			ev->vcpu = rec->cur_vcpu;
		ev->len = rec->extra[1];
		ev->arg2 = rec->extra[2];
		ev->arg = rec->nextra >= 4 ? rec->extra[3] : 0;
	} else if ((e & 0xfffff000u) == XT_TRC_HW_IRQ) {
		ev->id = XPKT_EV_XEN_IRQ;
		ev->arg = rec->nextra ? rec->extra[0] : 0;
	} else if (e == XT_TRC_LOST_RECORDS && rec->nextra >= 1) {
		ev->id = XPKT_EV_LOST;
		ev->arg = rec->extra[0];
	} else {
		return 0;
	}
	return 1;
}

static int xts_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	struct xts *x = s->priv;
	struct xt_rec rec;
	int rc;

	while ((rc = xt_next(x->r, &rec, err)) == 1) {
		if (!convert(&rec, ev))
			continue;
		if (ev->ts < x->last_ts)
			ev->ts = x->last_ts;
		x->last_ts = ev->ts;
		return 1;
	}
	return rc;
}

static void xts_close(struct xpkt_stream *s)
{
	struct xts *x = s->priv;

	if (x) {
		xt_close(x->r);
		free(x);
	}
	s->priv = NULL;
}

int xpkt_xentrace_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err)
{
	struct xts *x = calloc(1, sizeof(*x));

	if (!x)
		return xpkt_err_set(err, "%s: out of memory", path);
	x->r = xt_open(path, err);
	if (!x->r) {
		free(x);
		return -1;
	}
	s->priv = x;
	s->next = xts_next;
	s->close = xts_close;
	return 0;
}
