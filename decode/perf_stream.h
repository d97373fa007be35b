/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf_stream.h - the "perf" decoder: a bundle's .perf directory of
 * cpuN.data files (capture/perf_rec.h, docs/bundle.md "perf") as a stream
 * of struct xpkt_event.
 *
 * Each PERF_RECORD_SAMPLE with an IP becomes an XPKT_EV_PC_SAMPLE (ts in
 * TSC ticks through the file header's conversion, cpu, ip, arg = pid,
 * arg2 = tid), each PERF_RECORD_LOST an XPKT_EV_LOST (arg = samples lost);
 * other record types are skipped. Samples are a few thousand a second per
 * CPU, so every file is read into memory and the events of all files are
 * sorted by ts (ties keep file order); a ring's records are in write order,
 * which an interrupt can put a little out of time order.
 */
#ifndef XPKT_DECODE_PERF_STREAM_H
#define XPKT_DECODE_PERF_STREAM_H

#include "decode/stream.h"

/*
 * PATH is the .perf directory (every "*.data" file in it, by name) or one
 * such file. Errors: "FILE: offset N: what".
 */
int xpkt_perf_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err);

#endif
