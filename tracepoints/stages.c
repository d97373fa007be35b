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
 *  - Xen 4.17 does not trace TLB flushes; the flush that follows a grant
 *    unmap is taken from the GNTTABOP_unmap_grant_ref hypercall record.
 */
#include <string.h>

#include "tracepoints/stage.h"

#define KEYBIT(k) (1u << (k))
#define REQ	  XPKT_STAGE_REQUIRED

static const struct xpkt_stage tx_stages[] = {
    {XPKT_TX, "tcp_build", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_TCP_XMIT, XPKT_DEV_ANY,
     XPKT_JOIN_ORIGIN, XPKT_KEY_NONE, -1, KEYBIT(XPKT_KEY_SKB), REQ,
     "kprobe __ip_queue_xmit (6.1 has no TCP-build tracepoint)", "skb, flow, seq, len"},
    {XPKT_TX, "grant_claim", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_NF_TX_GRANT, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 0, KEYBIT(XPKT_KEY_TX_SLOT) | KEYBIT(XPKT_KEY_REQ_ID), REQ,
     "netfront patch: xennet_tx_setup_grant", "skb, queue, ring_idx, req_id, gref"},
    {XPKT_TX, "evtchn_notify", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_NF_TX_NOTIFY, XPKT_DEV_ANY,
     XPKT_JOIN_SLOT_RANGE, XPKT_KEY_TX_SLOT, 1, 0, REQ,
     "netfront patch: notify_remote_via_irq after RING_PUSH_REQUESTS_AND_CHECK_NOTIFY",
     "queue, ring_idx range"},
    {XPKT_TX, "vm_switch", XPKT_DOM_XEN, XPKT_MODE_XEN, XPKT_EV_XEN_SWITCH, XPKT_DEV_ANY,
     XPKT_JOIN_SWITCH_IN, XPKT_KEY_NONE, 2, 0, 0,
     "xentrace TRC_SCHED_SWITCH 0x0002800a: first switch-in of the backend domain",
     "pcpu, next domid, vcpu"},
    {XPKT_TX, "backend_copy", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_NB_TX_COPY, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_TX_SLOT, 1, 0, REQ,
     "netback patch: xenvif_tx_build_gops (header grant copy)",
     "domid, handle, queue, ring_idx, gref, bytes"},
    {XPKT_TX, "backend_map", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_NB_TX_MAP, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_TX_SLOT, 1, KEYBIT(XPKT_KEY_GREF), 0,
     "netback patch: xenvif_tx_build_gops (grant map beyond 128 bytes)",
     "domid, handle, queue, ring_idx, gref, bytes"},
    {XPKT_TX, "backend_deliver", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_NB_TX_DELIVER, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_TX_SLOT, 1, KEYBIT(XPKT_KEY_SKB), REQ,
     "netback patch: xenvif_tx_submit before netif_receive_skb",
     "domid, handle, queue, ring_idx, dom0 skb"},
    {XPKT_TX, "bridge_forward", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_BR_FORWARD, XPKT_DEV_NIC,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 6, 0, REQ,
     "kprobe br_forward (no tracepoint exists), egress port the NIC", "dom0 skb, out port"},
    {XPKT_TX, "nic_transmit", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_DEV_XMIT, XPKT_DEV_NIC,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 6, KEYBIT(XPKT_KEY_SEQ_RANGE), REQ,
     "net:net_dev_start_xmit on the NIC", "dom0 skb, flow, seq, len"},
    {XPKT_TX, "wire", XPKT_DOM_WIRE, XPKT_MODE_XEN, XPKT_EV_WIRE, XPKT_DEV_ANY, XPKT_JOIN_SEQ_IN,
     XPKT_KEY_SEQ_RANGE, 8, 0, REQ, "pcap on the egress wire: first segment of the skb",
     "flow, seq"},
    {XPKT_TX, "grant_unmap", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_NB_TX_UNMAP, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_GREF, 5, 0, 0,
     "netback patch: xenvif_tx_dealloc_action (zerocopy callback done)", "domid, gref"},
    {XPKT_TX, "tlb_flush", XPKT_DOM_XEN, XPKT_MODE_XEN, XPKT_EV_XEN_HYPERCALL, XPKT_DEV_ANY,
     XPKT_JOIN_UNMAP_CALL, XPKT_KEY_NONE, 10, 0, XPKT_STAGE_INFERRED,
     "inferred: TRC_PV_HYPERCALL_V2 grant_table_op unmap from dom0 (Xen 4.17 has no "
     "flush record)",
     "pcpu, count"},
    {XPKT_TX, "tx_complete", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_NF_TX_DONE, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_REQ_ID, 1, 0, REQ | XPKT_STAGE_TERMINAL,
     "netfront patch: xennet_tx_buf_gc, gnttab_end_foreign_access_ref", "queue, req_id, gref"},
};

