// SPDX-License-Identifier: GPL-2.0
/*
 * hotspots.c - sampled addresses to functions, per stage (hotspots.h).
 *
 * Each address is looked up once (a stage's ips are distinct), the
 * (function, module) pairs are sorted and merged, then ordered by samples.
 * Names are copied into the results, so the symbol tables may be freed.
 */
#include <stdlib.h>
#include <string.h>

#include "sym/hotspots.h"
#include "tracepoints/stage.h"

static int by_name(const void *a, const void *b)
{
	const struct xpkt_func_count *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->module, y->module);
}

static int by_samples(const void *a, const void *b)
{
	const struct xpkt_func_count *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return by_name(a, b);
}

static int name_stage(struct xpkt_stage_stats *st, const struct xpkt_symtab *tab)
{
	struct xpkt_func_count *f;
	uint32_t n = 0;

	free(st->funcs);
	st->funcs = NULL;
	st->nfuncs = 0;
	if (!st->nips)
		return 0;
	f = calloc(st->nips, sizeof(*f));
	if (!f)
		return -1;
	for (uint32_t i = 0; i < st->nips; i++) {
		xpkt_sym_name(tab, st->ips[i].ip, f[i].name, sizeof(f[i].name), f[i].module,
			      sizeof(f[i].module));
		f[i].samples = st->ips[i].samples;
	}
	qsort(f, st->nips, sizeof(*f), by_name);
	for (uint32_t i = 0; i < st->nips; i++) {
		if (n && !by_name(&f[n - 1], &f[i]))
			f[n - 1].samples += f[i].samples;
		else
			f[n++] = f[i];
	}
	qsort(f, n, sizeof(*f), by_samples);
	st->funcs = f;
	st->nfuncs = n;
	return 0;
}

int xpkt_hotspots_name(struct xpkt_results *r, struct xpkt_symtab *const tabs[XPKT_DOM_COUNT],
		       struct xpkt_err *err)
{
	enum xpkt_mode mode = r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;

	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *rows = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned s = 0; s < n && s < XPKT_MAX_STAGES; s++) {
			unsigned dom = rows[s].domain < XPKT_DOM_COUNT ? rows[s].domain : 0;

			if (name_stage(&r->stages[d][s], tabs[dom]))
				return xpkt_err_set(err, "out of memory");
		}
	}
	return 0;
}
