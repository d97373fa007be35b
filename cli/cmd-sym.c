// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-sym.c - `xpkttrace sym`: resolve kernel or hypervisor addresses to
 * name+offset [module] file:line, like addr2line -f or perf, from the same
 * symbol tables the hotspot tables use (sym/sym.h). Options are read in
 * order, so --base and --module apply to the --elf before them.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "sym/sym.h"

static const char sym_usage[] =
    "\n usage: xpkttrace sym (--map FILE | --elf FILE [--base [SECTION=]ADDR]...)... [ADDR...]\n\n"
    "    -m, --map FILE          a System.map, /proc/kallsyms or xen-syms.map\n"
    "    -e, --elf FILE          an ELF file read with libbfd: vmlinux, xen-syms, a module .ko\n"
    "    -b, --base [SEC=]ADDR   runtime address of the last --elf's section SEC (default\n"
    "                            .text): a .ko is relocatable, its base is in\n"
    "                            /sys/module/NAME/sections/.text; repeat for other sections\n"
    "    -k, --kallsyms FILE     find the last --elf's .text base by matching its symbols\n"
    "                            with FILE's [module] lines (e.g. /proc/kallsyms as root)\n"
    "    -M, --module NAME       module name for the last --elf (default: from NAME.ko)\n\n"
    " Prints one line per address (hexadecimal, 0x optional; read from stdin, one per\n"
    " line, when none are given): ADDR NAME+0xOFF [MODULE] [FILE:LINE], or ADDR ?? when\n"
    " no symbol covers it. A .ko given without --base or --kallsyms resolves .text\n"
    " offsets, as nm prints them. FILE:LINE needs debug info (Debian's -dbg packages).\n\n";

#define MAX_BASES 16

struct source {
	const char *path;
	int is_elf;
	const char *module;
	const char *kallsyms;
	struct xpkt_sym_base bases[MAX_BASES];
	size_t nbases;
};

static int parse_addr(const char *s, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0;
	int nd = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; isxdigit((unsigned char)*p); p++, nd++) {
		if (nd == 16)
			return -1;
		v = v << 4 |
		    (uint64_t)(isdigit((unsigned char)*p) ? *p - '0'
							  : tolower((unsigned char)*p) - 'a' + 10);
	}
	while (isspace((unsigned char)*p))
		p++;
	if (!nd || *p)
		return -1;
	*out = v;
	return 0;
}

static void print_one(const struct xpkt_symtab *tab, uint64_t addr)
{
	struct xpkt_sym_info si;

	printf("0x%016" PRIx64, addr);
	if (!xpkt_symtab_lookup(tab, addr, &si)) {
		printf(" ??\n");
		return;
	}
	printf(" %s+0x%" PRIx64, si.name, si.offset);
	if (si.module)
		printf(" [%s]", si.module);
	if (si.file)
		printf(" %s:%u", si.file, si.line);
	putchar('\n');
}

static int ko_base_from(struct source *s, struct xpkt_err *err)
{
	struct xpkt_symtab *ko = xpkt_symtab_new(), *ks = xpkt_symtab_new();
	uint64_t base;
	int rc = -1;

	if (!ko || !ks) {
		xpkt_err_set(err, "out of memory");
		goto out;
	}
	if (xpkt_symtab_load_elf(ko, s->path, s->module, NULL, 0, err) ||
	    xpkt_symtab_load_map(ks, s->kallsyms, err))
		goto out;
	if (xpkt_symtab_ko_base(ko, ks, s->module, &base, err)) {
		char m[sizeof(err->msg)];

		memcpy(m, err->msg, sizeof(m));
		m[sizeof(m) - 1] = '\0';
		xpkt_err_set(err, "%s: %.400s", s->kallsyms, m);
		goto out;
	}
	s->bases[0].section = ".text";
	s->bases[0].addr = base;
	s->nbases = 1;
	rc = 0;
out:
	xpkt_symtab_free(ko);
	xpkt_symtab_free(ks);
	return rc;
}

