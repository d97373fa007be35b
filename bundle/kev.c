// SPDX-License-Identifier: GPL-2.0
/* kev.c - write and read .kev files (see kev.h for the layout). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/kev.h"
#include "lib/afile.h"

struct xpkt_kev_writer {
	struct afile af;
	uint64_t count;
};

struct xpkt_kev_writer *xpkt_kev_create(const char *path, enum xpkt_domain domain, uint16_t domid,
					uint64_t tsc_hz, struct xpkt_err *err)
{
	struct xpkt_kev_writer *w = calloc(1, sizeof(*w));
	struct xpkt_kev_header h = {.version = XPKT_KEV_VERSION,
				    .record_size = sizeof(struct xpkt_event),
				    .domain = domain,
				    .domid = domid,
				    .tsc_hz = tsc_hz};

	if (!w) {
		xpkt_err_set(err, "%s: out of memory", path);
		return NULL;
	}
	memcpy(h.magic, XPKT_KEV_MAGIC, sizeof(h.magic));
	if (afile_open(&w->af, path, err)) {
		free(w);
		return NULL;
	}
	setvbuf(w->af.fp, NULL, _IOFBF, 1 << 20);
	fwrite(&h, sizeof(h), 1, w->af.fp);
	return w;
}

int xpkt_kev_write(struct xpkt_kev_writer *w, const struct xpkt_event *ev)
{
	w->count++;
	return fwrite(ev, sizeof(*ev), 1, w->af.fp) == 1 ? 0 : -1;
}

uint64_t xpkt_kev_written(const struct xpkt_kev_writer *w)
{
	return w->count;
}

int xpkt_kev_close(struct xpkt_kev_writer *w, int abort, struct xpkt_err *err)
{
	int rc = 0;

	if (abort)
		afile_abort(&w->af);
	else
		rc = afile_commit(&w->af, err);
	free(w);
	return rc;
}

struct xpkt_kev_reader {
	FILE *fp;
	char path[4096];
	struct xpkt_kev_header h;
	uint64_t off; /* offset of the next record */
	uint64_t last_ts;
	struct xpkt_event buf[4096];
	size_t nbuf, pos;
};

struct xpkt_kev_reader *xpkt_kev_open(const char *path, struct xpkt_err *err)
{
	struct xpkt_kev_reader *r = calloc(1, sizeof(*r));
	size_t n;

	if (!r) {
		xpkt_err_set(err, "%s: out of memory", path);
		return NULL;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->fp = fopen(path, "rb");
	if (!r->fp) {
		xpkt_err_set(err, "%s: %s", path, strerror(errno));
		free(r);
		return NULL;
	}
	n = fread(&r->h, 1, sizeof(r->h), r->fp);
	if (n < sizeof(r->h)) {
		xpkt_err_at(err, path, n, "truncated kev header (%zu of %zu bytes)", n,
			    sizeof(r->h));
		goto bad;
	}
	if (memcmp(r->h.magic, XPKT_KEV_MAGIC, 8)) {
		xpkt_err_at(err, path, 0, "not a kev file (bad magic)");
		goto bad;
	}
	if (r->h.version != XPKT_KEV_VERSION) {
		xpkt_err_at(err, path, 8, "unsupported kev version %u", r->h.version);
		goto bad;
	}
	if (r->h.record_size != sizeof(struct xpkt_event)) {
		xpkt_err_at(err, path, 12, "record size %u, expected %zu", r->h.record_size,
			    sizeof(struct xpkt_event));
		goto bad;
	}
	if (r->h.domain >= XPKT_DOM_COUNT) {
		xpkt_err_at(err, path, 16, "unknown domain %u", r->h.domain);
		goto bad;
	}
	r->off = sizeof(r->h);
	return r;
bad:
	fclose(r->fp);
	free(r);
	return NULL;
}

const struct xpkt_kev_header *xpkt_kev_header(const struct xpkt_kev_reader *r)
{
	return &r->h;
}

int xpkt_kev_next(struct xpkt_kev_reader *r, struct xpkt_event *ev, struct xpkt_err *err)
{
	if (r->pos == r->nbuf) {
		size_t got = fread(r->buf, 1, sizeof(r->buf), r->fp);

		if (ferror(r->fp))
			return xpkt_err_at(err, r->path, r->off, "read error: %s", strerror(errno));
		r->nbuf = got / sizeof(*ev);
		r->pos = 0;
		if (got % sizeof(*ev)) {
			uint64_t at = r->off + r->nbuf * sizeof(*ev);

			/* Report the good records first; fail on reaching the torn one. */
			if (r->nbuf == 0)
				return xpkt_err_at(err, r->path, at,
						   "truncated record (%zu of %zu bytes)",
						   got % sizeof(*ev), sizeof(*ev));
			fseek(r->fp, (long)at, SEEK_SET);
		}
		if (r->nbuf == 0)
			return 0;
	}
	*ev = r->buf[r->pos++];
	if (!xpkt_event_info(ev->id) || ev->id == XPKT_EV_WIRE ||
	    xpkt_event_info(ev->id)->domain == XPKT_DOM_XEN)
		return xpkt_err_at(err, r->path, r->off, "unknown or non-kernel event id %u",
				   ev->id);
	if (ev->ts < r->last_ts)
		return xpkt_err_at(err, r->path, r->off, "timestamp goes backwards (%llu < %llu)",
				   (unsigned long long)ev->ts, (unsigned long long)r->last_ts);
	r->last_ts = ev->ts;
	r->off += sizeof(*ev);
	return 1;
}

void xpkt_kev_close_reader(struct xpkt_kev_reader *r)
{
	if (!r)
		return;
	fclose(r->fp);
	free(r);
}
