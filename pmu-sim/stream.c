// SPDX-License-Identifier: GPL-2.0
/*
 * stream.c - buffered, atomically committed writer of the counter stream.
 */
#include <stdlib.h>
#include <string.h>

#include "pmu-sim/stream.h"

int pmu_stream_open(struct pmu_stream *s, const char *path, const struct pmu_stream_header *h,
		    const struct pmu_stream_model *models, struct xpkt_err *err)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->record_bytes = h->record_bytes;
	if (afile_open(&s->af, path, err))
		return -1;
	if (fwrite(h, sizeof(*h), 1, s->af.fp) != 1 ||
	    fwrite(models, sizeof(*models), h->n_models, s->af.fp) != h->n_models) {
		afile_abort(&s->af);
		return xpkt_err_set(err, "%s: cannot write the header", path);
	}
	s->open = 1;
	return 0;
}

int pmu_stream_buf_init(struct pmu_stream_buf *b, size_t cap_bytes)
{
	pthread_mutex_init(&b->lock, NULL);
	b->used = 0;
	b->cap = cap_bytes;
	b->data = malloc(cap_bytes);
	return b->data ? 0 : -1;
}

void pmu_stream_flush(struct pmu_stream *s, struct pmu_stream_buf *b)
{
	if (!b->used)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->open && fwrite(b->data, 1, b->used, s->af.fp) != b->used)
		s->failed = 1;
	pthread_mutex_unlock(&s->lock);
	b->used = 0;
}

uint64_t *pmu_stream_add(struct pmu_stream *s, struct pmu_stream_buf *b, uint64_t tsc,
			 uint32_t vcpu, enum pmu_stream_kind kind)
{
	struct pmu_stream_record *r;

	if (!s->open || s->failed || b->cap < s->record_bytes)
		return NULL;
	if (b->cap - b->used < s->record_bytes)
		pmu_stream_flush(s, b);
	r = (struct pmu_stream_record *)(b->data + b->used);
	b->used += s->record_bytes;
	r->tsc = tsc;
	r->vcpu = vcpu;
	r->kind = (uint16_t)kind;
	r->reserved = 0;
	return r->counter;
}

uint8_t *pmu_stream_add_var(struct pmu_stream *s, struct pmu_stream_buf *b, uint64_t tsc,
			    uint32_t vcpu, enum pmu_stream_kind kind, size_t payload_bytes)
{
	size_t need = sizeof(struct pmu_stream_record) + payload_bytes;
	struct pmu_stream_record *r;

	if (!s->open || s->failed || b->cap < need || payload_bytes > UINT16_MAX)
		return NULL;
	if (b->cap - b->used < need)
		pmu_stream_flush(s, b);
	r = (struct pmu_stream_record *)(b->data + b->used);
	b->used += need;
	r->tsc = tsc;
	r->vcpu = vcpu;
	r->kind = (uint16_t)kind;
	r->reserved = (uint16_t)payload_bytes;
	return (uint8_t *)r->counter;
}

int pmu_stream_close(struct pmu_stream *s, struct xpkt_err *err)
{
	int failed;

	pthread_mutex_lock(&s->lock);
	failed = s->failed;
	if (!s->open) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	s->open = 0;
	pthread_mutex_unlock(&s->lock);
	if (failed) {
		afile_abort(&s->af);
		return xpkt_err_set(err, "%s: a write failed (disk full?)", s->af.path);
	}
	return afile_commit(&s->af, err);
}
