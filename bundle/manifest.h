/* SPDX-License-Identifier: GPL-2.0 */
/*
 * manifest.h - the trace bundle's manifest.json (docs/bundle.md).
 *
 * A bundle is a directory: manifest.json plus one file per source. The
 * manifest says what each source is (domain, domid, format, clock and how
 * that clock maps onto the host TSC), what the recorder lost, and which
 * addresses and devices belong to which domain, so a bundle replays on any
 * machine with nothing else.
 */
#ifndef XPKT_BUNDLE_MANIFEST_H
#define XPKT_BUNDLE_MANIFEST_H

#include <stdint.h>

#include "lib/err.h"
#include "tracepoints/event.h"

#define XPKT_BUNDLE_VERSION  1
#define XPKT_MAX_SOURCES     8
#define XPKT_MAX_IFACES	     16
#define XPKT_MAX_ADDRS	     8
#define XPKT_MAX_UNAVAILABLE 32
#define XPKT_MAX_FILTERS     16
#define XPKT_EVSET_MAX_	     64 /* capture/evset.h XPKT_EVSET_MAX: a set's entries */

#define XPKT_PMU_MAX 4 /* counters per PMU record (struct xpkt_event's pmu[]) */

/*
 * Hardware counters of a Linux source (optional "pmu" object): whether the
 * recorder could open them, why not, and which counters the source's
 * XPKT_EV_PMU records carry, in pmu[] order. known 0: no "pmu" object (a
 * bundle recorded before PMU support: nothing is claimed either way).
 */
struct xpkt_pmu_info {
	int known;
	int available;
	char reason[192]; /* why not available: what was tried and the errno text */
	char counters[XPKT_PMU_MAX][24];
	unsigned ncounters;
};

struct xpkt_iface {
	uint16_t ifindex;
	char name[16];
	enum xpkt_dev_kind kind;
	uint16_t domid;	 /* vif: frontend domid */
	uint16_t handle; /* vif: handle */
};

/* How a source's timestamps map to host ns (correlator/timebase.c). */
enum xpkt_clock {
	XPKT_CLOCK_TSC =
	    0,		   /* TSC ticks: host_tsc = ts - tsc_offset; ns = host_tsc * 1e9 / tsc_hz */
	XPKT_CLOCK_NS = 1, /* ns (pcap, mono): host_ns = ts - offset_ns */
};

struct xpkt_source {
	char name[32]; /* unique in the bundle: "guest1", "dom0", "xen", "wire" */
	enum xpkt_domain domain;
	uint16_t domid;	     /* XPKT_DOMID_NONE for xen and wire */
	char format[16];     /* "kev", "xentrace", "pcap" */
	char file[128];	     /* relative to the bundle directory */
	char clock_name[16]; /* as recorded: "x86-tsc", "tsc", "realtime", "mono" */
	enum xpkt_clock clock;
	int64_t tsc_offset;   /* XPKT_CLOCK_TSC: source ticks minus host ticks */
	int64_t offset_ns;    /* XPKT_CLOCK_NS: source ns minus host ns */
	char offset_from[48]; /* where the offset came from: "xen-tsc-info", "recorder", ... */
	uint64_t lost_events; /* what the recorder counted as lost (buffer overruns) */
	char kernel[64];
	/* Bytes from a TCP skb to the clone tcp_transmit_skb sends (the fast-clone
	 * companion, offsetof(struct sk_buff_fclones, skb2)); 0: unknown. */
	uint32_t skb_fclone_offset;
	uint32_t addrs[XPKT_MAX_ADDRS]; /* IPv4, host order: this domain's addresses */
	unsigned naddrs;
	struct xpkt_iface ifaces[XPKT_MAX_IFACES];
	unsigned nifaces;
	/* Event points the recorder wanted but the kernel did not offer
	 * ("skb:kfree_skb", "kprobe:br_forward"); optional "unavailable" array. */
	char unavailable[XPKT_MAX_UNAVAILABLE][64];
	unsigned nunavailable;
	/* Events recorded through a tracefs filter: records not matching expr
	 * were never written; optional "filters" object {"tcp:tcp_probe":
	 * "data_len > 0"}. */
	struct {
		char event[64];
		char expr[64];
	} filters[XPKT_MAX_FILTERS];
	unsigned nfilters;
	struct xpkt_pmu_info pmu; /* Linux sources only */
	/*
	 * A "perf" source of tracepoint groups: the tracepoints it read
	 * ("net:net_dev_queue"), which the ftrace source then does not hold;
	 * optional "perf_events" array (docs/bundle.md "perf").
	 */
	char perf_events[XPKT_EVSET_MAX_][64];
	unsigned nperf_events;
};

struct xpkt_manifest {
	int version;
	char created_by[64];
	char mode[16];	    /* "xen" or "native" */
	uint64_t tsc_hz;    /* host TSC frequency */
	char workload[256]; /* command line of the workload, if any */
	int incomplete;	    /* the recording was interrupted; optional "incomplete": true */
	struct xpkt_source sources[XPKT_MAX_SOURCES];
	unsigned nsources;
};

/* Reads BUNDLE/manifest.json. All fields are checked; errors name the file. */
int xpkt_manifest_read(const char *bundle, struct xpkt_manifest *m, struct xpkt_err *err);
/* Writes BUNDLE/manifest.json atomically. */
int xpkt_manifest_write(const char *bundle, const struct xpkt_manifest *m, struct xpkt_err *err);

/* The source of a given domain class (first match), or NULL. */
const struct xpkt_source *xpkt_manifest_find(const struct xpkt_manifest *m, enum xpkt_domain d);
/* The device kind of ifindex in a source, XPKT_DEV_ANY if not listed. */
enum xpkt_dev_kind xpkt_source_dev_kind(const struct xpkt_source *s, uint16_t ifindex);
/* Builds "BUNDLE/FILE" into buf; -1 if it does not fit. */
int xpkt_bundle_path(char *buf, size_t len, const char *bundle, const char *file);

#endif
