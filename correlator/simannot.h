/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simannot.h - the pmu-sim stream's per translation block counts
 * (XPKT_EV_SIM_TB, annotate=1) to per-stage, per-domain block tables: the
 * raw material of the seed's Figure 4 (per function and stage,
 * instructions and L1/L2/TLB hits and misses). docs/correlation.md
 * section 14.
 *
 * A block's counts cover one record interval of one physical CPU. simpmu
 * decides which stage took that interval (xpkt_simpmu_listen), so the
 * blocks of a stage sum to exactly that stage's simulated deltas. The
 * domain whose code a block is: Xen for addresses in Xen's range, else the
 * domain that ran on the CPU when the interval began (the plugin cuts
 * intervals at every CR3 load, and a switch to another domain loads CR3).
 * Names come later, from the domains' symbol tables (sym/annotate.h): this
 * module knows events and stages, not files.
 */
#ifndef XPKT_CORRELATOR_SIMANNOT_H
#define XPKT_CORRELATOR_SIMANNOT_H

#include <stdint.h>

#include "correlator/results.h"
#include "correlator/simpmu.h"
#include "tracepoints/event.h"

struct xpkt_simannot;

/* Registers itself as sp's listener; sp must outlive it. NULL out of memory. */
struct xpkt_simannot *xpkt_simannot_new(struct xpkt_simpmu *sp, uint16_t driver_domid);
void xpkt_simannot_free(struct xpkt_simannot *an);

/* An XPKT_EV_SIM_TB event, ts on the common timebase, in merged order. -1 OOM. */
int xpkt_simannot_event(struct xpkt_simannot *an, const struct xpkt_event *ev);

/* Moves the block table into out->sim_annot (after xpkt_simpmu_finish). -1 OOM. */
int xpkt_simannot_finish(struct xpkt_simannot *an, struct xpkt_results *out);

/* Xen's own range on x86-64 (pmu-sim/config.c has the same bounds). */
#define XPKT_XEN_VA_START 0xffff800000000000ull
#define XPKT_XEN_VA_END	  0xffff880000000000ull

#endif
