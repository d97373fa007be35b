// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace_rec.c - the tracefs recorder (see ftrace_rec.h).
 *
 * Kernel facts relied on (kernel/trace/trace.c, ring_buffer.c):
 * - splice() from trace_pipe_raw moves whole sub-buffers only; the page being
 *   written is returned by read() once tracing is off, so stop() turns tracing
 *   off first and then read()s what is left.
 * - rmdir of an instance fails with EBUSY while any of its files is open, so
 *   every reader is closed before the instance is removed.
 * - per_cpu/cpuN/stats "overrun" counts events overwritten before they were
 *   read, "dropped events" those refused when the buffer was full, "commit
 *   overrun" those lost inside a nested write; "read events" plus "entries"
 *   is everything written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <tracefs.h>
#include <unistd.h>

#include "capture/ftrace_rec.h"
#include "capture/fclone.h"
#include "capture/kprobe_args.h"
#include "lib/files.h"
#include "lib/afile.h"

#define INSTANCE_PREFIX "xpkttrace-"
/* kprobe groups: '-' is not allowed in a group name, so '_' */
#define KPROBE_GROUP_PREFIX "xpkttrace_"
#define PIPE_PAGES	    16

struct cpu_reader {
	struct xpkt_ftrace_rec *r;
	int cpu;
	int raw_fd;
	int out_fd;
	int pipe_fd[2];
	pthread_t thread;
	int started;
	_Atomic uint64_t bytes;
	int err_no; /* first error of this reader, 0 if none */
	const char *err_what;
	uint64_t overrun, dropped, commit_overrun, written;
};

struct xpkt_ftrace_rec {
	struct tracefs_instance *inst;
	char inst_dir[4096];
	char dir[4096];
	char clock[16];
	long page_size;
	int ncpus;
	struct cpu_reader *cpus;
	const struct xpkt_evset *set;
	atomic_int stop;
	int stopped;
	int tracing_on_fd; /* pre-opened for the crash handler */
	int events_enable_fd;
	/* kprobes: group "xpkttrace_PID"; per set entry whether it was created,
	 * and the errno of a probe the kernel refused (then not recorded) */
	char kp_group[32];
	int kp_created[XPKT_EVSET_MAX];
	/* removed again at the end: still "created" for meta.json and the
	 * manifest, which are written after the removal and list what is in the
	 * trace (clearing kp_created there dropped every kprobe from both) */
	int kp_removed[XPKT_EVSET_MAX];
	int kp_errno[XPKT_EVSET_MAX];
	char kp_remove[XPKT_EVSET_MAX][96]; /* "-:GROUP/NAME", for the crash handler */
	char kprobe_events[4200];
};

static char tracing_dir[4096];
/* The live recorder, for the crash handler (one per process). */
static struct xpkt_ftrace_rec *volatile current_rec;

const char *xpkt_ftrace_dir(void)
{
	return tracing_dir;
}

int xpkt_ftrace_check(struct xpkt_err *err)
{
	const char *mnt = "/sys/kernel/tracing";
	char path[4200];
	const char *d;

	if (geteuid() != 0)
		return xpkt_err_set(err, "recording needs root (tracefs instances and buffers)");
	d = tracefs_tracing_dir();
	if (d) {
		snprintf(path, sizeof(path), "%s/instances", d);
		if (access(path, W_OK) == 0) {
			snprintf(tracing_dir, sizeof(tracing_dir), "%s", d);
			return 0;
		}
	}
	/* Not mounted (or libtracefs found nothing usable): mount it ourselves. */
	if (mount("nodev", mnt, "tracefs", 0, NULL) && errno != EBUSY)
		return xpkt_err_set(err, "no tracefs: cannot mount it on %s: %s", mnt,
				    strerror(errno));
	snprintf(path, sizeof(path), "%s/instances", mnt);
	if (access(path, W_OK))
		return xpkt_err_set(err, "no tracefs: %s is not writable: %s", path,
				    strerror(errno));
	snprintf(tracing_dir, sizeof(tracing_dir), "%s", mnt);
	return 0;
}

