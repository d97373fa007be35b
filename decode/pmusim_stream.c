// SPDX-License-Identifier: GPL-2.0
/*
 * pmusim_stream.c - the pmu-sim decoder: the QEMU plugin's counter stream
 * (pmu-sim/stream_format.h, docs/pmu-sim.md) as XPKT_EV_SIM_PMU events.
 *
 * Each vCPU buffers its records (256 KiB) and writes them as one chunk, so
 * the file holds per-vCPU runs in time order, interleaved. A first pass
 * checks every record's head and notes each vCPU's runs (offset, bytes);
 * the events then come from a merge of one cursor per vCPU by tsc (ties by
 * vCPU), reading a run at a time with pread: memory is one run per vCPU,
 * a run list and the block table, not the file (a busy boot writes 15
 * MB/s).
 *
 * Before the counters, five events give model instance 0's geometry
 * (XPKT_SIM_EV_MODEL_*), so the correlator can label its results; with
 * several models, XPKT_EV_SIM_MODEL events then give each one's. A counter
 * record becomes, in this order, one XPKT_EV_SIM_MODEL per model (only with
 * several) and its XPKT_EV_SIM_PMU; a version 2 ANNOT record one
 * XPKT_EV_SIM_TB per entry, named by the TBDEFs read before it. ts stays
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
#include "lib/leb128.h"
#include "pmu-sim/stream_format.h"

#define MAX_VCPUS  4096	      /* QEMU's x86 limit is far lower; bounds a hostile header */
#define MAX_MODELS 16	      /* the plugin's limit (docs/pmu-sim.md) */
#define MAX_TBS	   (1u << 26) /* block ids: bounds a hostile TBDEF's table growth */
/* A run is read whole: the plugin flushes a vCPU's 256 KiB buffer at once,
 * and the index cuts runs at record boundaries below this size. */
#define RUN_BYTES (256u * 1024 + 16 + UINT16_MAX)

/* Offsets of model m's counters in a record's counter[] (stream_format.h). */
#define MODEL(m, i) (PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * (m) + (i))
#define M0(i)	    MODEL(0, i)

struct run {
	uint64_t off;	/* file offset of the first record */
	uint32_t bytes; /* whole records of one vCPU, <= RUN_BYTES */
};

struct cursor {
	struct run *runs;
	uint32_t nruns, cap;
	uint32_t run;	  /* next run to read */
	uint8_t *buf;	  /* the run being decoded (RUN_BYTES) */
	uint64_t buf_off; /* its file offset */
	uint32_t nbuf, ibuf;
	/* the record being emitted: events still due from it */
	uint64_t tsc;
	uint16_t kind;
	uint32_t rec_at;     /* its offset in buf */
	uint32_t emit_model; /* counter records: models emitted so far */
	uint32_t annot_pos;  /* ANNOT: next entry's offset in buf */
	uint32_t annot_end;
	uint8_t have;	   /* a record is loaded */
	uint64_t last_tsc; /* first pass: per-vCPU order check */
	uint8_t seen;
};

struct pms_priv {
	int fd;
	char path[4096];
	struct pmu_stream_header h;
	struct pmu_stream_model models[MAX_MODELS];
	struct cursor *cur; /* [n_vcpus] */
	unsigned geo_next;  /* geometry events emitted (model_event) */
	uint64_t model_ts;
	uint64_t nrecords;
	/* version 2: block id -> first instruction's address, from TBDEFs */
	uint64_t *tb_vaddr;
	uint8_t *tb_known;
	uint32_t ntb;
};

