// SPDX-License-Identifier: GPL-2.0
/*
 * perf_rec.c - the PC-sample recorder and, in group mode, the PMU group
 * reader (see perf_rec.h, capture/pmu.h).
 *
 * Kernel facts relied on (kernel/events/core.c, ring_buffer.c and
 * include/uapi/linux/perf_event.h):
 * - The ring is 1 + 2^n pages: page 0 is struct perf_event_mmap_page, the
 *   rest the data. The kernel writes records at data_head and publishes it
 *   with a release; user space reads data_head with an acquire, copies, and
 *   stores data_tail with a release to free the space. Records are 8-byte
 *   aligned and the data size is a power of 2, so a record's 8-byte header
 *   never wraps, but its body may.
 * - A record the kernel could not write because the ring was full is
 *   counted and later reported as one PERF_RECORD_LOST {id, lost}; with
 *   sample_id_all it carries the sample's TID/TIME/CPU fields at its end.
 * - A CPU-wide event (pid -1, cpu N) needs CAP_PERFMON (root) whatever
 *   perf_event_paranoid says; offline CPUs answer ENODEV.
 * - cap_user_time_zero (and time_zero/mult/shift) are filled only when
 *   perf's clock is the TSC scaled the kernel's way (arch/x86/events/core.c,
 *   arch_perf_update_userpage, needs a stable sched_clock); otherwise the
 *   events are reopened with use_clockid = CLOCK_MONOTONIC_RAW.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "capture/perf_rec.h"
#include "capture/pmu.h"
#include "capture/tsc.h"
#include "lib/afile.h"

#define MAX_RECORD_BYTES 65536 /* perf_event_header.size is a u16 */

struct perf_cpu {
	int cpu;
	int fd;	  /* owns the ring: the cpu-clock event, or the first group's leader */
	int *fds; /* group mode: every leader and sibling, -1 where not open */
	unsigned nfds;
	void *map;
	size_t map_bytes;
	uint64_t data_bytes; /* a power of 2 */
	struct afile out;
	int out_open;
	struct xpkt_perf_file_hdr hdr;
	int err_no; /* first error of the reader on this CPU */
	const char *err_what;
};

struct xpkt_perf_rec {
	char dir[4096];
	unsigned freq_hz;
	const struct xpkt_perf_opts *opts; /* group mode; valid during start only */
	unsigned ntps, ncounters;
	uint32_t tp_ids[64];
	uint32_t ctr_type[4];
	uint64_t ctr_config[4];
	enum xpkt_perf_time_conv conv;
	struct perf_cpu *cpus;
	unsigned ncpus;
	pthread_t thread;
	int thread_started;
	atomic_int stop;
	int stopped;
	_Atomic uint64_t samples, lost, bytes;
	unsigned char rec[MAX_RECORD_BYTES];
};

uint64_t xpkt_perf_tsc_to_time(const struct xpkt_perf_file_hdr *h, uint64_t tsc)
{
	/* The kernel's quot/rem split, so the product never overflows 64 bits. */
	uint64_t quot = h->time_shift < 64 ? tsc >> h->time_shift : 0;
	uint64_t rem = h->time_shift < 64 ? tsc & ((1ull << h->time_shift) - 1) : tsc;

	return h->time_zero + quot * h->time_mult + ((rem * h->time_mult) >> h->time_shift);
}

