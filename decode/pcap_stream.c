// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by its owner. */
#include "decode/stream.h"

int xpkt_pcap_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err)
{
	(void)s;
	return xpkt_err_set(err, "%s: pcap decoder not implemented yet", path);
}
