// SPDX-License-Identifier: GPL-2.0
/* stream.c - pick a decoder by format name; stamp events with their source. */
#include <string.h>

#include "decode/perf_stream.h"
#include "decode/pmusim_stream.h"
#include "decode/stream.h"

static const struct {
	const char *format;
	int (*open)(struct xpkt_stream *s, const char *path, struct xpkt_err *err);
} decoders[] = {
    {"kev", xpkt_kev_stream_open},
    {"xentrace", xpkt_xentrace_stream_open},
    {"pcap", xpkt_pcap_stream_open},
    {"ftrace", xpkt_ftrace_stream_open},
    /* PC samples and PMU groups (capture/perf_rec.h) */
    {"perf", xpkt_perf_stream_open},
    /* the pmu-sim plugin's counter stream (docs/bundle.md "pmu-sim") */
    {"pmu-sim", xpkt_pmusim_stream_open},
};

int xpkt_stream_open(struct xpkt_stream *s, const char *bundle, const struct xpkt_source *src,
		     struct xpkt_err *err)
{
	char path[4200];

	memset(s, 0, sizeof(*s));
	s->src = src;
	if (xpkt_bundle_path(path, sizeof(path), bundle, src->file))
		return xpkt_err_set(err, "%s: path too long", bundle);
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		if (!strcmp(decoders[i].format, src->format))
			return decoders[i].open(s, path, err);
	return xpkt_err_set(err, "%s: source %s: unknown format \"%s\"", bundle, src->name,
			    src->format);
}

int xpkt_stream_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	int rc = s->next(s, ev, err);

	if (rc != 1)
		return rc;
	ev->source = (uint8_t)s->src->domain;
	ev->src_domid = s->src->domid;
	if (ev->ifindex && !ev->dev_kind)
		ev->dev_kind = (uint8_t)xpkt_source_dev_kind(s->src, ev->ifindex);
	s->events++;
	if (ev->id == XPKT_EV_LOST)
		s->lost_events += ev->arg;
	return 1;
}

void xpkt_stream_close(struct xpkt_stream *s)
{
	if (s->close)
		s->close(s);
	s->close = NULL;
}
