/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simscale.h - cache and TLB scaling curves from a pmu-sim stream with
 * several model instances (seed 001 section 4.2, Figures 13-17;
 * docs/correlation.md section 13, docs/pmu-sim.md "Scaling").
 *
 * The plugin simulates several L2/ITLB/DTLB geometries side by side on one
 * instruction stream; the decoder gives each instance's cumulative L2,
 * ITLB and DTLB counters per physical CPU at every counter record
 * (XPKT_EV_SIM_MODEL). simpmu (simpmu.h) decides which stage took each
 * record interval of a CPU; this module is its listener: it adds every
 * instance's counter deltas over that interval to that stage, so for each
 * stage and direction the miss rate per instance is a point on a curve of
 * miss rate against size.
 *
 * The join calls this module; it knows events, never file formats.
 */
#ifndef XPKT_CORRELATOR_SIMSCALE_H
#define XPKT_CORRELATOR_SIMSCALE_H

#include <stdint.h>

#include "correlator/results.h"
#include "tracepoints/event.h"

struct xpkt_simscale;

/* Record intervals a CPU may leave untold for this listener (its room for
 * xpkt_simpmu_listen): a few hundred bytes of counters queue for each. */
#define XPKT_SIMSCALE_ROOM (1u << 19)

struct xpkt_simscale *xpkt_simscale_new(void);
void xpkt_simscale_free(struct xpkt_simscale *sc);

/* Every XPKT_EV_SIM_MODEL event, ts on the common timebase, in merged order; -1 out of memory. */
int xpkt_simscale_event(struct xpkt_simscale *sc, const struct xpkt_event *ev);

/*
 * An xpkt_simpmu_owner_fn (sc is the struct xpkt_simscale): physical CPU
 * pcpu's record interval (prev_ts, rec_ts] went to stage (dir, s), or to
 * no stage with dir < 0. Intervals of a CPU come in time order, each after
 * the model events of its closing record. -1 out of memory.
 */
int xpkt_simscale_owner(void *sc, uint16_t pcpu, uint64_t prev_ts, uint64_t rec_ts, int dir, int s);

/*
 * Puts the sums in out->sim_scaling (allocated; NULL when the stream
 * named fewer than two models). -1 out of memory.
 */
int xpkt_simscale_finish(struct xpkt_simscale *sc, struct xpkt_results *out);

/* 1 if a TLB geometry text says its hypervisor entries are global ("64:4:G"). */
int xpkt_simscale_tlb_global(const char *geom);

#endif
