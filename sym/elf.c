// SPDX-License-Identifier: GPL-2.0
/*
 * elf.c - text symbols of an ELF file through libbfd (vmlinux, a module .ko,
 * xen-syms), and file:line through bfd_find_nearest_line when the file has
 * DWARF. The bfd stays open as long as the symtab: names point into it and
 * line lookups read its debug sections on demand.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <bfd.h>

#include "sym/sym-int.h"

/*
 * libbfd keeps an ELF symbol's st_size in elf_symbol_type (elf-bfd.h, not
 * installed): an asymbol followed by Elf_Internal_Sym, whose first members
 * are st_value and st_size. That layout has not changed since binutils 2.x;
 * nm -S reads it the same way. We check st_value against the asymbol before
 * trusting st_size, so a changed layout shows as "size unknown", not garbage.
 */
struct elf_sym_prefix {
	asymbol symbol;
	bfd_vma st_value;
	bfd_vma st_size;
};

/*
 * binutils 2.40's DWARF reader reads .debug_rnglists into a buffer that
 * _bfd_dwarf2_cleanup_debug_info never frees (one per bfd with DWARF 5,
 * whatever we do). LeakSanitizer reads this hook from the program. Its fast
 * unwinder stops inside libbfd (no frame pointers there), so the excuse has
 * to name the library; tests/cli/sym.sh runs valgrind, whose full stacks
 * excuse only that one leak, to prove the rest of libbfd's memory is freed.
 */
const char *__lsan_default_suppressions(void);
__attribute__((used)) const char *__lsan_default_suppressions(void)
{
	return "leak:_bfd_elf_find_nearest_line\nleak:libbfd\n";
}

/* ...and not to print a suppression summary after every run. */
const char *__lsan_default_options(void);
__attribute__((used)) const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

/* libbfd reports problems of corrupt files through this hook; a library must not print. */
static void bfd_quiet(const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
}

static void bfd_once(void)
{
	static int done;

	if (!done) {
		bfd_init();
		bfd_set_error_handler(bfd_quiet);
		done = 1;
	}
}

void sym_elf__close(struct xpkt_sym_image *img)
{
	if (img->abfd)
		bfd_close((bfd *)img->abfd);
	free(img->syms);
	free(img->buf);
	free(img->module);
	memset(img, 0, sizeof(*img));
}

int sym_elf__line(const struct xpkt_sym_image *img, void *sec, uint64_t off, const char **file,
		  unsigned *line)
{
	const char *f = NULL, *fn = NULL;
	unsigned l = 0;

	if (!bfd_find_nearest_line((bfd *)img->abfd, (asection *)sec, (asymbol **)img->syms,
				   (bfd_vma)off, &f, &fn, &l) ||
	    !f || !l)
		return 0;
	*file = f;
	*line = l;
	return 1;
}

/* "xen-netback.ko" -> "xen_netback": the kernel's KBUILD_MODNAME. */
static char *module_from_path(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t len;
	char *m;

	b = b ? b + 1 : path;
	len = strlen(b);
	if (len <= 3 || strcmp(b + len - 3, ".ko"))
		return NULL;
	m = strndup(b, len - 3);
	for (char *p = m; p && *p; p++)
		if (*p == '-')
			*p = '_';
	return m;
}

static int find_base(const struct xpkt_sym_base *bases, size_t nbases, const char *secname,
		     uint64_t *addr)
{
	for (size_t i = 0; i < nbases; i++) {
		const char *s = bases[i].section ? bases[i].section : ".text";

		if (!strcmp(s, secname)) {
			*addr = bases[i].addr;
			return 1;
		}
	}
	return 0;
}

static uint8_t bfd_rank(flagword f)
{
	/* A function over an untyped label, then global, weak, local. */
	return (uint8_t)(((f & BSF_FUNCTION) ? 4 : 0) +
			 ((f & BSF_GLOBAL) ? 2 : ((f & BSF_WEAK) ? 1 : 0)) + 1);
}

