// SPDX-License-Identifier: GPL-2.0
/*
 * drop_reasons.c - the Linux 6.1 enum skb_drop_reason as a table.
 *
 * In 6.1, SKB_NOT_DROPPED_YET is 0 and the DEFINE_DROP_REASON list starts at
 * 1 (SKB_CONSUMED only appeared in 6.2), so row i is reason number i.
 */
#include <stdio.h>

#include "tracepoints/drop_reasons.h"

static const char *const names[] = {
    NULL, /* SKB_NOT_DROPPED_YET */
    "NOT_SPECIFIED",
    "NO_SOCKET",
    "PKT_TOO_SMALL",
    "TCP_CSUM",
    "SOCKET_FILTER",
    "UDP_CSUM",
    "NETFILTER_DROP",
    "OTHERHOST",
    "IP_CSUM",
    "IP_INHDR",
    "IP_RPFILTER",
    "UNICAST_IN_L2_MULTICAST",
    "XFRM_POLICY",
    "IP_NOPROTO",
    "SOCKET_RCVBUFF",
    "PROTO_MEM",
    "TCP_MD5NOTFOUND",
    "TCP_MD5UNEXPECTED",
    "TCP_MD5FAILURE",
    "SOCKET_BACKLOG",
    "TCP_FLAGS",
    "TCP_ZEROWINDOW",
    "TCP_OLD_DATA",
    "TCP_OVERWINDOW",
    "TCP_OFOMERGE",
    "TCP_RFC7323_PAWS",
    "TCP_INVALID_SEQUENCE",
    "TCP_RESET",
    "TCP_INVALID_SYN",
    "TCP_CLOSE",
    "TCP_FASTOPEN",
    "TCP_OLD_ACK",
    "TCP_TOO_OLD_ACK",
    "TCP_ACK_UNSENT_DATA",
    "TCP_OFO_QUEUE_PRUNE",
    "TCP_OFO_DROP",
    "IP_OUTNOROUTES",
    "BPF_CGROUP_EGRESS",
    "IPV6DISABLED",
    "NEIGH_CREATEFAIL",
    "NEIGH_FAILED",
    "NEIGH_QUEUEFULL",
    "NEIGH_DEAD",
    "TC_EGRESS",
    "QDISC_DROP",
    "CPU_BACKLOG",
    "XDP",
    "TC_INGRESS",
    "UNHANDLED_PROTO",
    "SKB_CSUM",
    "SKB_GSO_SEG",
    "SKB_UCOPY_FAULT",
    "DEV_HDR",
    "DEV_READY",
    "FULL_RING",
    "NOMEM",
    "HDR_TRUNC",
    "TAP_FILTER",
    "TAP_TXFILTER",
    "ICMP_CSUM",
    "INVALID_PROTO",
    "IP_INADDRERRORS",
    "IP_INNOROUTES",
    "PKT_TOO_BIG",
    "DUP_FRAG",
    "FRAG_REASM_TIMEOUT",
    "FRAG_TOO_FAR",
    "TCP_MINTTL",
    "IPV6_BAD_EXTHDR",
    "IPV6_NDISC_FRAG",
    "IPV6_NDISC_HOP_LIMIT",
    "IPV6_NDISC_BAD_CODE",
};

_Static_assert(sizeof(names) / sizeof(names[0]) > XPKT_DROP_QDISC_DROP, "table covers ids");

const char *xpkt_drop_reason_name(unsigned reason)
{
	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : NULL;
}

const char *xpkt_drop_reason_format(unsigned reason, char *buf, size_t len)
{
	const char *n = xpkt_drop_reason_name(reason);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "UNKNOWN_%u", reason);
	return buf;
}
