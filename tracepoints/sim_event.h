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
#include <string.h>

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

/*
 * XPKT_EV_SIM_MODEL: one model instance of the pmu-sim run, at the (cpu, ts)
 * of a counter record. arg2 = kind << 16 | model index; kind
 * XPKT_SIM_EV_COUNTERS: its counters, cumulative per physical CPU, as the
 * six below; kinds XPKT_SIM_EV_MODEL_*: its geometry text in pmu[] as for
 * XPKT_EV_SIM_PMU (once per stream, first). A TLB geometry ending in ":G"
 * is a model whose hypervisor entries survive CR3 loads (global_hv).
 */
enum xpkt_sim_model_counter {
	XPKT_SIMM_L2_ACCESS = 0,
	XPKT_SIMM_L2_MISS,
	XPKT_SIMM_ITLB_ACCESS,
	XPKT_SIMM_ITLB_MISS,
	XPKT_SIMM_DTLB_ACCESS,
	XPKT_SIMM_DTLB_MISS,
	XPKT_SIMM_COUNTERS
};

static inline unsigned xpkt_sim_model_kind(const struct xpkt_event *ev)
{
	return ev->arg2 >> 16;
}

static inline unsigned xpkt_sim_model_index(const struct xpkt_event *ev)
{
	return ev->arg2 & 0xffff;
}

static inline void xpkt_sim_model_get(const struct xpkt_event *ev, uint64_t v[XPKT_SIMM_COUNTERS])
{
	v[XPKT_SIMM_L2_ACCESS] = ev->pmu[0];
	v[XPKT_SIMM_L2_MISS] = ev->pmu[1];
	v[XPKT_SIMM_ITLB_ACCESS] = ev->pmu[2];
	v[XPKT_SIMM_ITLB_MISS] = ev->pmu[3];
	v[XPKT_SIMM_DTLB_ACCESS] = (uint64_t)ev->ring_end << 32 | ev->ring_idx;
	v[XPKT_SIMM_DTLB_MISS] = (uint64_t)ev->gref << 32 | ev->arg;
}

static inline void xpkt_sim_model_set(struct xpkt_event *ev, const uint64_t v[XPKT_SIMM_COUNTERS])
{
	ev->pmu[0] = v[XPKT_SIMM_L2_ACCESS];
	ev->pmu[1] = v[XPKT_SIMM_L2_MISS];
	ev->pmu[2] = v[XPKT_SIMM_ITLB_ACCESS];
	ev->pmu[3] = v[XPKT_SIMM_ITLB_MISS];
	ev->ring_idx = (uint32_t)v[XPKT_SIMM_DTLB_ACCESS];
	ev->ring_end = (uint32_t)(v[XPKT_SIMM_DTLB_ACCESS] >> 32);
	ev->arg = (uint32_t)v[XPKT_SIMM_DTLB_MISS];
	ev->gref = (uint32_t)(v[XPKT_SIMM_DTLB_MISS] >> 32);
}

/*
 * XPKT_EV_SIM_TB: what one translation block did in the record interval
 * that the counter record at the same (cpu, ts) closes, for model
 * instance 0: ip = the block's first instruction's guest-virtual address,
 * and the counts below (not cumulative; an interval is tens of
 * microseconds, so 32 bits suffice). Summed over the blocks of an
 * interval they equal that record's counters minus the previous one's.
 */
enum xpkt_sim_tb_counter {
	XPKT_SIMTB_INSNS = 0,
	XPKT_SIMTB_L1I_ACCESS,
	XPKT_SIMTB_L1I_MISS,
	XPKT_SIMTB_L1D_ACCESS,
	XPKT_SIMTB_L1D_MISS,
	XPKT_SIMTB_L2_ACCESS,
	XPKT_SIMTB_L2_MISS,
	XPKT_SIMTB_ITLB_ACCESS,
	XPKT_SIMTB_ITLB_MISS,
	XPKT_SIMTB_DTLB_ACCESS,
	XPKT_SIMTB_DTLB_MISS,
	XPKT_SIMTB_COUNTERS
};

/* Where the counts sit: six 32-bit words after ip (bytes 16..39, copied,
 * as they overlay the flow), then ring_idx, ring_end, gref, arg, arg2. */
static inline void xpkt_sim_tb_get(const struct xpkt_event *ev, uint32_t v[XPKT_SIMTB_COUNTERS])
{
	memcpy(v, (const char *)ev + 16, 6 * sizeof(uint32_t));
	v[6] = ev->ring_idx;
	v[7] = ev->ring_end;
	v[8] = ev->gref;
	v[9] = ev->arg;
	v[10] = ev->arg2;
}

static inline void xpkt_sim_tb_set(struct xpkt_event *ev, const uint32_t v[XPKT_SIMTB_COUNTERS])
{
	memcpy((char *)ev + 16, v, 6 * sizeof(uint32_t));
	ev->ring_idx = v[6];
	ev->ring_end = v[7];
	ev->gref = v[8];
	ev->arg = v[9];
	ev->arg2 = v[10];
}

#endif
