/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sym-int.h - the symtab's insides, shared by its three files: symtab.c
 * (the sorted array, lookup), elf.c (libbfd) and sysmap.c (text maps).
 * Not for use outside sym/.
 */
#ifndef XPKT_SYM_SYM_INT_H
#define XPKT_SYM_SYM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sym/sym.h"

/*
 * One symbol. A "fence" is a non-text symbol of a text map (data, bss,
 * rodata): it never resolves, but it ends the text symbol before it, since a
 * map has no sizes and kallsyms puts each module's data after its text.
 */
struct xpkt_sym_ent {
	uint64_t addr;
	uint64_t size;	   /* ELF st_size, 0 if unknown */
	uint64_t sec_base; /* runtime address of its ELF section, for file:line */
	uint64_t sec_end;  /* end of that section; 0 for text maps */
	const char *name;
	const char *module;
	void *sec; /* asection * of an ELF symbol, else NULL */
	uint32_t image;
	uint32_t seq; /* insertion order: keeps the sort stable */
	uint8_t rank; /* among aliases at one address the highest is shown */
	uint8_t fence;
	uint8_t elf_size; /* size came from the ELF symbol */
};

/* What one load keeps alive for the strings and file:line lookups. */
struct xpkt_sym_image {
	void *abfd; /* bfd *, or NULL for text maps */
	void *syms; /* asymbol ** */
	char *buf;  /* a text map's bytes, split in place into names */
	char *module;
	int has_dwarf;
};

struct xpkt_symtab {
	struct xpkt_sym_ent *ents;
	size_t n, cap;
	struct xpkt_sym_image *imgs;
	size_t nimg;
	size_t ntext; /* entries that are not fences */
};

/* Takes ownership of IMG's contents and ENTS' strings; sorts. Index of the image or -1. */
int symtab__commit(struct xpkt_symtab *tab, struct xpkt_sym_image *img, struct xpkt_sym_ent *ents,
		   size_t n, struct xpkt_err *err);
/* Frees what an image holds (elf.c knows how to close a bfd). */
void sym_elf__close(struct xpkt_sym_image *img);
/* file:line of OFF bytes into ELF section SEC of IMG; 0 if unknown. */
int sym_elf__line(const struct xpkt_sym_image *img, void *sec, uint64_t off, const char **file,
		  unsigned *line);

#endif
