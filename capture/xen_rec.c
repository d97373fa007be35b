// SPDX-License-Identifier: GPL-2.0
/*
 * xen_rec.c - the hypervisor recorder: Xen's per-CPU trace rings mapped
 * through libxenctrl / libxenforeignmemory, drained by one thread into a
 * file in xentrace's format (capture/xen_rec.h).
 *
 * Facts relied on (Xen 4.17: xen/common/trace.c, xen/include/public/trace.h,
 * tools/libs/ctrl/xc_tbuf.c, tools/xentrace/xentrace.c):
 * - XEN_SYSCTL_TBUFOP_get_info returns the MFN of the t_info area, which is
 *   contiguous (one xenheap allocation): {u16 tbuf_size (pages per CPU);
 *   u16 mfn_offset[NR_CPUS]} then, at mfn_offset[cpu] 32-bit words from its
 *   start, that CPU's tbuf_size MFNs. An offline CPU has offset 0.
 * - The buffer size is set once per boot (set_size returns -EINVAL for
 *   another size afterwards; xc_tbuf_enable ignores that), so the size
 *   actually in use is read back from t_info, never assumed.
 * - Xen writes a record, then (smp_wmb) moves prod; it computes its free
 *   space from cons, so nothing in [cons, prod) changes until cons moves.
 * - Records never straddle the end of the data area: Xen pads with a
 *   TRC_TRACE_WRAP_BUFFER record, which is kept like any other record. The
 *   copy below does not rely on it (it joins the two pieces of a window
 *   byte for byte), but the check does: a window is whole records.
 * - XEN_SYSCTL_TBUFOP_disable: "after this hypercall returns, no more records
 *   should be placed into the buffers", so one drain after it is final. It
 *   also forgets losses not yet reported by a TRC_LOST_RECORDS record.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Xen's public headers refuse strict ISO C (-std=c11 defines
 * __STRICT_ANSI__): they use anonymous unions and GNU attributes that gcc
 * and clang accept in any mode. Only this file includes them.
 */
#undef __STRICT_ANSI__
#include <xenctrl.h>
#include <xenforeignmemory.h>

#include "capture/xen_rec.h"
#include "lib/afile.h"

#define TRC_LOST_RECORDS_ID    0x0001f001u
#define TRC_TRACE_CPU_CHANGE_W (0x0001f003u | (2u << 28)) /* two extra words: cpu, bytes */
#define TBUF_META_BYTES	       8u			  /* struct t_buf {u32 cons, prod} */
#define PAGE_BYTES	       4096u
#define DEFAULT_POLL_MS	       20

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "Xen trace records are x86 little-endian");

/*
 * The classes the stages read (DESIGN.md section 3). Xen's mask test is per
 * class and sub-class (bits 16-27, 12-15 of the event id), so each row takes
 * every sub-class of its class. TRC_GEN needs no bit: Xen writes its lost
 * and wrap records without consulting the mask.
 */
const struct xpkt_xen_class xpkt_xen_classes[] = {
    {"sched", 0x0002f000u, "VM switches and vCPU runstates: who runs where, switch wait"},
    {"mem", 0x0010f000u, "grant map / unmap / transfer (domid only)"},
    {"pv", 0x0020f000u, "PV hypercalls: grant_table_op copy/map/unmap, event channel ops"},
    {"hw", 0x0080f000u, "IRQs: the NIC's and the event channel upcalls"},
};
const unsigned xpkt_xen_nclasses = sizeof(xpkt_xen_classes) / sizeof(xpkt_xen_classes[0]);

uint32_t xpkt_xen_default_mask(void)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < xpkt_xen_nclasses; i++)
		m |= xpkt_xen_classes[i].mask;
	return m;
}

void xpkt_xen_mask_names(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;
	uint32_t rest = mask;

	if (!len)
		return;
	buf[0] = 0;
	for (unsigned i = 0; i < xpkt_xen_nclasses; i++) {
		if ((mask & xpkt_xen_classes[i].mask) != xpkt_xen_classes[i].mask)
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "|" : "",
				      xpkt_xen_classes[i].name);
		rest &= ~xpkt_xen_classes[i].mask;
	}
	/* Sub-class bits shared with a named class are not "other" bits. */
	for (unsigned i = 0; i < xpkt_xen_nclasses; i++)
		if ((mask & xpkt_xen_classes[i].mask) == xpkt_xen_classes[i].mask)
			rest &= ~0xf000u;
	if (rest && n < len)
		snprintf(buf + n, len - n, "%s0x%08x", n ? "|" : "", rest);
}

