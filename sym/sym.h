/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sym.h - kernel and hypervisor symbolization: address -> function+offset,
 * module, and source file:line where debug info exists. Used to name the PC
 * samples and kprobe sites of the hotspot tables.
 *
 * A symtab is filled from any number of sources, then looked up:
 *   - an ELF file through libbfd: vmlinux (with or without DWARF), a module
 *     .ko, Xen's xen-syms. A .ko is relocatable (every section at 0), so its
 *     sections only get addresses from the caller: the runtime .text base is
 *     /sys/module/NAME/sections/.text, or kallsyms minus the .ko offset
 *     (xpkt_symtab_ko_base()).
 *   - a System.map or /proc/kallsyms (same text format, kallsyms adds an
 *     optional "\t[module]" column); Xen's xen-syms.map ("0x" prefix) too.
 *
 * Only text symbols are kept (the samples are PCs). Symbols are one array
 * sorted by address, searched by bisection. Library code: errors go to
 * struct xpkt_err naming the file (and the line for text formats).
 */
#ifndef XPKT_SYM_SYM_H
#define XPKT_SYM_SYM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct xpkt_symtab;

/* One section's runtime address, for a relocatable .ko ("section" NULL = ".text"). */
struct xpkt_sym_base {
	const char *section;
	uint64_t addr;
};

/* What an address resolved to; the strings live as long as the symtab. */
struct xpkt_sym_info {
	const char *name;
	uint64_t sym_addr;  /* where the symbol starts */
	uint64_t offset;    /* addr - sym_addr */
	uint64_t size;	    /* bytes, 0 if unknown */
	int size_from_elf;  /* 1: ELF st_size; 0: distance to the next symbol */
	const char *module; /* NULL for the core kernel / hypervisor */
	const char *file;   /* NULL without debug info */
	unsigned line;	    /* 0 without debug info */
};

struct xpkt_symtab *xpkt_symtab_new(void);
void xpkt_symtab_free(struct xpkt_symtab *tab);

/*
 * Adds the text symbols of an ELF file. MODULE names them (NULL: none; a
 * ".ko" file defaults to its file name with '-' as '_', as the kernel names
 * modules). For a relocatable file only sections with a base are loaded;
 * with no bases at all, .text is at 0 (addresses are .text offsets, as nm
 * prints them).
 */
int xpkt_symtab_load_elf(struct xpkt_symtab *tab, const char *path, const char *module,
			 const struct xpkt_sym_base *bases, size_t nbases, struct xpkt_err *err);

/* Adds a System.map / kallsyms file. Bad lines: "PATH: line N: what". */
int xpkt_symtab_load_map(struct xpkt_symtab *tab, const char *path, struct xpkt_err *err);
/* The same from memory (BUF need not be NUL-terminated); NAME is used in errors. */
int xpkt_symtab_load_map_mem(struct xpkt_symtab *tab, const char *name, const char *buf, size_t len,
			     struct xpkt_err *err);

/* 1 and *out filled if ADDR falls in a symbol, 0 if not. */
int xpkt_symtab_lookup(const struct xpkt_symtab *tab, uint64_t addr, struct xpkt_sym_info *out);

/* x86-64: user addresses are below the canonical hole; the kernel's above it. */
#define XPKT_USER_TOP 0x0000800000000000ull

/*
 * A table row's name for a sampled or executed address, as perf prints it:
 * the function holding it and its module ("" for the core kernel or
 * hypervisor) from TAB; "[user]" below the canonical hole (a process, which
 * kallsyms cannot name); "[unknown]" where TAB (NULL: none) has no symbol.
 * Both strings are cut to fit.
 */
void xpkt_sym_name(const struct xpkt_symtab *tab, uint64_t addr, char *name, size_t name_len,
		   char *module, size_t module_len);

/* Number of symbols kept (after aliases at one address are all counted). */
size_t xpkt_symtab_count(const struct xpkt_symtab *tab);

/*
 * The runtime .text base of module MODULE, found by matching its .text
 * symbols in KO (a symtab holding only the .ko, loaded without bases) with
 * the same names in KALLSYMS: base = kallsyms address - .ko offset. MODULE
 * NULL: the name KO was loaded with. Returns
 * -1 (with err) if no symbol of MODULE matches, or the matches disagree.
 */
int xpkt_symtab_ko_base(const struct xpkt_symtab *ko, const struct xpkt_symtab *kallsyms,
			const char *module, uint64_t *base, struct xpkt_err *err);

#endif
