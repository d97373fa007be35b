/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtwrite.h - write a file in the format Xen 4.17's xentrace writes, so the
 * generator's hypervisor records go through the same decoder (and xenalyze)
 * as a real capture.
 *
 * Records are buffered per physical CPU and written as xentrace does: for
 * each CPU's window a TRC_TRACE_CPU_CHANGE record (cpu, window bytes) then
 * the raw records. Records of one CPU must be added in TSC order.
 */
#ifndef XPKT_SYNTH_XTWRITE_H
#define XPKT_SYNTH_XTWRITE_H

#include <stdint.h>

#include "lib/err.h"

struct xtw;

/* Creates PATH atomically (it appears at xtw_close). */
struct xtw *xtw_create(const char *path, unsigned ncpus, struct xpkt_err *err);
/* A raw record: event id, TSC (always written with one), up to 7 extra words. */
int xtw_record(struct xtw *w, unsigned cpu, uint32_t event, uint64_t tsc, const uint32_t *extra,
	       unsigned nextra);
/* Typed helpers for what the generator emits. */
int xtw_sched_switch(struct xtw *w, unsigned cpu, uint64_t tsc, uint16_t prev_dom,
		     uint16_t prev_vcpu, uint16_t next_dom, uint16_t next_vcpu);
int xtw_runstate(struct xtw *w, unsigned cpu, uint64_t tsc, uint16_t dom, uint16_t vcpu,
		 unsigned old_state, unsigned new_state);
/* TRC_PV_HYPERCALL_V2, 64-bit guest: op with up to two 32-bit args (grant_table_op: cmd, count). */
int xtw_hypercall(struct xtw *w, unsigned cpu, uint64_t tsc, uint32_t op, const uint32_t *args,
		  unsigned nargs);
/* TRC_LOST_RECORDS as Xen writes it when a CPU's buffer had no room. */
int xtw_lost(struct xtw *w, unsigned cpu, uint64_t tsc, uint32_t lost, uint16_t dom, uint16_t vcpu,
	     uint64_t first_tsc);
/* Flushes every CPU's window; commits the file (or removes it when abort). Frees w. */
int xtw_close(struct xtw *w, int abort, struct xpkt_err *err);

#endif
