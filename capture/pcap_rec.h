/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap_rec.h - wire capture with libpcap into a bundle's pcap file.
 *
 * Nanosecond timestamps (the file's magic says so), headers only (a short
 * snaplen: the decoder takes payload lengths from the IP total length), an
 * optional filter expression. Opening does everything that can fail on bad
 * input (missing device, bad filter, no permission) so a recording can
 * refuse to start; capture runs in its own thread until stopped. The file
 * is written under a temporary name and renamed into place at stop.
 */
#ifndef XPKT_CAPTURE_PCAP_REC_H
#define XPKT_CAPTURE_PCAP_REC_H

#include <stdint.h>

#include "lib/err.h"

#define XPKT_PCAP_SNAPLEN 128

struct xpkt_pcap_rec;

/* Opens and activates DEV with FILTER (may be NULL); nothing is captured yet. */
struct xpkt_pcap_rec *xpkt_pcap_open(const char *dev, const char *filter, const char *path,
				     struct xpkt_err *err);
int xpkt_pcap_start(struct xpkt_pcap_rec *r, struct xpkt_err *err);
/* Packets written and dropped (kernel + interface) so far. */
void xpkt_pcap_stats(struct xpkt_pcap_rec *r, uint64_t *packets, uint64_t *lost);
/* Stops, commits the file; final counts. */
int xpkt_pcap_stop(struct xpkt_pcap_rec *r, uint64_t *packets, uint64_t *lost,
		   struct xpkt_err *err);
/* Frees; an uncommitted file is removed. */
void xpkt_pcap_free(struct xpkt_pcap_rec *r);

#endif