uint64_t xpkt_perf_time_to_tsc(const struct xpkt_perf_file_hdr *h, uint64_t time)
{
	if (h->time_conv == XPKT_PERF_TIME_ZERO) {
		/*
		 * Forward: time = time_zero + floor(tsc * mult / 2^shift). The
		 * smallest tsc reaching time is ceil((time - time_zero) *
		 * 2^shift / mult).
		 */
		unsigned __int128 d, q;

		if (time < h->time_zero || !h->time_mult || h->time_shift >= 64)
			return 0;
		d = (unsigned __int128)(time - h->time_zero) << h->time_shift;
		q = (d + h->time_mult - 1) / h->time_mult;
		return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
	}
	{
		__int128 dn = (__int128)time - (__int128)h->ns0;
		__int128 dt = (__int128)h->tsc1 - (__int128)h->tsc0;
		__int128 dns = (__int128)h->ns1 - (__int128)h->ns0, v, num;

		if (dns <= 0)
			return 0;
		num = dn * dt;
		/* floor division for negative numerators too */
		v = num / dns;
		if (num % dns && ((num < 0) != (dns < 0)))
			v--;
		v += h->tsc0;
		if (v < 0)
			return 0;
		return v > (__int128)UINT64_MAX ? UINT64_MAX : (uint64_t)v;
	}
}

static uint64_t mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The tightest of a few (rdtsc, MONOTONIC_RAW, rdtsc) brackets; tsc at its middle. */
static void time_pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	*tsc = *ns = 0;
	for (int i = 0; i < 32; i++) {
		uint64_t t0 = xpkt_rdtsc(), c = mono_raw_ns(), t1 = xpkt_rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = c;
		}
	}
}

static int open_event(int cpu, unsigned freq_hz, uint64_t wakeup_bytes, int use_clockid)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.freq = 1;
	a.sample_freq = freq_hz;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
	/* LOST records get TID/TIME/CPU too: a lost span has a place in time */
	a.sample_id_all = 1;
	a.disabled = 1;
	/* wake the reader when a quarter of the ring is full, not per sample */
	a.watermark = 1;
	a.wakeup_watermark = (uint32_t)wakeup_bytes;
	if (use_clockid) {
		a.use_clockid = 1;
		a.clockid = CLOCK_MONOTONIC_RAW;
	}
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Reads the mmap page's time fields consistently (the page's seqlock). */
static int read_time_zero(struct perf_event_mmap_page *pg, struct xpkt_perf_file_hdr *h)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t seq = __atomic_load_n(&pg->lock, __ATOMIC_ACQUIRE);
		int cap = pg->cap_user_time_zero;

		h->time_zero = pg->time_zero;
		h->time_mult = pg->time_mult;
		h->time_shift = pg->time_shift;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&pg->lock, __ATOMIC_RELAXED) == seq)
			return cap && h->time_mult ? 1 : 0;
	}
	return 0;
}

static void close_cpu(struct perf_cpu *c)
{
	if (c->map && c->map != MAP_FAILED)
		munmap(c->map, c->map_bytes);
	c->map = NULL;
	for (unsigned i = 0; c->fds && i < c->nfds; i++)
		if (c->fds[i] >= 0 && c->fds[i] != c->fd)
			close(c->fds[i]);
	free(c->fds);
	c->fds = NULL;
	c->nfds = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

#define GROUP_SAMPLE_TYPE (PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW | PERF_SAMPLE_READ)
#define GROUP_READ_FORMAT (PERF_FORMAT_GROUP | PERF_FORMAT_ID)

static int open_group_event(uint32_t type, uint64_t config, int cpu, int leader_fd, int sample,
			    uint64_t wakeup_bytes, int use_clockid)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config = config;
	a.read_format = GROUP_READ_FORMAT;
	if (sample) {
		/* every hit is a sample, carrying its RAW record and the group's values */
		a.sample_period = 1;
		a.sample_type = GROUP_SAMPLE_TYPE;
		a.sample_id_all = 1;
		a.watermark = 1;
		a.wakeup_watermark = (uint32_t)wakeup_bytes;
	}
	/* the leader starts disabled; members follow its enable */
	a.disabled = leader_fd < 0;
	if (use_clockid) {
		a.use_clockid = 1;
		a.clockid = CLOCK_MONOTONIC_RAW;
	}
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, leader_fd, PERF_FLAG_FD_CLOEXEC);
}

