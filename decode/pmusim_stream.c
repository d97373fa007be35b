// SPDX-License-Identifier: GPL-2.0
/*
 * pmusim_stream.c - the pmu-sim decoder: the QEMU plugin's counter stream
 * (pmu-sim/stream_format.h, docs/pmu-sim.md) as XPKT_EV_SIM_PMU events.
 *
 * Each vCPU buffers its records (256 KiB) and writes them as one chunk, so
 * the file holds per-vCPU runs in time order, interleaved. A first pass
 * checks every record and notes each vCPU's runs (offset, count); the
 * events then come from a merge of one cursor per vCPU by tsc (ties by
 * vCPU), reading the runs back with pread: memory is a few records per vCPU
 * and a run list, not the file (a busy boot writes 15 MB/s).
 *
 * Before the counters, five events give model instance 0's geometry
 * (XPKT_SIM_EV_MODEL_*), so the correlator can label its results. ts stays
 * the plugin's host TSC: the manifest's tsc_offset puts it on the trace's
 * clock (the guest-visible TSC under TCG is the host's plus an offset fixed
 * while the VM runs, docs/pmu-sim.md "Timebase").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/pmusim_stream.h"
#include "pmu-sim/stream_format.h"

#define MAX_VCPUS  4096 /* QEMU's x86 limit is far lower; bounds a hostile header */
#define MAX_MODELS 16	/* the plugin's limit (docs/pmu-sim.md) */
#define CUR_RECS   16	/* records a cursor reads at once */

/* Offsets of model 0's counters in a record's counter[] (stream_format.h). */
#define M0(i) (PMU_STREAM_VCPU_COUNTERS + (i))

struct run {
	uint64_t off; /* file offset of the first record */
	uint32_t n;   /* records */
};

struct simrec {
	uint64_t tsc;
	uint16_t kind;
	uint64_t v[XPKT_SIM_COUNTERS];
};

struct cursor {
	struct run *runs;
	uint32_t nruns, cap;
	uint32_t run, pos; /* next record: runs[run], pos-th */
	struct simrec buf[CUR_RECS];
	uint32_t nbuf, ibuf;
	uint64_t last_tsc; /* first pass: per-vCPU order check */
	uint8_t seen;
};

struct pms_priv {
	int fd;
	char path[4096];
	struct pmu_stream_header h;
	struct pmu_stream_model m0;
	struct cursor *cur;  /* [n_vcpus] */
	uint8_t *raw;	     /* one read of CUR_RECS records */
	unsigned model_next; /* model events still to emit: 1..5, then 6 = done */
	uint64_t model_ts;
	uint64_t nrecords;
};

static void pms_close(struct xpkt_stream *s)
{
	struct pms_priv *p = s->priv;

	if (!p)
		return;
	if (p->cur)
		for (uint32_t i = 0; i < p->h.n_vcpus; i++)
			free(p->cur[i].runs);
	free(p->cur);
	free(p->raw);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	s->priv = NULL;
}

static uint64_t rd64(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, 8); /* the format is little-endian, as are x86 hosts */
	return v;
}

static void decode_rec(const uint8_t *b, struct simrec *r)
{
	const uint8_t *c = b + sizeof(struct pmu_stream_record);

	r->tsc = rd64(b);
	memcpy(&r->kind, b + 12, 2);
	r->v[XPKT_SIM_INSNS] = rd64(c + 8 * 0);
	r->v[XPKT_SIM_L1D_MISS] = rd64(c + 8 * M0(3));
	r->v[XPKT_SIM_L2_MISS] = rd64(c + 8 * M0(5));
	r->v[XPKT_SIM_DTLB_MISS] = rd64(c + 8 * M0(9));
	r->v[XPKT_SIM_ITLB_MISS] = rd64(c + 8 * M0(7));
}

static int add_run(struct cursor *c, uint64_t off)
{
	if (c->nruns == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 4;
		struct run *n = realloc(c->runs, cap * sizeof(*n));

		if (!n)
			return -1;
		c->runs = n;
		c->cap = cap;
	}
	c->runs[c->nruns++] = (struct run){.off = off, .n = 0};
	return 0;
}

