// SPDX-License-Identifier: GPL-2.0
/*
 * test_sym.c - sym/: the text-map parser (aliases, fences, modules, every
 * kind of bad line named by its line number), the lookup's bounds, and the
 * libbfd path on a relocatable object compiled here with -g, whose symbols
 * and lines are checked against nm and addr2line run on the same file.
 * The real Debian binaries (.ko, xen-syms, System.map) are tests/cli/sym.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sym/sym.h"

static struct xpkt_symtab *map_of(const char *text, struct xpkt_err *err)
{
	struct xpkt_symtab *t = xpkt_symtab_new();

	assert_non_null(t);
	if (xpkt_symtab_load_map_mem(t, "test.map", text, strlen(text), err)) {
		xpkt_symtab_free(t);
		return NULL;
	}
	return t;
}

static void test_map_lookup(void **state)
{
	/* Addresses picked so every expectation below is plain arithmetic. */
	static const char map[] = "ffffffff81000000 T _text\n"
				  "ffffffff81000000 t _stext_alias\n"
				  "0xffffffff81000100 t local_fn\n"
				  "ffffffff81000100 W weak_fn\n"
				  "ffffffff81000200 T last_core\n"
				  "ffffffff81000300 D data_after\n"
				  "ffffffff81000300 A abs_skipped\n"
				  "ffffffffc0001000 t mod_fn\t[xen_netback]\n"
				  "ffffffffc0001040 T mod_fn2 [xen_netback]\n"
				  "ffffffffc0001080 d mod_data\t[xen_netback]\n"
				  "\n";
	struct xpkt_err err = {{0}};
	struct xpkt_symtab *t = map_of(map, &err);
	struct xpkt_sym_info si;

	(void)state;
	assert_non_null(t);
	assert_int_equal(xpkt_symtab_count(t), 7); /* t/T/W only */
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffff80ffffff, &si), 0);
	/* Aliases: the global T wins over a local t, a weak W over a local t. */
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffff81000010, &si), 1);
	assert_string_equal(si.name, "_text");
	assert_int_equal(si.offset, 0x10);
	assert_int_equal(si.size, 0x100);
	assert_int_equal(si.size_from_elf, 0);
	assert_null(si.module);
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffff810001ff, &si), 1);
	assert_string_equal(si.name, "weak_fn");
	assert_int_equal(si.offset, 0xff);
	/* A data symbol ends the text before it and never resolves. */
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffff810002ff, &si), 1);
	assert_string_equal(si.name, "last_core");
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffff81000300, &si), 0);
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffff81000400, &si), 0);
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffffc000103f, &si), 1);
	assert_string_equal(si.name, "mod_fn");
	assert_string_equal(si.module, "xen_netback");
	assert_int_equal(si.offset, 0x3f);
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffffc0001041, &si), 1);
	assert_string_equal(si.name, "mod_fn2");
	assert_string_equal(si.module, "xen_netback");
	assert_int_equal(xpkt_symtab_lookup(t, 0xffffffffc0001080, &si), 0);
	assert_null(si.file);
	xpkt_symtab_free(t);
}

static void test_map_last_symbol(void **state)
{
	struct xpkt_err err = {{0}};
	struct xpkt_symtab *t = map_of("1000 t a\n2000 t b", &err);
	struct xpkt_sym_info si;

	(void)state;
	assert_non_null(t);
	/* No symbol after b: its end is unknown, only its first byte is b. */
	assert_int_equal(xpkt_symtab_lookup(t, 0x2000, &si), 1);
	assert_string_equal(si.name, "b");
	assert_int_equal(xpkt_symtab_lookup(t, 0x2001, &si), 0);
	assert_int_equal(xpkt_symtab_lookup(t, 0x1fff, &si), 1);
	assert_string_equal(si.name, "a");
	xpkt_symtab_free(t);
}

