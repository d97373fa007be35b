// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_xentrace.c - libFuzzer target: arbitrary bytes as a xentrace file
 * through the reader, the summary and the event stream. Any outcome but a
 * crash, a hang or a sanitizer report is fine; errors must name an offset.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode/stream.h"
#include "decode/xenstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct xenstat st;
	struct xpkt_err err;
	struct xpkt_stream s = {0};
	struct xpkt_source src = {0};
	struct xpkt_event ev;
	int fd = memfd_create("fuzz-xentrace", 0);

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (xenstat_file(path, &st, &err) == 0)
		xenstat_free(&st);
	else if (!strstr(err.msg, path))
		abort(); /* every error names the file */
	s.src = &src;
	if (xpkt_xentrace_stream_open(&s, path, &err) == 0) {
		uint64_t last = 0;

		while (xpkt_stream_next(&s, &ev, &err) == 1) {
			if (ev.ts < last)
				abort(); /* the stream must stay sorted */
			last = ev.ts;
		}
		xpkt_stream_close(&s);
	}
	close(fd);
	return 0;
}
