// SPDX-License-Identifier: GPL-2.0
/*
 * perf_stream.c - the "perf" decoder (see perf_stream.h).
 *
 * The body of a PERF_RECORD_SAMPLE is the fields its sample_type selects,
 * in the ABI's fixed order (include/uapi/linux/perf_event.h): identifier,
 * ip, pid/tid, time, addr, id, stream_id, cpu/res, period, read, raw. A
 * non-sample record (sample_id_all) ends with the sample_id fields: pid/tid,
 * time, id, stream_id, cpu/res, identifier. Every read is checked against
 * the record's size and every record against the file's, so a torn or
 * corrupt file is "FILE: offset N: what", never a crash.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/perf_rec.h"
#include "decode/ftrace_raw.h"
#include "decode/perf_stream.h"

#define MAX_FILES  1024
#define MAX_VALUES 16

#define SAMPLE_OK                                                                                  \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |            \
	 PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |             \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_RAW)
#define READ_OK                                                                                    \
	(PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |                     \
	 PERF_FORMAT_TOTAL_TIME_RUNNING)

struct sorted_ev {
	struct xpkt_event ev;
	uint64_t seq; /* file order: ties in ts keep it */
};

struct perf_priv {
	const struct xpkt_source *src;
	struct xpkt_ftrace_fmts *fmts; /* DIR/events/: tracepoint groups' RAW records */
	struct sorted_ev *evs;
	size_t n, cap, next;
	uint64_t seq;
};

/* A cursor over one record's bytes. */
struct rd {
	const unsigned char *p;
	size_t left;
};

static int take(struct rd *r, void *out, size_t n)
{
	if (r->left < n)
		return -1;
	if (out)
		memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int push(struct perf_priv *p, const struct xpkt_event *ev)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		struct sorted_ev *n = realloc(p->evs, cap * sizeof(*n));

		if (!n)
			return -1;
		p->evs = n;
		p->cap = cap;
	}
	p->evs[p->n].ev = *ev;
	p->evs[p->n].seq = p->seq++;
	p->n++;
	return 0;
}

static int check_header(const char *path, const unsigned char *buf, size_t size,
			struct xpkt_perf_file_hdr *h, struct xpkt_err *err)
{
	if (size < sizeof(*h))
		return xpkt_err_at(err, path, 0, "%zu bytes: too short for the %d-byte header",
				   size, XPKT_PERF_HDR_BYTES);
	memcpy(h, buf, sizeof(*h));
	if (memcmp(h->magic, XPKT_PERF_MAGIC, sizeof(h->magic)))
		return xpkt_err_at(err, path, 0, "not a perf sample file (bad magic)");
	if (h->version != XPKT_PERF_VERSION)
		return xpkt_err_at(err, path, 8, "version %u (this reader knows %d)", h->version,
				   XPKT_PERF_VERSION);
	if (h->hdr_bytes != XPKT_PERF_HDR_BYTES)
		return xpkt_err_at(err, path, 12, "header size %u (expected %d)", h->hdr_bytes,
				   XPKT_PERF_HDR_BYTES);
	if (h->sample_type & ~(uint64_t)SAMPLE_OK || !(h->sample_type & PERF_SAMPLE_TIME))
		return xpkt_err_at(err, path, 16,
				   "sample_type %#llx: needs TIME; only IDENTIFIER, IP, TID, TIME, "
				   "ADDR, ID, STREAM_ID, CPU, PERIOD, READ and RAW are read",
				   (unsigned long long)h->sample_type);
	if (h->read_format & ~(uint64_t)READ_OK)
		return xpkt_err_at(err, path, 24, "read_format %#llx not supported",
				   (unsigned long long)h->read_format);
	if ((h->sample_type & PERF_SAMPLE_READ) && (h->read_format & PERF_FORMAT_GROUP) &&
	    (h->nvalues < 1 || h->nvalues > MAX_VALUES))
		return xpkt_err_at(err, path, 88, "%u group values (1..%d)", h->nvalues,
				   MAX_VALUES);
	if (h->time_conv == XPKT_PERF_TIME_ZERO) {
		if (!h->time_mult || h->time_shift >= 64)
			return xpkt_err_at(err, path, 48, "time_mult %u, time_shift %u: unusable",
					   h->time_mult, h->time_shift);
	} else if (h->time_conv == XPKT_PERF_TIME_PAIRS) {
		if (h->ns1 <= h->ns0 || h->tsc1 < h->tsc0)
			return xpkt_err_at(err, path, 56,
					   "clock pairs do not advance (ns %llu..%llu, tsc "
					   "%llu..%llu)",
					   (unsigned long long)h->ns0, (unsigned long long)h->ns1,
					   (unsigned long long)h->tsc0,
					   (unsigned long long)h->tsc1);
	} else {
		return xpkt_err_at(err, path, 36, "unknown time conversion %u", h->time_conv);
	}
	if (h->cpu > 0xffff)
		return xpkt_err_at(err, path, 32, "cpu %u out of range", h->cpu);
	if (h->ncounters > h->nvalues || h->ncounters > 4)
		return xpkt_err_at(err, path, 96, "%u counters of %u group values (at most 4)",
				   h->ncounters, h->nvalues);
	return 0;
}

