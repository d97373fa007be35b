/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compare.h - what changed between two runs (`xpkttrace compare`), as one
 * model that the text and JSON renderers print (viz/compare_text.c,
 * viz/compare_json.c).
 *
 * Built from two struct xpkt_results only: it never reads a trace. Every
 * change is the ratio B/A of run B's value to run A's; a stage one run has no
 * samples of is marked "new" or "gone" rather than compared with a zero that
 * was never measured.
 */
#ifndef XPKT_VIZ_COMPARE_H
#define XPKT_VIZ_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "correlator/results.h"
#include "lib/err.h"
#include "tracepoints/stage.h"

/* How one stage's samples appear in the two runs. */
enum xpkt_cmp_status {
	XPKT_CMP_BOTH = 0, /* samples in A and in B: ratios are defined */
	XPKT_CMP_NEW,	   /* samples only in B */
	XPKT_CMP_GONE,	   /* samples only in A */
	XPKT_CMP_ABSENT,   /* no samples in either run */
};

/* The latency figures compared per stage, in this order everywhere. */
enum xpkt_cmp_field {
	XPKT_CMP_COUNT = 0,
	XPKT_CMP_MEAN,
	XPKT_CMP_P50,
	XPKT_CMP_P90,
	XPKT_CMP_P99,
	XPKT_CMP_UNATTR,
	XPKT_CMP_NFIELDS
};

struct xpkt_cmp_stage {
	const struct xpkt_stage *st; /* the catalogue row */
	unsigned index;		     /* its row number within st->dir */
	const struct xpkt_stage_stats *a, *b;
	enum xpkt_cmp_status status;
	/* The origin row's count is packets created; its latency is 0 by
	 * definition (results.h), so only its count is compared. */
	int origin;
	/* B/A per enum xpkt_cmp_field; NAN where undefined (either side has no
	 * samples, or the A value is 0). */
	double ratio[XPKT_CMP_NFIELDS];
	/* How far the stage moved: max |log(ratio)| of p50 and mean; 0 when
	 * neither is defined. Orders the "biggest changes" list. */
	double moved;
};

#define XPKT_CMP_MAX_ROWS  (XPKT_DIR_COUNT * XPKT_MAX_STAGES)
#define XPKT_CMP_MAX_HOT   96 /* hotspot rows at most */
#define XPKT_CMP_HOT_FUNCS 3  /* functions per stage and run taken into the union */

/*
 * One hotspot of one stage in both runs (the seed's Point A vs Point B): a
 * kprobe's calls per packet of the stage, or a function's share of the
 * stage's PC samples. NAN where a run has no such data for the stage (no
 * packets, no samples), never 0.
 */
struct xpkt_cmp_hot {
	unsigned row;	  /* index into rows[] */
	const char *name; /* "skb_copy_bits", or the function */
	int function;	  /* 1: sample share of a function; 0: kprobe calls per packet */
	double a, b;
	double ratio; /* B/A, NAN where undefined */
};
#define XPKT_CMP_BIGGEST 10 /* length of the "biggest changes" list at most */

struct xpkt_compare {
	enum xpkt_mode mode;
	const char *name_a, *name_b; /* what the runs are called (bundle paths) */
	const struct xpkt_results *a, *b;
	struct xpkt_cmp_stage rows[XPKT_CMP_MAX_ROWS]; /* catalogue order, TX then RX */
	unsigned nrows;
	/*
	 * Indices into rows[] of the stages with samples in both runs whose p50
	 * or mean moved, most first (ties in catalogue order). Stages that
	 * appeared or vanished have no ratio: their status says it.
	 */
	unsigned biggest[XPKT_CMP_BIGGEST];
	unsigned nbiggest;
	/* Per stage in catalogue order: kprobes, then the union of each run's
	 * top XPKT_CMP_HOT_FUNCS functions (A's order first). */
	struct xpkt_cmp_hot hot[XPKT_CMP_MAX_HOT];
	unsigned nhot;
};

/*
 * Fills c from two runs (pointers into a and b are kept: they must outlive
 * c). Runs of different modes have different catalogue rows, so they cannot
 * be compared row by row: -1 with err naming both runs.
 */
int xpkt_compare_build(struct xpkt_compare *c, const char *name_a, const struct xpkt_results *a,
		       const char *name_b, const struct xpkt_results *b, struct xpkt_err *err);

/* B/A of two non-negative values; NAN when a is 0 (no change is a ratio of 0). */
double xpkt_cmp_ratio(double a, double b);

/*
 * A ratio for people: "-43 %" below 1 (a fall never exceeds -100 %),
 * "+12 %" below 2, "x2.31" from 2 up (growth has no bound, and "+1131 %"
 * reads worse than "x12.3"), "0 %" within half a percent, "x0.0042" below
 * 0.01 (where every fall would print as "-100 %"), "-" for NAN.
 */
const char *xpkt_cmp_fmt_ratio(char *buf, size_t len, double ratio);

/* "new", "gone", "absent" or "" (both runs have samples). */
const char *xpkt_cmp_status_name(enum xpkt_cmp_status s);

/*
 * Run-level measures (a table in compare.c): what a whole run did, beside
 * its stages. value() gives NAN where the run has nothing to measure it by
 * (no packets of that direction, no hotspot probes), shown as "-".
 */
struct xpkt_cmp_measure {
	const char *name; /* "rx_payload_rate", "guest_tcp_collapse_per_1000_rx" */
	const char *unit; /* "Mbit/s", "calls per 1000 packets" */
	const char *what; /* one line for people */
	double (*value)(const struct xpkt_results *r);
};
const struct xpkt_cmp_measure *xpkt_cmp_measures(unsigned *n);

/* The lost-event counters of both runs, matched by source name. */
struct xpkt_cmp_lost {
	const char *source;
	int in_a, in_b; /* the run has this source */
	uint64_t a, b;
};

/* Union of the two runs' sources, A's order first; returns how many (<= max). */
unsigned xpkt_compare_lost(const struct xpkt_compare *c, struct xpkt_cmp_lost *out, unsigned max);

#endif