int cmd_sym(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"map", required_argument, NULL, 'm'},
	    {"elf", required_argument, NULL, 'e'},
	    {"base", required_argument, NULL, 'b'},
	    {"kallsyms", required_argument, NULL, 'k'},
	    {"module", required_argument, NULL, 'M'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct source *src = NULL;
	struct xpkt_symtab *tab = NULL;
	struct xpkt_err err = {{0}};
	size_t nsrc = 0;
	int c, rc = 1;

	src = calloc((size_t)argc + 1, sizeof(*src));
	if (!src)
		return die("out of memory");
	while ((c = getopt_long(argc, argv, "m:e:b:k:M:h", opts, NULL)) != -1) {
		struct source *last = nsrc ? &src[nsrc - 1] : NULL;

		switch (c) {
		case 'm':
		case 'e':
			src[nsrc].path = optarg;
			src[nsrc].is_elf = c == 'e';
			nsrc++;
			break;
		case 'b': {
			char *eq = strchr(optarg, '=');
			struct xpkt_sym_base *b;

			if (!last || !last->is_elf)
				rc = usage_error("sym", "--base must follow an --elf FILE");
			else if (last->nbases == MAX_BASES)
				rc = usage_error("sym", "at most %d --base per --elf", MAX_BASES);
			else
				rc = 0;
			if (rc)
				goto out;
			b = &last->bases[last->nbases];
			b->section = ".text";
			if (eq) {
				*eq = '\0';
				b->section = optarg;
			}
			if (parse_addr(eq ? eq + 1 : optarg, &b->addr)) {
				rc = usage_error("sym", "--base '%s' is not a hexadecimal address",
						 eq ? eq + 1 : optarg);
				goto out;
			}
			last->nbases++;
			break;
		}
		case 'k':
		case 'M':
			if (!last || !last->is_elf) {
				rc = usage_error("sym", "--%s must follow an --elf FILE",
						 c == 'k' ? "kallsyms" : "module");
				goto out;
			}
			if (c == 'k')
				last->kallsyms = optarg;
			else
				last->module = optarg;
			break;
		case 'h':
			fputs(sym_usage, stdout);
			rc = 0;
			goto out;
		default:
			rc = usage_error("sym", "bad option");
			goto out;
		}
	}
	if (!nsrc) {
		rc = usage_error("sym", "give a symbol source: --map FILE or --elf FILE");
		goto out;
	}
	tab = xpkt_symtab_new();
	if (!tab) {
		rc = die("out of memory");
		goto out;
	}
	for (size_t i = 0; i < nsrc; i++) {
		struct source *s = &src[i];

		if (s->kallsyms && s->nbases) {
			rc = usage_error("sym", "%s: --base and --kallsyms exclude each other",
					 s->path);
			goto out;
		}
		if (s->kallsyms && ko_base_from(s, &err)) {
			rc = die("%s", err.msg);
			goto out;
		}
		if (s->is_elf
			? xpkt_symtab_load_elf(tab, s->path, s->module, s->bases, s->nbases, &err)
			: xpkt_symtab_load_map(tab, s->path, &err)) {
			rc = die("%s", err.msg);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++) {
		uint64_t a;

		if (parse_addr(argv[i], &a)) {
			rc = usage_error("sym", "'%s' is not a hexadecimal address", argv[i]);
			goto out;
		}
	}
	if (optind < argc) {
		for (int i = optind; i < argc; i++) {
			uint64_t a = 0;

			parse_addr(argv[i], &a);
			print_one(tab, a);
		}
	} else {
		char line[256];
		unsigned lineno = 0;

		while (fgets(line, sizeof(line), stdin)) {
			uint64_t a;

			lineno++;
			if (!strchr(line, '\n') && !feof(stdin)) {
				rc = die("stdin: line %u: longer than %zu bytes", lineno,
					 sizeof(line) - 2);
				goto out;
			}
			if (parse_addr(line, &a)) {
				rc = die("stdin: line %u: not a hexadecimal address", lineno);
				goto out;
			}
			print_one(tab, a);
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		rc = die("stdout: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	xpkt_symtab_free(tab);
	free(src);
	return rc;
}
