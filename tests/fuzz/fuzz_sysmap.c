// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sysmap.c - libFuzzer target: any bytes as a System.map / kallsyms
 * file through sym/sysmap.c. A load either fails with "fuzz.map: ..." or
 * gives a table whose lookups keep their invariants (the address is inside
 * the symbol found); anything else, a crash or a sanitizer report, is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sym/sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xpkt_symtab *t = xpkt_symtab_new();
	struct xpkt_err err = {{0}};
	struct xpkt_sym_info si;

	if (!t)
		abort();
	if (xpkt_symtab_load_map_mem(t, "fuzz.map", (const char *)data, size, &err)) {
		if (strncmp(err.msg, "fuzz.map: ", 10))
			abort(); /* every error names the file */
		if (xpkt_symtab_count(t))
			abort(); /* a failed load adds nothing */
	} else {
		/* Probe addresses made of the input's own bytes, and their neighbours. */
		for (size_t i = 0; i + 8 <= size && i < 512; i += 8) {
			uint64_t a;

			memcpy(&a, data + i, 8);
			for (int d = -1; d <= 1; d++) {
				uint64_t x = a + (uint64_t)(int64_t)d;

				if (!xpkt_symtab_lookup(t, x, &si))
					continue;
				if (!si.name || si.sym_addr > x || si.offset != x - si.sym_addr ||
				    (si.size && si.offset >= si.size) || si.file)
					abort();
			}
		}
	}
	xpkt_symtab_free(t);
	return 0;
}
