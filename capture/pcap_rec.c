// SPDX-License-Identifier: GPL-2.0
/* pcap_rec.c - libpcap capture thread writing a nanosecond pcap file. */
#include <errno.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcap_rec.h"

struct xpkt_pcap_rec {
	pcap_t *p;
	pcap_dumper_t *d;
	char dev[IF_NAMESIZE];
	char path[4096];
	char tmp[4200];
	pthread_t thread;
	int started;
	atomic_int stop;
	_Atomic uint64_t packets;
	int err_rc; /* pcap_dispatch's error, if the loop ended on one */
	char err_msg[PCAP_ERRBUF_SIZE];
};

struct xpkt_pcap_rec *xpkt_pcap_open(const char *dev, const char *filter, const char *path,
				     struct xpkt_err *err)
{
	struct xpkt_pcap_rec *r = calloc(1, sizeof(*r));
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int rc;

	if (!r) {
		xpkt_err_set(err, "out of memory");
		return NULL;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->tmp, sizeof(r->tmp), "%s.tmp-%d", path, (int)getpid());
	if (strlen(dev) >= IF_NAMESIZE || !if_nametoindex(dev)) {
		xpkt_err_set(err, "no such interface '%s'", dev);
		goto fail;
	}
	snprintf(r->dev, sizeof(r->dev), "%s", dev);
	r->p = pcap_create(dev, ebuf);
	if (!r->p) {
		xpkt_err_set(err, "%s: %s", dev, ebuf);
		goto fail;
	}
	pcap_set_snaplen(r->p, XPKT_PCAP_SNAPLEN);
	pcap_set_promisc(r->p, 0);
	pcap_set_timeout(r->p, 100); /* the loop looks at its stop flag this often */
	pcap_set_buffer_size(r->p, 16 << 20);
	if (pcap_set_tstamp_precision(r->p, PCAP_TSTAMP_PRECISION_NANO)) {
		xpkt_err_set(err, "%s: no nanosecond timestamps", dev);
		goto fail;
	}
	rc = pcap_activate(r->p);
	if (rc < 0) {
		xpkt_err_set(err, "%s: %s", dev,
			     rc == PCAP_ERROR ? pcap_geterr(r->p) : pcap_statustostr(rc));
		goto fail;
	}
	if (filter && filter[0]) {
		if (pcap_compile(r->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN)) {
			xpkt_err_set(err, "bad filter '%s': %s", filter, pcap_geterr(r->p));
			goto fail;
		}
		rc = pcap_setfilter(r->p, &prog);
		pcap_freecode(&prog);
		if (rc) {
			xpkt_err_set(err, "%s: cannot set filter: %s", dev, pcap_geterr(r->p));
			goto fail;
		}
	}
	r->d = pcap_dump_open(r->p, r->tmp);
	if (!r->d) {
		xpkt_err_set(err, "%s: %s", r->tmp, pcap_geterr(r->p));
		goto fail;
	}
	return r;
fail:
	xpkt_pcap_free(r);
	return NULL;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct xpkt_pcap_rec *r = (struct xpkt_pcap_rec *)user;

	pcap_dump((u_char *)r->d, h, bytes);
	atomic_fetch_add(&r->packets, 1);
}

static void *capture_main(void *arg)
{
	struct xpkt_pcap_rec *r = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&r->stop)) {
		int n = pcap_dispatch(r->p, -1, on_packet, (u_char *)r);

		if (n == PCAP_ERROR) {
			r->err_rc = n;
			snprintf(r->err_msg, sizeof(r->err_msg), "%s", pcap_geterr(r->p));
			break;
		}
	}
	return NULL;
}

int xpkt_pcap_start(struct xpkt_pcap_rec *r, struct xpkt_err *err)
{
	if (pthread_create(&r->thread, NULL, capture_main, r))
		return xpkt_err_set(err, "%s: cannot start capture thread", r->dev);
	r->started = 1;
	return 0;
}

void xpkt_pcap_stats(struct xpkt_pcap_rec *r, uint64_t *packets, uint64_t *lost)
{
	struct pcap_stat ps;

	*packets = atomic_load(&r->packets);
	*lost = 0;
	if (r->p && !pcap_stats(r->p, &ps))
		*lost = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
}

int xpkt_pcap_stop(struct xpkt_pcap_rec *r, uint64_t *packets, uint64_t *lost, struct xpkt_err *err)
{
	int rc = 0;

	atomic_store(&r->stop, 1);
	if (r->started) {
		pcap_breakloop(r->p);
		pthread_join(r->thread, NULL);
		r->started = 0;
	}
	xpkt_pcap_stats(r, packets, lost);
	if (r->err_rc)
		rc = xpkt_err_set(err, "%s: capture failed: %s", r->dev, r->err_msg);
	if (r->d) {
		if (pcap_dump_flush(r->d) && !rc)
			rc = xpkt_err_set(err, "%s: write failed", r->tmp);
		pcap_dump_close(r->d);
		r->d = NULL;
		if (!rc && rename(r->tmp, r->path))
			rc = xpkt_err_set(err, "%s: %s", r->path, strerror(errno));
	}
	return rc;
}

void xpkt_pcap_free(struct xpkt_pcap_rec *r)
{
	if (!r)
		return;
	if (r->started) {
		atomic_store(&r->stop, 1);
		pcap_breakloop(r->p);
		pthread_join(r->thread, NULL);
	}
	if (r->d) {
		pcap_dump_close(r->d);
		unlink(r->tmp);
	} else {
		unlink(r->tmp); /* after a failed stop, or never opened */
	}
	if (r->p)
		pcap_close(r->p);
	free(r);
}