/*
 * Group mode: ONE group per CPU, led by the first counter, with the other
 * counters and then every stage tracepoint as members. A member's sample
 * with PERF_SAMPLE_READ | PERF_FORMAT_GROUP carries the values of the
 * whole group (perf_output_read_group reads event->group_leader's), so
 * every tracepoint reads the same counter instances and a delta between
 * two stages is a difference of one counter. (A group per tracepoint
 * would give each its own counters, started at different instants: their
 * differences are offsets, not costs.) Values come in group order:
 * counters first, then the tracepoints' own counts. The first tracepoint's
 * fd owns the ring; the others are redirected into it
 * (PERF_EVENT_IOC_SET_OUTPUT: same CPU, same clock).
 */
static int open_groups(struct xpkt_perf_rec *r, struct perf_cpu *c, int use_clockid,
		       struct xpkt_err *err)
{
	unsigned nc = r->ncounters;

	c->nfds = nc + r->ntps;
	c->fds = malloc(c->nfds * sizeof(*c->fds));
	if (!c->fds)
		return xpkt_err_set(err, "perf: out of memory");
	for (unsigned i = 0; i < c->nfds; i++)
		c->fds[i] = -1;
	for (unsigned k = 0; k < nc; k++) {
		int fd = open_group_event(r->ctr_type[k], r->ctr_config[k], c->cpu,
					  k ? c->fds[0] : -1, 0, 0, use_clockid);

		if (fd < 0)
			return xpkt_err_set(err, "perf_event_open(%s) on cpu %d: %s",
					    r->opts->counters[k], c->cpu, strerror(errno));
		c->fds[k] = fd;
	}
	for (unsigned t = 0; t < r->ntps; t++) {
		const struct xpkt_perf_tp *tp = &r->opts->tps[t];
		int fd = open_group_event(PERF_TYPE_TRACEPOINT, r->tp_ids[t], c->cpu, c->fds[0], 1,
					  c->data_bytes / 4, use_clockid);

		if (fd < 0)
			return xpkt_err_set(err,
					    "perf_event_open(PERF_TYPE_TRACEPOINT %s:%s) in the "
					    "group of %s on cpu %d: %s",
					    tp->system, tp->event, r->opts->counters[0], c->cpu,
					    strerror(errno));
		c->fds[nc + t] = fd;
		if (tp->filter[0] && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, tp->filter))
			return xpkt_err_set(err, "perf: filter '%s' of %s:%s: %s", tp->filter,
					    tp->system, tp->event, strerror(errno));
	}
	c->fd = c->fds[nc];
	return 0;
}

static int redirect_groups(struct xpkt_perf_rec *r, struct perf_cpu *c, struct xpkt_err *err)
{
	for (unsigned t = 1; t < r->ntps; t++)
		if (ioctl(c->fds[r->ncounters + t], PERF_EVENT_IOC_SET_OUTPUT, c->fd))
			return xpkt_err_set(err, "perf: PERF_EVENT_IOC_SET_OUTPUT on cpu %d: %s",
					    c->cpu, strerror(errno));
	return 0;
}

static int cpu_fail(struct perf_cpu *c, int e, const char *what)
{
	if (!c->err_no) {
		c->err_no = e ? e : EIO;
		c->err_what = what;
	}
	return -1;
}

/*
 * Copies every complete record between data_tail and data_head into the
 * CPU's file, then frees the space. A record whose size is impossible
 * means the ring is not what the ABI says: stop reading it.
 */