static const struct xpkt_stage rx_stages[] = {
    {XPKT_RX, "wire_rx", XPKT_DOM_WIRE, XPKT_MODE_XEN, XPKT_EV_WIRE, XPKT_DEV_ANY, XPKT_JOIN_ORIGIN,
     XPKT_KEY_NONE, -1, KEYBIT(XPKT_KEY_FLOW_SEQ), REQ, "pcap on the ingress wire",
     "flow, seq, len"},
    {XPKT_RX, "nic_receive", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_NETIF_RECEIVE, XPKT_DEV_NIC,
     XPKT_JOIN_KEY, XPKT_KEY_FLOW_SEQ, 0, KEYBIT(XPKT_KEY_SKB), REQ,
     "net:netif_receive_skb on the NIC", "dom0 skb, flow, seq"},
    {XPKT_RX, "bridge_forward", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_BR_FORWARD, XPKT_DEV_VIF,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 1, 0, REQ, "kprobe br_forward, egress port a vif",
     "dom0 skb, out port"},
    {XPKT_RX, "vif_transmit", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_DEV_XMIT, XPKT_DEV_VIF,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 1, 0, REQ, "net:net_dev_start_xmit on vifD.H", "dom0 skb"},
    {XPKT_RX, "backend_rx_copy", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_NB_RX_COPY, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 1, KEYBIT(XPKT_KEY_RX_SLOT), REQ,
     "netback patch: xenvif_rx_copy_add (gnttab_batch_copy, copy only)",
     "dom0 skb, domid, queue, ring_idx, gref, bytes"},
    {XPKT_RX, "rx_notify", XPKT_DOM_DOM0, XPKT_MODE_XEN, XPKT_EV_NB_RX_NOTIFY, XPKT_DEV_ANY,
     XPKT_JOIN_SLOT_RANGE, XPKT_KEY_RX_SLOT, 4, 0, REQ,
     "netback patch: xenvif_rx_action notify_remote_via_irq", "domid, queue, ring_idx range"},
    {XPKT_RX, "vm_switch", XPKT_DOM_XEN, XPKT_MODE_XEN, XPKT_EV_XEN_SWITCH, XPKT_DEV_ANY,
     XPKT_JOIN_SWITCH_IN, XPKT_KEY_NONE, 5, 0, 0,
     "xentrace TRC_SCHED_SWITCH: first switch-in of the frontend domain", "pcpu, next domid, vcpu"},
    {XPKT_RX, "netfront_rx", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_NF_RX_RESPONSE, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_RX_SLOT, 4, KEYBIT(XPKT_KEY_SKB), REQ,
     "netfront patch: xennet_get_responses", "guest skb, queue, ring_idx, gref"},
    {XPKT_RX, "gro_receive", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_GRO_RECEIVE, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 7, 0, REQ, "net:napi_gro_receive_entry", "guest skb"},
    {XPKT_RX, "tcp_receive", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_TCP_RCV, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 7, 0, REQ, "tcp:tcp_probe (tcp_rcv_established)",
     "guest skb, flow, seq"},
    {XPKT_RX, "socket_copy", XPKT_DOM_GUEST, XPKT_MODE_XEN, XPKT_EV_SKB_COPY_DATAGRAM, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 7, 0, REQ | XPKT_STAGE_TERMINAL, "skb:skb_copy_datagram_iovec",
     "guest skb, len"},
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
    {XPKT_TX, "tcp_build", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_TCP_SENDMSG, XPKT_DEV_ANY,
     XPKT_JOIN_ORIGIN, XPKT_KEY_NONE, -1, KEYBIT(XPKT_KEY_SKB),
     REQ | XPKT_STAGE_FCLONE | XPKT_STAGE_APPENDS,
     "tcp:tcp_sendmsg_locked (data into the write-queue skb)", "skb, len"},
    {XPKT_TX, "dev_queue", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_DEV_QUEUE, XPKT_DEV_VETH,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 0, 0, REQ, "net:net_dev_queue on the sender's veth",
     "skb (the clone), len"},
    {XPKT_TX, "dev_xmit", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_DEV_XMIT, XPKT_DEV_VETH,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 0, 0, REQ, "net:net_dev_start_xmit on the sender's veth",
     "skb, len"},
    {XPKT_TX, "bridge_in", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_NETIF_RECEIVE, XPKT_DEV_PORT,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 0, 0, REQ, "net:netif_receive_skb on the ingress bridge port",
     "skb"},
    {XPKT_TX, "bridge_forward", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_DEV_XMIT, XPKT_DEV_PORT,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 0, 0, REQ, "net:net_dev_start_xmit on the egress bridge port",
     "skb"},
    {XPKT_TX, "receive", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_NETIF_RECEIVE, XPKT_DEV_VETH,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 0, 0, REQ, "net:netif_receive_skb on the receiver's veth", "skb"},
    {XPKT_TX, "tcp_receive", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_TCP_RCV, XPKT_DEV_ANY,
     XPKT_JOIN_KEY, XPKT_KEY_SKB, 0, KEYBIT(XPKT_KEY_STREAM), REQ,
     "tcp:tcp_probe (tcp_rcv_established)", "skb, flow, data_len"},
    {XPKT_TX, "socket_copy", XPKT_DOM_HOST, XPKT_MODE_NATIVE, XPKT_EV_SKB_COPY_DATAGRAM,
     XPKT_DEV_ANY, XPKT_JOIN_FLOW_BYTES, XPKT_KEY_STREAM, 6, 0, REQ | XPKT_STAGE_TERMINAL,
     "skb:skb_copy_datagram_iovec (tcp_recvmsg)", "skb, len"},
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
