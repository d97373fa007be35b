/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream.h - one source of a bundle as a stream of struct xpkt_event.
 *
 * A decoder turns one file format into events sorted by ts (source clock),
 * fills ev->source, ev->src_domid and ev->dev_kind from the manifest entry,
 * and reports loss as XPKT_EV_LOST records where the source recorded it.
 * Decoders know formats, never packets.
 */
#ifndef XPKT_DECODE_STREAM_H
#define XPKT_DECODE_STREAM_H

#include "bundle/manifest.h"
#include "lib/err.h"
#include "tracepoints/event.h"

struct xpkt_stream {
	const struct xpkt_source *src; /* manifest entry; outlives the stream */
	/* 1: *ev filled; 0: end; -1: error in err (file and offset named) */
	int (*next)(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err);
	void (*close)(struct xpkt_stream *s);
	void *priv;
	uint64_t events;      /* events returned so far */
	uint64_t lost_events; /* sum of XPKT_EV_LOST counts returned so far */
};

/* Opens BUNDLE/src->file with the decoder for src->format. */
int xpkt_stream_open(struct xpkt_stream *s, const char *bundle, const struct xpkt_source *src,
		     struct xpkt_err *err);
int xpkt_stream_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err);
void xpkt_stream_close(struct xpkt_stream *s);

/* Format decoders; each sets s->next/close/priv (src is set by the caller). */
int xpkt_kev_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err);
int xpkt_xentrace_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err);
int xpkt_pcap_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err);
/* A .ftrace directory of raw tracefs pages (capture/ftrace_rec.h). */
int xpkt_ftrace_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err);

#endif
