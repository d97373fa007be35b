// SPDX-License-Identifier: GPL-2.0
/*
 * simmark.c - pmu-sim clock markers (see simmark.h).
 */
#include <inttypes.h>
#include <stdint.h>
#include <time.h>

#include "capture/simmark.h"
#include "capture/tsc.h"

int xpkt_simmark(FILE *fp, unsigned n, struct xpkt_err *err)
{
#if defined(__x86_64__)
	for (unsigned i = 0; i < n; i++) {
		struct timespec nap = {0, 20 * 1000 * 1000};
		uint64_t before = xpkt_rdtsc(), after;

		__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
		after = xpkt_rdtsc();
		if (fprintf(fp, "%" PRIu64 " %" PRIu64 "\n", before, after) < 0)
			return xpkt_err_set(err, "pmu-sim markers: write failed");
		/* apart, so a late record cannot be taken for the next marker's */
		nanosleep(&nap, NULL);
	}
	return fflush(fp) ? xpkt_err_set(err, "pmu-sim markers: write failed") : 0;
#else
	(void)fp;
	(void)n;
	return xpkt_err_set(err, "--pmu=sim needs x86-64 (the plugin's marker is xchg %%bx,%%bx)");
#endif
}