/*
 * A PERF_SAMPLE_READ block: GROUP is {nr, [enabled], [running], nr x
 * {value, [id]}}, else {value, [enabled], [running], [id]}. Values into
 * v[] (at most MAX_VALUES); -1 if short or nr is not the header's.
 */
static int take_read(struct rd *r, const struct xpkt_perf_file_hdr *h, uint64_t *v, unsigned *nv)
{
	uint64_t rf = h->read_format, nr = 1;
	int times =
	    !!(rf & PERF_FORMAT_TOTAL_TIME_ENABLED) + !!(rf & PERF_FORMAT_TOTAL_TIME_RUNNING);

	if (rf & PERF_FORMAT_GROUP) {
		if (take(r, &nr, 8) || nr != h->nvalues || take(r, NULL, 8u * (unsigned)times))
			return -1;
		for (uint64_t i = 0; i < nr; i++)
			if (take(r, &v[i], 8) || ((rf & PERF_FORMAT_ID) && take(r, NULL, 8)))
				return -1;
		*nv = (unsigned)nr;
		return 0;
	}
	if (take(r, &v[0], 8) || take(r, NULL, 8u * (unsigned)times) ||
	    ((rf & PERF_FORMAT_ID) && take(r, NULL, 8)))
		return -1;
	*nv = 1;
	return 0;
}

static int decode_sample(struct perf_priv *p, const struct xpkt_perf_file_hdr *h, struct rd *r,
			 const unsigned char *rec, const char *path, uint64_t off,
			 uint64_t *last_ts, struct xpkt_err *err)
{
	uint64_t st = h->sample_type, ip = 0, time = 0, u64;
	uint32_t pid = 0, tid = 0, cpu = h->cpu, res, raw_bytes = 0;
	uint64_t values[MAX_VALUES];
	unsigned nvalues = 0;
	const unsigned char *raw = NULL;
	struct xpkt_event ev;

	if (((st & PERF_SAMPLE_IDENTIFIER) && take(r, NULL, 8)) ||
	    ((st & PERF_SAMPLE_IP) && take(r, &ip, 8)) ||
	    ((st & PERF_SAMPLE_TID) && (take(r, &pid, 4) || take(r, &tid, 4))) ||
	    ((st & PERF_SAMPLE_TIME) && take(r, &time, 8)) ||
	    ((st & PERF_SAMPLE_ADDR) && take(r, &u64, 8)) ||
	    ((st & PERF_SAMPLE_ID) && take(r, &u64, 8)) ||
	    ((st & PERF_SAMPLE_STREAM_ID) && take(r, &u64, 8)) ||
	    ((st & PERF_SAMPLE_CPU) && (take(r, &cpu, 4) || take(r, &res, 4))) ||
	    ((st & PERF_SAMPLE_PERIOD) && take(r, &u64, 8)) ||
	    ((st & PERF_SAMPLE_READ) && take_read(r, h, values, &nvalues)))
		return xpkt_err_at(err, path, off, "sample record too short for sample_type %#llx",
				   (unsigned long long)st);
	if (st & PERF_SAMPLE_RAW) {
		if (take(r, &raw_bytes, 4))
			return xpkt_err_at(err, path, off, "raw data runs past the record");
		raw = r->p;
		if (take(r, NULL, raw_bytes))
			return xpkt_err_at(err, path, off, "raw data runs past the record");
	}
	if (cpu > 0xffff)
		return xpkt_err_at(err, path, off, "sample on cpu %u", cpu);
	memset(&ev, 0, sizeof(ev));
	ev.ts = xpkt_perf_time_to_tsc(h, time);
	*last_ts = ev.ts;
	if (raw && p->fmts && !(st & PERF_SAMPLE_IP)) {
		/* a tracepoint group's sample: the stage event, then its counters */
		uint64_t ts = ev.ts;
		uint64_t raw_off = off + (uint64_t)(raw - rec);
		int rc = xpkt_ftrace_fmts_decode(p->fmts, raw, raw_bytes, path, raw_off,
						 (uint16_t)cpu, &ev, err);

		if (rc <= 0)
			return rc;
		ev.ts = ts;
		ev.cpu = (uint16_t)cpu;
		if (push(p, &ev))
			return xpkt_err_set(err, "%s: out of memory", path);
		if (!h->ncounters || !nvalues)
			return 0;
		/* group order: the counters (the leader first), then the tracepoints' counts */
		memset(&ev, 0, sizeof(ev));
		ev.id = XPKT_EV_PMU;
		ev.ts = ts;
		ev.cpu = (uint16_t)cpu;
		for (unsigned k = 0; k < h->ncounters && k < nvalues && k < 4; k++)
			ev.pmu[k] = values[k];
		return push(p, &ev) ? xpkt_err_set(err, "%s: out of memory", path) : 0;
	}
	if (!(st & PERF_SAMPLE_IP))
		return 0; /* nothing this decoder maps */
	ev.id = XPKT_EV_PC_SAMPLE;
	ev.cpu = (uint16_t)cpu;
	ev.ip = ip;
	ev.arg = pid;
	ev.arg2 = tid;
	return push(p, &ev) ? xpkt_err_set(err, "%s: out of memory", path) : 0;
}