static int check_header(struct pms_priv *p, uint64_t size, struct xpkt_err *err)
{
	const struct pmu_stream_header *h = &p->h;

	if (size < sizeof(*h))
		return xpkt_err_at(err, p->path, size, "truncated header (%llu of %zu bytes)",
				   (unsigned long long)size, sizeof(*h));
	if (memcmp(h->magic, PMU_STREAM_MAGIC, 8))
		return xpkt_err_at(err, p->path, 0, "not a pmu-sim stream (magic is not %s)",
				   PMU_STREAM_MAGIC);
	if (h->version != PMU_STREAM_VERSION)
		return xpkt_err_at(err, p->path, 8, "version %u, only %d is known", h->version,
				   PMU_STREAM_VERSION);
	if (h->n_models < 1 || h->n_models > MAX_MODELS)
		return xpkt_err_at(err, p->path, 20, "n_models %u, want 1..%d", h->n_models,
				   MAX_MODELS);
	if (h->header_bytes != sizeof(*h) + sizeof(struct pmu_stream_model) * h->n_models)
		return xpkt_err_at(
		    err, p->path, 12, "header_bytes %u, want %zu for %u models", h->header_bytes,
		    sizeof(*h) + sizeof(struct pmu_stream_model) * h->n_models, h->n_models);
	if (h->n_vcpus < 1 || h->n_vcpus > MAX_VCPUS)
		return xpkt_err_at(err, p->path, 16, "n_vcpus %u, want 1..%d", h->n_vcpus,
				   MAX_VCPUS);
	if (h->n_counters != PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * h->n_models)
		return xpkt_err_at(
		    err, p->path, 24, "n_counters %u, want %u for %u models", h->n_counters,
		    PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * h->n_models,
		    h->n_models);
	if (h->record_bytes != sizeof(struct pmu_stream_record) + 8 * h->n_counters)
		return xpkt_err_at(err, p->path, 28, "record_bytes %u, want %zu", h->record_bytes,
				   sizeof(struct pmu_stream_record) + 8 * (size_t)h->n_counters);
	if (size < h->header_bytes)
		return xpkt_err_at(err, p->path, size, "truncated model descriptions (%u bytes)",
				   h->header_bytes);
	return 0;
}

/* First pass: check every record, note each vCPU's runs. */
static int index_records(struct pms_priv *p, uint64_t size, struct xpkt_err *err)
{
	const uint32_t rb = p->h.record_bytes;
	uint64_t off = p->h.header_bytes;
	int prev_vcpu = -1;
	FILE *fp = fdopen(dup(p->fd), "rb");
	uint8_t *b = p->raw;
	int rc = 0;

	if (!fp)
		return xpkt_err_set(err, "%s: %s", p->path, strerror(errno));
	if (fseeko(fp, (off_t)off, SEEK_SET)) {
		fclose(fp);
		return xpkt_err_set(err, "%s: %s", p->path, strerror(errno));
	}
	for (; off < size; off += rb) {
		struct cursor *c;
		uint32_t vcpu;
		uint16_t kind;
		uint64_t tsc;

		if (size - off < rb) {
			rc = xpkt_err_at(err, p->path, off, "truncated record (%llu of %u bytes)",
					 (unsigned long long)(size - off), rb);
			break;
		}
		if (fread(b, rb, 1, fp) != 1) {
			rc = xpkt_err_at(err, p->path, off, "read failed: %s",
					 ferror(fp) ? strerror(errno) : "file shrank");
			break;
		}
		tsc = rd64(b);
		memcpy(&vcpu, b + 8, 4);
		memcpy(&kind, b + 12, 2);
		if (vcpu >= p->h.n_vcpus) {
			rc = xpkt_err_at(err, p->path, off,
					 "record of vcpu %u, header says %u vcpus", vcpu,
					 p->h.n_vcpus);
			break;
		}
		if (kind > PMU_STREAM_FINAL) {
			rc = xpkt_err_at(err, p->path, off, "record kind %u unknown", kind);
			break;
		}
		c = &p->cur[vcpu];
		/* The plugin writes a vCPU's records in time order: a step back is damage. */
		if (c->seen && tsc < c->last_tsc) {
			rc =
			    xpkt_err_at(err, p->path, off,
					"vcpu %u: tsc %llu before its previous record's %llu", vcpu,
					(unsigned long long)tsc, (unsigned long long)c->last_tsc);
			break;
		}
		if ((int)vcpu != prev_vcpu || !c->nruns || c->runs[c->nruns - 1].n == UINT32_MAX) {
			if (add_run(c, off)) {
				rc = xpkt_err_set(err, "%s: out of memory", p->path);
				break;
			}
		}
		c->runs[c->nruns - 1].n++;
		/* model events go first: at or before every record */
		if (tsc < p->model_ts)
			p->model_ts = tsc;
		c->seen = 1;
		c->last_tsc = tsc;
		prev_vcpu = (int)vcpu;
		p->nrecords++;
	}
	fclose(fp);
	return rc;
}

