// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_kev.c - libFuzzer target: arbitrary bytes as a .kev file through
 * bundle/kev.c's reader. Any outcome but a crash, a hang or a sanitizer
 * report is fine; errors must name the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bundle/kev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct xpkt_err err;
	struct xpkt_kev_reader *r;
	struct xpkt_event ev;
	int fd = memfd_create("fuzz-kev", 0), rc;

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = xpkt_kev_open(path, &err);
	if (r) {
		while ((rc = xpkt_kev_next(r, &ev, &err)) == 1)
			;
		if (rc < 0 && !strstr(err.msg, path))
			abort();
		xpkt_kev_close_reader(r);
	} else if (!strstr(err.msg, path)) {
		abort();
	}
	close(fd);
	return 0;
}
