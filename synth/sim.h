/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim.h - the generator's internal pieces, shared by the files of synth/:
 * a seeded PRNG and latency draws (opts.c), loss windows (loss.c), the
 * per-source reorder buffers that write the bundle files (sink.c) and the
 * ground-truth bookkeeping (truth.c). Not a public API.
 */
#ifndef XPKT_SYNTH_SIM_H
#define XPKT_SYNTH_SIM_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "correlator/results.h"
#include "lib/err.h"
#include "synth/synth.h"
#include "tracepoints/event.h"
#include "tracepoints/stage.h"

#define SIM_NS_NEVER UINT64_MAX

/* --- PRNG (xoshiro256**, seeded by splitmix64): the same seed, the same bundle --- */
struct sim_rng {
	uint64_t s[4];
};
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
double sim_rng_unit(struct sim_rng *r);				    /* [0, 1) */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);		    /* [0, n) */
double sim_dist_draw(const struct xpkt_dist *d, struct sim_rng *r); /* ns, >= 0 */

/* --- loss windows: [start, end) of host ns in which one source CPU records nothing --- */
struct sim_loss;
struct sim_loss *sim_loss_new(uint64_t seed, double rate, uint64_t start_ns);
int sim_loss_hit(struct sim_loss *l, uint64_t ns);   /* ns must not precede the trim point */
void sim_loss_trim(struct sim_loss *l, uint64_t ns); /* windows ending before ns are done */
void sim_loss_free(struct sim_loss *l);

/* --- ground truth -------------------------------------------------------------------- */
enum { SIM_TARGET_SWITCH_DOM0, SIM_TARGET_SWITCH_GUEST, SIM_TARGET_UNMAP, SIM_TARGETS };

struct sim_tpkt {
	enum xpkt_dir dir;
	uint8_t nstages;
	uint8_t pending;   /* windows not resolved yet */
	uint32_t attached; /* bit i: stage row i attached */
	uint64_t ns[XPKT_MAX_STAGES];
	/* PMU values each Linux stage was read with (bit in pmu_have), its domain and CPU */
	uint32_t pmu_have;
	uint8_t dom[XPKT_MAX_STAGES];
	uint16_t cpu[XPKT_MAX_STAGES];
	uint64_t pmu[XPKT_MAX_STAGES][XPKT_PMU_MAX];
	int dropped; /* the correlator will see the drop */
	unsigned drop_reason;
	struct sim_tpkt *next; /* free list */
};

struct sim_truth;
struct sim_truth *sim_truth_new(struct xpkt_err *err);
/* Counters per PMU record (0: none); before any packet. */
void sim_truth_set_pmu(struct sim_truth *t, unsigned ncounters);
struct sim_tpkt *sim_truth_pkt(struct sim_truth *t); /* zeroed; register with sim_truth_add */
/* Window of stage row `stage`: the first recorded event of target after lo and before hi. */
int sim_truth_window(struct sim_truth *t, struct sim_tpkt *p, int target, unsigned stage,
		     uint64_t lo_ns, uint64_t hi_ns);
int sim_truth_add(struct sim_truth *t, struct sim_tpkt *p); /* after its windows */
void sim_truth_unattributed(struct sim_truth *t, enum xpkt_dir d, unsigned stage, uint64_t n);
/* A hotspot kprobe call (enum xpkt_hot) the correlator attributes to stage. */
void sim_truth_hot(struct sim_truth *t, enum xpkt_dir d, unsigned stage, unsigned h,
		   uint64_t bytes);
/* A recorded Xen event that can close windows, in time order. */
int sim_truth_xen(struct sim_truth *t, int target, uint64_t ns);
/* End of trace: open windows resolve empty; fills r (stages, packets, by_dir). */
int sim_truth_finish(struct sim_truth *t, struct xpkt_results *r, struct xpkt_err *err);
uint64_t sim_truth_in_flight(const struct sim_truth *t);
void sim_truth_free(struct sim_truth *t);

/*
 * pmu-sim deltas (docs/correlation.md section 13): the domids whose Linux
 * vCPUs XEN_SWITCH records place; then, as the sink writes them, every
 * recorded switch-in. Truth replays the correlator's rule at finish.
 */
void sim_truth_set_pmusim(struct sim_truth *t, uint16_t guest_domid, uint16_t dom0_domid);
int sim_truth_switch(struct sim_truth *t, uint16_t dom, uint16_t vcpu, unsigned pcpu, uint64_t ns);

/* --- sinks: per-source reorder buffers and the files behind them ---------------------- */
enum sim_src { SIM_GUEST, SIM_DOM0, SIM_XEN, SIM_WIRE, SIM_NSRC };

#define SIM_XEN_NCPUS  2
#define SIM_LINUX_CPUS 2
#define SIM_DOM_IDLE   32767
#define SIM_DOM_OTHER  2 /* a second guest with no traffic: scheduler noise */
#define SIM_ANY_DOM    0xffff

