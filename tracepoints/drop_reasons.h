/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drop_reasons.h - names of Linux 6.1 kfree_skb drop reasons.
 *
 * skb:kfree_skb records enum skb_drop_reason as a number (event arg); the
 * number is only meaningful against the kernel's own list, which grows and
 * renumbers between releases. This table is the list of Linux 6.1
 * (include/net/dropreason.h), the kernel of the testbed's dom0 and domU.
 */
#ifndef XPKT_TRACEPOINTS_DROP_REASONS_H
#define XPKT_TRACEPOINTS_DROP_REASONS_H

#include <stddef.h>

/* Numbers of the reasons the generator uses (Linux 6.1 values). */
#define XPKT_DROP_NOT_SPECIFIED	 1
#define XPKT_DROP_NETFILTER_DROP 7
#define XPKT_DROP_SOCKET_RCVBUFF 15
#define XPKT_DROP_PROTO_MEM	 16
#define XPKT_DROP_TCP_ZEROWINDOW 22
#define XPKT_DROP_TCP_OFO_DROP	 36
#define XPKT_DROP_QDISC_DROP	 45

/* "NETFILTER_DROP" (the kernel's name without SKB_DROP_REASON_), or NULL. */
const char *xpkt_drop_reason_name(unsigned reason);
/* The name, or "UNKNOWN_<n>" for a number outside the 6.1 list, into buf. */
const char *xpkt_drop_reason_format(unsigned reason, char *buf, size_t len);

#endif
