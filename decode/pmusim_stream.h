/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmusim_stream.h - the pmu-sim counter stream (pmu-sim/stream_format.h,
 * bundle source format "pmu-sim") as XPKT_EV_SIM_PMU events, and the
 * encoding of those events (docs/bundle.md "pmu-sim", tracepoints/event.h).
 *
 * The plugin writes every counter of every model instance; an event holds
 * 32 bytes of counters plus a few spare fields, so it carries the five the
 * reports use, of model instance 0: instructions, L1D, L2, DTLB and ITLB
 * misses. All are cumulative per physical CPU (QEMU vCPU).
 */
#ifndef XPKT_DECODE_PMUSIM_STREAM_H
#define XPKT_DECODE_PMUSIM_STREAM_H

#include <stdint.h>

#include "decode/stream.h"
#include "lib/err.h"
#include "tracepoints/event.h"
#include "tracepoints/sim_event.h"

/* Opens a stream=FILE of the plugin; errors name the file and offset. */
int xpkt_pmusim_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err);

#endif
