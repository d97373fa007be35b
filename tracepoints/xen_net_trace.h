/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen_net_trace.h - the tracepoints xpkttrace adds to Linux 6.1's Xen network
 * drivers (netfront-patch/, netback-patch/): one TRACE_EVENT header shared by
 * both, so the two sides of a ring are described in one place.
 *
 * A driver selects its side before including this file:
 *     #define XEN_NET_TRACE_NETFRONT   (TRACE_SYSTEM xen_netfront)
 *     #define XEN_NET_TRACE_NETBACK    (TRACE_SYSTEM xen_netback)
 * and exactly one compilation unit per module also defines CREATE_TRACE_POINTS.
 * The patches' out-of-tree build (netfront-patch/Makefile, netback-patch/
 * Makefile) copies this file next to the patched driver sources and its
 * Kbuild adds -I$(src), which TRACE_INCLUDE_PATH "." below relies on.
 *
 * Field names are the ones the xpkttrace decoder maps generically (skbaddr,
 * len, domid, handle, queue, ring_idx, ring_end, req_id, gref), so that one
 * row of tracepoints/tp_map_xen.c maps one event. The join keys (DESIGN.md
 * section 4, docs/correlation.md section 4) need:
 *  - ring_idx: the free-running RING_IDX of a slot, never masked. Request i of
 *    a TX ring is written by netfront at req_prod_pvt == i and read by netback
 *    at req_cons == i, so (domid, handle, queue, ring_idx) names one request on
 *    both sides. On the RX ring netback answers request i with response i
 *    (xenvif_rx_skb uses req_cons for both), and netfront reads it at
 *    rsp_cons == i: one index names a request and its response.
 *  - domid: always the FRONTEND's domid, on both sides. netfront reads its own
 *    from xenstore ("domid" under its home path) at probe time.
 *  - handle: the vif device id (the H of vifD.H): netback's vif->handle,
 *    netfront's xenbus device id (device/vif/H).
 *  - req_id: netif_tx_request.id. TX responses come back in completion order,
 *    not ring order, so they are joined by (domid, queue, req_id).
 *  - gref: grant reference; reused after release, so scoped by time.
 */
#undef TRACE_SYSTEM
#if defined(XEN_NET_TRACE_NETFRONT) && defined(XEN_NET_TRACE_NETBACK)
#error "define only one of XEN_NET_TRACE_NETFRONT and XEN_NET_TRACE_NETBACK"
#elif defined(XEN_NET_TRACE_NETFRONT)
#define TRACE_SYSTEM xen_netfront
#elif defined(XEN_NET_TRACE_NETBACK)
#define TRACE_SYSTEM xen_netback
#else
#error "define XEN_NET_TRACE_NETFRONT or XEN_NET_TRACE_NETBACK before including xen_net_trace.h"
#endif

/* Kernel TRACE_EVENT layout, not the project's clang-format style. */
/* clang-format off */
#if !defined(_XEN_NET_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XEN_NET_TRACE_H

#include <linux/types.h>
#include <linux/tracepoint.h>

/*
 * A ring push (RING_PUSH_{REQUESTS,RESPONSES}_AND_CHECK_NOTIFY): the slots
 * [ring_idx, ring_end) became visible to the other end. The macro notifies
 * only if the other end's *_event index lies inside the pushed range, i.e.
 * only if the other end asked to be woken; while it is still polling the
 * ring no event channel is sent. That is where notify batching happens, so
 * every push is traced and notified says whether notify_remote_via_irq()
 * followed (1) or not (0).
 */
DECLARE_EVENT_CLASS(xen_net_push,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u32 ring_end,
		 int notified),
	TP_ARGS(domid, handle, queue, ring_idx, ring_end, notified),
	TP_STRUCT__entry(
		__field(u32, ring_idx)
		__field(u32, ring_end)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u8, notified)
	),
	TP_fast_assign(
		__entry->ring_idx = ring_idx;
		__entry->ring_end = ring_end;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->notified = !!notified;
	),
	TP_printk("dom=%u vif=%u q=%u slots=[%u,%u) notified=%u",
		  __entry->domid, __entry->handle, __entry->queue,
		  __entry->ring_idx, __entry->ring_end, __entry->notified)
);

#ifdef XEN_NET_TRACE_NETFRONT

/*
 * xennet_tx_setup_grant: one TX request slot, granted read-only to the
 * backend. len is the bytes of this slot's grant (a slot never crosses a
 * 4 KiB grant); the first slot of a packet later gets skb->len in its
 * request's size field, which is not what is granted, so it is not traced.
 * skbaddr is NULL for XDP frames.
 */
