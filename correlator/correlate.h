/* SPDX-License-Identifier: GPL-2.0 */
/*
 * correlate.h - bundle in, results out (docs/correlation.md).
 *
 * Opens every source of the bundle, puts events on one timebase, merges them,
 * joins them into packets and accumulates per-stage statistics. Streaming:
 * memory follows the packets in flight, not the length of the trace.
 */
#ifndef XPKT_CORRELATOR_CORRELATE_H
#define XPKT_CORRELATOR_CORRELATE_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "correlator/results.h"
#include "lib/err.h"
#include "tracepoints/event.h"
#include "tracepoints/stage.h"

/* How a packet ended (docs/correlation.md section 6). */
enum xpkt_pkt_status {
	XPKT_PKT_COMPLETE = 0,
	XPKT_PKT_PARTIAL,
	XPKT_PKT_DROPPED,
	XPKT_PKT_MERGED,
};

/* One attached stage of a packet record. */
struct xpkt_pkt_stage {
	uint64_t ts_ns; /* host timebase (docs/correlation.md section 1) */
	/*
	 * ts_ns minus the previous attached stage's (catalogue order, taken
	 * when this stage attached): the very sample the stage's histogram
	 * got. The origin's is 0. has_lat 0: no sample (nothing attached
	 * before it: the origin was lost).
	 */
	int64_t lat_ns;
	uint8_t has_lat;
	uint8_t src;  /* manifest source index of the event */
	uint16_t cpu; /* CPU in that source (Xen: physical CPU) */
};

/*
 * One ended packet, as the packet sink receives it (export renderers).
 * Stage arrays are indexed by the catalogue row of dir in the bundle's mode.
 */
struct xpkt_packet_rec {
	uint64_t id; /* running number, in order of creation, from 1 */
	enum xpkt_dir dir;
	uint16_t frontend; /* the guest's domid, XPKT_DOMID_NONE if unknown */
	/* From the first attached event carrying one (the origin's, normally). */
	struct xpkt_flow flow;
	uint32_t seq;
	uint8_t have_flow;
	enum xpkt_pkt_status status;
	char reason[48];   /* "missing STAGE", a drop reason, "GRO"; "" if complete */
	uint16_t attached; /* bit per stage row */
	struct xpkt_pkt_stage st[XPKT_MAX_STAGES];
	/* hotspot kprobe calls on the packet's skbs (enum xpkt_hot) and their len */
	uint32_t hot_calls[XPKT_HOT_COUNT];
	uint64_t hot_bytes[XPKT_HOT_COUNT];
};

typedef void (*xpkt_packet_sink_fn)(const struct xpkt_packet_rec *rec, void *arg);

struct xpkt_correlate_opts {
	uint64_t idle_timeout_ns; /* 0: default 10 s */
	/* Called now and then with events read so far; may be NULL. */
	void (*progress)(uint64_t events, uint64_t packets_in_flight, void *arg);
	void *progress_arg;
	/*
	 * Called once per packet as it ends (complete, partial, dropped,
	 * merged, idle or at the trace's end), in the order packets end; may
	 * be NULL (the default: no record is kept, nothing costs).
	 */
	xpkt_packet_sink_fn packet_sink;
	void *packet_sink_arg;
};

int xpkt_correlate(const char *bundle, const struct xpkt_correlate_opts *opts,
		   struct xpkt_manifest *manifest, struct xpkt_results *out, struct xpkt_err *err);
/* Frees what results own (histograms). */
void xpkt_results_free(struct xpkt_results *r);

#endif
