// SPDX-License-Identifier: GPL-2.0
/*
 * stages.c - the stage catalogue rows. See stage.h for what the columns mean.
 *
 * Kernel and Xen facts the rows rely on (Linux 6.1, Xen 4.17):
 *  - netfront grants each TX slot in xennet_tx_setup_grant() and pushes the
 *    ring with one notify_remote_via_irq() per batch, so one notify covers a
 *    range of slots (notify batching).
 *  - netback grant-copies the first XEN_NETBACK_TX_COPY_LEN (128) bytes and
 *    grant-maps the rest (xenvif_tx_build_gops), so backend_map exists only
 *    for packets longer than 128 bytes, and only mapped grants are unmapped.
 *  - TX responses are written after the unmap (xenvif_tx_dealloc_action), in
 *    completion order, not request order: they are joined by request id.
 *  - Xen 4.17 does not trace TLB flushes; the flush of a grant unmap is
 *    taken from the GNTTABOP_unmap_grant_ref hypercall record: netback's
 *    tx_unmap is logged after gnttab_unmap_refs() returned, so tlb_flush
 *    sits before grant_unmap and is the latest such call before it.
 *  - A TX packet takes several ring slots (header slot, GSO extra-info slot,
 *    one slot per page), each with its own request id and grant; netback
 *    copies, maps, unmaps and answers slot by slot: XPKT_STAGE_PER_SLOT.
 *  - dom0's GRO merges the segments of a flow into the first one's skb
 *    (skb_gro_receive); only that skb reaches netif_receive_skb:
 *    XPKT_STAGE_GRO_HEAD on nic_receive, nic_gro names each segment's skb.
 */
#include <string.h>

#include "tracepoints/stage.h"

#define KEYBIT(k) (1u << (k))
#define REQ	  XPKT_STAGE_REQUIRED

static const struct xpkt_stage tx_stages[] = {
    {.dir = XPKT_TX,
     .name = "tcp_build",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_TCP_XMIT,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_ORIGIN,
     .key = XPKT_KEY_NONE,
     .key_from = -1,
     .sets = KEYBIT(XPKT_KEY_SKB),
     .flags = REQ,
     .hook = "kprobe __ip_queue_xmit (6.1 has no TCP-build tracepoint)",
     .keys = "skb, flow, seq, len"},
    {.dir = XPKT_TX,
     .name = "grant_claim",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NF_TX_GRANT,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 0,
     .sets = KEYBIT(XPKT_KEY_TX_SLOT) | KEYBIT(XPKT_KEY_REQ_ID),
     .flags = REQ | XPKT_STAGE_PER_SLOT,
     .hook = "netfront patch: xennet_tx_setup_grant",
     .keys = "skb, queue, ring_idx, req_id, gref"},
    {.dir = XPKT_TX,
     .name = "evtchn_notify",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NF_TX_NOTIFY,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_SLOT_RANGE,
     .key = XPKT_KEY_TX_SLOT,
     .key_from = 1,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_AFTER_ACTION,
     .hook = "netfront patch: notify_remote_via_irq after RING_PUSH_REQUESTS_AND_CHECK_NOTIFY",
     .keys = "queue, ring_idx range"},
    {.dir = XPKT_TX,
     .name = "vm_switch",
     .domain = XPKT_DOM_XEN,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_XEN_SWITCH,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_SWITCH_IN,
     .key = XPKT_KEY_NONE,
     .key_from = 2,
     .sets = 0,
     .flags = 0,
     .hook = "xentrace TRC_SCHED_SWITCH 0x0002800a: first switch-in of the backend domain",
     .keys = "pcpu, next domid, vcpu"},
    {.dir = XPKT_TX,
     .name = "backend_copy",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NB_TX_COPY,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_TX_SLOT,
     .key_from = 1,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_PER_SLOT,
     .hook = "netback patch: xenvif_tx_build_gops (header grant copy)",
     .keys = "domid, handle, queue, ring_idx, gref, bytes"},
    {.dir = XPKT_TX,
     .name = "backend_map",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NB_TX_MAP,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_TX_SLOT,
     .key_from = 1,
     .sets = KEYBIT(XPKT_KEY_GREF),
     .flags = XPKT_STAGE_PER_SLOT,
     .hook = "netback patch: xenvif_tx_build_gops (grant map beyond 128 bytes)",
     .keys = "domid, handle, queue, ring_idx, gref, bytes"},
    {.dir = XPKT_TX,
     .name = "backend_deliver",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NB_TX_DELIVER,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_TX_SLOT,
     .key_from = 1,
     .sets = KEYBIT(XPKT_KEY_SKB),
     .flags = REQ,
     .hook = "netback patch: xenvif_tx_submit before netif_receive_skb",
     .keys = "domid, handle, queue, ring_idx, dom0 skb"},
    {.dir = XPKT_TX,
     .name = "bridge_forward",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_BR_FORWARD,
     .dev_kind = XPKT_DEV_NIC,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 6,
     .sets = 0,
     .flags = REQ,
     .hook = "kprobe br_forward (no tracepoint exists), egress port the NIC",
     .keys = "dom0 skb, out port"},
    {.dir = XPKT_TX,
     .name = "nic_transmit",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_DEV_XMIT,
     .dev_kind = XPKT_DEV_NIC,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 6,
     .sets = KEYBIT(XPKT_KEY_SEQ_RANGE),
     .flags = REQ,
     .hook = "net:net_dev_start_xmit on the NIC",
     .keys = "dom0 skb, flow, seq, len"},
    {.dir = XPKT_TX,
     .name = "wire",
     .domain = XPKT_DOM_WIRE,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_WIRE,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_SEQ_IN,
     .key = XPKT_KEY_SEQ_RANGE,
     .key_from = 8,
     .sets = 0,
     .flags = REQ,
     .hook = "pcap on the egress wire: first segment of the skb",
     .keys = "flow, seq"},
    {.dir = XPKT_TX,
     .name = "tlb_flush",
     .domain = XPKT_DOM_XEN,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_XEN_HYPERCALL,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_UNMAP_CALL,
     .key = XPKT_KEY_NONE,
     .key_from = 5,
     .sets = 0,
     .flags = XPKT_STAGE_INFERRED,
     .hook = "inferred: last TRC_PV_HYPERCALL_V2 grant_table_op unmap from dom0 before the "
	     "packet's grant_unmap (Xen 4.17 has no flush record); measured from "
	     "TRC_MEM_GNTTAB_FLUSH where the hypervisor has xen-patch/",
     .keys = "pcpu, count"},
    {.dir = XPKT_TX,
     .name = "grant_unmap",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NB_TX_UNMAP,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_GREF,
     .key_from = 5,
     .sets = 0,
     .flags = XPKT_STAGE_PER_SLOT,
     .hook = "netback patch: xenvif_tx_dealloc_action (zerocopy callback done)",
     .keys = "domid, gref"},
    {.dir = XPKT_TX,
     .name = "tx_complete",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NF_TX_DONE,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_REQ_ID,
     .key_from = 1,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_TERMINAL | XPKT_STAGE_PER_SLOT,
     .hook = "netfront patch: xennet_tx_buf_gc, gnttab_end_foreign_access_ref",
     .keys = "queue, req_id, gref"},
};

