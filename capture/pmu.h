/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmu.h - hardware counters (DESIGN.md section 6): which counters a
 * recording asks for (`record --pmu=LIST`), and whether this machine can
 * count them at all.
 *
 * The design where a PMU exists is one perf_event group per CPU and stage
 * tracepoint, led by the tracepoint (PERF_SAMPLE_READ | PERF_SAMPLE_TIME |
 * PERF_SAMPLE_CPU, PERF_FORMAT_GROUP) with the hardware counters as
 * siblings, so each sample carries the counters read at that event; the
 * samples become XPKT_EV_PMU records after their stage event
 * (docs/bundle.md). This file does the detection and the manifest's "pmu"
 * object only: the group reader is not written, because no machine of this
 * project has a PMU to test it on (perf_event_open of a hardware event
 * fails here, in the host and in QEMU-emulated guests alike). A machine
 * with a PMU is therefore reported as "present, not read by this recorder",
 * never as available with no data.
 */
#ifndef XPKT_CAPTURE_PMU_H
#define XPKT_CAPTURE_PMU_H

#include "bundle/manifest.h"
#include "lib/err.h"

#define XPKT_PMU_DEFAULT "cycles,instructions,llc-misses,dtlb-load-misses"

/*
 * "off", or a comma-separated list of counter names (xpkt_pmu_names) of at
 * most XPKT_PMU_MAX: fills info->counters; off leaves ncounters 0.
 */
int xpkt_pmu_parse(const char *list, struct xpkt_pmu_info *info, struct xpkt_err *err);
/* The counter names the parser knows, NULL-terminated. */
const char *const *xpkt_pmu_names(void);
/*
 * Tries to open each counter of info on every online CPU (counting, not
 * sampling; closed again) and fills info->known, available and reason: what
 * was tried and the kernel's answer. Never fails: a machine without a PMU
 * is an answer, not an error.
 */
void xpkt_pmu_probe(struct xpkt_pmu_info *info);

#endif
