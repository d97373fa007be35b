// SPDX-License-Identifier: GPL-2.0
/* kev_stream.c - the .kev decoder: records are already events. */
#include "bundle/kev.h"
#include "decode/stream.h"

static int kev_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	return xpkt_kev_next(s->priv, ev, err);
}

static void kev_close(struct xpkt_stream *s)
{
	xpkt_kev_close_reader(s->priv);
	s->priv = NULL;
}

int xpkt_kev_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err)
{
	s->priv = xpkt_kev_open(path, err);
	if (!s->priv)
		return -1;
	s->next = kev_next;
	s->close = kev_close;
	return 0;
}