/* Bytes of the sample_id block at the end of a non-sample record. */
static size_t sample_id_bytes(uint64_t st)
{
	return 8u * (!!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) +
		     !!(st & PERF_SAMPLE_ID) + !!(st & PERF_SAMPLE_STREAM_ID) +
		     !!(st & PERF_SAMPLE_CPU) + !!(st & PERF_SAMPLE_IDENTIFIER));
}

static int decode_lost(struct perf_priv *p, const struct xpkt_perf_file_hdr *h,
		       const unsigned char *rec, size_t size, const char *path, uint64_t off,
		       uint64_t last_ts, struct xpkt_err *err)
{
	size_t trailer = sample_id_bytes(h->sample_type);
	uint64_t lost, time;
	struct xpkt_event ev;

	/* header, u64 id, u64 lost, then the sample_id fields */
	if (size < 8 + 16 + trailer)
		return xpkt_err_at(err, path, off, "lost record of %zu bytes is too short", size);
	memcpy(&lost, rec + 16, 8);
	memset(&ev, 0, sizeof(ev));
	ev.ts = last_ts;
	if (h->sample_type & PERF_SAMPLE_TIME) {
		size_t t = size - trailer + ((h->sample_type & PERF_SAMPLE_TID) ? 8 : 0);

		memcpy(&time, rec + t, 8);
		ev.ts = xpkt_perf_time_to_tsc(h, time);
	}
	ev.id = XPKT_EV_LOST;
	ev.cpu = (uint16_t)h->cpu;
	ev.arg = lost > UINT32_MAX ? UINT32_MAX : (uint32_t)lost;
	return push(p, &ev) ? xpkt_err_set(err, "%s: out of memory", path) : 0;
}

static int decode_buf(struct perf_priv *p, const char *path, const unsigned char *buf, size_t size,
		      struct xpkt_err *err)
{
	struct xpkt_perf_file_hdr h;
	uint64_t off = XPKT_PERF_HDR_BYTES, last_ts = 0;

