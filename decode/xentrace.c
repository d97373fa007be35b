// SPDX-License-Identifier: GPL-2.0
/*
 * xentrace.c - the xentrace file reader: window index, per-CPU cursors, a
 * k-way merge by TSC, and the "who runs where" tracker (decode/xentrace.h).
 *
 * Facts relied on (Xen 4.17 xen/common/trace.c, tools/xentrace/xentrace.c):
 * - xentrace copies whole records only (Xen moves its producer pointer after
 *   a record is complete), so a record never straddles a window: one that
 *   runs past its window's end means a corrupt file.
 * - Xen never splits a record at the end of its ring; it pads with a
 *   TRC_TRACE_WRAP_BUFFER record instead, which reads like any other record.
 * - Records of one CPU are in TSC order; CPUs are merged by TSC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/xentrace.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "xentrace files are x86 little-endian");

#define XT_CPU_CHANGE_HDR    (XT_TRC_TRACE_CPU_CHANGE | (2u << 28))
#define XT_MAX_TRACKED_VCPUS (1u << 16)

struct xt_window {
	uint64_t off; /* first data byte */
	uint64_t len;
};

struct xt_cpu {
	struct xt_window *win;
	size_t nwin, capwin, curwin;
	const uint8_t *p, *end; /* cursor in the current window */
	const uint8_t *head;	/* the pending record, NULL when exhausted */
	uint64_t head_tsc;
	uint64_t last_tsc;
	/* tracker */
	int32_t current; /* vcpu index, -1: unknown (xenalyze's p->current == NULL) */
	int lost_active;
};

struct xt_reader {
	char path[4096];
	int fd;
	const uint8_t *map;
	uint64_t size;
	unsigned ncpus;
	struct xt_cpu *cpus;
	uint16_t *heap; /* CPU ids with a pending record, min (tsc, cpu) first */
	unsigned nheap;
	int runner_up; /* the heap's second CPU, or -1: see xt_next */
	uint64_t records;
	long page;
	/* tracker */
	int32_t **dommap; /* [65537]: domid -> vcpu id -> index in vcpus, lazily */
	uint32_t *doms;	  /* domids with a dommap row, to free them */
	unsigned ndoms;
	struct xt_vcpu *vcpus;
	unsigned nvcpus, capvcpus;
	int lost_cpus;
};

static const char *const rs_names[XT_RS_MAX] = {
    "running", "runnable", "blocked", "offline", "lost", "queued", "init",
};

const char *xt_runstate_name(unsigned rs)
{
	return rs < XT_RS_MAX ? rs_names[rs] : "?";
}

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* ---- window index ------------------------------------------------------- */

static int add_window(struct xt_reader *r, uint32_t cpu, uint64_t off, uint64_t len)
{
	struct xt_cpu *c;

	if (cpu >= r->ncpus) {
		struct xt_cpu *n = realloc(r->cpus, (cpu + 1) * sizeof(*n));

		if (!n)
			return -1;
		memset(n + r->ncpus, 0, (cpu + 1 - r->ncpus) * sizeof(*n));
		for (unsigned i = r->ncpus; i <= cpu; i++)
			n[i].current = -1;
		r->cpus = n;
		r->ncpus = cpu + 1;
	}
	c = &r->cpus[cpu];
	if (c->nwin == c->capwin) {
		size_t cap = c->capwin ? 2 * c->capwin : 16;
		struct xt_window *w = realloc(c->win, cap * sizeof(*w));

		if (!w)
			return -1;
		c->win = w;
		c->capwin = cap;
	}
	c->win[c->nwin].off = off;
	c->win[c->nwin].len = len;
	c->nwin++;
	return 0;
}

