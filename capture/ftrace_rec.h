/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace_rec.h - record Linux trace events through tracefs into a bundle's
 * "<source>.ftrace" directory.
 *
 * The recorder works in its own tracefs instance "xpkttrace-PID" (never the
 * top-level one, never global files such as ftrace_enabled, which a kernel in
 * lockdown refuses), with trace_clock x86-tsc where offered (mono otherwise),
 * and one thread per CPU moving whole ring-buffer pages from
 * per_cpu/cpuN/trace_pipe_raw into cpuN.raw with splice(2): no copy through
 * user space and no text formatting (the text pipe costs ~40 % of iperf3
 * throughput here, raw pages ~10 %).
 *
 * The directory then holds what a reader on another machine needs:
 *   header_page, header_event          the ring buffer page and event headers
 *   events/SYSTEM/EVENT/format         every enabled event's format
 *   cpuN.raw                           that CPU's pages, subbuf_size bytes each
 *   meta.json                          page size, clock, events, per-CPU loss
 * Per-CPU overruns and dropped events (per_cpu/cpuN/stats) are the lost
 * events; pages themselves carry a "missed events" flag the decoder reports.
 */
#ifndef XPKT_CAPTURE_FTRACE_REC_H
#define XPKT_CAPTURE_FTRACE_REC_H

#include <stddef.h>
#include <stdint.h>

#include "capture/evset.h"
#include "lib/err.h"

#define XPKT_FTRACE_DEFAULT_BUFFER_KB 8192

struct xpkt_ftrace_opts {
	const char *dir; /* output directory, created (BUNDLE/host.ftrace) */
	const struct xpkt_evset *set;
	unsigned buffer_kb; /* ring buffer per CPU; 0: XPKT_FTRACE_DEFAULT_BUFFER_KB */
};

struct xpkt_ftrace_stats {
	uint64_t events; /* written by the kernel so far (all CPUs) */
	uint64_t bytes;	 /* stored in cpuN.raw so far */
	uint64_t lost;	 /* overruns + dropped events so far */
};

struct xpkt_ftrace_rec;

/*
 * Checks what recording needs (root, tracefs mounted) without changing
 * anything; a one-line reason in err otherwise. Mounts tracefs at
 * /sys/kernel/tracing if it is not mounted anywhere.
 */
int xpkt_ftrace_check(struct xpkt_err *err);
/* The tracefs mount point, after a successful check. */
const char *xpkt_ftrace_dir(void);

/*
 * Removes instances "xpkttrace-PID" whose PID is no longer alive (left by a
 * recorder that was killed). *removed gets how many.
 */
int xpkt_ftrace_cleanup_leftovers(unsigned *removed, struct xpkt_err *err);

/* Creates the instance, enables the events and starts the readers. */
struct xpkt_ftrace_rec *xpkt_ftrace_start(const struct xpkt_ftrace_opts *opts,
					  struct xpkt_err *err);
void xpkt_ftrace_stats(struct xpkt_ftrace_rec *r, struct xpkt_ftrace_stats *st);
/* "x86-tsc" or "mono": the clock the events carry. */
const char *xpkt_ftrace_clock(const struct xpkt_ftrace_rec *r);
/*
 * Stops tracing, drains every CPU's buffer, writes meta.json, disables the
 * events and removes the instance. incomplete marks meta.json so. Final
 * counts in *st. Safe to call once; xpkt_ftrace_free always cleans up too.
 */
int xpkt_ftrace_stop(struct xpkt_ftrace_rec *r, int incomplete, struct xpkt_ftrace_stats *st,
		     struct xpkt_err *err);
/* Frees r; if it was not stopped, turns tracing off and removes the instance. */
void xpkt_ftrace_free(struct xpkt_ftrace_rec *r);

/*
 * Kprobes (set entries of system "kprobe", evset.h) are created in the
 * kernel-wide kprobe_events as group "xpkttrace_PID" ('-' is not allowed in
 * a group), enabled only in the instance, saved as events/kprobe/NAME in the
 * trace, and removed after the instance on stop, on free and (best effort)
 * by the crash handler; the next run removes those of dead PIDs with the
 * leftover instances. A probe the kernel refuses (symbol absent or inlined)
 * is not recorded: xpkt_ftrace_refused gives its name and errno, for the
 * manifest's unavailable list, else NULL.
 */
const char *xpkt_ftrace_refused(const struct xpkt_ftrace_rec *r, unsigned i, int *err_no);
/*
 * The kprobe_events line creating probe NAME ("p:xpkttrace_PID/NAME PROBE"),
 * or with probe NULL removing it ("-:xpkttrace_PID/NAME"); -1 if NAME is not
 * a valid event name or buf is too small.
 */
int xpkt_ftrace_kprobe_line(char *buf, size_t len, int pid, const char *name, const char *probe);
/*
 * 1 if LINE (one line of kprobe_events) is a probe of a recorder whose PID
 * alive() says is dead; rm then gets the line that removes it.
 */
int xpkt_ftrace_kprobe_leftover(const char *line, int (*alive)(long pid), char *rm, size_t len);

/*
 * For a fatal-signal handler: async-signal-safe, best effort. Turns the
 * current recorder's tracing and events off and tries to remove its
 * instance (open buffers may keep it; the next run removes it then).
 */
void xpkt_ftrace_emergency_cleanup(void);

#endif
