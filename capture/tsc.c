// SPDX-License-Identifier: GPL-2.0
/* tsc.c - TSC frequency and realtime offset (see tsc.h for why measured). */
#include <cpuid.h>
#include <time.h>
#include <x86intrin.h>

#include "capture/tsc.h"

/*
 * The TSC must be read after the instructions before it, like the kernel's
 * rdtsc_ordered(): rdtscp does that, lfence; rdtsc where the CPU lacks it
 * (QEMU's qemu64 model, which the Xen testbed runs, has no rdtscp).
 */
static int has_rdtscp(void)
{
	static int known = -1;
	unsigned a, b, c, d;

	if (known < 0)
		known = __get_cpuid(0x80000001u, &a, &b, &c, &d) && (d & (1u << 27));
	return known;
}

uint64_t xpkt_rdtsc(void)
{
	unsigned aux;

	if (has_rdtscp())
		return __rdtscp(&aux);
	_mm_lfence();
	return __rdtsc();
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t xpkt_tsc_to_ns(uint64_t tsc, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)tsc * 1000000000u / hz);
}

/*
 * One (tsc, clock) pair taken between two rdtsc reads; of a few tries the one
 * with the shortest bracket wins, so a preemption between the reads does not
 * skew the pair. The tsc value is the bracket's midpoint.
 */
static void sample_pair(clockid_t id, uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	*tsc = *ns = 0;

	for (int i = 0; i < 16; i++) {
		uint64_t t0 = xpkt_rdtsc(), c = clock_ns(id), t1 = xpkt_rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = c;
		}
	}
}

int xpkt_tsc_measure_hz(unsigned window_ms, uint64_t *hz, struct xpkt_err *err)
{
	uint64_t t0 = 0, n0 = 0, t1 = 0, n1 = 0;
	struct timespec w = {.tv_sec = window_ms / 1000, .tv_nsec = (window_ms % 1000) * 1000000L};

	if (window_ms < 10)
		return xpkt_err_set(err, "TSC measurement window too short");
	sample_pair(CLOCK_MONOTONIC_RAW, &t0, &n0);
	while (nanosleep(&w, &w))
		;
	sample_pair(CLOCK_MONOTONIC_RAW, &t1, &n1);
	if (n1 <= n0 || t1 <= t0)
		return xpkt_err_set(err, "TSC does not advance");
	*hz = (uint64_t)((unsigned __int128)(t1 - t0) * 1000000000u / (n1 - n0));
	if (*hz < 1000000)
		return xpkt_err_set(err, "TSC frequency %llu Hz is implausible",
				    (unsigned long long)*hz);
	return 0;
}

int64_t xpkt_tsc_realtime_offset_ns(uint64_t hz)
{
	uint64_t tsc = 0, ns = 0;

	sample_pair(CLOCK_REALTIME, &tsc, &ns);
	return (int64_t)(ns - xpkt_tsc_to_ns(tsc, hz));
}