	if (check_header(path, buf, size, &h, err))
		return -1;
	while (off < size) {
		struct perf_event_header eh;
		struct rd r;

		if (size - off < sizeof(eh))
			return xpkt_err_at(err, path, off, "truncated record header (%llu bytes)",
					   (unsigned long long)(size - off));
		memcpy(&eh, buf + off, sizeof(eh));
		if (eh.size < sizeof(eh) || eh.size % 8)
			return xpkt_err_at(err, path, off, "bad record size %u", eh.size);
		if (eh.size > size - off)
			return xpkt_err_at(err, path, off,
					   "record of %u bytes runs past the end of the file "
					   "(%zu bytes)",
					   eh.size, size);
		r.p = buf + off + sizeof(eh);
		r.left = eh.size - sizeof(eh);
		if (eh.type == PERF_RECORD_SAMPLE) {
			if (decode_sample(p, &h, &r, buf + off, path, off, &last_ts, err))
				return -1;
		} else if (eh.type == PERF_RECORD_LOST) {
			if (decode_lost(p, &h, buf + off, eh.size, path, off, last_ts, err))
				return -1;
		}
		/* THROTTLE, UNTHROTTLE and the like say nothing a report uses */
		off += eh.size;
	}
	return 0;
}

static int decode_file(struct perf_priv *p, const char *path, struct xpkt_err *err)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	struct stat st;
	size_t got;
	int rc;

	if (!fp)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) || st.st_size < 0) {
		fclose(fp);
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(fp);
		return xpkt_err_set(err, "%s: out of memory (%lld bytes)", path,
				    (long long)st.st_size);
	}
	got = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		free(buf);
		fclose(fp);
		return xpkt_err_set(err, "%s: read error", path);
	}
	fclose(fp);
	rc = decode_buf(p, path, buf, got, err);
	free(buf);
	return rc;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct sorted_ev *x = a, *y = b;

	if (x->ev.ts != y->ev.ts)
		return x->ev.ts < y->ev.ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_name(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	size_t lx = strlen(*x), ly = strlen(*y);

	/* cpu2.data before cpu10.data: shorter names first, then by bytes */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(*x, *y);
}

static int decode_dir(struct perf_priv *p, const char *path, struct xpkt_err *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char *names[MAX_FILES], evdir[4200];
	size_t n = 0;
	int rc = 0;
	struct stat st;

	if (!d)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	/* tracepoint groups saved their formats (capture/perf_rec.h) */
	snprintf(evdir, sizeof(evdir), "%s/events", path);
	if (!stat(evdir, &st) && S_ISDIR(st.st_mode)) {
		p->fmts = xpkt_ftrace_fmts_load(path, p->src, err);
		if (!p->fmts) {
			closedir(d);
			return -1;
		}
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".data"))
			continue;
		if (n == MAX_FILES) {
			rc = xpkt_err_set(err, "%s: more than %d .data files", path, MAX_FILES);
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = xpkt_err_set(err, "%s: out of memory", path);
			break;
		}
		n++;
	}
	closedir(d);
	if (!rc && !n)
		rc = xpkt_err_set(err, "%s: no cpuN.data files", path);
	qsort(names, n, sizeof(names[0]), cmp_name);
	for (size_t i = 0; i < n; i++) {
		char fp[4400];

		if (!rc) {
			snprintf(fp, sizeof(fp), "%s/%s", path, names[i]);
			rc = decode_file(p, fp, err);
		}
		free(names[i]);
	}
	return rc;
}

static int perf_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	struct perf_priv *p = s->priv;

	(void)err;
	if (p->next == p->n)
		return 0;
	*ev = p->evs[p->next++].ev;
	return 1;
}

static void perf_close(struct xpkt_stream *s)
{
	struct perf_priv *p = s->priv;

	if (p) {
		free(p->evs);
		xpkt_ftrace_fmts_free(p->fmts);
	}
	free(p);
	s->priv = NULL;
}

int xpkt_perf_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err)
{
	struct perf_priv *p = calloc(1, sizeof(*p));
	struct stat st;
	int rc;

	if (!p)
		return xpkt_err_set(err, "out of memory");
	if (stat(path, &st)) {
		free(p);
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	}
	p->src = s->src;
	rc = S_ISDIR(st.st_mode) ? decode_dir(p, path, err) : decode_file(p, path, err);
	if (rc) {
		free(p->evs);
		xpkt_ftrace_fmts_free(p->fmts);
		free(p);
		return -1;
	}
	if (p->n)
		qsort(p->evs, p->n, sizeof(p->evs[0]), cmp_ev);
	s->priv = p;
	s->next = perf_next;
	s->close = perf_close;
	return 0;
}
