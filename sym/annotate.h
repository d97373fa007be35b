/* SPDX-License-Identifier: GPL-2.0 */
/*
 * annotate.h - the pmu-sim block table (results.h struct xpkt_sim_annot) by
 * function: the seed's Figure 4, "performance information added to the
 * annotated instruction flow", summed per function and stage.
 *
 * A block is named by the symbol table of its domain (Xen's for Xen's
 * range, else dom0's or the guest's kernel): the function holding its
 * first instruction (a block never spans a call or return, and TCG ends
 * blocks at a page boundary, so it stays in one function but for
 * fall-through into the next symbol). Below the canonical hole an address
 * is "[user]", a kernel address no table covers "[unknown]", as perf
 * prints them.
 */
#ifndef XPKT_SYM_ANNOTATE_H
#define XPKT_SYM_ANNOTATE_H

#include <stddef.h>

#include "correlator/results.h"
#include "lib/err.h"
#include "sym/sym.h"

struct xpkt_func_row {
	int8_t dir, stage; /* -1, -1: no stage */
	uint8_t domain;	   /* enum xpkt_domain, XPKT_DOM_COUNT unknown */
	uint16_t domid;	   /* Linux domains; XPKT_DOMID_NONE for Xen */
	char name[64];
	char module[32]; /* "" for the core kernel or hypervisor */
	uint64_t blocks; /* distinct translation blocks summed */
	uint64_t c[XPKT_SIMTB_COUNTERS];
};

/*
 * Rows per (dir, stage, domain, domid, function, module), grouped by
 * (dir, stage) in the block table's order (no stage first), most
 * instructions first within a group, ties by name. tabs: per enum
 * xpkt_domain a symbol table or NULL. *rows is malloc'd. -1 out of memory.
 */
int xpkt_annotate_functions(const struct xpkt_sim_annot *sa,
			    struct xpkt_symtab *const tabs[XPKT_DOM_COUNT],
			    struct xpkt_func_row **rows, size_t *nrows, struct xpkt_err *err);

#endif
