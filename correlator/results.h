/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results.h - what a correlation run produces, and all that renderers read.
 *
 * The same structure carries the generator's ground truth (synth fills it
 * from exact samples) and the correlator's answer (filled from histograms),
 * and one writer (viz/report_json.c) serializes both, so truth.json and
 * `report --json` share a schema by construction.
 *
 * Stage latency: the time from the packet's previous attached stage to this
 * one. The origin stage of a direction has no previous stage; its count is the
 * packets created there and its latency fields are 0. A stage whose packet
 * had no earlier attached stage (the origin was lost) adds no sample.
 */
#ifndef XPKT_CORRELATOR_RESULTS_H
#define XPKT_CORRELATOR_RESULTS_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "tracepoints/sim_event.h"
#include "tracepoints/stage.h"

struct xpkt_hist; /* correlator/hist.h; NULL in ground truth */

/*
 * One hardware counter's deltas at a stage (docs/correlation.md section 11):
 * the counter at this stage minus at the packet's previous attached stage,
 * both read on the same CPU of the same source. count and sum are exact;
 * p50/p99 come from the histogram (0.4 %) in the correlator, exact in truth.
 */
struct xpkt_pmu_stats {
	uint64_t count;
	uint64_t sum;
	double mean;
	uint64_t min, p50, p99, max;
	struct xpkt_hist *hist; /* NULL in ground truth */
};

/* PC samples at one instruction address (a stage's, or a domain's outside stages). */
struct xpkt_ip_count {
	uint64_t ip;
	uint64_t samples;
};

/* PC samples in one function (sym/hotspots.c names a stage's ips). */
struct xpkt_func_count {
	char name[64];	 /* "[unknown]" where no symbol table covers the address */
	char module[32]; /* "" for the core kernel or hypervisor */
	uint64_t samples;
};

/* Receive-side hotspot kprobes (XPKT_EV_HOT_*), one index per probed function. */
enum xpkt_hot {
	XPKT_HOT_COPY_BITS = 0,
	XPKT_HOT_COLLAPSE = 1,
	XPKT_HOT_PRUNE = 2,
	XPKT_HOT_COALESCE = 3,
	XPKT_HOT_PULL_TAIL = 4,
	XPKT_HOT_COUNT
};

/*
 * One translation block's simulated counts (model instance 0) in one stage
 * (dir, stage; both -1 for "no stage") and one domain's code: domain is
 * XPKT_DOM_XEN for Xen's addresses, else the Linux domain that ran
 * (domid), or XPKT_DOM_COUNT if unknown. c[] in enum xpkt_sim_tb_counter
 * order. Summed over the blocks of a stage, c[] equal its sim[] sums.
 */
struct xpkt_sim_block {
	uint64_t ip;
	int8_t dir, stage;
	uint8_t domain;
	uint16_t domid;
	uint64_t c[XPKT_SIMTB_COUNTERS];
};

struct xpkt_sim_annot {
	struct xpkt_sim_block *blocks; /* by (dir, stage, domain, domid, ip) */
	uint64_t nblocks;
	uint64_t entries;  /* XPKT_EV_SIM_TB events read */
	uint64_t unowned;  /* of those, in an interval no owner was told of (before the first) */
	uint64_t no_stage; /* of those, in intervals no stage took */
};

struct xpkt_stage_stats {
	uint64_t count; /* latency samples (packets, for the origin stage) */
	double mean_ns;
	uint64_t min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
	double total_ns;       /* sum of samples: mean_ns * count */
	uint64_t unattributed; /* events of this stage no packet could be found for */
	/*
	 * Events that matched this row (event id, domain, device kind and, on
	 * the wire, direction), attached or not: extra slots of a per-slot
	 * row, unattributed ones and header-only frames included. For an
	 * UNMAP_CALL row (tlb_flush) only the driver domain's grant-unmap
	 * hypercalls count: each is one unmap batch. event_bytes sums their
	 * len (bytes copied or mapped, payload; 0 for rows without one).
	 * 0 in truth.
	 */
	uint64_t events;
	uint64_t event_bytes;
	/*
	 * 1: the stage's times are inferred from a related record, not
	 * observed (a catalogue row flagged XPKT_STAGE_INFERRED, and the trace
	 * had no record that measures it: tlb_flush without xen-patch/'s
	 * flush records). Every renderer labels such a stage.
	 */
	uint8_t inferred;
	struct xpkt_hist *hist; /* full distribution for renderers, or NULL */
	/* PMU deltas, counters in xpkt_results.pmu.counters order */
	struct xpkt_pmu_stats pmu[XPKT_PMU_MAX];
	uint64_t pmu_cross_cpu; /* previous stage read on another CPU of that source: no delta */
	uint64_t pmu_unpaired;	/* previous stage in another source, or read without counters */
	/*
	 * Hotspots attributed to this stage (docs/correlation.md section 12):
	 * kprobe calls (and their len) on a packet's skb between its previous
	 * stage and this one, and statistical PC samples on the CPU that
	 * recorded this stage, inside that interval. ips: the samples by
	 * address, sorted by address (the CLI names them with sym/). 0 and
	 * NULL in truth, except hot_calls/hot_bytes, which the generator knows.
	 */
	uint64_t hot_calls[XPKT_HOT_COUNT];
	uint64_t hot_bytes[XPKT_HOT_COUNT];
	uint64_t samples;
	struct xpkt_ip_count *ips;
	uint32_t nips;
	/* ips by function, most samples first; NULL until symbolized */
	struct xpkt_func_count *funcs;
	uint32_t nfuncs;
	/*
	 * Simulated PMU deltas (pmu-sim, docs/correlation.md section 13), in
	 * enum xpkt_sim_counter order: the stage interval's counters on its
	 * physical CPU. sim_cross_cpu: the two ends ran on different physical
	 * CPUs; sim_unpaired: an end's physical CPU or counters are unknown.
	 */
	struct xpkt_pmu_stats sim[XPKT_SIM_COUNTERS];
	uint64_t sim_cross_cpu;
	uint64_t sim_unpaired;
};