TRACE_EVENT(tx_grant,
	TP_PROTO(const void *skb, u16 domid, u16 handle, u16 queue, u32 ring_idx,
		 u16 req_id, u32 gref, u32 len),
	TP_ARGS(skb, domid, handle, queue, ring_idx, req_id, gref, len),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, ring_idx)
		__field(u32, gref)
		__field(u32, len)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u16, req_id)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ring_idx = ring_idx;
		__entry->gref = gref;
		__entry->len = len;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->req_id = req_id;
	),
	TP_printk("skbaddr=%p dom=%u vif=%u q=%u slot=%u id=%u gref=%u len=%u",
		  __entry->skbaddr, __entry->domid, __entry->handle,
		  __entry->queue, __entry->ring_idx, __entry->req_id,
		  __entry->gref, __entry->len)
);

/* TX requests pushed (xennet_start_xmit, xennet_xdp_xmit_one). */
DEFINE_EVENT(xen_net_push, tx_notify,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u32 ring_end,
		 int notified),
	TP_ARGS(domid, handle, queue, ring_idx, ring_end, notified)
);

/*
 * xennet_tx_buf_gc, one TX response: the backend is done with request
 * req_id, netfront ends the grant (gnttab_end_foreign_access_ref succeeded)
 * and releases gref. ring_idx is the response's slot, which is NOT the
 * request's: netback answers in completion order (after its unmap), so the
 * request is found by req_id. status is XEN_NETIF_RSP_*.
 */
TRACE_EVENT(tx_done,
	TP_PROTO(const void *skb, u16 domid, u16 handle, u16 queue, u32 ring_idx,
		 u16 req_id, u32 gref, int status),
	TP_ARGS(skb, domid, handle, queue, ring_idx, req_id, gref, status),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, ring_idx)
		__field(u32, gref)
		__field(s16, status)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u16, req_id)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ring_idx = ring_idx;
		__entry->gref = gref;
		__entry->status = status;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->req_id = req_id;
	),
	TP_printk("skbaddr=%p dom=%u vif=%u q=%u rsp=%u id=%u gref=%u status=%d",
		  __entry->skbaddr, __entry->domid, __entry->handle,
		  __entry->queue, __entry->ring_idx, __entry->req_id,
		  __entry->gref, __entry->status)
);

/*
 * An RX request posted (xennet_alloc_rx_buffers, or a slot recycled by
 * xennet_move_rx_slot): an empty page granted writable to the backend,
 * which will copy a packet into it. skbaddr is the skb that page belongs to.
 */
TRACE_EVENT(rx_request,
	TP_PROTO(const void *skb, u16 domid, u16 handle, u16 queue, u32 ring_idx,
		 u16 req_id, u32 gref),
	TP_ARGS(skb, domid, handle, queue, ring_idx, req_id, gref),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, ring_idx)
		__field(u32, gref)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u16, req_id)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ring_idx = ring_idx;
		__entry->gref = gref;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->req_id = req_id;
	),
	TP_printk("skbaddr=%p dom=%u vif=%u q=%u slot=%u id=%u gref=%u",
		  __entry->skbaddr, __entry->domid, __entry->handle,
		  __entry->queue, __entry->ring_idx, __entry->req_id,
		  __entry->gref)
);

/* RX requests pushed (xennet_alloc_rx_buffers). */
DEFINE_EVENT(xen_net_push, rx_notify,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u32 ring_end,
		 int notified),
	TP_ARGS(domid, handle, queue, ring_idx, ring_end, notified)
);

/*
 * xennet_get_responses, one RX data slot: the backend's copy landed, the
 * grant is ended and released. ring_idx is rsp_cons of this slot (== the
 * request index, == netback's rx_copy ring_idx). len is the response's
 * status (bytes in the slot); more is XEN_NETRXF_more_data (another slot of
 * the same packet follows). The packet's first slot carries the skb that
 * goes up the stack; the others' pages are moved into it as frags.
 */
TRACE_EVENT(rx_response,
	TP_PROTO(const void *skb, u16 domid, u16 handle, u16 queue, u32 ring_idx,
		 u16 req_id, u32 gref, u32 len, int more),
	TP_ARGS(skb, domid, handle, queue, ring_idx, req_id, gref, len, more),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, ring_idx)
		__field(u32, gref)
		__field(u32, len)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u16, req_id)
		__field(u8, more)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ring_idx = ring_idx;
		__entry->gref = gref;
		__entry->len = len;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->req_id = req_id;
		__entry->more = !!more;
	),
	TP_printk("skbaddr=%p dom=%u vif=%u q=%u slot=%u id=%u gref=%u len=%u more=%u",
		  __entry->skbaddr, __entry->domid, __entry->handle,
		  __entry->queue, __entry->ring_idx, __entry->req_id,
		  __entry->gref, __entry->len, __entry->more)
);

