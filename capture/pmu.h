/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmu.h - hardware counters (DESIGN.md section 6): which counters a
 * recording asks for (`record --pmu=LIST`), and whether this machine can
 * count them at all.
 *
 * The reader (capture/perf_rec.c, group mode) is one perf_event group per
 * CPU and stage tracepoint, led by the tracepoint (PERF_SAMPLE_READ |
 * PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW, PERF_FORMAT_GROUP)
 * with the counters as siblings, so each sample carries the counters read
 * at that event; the decoder turns a sample into the stage event (from the
 * RAW tracepoint record) and an XPKT_EV_PMU record after it
 * (docs/bundle.md). This file names the counters and detects whether they
 * open. No machine of this project has a hardware PMU (perf_event_open of
 * a hardware event fails in the host and in QEMU-emulated guests alike),
 * so the software counters (cpu-clock, task-clock, page-faults,
 * context-switches, cpu-migrations) are offered too: with them the group
 * path runs and is tested here, while hardware names still fail honestly.
 */
#ifndef XPKT_CAPTURE_PMU_H
#define XPKT_CAPTURE_PMU_H

#include <stdint.h>

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
 * was tried and the kernel's answer. available 1: every counter opened
 * everywhere (reason empty); the recorder must still read them, or say why
 * not. Never fails: a machine without a PMU is an answer, not an error.
 */
void xpkt_pmu_probe(struct xpkt_pmu_info *info);
/* perf_event_attr type and config of counter NAME; -1 if unknown. */
int xpkt_pmu_attr(const char *name, uint32_t *type, uint64_t *config);

#endif