/* ---- ring logic ---------------------------------------------------------------- */

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

int xpkt_xen_window_copy(const uint8_t *data, uint32_t data_size, uint32_t cons, uint32_t prod,
			 unsigned cpu, uint8_t *out, size_t *out_len, struct xpkt_err *err)
{
	uint64_t wrap = 2 * (uint64_t)data_size;
	uint32_t win, start, first;

	*out_len = 0;
	/* Xen's own sanity test (bogus() in trace.c), plus the window bound. */
	if (data_size == 0 || (data_size & 3))
		return xpkt_err_set(err, "CPU %u: bad trace buffer size %u", cpu, data_size);
	if ((cons & 3) || (prod & 3) || cons >= wrap || prod >= wrap)
		return xpkt_err_set(err,
				    "CPU %u: bogus trace buffer pointers cons %u prod %u "
				    "(data area %u bytes)",
				    cpu, cons, prod, data_size);
	win = (uint32_t)(prod >= cons ? prod - cons : prod + wrap - cons);
	if (win > data_size)
		return xpkt_err_set(err,
				    "CPU %u: trace buffer pointers %u bytes apart, more than "
				    "the %u-byte data area",
				    cpu, win, data_size);
	if (win == 0)
		return 0;
	start = cons >= data_size ? cons - data_size : cons;
	first = data_size - start;
	if (first > win)
		first = win;
	wr32(out, TRC_TRACE_CPU_CHANGE_W);
	wr32(out + 4, cpu);
	wr32(out + 8, win);
	memcpy(out + XPKT_XEN_WINDOW_HDR_BYTES, data + start, first);
	/* A window that runs past the end of the data area continues at its start. */
	memcpy(out + XPKT_XEN_WINDOW_HDR_BYTES + first, data, win - first);
	*out_len = XPKT_XEN_WINDOW_HDR_BYTES + win;
	return 1;
}

static void count_dropped(struct xpkt_xen_counts *c, uint64_t bytes)
{
	c->dropped_windows++;
	c->dropped_bytes += bytes;
	/* No record is longer than 40 bytes, so the lost bytes held at least this many. */
	c->dropped_records += (bytes + XPKT_XEN_MAX_RECORD_BYTES - 1) / XPKT_XEN_MAX_RECORD_BYTES;
}

int xpkt_xen_window_check(uint32_t data_size, uint32_t cons, uint32_t prod_after,
			  const uint8_t *out, size_t len, struct xpkt_xen_counts *c)
{
	uint64_t wrap = 2 * (uint64_t)data_size, ahead;
	uint64_t records = 0, lost = 0;
	size_t p;

	if (len <= XPKT_XEN_WINDOW_HDR_BYTES)
		return 0;
	/*
	 * Bytes from cons to where the producer is now. More than the data
	 * area means it wrote over the oldest bytes of this window (only a
	 * producer that ignores cons can: Xen does not, a second consumer
	 * moving cons under us would make it).
	 */
	ahead = prod_after >= cons ? prod_after - cons : prod_after + wrap - cons;
	if (prod_after >= wrap || ahead > data_size) {
		count_dropped(c, len - XPKT_XEN_WINDOW_HDR_BYTES);
		return 0;
	}
	for (p = XPKT_XEN_WINDOW_HDR_BYTES; p < len;) {
		uint32_t hdr, size, nextra;
		int tsc;

		if (len - p < 4)
			break;
		hdr = rd32(out + p);
		tsc = (int)(hdr >> 31);
		nextra = (hdr >> 28) & 7;
		size = 4 + (tsc ? 8 : 0) + 4 * nextra;
		if (len - p < size)
			break;
		if ((hdr & 0x0fffffffu) == TRC_LOST_RECORDS_ID && nextra >= 1)
			lost += rd32(out + p + 4 + (tsc ? 8 : 0));
		records++;
		p += size;
	}
	if (p != len) { /* not whole records: the decoder would reject the file */
		count_dropped(c, len - XPKT_XEN_WINDOW_HDR_BYTES);
		return 0;
	}
	c->windows++;
	c->records += records;
	c->bytes += len;
	c->xen_lost += lost;
	return 1;
}

int xpkt_xen_drain(void *tbuf, uint32_t data_size, unsigned cpu, uint8_t *out, size_t *out_len,
		   struct xpkt_xen_counts *c, struct xpkt_err *err)
{
	volatile uint32_t *meta = tbuf;
	const uint8_t *data = (const uint8_t *)tbuf + TBUF_META_BYTES;
	uint32_t cons = meta[0], prod = meta[1], prod_after;
	int rc;