/* A Xen record the generator asks for; the sink settles it against the pCPU's state. */
enum sim_xen_kind { SIM_XEN_SWITCH, SIM_XEN_HCALL, SIM_XEN_RUNSTATE };
struct sim_xen {
	uint8_t kind;
	uint16_t dom, vcpu; /* SWITCH: next; HCALL: caller (SIM_ANY_DOM: whoever runs); RUNSTATE */
	uint32_t op, cmd, count;
	uint8_t old_state, new_state;
};

struct sim_wire {
	struct xpkt_flow flow;
	uint32_t seq, ack, len;
	uint16_t ip_id;
};

struct sim_sink_cfg {
	const char *dir; /* bundle directory */
	uint64_t tsc_hz;
	int64_t guest_tsc_offset;
	int64_t wire_offset_ns;
	unsigned snaplen;
	uint8_t guest_mac[6], peer_mac[6];
	struct sim_loss *loss[SIM_NSRC][SIM_LINUX_CPUS]; /* NULL: that CPU loses nothing */
};

struct sim_sink;
struct sim_sink *sim_sink_open(const struct sim_sink_cfg *cfg, struct sim_truth *truth,
			       struct xpkt_err *err);
/* Linux events: ev->ts is ignored (set from ns); lost events are kept to count them. */
int sim_sink_kev(struct sim_sink *s, enum sim_src src, uint64_t ns, const struct xpkt_event *ev,
		 int lost);
int sim_sink_xen(struct sim_sink *s, unsigned pcpu, uint64_t ns, const struct sim_xen *x);
int sim_sink_wire(struct sim_sink *s, uint64_t ns, const struct sim_wire *w);
/* Writes out everything before ns (nothing earlier can be added afterwards). */
int sim_sink_flush(struct sim_sink *s, uint64_t before_ns, struct xpkt_err *err);
uint64_t sim_sink_lost(const struct sim_sink *s, enum sim_src src);
uint64_t sim_sink_written(const struct sim_sink *s, enum sim_src src);
uint64_t sim_sink_peak_items(const struct sim_sink *s);
/* Writes out everything, with the lost records still owed at the end. */
int sim_sink_finish(struct sim_sink *s, struct xpkt_err *err);
/* Flushes all, commits every file (or removes them all when abort). Frees s. */
int sim_sink_close(struct sim_sink *s, int abort, struct xpkt_err *err);

/* --- the pmu-sim counter stream (pmusim.c) -------------------------------------------- */
#define SIM_PMUSIM_PERIOD_NS  2000 /* even: records never share a ns with a Xen record */
#define SIM_PMUSIM_FILE	      "pmu.sim"
#define SIM_PMUSIM_TSC_OFFSET 987654321 /* the plugin's TSC minus the trace's */
/* Counters of physical CPU pcpu in its record taken at rec_ns (a multiple of the period). */
void sim_pmusim_values(unsigned pcpu, uint64_t rec_ns, uint64_t v[XPKT_SIM_COUNTERS]);
/* Writes BUNDLE/pmu.sim: records of every pCPU at every period in [from_ns, to_ns + period]. */
int sim_pmusim_write(const char *dir, uint64_t from_ns, uint64_t to_ns, uint64_t tsc_hz,
		     int64_t tsc_offset, struct xpkt_err *err);
/*
 * The stream is version 2 (annotate=1): the interval a record closes is all
 * one translation block's, of two in Xen's range, by the record's parity
 * (SIM_PMUSIM_BLOCK_IP + block * 0x100, named in BUNDLE/xen.kallsyms);
 * sim_pmusim_block_counts gives its counts (the record's model 0 deltas).
 */
#define SIM_PMUSIM_BLOCKS   2
#define SIM_PMUSIM_BLOCK_IP 0xffff82d040300000ull
static inline unsigned sim_pmusim_block(uint64_t rec_ns)
{
	return (unsigned)(rec_ns / SIM_PMUSIM_PERIOD_NS % SIM_PMUSIM_BLOCKS);
}
void sim_pmusim_block_counts(unsigned pcpu, uint64_t rec_ns, uint32_t c[XPKT_SIMTB_COUNTERS]);
extern const char *const sim_pmusim_block_name[SIM_PMUSIM_BLOCKS];
/* The counts per stage and block truth replayed (sim_truth_pmusim_block) as
 * BUNDLE/truth-annotate.json, in `xpkttrace annotate --json`'s shape. */
struct sim_truth;
int sim_pmusim_write_annot_truth(const char *dir, const struct sim_truth *t, struct xpkt_err *err);
const uint64_t *sim_truth_pmusim_block(const struct sim_truth *t, unsigned dir, unsigned stage,
				       unsigned block);
/* The latest time any item was handed to the sink (the trace's end). */
uint64_t sim_sink_last_ns(const struct sim_sink *s);

/* ns -> ticks, the exact inverse of the correlator's floor(ticks * 1e9 / hz) for hz >= 1e9 */
uint64_t sim_ns_to_ticks(uint64_t ns, uint64_t hz);

#endif
