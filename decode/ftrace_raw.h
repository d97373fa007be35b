/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace_raw.h - one tracepoint record decoded with the event formats a
 * bundle saved (decode/ftrace_stream.c's field map, tracepoints/tp_map.c),
 * for records that do not come in ftrace pages: a perf tracepoint sample's
 * PERF_SAMPLE_RAW data is the same bytes as an ftrace record's payload
 * (common fields first, common_type at offset 0).
 */
#ifndef XPKT_DECODE_FTRACE_RAW_H
#define XPKT_DECODE_FTRACE_RAW_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "lib/err.h"
#include "tracepoints/event.h"

struct xpkt_ftrace_fmts;

/*
 * Parses every DIR/events/SYSTEM/EVENT/format (x86-64 records); src (may be
 * NULL) names devices to ifindexes. NULL with err on failure.
 */
struct xpkt_ftrace_fmts *xpkt_ftrace_fmts_load(const char *dir, const struct xpkt_source *src,
					       struct xpkt_err *err);
/*
 * 1: ev filled from the record (ts left 0, cpu set); 0: an event that is not
 * mapped; -1: the record is too short for its fields ("NAME: offset OFF: ...").
 */
int xpkt_ftrace_fmts_decode(struct xpkt_ftrace_fmts *f, const unsigned char *rec, unsigned size,
			    const char *name, uint64_t off, uint16_t cpu, struct xpkt_event *ev,
			    struct xpkt_err *err);
void xpkt_ftrace_fmts_free(struct xpkt_ftrace_fmts *f);

#endif