static const struct xpkt_stage rx_stages[] = {
    {.dir = XPKT_RX,
     .name = "wire_rx",
     .domain = XPKT_DOM_WIRE,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_WIRE,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_ORIGIN,
     .key = XPKT_KEY_NONE,
     .key_from = -1,
     .sets = KEYBIT(XPKT_KEY_FLOW_SEQ),
     .flags = REQ,
     .hook = "pcap on the ingress wire",
     .keys = "flow, seq, len"},
    {.dir = XPKT_RX,
     .name = "nic_gro",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_GRO_RECEIVE,
     .dev_kind = XPKT_DEV_NIC,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_FLOW_SEQ,
     .key_from = 0,
     .sets = KEYBIT(XPKT_KEY_SKB),
     .flags = REQ,
     .hook = "kprobe napi_gro_receive on the NIC: one wire segment's own skb",
     .keys = "dom0 skb, flow, seq, TCP payload bytes"},
    {.dir = XPKT_RX,
     .name = "nic_receive",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NETIF_RECEIVE,
     .dev_kind = XPKT_DEV_NIC,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 1,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_GRO_HEAD,
     .hook = "net:netif_receive_skb on the NIC (GRO's merged skb, its head segment's)",
     .keys = "dom0 skb, bytes (IP level)",
     .gro_hdr_bytes = 40},
    {.dir = XPKT_RX,
     .name = "bridge_forward",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_BR_FORWARD,
     .dev_kind = XPKT_DEV_VIF,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 1,
     .sets = 0,
     .flags = REQ,
     .hook = "kprobe br_forward, egress port a vif",
     .keys = "dom0 skb, out port"},
    {.dir = XPKT_RX,
     .name = "vif_transmit",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_DEV_XMIT,
     .dev_kind = XPKT_DEV_VIF,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 1,
     .sets = 0,
     .flags = REQ,
     .hook = "net:net_dev_start_xmit on vifD.H",
     .keys = "dom0 skb"},
    {.dir = XPKT_RX,
     .name = "backend_rx_copy",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NB_RX_COPY,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 1,
     .sets = KEYBIT(XPKT_KEY_RX_SLOT),
     .flags = REQ | XPKT_STAGE_PER_SLOT,
     .hook = "netback patch: xenvif_rx_copy_add (gnttab_batch_copy, copy only)",
     .keys = "dom0 skb, domid, queue, ring_idx, gref, bytes"},
    {.dir = XPKT_RX,
     .name = "rx_notify",
     .domain = XPKT_DOM_DOM0,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NB_RX_NOTIFY,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_SLOT_RANGE,
     .key = XPKT_KEY_RX_SLOT,
     .key_from = 5,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_AFTER_ACTION,
     .hook = "netback patch: xenvif_rx_action notify_remote_via_irq",
     .keys = "domid, queue, ring_idx range"},
    {.dir = XPKT_RX,
     .name = "vm_switch",
     .domain = XPKT_DOM_XEN,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_XEN_SWITCH,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_SWITCH_IN,
     .key = XPKT_KEY_NONE,
     .key_from = 6,
     .sets = 0,
     .flags = 0,
     .hook = "xentrace TRC_SCHED_SWITCH: first switch-in of the frontend domain",
     .keys = "pcpu, next domid, vcpu"},
    {.dir = XPKT_RX,
     .name = "netfront_rx",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_NF_RX_RESPONSE,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_RX_SLOT,
     .key_from = 5,
     .sets = KEYBIT(XPKT_KEY_SKB),
     .flags = REQ | XPKT_STAGE_PER_SLOT,
     .hook = "netfront patch: xennet_get_responses",
     .keys = "guest skb, queue, ring_idx, gref"},
    {.dir = XPKT_RX,
     .name = "gro_receive",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_GRO_RECEIVE,
     .dev_kind = XPKT_DEV_GUEST,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 8,
     .sets = 0,
     .flags = REQ,
     .hook = "net:napi_gro_receive_entry on the guest's netfront device",
     .keys = "guest skb"},
    {.dir = XPKT_RX,
     .name = "tcp_receive",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_TCP_RCV,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 8,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_GRO_HEAD,
     .hook = "kprobe tcp_rcv_established (6.1's tcp:tcp_probe names no skb); the guest's "
	     "GRO head: segments appended to it end merged",
     .keys = "guest skb, flow, seq, payload len",
     .gro_hdr_bytes = 0},
    {.dir = XPKT_RX,
     .name = "socket_copy",
     .domain = XPKT_DOM_GUEST,
     .modes = XPKT_MODE_XEN,
     .event = XPKT_EV_SKB_COPY_DATAGRAM,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 8,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_TERMINAL,
     .hook = "skb:skb_copy_datagram_iovec",
     .keys = "guest skb, len"},
};

