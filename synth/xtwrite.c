// SPDX-License-Identifier: GPL-2.0
/*
 * xtwrite.c - write records in the file format of Xen 4.17's xentrace.
 *
 * What the file looks like (tools/xentrace/xentrace.c, xen/common/trace.c):
 * a sequence of windows, each a copy of one physical CPU's trace buffer
 * between its consumer and producer pointers, introduced by a
 * TRC_TRACE_CPU_CHANGE record that xentrace writes itself (no TSC, two extra
 * words: cpu, window bytes). Records inside a window are Xen's struct t_rec:
 * a 32-bit header (event in bits 0-27, extra word count in 28-30, "TSC
 * follows" in bit 31), the 64-bit TSC as lo, hi words when present, then the
 * extra words. Everything is little-endian (x86 only).
 *
 * Records are buffered per CPU and a CPU's window is written when its buffer
 * reaches XTW_WINDOW_BYTES or at close, the way xentrace writes a buffer when
 * Xen signals it is half full: windows of different CPUs interleave in the
 * file and only the order within one CPU matters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/afile.h"
#include "synth/xtwrite.h"

#define XTW_TRC_TRACE_CPU_CHANGE 0x0001f003u
#define XTW_TRC_LOST_RECORDS	 0x0001f001u
#define XTW_TRC_SCHED_SWITCH	 0x0002800au
#define XTW_TRC_SCHED_RUNSTATE	 0x00021001u
#define XTW_TRC_PV_HYPERCALL_V2	 0x0020100du
#define XTW_HC_ARG32(i)		 (0x1u << (20 + 2 * (i)))
#define XTW_EXTRA_SHIFT		 28
#define XTW_CYCLES_FLAG		 0x80000000u
#define XTW_WINDOW_BYTES	 (256u * 1024u)
#define XTW_MAX_RECORD_BYTES	 (4u + 8u + 7u * 4u)

struct xtw_cpu {
	uint8_t *buf;
	size_t used_bytes;
	uint64_t last_tsc;
	int have_tsc;
};

struct xtw {
	struct afile af;
	unsigned ncpus;
	struct xtw_cpu *cpus;
	int failed; /* sticky: the first error, reported by xtw_close */
	char why[256];
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int xtw_fail(struct xtw *w, const char *what)
{
	if (!w->failed) {
		w->failed = 1;
		snprintf(w->why, sizeof(w->why), "%s", what);
	}
	return -1;
}

struct xtw *xtw_create(const char *path, unsigned ncpus, struct xpkt_err *err)
{
	struct xtw *w;

	if (ncpus == 0 || ncpus > 4096) {
		xpkt_err_set(err, "%s: bad CPU count %u", path, ncpus);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		xpkt_err_set(err, "%s: out of memory", path);
		return NULL;
	}
	w->ncpus = ncpus;
	w->cpus = calloc(ncpus, sizeof(*w->cpus));
	if (!w->cpus) {
		free(w);
		xpkt_err_set(err, "%s: out of memory", path);
		return NULL;
	}
	if (afile_open(&w->af, path, err)) {
		free(w->cpus);
		free(w);
		return NULL;
	}
	return w;
}

static int xtw_flush_cpu(struct xtw *w, unsigned cpu)
{
	struct xtw_cpu *c = &w->cpus[cpu];
	uint8_t hdr[12];

	if (!c->used_bytes)
		return 0;
	/* The window header xentrace writes: no TSC, extra = {cpu, window bytes}. */
	put32(hdr, XTW_TRC_TRACE_CPU_CHANGE | (2u << XTW_EXTRA_SHIFT));
	put32(hdr + 4, cpu);
	put32(hdr + 8, (uint32_t)c->used_bytes);
	if (fwrite(hdr, sizeof(hdr), 1, w->af.fp) != 1 ||
	    fwrite(c->buf, c->used_bytes, 1, w->af.fp) != 1)
		return xtw_fail(w, "write failed");
	c->used_bytes = 0;
	return 0;
}