static int index_windows(struct xt_reader *r, struct xpkt_err *err)
{
	uint64_t off = 0;

	while (off < r->size) {
		uint32_t hdr, cpu, len;

		if (r->size - off < 12)
			return xpkt_err_at(err, r->path, off,
					   "truncated window header (%llu bytes left, need 12)",
					   (unsigned long long)(r->size - off));
		hdr = rd32(r->map + off);
		if (hdr != XT_CPU_CHANGE_HDR)
			return xpkt_err_at(err, r->path, off,
					   off ? "expected a TRC_TRACE_CPU_CHANGE window header, "
						 "found 0x%08x"
					       : "not a xentrace file (first word 0x%08x is not a "
						 "TRC_TRACE_CPU_CHANGE record)",
					   hdr);
		cpu = rd32(r->map + off + 4);
		len = rd32(r->map + off + 8);
		if (cpu >= XT_MAX_CPUS)
			return xpkt_err_at(err, r->path, off, "window for CPU %u (limit %u)", cpu,
					   XT_MAX_CPUS);
		if (len > r->size - off - 12)
			return xpkt_err_at(err, r->path, off,
					   "window of %u bytes for CPU %u runs past the end of the "
					   "file (%llu bytes)",
					   len, cpu, (unsigned long long)r->size);
		if (len && add_window(r, cpu, off + 12, len))
			return xpkt_err_at(err, r->path, off, "out of memory");
		off += 12 + (uint64_t)len;
	}
	return 0;
}

/* ---- per-CPU cursor ------------------------------------------------------- */

static void drop_window_pages(struct xt_reader *r, const struct xt_window *w)
{
	/* Only whole pages inside the window: they hold nothing another CPU needs. */
	uint64_t a = (w->off + (uint64_t)r->page - 1) & ~((uint64_t)r->page - 1);
	uint64_t b = (w->off + w->len) & ~((uint64_t)r->page - 1);

	if (b > a)
		madvise((void *)(r->map + a), b - a, MADV_DONTNEED);
}

/* Loads CPU c's next record into c->head; -1 on a malformed record. */
static int cpu_advance(struct xt_reader *r, struct xt_cpu *c, struct xpkt_err *err)
{
	uint32_t hdr, size;

	while (c->p == c->end) {
		if (c->curwin > 0 && c->win[c->curwin - 1].len >= (uint64_t)4 * r->page)
			drop_window_pages(r, &c->win[c->curwin - 1]);
		if (c->curwin == c->nwin) {
			c->head = NULL;
			return 0;
		}
		c->p = r->map + c->win[c->curwin].off;
		c->end = c->p + c->win[c->curwin].len;
		c->curwin++;
	}
	if (c->end - c->p < 4)
		return xpkt_err_at(err, r->path, (uint64_t)(c->p - r->map),
				   "truncated record header at the end of a window");
	hdr = rd32(c->p);
	size = 4 + ((hdr >> 31) ? 8 : 0) + 4 * ((hdr >> 28) & 7);
	if ((uint64_t)(c->end - c->p) < size)
		return xpkt_err_at(err, r->path, (uint64_t)(c->p - r->map),
				   "record of %u bytes (event 0x%07x) runs past the end of its "
				   "window at offset %llu",
				   size, hdr & 0x0fffffffu, (unsigned long long)(c->end - r->map));
	if (hdr >> 31) {
		uint64_t tsc = rd32(c->p + 4) | (uint64_t)rd32(c->p + 8) << 32;

		c->last_tsc = tsc;
	}
	c->head = c->p;
	c->head_tsc = c->last_tsc;
	c->p += size;
	return 0;
}

static inline int heap_less(const struct xt_reader *r, uint16_t a, uint16_t b)
{
	uint64_t ta = r->cpus[a].head_tsc, tb = r->cpus[b].head_tsc;

	return ta < tb || (ta == tb && a < b);
}

/* The second CPU in merge order is one of the root's children. */
static void find_runner_up(struct xt_reader *r)
{
	if (r->nheap < 2)
		r->runner_up = -1;
	else if (r->nheap > 2 && heap_less(r, r->heap[2], r->heap[1]))
		r->runner_up = r->heap[2];
	else
		r->runner_up = r->heap[1];
}

