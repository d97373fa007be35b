// SPDX-License-Identifier: GPL-2.0
/*
 * test_kallsyms.c - saving the recording kernel's text symbols into a
 * bundle (capture/kallsyms.c) and naming addresses from the saved file
 * (sym/): only text symbols are kept, module columns survive, a file whose
 * addresses are all hidden (kptr_restrict) is refused and nothing is
 * written, and this machine's own /proc/kallsyms round-trips: an address
 * read straight from /proc/kallsyms resolves to its name in the copy.
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

#include "capture/kallsyms.h"
#include "sym/sym.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xpkt-kallsyms-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_filter(void **state)
{
	char src[128], dst[128], buf[512];
	struct xpkt_err err;
	size_t n = 0, got;
	FILE *f;

	(void)state;
	snprintf(src, sizeof(src), "%s/kallsyms", dir);
	snprintf(dst, sizeof(dst), "%s/host.kallsyms", dir);
	put(src, "ffffffff81000000 T _stext\n"
		 "ffffffff82000000 D some_data\n"
		 "ffffffff81001000 t local_fn\n"
		 "ffffffff81002000 W weak_fn\n"
		 "ffffffff83000000 b bss_thing\n"
		 "ffffffffc0001000 t xennet_poll\t[xen_netfront]\n");
	assert_int_equal(xpkt_kallsyms_save(src, dst, &n, &err), 0);
	assert_int_equal(n, 4);
	f = fopen(dst, "r");
	assert_non_null(f);
	got = fread(buf, 1, sizeof(buf) - 1, f);
	buf[got] = 0;
	fclose(f);
	assert_null(strstr(buf, "some_data"));
	assert_null(strstr(buf, "bss_thing"));
	assert_non_null(strstr(buf, "xennet_poll\t[xen_netfront]"));
}

static void test_hidden(void **state)
{
	char src[128], dst[128];
	struct xpkt_err err;

	(void)state;
	snprintf(src, sizeof(src), "%s/hidden", dir);
	snprintf(dst, sizeof(dst), "%s/hidden.kallsyms", dir);
	put(src, "0000000000000000 T _stext\n0000000000000000 t local_fn\n");
	assert_int_equal(xpkt_kallsyms_save(src, dst, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "kptr_restrict"));
	assert_non_null(strstr(err.msg, src));
	assert_int_not_equal(access(dst, F_OK), 0); /* nothing written */
	snprintf(src, sizeof(src), "%s/missing", dir);
	assert_int_equal(xpkt_kallsyms_save(src, dst, NULL, &err), -1);
	assert_non_null(strstr(err.msg, src));
}

static void test_this_kernel(void **state)
{
	char dst[128], line[512], name[256] = "";
	unsigned long long addr = 0;
	struct xpkt_symtab *tab;
	struct xpkt_sym_info si;
	struct xpkt_err err;
	size_t n = 0;
	FILE *f;

	(void)state;
	snprintf(dst, sizeof(dst), "%s/this.kallsyms", dir);
	if (xpkt_kallsyms_save("/proc/kallsyms", dst, &n, &err)) {
		print_message("skipped: %s\n", err.msg); /* not root, or addresses hidden */
		skip();
	}
	assert_true(n > 1000);
	/* an address of a core-kernel function, straight from the kernel */
	f = fopen("/proc/kallsyms", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char type;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 && type == 'T' &&
		    !strcmp(name, "tcp_sendmsg"))
			break;
		name[0] = 0;
	}
	fclose(f);
	assert_string_equal(name, "tcp_sendmsg");
	tab = xpkt_symtab_new();
	assert_non_null(tab);
	assert_int_equal(xpkt_symtab_load_map(tab, dst, &err), 0);
	assert_int_equal(xpkt_symtab_lookup(tab, addr + 3, &si), 1);
	assert_string_equal(si.name, "tcp_sendmsg");
	assert_int_equal(si.offset, 3);
	xpkt_symtab_free(tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_hidden),
	    cmocka_unit_test(test_this_kernel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