int xpkt_symtab_load_elf(struct xpkt_symtab *tab, const char *path, const char *module,
			 const struct xpkt_sym_base *bases, size_t nbases, struct xpkt_err *err)
{
	static const struct xpkt_sym_base text_at_0 = {".text", 0};
	struct xpkt_sym_image img = {0};
	struct xpkt_sym_ent *ents = NULL;
	asymbol **syms;
	long ub, nsyms;
	size_t n = 0;
	int is_elf, reloc;
	bfd *abfd;

	bfd_once();
	abfd = bfd_openr(path, NULL);
	if (!abfd)
		return xpkt_err_set(err, "%s: %s", path, bfd_errmsg(bfd_get_error()));
	img.abfd = abfd;
	if (!bfd_check_format(abfd, bfd_object)) {
		xpkt_err_set(err, "%s: not an object file libbfd reads (%s)", path,
			     bfd_errmsg(bfd_get_error()));
		goto fail;
	}
	if (!(bfd_get_file_flags(abfd) & HAS_SYMS)) {
		xpkt_err_set(err, "%s: no symbol table (stripped)", path);
		goto fail;
	}
	ub = bfd_get_symtab_upper_bound(abfd);
	if (ub <= 0) {
		xpkt_err_set(err, "%s: bad symbol table (%s)", path, bfd_errmsg(bfd_get_error()));
		goto fail;
	}
	syms = malloc((size_t)ub);
	img.syms = syms;
	if (!syms) {
		xpkt_err_set(err, "%s: out of memory", path);
		goto fail;
	}
	nsyms = bfd_canonicalize_symtab(abfd, syms);
	if (nsyms < 0) {
		xpkt_err_set(err, "%s: bad symbol table (%s)", path, bfd_errmsg(bfd_get_error()));
		goto fail;
	}
	ents = calloc((size_t)nsyms + 1, sizeof(*ents));
	img.module = module ? strdup(module) : module_from_path(path);
	if (!ents || (module && !img.module)) {
		xpkt_err_set(err, "%s: out of memory", path);
		goto fail;
	}
	is_elf = bfd_get_flavour(abfd) == bfd_target_elf_flavour;
	/* A relocatable file (.ko) links every section at 0: only the caller knows where. */
	reloc = !(bfd_get_file_flags(abfd) & (EXEC_P | DYNAMIC));
	if (reloc && !nbases) {
		bases = &text_at_0;
		nbases = 1;
	}
	img.has_dwarf = bfd_get_section_by_name(abfd, ".debug_info") != NULL;

	for (long i = 0; i < nsyms; i++) {
		asymbol *s = syms[i];
		asection *sec = s->section;
		struct xpkt_sym_ent *e = &ents[n];
		uint64_t base;

		if (s->flags & (BSF_SECTION_SYM | BSF_FILE | BSF_DEBUGGING))
			continue;
		if (!sec || bfd_is_und_section(sec) || bfd_is_com_section(sec) ||
		    bfd_is_abs_section(sec))
			continue;
		/* PC samples land in code; only code sections are loaded. */
		if ((bfd_section_flags(sec) & (SEC_CODE | SEC_ALLOC)) != (SEC_CODE | SEC_ALLOC))
			continue;
		if (!s->name || !s->name[0])
			continue;
		if (reloc) {
			if (!find_base(bases, nbases, bfd_section_name(sec), &base))
				continue;
		} else {
			base = bfd_section_vma(sec);
		}
		e->addr = base + s->value; /* bfd's value is relative to its section */
		e->sec_base = base;
		e->sec_end = base + bfd_section_size(sec);
		e->name = s->name;
		e->module = img.module;
		e->sec = sec;
		e->rank = bfd_rank(s->flags);
		if (is_elf) {
			const struct elf_sym_prefix *es = (const struct elf_sym_prefix *)s;
			uint64_t want = reloc ? s->value : s->value + bfd_section_vma(sec);

			if (es->st_value == want && e->addr <= e->sec_end &&
			    es->st_size <= e->sec_end - e->addr) {
				e->size = es->st_size;
				e->elf_size = es->st_size != 0;
			}
		}
		n++;
	}
	if (!n) {
		xpkt_err_set(err, "%s: no symbols in code sections%s", path,
			     reloc ? " with a base" : "");
		goto fail;
	}
	if (symtab__commit(tab, &img, ents, n, err) < 0)
		goto fail;
	free(ents);
	return 0;
fail:
	free(ents);
	sym_elf__close(&img);
	return -1;
}