static void test_map_errors(void **state)
{
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		const char *want;
	} bad[] = {
	    {"1000 T a\nzz T b\n", 0, "test.map: line 2: address 'zz' is not hexadecimal"},
	    {"1000 T a\n1000T b\n", 0, "test.map: line 2: address '1000T' is not hexadecimal"},
	    {"0x T a\n", 0, "test.map: line 1: address '0x' is not hexadecimal"},
	    {"1000 T a\n\n1000 7 b\n", 0, "test.map: line 3: symbol type '7' is not one letter"},
	    {"1000 TT a\n", 0, "test.map: line 1: symbol type 'TT' is not one letter"},
	    {"1000\n", 0, "test.map: line 1: no symbol type"},
	    {"1000 T\n", 0, "test.map: line 1: no symbol name"},
	    {"1000 T a [m\n", 0, "test.map: line 1: '[m' after the name is not a [module]"},
	    {"1000 T a [m] x\n", 0, "test.map: line 1: '[m] x' after the name is not a [module]"},
	    {"1000 T a [m x]\n", 0, "test.map: line 1: bad module name '[m x]'"},
	    {"1000 T a []\n", 0, "test.map: line 1: '[]' after the name is not a [module]"},
	    {"1000 T a\x01b\n", 0, "test.map: line 1: control character in the name"},
	    {"1000 T a\n1000 T b\0c\n", 19, "test.map: line 2: NUL byte"},
	    {"10000000000000000 T a\n", 0, "test.map: line 1: address has 17 digits"},
	    {"1000 D a\n", 0, "test.map: no text symbols"},
	    {"", 0, "test.map: no text symbols (t, T, w, W) in 0 lines"},
	    {"0000 T a\n0 t b [m]\n", 0, "test.map: every address is 0"},
	};
	char longname[1200 + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xpkt_symtab *t = xpkt_symtab_new();
		struct xpkt_err err = {{0}};
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);

		assert_int_equal(xpkt_symtab_load_map_mem(t, "test.map", bad[i].text, len, &err),
				 -1);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].want);
		/* A failed load leaves the table as it was. */
		assert_int_equal(xpkt_symtab_count(t), 0);
		xpkt_symtab_free(t);
	}
	memcpy(longname, "1000 T ", 7);
	memset(longname + 7, 'x', 1200);
	longname[1207] = '\0';
	{
		struct xpkt_err err = {{0}};

		assert_null(map_of(longname, &err));
		assert_non_null(strstr(err.msg, "line 1: name longer than 1024 bytes"));
	}
}

/* Runs CMD, returns its first output line (without '\n') in BUF, or NULL. */
static char *run1(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	char *r = NULL;
	int c;

	if (!p)
		return NULL;
	if (fgets(buf, (int)len, p)) {
		buf[strcspn(buf, "\n")] = '\0';
		r = buf;
	}
	while ((c = fgetc(p)) != EOF) /* drain, so the command does not get SIGPIPE */
		;
	pclose(p);
	return r;
}

/* A relocatable object like a .ko: two functions in .text, one in .init.text. */
static const char obj_src[] = "int sym_test_one(int x);\n"
			      "int sym_test_two(int x);\n"
			      "int sym_test_init(void);\n"
			      "int sym_test_one(int x)\n"
			      "{\n"
			      "\treturn x * 3 + 1;\n"
			      "}\n"
			      "int sym_test_two(int x)\n"
			      "{\n"
			      "\tvolatile int y = x;\n"
			      "\treturn y * y - sym_test_one(y);\n"
			      "}\n"
			      "__attribute__((section(\".init.text\"))) int sym_test_init(void)\n"
			      "{\n"
			      "\treturn sym_test_two(2);\n"
			      "}\n";

struct obj {
	char dir[64];
	char ko[96];
};

