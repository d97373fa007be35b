// SPDX-License-Identifier: GPL-2.0
/*
 * tsc-marker.c - pairs the pmu-sim plugin's clock with the trace's
 * (testbed/README.md, docs/pmu-sim.md "Timebase").
 *
 * Under TCG a guest's rdtsc is QEMU's host TSC plus an offset fixed while
 * the VM runs; the plugin stamps its counter stream with the host TSC; Xen,
 * dom0 and the guests stamp their traces with the guest-visible TSC. The
 * magic instruction xchg %bx,%bx (Bochs's breakpoint) makes the plugin write
 * a MARKER record with its host TSC, so rdtsc just before and just after it
 * bracket that record in the trace's clock. Built static on the host
 * (testbed/prepare.sh) and run in dom0 before and after the tests
 * (nic-marker.sh): N lines "BEFORE AFTER" of guest TSC, one per marker, in
 * the order the plugin records them. The host (bundle.sh) pairs them with
 * the stream's MARKER records. Without the plugin the instruction is a
 * no-op.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	/* qemu64 has no rdtscp: lfence keeps the read after what precedes it */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8;

	for (int i = 0; i < n; i++) {
		uint64_t before = rdtsc_ordered(), after;

		__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
		after = rdtsc_ordered();
		printf("%llu %llu\n", (unsigned long long)before, (unsigned long long)after);
		usleep(20000);
	}
	return 0;
}