static void heap_down(struct xt_reader *r, unsigned i)
{
	uint16_t *h = r->heap;
	unsigned n = r->nheap;

	for (;;) {
		unsigned l = 2 * i + 1, m = i;

		if (l < n && heap_less(r, h[l], h[m]))
			m = l;
		if (l + 1 < n && heap_less(r, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		uint16_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* ---- tracker (xenalyze's sched_*_process rules, the parts that decide who runs) ---- */

static int32_t vcpu_find(struct xt_reader *r, uint32_t dom, uint32_t vid)
{
	int32_t *m;

	if (dom > 65536 || vid >= XT_MAX_VCPUS)
		return -1;
	if (!r->dommap)
		r->dommap = calloc(65537, sizeof(*r->dommap));
	if (!r->doms)
		r->doms = malloc(65537 * sizeof(*r->doms));
	if (!r->dommap || !r->doms)
		return -1;
	m = r->dommap[dom];
	if (!m) {
		m = malloc(XT_MAX_VCPUS * sizeof(*m));
		if (!m)
			return -1;
		r->doms[r->ndoms++] = dom;
		for (unsigned i = 0; i < XT_MAX_VCPUS; i++)
			m[i] = -1;
		r->dommap[dom] = m;
	}
	if (m[vid] < 0) {
		struct xt_vcpu *v;

		if (r->nvcpus == XT_MAX_TRACKED_VCPUS)
			return -1;
		if (r->nvcpus == r->capvcpus) {
			unsigned cap = r->capvcpus ? 2 * r->capvcpus : 16;
			struct xt_vcpu *n = realloc(r->vcpus, cap * sizeof(*n));

			if (!n)
				return -1;
			r->vcpus = n;
			r->capvcpus = cap;
		}
		v = &r->vcpus[r->nvcpus];
		memset(v, 0, sizeof(*v));
		v->domid = dom;
		v->vcpu = (uint16_t)vid;
		v->state = XT_RS_INIT;
		v->pcpu = -1;
		m[vid] = (int32_t)r->nvcpus++;
	}
	return m[vid];
}

/* Closes the interval of v's old state (counted as xenalyze's update_cycles does). */
static void runstate_update(struct xt_vcpu *v, unsigned rs, uint64_t tsc)
{
	/*
	 * A lost-records record dates the loss from first_tsc, which may lie
	 * before the state it interrupts began (even before the file's first
	 * record): time never runs backwards for a vCPU, so that state ends
	 * where it began and the lost interval starts there too.
	 */
	if (tsc < v->state_tsc)
		tsc = v->state_tsc;
	if (v->state_tsc > 0 && v->state_tsc < tsc) {
		v->rs_count[v->state]++;
		v->rs_cycles[v->state] += tsc - v->state_tsc;
	}
	v->state = (uint8_t)rs;
	v->state_tsc = tsc;
}

static void prev_update(struct xt_reader *r, int32_t pcpu, int32_t vi, unsigned rs, uint64_t tsc)
{
	if (pcpu >= 0 && (unsigned)pcpu < r->ncpus)
		r->cpus[pcpu].current = -1;
	runstate_update(&r->vcpus[vi], rs, tsc);
}

static void next_update(struct xt_reader *r, unsigned pcpu, int32_t vi, uint64_t tsc)
{
	struct xt_vcpu *v = &r->vcpus[vi];

	r->cpus[pcpu].current = -1;
	v->activated = 1;
	runstate_update(v, XT_RS_RUNNING, tsc);
	v->pcpu = (int32_t)pcpu;
	r->cpus[pcpu].current = vi;
}

static void lose_others(struct xt_reader *r, uint64_t tsc)
{
	/* A lost CPU may have run any vCPU that is not visibly running elsewhere. */
	for (unsigned i = 0; i < r->nvcpus; i++)
		if (r->vcpus[i].domid != XT_DOM_DEFAULT && r->vcpus[i].state != XT_RS_RUNNING &&
		    r->vcpus[i].state != XT_RS_INIT)
			runstate_update(&r->vcpus[i], XT_RS_LOST, tsc);
}

static void track_runstate(struct xt_reader *r, const struct xt_rec *rec)
{
	unsigned lo = rec->event & 0xf, nw = (rec->event >> 4) & 0xf, old = (rec->event >> 8) & 0xf;
	struct xt_cpu *c = &r->cpus[rec->cpu];
	struct xt_vcpu *v;
	int32_t vi;

	if (rec->nextra < 1 || (lo != 1 && lo != 2))
		return;
	if (lo == 2) /* TRC_SCHED_CONTINUE_RUNNING */
		nw = old = XT_RS_RUNNING;
	vi = vcpu_find(r, rec->extra[0] >> 16, rec->extra[0] & 0xffff);
	if (vi < 0)
		return;
	v = &r->vcpus[vi];
	if (v->state == XT_RS_INIT) {
		/* Start of day: the vCPU leaves INIT only when seen running. */
		if (old == XT_RS_RUNNING)
			c->current = -1;
		if (nw != XT_RS_RUNNING)
			return;
		runstate_update(v, XT_RS_RUNNING, rec->tsc);
		v->activated = 1;
		v->pcpu = rec->cpu;
		c->current = vi;
		return;
	}
	if (v->state != old) {
		if (v->state == XT_RS_LOST ? nw != XT_RS_RUNNING : v->state == XT_RS_RUNNING)
			return;
	}
	if (lo == 2) {
		runstate_update(v, XT_RS_RUNNING, rec->tsc);
	} else if (old == XT_RS_RUNNING || v->state == XT_RS_RUNNING) {
		prev_update(r, old == XT_RS_RUNNING ? rec->cpu : v->pcpu, vi, nw, rec->tsc);
		if (r->lost_cpus && v->domid != XT_DOM_IDLE)
			runstate_update(v, XT_RS_LOST, rec->tsc);
	} else if (nw == XT_RS_RUNNING) {
		next_update(r, rec->cpu, vi, rec->tsc);
	} else {
		runstate_update(v, nw, rec->tsc);
	}
}

static void track(struct xt_reader *r, const struct xt_rec *rec)
{
	struct xt_cpu *c = &r->cpus[rec->cpu];
	uint32_t ev = rec->event;

	if ((ev & 0xfffff000u) == XT_TRC_SCHED_MIN) {
		track_runstate(r, rec);
	} else if (ev == XT_TRC_SCHED_SWITCH && rec->nextra >= 4) {
		/*
		 * xenalyze takes runstates from TRC_SCHED_RUNSTATE_CHANGE only
		 * (Xen 4.17 writes the switch first, then prev's and next's
		 * runstate changes, which settle who runs). The switch names
		 * the next vCPU too, so it sets the CPU's current vCPU without
		 * touching runstates: files with switches only still work.
		 */
		int32_t next;

		if (rec->extra[3] >= XT_MAX_VCPUS)
			return;
		next = vcpu_find(r, rec->extra[2] & 0xffff, rec->extra[3]);
		if (next >= 0)
			c->current = next;
	} else if (ev == XT_TRC_LOST_RECORDS && rec->nextra == 4) {
		uint64_t first_tsc = rec->extra[2] | (uint64_t)rec->extra[3] << 32;
		int32_t vi;

		/*
		 * What ran before the loss stops being known at first_tsc; the
		 * record names who ran when it was written, and that vCPU is
		 * current again from the record's own TSC.
		 */
		if (c->current >= 0)
			prev_update(r, rec->cpu, c->current, XT_RS_LOST, first_tsc);
		if (!c->lost_active)
			r->lost_cpus++;
		c->lost_active = 1;
		lose_others(r, first_tsc);
		if (rec->tsc > first_tsc) {
			vi = vcpu_find(r, rec->extra[1] & 0xffff, rec->extra[1] >> 16);
			if (vi >= 0 && c->current < 0)
				next_update(r, rec->cpu, vi, rec->tsc);
			c->lost_active = 0;
			r->lost_cpus--;
		}
	}
}

/* ---- public -------------------------------------------------------------- */

struct xt_reader *xt_open(const char *path, struct xpkt_err *err)
{
	struct xt_reader *r = calloc(1, sizeof(*r));
	struct stat st;

	if (!r) {
		xpkt_err_set(err, "%s: out of memory", path);
		return NULL;
	}
	r->fd = -1;
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->page = sysconf(_SC_PAGESIZE);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		xpkt_err_set(err, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		xpkt_err_set(err, "%s: not a regular file", path);
		goto fail;
	}
	r->size = (uint64_t)st.st_size;
	if (r->size == 0) {
		xpkt_err_at(err, path, 0, "empty file, not a xentrace file");
		goto fail;
	}
	r->map = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		xpkt_err_set(err, "%s: cannot map: %s", path, strerror(errno));
		goto fail;
	}
	if (index_windows(r, err))
		goto fail;
	r->heap = malloc((r->ncpus ? r->ncpus : 1) * sizeof(*r->heap));
	if (!r->heap) {
		xpkt_err_set(err, "%s: out of memory", path);
		goto fail;
	}
	for (unsigned i = 0; i < r->ncpus; i++) {
		/* xenalyze's "default domain" vCPU runs on a CPU until its first schedule. */
		int32_t vi = vcpu_find(r, XT_DOM_DEFAULT, i < XT_MAX_VCPUS ? i : 0);

		if (vi >= 0) {
			r->vcpus[vi].state = XT_RS_RUNNING;
			r->vcpus[vi].activated = 1;
			r->vcpus[vi].pcpu = (int32_t)i;
		}
		r->cpus[i].current = vi;
		if (cpu_advance(r, &r->cpus[i], err))
			goto fail;
		if (r->cpus[i].head)
			r->heap[r->nheap++] = (uint16_t)i;
	}
	for (unsigned i = r->nheap / 2; i-- > 0;)
		heap_down(r, i);
	find_runner_up(r);
	return r;
fail:
	xt_close(r);
	return NULL;
}

int xt_next(struct xt_reader *r, struct xt_rec *rec, struct xpkt_err *err)
{
	struct xt_cpu *c;
	const uint8_t *p;
	uint32_t hdr;
	unsigned cpu, n;

	if (!r->nheap)
		return 0;
	cpu = r->heap[0];
	c = &r->cpus[cpu];
	p = c->head;
	hdr = rd32(p);
	n = (hdr >> 28) & 7;
	rec->event = hdr & 0x0fffffffu;
	rec->nextra = (uint8_t)n;
	rec->has_tsc = (uint8_t)(hdr >> 31);
	rec->cpu = (uint16_t)cpu;
	rec->tsc = c->head_tsc;
	rec->offset = (uint64_t)(p - r->map);
	p += rec->has_tsc ? 12 : 4;
	memcpy(rec->extra, p, 4 * n);
	rec->size_bytes = 4 + (rec->has_tsc ? 8 : 0) + 4 * n;
	if (c->current >= 0) {
		rec->cur_dom = r->vcpus[c->current].domid;
		rec->cur_vcpu = r->vcpus[c->current].vcpu;
		rec->cur_index = c->current;
	} else {
		rec->cur_index = -1;
		rec->cur_dom = XT_DOM_NONE;
		rec->cur_vcpu = 0;
	}
	track(r, rec);
	r->records++;
	if (cpu_advance(r, c, err))
		return -1;
	/*
	 * Records of one CPU come in long runs between the other CPUs' records:
	 * while the root stays ahead of the runner-up it stays the root, and
	 * the heap need not be touched (most records take this path).
	 */
	if (c->head && (r->runner_up < 0 || heap_less(r, (uint16_t)cpu, (uint16_t)r->runner_up)))
		return 1;
	if (!c->head)
		r->heap[0] = r->heap[--r->nheap];
	heap_down(r, 0);
	find_runner_up(r);
	return 1;
}

void xt_close(struct xt_reader *r)
{
	if (!r)
		return;
	if (r->map)
		munmap((void *)r->map, r->size);
	if (r->fd >= 0)
		close(r->fd);
	for (unsigned i = 0; i < r->ncpus; i++)
		free(r->cpus[i].win);
	free(r->cpus);
	free(r->heap);
	for (unsigned i = 0; i < r->ndoms; i++)
		free(r->dommap[r->doms[i]]);
	free(r->dommap);
	free(r->doms);
	free(r->vcpus);
	free(r);
}

unsigned xt_ncpus(const struct xt_reader *r)
{
	return r->ncpus;
}

uint64_t xt_records(const struct xt_reader *r)
{
	return r->records;
}

unsigned xt_nvcpus(const struct xt_reader *r)
{
	return r->nvcpus;
}

const struct xt_vcpu *xt_vcpu_at(const struct xt_reader *r, unsigned i)
{
	return i < r->nvcpus ? &r->vcpus[i] : NULL;
}
