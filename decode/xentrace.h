/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xentrace.h - read a file written by Xen 4.17's xentrace, record by record,
 * merged across physical CPUs in TSC order.
 *
 * The file is a sequence of per-CPU windows (a TRC_TRACE_CPU_CHANGE record
 * {cpu, bytes} followed by that many bytes of the CPU's trace buffer); see
 * synth/xtwrite.c for the record layout. The reader maps the file, indexes
 * the windows, and k-way merges the CPUs by TSC (ties: lower CPU first,
 * within a CPU file order). A record without a TSC gets the TSC of the
 * previous record of its CPU. Memory stays bounded: pages of a finished
 * window are dropped, so multi-GB files work.
 *
 * The reader also follows which vCPU runs on each physical CPU and each
 * vCPU's runstate, with the rules xenalyze applies (switch records,
 * runstate changes, lost records), because a hypercall record carries no
 * domain: it belongs to whoever runs on that CPU.
 */
#ifndef XPKT_DECODE_XENTRACE_H
#define XPKT_DECODE_XENTRACE_H

#include <stdint.h>

#include "lib/err.h"

/* Event ids (xen/include/public/trace.h). */
#define XT_TRC_LOST_RECORDS	    0x0001f001u
#define XT_TRC_TRACE_WRAP_BUFFER    0x0001f002u
#define XT_TRC_TRACE_CPU_CHANGE	    0x0001f003u
#define XT_TRC_SCHED_MIN	    0x00021000u
#define XT_TRC_SCHED_SWITCH	    0x0002800au
#define XT_TRC_MEM_PAGE_GRANT_MAP   0x0010f001u
#define XT_TRC_MEM_PAGE_GRANT_UNMAP 0x0010f002u
#define XT_TRC_MEM_PAGE_GRANT_XFER  0x0010f003u
#define XT_TRC_HW_IRQ		    0x00802000u
#define XT_PV_HYPERCALL_V2_MINOR    13 /* TRC_PV_HYPERCALL_V2 & 0xff */
#define XT_PV_HYPERCALL_SUB_MINOR   14 /* TRC_PV_HYPERCALL_SUBCALL & 0xff */
#define XT_HC_ARG_MASK		    0xfff00000u

/* TRC_MEM + 0x20: added by xen-patch/ (not in Xen 4.17's public/trace.h). */
#define XT_TRC_MEM_GNTTAB_FLUSH 0x0010f020u

#define XT_MAX_CPUS  4096 /* physical CPU ids accepted in window headers */
#define XT_MAX_VCPUS 256  /* vCPU ids above this are ignored, as xenalyze does */

/* Domain ids with a meaning of their own (xenalyze's naming). */
#define XT_DOM_IDLE    32767u
#define XT_DOM_DEFAULT 32768u /* "whoever ran before the first schedule record" */
#define XT_DOM_NONE    0xffffffffu

/* Runstates: Xen's four, then xenalyze's bookkeeping ones. */
enum xt_runstate {
	XT_RS_RUNNING = 0,
	XT_RS_RUNNABLE,
	XT_RS_BLOCKED,
	XT_RS_OFFLINE,
	XT_RS_LOST,
	XT_RS_QUEUED,
	XT_RS_INIT,
	XT_RS_MAX
};
const char *xt_runstate_name(unsigned rs);

struct xt_rec {
	uint64_t tsc;	     /* own TSC, or the previous record's of this CPU */
	uint64_t offset;     /* file offset of the record header */
	uint32_t event;	     /* 28-bit event id */
	uint32_t extra[7];   /* extra words; only nextra are valid */
	uint16_t cpu;	     /* physical CPU */
	uint8_t nextra;	     /* extra word count */
	uint8_t has_tsc;     /* the record carried its own TSC */
	uint32_t size_bytes; /* bytes in the file: 4 + 8 * has_tsc + 4 * nextra */
	uint32_t cur_dom;    /* domain running on cpu when the record was made, XT_DOM_NONE */
	uint16_t cur_vcpu;
	int32_t cur_index; /* its index for xt_vcpu_at(), -1 with XT_DOM_NONE */
};

struct xt_vcpu {
	uint32_t domid;
	uint16_t vcpu;
	uint8_t state; /* enum xt_runstate */
	uint8_t activated;
	int32_t pcpu;	    /* last physical CPU, -1 none */
	uint64_t state_tsc; /* when it entered state, 0 unknown */
	uint64_t rs_count[XT_RS_MAX];
	uint64_t rs_cycles[XT_RS_MAX];
};

struct xt_reader;

struct xt_reader *xt_open(const char *path, struct xpkt_err *err);
/* 1: *rec filled (merged order); 0: end; -1: error "FILE: offset N: what". */
int xt_next(struct xt_reader *r, struct xt_rec *rec, struct xpkt_err *err);
void xt_close(struct xt_reader *r);

unsigned xt_ncpus(const struct xt_reader *r);	/* highest CPU id in the file + 1 */
uint64_t xt_records(const struct xt_reader *r); /* records returned so far */
/* The vCPUs seen so far (sorted by nothing); valid until the next xt_next. */
unsigned xt_nvcpus(const struct xt_reader *r);
const struct xt_vcpu *xt_vcpu_at(const struct xt_reader *r, unsigned i);

#endif
