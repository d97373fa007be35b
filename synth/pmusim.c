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
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/afile.h"
#include "lib/leb128.h"
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

#define NCTR (PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS)

/* Every counter of vcpu's record at ns, in the stream's order. */
static void record_counters(uint32_t vcpu, uint64_t ns, uint64_t ctr[NCTR])
{
	uint64_t v[XPKT_SIM_COUNTERS];

	memset(ctr, 0, NCTR * sizeof(*ctr));
	sim_pmusim_values(vcpu, ns, v);
	/* stream_format.h order: insns ..., then model 0's l1i_access l1i_miss l1d_access
	 * ...; every access count is a sum that includes its misses, so no
	 * interval has more misses than accesses */
	ctr[0] = v[XPKT_SIM_INSNS];
	ctr[1] = v[XPKT_SIM_INSNS] / 3; /* loads, stores: not read by the correlator */
	ctr[2] = v[XPKT_SIM_INSNS] / 7;
	ctr[PMU_STREAM_VCPU_COUNTERS + 0] = v[XPKT_SIM_INSNS] / 4 + v[XPKT_SIM_ITLB_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 1] = v[XPKT_SIM_ITLB_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 2] = ctr[1] + ctr[2] + v[XPKT_SIM_L1D_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 3] = v[XPKT_SIM_L1D_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 4] = v[XPKT_SIM_L1D_MISS] + v[XPKT_SIM_L2_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 5] = v[XPKT_SIM_L2_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 6] = v[XPKT_SIM_INSNS] / 4 + v[XPKT_SIM_ITLB_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 7] = v[XPKT_SIM_ITLB_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 8] = ctr[1] + ctr[2] + v[XPKT_SIM_DTLB_MISS];
	ctr[PMU_STREAM_VCPU_COUNTERS + 9] = v[XPKT_SIM_DTLB_MISS];
}

const char *const sim_pmusim_block_name[SIM_PMUSIM_BLOCKS] = {"synth_even_interval",
							      "synth_odd_interval"};

void sim_pmusim_block_counts(unsigned pcpu, uint64_t rec_ns, uint32_t c[XPKT_SIMTB_COUNTERS])
{
	uint64_t hi[NCTR], lo[NCTR];

	record_counters(pcpu, rec_ns, hi);
	record_counters(pcpu, rec_ns - SIM_PMUSIM_PERIOD_NS, lo);
	/* insns, then model 0's ten counters: the TB counter order */
	c[XPKT_SIMTB_INSNS] = (uint32_t)(hi[0] - lo[0]);
	for (unsigned k = 0; k < PMU_STREAM_MODEL_COUNTERS; k++)
		c[1 + k] =
		    (uint32_t)(hi[PMU_STREAM_VCPU_COUNTERS + k] - lo[PMU_STREAM_VCPU_COUNTERS + k]);
}

static int put_rec(FILE *fp, uint64_t tsc, uint32_t vcpu, uint64_t ns)
{
	uint64_t ctr[NCTR];
	uint16_t kind = PMU_STREAM_PERIODIC, rsv = 0;

	record_counters(vcpu, ns, ctr);
	return fwrite(&tsc, 8, 1, fp) != 1 || fwrite(&vcpu, 4, 1, fp) != 1 ||
		       fwrite(&kind, 2, 1, fp) != 1 || fwrite(&rsv, 2, 1, fp) != 1 ||
		       fwrite(ctr, sizeof(ctr), 1, fp) != 1
		   ? -1
		   : 0;
}

static int put_head(FILE *fp, uint64_t tsc, uint32_t vcpu, uint16_t kind, uint16_t payload)
{
	return fwrite(&tsc, 8, 1, fp) != 1 || fwrite(&vcpu, 4, 1, fp) != 1 ||
	       fwrite(&kind, 2, 1, fp) != 1 || fwrite(&payload, 2, 1, fp) != 1;
}

static int put_tbdefs(FILE *fp, uint32_t vcpu)
{
	for (uint32_t b = 0; b < SIM_PMUSIM_BLOCKS; b++) {
		struct pmu_stream_tbdef d = {
		    .id = b, .n_insns = 1, .vaddr = SIM_PMUSIM_BLOCK_IP + 0x100 * b};

		if (put_head(fp, 0, vcpu, PMU_STREAM_TBDEF, sizeof(d)) ||
		    fwrite(&d, sizeof(d), 1, fp) != 1)
			return -1;
	}
	return 0;
}

/* The ANNOT record before vcpu's record at ns: one block, the interval's counts. */
static int put_annot(FILE *fp, uint64_t tsc, uint32_t vcpu, uint64_t ns)
{
	uint32_t c[XPKT_SIMTB_COUNTERS];
	uint8_t buf[5 * (1 + XPKT_SIMTB_COUNTERS)];
	size_t n = 0;

	sim_pmusim_block_counts(vcpu, ns, c);
	for (unsigned i = 0; i <= XPKT_SIMTB_COUNTERS; i++)
		n += xpkt_leb128_put(buf + n, i ? c[i - 1] : sim_pmusim_block(ns));
	return put_head(fp, tsc, vcpu, PMU_STREAM_ANNOT, (uint16_t)n) || fwrite(buf, n, 1, fp) != 1;
}