static int drain(struct xpkt_perf_rec *r, struct perf_cpu *c)
{
	struct perf_event_mmap_page *pg = c->map;
	/* data starts one page in (pg->data_offset says so on kernels since 4.1) */
	const unsigned char *data = (const unsigned char *)c->map + (c->map_bytes - c->data_bytes);
	uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = pg->data_tail, mask = c->data_bytes - 1;

	if (c->err_no)
		return -1;
	while (tail < head) {
		struct perf_event_header eh;
		uint64_t off = tail & mask, first;

		memcpy(&eh, data + off, sizeof(eh));
		if (eh.size < sizeof(eh) || eh.size % 8 || eh.size > head - tail)
			return cpu_fail(c, EPROTO, "corrupt ring record");
		first = c->data_bytes - off < eh.size ? c->data_bytes - off : eh.size;
		memcpy(r->rec, data + off, first);
		memcpy(r->rec + first, data, eh.size - first);
		if (fwrite(r->rec, 1, eh.size, c->out.fp) != eh.size)
			return cpu_fail(c, errno, "write");
		if (eh.type == PERF_RECORD_SAMPLE)
			atomic_fetch_add(&r->samples, 1);
		else if (eh.type == PERF_RECORD_LOST && eh.size >= 24) {
			uint64_t lost;

			memcpy(&lost, r->rec + 16, sizeof(lost));
			atomic_fetch_add(&r->lost, lost);
		}
		atomic_fetch_add(&r->bytes, eh.size);
		tail += eh.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
	return 0;
}

static void *reader_main(void *arg)
{
	struct xpkt_perf_rec *r = arg;
	struct pollfd *pfd = calloc(r->ncpus, sizeof(*pfd));
	sigset_t all;

	/* Signals go to the main thread, which decides when to stop. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (unsigned i = 0; pfd && i < r->ncpus; i++) {
		pfd[i].fd = r->cpus[i].fd;
		pfd[i].events = POLLIN;
	}
	while (!atomic_load(&r->stop)) {
		if (pfd)
			poll(pfd, r->ncpus, 100);
		else
			usleep(100000);
		for (unsigned i = 0; i < r->ncpus; i++)
			drain(r, &r->cpus[i]);
	}
	/* The events are disabled now: what is left in the rings is all there is. */
	for (unsigned i = 0; i < r->ncpus; i++)
		drain(r, &r->cpus[i]);
	free(pfd);
	return NULL;
}

static void free_cpus(struct xpkt_perf_rec *r)
{
	for (unsigned i = 0; i < r->ncpus; i++) {
		close_cpu(&r->cpus[i]);
		if (r->cpus[i].out_open)
			afile_abort(&r->cpus[i].out);
		r->cpus[i].out_open = 0;
	}
}

static int setup_cpu(struct xpkt_perf_rec *r, struct perf_cpu *c, unsigned pages, long page_bytes,
		     int use_clockid, struct xpkt_err *err)
{
	char path[4200];

	c->data_bytes = (uint64_t)pages * (uint64_t)page_bytes;
	if (r->ntps) {
		if (open_groups(r, c, use_clockid, err))
			return -1;
	} else {
		c->fd = open_event(c->cpu, r->freq_hz, c->data_bytes / 4, use_clockid);
	}
	if (c->fd < 0)
		return xpkt_err_set(err,
				    "perf_event_open(PERF_TYPE_SOFTWARE, cpu-clock, %u Hz) on cpu "
				    "%d: %s%s",
				    r->freq_hz, c->cpu, strerror(errno),
				    errno == EACCES || errno == EPERM
					? " (needs root, or perf_event_paranoid forbids it)"
					: "");
	c->map_bytes = (size_t)(pages + 1) * (size_t)page_bytes;
	c->map = mmap(NULL, c->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->map == MAP_FAILED) {
		int e = errno;

		c->map = NULL;
		return xpkt_err_set(err, "perf ring of cpu %d (%zu bytes): mmap: %s", c->cpu,
				    c->map_bytes, strerror(e));
	}
	if (r->ntps && redirect_groups(r, c, err))
		return -1;
	snprintf(path, sizeof(path), "%s/cpu%d.data", r->dir, c->cpu);
	if (afile_open(&c->out, path, err))
		return -1;
	c->out_open = 1;
	/* a placeholder: the real header, with the end pair, is written at stop */
	memset(&c->hdr, 0, sizeof(c->hdr));
	if (fwrite(&c->hdr, sizeof(c->hdr), 1, c->out.fp) != 1)
		return xpkt_err_set(err, "%s: write: %s", path, strerror(errno));
	return 0;
}

/* The leader enables its group (members were opened enabled). */
static int enable_cpu(struct xpkt_perf_rec *r, struct perf_cpu *c, unsigned long req)
{
	/* group mode: the group's leader, the first counter */
	return ioctl(r->ntps ? c->fds[0] : c->fd, req, 0);
}

/* Copies SRC to DST (a tracepoint format file: small). */
static int copy_file(const char *src, const char *dst, struct xpkt_err *err)
{
	char buf[65536];
	FILE *in = fopen(src, "r");
	struct afile out;
	size_t n;

	if (!in)
		return xpkt_err_set(err, "%s: %s", src, strerror(errno));
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	if (afile_open(&out, dst, err))
		return -1;
	if (fwrite(buf, 1, n, out.fp) != n) {
		afile_abort(&out);
		return xpkt_err_set(err, "%s: write: %s", dst, strerror(errno));
	}
	return afile_commit(&out, err);
}

/*
 * Group mode: tracepoint ids from tracefs, formats saved beside the data,
 * counters' attr values. Formats are written at the start so that even an
 * interrupted recording's files decode.
 */
static int group_setup(struct xpkt_perf_rec *r, const struct xpkt_perf_opts *o,
		       struct xpkt_err *err)
{
	char path[4400], dst[4400];

	if (o->ntps > sizeof(r->tp_ids) / sizeof(r->tp_ids[0]) || o->ncounters > 4 ||
	    !o->tracing_dir)
		return xpkt_err_set(err, "perf: %u tracepoints, %u counters: too many", o->ntps,
				    o->ncounters);
	r->opts = o;
	r->ncounters = o->ncounters;
	for (unsigned k = 0; k < o->ncounters; k++)
		if (xpkt_pmu_attr(o->counters[k], &r->ctr_type[k], &r->ctr_config[k]))
			return xpkt_err_set(err, "perf: unknown counter '%s'", o->counters[k]);
	snprintf(path, sizeof(path), "%s/events", r->dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	for (unsigned t = 0; t < o->ntps; t++) {
		const struct xpkt_perf_tp *tp = &o->tps[t];
		FILE *fp;
		unsigned id = 0;

		snprintf(path, sizeof(path), "%s/events/%s/%s/id", o->tracing_dir, tp->system,
			 tp->event);
		fp = fopen(path, "r");
		if (!fp || fscanf(fp, "%u", &id) != 1) {
			int e = errno;

			if (fp)
				fclose(fp);
			return xpkt_err_set(err, "%s: %s", path, fp ? "no id" : strerror(e));
		}
		fclose(fp);
		r->tp_ids[t] = id;
		snprintf(dst, sizeof(dst), "%s/events/%s", r->dir, tp->system);
		if (mkdir(dst, 0755) && errno != EEXIST)
			return xpkt_err_set(err, "%s: %s", dst, strerror(errno));
		snprintf(dst, sizeof(dst), "%s/events/%s/%s", r->dir, tp->system, tp->event);
		if (mkdir(dst, 0755) && errno != EEXIST)
			return xpkt_err_set(err, "%s: %s", dst, strerror(errno));
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", o->tracing_dir, tp->system,
			 tp->event);
		snprintf(dst, sizeof(dst), "%s/events/%s/%s/format", r->dir, tp->system, tp->event);
		if (copy_file(path, dst, err))
			return -1;
	}
	r->ntps = o->ntps;
	return 0;
}

/* A failed start leaves nothing behind: the saved formats, then the directories. */
static void remove_formats(const char *dir, const struct xpkt_perf_opts *o)
{
	char path[4400];

	for (unsigned t = 0; t < o->ntps; t++) {
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, o->tps[t].system,
			 o->tps[t].event);
		unlink(path);
		snprintf(path, sizeof(path), "%s/events/%s/%s", dir, o->tps[t].system,
			 o->tps[t].event);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/events/%s", dir, o->tps[t].system);
		rmdir(path); /* fails while another event of the system is left: fine */
	}
	snprintf(path, sizeof(path), "%s/events", dir);
	rmdir(path);
}

