// SPDX-License-Identifier: GPL-2.0
/*
 * tp_map.c - the tracepoint table. Field names are those of Linux 6.1 and
 * 6.18 (include/trace/events/net.h, skb.h, tcp.h); both kernels agree on
 * them for the rows below.
 */
#include <string.h>

#include "tracepoints/event.h"
#include "tracepoints/tp_map.h"
#include "tracepoints/tp_map_xen.h"

#define SKB "skbaddr|skb_addr"

/*
 * Capture filters (the recording's cost is per event: ~1 us of CPU each at
 * 300 k events/s, measured here). The reverse direction's pure ACKs are
 * about a fifth of a native iperf3 trace and no stage uses them: a device
 * event's skb->len is at most 134 bytes for a header-only frame (14 + 60 +
 * 60, the correlator's own NATIVE_HDR_MAX_BYTES rule) and tcp_probe's
 * data_len is 0 for a pure ACK. Cost of the device filter: a data frame of
 * at most 134 bytes (under ~70 payload bytes, e.g. iperf3's control
 * messages) loses its device stages too and ends partial.
 */
#define NOT_HDR_ONLY "len > 134"

static const struct xpkt_tp_map maps[] = {
    /* TX: socket write queue, qdisc entry, driver entry. skb_len 0: no tail
     * skb yet (skb_addr 0), an event the correlator ignores. */
    {"tcp", "tcp_sendmsg_locked", XPKT_EV_TCP_SENDMSG, SKB, "skb_len", NULL, NULL, XPKT_TP_NATIVE,
     "skb_len > 0"},
    {"net", "net_dev_queue", XPKT_EV_DEV_QUEUE, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY},
    {"net", "net_dev_start_xmit", XPKT_EV_DEV_XMIT, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY},
    /* RX: driver / backlog entry, GRO, stack entry, TCP, copy to user */
    /* Not in the native set: no stage uses it, and on veth it fires for
     * every frame (~15 % of a native trace) right before the backlog run
     * that netif_receive_skb already marks. */
    {"net", "netif_rx", XPKT_EV_NETIF_RX, SKB, "len", "name", NULL, 0, NOT_HDR_ONLY},
    {"net", "napi_gro_receive_entry", XPKT_EV_GRO_RECEIVE, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY},
    {"net", "netif_receive_skb", XPKT_EV_NETIF_RECEIVE, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY},
    /* data_len: segment payload (skb->len minus the TCP header) */
    {"tcp", "tcp_probe", XPKT_EV_TCP_RCV, SKB, "data_len", NULL, NULL,
     XPKT_TP_NATIVE | XPKT_TP_SOCK_FLOW, "data_len > 0"},
    {"skb", "skb_copy_datagram_iovec", XPKT_EV_SKB_COPY_DATAGRAM, SKB, "len", NULL, NULL,
     XPKT_TP_NATIVE, NULL},
    /* lifetimes of skb addresses (DESIGN.md section 4) */
    {"skb", "consume_skb", XPKT_EV_CONSUME_SKB, SKB, NULL, NULL, NULL, XPKT_TP_NATIVE, NULL},
    {"skb", "kfree_skb", XPKT_EV_KFREE_SKB, SKB, NULL, NULL, "reason", XPKT_TP_NATIVE, NULL},
    /* kprobe events (xpkt_tp_kprobes below); "skb" is the fetch argument's name */
    /* len: skb->len there is TCP header + payload; "len > 60" (the largest
     * TCP header) leaves pure ACKs out, so only data segments are origins. */
    {"kprobe", "__ip_queue_xmit", XPKT_EV_TCP_XMIT, "skb", "len", NULL, NULL, 0, "len > 60"},
    {"kprobe", "br_forward", XPKT_EV_BR_FORWARD, "skb", NULL, "dev", NULL, 0, NULL},
};

/*
 * Linux 6.1 signatures (x86-64: 1st argument %di, 2nd %si, 3rd %dx, 4th %cx,
 * 5th %r8, 6th %r9):
 *   int __ip_queue_xmit(struct sock *sk, struct sk_buff *skb, struct flowi *fl, __u8 tos)
 *   void br_forward(const struct net_bridge_port *to, struct sk_buff *skb,
 *                   bool local_rcv, bool local_orig)
 *   int skb_copy_bits(const struct sk_buff *skb, int offset, void *to, int len)
 *   static void tcp_collapse(struct sock *sk, struct sk_buff_head *list,
 *                            struct rb_root *root, struct sk_buff *head,
 *                            struct sk_buff *tail, u32 start, u32 end)
 * __ip_queue_xmit's len is skb->len; its offset comes from the running
 * kernel's BTF when the probe is created ({sk_buff.len}, capture/
 * kprobe_args.h: 112 in Debian's 6.1.0-56-amd64). At that call skb->data
 * is the TCP header (tcp_transmit_skb pushed it; the IP header comes later),
 * so skb->len is TCP header + payload. Flow and sequence could be fetched
 * too (sk_daddr +0, sk_rcv_saddr +4, sk_dport +12 of the sock; seq at
 * +4(+208(%si)), skb->data at 208) but arrive in network byte order, which
 * neither kprobe fetch types nor the decoder's field rows convert: not yet.
 * skb_copy_bits and tcp_collapse are the receive-side hotspots (DESIGN.md
 * section 6): recorded, not yet joined by any stage (no row above).
 */
static const struct xpkt_tp_kprobe kprobes[] = {
    {"__ip_queue_xmit", "sk=%di:x64 skb=%si:x64 len=+{sk_buff.len}(%si):u32"},
    /* dev: to->dev->name, the egress port's device (struct net_bridge_port
     * begins with br, then dev, at offset 8; name is net_device's first member) */
    {"br_forward", "port=%di:x64 skb=%si:x64 dev=+0(+8(%di)):string"},
    {"skb_copy_bits", "skb=%di:x64 offset=%si:s32 len=%cx:s32"},
    {"tcp_collapse", "sk=%di:x64 skb=%cx:x64 start=%r9:u32"},
};

static const char *const kprobe_points[] = {
    "__ip_queue_xmit",
    "br_forward",
    "skb_copy_bits",
    "tcp_collapse",
};

_Static_assert(sizeof(kprobes) / sizeof(kprobes[0]) ==
		   sizeof(kprobe_points) / sizeof(kprobe_points[0]),
	       "one probe per kprobe point");

const struct xpkt_tp_map *xpkt_tp_maps(unsigned *n)
{
	*n = sizeof(maps) / sizeof(maps[0]);
	return maps;
}

const struct xpkt_tp_map *xpkt_tp_find(const char *system, const char *event)
{
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (!strcmp(maps[i].system, system) && !strcmp(maps[i].event, event))
			return &maps[i];
	/* The netfront/netback patch tracepoints (tp_map_xen.c). */
	return xpkt_tp_xen_find(system, event);
}

const char *const *xpkt_tp_kprobe_points(unsigned *n)
{
	*n = sizeof(kprobe_points) / sizeof(kprobe_points[0]);
	return kprobe_points;
}

const struct xpkt_tp_kprobe *xpkt_tp_kprobes(unsigned *n)
{
	*n = sizeof(kprobes) / sizeof(kprobes[0]);
	return kprobes;
}