/* What the bundle says of hardware counters (manifest "pmu" of its Linux sources). */
struct xpkt_pmu_summary {
	int known;			 /* some Linux source has a "pmu" object */
	int available;			 /* some Linux source recorded counters */
	char reason[256];		 /* "SOURCE: why" of the sources without (first ones) */
	char counters[XPKT_PMU_MAX][24]; /* of the first source with counters */
	unsigned ncounters;
	uint64_t records; /* PMU records read (0 in truth) */
	uint64_t orphans; /* records with no attached stage event right before them */
};

#define XPKT_MAX_REASONS 32

struct xpkt_reason_count {
	char reason[48];
	uint64_t count;
};

struct xpkt_packet_counts {
	uint64_t total, complete, partial, dropped;
	/* RX segments dom0's GRO appended to an earlier segment's skb (their own
	 * skb never reaches netif_receive_skb): ended, neither partial nor lost */
	uint64_t merged;
	struct xpkt_reason_count partial_reasons[XPKT_MAX_REASONS]; /* "missing grant_claim" */
	unsigned npartial_reasons;
	struct xpkt_reason_count drop_reasons[XPKT_MAX_REASONS]; /* kfree_skb reason names */
	unsigned ndrop_reasons;
};

/* How one source's clock was put on the common timebase. */
struct xpkt_clock_alignment {
	char source[32];
	char clock[16];
	int64_t offset; /* ticks (tsc) or ns, as in the manifest */
	char offset_from[48];
	/* Causal check: smallest observed gap (ns) from an event in this source to
	 * the next stage of the same packet in another source; negative means the
	 * alignment is wrong by at least that much. INT64_MAX if never checked. */
	int64_t min_causal_gap_ns;
	uint64_t inversions; /* packets whose next stage ran earlier than this one */
};

/*
 * pmu-sim cache/TLB scaling (seed 001 section 4.2, Figures 13-17;
 * correlator/simscale.c): with several model instances in one stream,
 * each instance's L2, ITLB and DTLB accesses and misses (enum
 * xpkt_sim_model_counter order), summed over the record intervals each
 * stage took (simpmu.h's owner of each interval), over those no stage
 * took, and over all of them. Instances the plugin simulated with one
 * shared array (same geometry) have equal counts by construction.
 */
#define XPKT_SIM_SCALE_MODELS 16 /* the plugin's PMU_MAX_MODELS */

struct xpkt_sim_scale_model {
	/* geometry texts as the plugin got them ("1M:16:64", "64:4:G", "off") */
	char l1i[33], l1d[33], l2[33], itlb[33], dtlb[33];
	/* ":G": this instance's TLB entries for the hypervisor's range survive CR3 loads */
	uint8_t itlb_global, dtlb_global;
};

struct xpkt_sim_scaling {
	unsigned nmodels;
	struct xpkt_sim_scale_model model[XPKT_SIM_SCALE_MODELS];
	uint64_t stage[XPKT_DIR_COUNT][XPKT_MAX_STAGES][XPKT_SIM_SCALE_MODELS][XPKT_SIMM_COUNTERS];
	uint64_t stage_intervals[XPKT_DIR_COUNT][XPKT_MAX_STAGES]; /* record intervals taken */
	uint64_t no_stage[XPKT_SIM_SCALE_MODELS][XPKT_SIMM_COUNTERS];
	uint64_t total[XPKT_SIM_SCALE_MODELS][XPKT_SIMM_COUNTERS]; /* stages + no stage */
	/* record intervals told, and of those the ones a stage took */
	uint64_t intervals;
	uint64_t intervals_owned;
	/* intervals whose two records did not both carry every model's counters
	 * (events lost or out of place), and model deltas left out because a
	 * counter went back: in no sum */
	uint64_t intervals_unknown;
	uint64_t deltas_backwards;
};