/* Xen's "System.map" for the two blocks, as a testbed bundle has Xen's real one. */
static int write_symbols(const char *dir, struct xpkt_err *err)
{
	char path[4200];
	struct afile af;
	int bad = 0;

	if (xpkt_bundle_path(path, sizeof(path), dir, "xen.kallsyms"))
		return xpkt_err_set(err, "%s: path too long", dir);
	if (afile_open(&af, path, err))
		return -1;
	for (unsigned b = 0; b < SIM_PMUSIM_BLOCKS; b++)
		bad |= fprintf(af.fp, "0x%016llx T %s\n",
			       (unsigned long long)(SIM_PMUSIM_BLOCK_IP + 0x100 * b),
			       sim_pmusim_block_name[b]) < 0;
	bad |= fprintf(af.fp, "0x%016llx T synth_end\n",
		       (unsigned long long)(SIM_PMUSIM_BLOCK_IP + 0x100 * SIM_PMUSIM_BLOCKS)) < 0;
	if (bad) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: write failed: %s", path, strerror(errno));
	}
	return afile_commit(&af, err);
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
	h.version = PMU_STREAM_VERSION_ANNOT;
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
	/* chunks of CHUNK records per vCPU, vCPU 1's chunk first; a vCPU
	 * defines its blocks first, and annotates every interval but its first */
	for (uint64_t k0 = first; k0 <= last && !bad; k0 += CHUNK)
		for (int cpu = SIM_XEN_NCPUS - 1; cpu >= 0 && !bad; cpu--) {
			if (k0 == first)
				bad |= put_tbdefs(af.fp, (uint32_t)cpu);
			for (uint64_t k = k0; k < k0 + CHUNK && k <= last && !bad; k++) {
				uint64_t ns = k * SIM_PMUSIM_PERIOD_NS;
				uint64_t tsc = sim_ns_to_ticks(ns, tsc_hz) + (uint64_t)tsc_offset;

				if (k > first)
					bad |= put_annot(af.fp, tsc, (uint32_t)cpu, ns);
				bad |= put_rec(af.fp, tsc, (uint32_t)cpu, ns);
			}
		}
	if (bad) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: write failed: %s", path, strerror(errno));
	}
	if (afile_commit(&af, err))
		return -1;
	return write_symbols(dir, err);
}

int sim_pmusim_write_annot_truth(const char *dir, const struct sim_truth *t, struct xpkt_err *err)
{
	static const char *const names[XPKT_SIMTB_COUNTERS] = {
	    "instructions", "l1i_accesses",  "l1i_misses", "l1d_accesses",
	    "l1d_misses",   "l2_accesses",   "l2_misses",  "itlb_accesses",
	    "itlb_misses",  "dtlb_accesses", "dtlb_misses"};
	json_t *root = json_object(), *stages = json_array();
	char path[4200];
	struct afile af;
	int bad;

	if (xpkt_bundle_path(path, sizeof(path), dir, "truth-annotate.json"))
		return xpkt_err_set(err, "%s: path too long", dir);
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_stages((enum xpkt_dir)d, &n);

		for (unsigned s = 0; s < n; s++) {
			json_t *g = NULL, *funcs = json_array();

			for (unsigned b = 0; b < SIM_PMUSIM_BLOCKS; b++) {
				const uint64_t *c = sim_truth_pmusim_block(t, d, s, b);
				json_t *o;

				if (!c[XPKT_SIMTB_INSNS])
					continue;
				o = json_object();
				json_object_set_new(o, "function",
						    json_string(sim_pmusim_block_name[b]));
				json_object_set_new(o, "domain", json_string("xen"));
				for (unsigned k = 0; k < XPKT_SIMTB_COUNTERS; k++)
					json_object_set_new(o, names[k],
							    json_integer((json_int_t)c[k]));
				json_array_append_new(funcs, o);
			}
			if (!json_array_size(funcs)) {
				json_decref(funcs);
				continue;
			}
			g = json_object();
			json_object_set_new(g, "dir", json_string(xpkt_dir_name((enum xpkt_dir)d)));
			json_object_set_new(g, "stage", json_string(st[s].name));
			json_object_set_new(g, "functions", funcs);
			json_array_append_new(stages, g);
		}
	}
	json_object_set_new(root, "stages", stages);
	if (afile_open(&af, path, err)) {
		json_decref(root);
		return -1;
	}
	bad = json_dumpf(root, af.fp, JSON_INDENT(2)) || fputc('\n', af.fp) == EOF;
	json_decref(root);
	if (bad) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: write failed: %s", path, strerror(errno));
	}
	return afile_commit(&af, err);
}
