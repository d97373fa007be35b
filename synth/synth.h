/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synth.h - the scenario generator: a complete bundle with known answers.
 *
 * It simulates a Xen guest's TX and RX traffic stage by stage (latencies drawn
 * from configurable distributions), writes what each source would have
 * recorded (guest and dom0 .kev, a xentrace file, a pcap of the wire, the
 * manifest), with every hazard of docs/correlation.md on by default, and
 * computes the ground truth from the identities it knows.
 */
#ifndef XPKT_SYNTH_SYNTH_H
#define XPKT_SYNTH_SYNTH_H

#include <stdint.h>

#include "correlator/results.h"
#include "lib/err.h"
#include "tracepoints/stage.h"

enum xpkt_dist_kind { XPKT_DIST_CONST, XPKT_DIST_UNIFORM, XPKT_DIST_EXP, XPKT_DIST_LOGNORMAL };

/* A latency distribution in ns: const:A, uniform:A,B, exp:MEAN, lognormal:MEDIAN,SIGMA */
struct xpkt_dist {
	enum xpkt_dist_kind kind;
	double a, b;
};

/* Hazards (all on by default). */
#define XPKT_HZ_NOTIFY_BATCH (1u << 0)
#define XPKT_HZ_GSO	     (1u << 1)
#define XPKT_HZ_SKB_REUSE    (1u << 2)
#define XPKT_HZ_GREF_REUSE   (1u << 3)
#define XPKT_HZ_TX_REORDER   (1u << 4)
#define XPKT_HZ_CLOCK_OFFSET (1u << 5)
#define XPKT_HZ_DROPS	     (1u << 6)
#define XPKT_HZ_LOST_EVENTS  (1u << 7)
#define XPKT_HZ_ALL	     0xffu

/* What a run produced, for the CLI's summary line and benchmarks. */
struct xpkt_synth_stats {
	uint64_t packets;	/* data packets generated */
	uint64_t events[4];	/* records written: guest, dom0, xen, wire */
	uint64_t lost[4];	/* events lost on purpose, same order */
	uint64_t peak_buffered; /* most events held in the reorder buffers at once */
};

/*
 * Hardware counter records (docs/correlation.md section 11): ON (the
 * default) writes an XPKT_EV_PMU record after every stage event of the
 * guest and dom0 with known values and says "available" in the manifest;
 * UNAVAILABLE writes none and says the PMU was unavailable, with a reason,
 * as a recorder on a machine without one does; OFF writes neither (a bundle
 * from before PMU support).
 */
enum xpkt_synth_pmu { XPKT_SYNTH_PMU_ON = 0, XPKT_SYNTH_PMU_OFF, XPKT_SYNTH_PMU_UNAVAILABLE };

struct xpkt_synth_opts {
	const char *out_dir; /* bundle directory (created) */
	uint64_t packets;    /* data packets, TX and RX together */
	uint64_t seed;
	unsigned flows;	  /* TCP flows, split between TX and RX */
	double rx_share;  /* fraction of packets that are RX */
	unsigned hazards; /* XPKT_HZ_* */
	double drop_rate; /* per packet, when XPKT_HZ_DROPS */
	double loss_rate; /* approximate fraction of Linux/Xen events lost */
	struct xpkt_dist latency[XPKT_DIR_COUNT][XPKT_MAX_STAGES]; /* per stage row */
	enum xpkt_synth_pmu pmu;
	/* 1 (the default): receive-side hotspot kprobe calls (correlation.md section 12) */
	int hotspots;
	/*
	 * 1: also a pmu-sim counter stream (pmu.sim, source "pmu", format
	 * "pmu-sim") with known counters per physical CPU, and truth's
	 * simulated deltas per stage (docs/correlation.md section 13). 0 (the
	 * default): neither.
	 */
	int pmu_sim;
	void (*progress)(uint64_t done, uint64_t total, void *arg);
	void *progress_arg;
	struct xpkt_synth_stats *stats; /* filled when not NULL */
};

void xpkt_synth_defaults(struct xpkt_synth_opts *o);
/* "STAGE=DIST" or "tx:STAGE=DIST"; -1 with err on a bad spec. */
int xpkt_synth_set_latency(struct xpkt_synth_opts *o, const char *spec, struct xpkt_err *err);
/* "gso,drops" style list; "all" and "none" work; a leading '-' removes. */
int xpkt_synth_parse_hazards(const char *list, unsigned *hazards, struct xpkt_err *err);
/* "on", "off" or "unavailable"; -1 with err otherwise. */
int xpkt_synth_parse_pmu(const char *s, enum xpkt_synth_pmu *pmu, struct xpkt_err *err);
/* The counters the generator's PMU records carry, in pmu[] order. */
extern const char *const xpkt_synth_pmu_counters[XPKT_PMU_MAX];
/* Writes the bundle (and truth.json into it); fills *truth if not NULL. */
int xpkt_synth_generate(const struct xpkt_synth_opts *o, struct xpkt_results *truth,
			struct xpkt_err *err);

#endif
