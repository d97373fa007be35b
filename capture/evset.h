/* SPDX-License-Identifier: GPL-2.0 */
/*
 * evset.h - which trace events a recording takes, chosen against what the
 * running kernel offers.
 *
 * "native" (the default) is every row of tracepoints/tp_map.c marked
 * XPKT_TP_NATIVE that this kernel has; rows it lacks, and the kprobe points
 * (tp_map.h) where the kernel has no kprobe events, go to the unavailable
 * list the manifest carries. An explicit "system:event,..." list must name
 * events the kernel has: an unknown name is an error before anything starts.
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
	} ev[XPKT_EVSET_MAX];
	unsigned nunavailable;
	char unavailable[XPKT_MAX_UNAVAILABLE][64];
};

/*
 * spec: NULL or "native", or a comma list of system:event. tracing_dir:
 * the tracefs mount (NULL: libtracefs finds it); tests pass a fake tree.
 */
int xpkt_evset_resolve(const char *spec, const char *tracing_dir, struct xpkt_evset *set,
		       struct xpkt_err *err);

#endif
