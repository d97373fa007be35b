// SPDX-License-Identifier: GPL-2.0
/*
 * tsc-marker.c - pairs the pmu-sim plugin's clock with the trace's
 * (testbed/README.md, docs/pmu-sim.md "Timebase") when dom0 runs no
 * recorder; with one, `xpkttrace record --pmu=sim` makes the same pairs.
 *
 * N lines "BEFORE AFTER" of guest TSC around the plugin's marker
 * instruction, one per marker, in the order the plugin records them
 * (capture/simmark.c, which this wraps). Built static on the host
 * (testbed/prepare.sh) and run in dom0 before and after the tests
 * (nic-marker.sh); the host (bundle.sh) pairs the lines with the stream's
 * MARKER records. Without the plugin the instruction is a no-op.
 */
#include <stdio.h>
#include <stdlib.h>

#include "capture/simmark.h"

int main(int argc, char **argv)
{
	struct xpkt_err err;
	int n = argc > 1 ? atoi(argv[1]) : 8;

	if (xpkt_simmark(stdout, n > 0 ? (unsigned)n : 0, &err)) {
		fprintf(stderr, "tsc-marker: %s\n", err.msg);
		return 1;
	}
	return 0;
}
