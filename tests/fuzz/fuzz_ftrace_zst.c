// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ftrace_zst.c - libFuzzer target for the ftrace decoder's compressed
 * path (cpuN.raw.zst, decode/zblock.c): the first byte picks the mode,
 *   even: the rest is the .zst file itself (frame parsing, truncation,
 *         corruption, checksums, window limits);
 *   odd:  the rest is raw pages, compressed here into a valid frame (the
 *         page checks behind the decompressor, with pages torn anywhere).
 * The bundle and the check are tests/fuzz/ftrace_fuzz.h.
 */
#include <zstd.h>

#include "tests/fuzz/ftrace_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!bundle[0])
		setup("cpu0.raw.zst");
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		size_t cap = ZSTD_compressBound(size - 1);
		void *z = malloc(cap);
		size_t zn;

		if (!z)
			abort();
		zn = ZSTD_compress(z, cap, data + 1, size - 1, 1);
		if (ZSTD_isError(zn))
			abort();
		put("cpu0.raw.zst", z, zn);
		free(z);
	} else {
		put("cpu0.raw.zst", data + 1, size - 1);
	}
	decode_check();
	return 0;
}
