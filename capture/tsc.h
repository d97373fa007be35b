/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsc.h - the host TSC: its frequency, and where realtime sits on it.
 *
 * ftrace's x86-tsc clock stamps events with the raw TSC (rdtsc), so the
 * bundle's tsc_hz must be the frequency of that same counter. The kernel does
 * not export it to user space in lockdown (no /dev/cpu/N/msr, no tsc_khz in
 * sysfs), so it is measured against CLOCK_MONOTONIC_RAW, which the kernel
 * itself drives from the TSC clocksource without NTP slewing.
 */
#ifndef XPKT_CAPTURE_TSC_H
#define XPKT_CAPTURE_TSC_H

#include <stdint.h>

#include "lib/err.h"

uint64_t xpkt_rdtsc(void);
/* TSC Hz measured over about window_ms milliseconds (>= 10). */
int xpkt_tsc_measure_hz(unsigned window_ms, uint64_t *hz, struct xpkt_err *err);
/*
 * CLOCK_REALTIME ns minus host TSC ns (tsc * 1e9 / hz), sampled with the
 * tightest rdtsc pair of a few tries: the offset_ns of a realtime source
 * (pcap) in the bundle (docs/correlation.md section 1).
 */
int64_t xpkt_tsc_realtime_offset_ns(uint64_t hz);
/* ns of tsc ticks at hz, 128-bit exact (floor). */
uint64_t xpkt_tsc_to_ns(uint64_t tsc, uint64_t hz);

#endif
