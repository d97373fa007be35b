/* SPDX-License-Identifier: GPL-2.0 */
/*
 * evset.h - which trace events a recording takes, chosen against what the
 * running kernel offers.
 *
 * "native" (the default) is every row of tracepoints/tp_map.c marked
 * XPKT_TP_NATIVE that this kernel has; rows it lacks, and the kprobe points
 * (tp_map.h) where the kernel has no kprobe events, go to the unavailable
 * list the manifest carries. The native set takes each row's filter (the
 * reverse direction's pure ACKs are not recorded, tp_map.c). An explicit "system:event,..." list
 * must name events the kernel has: an unknown name is an error before anything starts; its events
 * are recorded unfiltered (the user asked for exactly those).
 */
#ifndef XPKT_CAPTURE_EVSET_H
#define XPKT_CAPTURE_EVSET_H

#include "bundle/manifest.h"
#include "lib/err.h"

#define XPKT_EVSET_MAX 64

struct xpkt_evset {
	unsigned n;
	struct {
		char system[32];
		char event[64];
		char filter[64]; /* tracefs filter expression, "" for none (tp_map.h) */
		/* system "kprobe": probe point and fetch arguments, "FUNC ARGS"
		 * (tp_map.h); "" for a tracepoint */
		char kprobe[640];
	} ev[XPKT_EVSET_MAX];
	unsigned nunavailable;
	char unavailable[XPKT_MAX_UNAVAILABLE][64];
};

/*
 * spec: NULL or "native"; "xen-dom0" (a Xen driver domain: every
 * xen_netback event of the patched netback, the net device and skb
 * lifetime rows dom0's stages use, with their filters, and the kprobe
 * points; absent ones go to the unavailable list); "xen-guest" (a PV domU,
 * the guest agent: every xen_netfront event of the patched netfront, the
 * vif's net_dev_start_xmit / napi_gro_receive_entry / netif_receive_skb,
 * tcp_probe, tcp_sendmsg_locked where the kernel has it, the copy to the
 * reader and skb lifetimes with tp_map.c's filters, and the kprobe points
 * __ip_queue_xmit, skb_copy_bits, tcp_collapse); or a comma list of system:event ("kprobe:FUNC"
 * for a point of xpkt_tp_kprobe_points, where kprobes are available). tracing_dir:
 * the tracefs mount (NULL: libtracefs finds it); tests pass a fake tree.
 */
/*
 * Whether the kernel under tracing_dir offers kprobe events: the file
 * kprobe_events exists and is writable. A kernel without
 * CONFIG_KPROBE_EVENTS, or in lockdown (this project's host), has no such
 * file; the recorder treats a probe the kernel then refuses (symbol absent
 * or inlined) as unavailable too (ftrace_rec.h).
 */
int xpkt_evset_kprobes_available(const char *tracing_dir);

int xpkt_evset_resolve(const char *spec, const char *tracing_dir, struct xpkt_evset *set,
		       struct xpkt_err *err);

#endif
