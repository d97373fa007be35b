/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenstat.h - the numbers xenalyze --summary prints for the classes
 * xpkttrace cares about, computed from one pass of the xentrace reader:
 * per physical CPU the log volume per trace class, per vCPU the runstate
 * intervals and the hypercall counts, and the records Xen lost.
 */
#ifndef XPKT_DECODE_XENSTAT_H
#define XPKT_DECODE_XENSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "decode/xentrace.h"
#include "lib/err.h"

/* xenalyze's "toplevel" classes: bit N of the event's class byte. */
enum xenstat_class_id {
	XENSTAT_GEN = 0,
	XENSTAT_SCHED,
	XENSTAT_DOM0OP,
	XENSTAT_HVM,
	XENSTAT_MEM,
	XENSTAT_PV,
	XENSTAT_SHADOW,
	XENSTAT_HW,
	XENSTAT_NCLASSES
};
#define XENSTAT_NHYPERCALLS 56 /* xenalyze's PV_HYPERCALL_MAX */

struct xenstat_volume {
	uint64_t records; /* records in the file */
	/*
	 * Bytes as xenalyze's "Log volume summary" counts them: header, TSC
	 * and extra words; TRC_LOST_RECORDS twice (xenalyze processes it at
	 * the first lost TSC and again where it sits), window headers never.
	 */
	uint64_t bytes;
};

struct xenstat_pcpu {
	struct xenstat_volume cls[XENSTAT_NCLASSES];
};

struct xenstat_vcpu {
	uint32_t domid;
	uint16_t vcpu;
	uint64_t hypercalls[XENSTAT_NHYPERCALLS];
	uint64_t rs_count[XT_RS_MAX];
	uint64_t rs_cycles[XT_RS_MAX];
};

struct xenstat {
	unsigned ncpus;
	struct xenstat_pcpu *pcpus;
	unsigned nvcpus; /* sorted by (domid, vcpu); xenalyze's default domain left out */
	struct xenstat_vcpu *vcpus;
	uint64_t records;      /* all records except window headers */
	uint64_t lost_records; /* sum of the counts in TRC_LOST_RECORDS */
	uint64_t lost_markers; /* TRC_LOST_RECORDS records */
	uint64_t first_tsc, last_tsc;
};

/* Reads PATH to the end. On error fills err ("FILE: offset N: ...") and returns -1. */
int xenstat_file(const char *path, struct xenstat *st, struct xpkt_err *err);
void xenstat_free(struct xenstat *st);

const char *xenstat_class_name(unsigned cls);
/* Hypercall names as xenalyze spells them; "hypercall_N" for unnamed ones. */
const char *xenstat_hypercall_name(unsigned op, char *buf, size_t len);
/* The toplevel class of an event id, -1 when xenalyze would not count it. */
int xenstat_class_of(uint32_t event);

#endif
