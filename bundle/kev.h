/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kev.h - the .kev file: decoded Linux-domain events, one fixed record each.
 *
 * Layout (little-endian, docs/bundle.md):
 *   header, 64 bytes: magic "XPKTKEV1", u32 version (1), u32 record_size (80),
 *                     u32 domain (enum xpkt_domain), u32 domid, u64 tsc_hz,
 *                     32 reserved bytes (zero)
 *   records: struct xpkt_event as declared in tracepoints/event.h, ts in the
 *            source clock, non-decreasing; XPKT_EV_LOST records mark where a
 *            CPU's buffer overran and how many events it lost.
 * The reader checks everything it can and names the byte offset of the
 * first thing that is wrong.
 */
#ifndef XPKT_BUNDLE_KEV_H
#define XPKT_BUNDLE_KEV_H

#include <stdint.h>

#include "lib/err.h"
#include "tracepoints/event.h"

#define XPKT_KEV_MAGIC	     "XPKTKEV1"
#define XPKT_KEV_VERSION     1
#define XPKT_KEV_HEADER_SIZE 64

struct xpkt_kev_header {
	char magic[8];
	uint32_t version;
	uint32_t record_size;
	uint32_t domain;
	uint32_t domid;
	uint64_t tsc_hz;
	uint8_t reserved[32];
};
_Static_assert(sizeof(struct xpkt_kev_header) == XPKT_KEV_HEADER_SIZE, "kev header is on disk");

struct xpkt_kev_writer;
struct xpkt_kev_reader;

/* Creates PATH (atomically: it appears only at close). */
struct xpkt_kev_writer *xpkt_kev_create(const char *path, enum xpkt_domain domain, uint16_t domid,
					uint64_t tsc_hz, struct xpkt_err *err);
int xpkt_kev_write(struct xpkt_kev_writer *w, const struct xpkt_event *ev);
uint64_t xpkt_kev_written(const struct xpkt_kev_writer *w);
/* Commits the file; on error (or abort != 0) removes it. Frees w. */
int xpkt_kev_close(struct xpkt_kev_writer *w, int abort, struct xpkt_err *err);

struct xpkt_kev_reader *xpkt_kev_open(const char *path, struct xpkt_err *err);
const struct xpkt_kev_header *xpkt_kev_header(const struct xpkt_kev_reader *r);
/* 1: *ev filled; 0: end of file; -1: error in err (file and offset named). */
int xpkt_kev_next(struct xpkt_kev_reader *r, struct xpkt_event *ev, struct xpkt_err *err);
void xpkt_kev_close_reader(struct xpkt_kev_reader *r);

#endif