static void pms_close(struct xpkt_stream *s)
{
	struct pms_priv *p = s->priv;

	if (!p)
		return;
	if (p->cur)
		for (uint32_t i = 0; i < p->h.n_vcpus; i++) {
			free(p->cur[i].runs);
			free(p->cur[i].buf);
		}
	free(p->cur);
	free(p->tb_vaddr);
	free(p->tb_known);
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
	c->runs[c->nruns++] = (struct run){.off = off, .bytes = 0};
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
	if (h->version != PMU_STREAM_VERSION && h->version != PMU_STREAM_VERSION_ANNOT)
		return xpkt_err_at(err, p->path, 8, "version %u, only %d and %d are known",
				   h->version, PMU_STREAM_VERSION, PMU_STREAM_VERSION_ANNOT);
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

/* Bytes of the record whose 16-byte head is b (counter records: fixed). */
static uint32_t rec_bytes(const struct pms_priv *p, const uint8_t *b)
{
	uint16_t kind, payload;

	memcpy(&kind, b + 12, 2);
	memcpy(&payload, b + 14, 2);
	return kind >= PMU_STREAM_TBDEF ? (uint32_t)sizeof(struct pmu_stream_record) + payload
					: p->h.record_bytes;
}

/* First pass: check every record's head, note each vCPU's runs. */
static int index_records(struct pms_priv *p, uint64_t size, struct xpkt_err *err)
{
	const uint16_t max_kind =
	    p->h.version == PMU_STREAM_VERSION ? PMU_STREAM_FINAL : PMU_STREAM_ANNOT;
	uint64_t off = p->h.header_bytes;
	int prev_vcpu = -1;
	FILE *fp = fdopen(dup(p->fd), "rb");
	uint8_t b[sizeof(struct pmu_stream_record)];
	int rc = 0;

	if (!fp)
		return xpkt_err_set(err, "%s: %s", p->path, strerror(errno));
	if (fseeko(fp, (off_t)off, SEEK_SET)) {
		fclose(fp);
		return xpkt_err_set(err, "%s: %s", p->path, strerror(errno));
	}
	while (off < size) {
		struct cursor *c;
		uint32_t vcpu, rb;
		uint16_t kind;
		uint64_t tsc;

		if (size - off < sizeof(b)) {
			rc = xpkt_err_at(err, p->path, off,
					 "truncated record head (%llu of %zu bytes)",
					 (unsigned long long)(size - off), sizeof(b));
			break;
		}
		if (fread(b, sizeof(b), 1, fp) != 1) {
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
		if (kind > max_kind) {
			rc = xpkt_err_at(err, p->path, off, "record kind %u unknown in version %u",
					 kind, p->h.version);
			break;
		}
		rb = rec_bytes(p, b);
		if (size - off < rb) {
			rc = xpkt_err_at(err, p->path, off, "truncated record (%llu of %u bytes)",
					 (unsigned long long)(size - off), rb);
			break;
		}
		if (fseeko(fp, (off_t)(off + rb), SEEK_SET)) {
			rc = xpkt_err_set(err, "%s: %s", p->path, strerror(errno));
			break;
		}
		c = &p->cur[vcpu];
		/* The plugin writes a vCPU's records in time order: a step back is
		 * damage. TBDEFs carry no time. */
		if (kind != PMU_STREAM_TBDEF) {
			if (c->seen && tsc < c->last_tsc) {
				rc = xpkt_err_at(
				    err, p->path, off,
				    "vcpu %u: tsc %llu before its previous record's %llu", vcpu,
				    (unsigned long long)tsc, (unsigned long long)c->last_tsc);
				break;
			}
			/* model events go first: at or before every record */
			if (tsc < p->model_ts)
				p->model_ts = tsc;
			c->seen = 1;
			c->last_tsc = tsc;
		}
		if ((int)vcpu != prev_vcpu || !c->nruns ||
		    c->runs[c->nruns - 1].bytes + rb > RUN_BYTES) {
			if (add_run(c, off)) {
				rc = xpkt_err_set(err, "%s: out of memory", p->path);
				break;
			}
		}
		c->runs[c->nruns - 1].bytes += rb;
		prev_vcpu = (int)vcpu;
		p->nrecords++;
		off += rb;
	}
	fclose(fp);
	return rc;
}

/* Reads a cursor's next run: 1 done, 0 none left, -1 error. */
static int refill(struct pms_priv *p, struct cursor *c, struct xpkt_err *err)
{
	const struct run *r;
	ssize_t got;

	if (c->run == c->nruns)
		return 0;
	if (!c->buf && !(c->buf = malloc(RUN_BYTES)))
		return xpkt_err_set(err, "%s: out of memory", p->path);
	r = &c->runs[c->run++];
	got = pread(p->fd, c->buf, r->bytes, (off_t)r->off);
	if (got != (ssize_t)r->bytes)
		return xpkt_err_at(err, p->path, r->off, "read failed: %s",
				   got < 0 ? strerror(errno) : "file shrank");
	c->buf_off = r->off;
	c->nbuf = r->bytes;
	c->ibuf = 0;
	return 1;
}

static int tbdef(struct pms_priv *p, struct cursor *c, struct xpkt_err *err)
{
	struct pmu_stream_tbdef d;
	uint16_t payload;

	memcpy(&payload, c->buf + c->rec_at + 14, 2);
	if (payload != sizeof(d))
		return xpkt_err_at(err, p->path, c->buf_off + c->rec_at,
				   "TBDEF of %u bytes, want %zu", payload, sizeof(d));
	memcpy(&d, c->buf + c->rec_at + sizeof(struct pmu_stream_record), sizeof(d));
	if (d.id >= MAX_TBS)
		return xpkt_err_at(err, p->path, c->buf_off + c->rec_at,
				   "TBDEF block id %u above %u", d.id, MAX_TBS);
	if (d.id >= p->ntb) {
		uint32_t n = p->ntb ? p->ntb : 4096;
		uint64_t *v;
		uint8_t *k;

		while (n <= d.id)
			n *= 2;
		v = realloc(p->tb_vaddr, n * sizeof(*v));
		if (v)
			p->tb_vaddr = v;
		k = v ? realloc(p->tb_known, n) : NULL;
		if (!k)
			return xpkt_err_set(err, "%s: out of memory", p->path);
		memset(k + p->ntb, 0, n - p->ntb);
		p->tb_known = k;
		p->ntb = n;
	}
	p->tb_vaddr[d.id] = d.vaddr;
	p->tb_known[d.id] = 1;
	return 0;
}

/*
 * Loads the cursor's next record that yields events (TBDEFs are taken in
 * passing): 1 loaded, 0 none left, -1 error.
 */
static int load(struct pms_priv *p, struct cursor *c, struct xpkt_err *err)
{
	for (;;) {
		uint32_t rb;
		int rc;

		if (c->ibuf == c->nbuf) {
			rc = refill(p, c, err);
			if (rc <= 0)
				return rc;
		}
		rb = rec_bytes(p, c->buf + c->ibuf);
		if (rb > c->nbuf - c->ibuf) /* the index cut runs at record boundaries */
			return xpkt_err_at(err, p->path, c->buf_off + c->ibuf, "file changed");
		c->rec_at = c->ibuf;
		c->ibuf += rb;
		c->tsc = rd64(c->buf + c->rec_at);
		memcpy(&c->kind, c->buf + c->rec_at + 12, 2);
		if (c->kind == PMU_STREAM_TBDEF) {
			if (tbdef(p, c, err))
				return -1;
			continue;
		}
		c->emit_model = 0;
		c->annot_pos = c->rec_at + (uint32_t)sizeof(struct pmu_stream_record);
		c->annot_end = c->rec_at + rb;
		if (c->kind == PMU_STREAM_ANNOT && c->annot_pos == c->annot_end)
			continue; /* an empty ANNOT */
		c->have = 1;
		return 1;
	}
}

/* The next event of a loaded record into ev; clears c->have after its last. */
static int emit(struct pms_priv *p, struct cursor *c, uint32_t vcpu, struct xpkt_event *ev,
		struct xpkt_err *err)
{
	const uint8_t *cnt = c->buf + c->rec_at + sizeof(struct pmu_stream_record);

	ev->ts = c->tsc;
	ev->cpu = (uint16_t)vcpu;
	if (c->kind == PMU_STREAM_ANNOT) {
		uint32_t v[XPKT_SIMTB_COUNTERS], id;
		uint32_t at = c->annot_pos;
		size_t pos = c->annot_pos;

		if (xpkt_leb128_get32(c->buf, &pos, c->annot_end, &id))
			goto bad;
		for (unsigned i = 0; i < XPKT_SIMTB_COUNTERS; i++)
			if (xpkt_leb128_get32(c->buf, &pos, c->annot_end, &v[i]))
				goto bad;
		c->annot_pos = (uint32_t)pos;
		if (id >= p->ntb || !p->tb_known[id])
			return xpkt_err_at(err, p->path, c->buf_off + at,
					   "ANNOT names block %u before its TBDEF", id);
		ev->id = XPKT_EV_SIM_TB;
		ev->ip = p->tb_vaddr[id];
		xpkt_sim_tb_set(ev, v);
		if (c->annot_pos == c->annot_end)
			c->have = 0;
		return 0;
	bad:
		return xpkt_err_at(err, p->path, c->buf_off + at,
				   "ANNOT entry cut short or a count above 32 bits");
	}
	/* several models: each one's L2/TLB counters first, then model 0's event */
	if (p->h.n_models > 1 && c->emit_model < p->h.n_models) {
		unsigned m = c->emit_model++;
		uint64_t v[XPKT_SIMM_COUNTERS];

		v[XPKT_SIMM_L2_ACCESS] = rd64(cnt + 8 * MODEL(m, 4));
		v[XPKT_SIMM_L2_MISS] = rd64(cnt + 8 * MODEL(m, 5));
		v[XPKT_SIMM_ITLB_ACCESS] = rd64(cnt + 8 * MODEL(m, 6));
		v[XPKT_SIMM_ITLB_MISS] = rd64(cnt + 8 * MODEL(m, 7));
		v[XPKT_SIMM_DTLB_ACCESS] = rd64(cnt + 8 * MODEL(m, 8));
		v[XPKT_SIMM_DTLB_MISS] = rd64(cnt + 8 * MODEL(m, 9));
		ev->id = XPKT_EV_SIM_MODEL;
		xpkt_sim_model_set(ev, v);
		ev->arg2 = XPKT_SIM_EV_COUNTERS << 16 | m;
		return 0;
	}
	{
		uint64_t v[XPKT_SIM_COUNTERS];

		v[XPKT_SIM_INSNS] = rd64(cnt);
		v[XPKT_SIM_L1D_MISS] = rd64(cnt + 8 * M0(3));
		v[XPKT_SIM_L2_MISS] = rd64(cnt + 8 * M0(5));
		v[XPKT_SIM_DTLB_MISS] = rd64(cnt + 8 * M0(9));
		v[XPKT_SIM_ITLB_MISS] = rd64(cnt + 8 * M0(7));
		ev->id = XPKT_EV_SIM_PMU;
		ev->arg = c->kind;
		ev->arg2 = XPKT_SIM_EV_COUNTERS;
		xpkt_sim_event_set(ev, v);
		c->have = 0;
	}
	return 0;
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

/* Geometry events, geo_next counting: model 0's as XPKT_EV_SIM_PMU (what
 * the reports label), then, with several models, every model's as
 * XPKT_EV_SIM_MODEL. */
static unsigned geo_events(const struct pms_priv *p)
{
	return 5 + (p->h.n_models > 1 ? 5 * p->h.n_models : 0);
}

static void model_event(struct pms_priv *p, struct xpkt_event *ev)
{
	unsigned i = p->geo_next++;
	unsigned m = i < 5 ? 0 : (i - 5) / 5;
	unsigned kind = XPKT_SIM_EV_MODEL_L1I + i % 5;
	const char *g = model_field(&p->models[m], kind);
	size_t n = strnlen(g, 40);

	if (n > sizeof(ev->pmu) - 1)
		n = sizeof(ev->pmu) - 1;
	memcpy(ev->pmu, g, n);
	ev->ts = p->model_ts;
	if (i < 5) {
		ev->id = XPKT_EV_SIM_PMU;
		ev->arg = p->h.n_models;
		ev->arg2 = kind;
		ev->gref = p->h.n_vcpus;
	} else {
		ev->id = XPKT_EV_SIM_MODEL;
		ev->arg2 = kind << 16 | m;
	}
}

static int pms_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	struct pms_priv *p = s->priv;
	struct cursor *best = NULL;
	uint32_t best_vcpu = 0;

	memset(ev, 0, sizeof(*ev));
	if (p->geo_next < geo_events(p)) {
		model_event(p, ev);
		return 1;
	}
	for (uint32_t v = 0; v < p->h.n_vcpus; v++) {
		struct cursor *c = &p->cur[v];

		if (!c->have) {
			int rc = load(p, c, err);

			if (rc < 0)
				return -1;
			if (!rc)
				continue;
		}
		if (!best || c->tsc < best->tsc) {
			best = c;
			best_vcpu = v;
		}
	}
	if (!best)
		return 0;
	return emit(p, best, best_vcpu, ev, err) ? -1 : 1;
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
	if (pread(p->fd, p->models, sizeof(p->models[0]) * p->h.n_models, sizeof(p->h)) !=
	    (ssize_t)(sizeof(p->models[0]) * p->h.n_models)) {
		xpkt_err_at(err, path, sizeof(p->h), "cannot read the model descriptions");
		goto fail;
	}
	p->cur = calloc(p->h.n_vcpus, sizeof(*p->cur));
	if (!p->cur) {
		xpkt_err_set(err, "%s: out of memory", path);
		goto fail;
	}
	p->model_ts = p->h.start_tsc;
	if (index_records(p, size, err))
		goto fail;
	return 0;
fail:
	pms_close(s);
	s->next = NULL;
	s->close = NULL;
	return -1;
}
