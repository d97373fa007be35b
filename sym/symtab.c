// SPDX-License-Identifier: GPL-2.0
/*
 * symtab.c - the symbol table proper: one array of every source's symbols,
 * sorted by address, bisected on lookup. Several names at one address are
 * aliases (_text/_stext, a function and its global alias); the sort puts
 * the best ranked first so a lookup always shows the same one.
 */
#include <stdlib.h>
#include <string.h>

#include "sym/sym-int.h"

struct xpkt_symtab *xpkt_symtab_new(void)
{
	return calloc(1, sizeof(struct xpkt_symtab));
}

void xpkt_symtab_free(struct xpkt_symtab *tab)
{
	if (!tab)
		return;
	for (size_t i = 0; i < tab->nimg; i++)
		sym_elf__close(&tab->imgs[i]);
	free(tab->imgs);
	free(tab->ents);
	free(tab);
}

static int ent_cmp(const void *pa, const void *pb)
{
	const struct xpkt_sym_ent *a = pa, *b = pb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int symtab__commit(struct xpkt_symtab *tab, struct xpkt_sym_image *img, struct xpkt_sym_ent *ents,
		   size_t n, struct xpkt_err *err)
{
	struct xpkt_sym_image *imgs;
	size_t idx = tab->nimg;

	if (tab->n + n < tab->n || tab->n + n > UINT32_MAX)
		return xpkt_err_set(err, "too many symbols");
	if (tab->n + n > tab->cap) {
		size_t cap = tab->cap ? tab->cap : 1024;
		struct xpkt_sym_ent *e;

		while (cap < tab->n + n)
			cap *= 2;
		e = realloc(tab->ents, cap * sizeof(*e));
		if (!e)
			return xpkt_err_set(err, "out of memory for %zu symbols", cap);
		tab->ents = e;
		tab->cap = cap;
	}
	imgs = realloc(tab->imgs, (idx + 1) * sizeof(*imgs));
	if (!imgs)
		return xpkt_err_set(err, "out of memory");
	tab->imgs = imgs;
	tab->imgs[idx] = *img;
	tab->nimg++;
	for (size_t i = 0; i < n; i++) {
		struct xpkt_sym_ent *e = &tab->ents[tab->n + i];

		*e = ents[i];
		e->image = (uint32_t)idx;
		e->seq = (uint32_t)(tab->n + i);
		tab->ntext += !e->fence;
	}
	tab->n += n;
	qsort(tab->ents, tab->n, sizeof(*tab->ents), ent_cmp);
	return (int)idx;
}

size_t xpkt_symtab_count(const struct xpkt_symtab *tab)
{
	return tab ? tab->ntext : 0;
}

int xpkt_symtab_lookup(const struct xpkt_symtab *tab, uint64_t addr, struct xpkt_sym_info *out)
{
	size_t lo = 0, hi, first, next;
	const struct xpkt_sym_ent *e;
	uint64_t size, end;

	memset(out, 0, sizeof(*out));
	if (!tab || !tab->n)
		return 0;
	/* The last entry with ent.addr <= addr: lo ends as the count of such entries. */
	hi = tab->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tab->ents[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	next = lo; /* first entry at a higher address, or n */
	first = lo - 1;
	while (first > 0 && tab->ents[first - 1].addr == tab->ents[lo - 1].addr)
		first--;
	e = &tab->ents[first];
	if (e->fence)
		return 0;
	/*
	 * ELF symbols carry their size; asm labels (size 0) and map symbols run
	 * to the next symbol, but never past the end of their ELF section.
	 */
	size = e->size;
	if (!size) {
		end = next < tab->n ? tab->ents[next].addr : 0;
		if (e->sec_end && (!end || e->sec_end < end))
			end = e->sec_end;
		size = end > e->addr ? end - e->addr : 0;
		if (!size && addr != e->addr)
			return 0; /* the last symbol of a map has no known end */
	}
	if (size && addr - e->addr >= size)
		return 0;
	out->name = e->name;
	out->sym_addr = e->addr;
	out->offset = addr - e->addr;
	out->size = size;
	out->size_from_elf = e->elf_size;
	out->module = e->module;
	if (e->sec && tab->imgs[e->image].has_dwarf)
		sym_elf__line(&tab->imgs[e->image], e->sec, addr - e->sec_base, &out->file,
			      &out->line);
	return 1;
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static int streq_or_null(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

int xpkt_symtab_ko_base(const struct xpkt_symtab *ko, const struct xpkt_symtab *kallsyms,
			const char *module, uint64_t *base, struct xpkt_err *err)
{
	uint64_t *cand = NULL, best = 0;
	size_t ncand = 0, cap = 0, best_run = 0;

	if (!module && ko->n)
		module = ko->ents[0].module; /* the name the .ko was loaded with */

	/*
	 * Module symbols are few (hundreds), so a product of the two lists is
	 * cheap. Static functions of one name in two objects of a module give
	 * wrong candidates; the majority decides.
	 */
	for (size_t i = 0; i < kallsyms->n; i++) {
		const struct xpkt_sym_ent *k = &kallsyms->ents[i];

		if (k->fence || !streq_or_null(k->module, module))
			continue;
		for (size_t j = 0; j < ko->n; j++) {
			const struct xpkt_sym_ent *o = &ko->ents[j];

			if (o->fence || strcmp(o->name, k->name) || o->addr > k->addr)
				continue;
			if (ncand == cap) {
				uint64_t *c = realloc(cand, (cap ? cap * 2 : 64) * sizeof(*c));

				if (!c) {
					free(cand);
					return xpkt_err_set(err, "out of memory");
				}
				cand = c;
				cap = cap ? cap * 2 : 64;
			}
			cand[ncand++] = k->addr - o->addr;
		}
	}
	if (!ncand) {
		free(cand);
		return xpkt_err_set(err, "module %s: no symbol of the .ko is in kallsyms",
				    module ? module : "(none)");
	}
	qsort(cand, ncand, sizeof(*cand), u64_cmp);
	for (size_t i = 0; i < ncand;) {
		size_t j = i;

		while (j < ncand && cand[j] == cand[i])
			j++;
		if (j - i > best_run) {
			best_run = j - i;
			best = cand[i];
		}
		i = j;
	}
	free(cand);
	if (best_run * 2 <= ncand)
		return xpkt_err_set(err, "module %s: kallsyms and the .ko disagree on the base",
				    module);
	*base = best;
	return 0;
}

/* src, or "", into dst of len bytes, cut to fit. */
static void copy_cut(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = 0;
}

void xpkt_sym_name(const struct xpkt_symtab *tab, uint64_t addr, char *name, size_t name_len,
		   char *module, size_t module_len)
{
	struct xpkt_sym_info si;

	copy_cut(module, module_len, "");
	if (addr < XPKT_USER_TOP) {
		copy_cut(name, name_len, "[user]");
	} else if (tab && xpkt_symtab_lookup(tab, addr, &si)) {
		copy_cut(name, name_len, si.name);
		copy_cut(module, module_len, si.module);
	} else {
		copy_cut(name, name_len, "[unknown]");
	}
}
