/* SPDX-License-Identifier: GPL-2.0 */
/*
 * join.h - identity: which packet does an event belong to
 * (docs/correlation.md sections 3-7).
 *
 * Holds the packets in flight, the identity keys that point to them (skb
 * lifetimes, ring slots, request ids, grant references, wire seq ranges) and
 * the Xen windows packets wait in, and applies the attach rules of the stage
 * table (tracepoints/stages.c) to one event at a time. Events come in merged
 * order with ts already in host ns, from files (correlate.c) or from a test.
 * Memory follows the packets in flight: an ended packet's slot and keys are
 * reused.
 */
#ifndef XPKT_CORRELATOR_JOIN_H
#define XPKT_CORRELATOR_JOIN_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "correlator/results.h"
#include "lib/err.h"
#include "tracepoints/event.h"

#define XPKT_DEFAULT_IDLE_TIMEOUT_NS 10000000000ull /* 10 s of trace time */

struct xpkt_joiner;

/* m must outlive the join. idle_timeout_ns 0 means the default. */
struct xpkt_joiner *xpkt_join_new(const struct xpkt_manifest *m, uint64_t idle_timeout_ns,
				  struct xpkt_err *err);
/*
 * One event: ev->ts in host ns, not less than the previous event's; ev->source,
 * src_domid and dev_kind set as a decoder sets them; src is the manifest index
 * of its source. -1 only when out of memory.
 */
int xpkt_join_event(struct xpkt_joiner *j, const struct xpkt_event *ev, unsigned src,
		    struct xpkt_err *err);
/*
 * The trace ended: ends every packet in flight and fills out's stages,
 * packets, by_dir, clocks and max_in_flight (out's histograms are then owned
 * by out; free with xpkt_results_free). Call once.
 */
int xpkt_join_finish(struct xpkt_joiner *j, struct xpkt_results *out, struct xpkt_err *err);
uint64_t xpkt_join_in_flight(const struct xpkt_joiner *j);
/* Wire segments that fell in a packet's seq range after its first one. */
uint64_t xpkt_join_segments(const struct xpkt_joiner *j);
void xpkt_join_free(struct xpkt_joiner *j);
/*
 * Per-packet records (correlate.h's struct xpkt_packet_rec): fn is called
 * once per packet as it ends. Set before the first event; NULL (the
 * default) keeps no per-packet record at all.
 */
struct xpkt_packet_rec;
void xpkt_join_set_sink(struct xpkt_joiner *j, void (*fn)(const struct xpkt_packet_rec *, void *),
			void *arg);

#endif
