// SPDX-License-Identifier: GPL-2.0
/*
 * tp_map.c - the tracepoint table. Field names are those of Linux 6.1 and
 * 6.18 (include/trace/events/net.h, skb.h, tcp.h); both kernels agree on
 * them for the rows below.
 */
#include <string.h>

#include "tracepoints/event.h"
#include "tracepoints/tp_map.h"

#define SKB "skbaddr|skb_addr"

static const struct xpkt_tp_map maps[] = {
    /* TX: socket write queue, qdisc entry, driver entry */
    {"tcp", "tcp_sendmsg_locked", XPKT_EV_TCP_SENDMSG, SKB, "skb_len", NULL, NULL, XPKT_TP_NATIVE},
    {"net", "net_dev_queue", XPKT_EV_DEV_QUEUE, SKB, "len", "name", NULL, XPKT_TP_NATIVE},
    {"net", "net_dev_start_xmit", XPKT_EV_DEV_XMIT, SKB, "len", "name", NULL, XPKT_TP_NATIVE},
    /* RX: driver / backlog entry, GRO, stack entry, TCP, copy to user */
    {"net", "netif_rx", XPKT_EV_NETIF_RX, SKB, "len", "name", NULL, XPKT_TP_NATIVE},
    {"net", "napi_gro_receive_entry", XPKT_EV_GRO_RECEIVE, SKB, "len", "name", NULL,
     XPKT_TP_NATIVE},
    {"net", "netif_receive_skb", XPKT_EV_NETIF_RECEIVE, SKB, "len", "name", NULL, XPKT_TP_NATIVE},
    /* data_len: segment payload (skb->len minus the TCP header) */
    {"tcp", "tcp_probe", XPKT_EV_TCP_RCV, SKB, "data_len", NULL, NULL,
     XPKT_TP_NATIVE | XPKT_TP_SOCK_FLOW},
    {"skb", "skb_copy_datagram_iovec", XPKT_EV_SKB_COPY_DATAGRAM, SKB, "len", NULL, NULL,
     XPKT_TP_NATIVE},
    /* lifetimes of skb addresses (DESIGN.md section 4) */
    {"skb", "consume_skb", XPKT_EV_CONSUME_SKB, SKB, NULL, NULL, NULL, XPKT_TP_NATIVE},
    {"skb", "kfree_skb", XPKT_EV_KFREE_SKB, SKB, NULL, NULL, "reason", XPKT_TP_NATIVE},
};

static const char *const kprobe_points[] = {
    "__ip_queue_xmit", "br_forward", "br_dev_queue_push_xmit", "skb_copy_bits", "tcp_collapse",
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
	return NULL;
}

const char *const *xpkt_tp_kprobe_points(unsigned *n)
{
	*n = sizeof(kprobe_points) / sizeof(kprobe_points[0]);
	return kprobe_points;
}