/* handle_incoming_queue: the assembled skb handed to GRO (napi_gro_receive). */
TRACE_EVENT(rx_deliver,
	TP_PROTO(const void *skb, u16 domid, u16 handle, u16 queue, u32 len),
	TP_ARGS(skb, domid, handle, queue, len),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, len)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->len = len;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
	),
	TP_printk("skbaddr=%p dom=%u vif=%u q=%u len=%u", __entry->skbaddr,
		  __entry->domid, __entry->handle, __entry->queue, __entry->len)
);

#endif /* XEN_NET_TRACE_NETFRONT */

#ifdef XEN_NET_TRACE_NETBACK

/*
 * xenvif_get_requests (from xenvif_tx_build_gops), one grant operation on a
 * TX request slot. Netback grant-COPIES the first XEN_NETBACK_TX_COPY_LEN
 * (128) bytes of a packet into the linear area of a local skb (headers must
 * be in local memory for the stack to parse them) and grant-MAPS the rest
 * as frags (zero copy; unmapped later, see tx_unmap). A copy op may cover
 * part of a slot; the rest of that slot is then mapped, so one ring_idx can
 * have both events. The op is only queued here: the hypercalls run batched
 * in xenvif_tx_action (tx_batch marks their end). pending_idx is netback's
 * slot in its pending ring, the handle tx_unmap reports.
 */
DECLARE_EVENT_CLASS(xen_netback_tx_op,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u16 req_id,
		 u32 gref, u32 len, u16 pending_idx),
	TP_ARGS(domid, handle, queue, ring_idx, req_id, gref, len, pending_idx),
	TP_STRUCT__entry(
		__field(u32, ring_idx)
		__field(u32, gref)
		__field(u32, len)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u16, req_id)
		__field(u16, pending_idx)
	),
	TP_fast_assign(
		__entry->ring_idx = ring_idx;
		__entry->gref = gref;
		__entry->len = len;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->req_id = req_id;
		__entry->pending_idx = pending_idx;
	),
	TP_printk("dom=%u vif=%u q=%u slot=%u id=%u gref=%u len=%u pending=%u",
		  __entry->domid, __entry->handle, __entry->queue,
		  __entry->ring_idx, __entry->req_id, __entry->gref,
		  __entry->len, __entry->pending_idx)
);

DEFINE_EVENT(xen_netback_tx_op, tx_copy,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u16 req_id,
		 u32 gref, u32 len, u16 pending_idx),
	TP_ARGS(domid, handle, queue, ring_idx, req_id, gref, len, pending_idx)
);

DEFINE_EVENT(xen_netback_tx_op, tx_map,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u16 req_id,
		 u32 gref, u32 len, u16 pending_idx),
	TP_ARGS(domid, handle, queue, ring_idx, req_id, gref, len, pending_idx)
);

/*
 * xenvif_tx_action after gnttab_batch_copy and gnttab_map_refs returned: the
 * queued copy and map ops of this round are done (one hypercall batch each).
 */
TRACE_EVENT(tx_batch,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 copy_ops, u32 map_ops),
	TP_ARGS(domid, handle, queue, copy_ops, map_ops),
	TP_STRUCT__entry(
		__field(u32, copy_ops)
		__field(u32, map_ops)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
	),
	TP_fast_assign(
		__entry->copy_ops = copy_ops;
		__entry->map_ops = map_ops;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
	),
	TP_printk("dom=%u vif=%u q=%u copy_ops=%u map_ops=%u", __entry->domid,
		  __entry->handle, __entry->queue, __entry->copy_ops,
		  __entry->map_ops)
);

/*
 * xenvif_tx_submit right before netif_receive_skb: the dom0 skb built from
 * the packet's requests enters dom0's stack (then the bridge). ring_idx is
 * the packet's FIRST request slot (kept in the skb's control block from
 * xenvif_get_requests), the key grant_claim set in the guest.
 */
TRACE_EVENT(tx_deliver,
	TP_PROTO(const void *skb, u16 domid, u16 handle, u16 queue, u32 ring_idx,
		 u32 len),
	TP_ARGS(skb, domid, handle, queue, ring_idx, len),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, ring_idx)
		__field(u32, len)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ring_idx = ring_idx;
		__entry->len = len;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
	),
	TP_printk("skbaddr=%p dom=%u vif=%u q=%u slot=%u len=%u",
		  __entry->skbaddr, __entry->domid, __entry->handle,
		  __entry->queue, __entry->ring_idx, __entry->len)
);

/*
 * xenvif_tx_dealloc_action after gnttab_unmap_refs returned: a mapped grant
 * is unmapped because dom0 freed the last reference to its page (the
 * zerocopy callback queued it). Only mapped slots pass here; copied ones are
 * answered right after the copy. Xen flushes TLBs for the unmap batch.
 */
