/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream_format.h - layout of the pmu-sim counter stream (stream=FILE): a
 * header, then fixed-size records, all little-endian (x86 hosts only, as the
 * plugin reads the host TSC). Described in docs/pmu-sim.md; readers include
 * this file.
 *
 * Every counter in a record is cumulative since the vCPU started, so the
 * delta over any interval is a subtraction of two records of that vCPU, and a
 * reader never depends on having seen every record. Records of one vCPU are
 * in time order; vCPUs' records are interleaved in chunks (each vCPU buffers
 * its own), so a reader sorts per vCPU, or merges by tsc.
 */
#ifndef XPKT_PMU_SIM_STREAM_FORMAT_H
#define XPKT_PMU_SIM_STREAM_FORMAT_H

#include <stdint.h>

#define PMU_STREAM_MAGIC   "XPMUSIM1" /* 8 bytes, no NUL */
#define PMU_STREAM_VERSION 1
/* Version 2 (annotate=1) adds kinds PMU_STREAM_CR3, _TBDEF and _ANNOT;
 * a version 1 stream has counter records only. */
#define PMU_STREAM_VERSION_ANNOT 2

/* Counters before the per-model block, in record order. */
#define PMU_STREAM_VCPU_COUNTERS 7 /* insns loads stores io cr3_loads cr4_loads invlpg */
/* Per model instance, in record order: l1i_access l1i_miss l1d_access
 * l1d_miss l2_access l2_miss itlb_access itlb_miss dtlb_access dtlb_miss. */
#define PMU_STREAM_MODEL_COUNTERS 10

/* flags */
#define PMU_STREAM_F_GLOBAL_HV	(1u << 0) /* TLB entries >= hv_base survive CR3 loads */
#define PMU_STREAM_F_PHYS	(1u << 1) /* caches keyed by guest-physical address */
#define PMU_STREAM_F_PHYS_CACHE (1u << 2) /* ... through the plugin's page cache */

struct pmu_stream_header {
	char magic[8];
	uint32_t version;
	uint32_t header_bytes; /* this struct + n_models model descriptions */
	uint32_t n_vcpus;
	uint32_t n_models;
	uint32_t n_counters;   /* u64 counters per record */
	uint32_t record_bytes; /* sizeof(struct pmu_stream_record) + 8 * n_counters */
	/* Host TSC ticks per second, measured against CLOCK_MONOTONIC at start. */
	uint64_t tsc_hz;
	uint64_t period_ns; /* minimum spacing of periodic records of one vCPU */
	uint64_t start_tsc; /* host TSC when the plugin was installed */
	uint64_t hv_base;
	uint32_t flags;
	uint32_t reserved;
};

/* Geometry of one model instance, as given in the options, NUL-padded. */
struct pmu_stream_model {
	char l1i[40];
	char l1d[40];
	char l2[40];
	char itlb[40];
	char dtlb[40];
};

enum pmu_stream_kind {
	PMU_STREAM_PERIODIC = 0, /* first TB boundary at least period_ns after the last */
	PMU_STREAM_MARKER = 1,	 /* the guest executed xchg %bx,%bx */
	PMU_STREAM_FINAL = 2,	 /* at QEMU exit */
	/* version 2: a counter record at a mov to CR3 (an address space ends) */
	PMU_STREAM_CR3 = 3,
	/*
	 * Version 2, variable size: the 16-byte record head, reserved = the
	 * payload's size in bytes, then the payload (no counters).
	 * TBDEF: struct pmu_stream_tbdef; written by a vCPU before its first
	 * ANNOT that names the block. tsc is 0.
	 * ANNOT: what each translation block did since the vCPU's previous
	 * counter record, for model instance 0; written just before the
	 * counter record (same tsc) that closes that interval, possibly as
	 * several ANNOT records. Payload: entries of 1 + PMU_ANNOT_COUNTERS
	 * unsigned LEB128 numbers: block id, then the counts in
	 * PMU_ANNOT_COUNTERS order.
	 */
	PMU_STREAM_TBDEF = 4,
	PMU_STREAM_ANNOT = 5,
};

struct pmu_stream_tbdef {
	uint32_t id;	  /* dense, from 0, per stream */
	uint32_t n_insns; /* instructions in the block */
	uint64_t vaddr;	  /* guest-virtual address of its first instruction */
};

/* insns l1i_access l1i_miss l1d_access l1d_miss l2_access l2_miss
 * itlb_access itlb_miss dtlb_access dtlb_miss */
#define PMU_ANNOT_COUNTERS 11

struct pmu_stream_record {
	/* Host TSC when the record was taken. Under TCG the guest's rdtsc is
	 * the host TSC plus an offset fixed while the VM runs: a MARKER record
	 * next to a guest-side rdtsc gives that offset. */
	uint64_t tsc;
	uint32_t vcpu;
	uint16_t kind;
	uint16_t reserved;
	uint64_t counter[]; /* n_counters */
};

_Static_assert(sizeof(struct pmu_stream_header) == 72, "stream header layout");
_Static_assert(sizeof(struct pmu_stream_model) == 200, "stream model layout");
_Static_assert(sizeof(struct pmu_stream_record) == 16, "stream record layout");
_Static_assert(sizeof(struct pmu_stream_tbdef) == 16, "stream tbdef layout");

#endif
