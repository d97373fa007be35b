// SPDX-License-Identifier: GPL-2.0
/*
 * annotate.c - pmu-sim blocks to functions (see annotate.h).
 *
 * Name every block, sort by the row key, sum runs of equal keys, then
 * order each (dir, stage) group by instructions. Memory: one row per block
 * for the moment of the sort.
 */
#include <stdlib.h>
#include <string.h>

#include "sym/annotate.h"

static void name_block(const struct xpkt_sim_block *b,
		       struct xpkt_symtab *const tabs[XPKT_DOM_COUNT], struct xpkt_func_row *r)
{
	const struct xpkt_symtab *t = b->domain < XPKT_DOM_COUNT ? tabs[b->domain] : NULL;

	memset(r, 0, sizeof(*r));
	r->dir = b->dir;
	r->stage = b->stage;
	r->domain = b->domain;
	r->domid = b->domid;
	r->blocks = 1;
	memcpy(r->c, b->c, sizeof(r->c));
	xpkt_sym_name(t, b->ip, r->name, sizeof(r->name), r->module, sizeof(r->module));
}

static int by_key(const void *a, const void *b)
{
	const struct xpkt_func_row *x = a, *y = b;
	int c;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->domid != y->domid)
		return x->domid < y->domid ? -1 : 1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	return strcmp(x->module, y->module);
}

static int by_insns(const void *a, const void *b)
{
	const struct xpkt_func_row *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->c[XPKT_SIMTB_INSNS] != y->c[XPKT_SIMTB_INSNS])
		return x->c[XPKT_SIMTB_INSNS] > y->c[XPKT_SIMTB_INSNS] ? -1 : 1;
	return by_key(a, b);
}

int xpkt_annotate_functions(const struct xpkt_sim_annot *sa,
			    struct xpkt_symtab *const tabs[XPKT_DOM_COUNT],
			    struct xpkt_func_row **rows, size_t *nrows, struct xpkt_err *err)
{
	struct xpkt_func_row *r;
	size_t n = 0;

	*rows = NULL;
	*nrows = 0;
	if (!sa || !sa->nblocks)
		return 0;
	r = malloc(sa->nblocks * sizeof(*r));
	if (!r)
		return xpkt_err_set(err, "out of memory for %llu blocks",
				    (unsigned long long)sa->nblocks);
	for (uint64_t i = 0; i < sa->nblocks; i++)
		name_block(&sa->blocks[i], tabs, &r[i]);
	qsort(r, sa->nblocks, sizeof(*r), by_key);
	for (uint64_t i = 0; i < sa->nblocks; i++) {
		if (n && !by_key(&r[n - 1], &r[i])) {
			for (unsigned k = 0; k < XPKT_SIMTB_COUNTERS; k++)
				r[n - 1].c[k] += r[i].c[k];
			r[n - 1].blocks++;
			continue;
		}
		r[n++] = r[i];
	}
	qsort(r, n, sizeof(*r), by_insns);
	*rows = r;
	*nrows = n;
	return 0;
}
