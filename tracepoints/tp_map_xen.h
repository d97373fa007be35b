/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tp_map_xen.h - the rows that map the netfront/netback patch tracepoints
 * (tracepoints/xen_net_trace.h) to xpkt events, in tp_map.h's row type.
 *
 * Kept apart from tp_map.c so the kernel-patch work does not collide with
 * it; xpkt_tp_find() is meant to search these rows after its own.
 *
 * Only skb, len and arg have per-row columns. The ring identity of these
 * events is in fields with fixed names in every one of them, which the
 * decoder copies whenever an event's format has them (XPKT_TP_XEN_FIELDS).
 */
#ifndef XPKT_TRACEPOINTS_TP_MAP_XEN_H
#define XPKT_TRACEPOINTS_TP_MAP_XEN_H

#include "tracepoints/tp_map.h"

/* Rows for systems xen_netfront and xen_netback; *n gets their number. */
const struct xpkt_tp_map *xpkt_tp_xen_maps(unsigned *n);
/* The row of "system", "event" among them, or NULL. */
const struct xpkt_tp_map *xpkt_tp_xen_find(const char *system, const char *event);

/*
 * Format field name -> struct xpkt_event member, for every xen_netfront /
 * xen_netback event that has the field (unsigned integers, any size up to
 * the member's). domid is the frontend's on both sides.
 */
#define XPKT_TP_XEN_FIELDS(X)                                                                      \
	X("domid", domid)                                                                          \
	X("handle", handle)                                                                        \
	X("queue", queue)                                                                          \
	X("ring_idx", ring_idx)                                                                    \
	X("ring_end", ring_end)                                                                    \
	X("req_id", req_id)                                                                        \
	X("gref", gref)

#endif