struct xpkt_results {
	/* enum xpkt_mode whose catalogue rows index stages[][]; 0 reads as Xen. */
	unsigned mode;
	struct xpkt_stage_stats stages[XPKT_DIR_COUNT][XPKT_MAX_STAGES];
	struct xpkt_packet_counts packets; /* both directions */
	struct xpkt_packet_counts by_dir[XPKT_DIR_COUNT];
	struct {
		char source[32];
		uint64_t events;
	} lost[XPKT_MAX_SOURCES]; /* per source, in manifest order */
	unsigned nlost;
	struct xpkt_clock_alignment clocks[XPKT_MAX_SOURCES];
	unsigned nclocks;
	uint64_t events_read;			  /* 0 in truth */
	uint64_t max_in_flight;			  /* peak packets held at once; 0 in truth */
	uint64_t source_events[XPKT_MAX_SOURCES]; /* events read per source; 0 in truth */
	struct xpkt_pmu_summary pmu;
	/*
	 * Hotspot kprobe events per recording domain class (enum xpkt_domain):
	 * calls, and the len they carry (skb_copy_bits: bytes copied;
	 * tcp_collapse: 0). No stage uses them; diag/ does. 0 in truth.
	 */
	uint64_t hot_calls[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	uint64_t hot_bytes[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	/*
	 * Of those, calls no stage got: the skb was of no packet in flight
	 * (hot_no_packet), or the packet ended before a later stage
	 * (hot_after_end). Attributed ones are in the stages' hot_calls.
	 */
	uint64_t hot_no_packet[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	uint64_t hot_after_end[XPKT_DOM_COUNT][XPKT_HOT_COUNT];
	/*
	 * PC samples per recording domain: all, the idle task's (never
	 * attributed), and the busy ones that fell in no stage interval.
	 */
	/*
	 * Data segments TCP received with their skb's truesize (the guest's
	 * tcp_rcv_established kprobe; tcp_probe has none), per domain: their
	 * number, payload bytes and truesize bytes. The receive buffer is
	 * charged truesize: a ratio far above 1 is the tcp_adv_win_scale class
	 * of collapse (diag/). 0 in truth.
	 */
	uint64_t rcv_truesize_segs[XPKT_DOM_COUNT];
	uint64_t rcv_truesize_payload[XPKT_DOM_COUNT];
	uint64_t rcv_truesize_bytes[XPKT_DOM_COUNT];
	uint64_t samples[XPKT_DOM_COUNT];
	uint64_t samples_idle[XPKT_DOM_COUNT];
	uint64_t samples_outside[XPKT_DOM_COUNT];
	/* The driver domain's TLB flush records (xen-patch/: TRC_MEM_GNTTAB_FLUSH)
	 * and the grant ops they retired; 0 from a stock hypervisor, and in truth. */
	uint64_t tlb_flush_records;
	uint64_t tlb_flush_ops;
	/*
	 * Payload bytes of the packets created per direction (their origin
	 * events' len: TCP build in the guest, the wire on RX) and the first and
	 * last origin time (host ns): the run's offered rate, for compare. 0 in
	 * truth.
	 */
	uint64_t origin_bytes[XPKT_DIR_COUNT];
	uint64_t origin_first_ns[XPKT_DIR_COUNT], origin_last_ns[XPKT_DIR_COUNT];
	/*
	 * pmu-sim (section 13): sim_known, the bundle has a counter stream;
	 * sim_model, model instance 0's geometry ("l1i=32K:8:64 l1d=..."); the
	 * records read; and, summed over physical CPUs, the instructions between
	 * each CPU's first and last record and those the stages got (never more).
	 */
	int sim_known;
	char sim_model[192];
	uint64_t sim_records;
	uint64_t sim_insns_total;
	uint64_t sim_insns_claimed;
	/* record intervals told "no stage" early for lack of room (simpmu.h) */
	uint64_t sim_ivals_forced;
	/* stage claims that reached back into intervals already told (simpmu.h):
	 * 0, or listeners' per-stage sums fall short of the stages' deltas */
	uint64_t sim_claims_late;
	/* pmu-sim annotate=1: per-block counts by stage and domain (simannot.h); NULL without */
	struct xpkt_sim_annot *sim_annot;
	/* several pmu-sim models: the scaling sums (simscale.c); NULL with one
	 * model or none; owned by the results (xpkt_results_free) */
	struct xpkt_sim_scaling *sim_scaling;
};

/* Adds n to the counter named reason in a reason list (creating it). */
void xpkt_reason_add(struct xpkt_reason_count *list, unsigned *n, const char *reason,
		     uint64_t count);
/* The probed function of a hotspot kind ("skb_copy_bits"); "?" if out of range. */
const char *xpkt_hot_name(unsigned h);
/* The hotspot kind an event id counts as, or -1 (not a hotspot kprobe). */
int xpkt_hot_of_event(unsigned id);
/* Fills r->pmu's known, available, reason and counters from the manifest. */
void xpkt_results_pmu_from_manifest(struct xpkt_results *r, const struct xpkt_manifest *m);

#endif