	/* xentrace's xen_rmb(): prod is read before the records it covers. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	rc = xpkt_xen_window_copy(data, data_size, cons, prod, cpu, out, out_len, err);
	if (rc <= 0)
		return rc;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	prod_after = meta[1];
	rc = xpkt_xen_window_check(data_size, cons, prod_after, out, *out_len, c);
	/* xentrace's xen_mb(): the copy is finished before Xen may reuse the space. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	meta[0] = prod;
	if (!rc)
		*out_len = 0;
	return rc;
}

/* ---- the recorder --------------------------------------------------------------- */

/* libxenctrl logs to stderr by default; only cli/ prints, so keep its last message. */
struct quiet_logger {
	xentoollog_logger vtable;
	char last[200];
};

static void quiet_vmessage(xentoollog_logger *logger, xentoollog_level level, int errnoval,
			   const char *context, const char *format, va_list al)
{
	struct quiet_logger *q = (struct quiet_logger *)logger;

	(void)errnoval;
	(void)context;
	if (level >= XTL_ERROR)
		vsnprintf(q->last, sizeof(q->last), format, al);
}

static void quiet_progress(xentoollog_logger *logger, const char *context, const char *doing_what,
			   int percent, unsigned long done, unsigned long total)
{
	(void)logger;
	(void)context;
	(void)doing_what;
	(void)percent;
	(void)done;
	(void)total;
}

static void quiet_destroy(xentoollog_logger *logger)
{
	(void)logger;
}

static void quiet_init(struct quiet_logger *q)
{
	memset(q, 0, sizeof(*q));
	q->vtable.vmessage = quiet_vmessage;
	q->vtable.progress = quiet_progress;
	q->vtable.destroy = quiet_destroy;
}

struct xpkt_xen_rec {
	struct quiet_logger log;
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	const uint8_t *tinfo;
	size_t tinfo_pages;
	unsigned ncpus; /* max CPU id + 1 */
	void **bufs;	/* per CPU: the mapped t_buf + data, NULL without a buffer */
	unsigned active;
	uint32_t pages, data_size;
	uint8_t *win;
	struct afile af;
	int af_open;
	uint32_t mask, prev_mask;
	int have_prev_mask, enabled, stopped;
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock; /* counts, failed, file */
	int stop_flag;	      /* __atomic */
	unsigned poll_ms;
	struct xpkt_xen_counts counts;
	int failed;
	char why[512];
};

static struct xpkt_xen_rec *volatile current_rec;

static int open_xc(struct xpkt_xen_rec *r, struct xpkt_err *err)
{
	errno = 0;
	r->xch = xc_interface_open(&r->log.vtable, &r->log.vtable, 0);
	if (!r->xch)
		return xpkt_err_set(err, "--xen: not running in a Xen dom0 (xc_interface_open: %s)",
				    errno ? strerror(errno) : r->log.last);
	return 0;
}

int xpkt_xen_check(struct xpkt_err *err)
{
	struct xpkt_xen_rec r;
	char caps[256] = "";
	int fd, max_cpus;

	if (access("/proc/xen", F_OK))
		return xpkt_err_set(err, "--xen: not running in a Xen dom0 (no /proc/xen)");
	if (access("/dev/xen/privcmd", F_OK) && access("/proc/xen/privcmd", F_OK))
		return xpkt_err_set(err, "--xen: not running in a Xen dom0 (no /dev/xen/privcmd)");
	/* xenfs lists "control_d" only in the control domain; a domU has /proc/xen too. */
	fd = open("/proc/xen/capabilities", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, caps, sizeof(caps) - 1);

		close(fd);
		if (n >= 0) {
			caps[n] = 0;
			if (!strstr(caps, "control_d"))
				return xpkt_err_set(
				    err, "--xen: not running in a Xen dom0 "
					 "(/proc/xen/capabilities has no control_d: a domU)");
		}
	}
	memset(&r, 0, sizeof(r));
	quiet_init(&r.log);
	if (open_xc(&r, err))
		return -1;
	/* A sysctl proves the privilege tracing needs (a domU gets EPERM here). */
	errno = 0;
	max_cpus = xc_get_max_cpus(r.xch);
	if (max_cpus <= 0) {
		int e = errno;

		xc_interface_close(r.xch);
		return xpkt_err_set(err, "--xen: not running in a Xen dom0 (physinfo sysctl: %s)",
				    e ? strerror(e) : "no CPUs");
	}
	xc_interface_close(r.xch);
	return 0;
}