/* Whether sysfs says a CPU is online (a CPU-wide event on an offline one fails ENODEV). */
static int cpu_online(int cpu)
{
	char path[96];
	FILE *fp;
	int on = 1;

	if (cpu == 0)
		return 1; /* cpu0 has no "online" file on x86 unless hot-pluggable */
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fp = fopen(path, "r");
	if (!fp)
		return 1;
	if (fscanf(fp, "%d", &on) != 1)
		on = 1;
	fclose(fp);
	return on;
}

struct xpkt_perf_rec *xpkt_perf_start(const struct xpkt_perf_opts *opts, struct xpkt_err *err)
{
	struct xpkt_perf_rec *r;
	unsigned pages = opts->ring_pages ? opts->ring_pages : XPKT_PERF_DEFAULT_PAGES;
	long page_bytes = sysconf(_SC_PAGESIZE);
	int nconf = get_nprocs_conf(), use_clockid = 0, made_dir = 0;
	uint64_t tsc0, ns0;

	if (pages & (pages - 1))
		return xpkt_err_set(err, "perf ring pages %u: not a power of 2", pages), NULL;
	r = calloc(1, sizeof(*r));
	if (!r || nconf < 1) {
		free(r);
		return xpkt_err_set(err, "perf: out of memory"), NULL;
	}
	r->cpus = calloc((size_t)nconf, sizeof(*r->cpus));
	if (!r->cpus) {
		free(r);
		return xpkt_err_set(err, "perf: out of memory"), NULL;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", opts->dir);
	r->freq_hz = opts->freq_hz ? opts->freq_hz : XPKT_PERF_DEFAULT_HZ;
	if (mkdir(r->dir, 0755)) {
		if (errno != EEXIST) {
			xpkt_err_set(err, "%s: %s", r->dir, strerror(errno));
			goto fail;
		}
	} else {
		made_dir = 1;
	}
	for (int cpu = 0; cpu < nconf; cpu++) {
		if (!cpu_online(cpu))
			continue;
		r->cpus[r->ncpus].cpu = cpu;
		r->cpus[r->ncpus].fd = -1;
		r->ncpus++;
	}
	if (opts->ntps && group_setup(r, opts, err))
		goto fail;
	/*
	 * Which clock: open a cpu-clock event on cpu 0 on perf's own clock and
	 * look at its mmap page once it has run (a tracepoint may not fire);
	 * without cap_user_time_zero, every event uses CLOCK_MONOTONIC_RAW.
	 */
	r->ntps = 0;
	if (setup_cpu(r, &r->cpus[0], pages, page_bytes, 0, err))
		goto fail;
	ioctl(r->cpus[0].fd, PERF_EVENT_IOC_ENABLE, 0);
	{
		struct timespec nap = {0, 2 * 1000000L};

		nanosleep(&nap, NULL);
	}
	ioctl(r->cpus[0].fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read_time_zero(r->cpus[0].map, &r->cpus[0].hdr)) {
		r->conv = XPKT_PERF_TIME_ZERO;
		/* drop what the probe sampled: reset the ring by reopening */
	} else {
		r->conv = XPKT_PERF_TIME_PAIRS;
		use_clockid = 1;
	}
	close_cpu(&r->cpus[0]);
	afile_abort(&r->cpus[0].out);
	r->cpus[0].out_open = 0;
	r->ntps = opts->ntps;
	for (unsigned i = 0; i < r->ncpus; i++)
		if (setup_cpu(r, &r->cpus[i], pages, page_bytes, use_clockid, err))
			goto fail;
	time_pair(&tsc0, &ns0);
	for (unsigned i = 0; i < r->ncpus; i++) {
		struct xpkt_perf_file_hdr *h = &r->cpus[i].hdr;

		h->tsc0 = tsc0;
		h->ns0 = ns0;
	}
	if (pthread_create(&r->thread, NULL, reader_main, r)) {
		xpkt_err_set(err, "perf: cannot start the reader thread");
		goto fail;
	}
	r->thread_started = 1;
	for (unsigned i = 0; i < r->ncpus; i++)
		if (enable_cpu(r, &r->cpus[i], PERF_EVENT_IOC_ENABLE)) {
			xpkt_err_set(err, "perf: enabling the events of cpu %d: %s", r->cpus[i].cpu,
				     strerror(errno));
			goto fail;
		}
	r->opts = NULL;
	return r;
fail:
	remove_formats(r->dir, opts);
	xpkt_perf_free(r); /* removes the data files' temporaries */
	if (made_dir)
		rmdir(opts->dir);
	return NULL;
}

void xpkt_perf_stats(struct xpkt_perf_rec *r, struct xpkt_perf_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!r)
		return;
	st->samples = atomic_load(&r->samples);
	st->lost = atomic_load(&r->lost);
	st->bytes = atomic_load(&r->bytes);
	st->ncpus = r->ncpus;
}

