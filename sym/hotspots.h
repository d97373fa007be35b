/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hotspots.h - name the PC samples of a correlation's results: each stage's
 * sampled addresses (results.h ips) become functions with sample counts
 * (funcs), the rows of the report's hotspot table, in the style of perf
 * report's "Overhead  Symbol" and of the seed's function breakdown.
 *
 * The table of the stage's domain (the catalogue row's domain: guest, dom0,
 * host; Xen's for hypervisor addresses) names an address; a user-space
 * address (below the x86-64 canonical hole) counts as "[user]", a kernel
 * address no table covers as "[unknown]", as perf prints them.
 */
#ifndef XPKT_SYM_HOTSPOTS_H
#define XPKT_SYM_HOTSPOTS_H

#include "correlator/results.h"
#include "lib/err.h"
#include "sym/sym.h"

/*
 * tabs: per enum xpkt_domain a symbol table or NULL. Fills every stage's
 * funcs/nfuncs (replacing earlier ones), most samples first, ties by name.
 * -1 (with err) only when out of memory.
 */
int xpkt_hotspots_name(struct xpkt_results *r, struct xpkt_symtab *const tabs[XPKT_DOM_COUNT],
		       struct xpkt_err *err);

#endif
