/* SPDX-License-Identifier: GPL-2.0 */
/*
 * export_perfetto.h - packet records as Chrome trace-event JSON, the format
 * the Perfetto UI and chrome://tracing open (docs/export.md): one process
 * per source, one thread per CPU, a slice per attached stage, flow arrows
 * along each packet.
 *
 * Records are kept until the file is written: the times are shifted so the
 * earliest slice starts at 0 (host-TSC nanoseconds since boot, in float
 * microseconds, would lose their last digits), which needs the earliest
 * record first. The caller bounds memory by the packets it adds.
 */
#ifndef XPKT_VIZ_EXPORT_PERFETTO_H
#define XPKT_VIZ_EXPORT_PERFETTO_H

#include <stdio.h>

#include "bundle/manifest.h"
#include "correlator/correlate.h"

struct xpkt_perfetto;

struct xpkt_perfetto *xpkt_perfetto_new(void);
/* Keeps a copy of r; -1 when out of memory. */
int xpkt_perfetto_add(struct xpkt_perfetto *p, const struct xpkt_packet_rec *r);
/*
 * The whole JSON document, packets by id (the records are sorted in place);
 * m names the processes and gives the mode. -1 on a write error.
 */
int xpkt_perfetto_write(struct xpkt_perfetto *p, FILE *fp, const struct xpkt_manifest *m);
void xpkt_perfetto_free(struct xpkt_perfetto *p);

#endif
