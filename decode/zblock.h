/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zblock.h - a zstd-compressed file read as a sequence of fixed-size blocks
 * (the ftrace decoder's pages), with bounded memory: one input buffer of
 * ZSTD_DStreamInSize() bytes plus zstd's window, capped at
 * XPKT_ZBLOCK_WINDOW_LOG_MAX; blocks are decoded straight into the caller's
 * buffer.
 *
 * Errors name the file and the offset in the compressed input where
 * decoding failed: "FILE: offset N: zstd: what" (corrupt data, a checksum
 * mismatch, a frame cut short).
 */
#ifndef XPKT_DECODE_ZBLOCK_H
#define XPKT_DECODE_ZBLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* 16 MB: capture/ftrace_compress.c writes levels 1..6 (windows up to 2 MB);
 * a frame asking for more is refused, not allocated. */
#define XPKT_ZBLOCK_WINDOW_LOG_MAX 24

struct xpkt_zblock;

/* Reads PATH through fd (not closed by zblock; read sequentially from its current offset). */
struct xpkt_zblock *xpkt_zblock_open(int fd, const char *path, struct xpkt_err *err);
/*
 * Decompresses up to len bytes into buf: returns len, or fewer only at the
 * end of the data (0: nothing left), or -1 with err. Data that ends inside
 * a frame is an error, never a short read.
 */
ssize_t xpkt_zblock_read(struct xpkt_zblock *z, void *buf, size_t len, struct xpkt_err *err);
/* Compressed bytes consumed so far. */
uint64_t xpkt_zblock_in_offset(const struct xpkt_zblock *z);
void xpkt_zblock_close(struct xpkt_zblock *z);

#endif
