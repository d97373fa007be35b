/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simpmu.h - the pmu-sim counter stream (XPKT_EV_SIM_PMU) to per-stage
 * simulated PMU deltas (docs/correlation.md section 13).
 *
 * The plugin counts per QEMU vCPU, which under Xen is a physical CPU. A
 * stage interval of a packet (its previous attached stage's time, this
 * stage's time) gets a delta when both ends ran on one physical CPU: Xen's
 * events carry it, a Linux domain's vCPU is placed by the latest
 * XEN_SWITCH that switched it in. The counters at a time are those of the
 * CPU's last record at or before it. Each instruction of a CPU goes to at
 * most one interval (the first to close at or after it, having opened
 * before it, as PC samples do: samples.h), so the stages' sum on a CPU
 * never exceeds what the CPU executed, however many packets overlap.
 *
 * The join calls this module; it knows events and packet slots, never
 * file formats.
 */
#ifndef XPKT_CORRELATOR_SIMPMU_H
#define XPKT_CORRELATOR_SIMPMU_H

#include <stdint.h>

#include "correlator/results.h"
#include "tracepoints/event.h"

struct xpkt_simpmu;

struct xpkt_simpmu *xpkt_simpmu_new(void);
void xpkt_simpmu_free(struct xpkt_simpmu *sp);

/* An XPKT_EV_SIM_PMU event, ts on the common timebase, in merged order; -1 out of memory. */
int xpkt_simpmu_record(struct xpkt_simpmu *sp, const struct xpkt_event *ev);
/* An XPKT_EV_XEN_SWITCH: (domid, vcpu) runs on physical CPU cpu from now on. -1 OOM. */
int xpkt_simpmu_switch(struct xpkt_simpmu *sp, const struct xpkt_event *ev);

/* Where an attach ran: the recording domain, its domid (Linux) and CPU in it. */
struct xpkt_simpmu_at {
	enum xpkt_domain domain; /* XPKT_DOM_XEN: cpu is physical */
	uint16_t domid;		 /* Linux domains: the kernel's domid, cpu is its vCPU */
	uint16_t cpu;
	uint64_t ts; /* common timebase (ns) */
};

/*
 * Stage s of direction dir attached to packet slot p (generation gen) at
 * `at`; prev is the packet's previous attached stage in catalogue order, or
 * -1 (an origin: no interval). -1 out of memory.
 */
int xpkt_simpmu_attach(struct xpkt_simpmu *sp, uint32_t p, uint32_t gen, unsigned dir, unsigned s,
		       int prev, const struct xpkt_simpmu_at *at);

/* Instructions between a physical CPU's first and last record, and those stages got. */
void xpkt_simpmu_cpu_insns(const struct xpkt_simpmu *sp, uint16_t pcpu, uint64_t *total,
			   uint64_t *claimed);

/* Fills out's stages' sim[] (histograms move to out) and the sim_* totals. -1 OOM. */
int xpkt_simpmu_finish(struct xpkt_simpmu *sp, struct xpkt_results *out);

#endif
