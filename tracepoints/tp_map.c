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
     "skb_len > 0", XPKT_TP_HDR_NONE},
    {"net", "net_dev_queue", XPKT_EV_DEV_QUEUE, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY, XPKT_TP_HDR_NONE},
    {"net", "net_dev_start_xmit", XPKT_EV_DEV_XMIT, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY, XPKT_TP_HDR_NONE},
    /* RX: driver / backlog entry, GRO, stack entry, TCP, copy to user */
    /* Not in the native set: no stage uses it, and on veth it fires for
     * every frame (~15 % of a native trace) right before the backlog run
     * that netif_receive_skb already marks. */
    {"net", "netif_rx", XPKT_EV_NETIF_RX, SKB, "len", "name", NULL, 0, NOT_HDR_ONLY,
     XPKT_TP_HDR_NONE},
    {"net", "napi_gro_receive_entry", XPKT_EV_GRO_RECEIVE, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY, XPKT_TP_HDR_NONE},
    {"net", "netif_receive_skb", XPKT_EV_NETIF_RECEIVE, SKB, "len", "name", NULL, XPKT_TP_NATIVE,
     NOT_HDR_ONLY, XPKT_TP_HDR_NONE},
    /* data_len: segment payload (skb->len minus the TCP header) */
    {"tcp", "tcp_probe", XPKT_EV_TCP_RCV, SKB, "data_len", NULL, NULL,
     XPKT_TP_NATIVE | XPKT_TP_SOCK_FLOW, "data_len > 0", XPKT_TP_HDR_NONE},
    {"skb", "skb_copy_datagram_iovec", XPKT_EV_SKB_COPY_DATAGRAM, SKB, "len", NULL, NULL,
     XPKT_TP_NATIVE, NULL, XPKT_TP_HDR_NONE},
    /* lifetimes of skb addresses (DESIGN.md section 4) */
    {"skb", "consume_skb", XPKT_EV_CONSUME_SKB, SKB, NULL, NULL, NULL, XPKT_TP_NATIVE, NULL,
     XPKT_TP_HDR_NONE},
    {"skb", "kfree_skb", XPKT_EV_KFREE_SKB, SKB, NULL, NULL, "reason", XPKT_TP_NATIVE, NULL,
     XPKT_TP_HDR_NONE},
    /* kprobe events (xpkt_tp_kprobes below); "skb" is the fetch argument's name */
    /* len: skb->len there is TCP header + payload; "len > 60" (the largest
     * TCP header) leaves pure ACKs out, so only data segments are origins.
     * The decoder turns it into the payload (hdr column, tp_map.h). */
    {"kprobe", "__ip_queue_xmit", XPKT_EV_TCP_XMIT, "skb", "len", NULL, NULL, 0, "len > 60",
     XPKT_TP_HDR_TCP},
    /* hotspots: counted per source and attributed to packets (correlation.md section 12) */
    {"kprobe", "skb_copy_bits", XPKT_EV_HOT_COPY_BITS, "skb", "len", NULL, NULL, 0, NULL,
     XPKT_TP_HDR_NONE},
    {"kprobe", "tcp_collapse", XPKT_EV_HOT_COLLAPSE, "skb", NULL, NULL, NULL, 0, NULL,
     XPKT_TP_HDR_NONE},
    {"kprobe", "br_forward", XPKT_EV_BR_FORWARD, "skb", NULL, "dev", NULL, 0, NULL,
     XPKT_TP_HDR_NONE},
    /* A driver domain's transmit on any device (the NIC on TX, a vif on RX)
     * and GRO entry on the NIC, with the headers that join them to the wire
     * by flow and sequence. IPv4 without options, TCP, not header-only
     * (NOT_HDR_ONLY; at the IP header 134 - 14 = 120). etype is the
     * EtherType read little-endian: 0x0800 is 8. */
    {"kprobe", "dev_hard_start_xmit", XPKT_EV_DEV_XMIT, "skb", "len", "dev", NULL, 0,
     "etype == 8 && vihl == 69 && proto == 6 && len > 134", XPKT_TP_HDR_ETH},
    /* A guest's TCP receive with the skb (6.1's tcp_probe has no skb
     * address): data segments only, as for __ip_queue_xmit. */
    {"kprobe", "tcp_rcv_established", XPKT_EV_TCP_RCV, "skb", "len", NULL, "truesize", 0,
     "len > 60", XPKT_TP_HDR_TCP},
    /* the receive buffer was full when skb arrived: collapse and prune follow */
    {"kprobe", "tcp_prune_queue", XPKT_EV_HOT_PRUNE, "skb", NULL, NULL, NULL, 0, NULL,
     XPKT_TP_HDR_NONE},
    /* the cheap receive paths collapse is the expensive one of: a segment
     * merged into the queue's tail skb, and headers pulled into the linear
     * area (netfront pulls every RX slot's: its skb_copy_bits baseline) */
    {"kprobe", "skb_try_coalesce", XPKT_EV_HOT_COALESCE, "skb", "len", NULL, NULL, 0, NULL,
     XPKT_TP_HDR_NONE},
    {"kprobe", "__pskb_pull_tail", XPKT_EV_HOT_PULL_TAIL, "skb", "len", NULL, NULL, 0, NULL,
     XPKT_TP_HDR_NONE},
    {"kprobe", "napi_gro_receive", XPKT_EV_GRO_RECEIVE, "skb", "len", "dev", NULL, 0,
     "vihl == 69 && proto == 6 && len > 120", XPKT_TP_HDR_IP},
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
 *   struct sk_buff *dev_hard_start_xmit(struct sk_buff *first, struct net_device *dev,
 *                                       struct netdev_queue *txq, int *ret)
 *   gro_result_t napi_gro_receive(struct napi_struct *napi, struct sk_buff *skb)
 *   void tcp_rcv_established(struct sock *sk, struct sk_buff *skb)
 *   static int tcp_prune_queue(struct sock *sk, const struct sk_buff *in_skb)
 *   bool skb_try_coalesce(struct sk_buff *to, struct sk_buff *from,
 *                         bool *fragstolen, int *delta_truesize)
 *   void *__pskb_pull_tail(struct sk_buff *skb, int delta)
 * Struct offsets come from the running kernel's BTF when the probe is
 * created ({sk_buff.len}, capture/kprobe_args.h: len is 112 in Debian's
 * 6.1.0-56-amd64), except where BTF cannot name the member: struct sock
 * begins with sock_common, whose first two words are skc_daddr and
 * skc_rcv_saddr (an anonymous union with skc_addrpair, unchanged since
 * 2.6.x), so the addresses are +0 and +4 of the sock.
 *  - __ip_queue_xmit: skb->data is the TCP header (tcp_transmit_skb pushed
 *    it; the IP header comes later): ports +0/+2, seq +4, data offset +12.
 *  - dev_hard_start_xmit: skb->data is the Ethernet header (EtherType +12,
 *    IP at +14, TCP at +34 without IP options). It takes a list of skbs;
 *    the probe sees the first, which is the only one unless software GSO
 *    split it (a GSO-capable NIC and every vif take the whole skb).
 *  - napi_gro_receive: the driver ran eth_type_trans, so skb->data is the
 *    IP header (TCP at +20); the device is napi->dev.
 *  - tcp_rcv_established: tcp_v4_rcv pulled the IP header, so skb->data is
 *    the TCP header; the segment comes from the sock's remote end (+0) to
 *    its local address (+4).
 * skb_copy_bits, tcp_collapse, tcp_prune_queue, skb_try_coalesce (by the
 * arriving skb, `from`, whose bytes go into the queue's tail) and
 * __pskb_pull_tail are the receive-side hotspots (DESIGN.md section 6),
 * attributed to the packet whose skb they name (docs/correlation.md
 * section 12). tcp_rcv_established also reads
 * skb->truesize, what the receive buffer is charged for the segment.
 */
/* "+{sk_buff.data}(%si)" is skb->data: offsets from it are packet bytes. */
static const struct xpkt_tp_kprobe kprobes[] = {
    {"__ip_queue_xmit",
     "sk=%di:x64 skb=%si:x64 len=+{sk_buff.len}(%si):u32 ip_saddr=+4(%di):u32 "
     "ip_daddr=+0(%di):u32 tcp_sport=+0(+{sk_buff.data}(%si)):u16 "
     "tcp_dport=+2(+{sk_buff.data}(%si)):u16 tcp_seq=+4(+{sk_buff.data}(%si)):u32 "
     "tcp_doff=+12(+{sk_buff.data}(%si)):u8",
     NULL},
    /* dev: to->dev->name, the egress port's device (struct net_bridge_port
     * begins with br, then dev, at offset 8; name is net_device's first member) */
    {"br_forward", "port=%di:x64 skb=%si:x64 dev=+0(+8(%di)):string", NULL},
    {"skb_copy_bits", "skb=%di:x64 offset=%si:s32 len=%cx:s32", NULL},
    {"tcp_collapse", "sk=%di:x64 skb=%cx:x64 start=%r9:u32", NULL},
    {"dev_hard_start_xmit",
     "skb=%di:x64 dev=+0(%si):string len=+{sk_buff.len}(%di):u32 "
     "etype=+12(+{sk_buff.data}(%di)):u16 vihl=+14(+{sk_buff.data}(%di)):u8 "
     "proto=+23(+{sk_buff.data}(%di)):u8 ip_saddr=+26(+{sk_buff.data}(%di)):u32 "
     "ip_daddr=+30(+{sk_buff.data}(%di)):u32 tcp_sport=+34(+{sk_buff.data}(%di)):u16 "
     "tcp_dport=+36(+{sk_buff.data}(%di)):u16 tcp_seq=+38(+{sk_buff.data}(%di)):u32 "
     "tcp_doff=+46(+{sk_buff.data}(%di)):u8",
     "net:net_dev_start_xmit"},
    {"napi_gro_receive",
     "skb=%si:x64 dev=+0(+{napi_struct.dev}(%di)):string len=+{sk_buff.len}(%si):u32 "
     "vihl=+0(+{sk_buff.data}(%si)):u8 proto=+9(+{sk_buff.data}(%si)):u8 "
     "ip_saddr=+12(+{sk_buff.data}(%si)):u32 ip_daddr=+16(+{sk_buff.data}(%si)):u32 "
     "tcp_sport=+20(+{sk_buff.data}(%si)):u16 tcp_dport=+22(+{sk_buff.data}(%si)):u16 "
     "tcp_seq=+24(+{sk_buff.data}(%si)):u32 tcp_doff=+32(+{sk_buff.data}(%si)):u8",
     "net:napi_gro_receive_entry"},
    {"tcp_rcv_established",
     "sk=%di:x64 skb=%si:x64 len=+{sk_buff.len}(%si):u32 ip_saddr=+0(%di):u32 "
     "ip_daddr=+4(%di):u32 tcp_sport=+0(+{sk_buff.data}(%si)):u16 "
     "tcp_dport=+2(+{sk_buff.data}(%si)):u16 tcp_seq=+4(+{sk_buff.data}(%si)):u32 "
     "tcp_doff=+12(+{sk_buff.data}(%si)):u8 truesize=+{sk_buff.truesize}(%si):u32",
     "tcp:tcp_probe"},
    {"tcp_prune_queue", "sk=%di:x64 skb=%si:x64", NULL},
    {"skb_try_coalesce", "to=%di:x64 skb=%si:x64 len=+{sk_buff.len}(%si):u32", NULL},
    {"__pskb_pull_tail", "skb=%di:x64 len=%si:s32", NULL},
};

static const char *const kprobe_points[] = {
    "__ip_queue_xmit",
    "br_forward",
    "skb_copy_bits",
    "tcp_collapse",
};

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

const struct xpkt_tp_kprobe *xpkt_tp_kprobe_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kprobes) / sizeof(kprobes[0]); i++)
		if (!strcmp(kprobes[i].name, name))
			return &kprobes[i];
	return NULL;
}
