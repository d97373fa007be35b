// SPDX-License-Identifier: GPL-2.0
/*
 * tp_map_xen.c - rows mapping the tracepoints of netfront-patch/ and
 * netback-patch/ (tracepoints/xen_net_trace.h, Linux 6.1.192 Debian) to
 * xpkt events. The kernel-side meaning of each event is documented in that
 * header and in the patches' README.md.
 *
 * Events of the patches that no stage uses yet have no row, so the decoder
 * skips them: xen_netfront:rx_request, rx_notify (RX refill push), rx_deliver,
 * xen_netback:tx_batch, tx_response, tx_rsp_notify. They need event ids
 * (event.h) before a stage can use them.
 */
#include <string.h>

#include "tracepoints/event.h"
#include "tracepoints/tp_map_xen.h"

#define NF "xen_netfront"
#define NB "xen_netback"

static const struct xpkt_tp_map xen_maps[] = {
    /* guest: slot granted, ring pushed, response handled, RX slot filled */
    {.system = NF, .event = "tx_grant", .id = XPKT_EV_NF_TX_GRANT, .skb = "skbaddr", .len = "len"},
    /* arg: 1 if the push sent an event channel notification, 0 if the
     * backend was still polling and none was needed (xen_net_trace.h) */
    {.system = NF, .event = "tx_notify", .id = XPKT_EV_NF_TX_NOTIFY, .arg = "notified"},
    /* arg: netif_tx_response.status, an s16 read as its 16 bits: 0 okay,
     * 0xffff error, 0xfffe dropped (null slots are skipped, not traced) */
    {.system = NF, .event = "tx_done", .id = XPKT_EV_NF_TX_DONE, .skb = "skbaddr", .arg = "status"},
    /* arg: 1 if more slots of the same packet follow (XEN_NETRXF_more_data) */
    {.system = NF,
     .event = "rx_response",
     .id = XPKT_EV_NF_RX_RESPONSE,
     .skb = "skbaddr",
     .len = "len",
     .arg = "more"},
    /* dom0: grant copy (first 128 bytes) and grant map (the rest) of a TX
     * slot; arg: netback's pending index (the one tx_unmap names) */
    {.system = NB,
     .event = "tx_copy",
     .id = XPKT_EV_NB_TX_COPY,
     .len = "len",
     .arg = "pending_idx"},
    {.system = NB, .event = "tx_map", .id = XPKT_EV_NB_TX_MAP, .len = "len", .arg = "pending_idx"},
    {.system = NB,
     .event = "tx_deliver",
     .id = XPKT_EV_NB_TX_DELIVER,
     .skb = "skbaddr",
     .len = "len"},
    {.system = NB, .event = "tx_unmap", .id = XPKT_EV_NB_TX_UNMAP, .arg = "pending_idx"},
    {.system = NB, .event = "rx_copy", .id = XPKT_EV_NB_RX_COPY, .skb = "skbaddr", .len = "len"},
    /* arg: notified as for tx_notify (the batch's copy_ops is not mapped) */
    {.system = NB, .event = "rx_notify", .id = XPKT_EV_NB_RX_NOTIFY, .arg = "notified"},
};

const struct xpkt_tp_map *xpkt_tp_xen_maps(unsigned *n)
{
	*n = sizeof(xen_maps) / sizeof(xen_maps[0]);
	return xen_maps;
}

const struct xpkt_tp_map *xpkt_tp_xen_find(const char *system, const char *event)
{
	for (size_t i = 0; i < sizeof(xen_maps) / sizeof(xen_maps[0]); i++)
		if (!strcmp(xen_maps[i].system, system) && !strcmp(xen_maps[i].event, event))
			return &xen_maps[i];
	return NULL;
}