TRACE_EVENT(tx_unmap,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u16 req_id, u32 gref,
		 u16 pending_idx),
	TP_ARGS(domid, handle, queue, req_id, gref, pending_idx),
	TP_STRUCT__entry(
		__field(u32, gref)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u16, req_id)
		__field(u16, pending_idx)
	),
	TP_fast_assign(
		__entry->gref = gref;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->req_id = req_id;
		__entry->pending_idx = pending_idx;
	),
	TP_printk("dom=%u vif=%u q=%u id=%u gref=%u pending=%u",
		  __entry->domid, __entry->handle, __entry->queue,
		  __entry->req_id, __entry->gref, __entry->pending_idx)
);

/*
 * _make_tx_response: netback gives request req_id back to the frontend
 * (after the copy for copied slots, after the unmap for mapped ones), at
 * response slot ring_idx. status is XEN_NETIF_RSP_*.
 */
TRACE_EVENT(tx_response,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u16 req_id,
		 int status),
	TP_ARGS(domid, handle, queue, ring_idx, req_id, status),
	TP_STRUCT__entry(
		__field(u32, ring_idx)
		__field(s16, status)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u16, req_id)
	),
	TP_fast_assign(
		__entry->ring_idx = ring_idx;
		__entry->status = status;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->req_id = req_id;
	),
	TP_printk("dom=%u vif=%u q=%u rsp=%u id=%u status=%d", __entry->domid,
		  __entry->handle, __entry->queue, __entry->ring_idx,
		  __entry->req_id, __entry->status)
);

/* TX responses pushed (push_tx_responses). */
DEFINE_EVENT(xen_net_push, tx_rsp_notify,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u32 ring_end,
		 int notified),
	TP_ARGS(domid, handle, queue, ring_idx, ring_end, notified)
);

/*
 * xenvif_rx_data_slot after xenvif_rx_copy_add: one grant copy op queued
 * from the dom0 skb into the guest's RX buffer of slot ring_idx (req_cons;
 * the response goes to the same index). RX is copy-only: netback never maps
 * guest RX pages. A slot may take several ops (one per source chunk). The
 * copies run batched (gnttab_batch_copy, up to COPY_BATCH_SIZE ops) in
 * xenvif_rx_copy_flush, which rx_notify marks.
 */
TRACE_EVENT(rx_copy,
	TP_PROTO(const void *skb, u16 domid, u16 handle, u16 queue, u32 ring_idx,
		 u32 gref, u32 len, u32 offset),
	TP_ARGS(skb, domid, handle, queue, ring_idx, gref, len, offset),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, ring_idx)
		__field(u32, gref)
		__field(u32, len)
		__field(u32, offset)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ring_idx = ring_idx;
		__entry->gref = gref;
		__entry->len = len;
		__entry->offset = offset;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
	),
	TP_printk("skbaddr=%p dom=%u vif=%u q=%u slot=%u gref=%u len=%u off=%u",
		  __entry->skbaddr, __entry->domid, __entry->handle,
		  __entry->queue, __entry->ring_idx, __entry->gref,
		  __entry->len, __entry->offset)
);

/*
 * xenvif_rx_copy_flush after gnttab_batch_copy: copy_ops ops done, and the
 * responses of all completed packets [ring_idx, ring_end) pushed; notified
 * as in xen_net_push. A flush also happens mid-packet when the copy batch is
 * full; it then pushes only the packets already complete.
 */
TRACE_EVENT(rx_notify,
	TP_PROTO(u16 domid, u16 handle, u16 queue, u32 ring_idx, u32 ring_end,
		 int notified, u32 copy_ops),
	TP_ARGS(domid, handle, queue, ring_idx, ring_end, notified, copy_ops),
	TP_STRUCT__entry(
		__field(u32, ring_idx)
		__field(u32, ring_end)
		__field(u32, copy_ops)
		__field(u16, domid)
		__field(u16, handle)
		__field(u16, queue)
		__field(u8, notified)
	),
	TP_fast_assign(
		__entry->ring_idx = ring_idx;
		__entry->ring_end = ring_end;
		__entry->copy_ops = copy_ops;
		__entry->domid = domid;
		__entry->handle = handle;
		__entry->queue = queue;
		__entry->notified = !!notified;
	),
	TP_printk("dom=%u vif=%u q=%u slots=[%u,%u) notified=%u copy_ops=%u",
		  __entry->domid, __entry->handle, __entry->queue,
		  __entry->ring_idx, __entry->ring_end, __entry->notified,
		  __entry->copy_ops)
);

#endif /* XEN_NET_TRACE_NETBACK */

#endif /* _XEN_NET_TRACE_H */

/* This part must be outside the header guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xen_net_trace
#include <trace/define_trace.h>
/* clang-format on */
