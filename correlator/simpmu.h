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
	/* no earlier stage on a CPU, only the wire (at open_ts): the interval
	 * opens then, on this attach's physical CPU */
	int wire_open;
	uint64_t open_ts;
};

/*
 * Stage s of direction dir attached to packet slot p (generation gen) at
 * `at`; prev is the packet's previous attached stage in catalogue order, or
 * -1 (an origin: no interval, unless at->wire_open). -1 out of memory.
 */
int xpkt_simpmu_attach(struct xpkt_simpmu *sp, uint32_t p, uint32_t gen, unsigned dir, unsigned s,
		       int prev, const struct xpkt_simpmu_at *at);

/*
 * Who took each record interval of a physical CPU: the counters between
 * two consecutive counter records of the CPU, (prev_ts, rec_ts], went to
 * stage (dir, s) or, with dir < 0, to no stage. Each interval is told
 * once, per CPU in time order, when the claims that could take it have
 * settled (or at finish), and always after the join was given every event
 * the decoder put before its closing record (XPKT_EV_SIM_MODEL and
 * XPKT_EV_SIM_TB of that record: a listener queues those per CPU and pops
 * them here). Timestamps are the common timebase's. The callback returns
 * 0, or -1 (out of memory) to fail the correlation. At most 4 listeners.
 *
 * An interval is settled once no later claim can take it: up to the claim
 * mark after each settle, and up to the oldest counters a live packet (or a
 * pending interval) holds on that CPU, which is where any later claim must
 * open (xpkt_simpmu_end tells simpmu a packet ended). A packet that lingers
 * can hold that back for a long time, so a CPU keeps at most max_unsettled
 * intervals (the least any listener gave: its payload's memory); past it
 * the oldest are told "no stage" (results sim_ivals_forced), and a claim
 * that later reaches back into them is counted (sim_claims_late): the
 * listeners' sums for its stage then fall short of its deltas.
 */
typedef int (*xpkt_simpmu_owner_fn)(void *arg, uint16_t pcpu, uint64_t prev_ts, uint64_t rec_ts,
				    int dir, int s);
int xpkt_simpmu_listen(struct xpkt_simpmu *sp, xpkt_simpmu_owner_fn fn, void *arg,
		       uint32_t max_unsettled);

/*
 * The Xen domain whose address space physical CPU pcpu ran at ts (the
 * latest XEN_SWITCH at or before ts among those still remembered), or -1
 * if unknown. The plugin cuts record intervals at every CR3 load, and a
 * switch to another domain loads CR3, so an interval's start decides it.
 */
int xpkt_simpmu_domain_at(const struct xpkt_simpmu *sp, uint16_t pcpu, uint64_t ts);
/* Packet slot p ended: it opens no later interval (lets listeners' queues drain). */
int xpkt_simpmu_end(struct xpkt_simpmu *sp, uint32_t p);

/* ts of physical CPU pcpu's latest counter record; 0 if it has none yet. */
uint64_t xpkt_simpmu_last_record(const struct xpkt_simpmu *sp, uint16_t pcpu);

/* Instructions between a physical CPU's first and last record, and those stages got. */
void xpkt_simpmu_cpu_insns(const struct xpkt_simpmu *sp, uint16_t pcpu, uint64_t *total,
			   uint64_t *claimed);

/* Fills out's stages' sim[] (histograms move to out) and the sim_* totals. -1 OOM. */
int xpkt_simpmu_finish(struct xpkt_simpmu *sp, struct xpkt_results *out);

#endif
