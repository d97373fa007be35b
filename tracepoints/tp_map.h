/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tp_map.h - which kernel trace event becomes which xpkt event, and which
 * format field fills which struct xpkt_event field.
 *
 * The recorder (capture/) enables the rows' events; the ftrace decoder
 * (decode/ftrace_stream.c) looks the fields up by name in the format files
 * saved with the trace, so a field that moved between kernel versions is
 * still found. Each field column is a '|'-separated list of names; the first
 * name the event's format has wins ("skbaddr|skb_addr"). A row is data: a new
 * tracepoint is a new row, not new code.
 */
#ifndef XPKT_TRACEPOINTS_TP_MAP_H
#define XPKT_TRACEPOINTS_TP_MAP_H

#include <stdint.h>

/*
 * The event's saddr/daddr fields are struct sockaddr_in/_in6 images
 * (tcp:tcp_probe) and sport/dport are host order already (the tracepoint
 * applies ntohs). tcp_probe fires in tcp_rcv_established for an incoming
 * segment but records the socket's own view (saddr = local end), so the
 * decoder swaps the ends: the flow is the segment's, remote -> local, the
 * same direction a wire capture of that segment shows.
 */
#define XPKT_TP_SOCK_FLOW (1u << 0)
/* Part of the default "native" set (static tracepoint on any host kernel). */
#define XPKT_TP_NATIVE (1u << 1)

/*
 * Packet headers a kprobe fetched from the skb's data (fetch argument names
 * ip_saddr, ip_daddr, tcp_sport, tcp_dport, tcp_seq: the bytes as they are
 * in the packet, network order, read by the kernel as little-endian u32/u16;
 * ip_vihl and tcp_doff: the bytes holding the IPv4 IHL and TCP data offset).
 * The column says where skb->data pointed, so what skb->len ("len") counts
 * besides the TCP payload. The decoder fills ev->flow and ev->seq from them
 * in host order and ev->len with the payload: skb->len minus the link, IP
 * and TCP headers. The probes' filters keep only IPv4 without options
 * (vihl == 0x45) and TCP, the layout the fixed offsets assume.
 */
enum xpkt_tp_hdr {
	XPKT_TP_HDR_NONE = 0, /* no headers fetched */
	XPKT_TP_HDR_ETH,      /* data at the Ethernet header (a driver's xmit) */
	XPKT_TP_HDR_IP,	      /* data at the IP header (GRO entry, after eth_type_trans) */
	XPKT_TP_HDR_TCP,      /* data at the TCP header, no IP header yet (__ip_queue_xmit):
			       * addresses come from the socket */
};

struct xpkt_tp_map {
	const char *system;
	const char *event;
	uint16_t id;	 /* enum xpkt_event_id */
	const char *skb; /* -> ev->skb */
	const char *len; /* -> ev->len */
	const char *dev; /* device name (__data_loc string) -> ev->ifindex via the manifest */
	const char *arg; /* -> ev->arg */
	unsigned flags;	 /* XPKT_TP_* */
	/*
	 * tracefs event filter the default set records the event with (NULL:
	 * every record). The kernel drops non-matching records before they
	 * reach the ring buffer, so what a filter excludes is never in the
	 * trace; the manifest lists the filters per source.
	 */
	const char *filter;
	enum xpkt_tp_hdr hdr; /* headers the event fetched, and where */
};

/* All rows; *n gets their number. */
const struct xpkt_tp_map *xpkt_tp_maps(unsigned *n);
/* The row of "system", "event", or NULL (such records are skipped). */
const struct xpkt_tp_map *xpkt_tp_find(const char *system, const char *event);

/*
 * Points with no tracepoint that the native set takes with kprobes where
 * the kernel has kprobe events (DESIGN.md section 3). Listed so a host
 * without kprobes can say in the manifest what it could not record. The Xen
 * sets name their own points (capture/evset.c); every point of any set has
 * a definition below.
 */
const char *const *xpkt_tp_kprobe_points(unsigned *n);

/*
 * How the recorder probes each of those points where the kernel has kprobe
 * events: the event is named after the function and its fetch arguments are
 * x86-64 argument registers (di, si, dx, cx, r8, r9 in the System V order),
 * checked against the Linux 6.1 signatures in tp_map.c. In a trace the
 * events' system is "kprobe" (rows of the table above map the ones a stage
 * uses); the recorder creates them in a group of its own (ftrace_rec.h).
 */
struct xpkt_tp_kprobe {
	const char *name;  /* function probed, and the event's name */
	const char *fetch; /* kprobe_events fetch arguments */
	/*
	 * "system:event" of a tracepoint at the same point that a set holding
	 * this probe leaves out (the probe's record has everything the
	 * tracepoint's has and more: the two would be one packet seen twice).
	 */
	const char *replaces;
};
const struct xpkt_tp_kprobe *xpkt_tp_kprobes(unsigned *n);
/* The definition of the probe on function name, or NULL. */
const struct xpkt_tp_kprobe *xpkt_tp_kprobe_find(const char *name);

#endif