static int obj_setup(void **state)
{
	static struct obj o;
	char cmd[512], line[256];
	FILE *fp;

	snprintf(o.dir, sizeof(o.dir), "/tmp/xpkt-sym-XXXXXX");
	if (!mkdtemp(o.dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/sym-test.c", o.dir);
	fp = fopen(cmd, "w");
	if (!fp)
		return -1;
	fputs(obj_src, fp);
	fclose(fp);
	/* Named .ko so the loader names its module the way the kernel would. */
	snprintf(o.ko, sizeof(o.ko), "%s/sym-test.ko", o.dir);
	snprintf(cmd, sizeof(cmd), "cc -O0 -g -c -o %s %s/sym-test.c 2>/dev/null && echo ok", o.ko,
		 o.dir);
	if (!run1(cmd, line, sizeof(line)))
		o.ko[0] = '\0';
	*state = &o;
	return 0;
}

static int obj_teardown(void **state)
{
	struct obj *o = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", o->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* nm's value of NAME (its section offset in a relocatable file). */
static int nm_value(const char *path, const char *name, uint64_t *v)
{
	char cmd[512], line[256];

	snprintf(cmd, sizeof(cmd), "nm %s | awk '$3 == \"%s\" {print $1}'", path, name);
	if (!run1(cmd, line, sizeof(line)) || !line[0])
		return -1;
	*v = strtoull(line, NULL, 16);
	return 0;
}

static void test_elf_relocatable(void **state)
{
	struct obj *o = *state;
	const uint64_t text = 0xffffffffc0200000, init = 0xffffffffc0300000;
	const struct xpkt_sym_base bases[] = {{NULL, text}, {".init.text", init}};
	struct xpkt_symtab *t;
	struct xpkt_err err = {{0}};
	struct xpkt_sym_info si;
	uint64_t one, two, ini;
	char cmd[512], line[256], want[300];

	if (!o->ko[0])
		skip(); /* no C compiler here */
	assert_int_equal(nm_value(o->ko, "sym_test_one", &one), 0);
	assert_int_equal(nm_value(o->ko, "sym_test_two", &two), 0);
	assert_int_equal(nm_value(o->ko, "sym_test_init", &ini), 0);
	t = xpkt_symtab_new();
	assert_int_equal(xpkt_symtab_load_elf(t, o->ko, NULL, bases, 2, &err), 0);
	assert_int_equal(xpkt_symtab_lookup(t, text + two + 4, &si), 1);
	assert_string_equal(si.name, "sym_test_two");
	assert_string_equal(si.module, "sym_test"); /* '-' becomes '_' */
	assert_int_equal(si.offset, 4);
	assert_int_equal(si.sym_addr, text + two);
	assert_int_equal(si.size_from_elf, 1);
	/* nm -S prints st_size in hex; libbfd's must be the same. */
	snprintf(cmd, sizeof(cmd), "nm -S %s | awk '$4 == \"sym_test_two\" {print $2}'", o->ko);
	assert_non_null(run1(cmd, line, sizeof(line)));
	assert_int_equal(si.size, strtoull(line, NULL, 16));
	/* file:line as addr2line gives it for the same section offset. */
	snprintf(cmd, sizeof(cmd), "addr2line -e %s -j .text 0x%llx | sed 's/ (discr.*//'", o->ko,
		 (unsigned long long)(two + 4));
	assert_non_null(run1(cmd, line, sizeof(line)));
	assert_non_null(si.file);
	snprintf(want, sizeof(want), "%s:%u", si.file, si.line);
	assert_string_equal(want, line);
	/* .init.text has its own base. */
	assert_int_equal(xpkt_symtab_lookup(t, init + ini + 1, &si), 1);
	assert_string_equal(si.name, "sym_test_init");
	assert_int_equal(si.offset, 1);
	/* Past the last function of .text (end = its st_size): nothing. */
	assert_int_equal(xpkt_symtab_lookup(t, text + (one > two ? one : two) + 0x10000, &si), 0);
	xpkt_symtab_free(t);

	/* Without bases, .text is at 0 (nm's view) and .init.text is not loaded. */
	t = xpkt_symtab_new();
	assert_int_equal(xpkt_symtab_load_elf(t, o->ko, "named", NULL, 0, &err), 0);
	assert_int_equal(xpkt_symtab_count(t), 2);
	assert_int_equal(xpkt_symtab_lookup(t, one, &si), 1);
	assert_string_equal(si.name, "sym_test_one");
	assert_string_equal(si.module, "named");
	xpkt_symtab_free(t);
}

static void test_ko_base_from_kallsyms(void **state)
{
	struct obj *o = *state;
	const uint64_t base = 0xffffffffc0a01000;
	struct xpkt_symtab *ko, *ks;
	struct xpkt_err err = {{0}};
	uint64_t one, two, got = 0;
	char map[512];

	if (!o->ko[0])
		skip();
	assert_int_equal(nm_value(o->ko, "sym_test_one", &one), 0);
	assert_int_equal(nm_value(o->ko, "sym_test_two", &two), 0);
	snprintf(map, sizeof(map),
		 "ffffffff81000000 T _text\n%016llx t sym_test_one\t[sym_test]\n"
		 "%016llx t sym_test_two\t[sym_test]\n%016llx t sym_test_two\t[other]\n",
		 (unsigned long long)(base + one), (unsigned long long)(base + two),
		 (unsigned long long)(base + two + 0x5000));
	ko = xpkt_symtab_new();
	ks = xpkt_symtab_new();
	assert_int_equal(xpkt_symtab_load_elf(ko, o->ko, NULL, NULL, 0, &err), 0);
	assert_int_equal(xpkt_symtab_load_map_mem(ks, "kallsyms", map, strlen(map), &err), 0);
	assert_int_equal(xpkt_symtab_ko_base(ko, ks, NULL, &got, &err), 0);
	assert_int_equal(got, base);
	assert_int_equal(xpkt_symtab_ko_base(ko, ks, "nosuch", &got, &err), -1);
	assert_non_null(strstr(err.msg, "module nosuch"));
	xpkt_symtab_free(ko);
	xpkt_symtab_free(ks);
}

static void test_elf_errors(void **state)
{
	struct obj *o = *state;
	struct xpkt_symtab *t = xpkt_symtab_new();
	struct xpkt_err err = {{0}};
	char path[128];
	FILE *fp;

	assert_int_equal(xpkt_symtab_load_elf(t, "/nonexistent/x.ko", NULL, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/x.ko: "));
	snprintf(path, sizeof(path), "%s/text.ko", o->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("not an ELF file\n", fp);
	fclose(fp);
	assert_int_equal(xpkt_symtab_load_elf(t, path, NULL, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "text.ko: not an object file"));
	assert_int_equal(xpkt_symtab_count(t), 0);
	xpkt_symtab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_lookup),
	    cmocka_unit_test(test_map_last_symbol),
	    cmocka_unit_test(test_map_errors),
	    cmocka_unit_test(test_elf_relocatable),
	    cmocka_unit_test(test_ko_base_from_kallsyms),
	    cmocka_unit_test(test_elf_errors),
	};

	return cmocka_run_group_tests_name("sym", tests, obj_setup, obj_teardown);
}
