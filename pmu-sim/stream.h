/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream.h - writer of the counter stream (stream_format.h). Each vCPU fills
 * its own buffer with no shared lock; a full buffer goes to the file under
 * the writer's lock. The file appears (atomically) only at close.
 */
#ifndef XPKT_PMU_SIM_STREAM_H
#define XPKT_PMU_SIM_STREAM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/afile.h"
#include "lib/err.h"
#include "pmu-sim/stream_format.h"

struct pmu_stream {
	struct afile af;
	pthread_mutex_t lock;
	uint32_t record_bytes;
	int open;
	int failed; /* a write failed: close reports it */
};

struct pmu_stream_buf {
	pthread_mutex_t lock; /* the vCPU's thread vs. QEMU's exit path */
	uint8_t *data;
	size_t used, cap;
};

int pmu_stream_open(struct pmu_stream *s, const char *path, const struct pmu_stream_header *h,
		    const struct pmu_stream_model *models, struct xpkt_err *err);
int pmu_stream_buf_init(struct pmu_stream_buf *b, size_t cap_bytes);

/* With b->lock held: room for one record in b (flushing it if full), its
 * fixed part filled in; the caller fills the n_counters counters. NULL once
 * the stream is closed or broken. */
uint64_t *pmu_stream_add(struct pmu_stream *s, struct pmu_stream_buf *b, uint64_t tsc,
			 uint32_t vcpu, enum pmu_stream_kind kind);
/* With b->lock held: room for a variable-size record (version 2) of
 * payload_bytes (< 65536), head filled in; the caller fills the payload.
 * NULL once the stream is closed or broken. */
uint8_t *pmu_stream_add_var(struct pmu_stream *s, struct pmu_stream_buf *b, uint64_t tsc,
			    uint32_t vcpu, enum pmu_stream_kind kind, size_t payload_bytes);
/* With b->lock held: writes b's records out. */
void pmu_stream_flush(struct pmu_stream *s, struct pmu_stream_buf *b);
/* Renames the file into place; buffers must have been flushed. */
int pmu_stream_close(struct pmu_stream *s, struct xpkt_err *err);

#endif
