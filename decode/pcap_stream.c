// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_stream.c - the wire decoder: a pcap file (read with libpcap at
 * nanosecond precision) as XPKT_EV_WIRE events.
 *
 * Link layers: Ethernet (with up to two 802.1Q/802.1ad tags), Linux cooked
 * capture v1 and v2, raw IP. IPv4 only; other frames are skipped. For TCP
 * the event carries the flow (host order), seq and the payload length
 * computed from the IP total length, not from the captured bytes: captures
 * are usually cut by a snaplen, and the length is what joins a segment to a
 * GSO skb's seq range. UDP and other protocols carry the flow only (seq and
 * len 0). arg is the IP id. Errors name the file and the byte offset of the
 * record libpcap could not read.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/stream.h"

#define PCAP_FILE_HDR	24
#define PCAP_RECORD_HDR 16

#define ETH_P_IP     0x0800
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8

/* Link types (pcap-linktype(7)); DLT_ values differ across platforms. */
#define LT_ETHERNET	1
#define LT_RAW		101
#define LT_LINUX_SLL	113
#define LT_LINUX_SLL2	276
#define DLT_RAW_BSD	12
#define DLT_RAW_OPENBSD 14

struct pcap_priv {
	pcap_t *p;
	int linktype;
	char path[4096];
	uint64_t off; /* file offset of the next record (classic pcap) */
	int ng;	      /* pcapng: block sizes vary, offsets come from ftell */
	uint64_t last_ts;
};

static inline uint16_t be16(const u_char *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t be32(const u_char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Offset of the IPv4 header in the frame, or -1 if the frame is not IPv4. */
static long ip_offset(int linktype, const u_char *d, uint32_t caplen)
{
	uint32_t off;
	uint16_t proto;

	switch (linktype) {
	case LT_ETHERNET:
		if (caplen < 14)
			return -1;
		proto = be16(d + 12);
		off = 14;
		for (int tags = 0; tags < 2 && (proto == ETH_P_8021Q || proto == ETH_P_8021AD);
		     tags++) {
			if (caplen < off + 4)
				return -1;
			proto = be16(d + off + 2);
			off += 4;
		}
		break;
	case LT_LINUX_SLL:
		if (caplen < 16)
			return -1;
		proto = be16(d + 14);
		off = 16;
		break;
	case LT_LINUX_SLL2:
		if (caplen < 20)
			return -1;
		proto = be16(d);
		off = 20;
		break;
	case LT_RAW:
	case DLT_RAW_BSD:
	case DLT_RAW_OPENBSD:
		if (caplen < 1 || d[0] >> 4 != 4)
			return -1;
		return 0;
	default:
		return -1;
	}
	return proto == ETH_P_IP ? (long)off : -1;
}

/* 1 if the frame is an IPv4 packet we could read (ev filled), 0 to skip it. */
static int decode_frame(int linktype, const u_char *d, uint32_t caplen, struct xpkt_event *ev)
{
	long o = ip_offset(linktype, d, caplen);
	const u_char *ip, *l4;
	uint32_t ihl, tot, avail, l4len;

	if (o < 0 || caplen < (uint32_t)o + 20)
		return 0;
	ip = d + o;
	avail = caplen - (uint32_t)o;
	if (ip[0] >> 4 != 4)
		return 0;
	ihl = (ip[0] & 0xfu) * 4;
	tot = be16(ip + 2);
	if (ihl < 20 || tot < ihl || avail < ihl)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->id = XPKT_EV_WIRE;
	ev->flow.saddr = be32(ip + 12);
	ev->flow.daddr = be32(ip + 16);
	ev->flow.proto = ip[9];
	ev->arg = be16(ip + 4);
	ev->cpu = 0;
	/* Only the first fragment has the transport header. */
	if (be16(ip + 6) & 0x1fff)
		return 1;
	l4 = ip + ihl;
	l4len = tot - ihl;
	avail -= ihl;
	if (ev->flow.proto == 6) { /* TCP */
		uint32_t doff;

		if (avail < 13 || l4len < 20)
			return 1;
		ev->flow.sport = be16(l4);
		ev->flow.dport = be16(l4 + 2);
		ev->seq = be32(l4 + 4);
		doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff >= 20 && doff <= l4len)
			ev->len = l4len - doff;
	} else if (ev->flow.proto == 17) { /* UDP: flow only */
		if (avail < 4)
			return 1;
		ev->flow.sport = be16(l4);
		ev->flow.dport = be16(l4 + 2);
	}
	return 1;
}

static int pcap_next_ev(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	struct pcap_priv *pp = s->priv;

	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		uint64_t ts;
		int rc = pcap_next_ex(pp->p, &h, &data);

		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			uint64_t at = pp->off;

			if (pp->ng && pcap_file(pp->p))
				at = (uint64_t)ftell(pcap_file(pp->p));
			return xpkt_err_at(err, pp->path, at, "%s", pcap_geterr(pp->p));
		}
		ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		if (ts < pp->last_ts)
			return xpkt_err_at(err, pp->path, pp->off,
					   "timestamp goes backwards (%llu < %llu ns)",
					   (unsigned long long)ts, (unsigned long long)pp->last_ts);
		pp->last_ts = ts;
		pp->off += PCAP_RECORD_HDR + h->caplen;
		if (!decode_frame(pp->linktype, data, h->caplen, ev))
			continue;
		ev->ts = ts;
		return 1;
	}
}

static void pcap_close_ev(struct xpkt_stream *s)
{
	struct pcap_priv *pp = s->priv;

	if (pp) {
		pcap_close(pp->p);
		free(pp);
	}
	s->priv = NULL;
}

int xpkt_pcap_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_priv *pp = calloc(1, sizeof(*pp));
	FILE *fp;

	if (!pp)
		return xpkt_err_set(err, "%s: out of memory", path);
	snprintf(pp->path, sizeof(pp->path), "%s", path);
	fp = fopen(path, "rb");
	if (!fp) {
		free(pp);
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	}
	{
		unsigned char magic[4] = {0};

		/* pcapng starts with a section header block, type 0x0a0d0d0a. */
		pp->ng = fread(magic, 1, 4, fp) == 4 && !memcmp(magic, "\n\r\r\n", 4);
		rewind(fp);
	}
	/* libpcap owns fp from here and closes it in pcap_close. */
	pp->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pp->p) {
		fclose(fp);
		free(pp);
		return xpkt_err_at(err, path, 0, "%s", ebuf[0] ? ebuf : "not a pcap file");
	}
	pp->linktype = pcap_datalink(pp->p);
	pp->off = PCAP_FILE_HDR;
	s->priv = pp;
	s->next = pcap_next_ev;
	s->close = pcap_close_ev;
	return 0;
}
