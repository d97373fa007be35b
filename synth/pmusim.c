// SPDX-License-Identifier: GPL-2.0
/*
 * pmusim.c - the generator's pmu-sim counter stream (synth --pmu-sim;
 * docs/correlation.md section 13): a file in the plugin's format
 * (pmu-sim/stream_format.h) with known cumulative counters per physical
 * CPU, for the correlator to turn into per-stage deltas and for truth to
 * compute the same deltas from the formula.
 *
 * Counter c of physical CPU p at a record taken at host ns t (records every
 * SIM_PMUSIM_PERIOD_NS, at multiples of it): linear in t with a rate per
 * CPU and counter, plus a jump at every multiple of a counter's own step
 * (bursts such as a TLB refill after a flush), so a delta is not simply
 * proportional to an interval's length. Records of the two CPUs are written
 * in interleaved chunks, as the plugin's per-vCPU buffers do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/afile.h"
#include "pmu-sim/stream_format.h"
#include "synth/sim.h"

#define CHUNK 97 /* records per vCPU chunk: not a divisor of anything in particular */

static const struct {
	uint64_t num[SIM_XEN_NCPUS], den; /* rate: num/den per ns */
	uint64_t step_ns, jump;		  /* + jump at every multiple of step_ns */
} model[XPKT_SIM_COUNTERS] = {
    [XPKT_SIM_INSNS] = {{3, 5}, 2, 7919, 40000},
    [XPKT_SIM_L1D_MISS] = {{1, 2}, 37, 15013, 900},
    [XPKT_SIM_L2_MISS] = {{1, 3}, 211, 31991, 250},
    [XPKT_SIM_DTLB_MISS] = {{1, 1}, 503, 10007, 64},
    [XPKT_SIM_ITLB_MISS] = {{2, 1}, 997, 49999, 32},
};

void sim_pmusim_values(unsigned pcpu, uint64_t rec_ns, uint64_t v[XPKT_SIM_COUNTERS])
{
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++)
		v[c] = rec_ns / model[c].den * model[c].num[pcpu % SIM_XEN_NCPUS] +
		       rec_ns % model[c].den * model[c].num[pcpu % SIM_XEN_NCPUS] / model[c].den +
		       rec_ns / model[c].step_ns * model[c].jump;
}

static int put_rec(FILE *fp, uint64_t tsc, uint32_t vcpu, uint64_t ns)
{
	uint64_t ctr[PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS] = {0};
	uint64_t v[XPKT_SIM_COUNTERS];
	uint16_t kind = PMU_STREAM_PERIODIC, rsv = 0;

	sim_pmusim_values(vcpu, ns, v);
	/* stream_format.h order: insns ..., then model 0's l1i_access l1i_miss l1d_access ... */
	ctr[0] = v[XPKT_SIM_INSNS];
	ctr[1] = v[XPKT_SIM_INSNS] / 3; /* loads, stores: not read by the correlator */
	ctr[2] = v[XPKT_SIM_INSNS] / 7;
	ctr[PMU_STREAM_VCPU_COUNTERS + 2] = ctr[1] + ctr[2];
	ctr[PMU_STREAM_VCPU_COUNTERS + 3] = v[XPKT_SIM_L1D_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 4] = v[XPKT_SIM_L1D_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 5] = v[XPKT_SIM_L2_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 7] = v[XPKT_SIM_ITLB_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 9] = v[XPKT_SIM_DTLB_MISS];
	return fwrite(&tsc, 8, 1, fp) != 1 || fwrite(&vcpu, 4, 1, fp) != 1 ||
		       fwrite(&kind, 2, 1, fp) != 1 || fwrite(&rsv, 2, 1, fp) != 1 ||
		       fwrite(ctr, sizeof(ctr), 1, fp) != 1
		   ? -1
		   : 0;
}

int sim_pmusim_write(const char *dir, uint64_t from_ns, uint64_t to_ns, uint64_t tsc_hz,
		     int64_t tsc_offset, struct xpkt_err *err)
{
	struct pmu_stream_header h;
	struct pmu_stream_model m;
	char path[4200];
	struct afile af;
	uint64_t first = from_ns / SIM_PMUSIM_PERIOD_NS, last = to_ns / SIM_PMUSIM_PERIOD_NS + 1;
	int bad = 0;

	if (xpkt_bundle_path(path, sizeof(path), dir, SIM_PMUSIM_FILE))
		return xpkt_err_set(err, "%s: path too long", dir);
	if (afile_open(&af, path, err))
		return -1;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, PMU_STREAM_MAGIC, 8);
	h.version = PMU_STREAM_VERSION;
	h.header_bytes = sizeof(h) + sizeof(m);
	h.n_vcpus = SIM_XEN_NCPUS;
	h.n_models = 1;
	h.n_counters = PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS;
	h.record_bytes = (uint32_t)(sizeof(struct pmu_stream_record) + 8 * h.n_counters);
	h.tsc_hz = tsc_hz;
	h.period_ns = SIM_PMUSIM_PERIOD_NS;
	h.start_tsc = sim_ns_to_ticks(first * SIM_PMUSIM_PERIOD_NS, tsc_hz) + (uint64_t)tsc_offset;
	h.hv_base = 0xffff800000000000ull;
	h.flags = PMU_STREAM_F_PHYS | PMU_STREAM_F_PHYS_CACHE;
	memset(&m, 0, sizeof(m));
	snprintf(m.l1i, sizeof(m.l1i), "32K:8:64");
	snprintf(m.l1d, sizeof(m.l1d), "32K:8:64");
	snprintf(m.l2, sizeof(m.l2), "1M:16:64");
	snprintf(m.itlb, sizeof(m.itlb), "64:4");
	snprintf(m.dtlb, sizeof(m.dtlb), "64:4");
	bad |= fwrite(&h, sizeof(h), 1, af.fp) != 1 || fwrite(&m, sizeof(m), 1, af.fp) != 1;
	/* chunks of CHUNK records per vCPU, vCPU 1's chunk first */
	for (uint64_t k0 = first; k0 <= last && !bad; k0 += CHUNK)
		for (int cpu = SIM_XEN_NCPUS - 1; cpu >= 0 && !bad; cpu--)
			for (uint64_t k = k0; k < k0 + CHUNK && k <= last && !bad; k++) {
				uint64_t ns = k * SIM_PMUSIM_PERIOD_NS;

				bad |= put_rec(af.fp,
					       sim_ns_to_ticks(ns, tsc_hz) + (uint64_t)tsc_offset,
					       (uint32_t)cpu, ns);
			}
	if (bad) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: write failed: %s", path, strerror(errno));
	}
	return afile_commit(&af, err);
}