const char *xpkt_perf_time_conv_name(const struct xpkt_perf_rec *r)
{
	return r->conv == XPKT_PERF_TIME_ZERO ? "time_zero" : "monotonic_raw";
}

int xpkt_perf_stop(struct xpkt_perf_rec *r, struct xpkt_perf_stats *st, struct xpkt_err *err)
{
	uint64_t tsc1, ns1;
	int rc = 0;

	if (r->stopped)
		return xpkt_err_set(err, "perf: stopped twice");
	r->stopped = 1;
	for (unsigned i = 0; i < r->ncpus; i++)
		enable_cpu(r, &r->cpus[i], PERF_EVENT_IOC_DISABLE);
	time_pair(&tsc1, &ns1);
	atomic_store(&r->stop, 1);
	if (r->thread_started)
		pthread_join(r->thread, NULL);
	r->thread_started = 0;
	for (unsigned i = 0; i < r->ncpus; i++) {
		struct perf_cpu *c = &r->cpus[i];
		struct xpkt_perf_file_hdr *h = &c->hdr;

		memcpy(h->magic, XPKT_PERF_MAGIC, sizeof(h->magic));
		h->version = XPKT_PERF_VERSION;
		h->hdr_bytes = XPKT_PERF_HDR_BYTES;
		h->sample_type =
		    PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
		if (r->ntps) {
			h->sample_type = GROUP_SAMPLE_TYPE;
			h->read_format = GROUP_READ_FORMAT;
			h->nvalues = r->ncounters + r->ntps;
			h->ncounters = r->ncounters;
		}
		h->cpu = (uint32_t)c->cpu;
		h->time_conv = r->conv;
		h->freq_hz = r->ntps ? 0 : r->freq_hz;
		h->tsc1 = tsc1;
		h->ns1 = ns1;
		/* time_zero and friends as the page has them now, after the last sample */
		if (r->conv == XPKT_PERF_TIME_ZERO && !read_time_zero(c->map, h) && !rc)
			rc = xpkt_err_set(err, "perf: cpu %d lost cap_user_time_zero mid-run",
					  c->cpu);
		if (c->err_no && !rc)
			rc = xpkt_err_set(err, "%s: %s: %s", c->out.path, c->err_what,
					  strerror(c->err_no));
		if (rc)
			continue;
		if (fseek(c->out.fp, 0, SEEK_SET) || fwrite(h, sizeof(*h), 1, c->out.fp) != 1) {
			rc = xpkt_err_set(err, "%s: write: %s", c->out.path, strerror(errno));
			continue;
		}
		c->out_open = 0;
		if (afile_commit(&c->out, err))
			rc = -1;
	}
	xpkt_perf_stats(r, st);
	free_cpus(r);
	return rc;
}

void xpkt_perf_free(struct xpkt_perf_rec *r)
{
	if (!r)
		return;
	if (r->thread_started) {
		atomic_store(&r->stop, 1);
		pthread_join(r->thread, NULL);
	}
	free_cpus(r);
	free(r->cpus);
	free(r);
}