int xtw_record(struct xtw *w, unsigned cpu, uint32_t event, uint64_t tsc, const uint32_t *extra,
	       unsigned nextra)
{
	struct xtw_cpu *c;
	uint8_t *p;

	if (w->failed)
		return -1;
	if (cpu >= w->ncpus)
		return xtw_fail(w, "record for a CPU beyond ncpus");
	if (nextra > 7 || (nextra && !extra))
		return xtw_fail(w, "more than 7 extra words");
	if (event & 0xf0000000u)
		return xtw_fail(w, "event id wider than 28 bits");
	c = &w->cpus[cpu];
	if (c->have_tsc && tsc < c->last_tsc)
		return xtw_fail(w, "records of one CPU not in TSC order");
	if (!c->buf) {
		c->buf = malloc(XTW_WINDOW_BYTES + XTW_MAX_RECORD_BYTES);
		if (!c->buf)
			return xtw_fail(w, "out of memory");
	}
	p = c->buf + c->used_bytes;
	put32(p, event | (nextra << XTW_EXTRA_SHIFT) | XTW_CYCLES_FLAG);
	put32(p + 4, (uint32_t)tsc);
	put32(p + 8, (uint32_t)(tsc >> 32));
	for (unsigned i = 0; i < nextra; i++)
		put32(p + 12 + 4 * i, extra[i]);
	c->used_bytes += 12 + 4 * nextra;
	c->last_tsc = tsc;
	c->have_tsc = 1;
	if (c->used_bytes >= XTW_WINDOW_BYTES)
		return xtw_flush_cpu(w, cpu);
	return 0;
}

int xtw_sched_switch(struct xtw *w, unsigned cpu, uint64_t tsc, uint16_t prev_dom,
		     uint16_t prev_vcpu, uint16_t next_dom, uint16_t next_vcpu)
{
	/* Xen 4.17 schedule(): TRACE_4D(TRC_SCHED_SWITCH, prev dom, vcpu, next dom, vcpu). */
	uint32_t d[4] = {prev_dom, prev_vcpu, next_dom, next_vcpu};

	return xtw_record(w, cpu, XTW_TRC_SCHED_SWITCH, tsc, d, 4);
}

int xtw_runstate(struct xtw *w, unsigned cpu, uint64_t tsc, uint16_t dom, uint16_t vcpu,
		 unsigned old_state, unsigned new_state)
{
	/*
	 * vcpu_runstate_change() puts the two states in the event id itself
	 * (old in bits 8-9, new in bits 4-5) and one word {vcpu:16, dom:16}.
	 */
	uint32_t ev = XTW_TRC_SCHED_RUNSTATE | ((old_state & 3u) << 8) | ((new_state & 3u) << 4);
	uint32_t d = (uint32_t)dom << 16 | vcpu;

	return xtw_record(w, cpu, ev, tsc, &d, 1);
}

int xtw_hypercall(struct xtw *w, unsigned cpu, uint64_t tsc, uint32_t op, const uint32_t *args,
		  unsigned nargs)
{
	/*
	 * __trace_hypercall() (xen/arch/x86/pv/trace.c) records the op with a
	 * 2-bit size per argument in bits 20-31, then only the arguments it
	 * chose: for grant_table_op arg 0 (cmd) and arg 2 (count); for the
	 * count-carrying mmu_update/multicall/mmuext_op arg 1; otherwise the
	 * leading arguments, in order.
	 */
	uint32_t d[7];
	unsigned idx[6];

	if (nargs > 5 || op >= (1u << 20))
		return xtw_fail(w, "bad hypercall record");
	for (unsigned i = 0; i < nargs; i++)
		idx[i] = i;
	if (op == 20 && nargs == 2) {
		idx[1] = 2;
	} else if ((op == 1 || op == 13 || op == 26) && nargs == 1) {
		idx[0] = 1;
	}
	d[0] = op;
	for (unsigned i = 0; i < nargs; i++) {
		d[0] |= XTW_HC_ARG32(idx[i]);
		d[1 + i] = args[i];
	}
	return xtw_record(w, cpu, XTW_TRC_PV_HYPERCALL_V2, tsc, d, 1 + nargs);
}

int xtw_lost(struct xtw *w, unsigned cpu, uint64_t tsc, uint32_t lost, uint16_t dom, uint16_t vcpu,
	     uint64_t first_tsc)
{
	/*
	 * insert_lost_records() (xen/common/trace.c): {u32 count; u16 did, vid;
	 * u64 first_tsc}, with a TSC; first_tsc is when the first lost record
	 * would have been written.
	 */
	uint32_t d[4] = {lost, (uint32_t)vcpu << 16 | dom, (uint32_t)first_tsc,
			 (uint32_t)(first_tsc >> 32)};

	return xtw_record(w, cpu, XTW_TRC_LOST_RECORDS, tsc, d, 4);
}

int xtw_close(struct xtw *w, int abort, struct xpkt_err *err)
{
	int rc = 0;

	if (!w)
		return 0;
	if (!abort)
		for (unsigned i = 0; i < w->ncpus; i++)
			xtw_flush_cpu(w, i);
	if (abort || w->failed) {
		afile_abort(&w->af);
		if (w->failed)
			rc = xpkt_err_set(err, "%s: %s", w->af.path, w->why);
	} else {
		rc = afile_commit(&w->af, err);
	}
	for (unsigned i = 0; i < w->ncpus; i++)
		free(w->cpus[i].buf);
	free(w->cpus);
	free(w);
	return rc;
}