/* Refills a cursor's buffer from its runs: 1 records there, 0 none left, -1 error. */
static int refill(struct pms_priv *p, struct cursor *c, struct xpkt_err *err)
{
	const uint32_t rb = p->h.record_bytes;
	uint32_t n;
	uint64_t off;
	ssize_t got;

	while (c->run < c->nruns && c->pos == c->runs[c->run].n) {
		c->run++;
		c->pos = 0;
	}
	if (c->run == c->nruns)
		return 0;
	n = c->runs[c->run].n - c->pos;
	if (n > CUR_RECS)
		n = CUR_RECS;
	off = c->runs[c->run].off + (uint64_t)c->pos * rb;
	got = pread(p->fd, p->raw, (size_t)n * rb, (off_t)off);
	if (got != (ssize_t)((size_t)n * rb))
		return xpkt_err_at(err, p->path, off, "read failed: %s",
				   got < 0 ? strerror(errno) : "file shrank");
	for (uint32_t i = 0; i < n; i++)
		decode_rec(p->raw + (size_t)i * rb, &c->buf[i]);
	c->pos += n;
	c->nbuf = n;
	c->ibuf = 0;
	return 1;
}

static const char *model_field(const struct pmu_stream_model *m, unsigned kind)
{
	switch (kind) {
	case XPKT_SIM_EV_MODEL_L1I:
		return m->l1i;
	case XPKT_SIM_EV_MODEL_L1D:
		return m->l1d;
	case XPKT_SIM_EV_MODEL_L2:
		return m->l2;
	case XPKT_SIM_EV_MODEL_ITLB:
		return m->itlb;
	default:
		return m->dtlb;
	}
}

static int pms_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	struct pms_priv *p = s->priv;
	struct cursor *best = NULL;
	uint32_t best_vcpu = 0;

	memset(ev, 0, sizeof(*ev));
	ev->id = XPKT_EV_SIM_PMU;
	if (p->model_next <= XPKT_SIM_EV_MODEL_DTLB) {
		const char *g = model_field(&p->m0, p->model_next);
		size_t n = strnlen(g, 40);

		if (n > sizeof(ev->pmu) - 1)
			n = sizeof(ev->pmu) - 1;
		memcpy(ev->pmu, g, n);
		ev->ts = p->model_ts;
		ev->arg = p->h.n_models;
		ev->arg2 = p->model_next++;
		ev->gref = p->h.n_vcpus;
		return 1;
	}
	for (uint32_t v = 0; v < p->h.n_vcpus; v++) {
		struct cursor *c = &p->cur[v];

		if (!c->nruns)
			continue;
		if (c->ibuf == c->nbuf) {
			int rc = refill(p, c, err);

			if (rc < 0)
				return -1;
			if (!rc) {
				c->nruns = 0; /* exhausted */
				continue;
			}
		}
		if (!best || c->buf[c->ibuf].tsc < best->buf[best->ibuf].tsc) {
			best = c;
			best_vcpu = v;
		}
	}
	if (!best)
		return 0;
	{
		const struct simrec *r = &best->buf[best->ibuf++];

		ev->ts = r->tsc;
		ev->cpu = (uint16_t)best_vcpu;
		ev->arg = r->kind;
		ev->arg2 = XPKT_SIM_EV_COUNTERS;
		xpkt_sim_event_set(ev, r->v);
	}
	return 1;
}

int xpkt_pmusim_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err)
{
	struct pms_priv *p = calloc(1, sizeof(*p));
	uint64_t size;
	off_t end;

	if (!p)
		return xpkt_err_set(err, "%s: out of memory", path);
	p->fd = -1;
	s->priv = p;
	s->close = pms_close;
	s->next = pms_next;
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		xpkt_err_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	end = lseek(p->fd, 0, SEEK_END);
	if (end < 0) {
		xpkt_err_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	size = (uint64_t)end;
	if (pread(p->fd, &p->h, sizeof(p->h), 0) != (ssize_t)sizeof(p->h))
		memset(&p->h, 0, sizeof(p->h));
	if (check_header(p, size, err))
		goto fail;
	if (pread(p->fd, &p->m0, sizeof(p->m0), sizeof(p->h)) != (ssize_t)sizeof(p->m0)) {
		xpkt_err_at(err, path, sizeof(p->h), "cannot read model 0");
		goto fail;
	}
	p->cur = calloc(p->h.n_vcpus, sizeof(*p->cur));
	p->raw = malloc((size_t)p->h.record_bytes * CUR_RECS);
	if (!p->cur || !p->raw) {
		xpkt_err_set(err, "%s: out of memory", path);
		goto fail;
	}
	p->model_ts = p->h.start_tsc;
	if (index_records(p, size, err))
		goto fail;
	p->model_next = XPKT_SIM_EV_MODEL_L1I;
	return 0;
fail:
	pms_close(s);
	s->next = NULL;
	s->close = NULL;
	return -1;
}
