/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - the plugin's options (QEMU hands them over as "key=value"
 * strings, one per comma-separated item of -plugin) and the model instances
 * they describe. Options are documented in docs/pmu-sim.md.
 */
#ifndef XPKT_PMU_SIM_CONFIG_H
#define XPKT_PMU_SIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "pmu-sim/cache.h"

/* Model instances simulated side by side in one pass. */
#define PMU_MAX_MODELS 16

enum pmu_level { PMU_L1I, PMU_L1D, PMU_L2, PMU_ITLB, PMU_DTLB, PMU_LEVELS };

struct pmu_config {
	const char *out_path;	 /* ROI snapshots and totals, JSON lines; NULL = none */
	const char *stream_path; /* binary counter stream; NULL = none */
	uint64_t period_ns;	 /* minimum spacing of stream records */
	/* periodic stream records only once some vCPU executed a marker: a
	 * testbed run streams its tests, not the minutes of boot before them */
	bool stream_from_marker;
	bool phys; /* caches keyed by guest physical address where QEMU gives one */
	/* remember virtual->physical per page (plugin.c: translate); 2 =
	 * verify: look up every access anyway and count disagreements */
	int phys_cache;
	bool insn_check; /* also count per instruction, inline (one vCPU only) */
	/* per translation block counts of model 0 in the stream (version 2),
	 * for annotation by function; needs stream= */
	bool annotate;
	bool global_hv; /* TLB entries in [hv_base, hv_end) survive CR3 loads */
	uint64_t hv_base, hv_end;
	unsigned n_models;
	/* geom[level][model]: lists shorter than n_models have length 1 and are
	 * repeated for every model. */
	struct pmu_geom geom[PMU_LEVELS][PMU_MAX_MODELS];
};

extern const char *const pmu_level_name[PMU_LEVELS];

/* Fills cfg from argv; on error err says which option and why. */
int pmu_config_parse(struct pmu_config *cfg, int argc, char **argv, struct xpkt_err *err);

#endif
