// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ftrace.c - libFuzzer target for the ftrace decoder: any bytes as one
 * CPU's raw pages, with fixed formats (tests/fuzz/ftrace_fuzz.h).
 */
#include "tests/fuzz/ftrace_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!bundle[0])
		setup("cpu0.raw");
	put("cpu0.raw", data, size);
	decode_check();
	return 0;
}
