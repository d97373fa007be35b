/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim_event.h - what an XPKT_EV_SIM_PMU event carries (tracepoints/event.h,
 * docs/bundle.md "pmu-sim"): the five simulated counters the reports use, of
 * the pmu-sim plugin's model instance 0, cumulative per physical CPU, and
 * how they sit in the 80-byte record. Shared by the decoder that makes such
 * events, the correlator that subtracts them and the results that hold
 * their per-stage statistics.
 */
#ifndef XPKT_TRACEPOINTS_SIM_EVENT_H
#define XPKT_TRACEPOINTS_SIM_EVENT_H

#include <stdint.h>

#include "tracepoints/event.h"

/* The simulated counters an event carries, in this order everywhere. */
enum xpkt_sim_counter {
	XPKT_SIM_INSNS = 0,
	XPKT_SIM_L1D_MISS,
	XPKT_SIM_L2_MISS,
	XPKT_SIM_DTLB_MISS,
	XPKT_SIM_ITLB_MISS,
	XPKT_SIM_COUNTERS
};

/* arg2 of an XPKT_EV_SIM_PMU event: a counter record, or one model geometry. */
enum xpkt_sim_ev_kind {
	XPKT_SIM_EV_COUNTERS = 0,
	XPKT_SIM_EV_MODEL_L1I = 1, /* pmu[] holds "32K:8:64" (or "off"), NUL-padded */
	XPKT_SIM_EV_MODEL_L1D,
	XPKT_SIM_EV_MODEL_L2,
	XPKT_SIM_EV_MODEL_ITLB,
	XPKT_SIM_EV_MODEL_DTLB,
};

/* Report names of the counters ("instructions", "l1d_misses", ...). */
const char *xpkt_sim_counter_name(unsigned c);

/* The five counters of a counter event, in enum xpkt_sim_counter order. */
static inline void xpkt_sim_event_get(const struct xpkt_event *ev, uint64_t v[XPKT_SIM_COUNTERS])
{
	for (unsigned i = 0; i < 4; i++)
		v[i] = ev->pmu[i];
	v[XPKT_SIM_ITLB_MISS] = (uint64_t)ev->ring_end << 32 | ev->ring_idx;
}

static inline void xpkt_sim_event_set(struct xpkt_event *ev, const uint64_t v[XPKT_SIM_COUNTERS])
{
	for (unsigned i = 0; i < 4; i++)
		ev->pmu[i] = v[i];
	ev->ring_idx = (uint32_t)v[XPKT_SIM_ITLB_MISS];
	ev->ring_end = (uint32_t)(v[XPKT_SIM_ITLB_MISS] >> 32);
}

#endif
