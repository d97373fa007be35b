/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf_rec.h - statistical PC samples of a Linux kernel (DESIGN.md section
 * 6) recorded with perf_event_open(2) into a bundle's "<source>.perf"
 * directory, and the layout of its files (docs/bundle.md, "perf").
 *
 * Per online CPU: one PERF_TYPE_SOFTWARE / PERF_COUNT_SW_CPU_CLOCK event
 * (the hrtimer-driven clock works where no hardware PMU exists, as on every
 * machine of this project), sampling IP, TID, TIME and CPU at a frequency,
 * CPU-wide (pid -1), kernel and user alike, with an mmap ring that one
 * reader thread drains into cpuN.data.
 *
 * A cpuN.data file is a 128-byte header (struct xpkt_perf_file_hdr) and then
 * the kernel's perf records exactly as the ring held them (struct
 * perf_event_header, then the body the header's sample_type defines). The
 * header carries what turns the records' perf time into TSC ticks, so
 * samples share the x86-tsc timebase of the ftrace source:
 *  - XPKT_PERF_TIME_ZERO: the mmap page offered cap_user_time_zero, so perf
 *    time = time_zero + mul/shift(tsc) exactly as the kernel computes it
 *    (include/uapi/linux/perf_event.h); the decoder inverts it.
 *  - XPKT_PERF_TIME_PAIRS: it did not (an unstable sched_clock, or a
 *    paravirtual clock); the events use CLOCK_MONOTONIC_RAW (use_clockid)
 *    and two (tsc, CLOCK_MONOTONIC_RAW ns) pairs taken before the start and
 *    after the stop fix the line between them. MONOTONIC_RAW is the TSC
 *    clocksource scaled with a fixed mult/shift and no NTP slewing, so the
 *    line is exact to the pairs' bracket (tens of ns).
 */
#ifndef XPKT_CAPTURE_PERF_REC_H
#define XPKT_CAPTURE_PERF_REC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define XPKT_PERF_MAGIC		"XPKTPERF"
#define XPKT_PERF_VERSION	1
#define XPKT_PERF_HDR_BYTES	128
#define XPKT_PERF_DEFAULT_HZ	999 /* an odd rate: not in step with HZ ticks */
#define XPKT_PERF_DEFAULT_PAGES 64  /* ring data pages per CPU (a power of 2) */

enum xpkt_perf_time_conv {
	XPKT_PERF_TIME_ZERO = 1,  /* time_zero, time_mult, time_shift of the mmap page */
	XPKT_PERF_TIME_PAIRS = 2, /* CLOCK_MONOTONIC_RAW, line through (tsc0, ns0) (tsc1, ns1) */
};

/* The on-disk header of a cpuN.data file; little-endian, x86-64. */
struct xpkt_perf_file_hdr {
	char magic[8];	      /* XPKT_PERF_MAGIC, no NUL */
	uint32_t version;     /* XPKT_PERF_VERSION */
	uint32_t hdr_bytes;   /* XPKT_PERF_HDR_BYTES: records start here */
	uint64_t sample_type; /* perf_event_attr.sample_type of every event in the file */
	uint64_t read_format; /* perf_event_attr.read_format (PERF_SAMPLE_READ) */
	uint32_t cpu;	      /* the CPU the events counted on */
	uint32_t time_conv;   /* enum xpkt_perf_time_conv */
	uint64_t time_zero;   /* XPKT_PERF_TIME_ZERO */
	uint32_t time_mult;
	uint32_t time_shift;
	uint64_t tsc0, ns0; /* XPKT_PERF_TIME_PAIRS: before the start */
	uint64_t tsc1, ns1; /* and after the stop */
	uint32_t nvalues;   /* PERF_FORMAT_GROUP: values per READ (group order); else 0 */
	uint32_t freq_hz;   /* sampling frequency asked for; 0 for tracepoint groups */
	uint32_t ncounters; /* group mode: the first ncounters values are the counters */
	uint8_t reserved[28];
};

_Static_assert(sizeof(struct xpkt_perf_file_hdr) == XPKT_PERF_HDR_BYTES,
	       "perf file header layout is on disk");

/*
 * Perf time of a record to TSC ticks, per the header's conversion: exact
 * for XPKT_PERF_TIME_ZERO (the smallest tsc whose kernel conversion is at
 * least time, so converting back gives time again; 0 before time_zero), a
 * 128-bit line for XPKT_PERF_TIME_PAIRS (floored; 0 where it would go
 * below zero). The caller checked the header (mult, ns1 > ns0).
 */
uint64_t xpkt_perf_time_to_tsc(const struct xpkt_perf_file_hdr *h, uint64_t time);
/* The kernel's direction: TSC ticks to perf time (XPKT_PERF_TIME_ZERO). */
uint64_t xpkt_perf_tsc_to_time(const struct xpkt_perf_file_hdr *h, uint64_t tsc);

/* A tracepoint read through a perf group (group mode). */
struct xpkt_perf_tp {
	char system[32];
	char event[64];
	char filter[64]; /* tracefs filter syntax, "" for none (PERF_EVENT_IOC_SET_FILTER) */
};

struct xpkt_perf_opts {
	const char *dir;     /* output directory, created (BUNDLE/host.perf) */
	unsigned freq_hz;    /* samples per second per CPU; 0: XPKT_PERF_DEFAULT_HZ */
	unsigned ring_pages; /* data pages per CPU ring, a power of 2; 0: default */
	/*
	 * Group mode, ntps > 0: instead of PC samples, per CPU one group led
	 * by the first of the ncounters counters (capture/pmu.h names), the
	 * other counters and the tracepoints as members; each tracepoint hit
	 * is a sample (sample_period 1, sample_type TIME | CPU | RAW | READ,
	 * read_format GROUP | ID) carrying all the group's values; one ring
	 * per CPU. Each tracepoint's format is saved as DIR/events/SYS/EV/format
	 * for the decoder, which reads the RAW record with it.
	 */
	const struct xpkt_perf_tp *tps;
	unsigned ntps;
	const char *tracing_dir; /* tracefs mount: events/SYS/EV/{id,format} */
	const char (*counters)[24];
	unsigned ncounters;
};

struct xpkt_perf_stats {
	uint64_t samples; /* PERF_RECORD_SAMPLE records stored (group mode: tracepoint hits) */
	uint64_t lost;	  /* samples the kernel reported lost (PERF_RECORD_LOST) */
	uint64_t bytes;	  /* record bytes stored */
	unsigned ncpus;
};

struct xpkt_perf_rec;

/*
 * Opens the events on every online CPU (disabled), maps their rings,
 * creates the directory and starts the reader; the events are enabled
 * last. Every fd and mapping is released again on failure.
 */
struct xpkt_perf_rec *xpkt_perf_start(const struct xpkt_perf_opts *opts, struct xpkt_err *err);
void xpkt_perf_stats(struct xpkt_perf_rec *r, struct xpkt_perf_stats *st);
/* "time_zero" or "monotonic_raw": how the files' times map to the TSC. */
const char *xpkt_perf_time_conv_name(const struct xpkt_perf_rec *r);
/*
 * Disables the events, drains every ring, writes each file's header with
 * the end pair and renames the files into place. Final counts in *st.
 */
int xpkt_perf_stop(struct xpkt_perf_rec *r, struct xpkt_perf_stats *st, struct xpkt_err *err);
/* Frees r; if it was not stopped, the events are closed and the files removed. */
void xpkt_perf_free(struct xpkt_perf_rec *r);

#endif
