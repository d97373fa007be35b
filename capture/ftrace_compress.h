/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace_compress.h - compress a recorded .ftrace directory's per-CPU page
 * files (cpuN.raw -> cpuN.raw.zst, zstd) once recording has stopped.
 *
 * Raw ring-buffer pages are ~50 bytes per event; most of that is repeated
 * structure (common fields, skb addresses sharing their high bits, zero
 * padding at page ends), which zstd at its fastest levels shrinks ~7-8x at
 * hundreds of MB/s. Compression runs after the recorder has stopped, never
 * while it records, so the traced workload never competes with it for CPU.
 *
 * Each file is streamed through a ZSTD_CCtx into "cpuN.raw.zst.tmp-PID",
 * fsync'd and renamed into place; then meta.json is rewritten (atomically)
 * to name the .zst files, and only then are the raw files removed. At every
 * moment meta.json names files that exist and are complete, so a crash or a
 * cancel leaves a readable bundle (at worst with a stale raw file beside).
 */
#ifndef XPKT_CAPTURE_FTRACE_COMPRESS_H
#define XPKT_CAPTURE_FTRACE_COMPRESS_H

#include <stdint.h>

#include "lib/err.h"

/* zstd level 1: measured on a 3 s native demo bundle (31.6 MB of pages) it
 * gave 7.8x at ~630 MB/s, level 3 7.5x at ~460 MB/s, level 6 8.0x at ~100
 * MB/s (docs/record.md, "Compression"). */
#define XPKT_FTRACE_ZSTD_LEVEL 1

struct xpkt_compress_progress {
	uint64_t total_in_bytes; /* raw bytes of every file to compress */
	uint64_t in_bytes;	 /* raw bytes compressed so far */
	uint64_t out_bytes;	 /* compressed bytes written so far */
};

/* Called about every 8 MB of input and once at the end; non-zero cancels. */
typedef int (*xpkt_compress_cb)(const struct xpkt_compress_progress *p, void *ctx);

struct xpkt_compress_stats {
	uint64_t in_bytes;  /* raw bytes compressed */
	uint64_t out_bytes; /* bytes of the .zst files */
	unsigned files;	    /* files compressed */
	double seconds;	    /* wall time of the whole step */
};

/*
 * Compresses every cpuN.raw that DIR/meta.json names into cpuN.raw.zst at
 * LEVEL, rewrites meta.json ("file" per CPU, "stored_bytes" per CPU, a
 * "compression" object) and removes the raw files. Files already compressed
 * are left alone, so it may be run again. On error or cancel: every
 * temporary is removed, meta.json and the raw files are untouched (cancel
 * returns -1 with "cancelled" in err).
 */
int xpkt_ftrace_compress(const char *dir, int level, xpkt_compress_cb cb, void *ctx,
			 struct xpkt_compress_stats *st, struct xpkt_err *err);

#endif
