/* SPDX-License-Identifier: GPL-2.0 */
/*
 * samples.h - statistical PC samples (XPKT_EV_PC_SAMPLE) to stage intervals
 * (docs/correlation.md section 12).
 *
 * A sample says what one CPU was executing at one instant. The join tells
 * this module each time a packet's stage attaches on a CPU after the same
 * packet's previous attach on that CPU: the interval between the two is the
 * stage's work on that CPU, and busy samples taken inside it are that
 * stage's. Samples wait per (source, CPU) until an attach on that CPU
 * decides them; those no interval claims are counted as outside.
 *
 * Where several packets are in flight on one CPU (a GSO batch, a NAPI
 * poll), a sample goes to the first interval on its CPU that closes after
 * it and opened before it: the stage the CPU was working towards.
 */
#ifndef XPKT_CORRELATOR_SAMPLES_H
#define XPKT_CORRELATOR_SAMPLES_H

#include <stdint.h>

#include "correlator/results.h"
#include "tracepoints/event.h"

struct xpkt_samples;

struct xpkt_samples *xpkt_samples_new(void);
void xpkt_samples_free(struct xpkt_samples *sa);

/* A PC sample of source src (ts on the common timebase); -1 out of memory. */
int xpkt_samples_add(struct xpkt_samples *sa, unsigned src, const struct xpkt_event *ev);

/*
 * Stage s of direction dir attached at ts on (src, cpu), and the packet's
 * previous attach was at prev_ts on the same (src, cpu): the samples of
 * that CPU in (prev_ts, ts] become the stage's, older ones are outside.
 * -1 out of memory.
 */
int xpkt_samples_interval(struct xpkt_samples *sa, unsigned dir, unsigned s, unsigned src,
			  uint16_t cpu, uint64_t prev_ts, uint64_t ts);

/*
 * The trace ended: samples still waiting are outside. Fills out's stages'
 * samples, ips and nips (sorted by ip; ownership moves to out) and the
 * per-domain sample counts. -1 out of memory.
 */
int xpkt_samples_finish(struct xpkt_samples *sa, struct xpkt_results *out);

#endif