/*
 * Native Linux (no Xen): iperf3 between two network namespaces joined by
 * veth pairs through a bridge, all in one kernel. Facts relied on (6.x):
 * tcp_stream_alloc_skb() allocates write-queue skbs from the fast-clone cache
 * and tcp_transmit_skb() sends the clone that sits right after it; veth
 * (__dev_forward_skb) and the bridge (one egress port) pass that same skb
 * to the receiving socket, so one address follows the packet end to end.
 * "tx" is the client-to-server direction; native mode has no "rx" rows.
 */
static const struct xpkt_stage native_tx_stages[] = {
    {.dir = XPKT_TX,
     .name = "tcp_build",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_TCP_SENDMSG,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_ORIGIN,
     .key = XPKT_KEY_NONE,
     .key_from = -1,
     .sets = KEYBIT(XPKT_KEY_SKB),
     .flags = REQ | XPKT_STAGE_FCLONE | XPKT_STAGE_APPENDS,
     .hook = "tcp:tcp_sendmsg_locked (data into the write-queue skb)",
     .keys = "skb, len"},
    {.dir = XPKT_TX,
     .name = "dev_queue",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_DEV_QUEUE,
     .dev_kind = XPKT_DEV_VETH,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 0,
     .sets = 0,
     .flags = REQ,
     .hook = "net:net_dev_queue on the sender's veth",
     .keys = "skb (the clone), len"},
    {.dir = XPKT_TX,
     .name = "dev_xmit",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_DEV_XMIT,
     .dev_kind = XPKT_DEV_VETH,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 0,
     .sets = 0,
     .flags = REQ,
     .hook = "net:net_dev_start_xmit on the sender's veth",
     .keys = "skb, len"},
    {.dir = XPKT_TX,
     .name = "bridge_in",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_NETIF_RECEIVE,
     .dev_kind = XPKT_DEV_PORT,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 0,
     .sets = 0,
     .flags = REQ,
     .hook = "net:netif_receive_skb on the ingress bridge port",
     .keys = "skb"},
    {.dir = XPKT_TX,
     .name = "bridge_forward",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_DEV_XMIT,
     .dev_kind = XPKT_DEV_PORT,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 0,
     .sets = 0,
     .flags = REQ,
     .hook = "net:net_dev_start_xmit on the egress bridge port",
     .keys = "skb"},
    {.dir = XPKT_TX,
     .name = "receive",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_NETIF_RECEIVE,
     .dev_kind = XPKT_DEV_VETH,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 0,
     .sets = 0,
     .flags = REQ,
     .hook = "net:netif_receive_skb on the receiver's veth",
     .keys = "skb"},
    {.dir = XPKT_TX,
     .name = "tcp_receive",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_TCP_RCV,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_KEY,
     .key = XPKT_KEY_SKB,
     .key_from = 0,
     .sets = KEYBIT(XPKT_KEY_STREAM),
     .flags = REQ,
     .hook = "tcp:tcp_probe (tcp_rcv_established)",
     .keys = "skb, flow, data_len"},
    {.dir = XPKT_TX,
     .name = "socket_copy",
     .domain = XPKT_DOM_HOST,
     .modes = XPKT_MODE_NATIVE,
     .event = XPKT_EV_SKB_COPY_DATAGRAM,
     .dev_kind = XPKT_DEV_ANY,
     .join = XPKT_JOIN_FLOW_BYTES,
     .key = XPKT_KEY_STREAM,
     .key_from = 6,
     .sets = 0,
     .flags = REQ | XPKT_STAGE_TERMINAL,
     .hook = "skb:skb_copy_datagram_iovec (tcp_recvmsg)",
     .keys = "skb, len"},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	enum xpkt_mode mode;
	enum xpkt_dir dir;
	const struct xpkt_stage *rows;
	unsigned n;
} catalogue[] = {
    {XPKT_MODE_XEN, XPKT_TX, tx_stages, ARRAY_SIZE(tx_stages)},
    {XPKT_MODE_XEN, XPKT_RX, rx_stages, ARRAY_SIZE(rx_stages)},
    {XPKT_MODE_NATIVE, XPKT_TX, native_tx_stages, ARRAY_SIZE(native_tx_stages)},
};