static void set_failed(struct xpkt_xen_rec *r, const char *what)
{
	if (!r->failed) {
		r->failed = 1;
		snprintf(r->why, sizeof(r->why), "%.500s", what);
	}
}

/* One pass over every CPU's ring; caller holds r->lock. */
static void drain_all(struct xpkt_xen_rec *r)
{
	for (unsigned cpu = 0; cpu < r->ncpus; cpu++) {
		struct xpkt_err e;
		size_t len = 0;
		int rc;

		if (!r->bufs[cpu])
			continue;
		rc = xpkt_xen_drain(r->bufs[cpu], r->data_size, cpu, r->win, &len, &r->counts, &e);
		if (rc < 0) {
			/* Xen stops tracing itself on bogus pointers; leave that ring alone. */
			set_failed(r, e.msg);
			r->bufs[cpu] = NULL;
			continue;
		}
		if (rc > 0 && !r->failed && fwrite(r->win, len, 1, r->af.fp) != 1)
			set_failed(r, "write failed");
	}
}

static void *reader_main(void *arg)
{
	struct xpkt_xen_rec *r = arg;
	struct timespec nap = {r->poll_ms / 1000, (long)(r->poll_ms % 1000) * 1000000L};

	/*
	 * A sleep loop, not the VIRQ_TBUF event channel xentrace waits on:
	 * Xen raises that virq at half full, and an 8 MiB ring fills in
	 * seconds at the testbed's rates, so a 20 ms period is far inside it
	 * and needs no libxenevtchn.
	 */
	while (!__atomic_load_n(&r->stop_flag, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&r->lock);
		drain_all(r);
		pthread_mutex_unlock(&r->lock);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static void unmap_all(struct xpkt_xen_rec *r)
{
	if (r->bufs) {
		for (unsigned i = 0; i < r->ncpus; i++)
			if (r->bufs[i])
				xenforeignmemory_unmap(r->fmem, r->bufs[i], r->pages);
		free(r->bufs);
		r->bufs = NULL;
	}
	if (r->tinfo) {
		xenforeignmemory_unmap(r->fmem, (void *)r->tinfo, r->tinfo_pages);
		r->tinfo = NULL;
	}
}

/* Tracing off and Xen's mask as it was; safe to call more than once. */
static void disable_tracing(struct xpkt_xen_rec *r)
{
	if (r->enabled) {
		xc_tbuf_disable(r->xch);
		r->enabled = 0;
		if (r->have_prev_mask)
			xc_tbuf_set_evt_mask(r->xch, r->prev_mask);
	}
}

static int read_evt_mask(struct xpkt_xen_rec *r, uint32_t *mask)
{
	struct xen_sysctl sc;

	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_tbuf_op;
	sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	sc.u.tbuf_op.cmd = XEN_SYSCTL_TBUFOP_get_info;
	if (xc_sysctl(r->xch, &sc))
		return -1;
	*mask = sc.u.tbuf_op.evt_mask;
	return 0;
}

static int map_buffers(struct xpkt_xen_rec *r, unsigned long tinfo_mfn, unsigned long tinfo_bytes,
		       struct xpkt_err *err)
{
	xen_pfn_t *pfns;
	int *errs;
	size_t words;

	r->tinfo_pages = (tinfo_bytes + PAGE_BYTES - 1) / PAGE_BYTES;
	if (!tinfo_mfn || !r->tinfo_pages)
		return xpkt_err_set(err, "--xen: Xen returned no trace buffer (mfn %lu, %lu bytes)",
				    tinfo_mfn, tinfo_bytes);
	pfns = calloc(r->tinfo_pages > 65536 ? r->tinfo_pages : 65536, sizeof(*pfns));
	errs = calloc(r->tinfo_pages > 65536 ? r->tinfo_pages : 65536, sizeof(*errs));
	if (!pfns || !errs) {
		free(pfns);
		free(errs);
		return xpkt_err_set(err, "--xen: out of memory");
	}
	/* t_info is one contiguous xenheap allocation. */
	for (size_t i = 0; i < r->tinfo_pages; i++)
		pfns[i] = (xen_pfn_t)(tinfo_mfn + i);
	r->tinfo = xenforeignmemory_map(r->fmem, DOMID_XEN, PROT_READ, r->tinfo_pages, pfns, errs);
	if (!r->tinfo) {
		xpkt_err_set(err, "--xen: cannot map the trace buffer index (t_info): %s",
			     strerror(errno));
		goto fail;
	}
	{
		uint16_t tbuf_pages; /* t_info->tbuf_size */

		memcpy(&tbuf_pages, r->tinfo, 2);
		r->pages = tbuf_pages;
	}
	if (r->pages == 0) {
		xpkt_err_set(err, "--xen: Xen reports trace buffers of 0 pages");
		goto fail;
	}
	r->data_size = r->pages * PAGE_BYTES - TBUF_META_BYTES;
	words = r->tinfo_pages * PAGE_BYTES / 4;
	r->bufs = calloc(r->ncpus, sizeof(*r->bufs));
	if (!r->bufs) {
		xpkt_err_set(err, "--xen: out of memory");
		goto fail;
	}
	for (unsigned cpu = 0; cpu < r->ncpus; cpu++) {
		uint16_t off;
		const uint8_t *list;

		if (2 + 2 * (size_t)cpu + 2 > r->tinfo_pages * PAGE_BYTES)
			break;
		memcpy(&off, r->tinfo + 2 + 2 * cpu, 2);
		if (!off) /* offline CPU: no buffer */
			continue;
		if ((size_t)off + r->pages > words) {
			xpkt_err_set(err, "--xen: CPU %u: MFN list at word %u runs past t_info",
				     cpu, off);
			goto fail;
		}
		list = r->tinfo + 4 * (size_t)off;
		for (uint32_t i = 0; i < r->pages; i++)
			pfns[i] = (xen_pfn_t)rd32(list + 4 * i);
		/* Writable: the consumer pointer lives in the first page. */
		r->bufs[cpu] = xenforeignmemory_map(r->fmem, DOMID_XEN, PROT_READ | PROT_WRITE,
						    r->pages, pfns, errs);
		if (!r->bufs[cpu]) {
			xpkt_err_set(err, "--xen: cannot map CPU %u's trace buffer: %s", cpu,
				     strerror(errno));
			goto fail;
		}
		r->active++;
	}
	free(pfns);
	free(errs);
	if (!r->active)
		return xpkt_err_set(err, "--xen: no CPU has a trace buffer");
	return 0;
fail:
	free(pfns);
	free(errs);
	return -1;
}

struct xpkt_xen_rec *xpkt_xen_start(const struct xpkt_xen_opts *opts, struct xpkt_err *err)
{
	struct xpkt_xen_rec *r = calloc(1, sizeof(*r));
	unsigned long kb = opts->buffer_kb ? opts->buffer_kb : XPKT_XEN_DEFAULT_BUFFER_KB;
	unsigned long tinfo_mfn = 0, tinfo_bytes = 0;
	xc_cpumap_t cpumap;
	int n;

	if (!r) {
		xpkt_err_set(err, "--xen: out of memory");
		return NULL;
	}
	quiet_init(&r->log);
	pthread_mutex_init(&r->lock, NULL);
	r->mask = opts->evt_mask ? opts->evt_mask : xpkt_xen_default_mask();
	r->poll_ms = opts->poll_ms ? opts->poll_ms : DEFAULT_POLL_MS;
	if (open_xc(r, err))
		goto fail;
	r->fmem = xenforeignmemory_open(&r->log.vtable, 0);
	if (!r->fmem) {
		xpkt_err_set(err, "--xen: xenforeignmemory_open: %s", strerror(errno));
		goto fail;
	}
	n = xc_get_max_cpus(r->xch);
	if (n <= 0) {
		xpkt_err_set(err, "--xen: physinfo: %s", strerror(errno));
		goto fail;
	}
	r->ncpus = (unsigned)n;
	if (read_evt_mask(r, &r->prev_mask) == 0)
		r->have_prev_mask = 1;
	/* Nothing passes a zero mask: stale data can be discarded before tracing starts. */
	if (xc_tbuf_set_evt_mask(r->xch, 0)) {
		xpkt_err_set(err, "--xen: cannot set the trace event mask: %s", strerror(errno));
		goto fail;
	}
	current_rec = r;
	r->enabled = 1; /* from here on, every exit path disables */
	if (xc_tbuf_enable(r->xch, (kb + 3) / 4, &tinfo_mfn, &tinfo_bytes)) {
		xpkt_err_set(err, "--xen: cannot enable trace buffers of %lu KiB per CPU: %s", kb,
			     strerror(errno));
		goto fail;
	}
	if (map_buffers(r, tinfo_mfn, tinfo_bytes, err))
		goto fail;
	r->win = malloc(xpkt_xen_window_cap(r->data_size));
	if (!r->win) {
		xpkt_err_set(err, "--xen: out of memory");
		goto fail;
	}
	/* A previous session's unread records are not this recording's. */
	for (unsigned cpu = 0; cpu < r->ncpus; cpu++)
		if (r->bufs[cpu]) {
			volatile uint32_t *meta = r->bufs[cpu];

			meta[0] = meta[1];
		}
	if (afile_open(&r->af, opts->path, err))
		goto fail;
	r->af_open = 1;
	cpumap = xc_cpumap_alloc(r->xch);
	if (!cpumap) {
		xpkt_err_set(err, "--xen: out of memory");
		goto fail;
	}
	memset(cpumap, 0xff, (size_t)xc_get_cpumap_size(r->xch));
	n = xc_tbuf_set_cpu_mask(r->xch, cpumap);
	free(cpumap);
	if (n) {
		xpkt_err_set(err, "--xen: cannot set the trace CPU mask: %s", strerror(errno));
		goto fail;
	}
	if (xc_tbuf_set_evt_mask(r->xch, r->mask)) {
		xpkt_err_set(err, "--xen: cannot set the trace event mask: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&r->thread, NULL, reader_main, r)) {
		xpkt_err_set(err, "--xen: cannot start the reader thread");
		goto fail;
	}
	r->thread_started = 1;
	return r;
fail:
	xpkt_xen_free(r);
	return NULL;
}

void xpkt_xen_stats(struct xpkt_xen_rec *r, struct xpkt_xen_stats *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&r->lock);
	st->counts = r->counts;
	pthread_mutex_unlock(&r->lock);
	st->ncpus = r->active;
	st->buffer_kb = r->pages * (PAGE_BYTES / 1024);
	st->evt_mask = r->mask;
	st->lost = st->counts.xen_lost + st->counts.dropped_records;
}

static void stop_thread(struct xpkt_xen_rec *r)
{
	if (r->thread_started) {
		__atomic_store_n(&r->stop_flag, 1, __ATOMIC_RELEASE);
		pthread_join(r->thread, NULL);
		r->thread_started = 0;
	}
}

int xpkt_xen_stop(struct xpkt_xen_rec *r, struct xpkt_xen_stats *st, struct xpkt_err *err)
{
	int rc = 0;

	if (r->stopped)
		return xpkt_err_set(err, "--xen: recorder already stopped");
	r->stopped = 1;
	stop_thread(r);
	disable_tracing(r);
	pthread_mutex_lock(&r->lock);
	drain_all(r); /* nothing new arrives after disable: this pass is the last */
	if (!r->counts.windows && !r->failed) {
		/* No record at all: one empty window keeps the file a valid xentrace file. */
		uint8_t hdr[XPKT_XEN_WINDOW_HDR_BYTES];

		wr32(hdr, TRC_TRACE_CPU_CHANGE_W);
		wr32(hdr + 4, 0);
		wr32(hdr + 8, 0);
		if (fwrite(hdr, sizeof(hdr), 1, r->af.fp) != 1)
			set_failed(r, "write failed");
	}
	pthread_mutex_unlock(&r->lock);
	unmap_all(r);
	if (r->failed) {
		afile_abort(&r->af);
		rc = xpkt_err_set(err, "%s: %s", r->af.path, r->why);
	} else {
		rc = afile_commit(&r->af, err);
	}
	r->af_open = 0;
	if (st)
		xpkt_xen_stats(r, st);
	return rc;
}

void xpkt_xen_free(struct xpkt_xen_rec *r)
{
	if (!r)
		return;
	stop_thread(r);
	if (r->xch)
		disable_tracing(r);
	if (current_rec == r)
		current_rec = NULL;
	if (r->fmem) {
		unmap_all(r);
		xenforeignmemory_close(r->fmem);
	}
	if (r->af_open)
		afile_abort(&r->af);
	if (r->xch)
		xc_interface_close(r->xch);
	pthread_mutex_destroy(&r->lock);
	free(r->win);
	free(r);
}

void xpkt_xen_emergency_cleanup(void)
{
	struct xpkt_xen_rec *r = current_rec;

	if (r && r->xch && r->enabled)
		xc_tbuf_disable(r->xch);
}