int xpkt_ftrace_kprobe_line(char *buf, size_t len, int pid, const char *name, const char *probe)
{
	int n;

	/* Group and event names: letters, digits, '_' (kernel/trace/trace_probe.c). */
	for (const char *c = name; *c; c++)
		if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9')))
			return -1;
	if (!*name || pid <= 0)
		return -1;
	if (probe)
		n = snprintf(buf, len, "p:" KPROBE_GROUP_PREFIX "%d/%s %s", pid, name, probe);
	else
		n = snprintf(buf, len, "-:" KPROBE_GROUP_PREFIX "%d/%s", pid, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int xpkt_ftrace_kprobe_leftover(const char *line, int (*alive)(long pid), char *rm, size_t len)
{
	const char *g, *slash, *end;
	char *num_end;
	long pid;

	/* "p:GROUP/EVENT SYMBOL ARGS" (also "r:"); ours is GROUP xpkttrace_PID */
	if ((line[0] != 'p' && line[0] != 'r') || line[1] != ':')
		return 0;
	g = line + 2;
	if (strncmp(g, KPROBE_GROUP_PREFIX, strlen(KPROBE_GROUP_PREFIX)))
		return 0;
	pid = strtol(g + strlen(KPROBE_GROUP_PREFIX), &num_end, 10);
	if (num_end == g + strlen(KPROBE_GROUP_PREFIX) || *num_end != '/' || pid <= 0)
		return 0;
	slash = num_end;
	end = slash + 1 + strcspn(slash + 1, " \t\n");
	if (end == slash + 1 || alive(pid))
		return 0;
	if ((size_t)snprintf(rm, len, "-:%.*s", (int)(end - g), g) >= len)
		return 0;
	return 1;
}

/* A PID is alive unless kill says it does not exist (a reused PID: leave it). */
static int pid_alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* Appends one command line to kprobe_events; -1 with errno. */
static int kprobe_cmd(const char *kprobe_events, const char *cmd)
{
	int fd = open(kprobe_events, O_WRONLY | O_APPEND | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) ? 0 : -1;
	if (rc) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

/* The tracefs system of set entry i: its kprobe group, or its own system. */
static const char *ev_system(const struct xpkt_ftrace_rec *r, unsigned i)
{
	return r->set->ev[i].kprobe[0] ? r->kp_group : r->set->ev[i].system;
}

/* Whether set entry i is in the trace (a refused kprobe is not). */
static int ev_recorded(const struct xpkt_ftrace_rec *r, unsigned i)
{
	return !r->set->ev[i].kprobe[0] || r->kp_created[i];
}

const char *xpkt_ftrace_refused(const struct xpkt_ftrace_rec *r, unsigned i, int *err_no)
{
	if (i >= r->set->n || !r->set->ev[i].kprobe[0] || r->kp_created[i])
		return NULL;
	*err_no = r->kp_errno[i];
	return r->set->ev[i].event;
}

/*
 * Creates the set's kprobes; a probe the kernel refuses is left out. Struct
 * offsets in fetch arguments ({sk_buff.len}) come from this kernel's BTF
 * (capture/kprobe_args.h); without BTF such a probe is left out too (ENOENT).
 */
static void create_kprobes(struct xpkt_ftrace_rec *r)
{
	char line[1280], fetch[1024];
	struct xpkt_btf btf = {0};
	int btf_tried = 0;

	for (unsigned i = 0; i < r->set->n; i++) {
		const char *k = r->set->ev[i].kprobe;
		struct xpkt_err err;

		if (!k[0])
			continue;
		if (strchr(k, '{') && !btf_tried) {
			btf_tried = 1;
			xpkt_btf_load(&btf, XPKT_BTF_VMLINUX, &err);
		}
		if (xpkt_kprobe_expand(k, fetch, sizeof(fetch), xpkt_btf_resolve, &btf, &err)) {
			r->kp_errno[i] = ENOENT;
			continue;
		}
		k = fetch;
		if (xpkt_ftrace_kprobe_line(line, sizeof(line), (int)getpid(), r->set->ev[i].event,
					    k) ||
		    xpkt_ftrace_kprobe_line(r->kp_remove[i], sizeof(r->kp_remove[i]), (int)getpid(),
					    r->set->ev[i].event, NULL)) {
			r->kp_errno[i] = EINVAL;
			continue;
		}
		/* ENOENT: no kprobe_events; EINVAL: symbol absent or inlined. */
		if (kprobe_cmd(r->kprobe_events, line)) {
			r->kp_errno[i] = errno;
			continue;
		}
		r->kp_created[i] = 1;
	}
	xpkt_btf_free(&btf);
}

/* Removes our kprobes; after the instance is gone (an enabled probe is busy). */
static void remove_kprobes(struct xpkt_ftrace_rec *r)
{
	for (unsigned i = 0; r->set && i < r->set->n; i++)
		if (r->kp_created[i] && !r->kp_removed[i] &&
		    !kprobe_cmd(r->kprobe_events, r->kp_remove[i]))
			r->kp_removed[i] = 1;
}

static int copy_out(const char *src_dir, const char *src, const char *dst_dir, const char *dst,
		    struct xpkt_err *err)
{
	char path[4200];
	size_t len;
	char *buf = xpkt_read_str(src_dir, src, &len);
	FILE *fp;
	int ok;

	if (!buf)
		return xpkt_err_set(err, "%s/%s: %s", src_dir, src, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", dst_dir, dst);
	fp = fopen(path, "w");
	ok = fp && fwrite(buf, 1, len, fp) == len;
	if (fp && fclose(fp))
		ok = 0;
	free(buf);
	return ok ? 0 : xpkt_err_set(err, "%s: cannot write: %s", path, strerror(errno));
}

/* Turns an instance off and removes it; used for our own and for leftovers. */
static int remove_instance_dir(const char *inst_dir)
{
	xpkt_write_str(inst_dir, "tracing_on", "0");
	xpkt_write_str(inst_dir, "events/enable", "0");
	return rmdir(inst_dir);
}

int xpkt_ftrace_cleanup_leftovers(unsigned *removed, struct xpkt_err *err)
{
	char path[4400];
	struct dirent *de;
	DIR *d;

	*removed = 0;
	snprintf(path, sizeof(path), "%s/instances", tracing_dir);
	d = opendir(path);
	if (!d)
		return 0; /* no instances directory: nothing to clean */
	while ((de = readdir(d))) {
		const char *num = de->d_name + strlen(INSTANCE_PREFIX);
		char *end;
		long pid;

		if (strncmp(de->d_name, INSTANCE_PREFIX, strlen(INSTANCE_PREFIX)))
			continue;
		pid = strtol(num, &end, 10);
		/* A live PID is a recorder still running (or a reused PID: leave it). */
		if (end == num || *end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/instances/%.255s", tracing_dir, de->d_name);
		if (remove_instance_dir(path) && errno != ENOENT) {
			closedir(d);
			return xpkt_err_set(err, "%s: cannot remove leftover instance: %s", path,
					    strerror(errno));
		}
		(*removed)++;
	}
	closedir(d);
	/* Then kprobes of dead recorders (their instances, which kept them busy, are gone). */
	{
		char *list = xpkt_read_str(tracing_dir, "kprobe_events", NULL), rm[128];

		snprintf(path, sizeof(path), "%s/kprobe_events", tracing_dir);
		for (char *save = NULL, *l = list ? strtok_r(list, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save)) {
			if (!xpkt_ftrace_kprobe_leftover(l, pid_alive, rm, sizeof(rm)))
				continue;
			if (kprobe_cmd(path, rm) && errno != ENOENT) {
				free(list);
				return xpkt_err_set(err, "%s: cannot remove leftover %s: %s", path,
						    rm + 2, strerror(errno));
			}
			(*removed)++;
		}
		free(list);
	}
	return 0;
}

static int reader_fail(struct cpu_reader *c, const char *what)
{
	if (!c->err_no) {
		c->err_no = errno ? errno : EIO;
		c->err_what = what;
	}
	return -1;
}

/* Moves n bytes from the reader's pipe into its file. */
static int pipe_to_file(struct cpu_reader *c, size_t n)
{
	while (n) {
		ssize_t m = splice(c->pipe_fd[0], NULL, c->out_fd, NULL, n, SPLICE_F_MOVE);

		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return reader_fail(c, "splice to file");
		n -= (size_t)m;
		atomic_fetch_add(&c->bytes, (uint64_t)m);
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct cpu_reader *c = arg;
	struct xpkt_ftrace_rec *r = c->r;
	size_t chunk = (size_t)r->page_size * PIPE_PAGES;
	char *page;
	sigset_t all;

	/* Signals go to the main thread, which decides when to stop. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		ssize_t n = splice(c->raw_fd, NULL, c->pipe_fd[1], NULL, chunk,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n > 0) {
			if (pipe_to_file(c, (size_t)n))
				return NULL;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			reader_fail(c, "splice from trace_pipe_raw");
			return NULL;
		}
		if (atomic_load(&r->stop))
			break;
		/* No full page yet: wait for one, or for stop, a tenth of a second at most. */
		struct pollfd pfd = {.fd = c->raw_fd, .events = POLLIN};

		poll(&pfd, 1, 100);
	}
	/*
	 * Tracing is off now. Full pages were spliced above; what is left is the
	 * page the kernel was writing, which only read() returns.
	 */
	page = malloc((size_t)r->page_size);
	if (!page) {
		reader_fail(c, "out of memory");
		return NULL;
	}
	for (;;) {
		ssize_t n = read(c->raw_fd, page, (size_t)r->page_size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep the file a sequence of whole pages; the page header says how much is data.
		 */
		if (n < r->page_size)
			memset(page + n, 0, (size_t)(r->page_size - n));
		if (write(c->out_fd, page, (size_t)r->page_size) != r->page_size) {
			reader_fail(c, "write");
			break;
		}
		atomic_fetch_add(&c->bytes, (uint64_t)r->page_size);
	}
	free(page);
	return NULL;
}

static uint64_t stat_field(const char *stats, const char *key)
{
	const char *p = stats;
	size_t kl = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return strtoull(p + kl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* Reads per_cpu/cpuN/stats; 0 on success. */
static int read_cpu_stats(struct xpkt_ftrace_rec *r, int cpu, uint64_t *written, uint64_t *overrun,
			  uint64_t *dropped, uint64_t *commit_overrun)
{
	char file[64];
	char *s;

	snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
	s = xpkt_read_str(r->inst_dir, file, NULL);
	if (!s)
		return -1;
	*written = stat_field(s, "entries") + stat_field(s, "read events");
	*overrun = stat_field(s, "overrun");
	*dropped = stat_field(s, "dropped events");
	*commit_overrun = stat_field(s, "commit overrun");
	free(s);
	return 0;
}

void xpkt_ftrace_stats(struct xpkt_ftrace_rec *r, struct xpkt_ftrace_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < r->ncpus; i++) {
		struct cpu_reader *c = &r->cpus[i];
		uint64_t w, o, d, co;

		st->bytes += atomic_load(&c->bytes);
		if (r->stopped) {
			w = c->written, o = c->overrun, d = c->dropped, co = c->commit_overrun;
		} else if (read_cpu_stats(r, c->cpu, &w, &o, &d, &co)) {
			continue;
		}
		st->events += w;
		st->lost += o + d + co;
	}
}

const char *xpkt_ftrace_clock(const struct xpkt_ftrace_rec *r)
{
	return r->clock;
}

/* trace_clock lists the offered clocks, the current one in brackets. */
static int choose_clock(struct xpkt_ftrace_rec *r, struct xpkt_err *err)
{
	char *clocks = xpkt_read_str(r->inst_dir, "trace_clock", NULL);
	const char *want = "mono";

	if (!clocks)
		return xpkt_err_set(err, "%s/trace_clock: %s", r->inst_dir, strerror(errno));
	for (char *tok = strtok(clocks, " []\n"); tok; tok = strtok(NULL, " []\n"))
		if (!strcmp(tok, "x86-tsc"))
			want = "x86-tsc";
	free(clocks);
	if (xpkt_write_str(r->inst_dir, "trace_clock", want))
		return xpkt_err_set(err, "%s/trace_clock: cannot set %s: %s", r->inst_dir, want,
				    strerror(errno));
	snprintf(r->clock, sizeof(r->clock), "%s", want);
	return 0;
}

static int save_formats(struct xpkt_ftrace_rec *r, struct xpkt_err *err)
{
	char src[256], dst[4200];
	const struct xpkt_evset *set = r->set;

	if (copy_out(r->inst_dir, "events/header_page", r->dir, "header_page", err) ||
	    copy_out(r->inst_dir, "events/header_event", r->dir, "header_event", err))
		return -1;
	snprintf(dst, sizeof(dst), "%s/events", r->dir);
	if (mkdir(dst, 0755) && errno != EEXIST)
		return xpkt_err_set(err, "%s: %s", dst, strerror(errno));
	for (unsigned i = 0; i < set->n; i++) {
		if (!ev_recorded(r, i))
			continue;
		snprintf(dst, sizeof(dst), "%s/events/%s", r->dir, set->ev[i].system);
		if (mkdir(dst, 0755) && errno != EEXIST)
			return xpkt_err_set(err, "%s: %s", dst, strerror(errno));
		snprintf(dst, sizeof(dst), "%s/events/%s/%s", r->dir, set->ev[i].system,
			 set->ev[i].event);
		if (mkdir(dst, 0755) && errno != EEXIST)
			return xpkt_err_set(err, "%s: %s", dst, strerror(errno));
		if (!ev_recorded(r, i))
			continue;
		/* kprobes are saved under system "kprobe", the name tp_map.c maps */
		snprintf(src, sizeof(src), "events/%s/%s/format", ev_system(r, i),
			 set->ev[i].event);
		if (copy_out(r->inst_dir, src, dst, "format", err))
			return -1;
	}
	return 0;
}

/* Sub-buffer size: buffer_subbuf_size_kb where the kernel has it (6.8+), else the page. */
static long subbuf_size(const char *inst_dir)
{
	char *s = xpkt_read_str(inst_dir, "buffer_subbuf_size_kb", NULL);
	long kb = s ? strtol(s, NULL, 10) : 0;

	free(s);
	return kb > 0 ? kb * 1024 : sysconf(_SC_PAGESIZE);
}

static int open_readers(struct xpkt_ftrace_rec *r, struct xpkt_err *err)
{
	char path[4200];

	for (int i = 0; i < r->ncpus; i++) {
		struct cpu_reader *c = &r->cpus[i];

		c->r = r;
		c->cpu = i;
		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/trace_pipe_raw", r->inst_dir, i);
		c->raw_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->raw_fd < 0)
			return xpkt_err_set(err, "%s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "%s/cpu%d.raw", r->dir, i);
		c->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0)
			return xpkt_err_set(err, "%s: %s", path, strerror(errno));
		if (pipe2(c->pipe_fd, O_CLOEXEC))
			return xpkt_err_set(err, "pipe: %s", strerror(errno));
		/* Room for a chunk of pages, so one splice moves many. */
		fcntl(c->pipe_fd[1], F_SETPIPE_SZ, (int)(r->page_size * PIPE_PAGES));
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Joins readers, closes everything, removes the instance. Idempotent. */
static void teardown(struct xpkt_ftrace_rec *r)
{
	atomic_store(&r->stop, 1);
	if (r->tracing_on_fd >= 0)
		(void)!write(r->tracing_on_fd, "0", 1);
	for (int i = 0; i < r->ncpus; i++) {
		struct cpu_reader *c = &r->cpus[i];

		if (c->started)
			pthread_join(c->thread, NULL);
		c->started = 0;
		close_fd(&c->raw_fd);
		close_fd(&c->out_fd);
		close_fd(&c->pipe_fd[0]);
		close_fd(&c->pipe_fd[1]);
	}
	if (r->events_enable_fd >= 0)
		(void)!write(r->events_enable_fd, "0", 1);
	close_fd(&r->tracing_on_fd);
	close_fd(&r->events_enable_fd);
	current_rec = NULL;
	if (r->inst) {
		/* tracefs_instance_destroy is rmdir; disable first so nothing is left on. */
		for (unsigned i = 0; r->set && i < r->set->n; i++)
			if (ev_recorded(r, i))
				tracefs_event_disable(r->inst, ev_system(r, i),
						      r->set->ev[i].event);
		tracefs_instance_destroy(r->inst);
		tracefs_instance_free(r->inst);
		r->inst = NULL;
	}
	remove_kprobes(r);
}

static int write_meta(struct xpkt_ftrace_rec *r, int incomplete, struct xpkt_err *err)
{
	char path[4200];
	json_t *root = json_object(), *cpus = json_array(), *evs = json_array();
	json_t *filters = json_object();
	struct afile af;
	int rc;

	json_object_set_new(root, "format", json_string("xpkttrace-ftrace"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "clock", json_string(r->clock));
	json_object_set_new(root, "subbuf_size", json_integer(r->page_size));
	json_object_set_new(root, "long_size", json_integer((json_int_t)sizeof(long)));
	if (incomplete)
		json_object_set_new(root, "incomplete", json_true());
	for (unsigned i = 0; i < r->set->n; i++) {
		char name[128];

		if (!ev_recorded(r, i))
			continue;
		snprintf(name, sizeof(name), "%s:%s", r->set->ev[i].system, r->set->ev[i].event);
		json_array_append_new(evs, json_string(name));
	}
	json_object_set_new(root, "events", evs);
	for (unsigned i = 0; i < r->set->n; i++) {
		char name[128];

		if (!r->set->ev[i].filter[0])
			continue;
		snprintf(name, sizeof(name), "%s:%s", r->set->ev[i].system, r->set->ev[i].event);
		json_object_set_new(filters, name, json_string(r->set->ev[i].filter));
	}
	json_object_set_new(root, "filters", filters);
	for (int i = 0; i < r->ncpus; i++) {
		struct cpu_reader *c = &r->cpus[i];
		json_t *o = json_object();
		char file[32];

		snprintf(file, sizeof(file), "cpu%d.raw", c->cpu);
		json_object_set_new(o, "cpu", json_integer(c->cpu));
		json_object_set_new(o, "file", json_string(file));
		json_object_set_new(o, "bytes", json_integer((json_int_t)atomic_load(&c->bytes)));
		json_object_set_new(o, "events", json_integer((json_int_t)c->written));
		json_object_set_new(o, "overrun", json_integer((json_int_t)c->overrun));
		json_object_set_new(o, "dropped", json_integer((json_int_t)c->dropped));
		json_object_set_new(o, "commit_overrun",
				    json_integer((json_int_t)c->commit_overrun));
		json_object_set_new(
		    o, "lost_events",
		    json_integer((json_int_t)(c->overrun + c->dropped + c->commit_overrun)));
		json_array_append_new(cpus, o);
	}
	json_object_set_new(root, "cpus", cpus);
	snprintf(path, sizeof(path), "%s/meta.json", r->dir);
	if (afile_open(&af, path, err)) {
		json_decref(root);
		return -1;
	}
	rc = json_dumpf(root, af.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	fputc('\n', af.fp);
	if (rc) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: cannot write", path);
	}
	return afile_commit(&af, err);
}

struct xpkt_ftrace_rec *xpkt_ftrace_start(const struct xpkt_ftrace_opts *opts, struct xpkt_err *err)
{
	struct xpkt_ftrace_rec *r = calloc(1, sizeof(*r));
	char name[64], buf[32], *idir;
	unsigned removed;

	if (!r) {
		xpkt_err_set(err, "out of memory");
		return NULL;
	}
	r->tracing_on_fd = r->events_enable_fd = -1;
	r->set = opts->set;
	snprintf(r->dir, sizeof(r->dir), "%s", opts->dir);
	if (!tracing_dir[0] && xpkt_ftrace_check(err))
		goto fail;
	if (xpkt_ftrace_cleanup_leftovers(&removed, err))
		goto fail;
	if (mkdir(r->dir, 0755) && errno != EEXIST) {
		xpkt_err_set(err, "%s: %s", r->dir, strerror(errno));
		goto fail;
	}
	snprintf(name, sizeof(name), INSTANCE_PREFIX "%d", (int)getpid());
	r->inst = tracefs_instance_create(name);
	if (!r->inst) {
		xpkt_err_set(err, "cannot create tracefs instance %s: %s", name, strerror(errno));
		goto fail;
	}
	idir = tracefs_instance_get_dir(r->inst);
	if (!idir) {
		xpkt_err_set(err, "tracefs instance %s has no directory", name);
		goto fail;
	}
	snprintf(r->inst_dir, sizeof(r->inst_dir), "%s", idir);
	tracefs_put_tracing_file(idir);
	/* A new instance traces from birth; nothing is enabled yet, but be explicit. */
	if (xpkt_write_str(r->inst_dir, "tracing_on", "0")) {
		xpkt_err_set(err, "%s/tracing_on: %s", r->inst_dir, strerror(errno));
		goto fail;
	}
	if (choose_clock(r, err))
		goto fail;
	snprintf(buf, sizeof(buf), "%u",
		 opts->buffer_kb ? opts->buffer_kb : XPKT_FTRACE_DEFAULT_BUFFER_KB);
	if (xpkt_write_str(r->inst_dir, "buffer_size_kb", buf)) {
		xpkt_err_set(err, "%s/buffer_size_kb: cannot set %s: %s", r->inst_dir, buf,
			     strerror(errno));
		goto fail;
	}
	r->page_size = subbuf_size(r->inst_dir);
	r->ncpus = get_nprocs_conf();
	r->cpus = calloc((size_t)r->ncpus, sizeof(*r->cpus));
	if (!r->cpus) {
		xpkt_err_set(err, "out of memory");
		goto fail;
	}
	for (int i = 0; i < r->ncpus; i++)
		r->cpus[i].raw_fd = r->cpus[i].out_fd = r->cpus[i].pipe_fd[0] =
		    r->cpus[i].pipe_fd[1] = -1;
	snprintf(r->kp_group, sizeof(r->kp_group), KPROBE_GROUP_PREFIX "%d", (int)getpid());
	snprintf(r->kprobe_events, sizeof(r->kprobe_events), "%s/kprobe_events", tracing_dir);
	create_kprobes(r);
	for (unsigned i = 0; i < r->set->n; i++) {
		if (!ev_recorded(r, i))
			continue;
		/*
		 * The filter goes in before the event is on, so no record it
		 * excludes is ever written. A kernel whose format lacks a
		 * filter's field refuses it (EINVAL): an error, not a silent
		 * unfiltered trace.
		 */
		if (r->set->ev[i].filter[0] &&
		    tracefs_event_file_write(r->inst, ev_system(r, i), r->set->ev[i].event,
					     "filter", r->set->ev[i].filter) < 0) {
			xpkt_err_set(err, "cannot set filter '%s' on %s:%s in %s: %s",
				     r->set->ev[i].filter, r->set->ev[i].system,
				     r->set->ev[i].event, r->inst_dir, strerror(errno));
			goto fail;
		}
		if (tracefs_event_enable(r->inst, ev_system(r, i), r->set->ev[i].event)) {
			xpkt_err_set(err, "cannot enable %s:%s in %s", ev_system(r, i),
				     r->set->ev[i].event, r->inst_dir);
			goto fail;
		}
	}
	if (save_formats(r, err) || open_readers(r, err))
		goto fail;
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/tracing_on", r->inst_dir);
		r->tracing_on_fd = open(path, O_WRONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "%s/events/enable", r->inst_dir);
		r->events_enable_fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	current_rec = r;
	for (int i = 0; i < r->ncpus; i++) {
		if (pthread_create(&r->cpus[i].thread, NULL, reader_main, &r->cpus[i])) {
			xpkt_err_set(err, "cannot start reader thread for cpu %d", i);
			goto fail;
		}
		r->cpus[i].started = 1;
	}
	if (r->tracing_on_fd < 0 || write(r->tracing_on_fd, "1", 1) != 1) {
		xpkt_err_set(err, "%s/tracing_on: cannot turn tracing on", r->inst_dir);
		goto fail;
	}
	return r;
fail:
	teardown(r);
	free(r->cpus);
	free(r);
	return NULL;
}

int xpkt_ftrace_stop(struct xpkt_ftrace_rec *r, int incomplete, struct xpkt_ftrace_stats *st,
		     struct xpkt_err *err)
{
	int rc = 0;

	if (r->stopped)
		return xpkt_err_set(err, "recorder already stopped");
	/* Off first: the readers' final read() then returns the last partial page. */
	if (r->tracing_on_fd >= 0)
		(void)!write(r->tracing_on_fd, "0", 1);
	atomic_store(&r->stop, 1);
	for (int i = 0; i < r->ncpus; i++) {
		struct cpu_reader *c = &r->cpus[i];

		if (c->started)
			pthread_join(c->thread, NULL);
		c->started = 0;
		if (read_cpu_stats(r, c->cpu, &c->written, &c->overrun, &c->dropped,
				   &c->commit_overrun) &&
		    !rc)
			rc = xpkt_err_set(err, "%s/per_cpu/cpu%d/stats: %s", r->inst_dir, c->cpu,
					  strerror(errno));
		if (c->err_no && !rc)
			rc = xpkt_err_set(err, "%s/cpu%d.raw: %s: %s", r->dir, c->cpu, c->err_what,
					  strerror(c->err_no));
		if (c->out_fd >= 0 && fsync(c->out_fd) && !rc)
			rc = xpkt_err_set(err, "%s/cpu%d.raw: %s", r->dir, c->cpu, strerror(errno));
	}
	r->stopped = 1;
	teardown(r);
	if (write_meta(r, incomplete || rc, rc ? NULL : err) && !rc)
		rc = -1;
	if (st)
		xpkt_ftrace_stats(r, st);
	return rc;
}

void xpkt_ftrace_free(struct xpkt_ftrace_rec *r)
{
	if (!r)
		return;
	teardown(r);
	free(r->cpus);
	free(r);
}

void xpkt_ftrace_emergency_cleanup(void)
{
	struct xpkt_ftrace_rec *r = current_rec;

	if (!r)
		return;
	current_rec = NULL;
	if (r->tracing_on_fd >= 0)
		(void)!write(r->tracing_on_fd, "0", 1);
	if (r->events_enable_fd >= 0)
		(void)!write(r->events_enable_fd, "0", 1);
	close(r->tracing_on_fd);
	close(r->events_enable_fd);
	for (int i = 0; i < r->ncpus; i++)
		close(r->cpus[i].raw_fd);
	rmdir(r->inst_dir); /* EBUSY while a reader is inside a syscall: the next run cleans */
	/* kprobes: busy while the instance lives; then the next run removes them */
	for (unsigned i = 0; r->set && i < r->set->n; i++) {
		int fd;

		if (!r->kp_created[i] || r->kp_removed[i])
			continue;
		fd = open(r->kprobe_events, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd < 0)
			break;
		(void)!write(fd, r->kp_remove[i], strlen(r->kp_remove[i]));
		close(fd);
	}
}