const struct xpkt_stage *xpkt_mode_stages(enum xpkt_mode mode, enum xpkt_dir dir, unsigned *n)
{
	for (unsigned i = 0; i < ARRAY_SIZE(catalogue); i++)
		if (catalogue[i].mode == mode && catalogue[i].dir == dir) {
			*n = catalogue[i].n;
			return catalogue[i].rows;
		}
	*n = 0;
	return NULL;
}

int xpkt_mode_stage_find(enum xpkt_mode mode, enum xpkt_dir dir, const char *name)
{
	unsigned n;
	const struct xpkt_stage *s = xpkt_mode_stages(mode, dir, &n);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return (int)i;
	return -1;
}

const struct xpkt_stage *xpkt_stages(enum xpkt_dir dir, unsigned *n)
{
	return xpkt_mode_stages(XPKT_MODE_XEN, dir, n);
}

int xpkt_stage_find(enum xpkt_dir dir, const char *name)
{
	return xpkt_mode_stage_find(XPKT_MODE_XEN, dir, name);
}

const char *xpkt_mode_name(enum xpkt_mode mode)
{
	return mode == XPKT_MODE_NATIVE ? "native" : mode == XPKT_MODE_XEN ? "xen" : "?";
}

unsigned xpkt_mode_parse(const char *name)
{
	if (!strcmp(name, "xen"))
		return XPKT_MODE_XEN;
	if (!strcmp(name, "native"))
		return XPKT_MODE_NATIVE;
	return 0;
}

static const char *const dir_names[XPKT_DIR_COUNT] = {"tx", "rx"};

const char *xpkt_dir_name(enum xpkt_dir dir)
{
	return dir < XPKT_DIR_COUNT ? dir_names[dir] : "?";
}

int xpkt_dir_parse(const char *name)
{
	for (int i = 0; i < XPKT_DIR_COUNT; i++)
		if (!strcmp(dir_names[i], name))
			return i;
	return -1;
}

static const char *const key_names[XPKT_KEY_COUNT] = {
    "none", "skb", "tx_slot", "rx_slot", "req_id", "gref", "flow_seq", "seq_range", "stream",
};

const char *xpkt_key_name(enum xpkt_key key)
{
	return key < XPKT_KEY_COUNT ? key_names[key] : "?";
}
