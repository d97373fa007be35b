/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen_rec.h - record Xen 4.17's hypervisor trace buffers through libxenctrl
 * into a bundle's xen.trace, in the file format xentrace writes
 * (decode/xentrace.h): per chunk a TRC_TRACE_CPU_CHANGE window header
 * {cpu, bytes}, then that CPU's raw records.
 *
 * Xen keeps one ring per physical CPU (xen/common/trace.c): a struct t_buf
 * {cons, prod} at the start of the first page, the data area of
 * data_size = pages * 4096 - 8 bytes after it. cons and prod count modulo
 * 2 * data_size (so a full ring is told from an empty one); Xen advances
 * prod after a record is complete and never writes into [cons, prod): when
 * the ring is full it drops records, counts them, and later writes a
 * TRC_LOST_RECORDS record {count, dom, vcpu, first_tsc} of its own.
 *
 * The ring logic (copying [cons, prod) out of a ring with wrap, checking it,
 * counting records and Xen's lost counts, the window header) works on plain
 * memory, so tests drive it without a hypervisor; the recorder maps the
 * real rings with xenforeignmemory_map(DOMID_XEN) and calls the same code.
 */
#ifndef XPKT_CAPTURE_XEN_REC_H
#define XPKT_CAPTURE_XEN_REC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* 8 MiB per CPU: `xentrace -e all -S 256` (1 MiB) lost over half its records in the testbed. */
#define XPKT_XEN_DEFAULT_BUFFER_KB 8192
#define XPKT_XEN_WINDOW_HDR_BYTES  12u /* TRC_TRACE_CPU_CHANGE: header, cpu, bytes */
#define XPKT_XEN_MAX_RECORD_BYTES  40u /* 4 header + 8 TSC + 7 * 4 extra */

/* One event class of Xen's trace mask (xen/include/public/trace.h) and why a stage needs it. */
struct xpkt_xen_class {
	const char *name;
	uint32_t mask;
	const char *why;
};

/* The classes recorded by default; their OR is xpkt_xen_default_mask(). */
extern const struct xpkt_xen_class xpkt_xen_classes[];
extern const unsigned xpkt_xen_nclasses;
uint32_t xpkt_xen_default_mask(void);
/* "sched|mem|pv|hw" for a mask made of table classes ("0x..." for other bits). */
void xpkt_xen_mask_names(uint32_t mask, char *buf, size_t len);

/* ---- ring logic on plain memory ------------------------------------------------ */

struct xpkt_xen_counts {
	uint64_t windows;	  /* windows written */
	uint64_t records;	  /* records written (Xen's own lost/wrap records included) */
	uint64_t bytes;		  /* bytes written, window headers included */
	uint64_t xen_lost;	  /* sum of Xen's TRC_LOST_RECORDS counts in what was written */
	uint64_t dropped_windows; /* windows not written: overwritten or malformed */
	uint64_t dropped_bytes;
	uint64_t dropped_records; /* at least this many records were in them */
};

/* Bytes a window buffer needs for a ring of data_size bytes. */
static inline size_t xpkt_xen_window_cap(uint32_t data_size)
{
	return XPKT_XEN_WINDOW_HDR_BYTES + (size_t)data_size;
}

/*
 * Step 1: copies the ring's bytes [cons, prod) (offsets modulo 2 * data_size)
 * into out, after a window header for cpu, joining the two pieces of a
 * wrapped window. out must hold xpkt_xen_window_cap(data_size) bytes.
 * Returns 1 with *out_len set, 0 when the ring is empty (*out_len = 0), -1
 * when cons or prod cannot be Xen's (unaligned, out of range, more than
 * data_size apart): err says which.
 */
int xpkt_xen_window_copy(const uint8_t *data, uint32_t data_size, uint32_t cons, uint32_t prod,
			 unsigned cpu, uint8_t *out, size_t *out_len, struct xpkt_err *err);

/*
 * Step 2, after the copy: prod_after is prod read again. If the producer
 * has come round to bytes of the window while it was being copied (more
 * than data_size bytes from cons to prod_after), the copy cannot be
 * trusted, and since records have no sync marks the whole window is
 * dropped and counted (at least bytes / 40 records, rounded up). A window
 * whose bytes do not parse as whole records is dropped the same way.
 * Otherwise its records are counted, Xen's TRC_LOST_RECORDS counts summed.
 * Returns 1 (write out[0 .. len)) or 0 (dropped).
 */
int xpkt_xen_window_check(uint32_t data_size, uint32_t cons, uint32_t prod_after,
			  const uint8_t *out, size_t len, struct xpkt_xen_counts *c);

/*
 * Both steps on a ring laid out as Xen's: struct t_buf {u32 cons, prod}
 * followed by the data area. Moves cons to the prod it copied up to, with
 * the barriers the protocol needs (read prod, then the data; finish with
 * the data, then publish cons). Returns 1 (a window in out[0 .. *out_len)),
 * 0 (nothing to write: empty, or dropped and counted), -1 (bogus pointers,
 * ring left alone, err set).
 */
int xpkt_xen_drain(void *tbuf, uint32_t data_size, unsigned cpu, uint8_t *out, size_t *out_len,
		   struct xpkt_xen_counts *c, struct xpkt_err *err);

/* ---- the recorder --------------------------------------------------------------- */

struct xpkt_xen_opts {
	const char *path;   /* output file (BUNDLE/xen.trace), created atomically at stop */
	unsigned buffer_kb; /* per CPU; 0: XPKT_XEN_DEFAULT_BUFFER_KB; rounded up to pages */
	uint32_t evt_mask;  /* 0: xpkt_xen_default_mask() */
	unsigned poll_ms;   /* drain period; 0: 20 */
};

struct xpkt_xen_stats {
	struct xpkt_xen_counts counts;
	unsigned ncpus;	    /* CPUs with a trace buffer */
	unsigned buffer_kb; /* per CPU, as Xen allocated it (may differ from asked) */
	uint32_t evt_mask;  /* the mask set */
	uint64_t lost;	    /* xen_lost + dropped_records */
};

struct xpkt_xen_rec;

/*
 * Checks, changing nothing, that this is a Xen dom0 that may trace: /proc/xen
 * and a privcmd device exist, /proc/xen/capabilities (if readable) says
 * control_d, xc_interface_open works and a sysctl (physinfo) is allowed.
 * Otherwise a one-line reason in err ("--xen: not running in a Xen dom0 (...)").
 */
int xpkt_xen_check(struct xpkt_err *err);

/*
 * Sets the event mask to 0, allocates (first use since boot) and enables
 * the buffers, maps them, discards what a previous session left, sets the
 * CPU mask to all CPUs and the event mask, and starts the reader thread.
 * On any failure tracing is disabled and everything unmapped again.
 */
struct xpkt_xen_rec *xpkt_xen_start(const struct xpkt_xen_opts *opts, struct xpkt_err *err);
void xpkt_xen_stats(struct xpkt_xen_rec *r, struct xpkt_xen_stats *st);
/*
 * Disables tracing, drains every buffer once more, restores Xen's previous
 * event mask and commits the file. Final counts in *st.
 */
int xpkt_xen_stop(struct xpkt_xen_rec *r, struct xpkt_xen_stats *st, struct xpkt_err *err);
/* Frees r; if it was not stopped, disables tracing and removes the partial file. */
void xpkt_xen_free(struct xpkt_xen_rec *r);
/*
 * For a fatal-signal handler, best effort: disables Xen tracing of the
 * current recorder (one sysctl through libxenctrl, which is not strictly
 * async-signal-safe; the process is dying anyway).
 */
void xpkt_xen_emergency_cleanup(void);

#endif
