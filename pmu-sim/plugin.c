// SPDX-License-Identifier: GPL-2.0
/*
 * plugin.c - xpkt-pmu-sim.so, a QEMU TCG plugin that stands in for a PMU:
 * per vCPU it counts instructions (exact), loads and stores, and feeds
 * set-associative LRU models of L1I, L1D, a unified L2, an ITLB and a DTLB,
 * several configurations side by side (docs/pmu-sim.md).
 *
 * QEMU calls back at translation time (we look at every instruction once,
 * register per-TB, per-memory-access and a few per-instruction callbacks) and
 * then at execution time on the vCPU's own thread, so per-vCPU state needs no
 * locking; only the output file and the TB descriptor table are shared.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "lib/afile.h"
#include "lib/leb128.h"
#include "pmu-sim/cache.h"
#include "pmu-sim/config.h"
#include "pmu-sim/qemu_plugin_api.h"
#include "pmu-sim/stream.h"
#include "pmu-sim/x86insn.h"

XPKT_QEMU_PLUGIN_EXPORT int qemu_plugin_version = XPKT_QEMU_PLUGIN_API_VERSION;

/*
 * Model instances share identical upstream arrays: if two instances differ
 * only in L2, their L1s see the same stream and would compute the same
 * thing, so each distinct L1I/L1D/ITLB/DTLB geometry is simulated once
 * ("unit") and each instance points at its units. An L2 unit is distinct per
 * (L2 geometry, L1I unit, L1D unit), because that is what decides its input.
 * A level given as "off" has no unit (NO_UNIT); its counters read 0.
 */
#define NO_UNIT UINT32_MAX

struct l2_unit {
	unsigned l1i, l1d; /* the L1 units whose misses feed it */
};

static struct {
	struct pmu_config cfg;
	unsigned n_units[PMU_LEVELS];
	struct pmu_geom unit_geom[PMU_LEVELS][PMU_MAX_MODELS];
	unsigned model_unit[PMU_LEVELS][PMU_MAX_MODELS];
	struct l2_unit l2src[PMU_MAX_MODELS];
	int n_vcpus;
	struct vcpu **vcpu;
	struct afile out;
	bool out_path_set; /* out= given (constant after install) */
	bool out_open;	   /* under out_lock */
	pthread_mutex_t out_lock;
	/* TB descriptors, deduplicated (see tb_desc_get) */
	pthread_mutex_t tb_lock;
	struct tb_desc **tb_tab;
	size_t tb_cap, tb_used;
	uint64_t seq;
	/* counter stream (stream=FILE) */
	struct pmu_stream stream;
	bool stream_on;
	/* stream_from_marker: set by the first marker; read racily by every
	 * vCPU's TB callback, which only delays the first periodic record */
	volatile bool marker_seen;
	uint64_t period_tsc, tsc_hz, start_tsc;
	/* insn_check=1: instructions counted by an inline add before each one.
	 * Inline ops are shared by all vCPUs, so it is a check for one vCPU:
	 * the per-TB count exceeds it by the tails of blocks an exception cut
	 * short (less one per exception, as the faulting instruction's own add
	 * has run). */
	uint64_t inline_insns;
} g = {
    .out_lock = PTHREAD_MUTEX_INITIALIZER,
    .tb_lock = PTHREAD_MUTEX_INITIALIZER,
};

#define VP_SLOTS 512 /* direct-mapped by virtual page number */

/*
 * annotate=1: what one translation block did, on one vCPU, since that
 * vCPU's last counter record (model instance 0). Indexed by block id; the
 * counts are live while gen equals the vCPU's seg_gen, so starting a new
 * interval costs no clearing of the table.
 */
struct tb_slot {
	uint32_t c[PMU_ANNOT_COUNTERS];
	uint32_t gen;
	uint8_t defined; /* this vCPU wrote the block's TBDEF */
};

enum annot_counter {
	AN_INSNS = 0,
	AN_L1I_ACC,
	AN_L1I_MISS,
	AN_L1D_ACC,
	AN_L1D_MISS,
	AN_L2_ACC,
	AN_L2_MISS,
	AN_ITLB_ACC,
	AN_ITLB_MISS,
	AN_DTLB_ACC,
	AN_DTLB_MISS,
};

/* The access/miss counter pair of each level, in enum pmu_level order. */
static const uint8_t annot_acc[PMU_LEVELS] = {AN_L1I_ACC, AN_L1D_ACC, AN_L2_ACC, AN_ITLB_ACC,
					      AN_DTLB_ACC};

struct vcpu {
	uint64_t insns;
	uint64_t loads, stores;
	uint64_t io;	    /* accesses to MMIO: counted, not cached (uncacheable) */
	uint64_t cr3_loads; /* mov to CR3 executed: non-global TLB entries dropped */
	uint64_t cr4_loads; /* mov to CR4 executed: all TLB entries dropped */
	uint64_t invlpgs;
	uint64_t markers;
	struct pmu_cache *unit[PMU_LEVELS];
	/* Guest-virtual to guest-physical page cache (phys_cache=1), valid
	 * while slot.gen == vp_gen; see translate(). */
	uint32_t vp_gen;
	uint64_t vp_checks, vp_mismatches; /* phys_cache=verify */
	uint64_t last_record_tsc;
	struct pmu_stream_buf sbuf;
	/* annotate=1 */
	struct tb_slot *slot; /* by block id */
	uint32_t nslot;
	struct tb_slot *cur; /* the executing block's slot (spare if none) */
	struct tb_slot spare;
	uint32_t seg_gen;
	uint32_t *touched; /* block ids with live counts in this interval */
	uint32_t ntouched, captouched;
	bool annot_started;  /* first counter record taken: earlier counts dropped */
	uint64_t annot_lost; /* block executions counted nowhere (out of memory) */
	uint8_t *annot_buf;  /* one ANNOT payload being encoded */
	struct vp_slot {
		uint64_t vpage;
		uint64_t pbase; /* physical page address | 1 if MMIO */
		uint32_t gen;
	} vp[VP_SLOTS];
};

/*
 * What the TB exec callback needs: instruction count and the byte span
 * fetched. QEMU gives no "TB freed" event, so one descriptor per distinct
 * (vaddr, span, count) lives until exit instead of one per translation
 * (retranslations of the same code are common after TB flushes).
 */
struct tb_desc {
	uint64_t vaddr, end; /* [vaddr, end) fetched by one execution */
	uint32_t n_insns;
	uint32_t id; /* dense from 0: the stream's TBDEF id (annotate=1) */
};

/* Whether TLB c tags vaddr's entry global: the seed's experiment (Figure
 * 17), for Xen's own range only (a PV guest's kernel sits above it). */
static inline bool hv_global(const struct pmu_cache *c, uint64_t vaddr)
{
	return (g.cfg.global_hv || c->g.global_hv) && vaddr >= g.cfg.hv_base &&
	       vaddr < g.cfg.hv_end;
}

static inline struct vcpu *vcpu_get(unsigned int vcpu_index)
{
	return (int)vcpu_index < g.n_vcpus ? g.vcpu[vcpu_index] : NULL;
}

/* --- execution-time callbacks: keep them lean
 * ------------------------------------------ */

static inline void annot_count(struct vcpu *v, int lv, unsigned u, bool hit);

static void feed_l2(struct vcpu *v, bool from_l1i, unsigned src, uint64_t addr)
{
	for (unsigned u = 0; u < g.n_units[PMU_L2]; u++)
		if ((from_l1i ? g.l2src[u].l1i : g.l2src[u].l1d) == src)
			annot_count(v, PMU_L2, u,
				    pmu_cache_access(&v->unit[PMU_L2][u], addr, false));
}

static const struct pmu_cache no_unit = {.g = {.text = "off"}};

/* Model m's array at level lv (a zero one if the level is off). */
static inline const struct pmu_cache *model_cache(const struct vcpu *v, int lv, unsigned m)
{
	unsigned u = g.model_unit[lv][m];

	return u == NO_UNIT ? &no_unit : &v->unit[lv][u];
}

/* --- annotation (annotate=1) -------------------------------------------- */

/* Counts one lookup of model 0's array at level lv, unit u, in the executing
 * block's slot: the stream's per-block counts then sum to exactly the
 * counter records' model 0 deltas. */
static inline void annot_count(struct vcpu *v, int lv, unsigned u, bool hit)
{
	if (g.cfg.annotate && u == g.model_unit[lv][0]) {
		v->cur->c[annot_acc[lv]]++;
		v->cur->c[annot_acc[lv] + 1] += !hit;
	}
}

/*
 * Slot id, its counts started in the current interval if they were not
 * (the vCPU's thread); the spare slot, counted nowhere, if out of memory.
 */
static struct tb_slot *annot_touch(struct vcpu *v, uint32_t id)
{
	struct tb_slot *sl = &v->slot[id];

	if (sl->gen == v->seg_gen)
		return sl;
	if (v->ntouched == v->captouched) {
		uint32_t cap = v->captouched ? 2 * v->captouched : 4096;
		uint32_t *n;

		/* under the buffer's lock: QEMU's exit path may be cutting the
		 * interval (stream_record) from another thread */
		pthread_mutex_lock(&v->sbuf.lock);
		n = realloc(v->touched, cap * sizeof(*n));
		if (n) {
			v->touched = n;
			v->captouched = cap;
		}
		pthread_mutex_unlock(&v->sbuf.lock);
		if (!n) {
			v->annot_lost++;
			return &v->spare;
		}
	}
	memset(sl->c, 0, sizeof(sl->c));
	sl->gen = v->seg_gen;
	v->touched[v->ntouched++] = id;
	return sl;
}

/* The block d starts executing on v: its slot becomes current. */
static void annot_enter(struct vcpu *v, unsigned int vcpu_index, const struct tb_desc *d)
{
	struct tb_slot *sl;

	if (d->id >= v->nslot) {
		uint32_t n = v->nslot ? v->nslot : 4096;
		struct tb_slot *s;

		while (n <= d->id)
			n *= 2;
		pthread_mutex_lock(&v->sbuf.lock); /* as in annot_touch */
		s = realloc(v->slot, n * sizeof(*s));
		if (s) {
			memset(s + v->nslot, 0, (n - v->nslot) * sizeof(*s));
			v->slot = s;
			v->nslot = n;
		}
		pthread_mutex_unlock(&v->sbuf.lock);
		if (!s) {
			v->annot_lost++;
			v->cur = &v->spare;
			return;
		}
	}
	sl = &v->slot[d->id];
	if (!sl->defined && g.stream_on) {
		struct pmu_stream_tbdef def = {
		    .id = d->id, .n_insns = d->n_insns, .vaddr = d->vaddr};
		uint8_t *p;

		pthread_mutex_lock(&v->sbuf.lock);
		p = pmu_stream_add_var(&g.stream, &v->sbuf, 0, vcpu_index, PMU_STREAM_TBDEF,
				       sizeof(def));
		if (p)
			memcpy(p, &def, sizeof(def));
		pthread_mutex_unlock(&v->sbuf.lock);
		sl->defined = 1;
	}
	v->cur = annot_touch(v, d->id);
	v->cur->c[AN_INSNS] += d->n_insns;
}

/*
 * Ends the vCPU's interval at a counter record taken at tsc (sbuf lock
 * held): its blocks' counts go out as ANNOT records just before that
 * record. tail = instructions of the executing block after the record (a
 * record inside a block, at a marker or CR3 load): they belong to the next
 * interval, as they do in the counter records.
 */
static void annot_cut(struct vcpu *v, unsigned int vcpu_index, uint64_t tsc, uint64_t tail)
{
	const size_t max_entry = 5 * (1 + PMU_ANNOT_COUNTERS);
	struct tb_slot *cur = v->cur;
	size_t used = 0;

	if (cur && cur != &v->spare)
		cur->c[AN_INSNS] -= (uint32_t)tail;
	if (!v->annot_buf)
		v->annot_buf = malloc(UINT16_MAX);
	for (uint32_t i = 0; v->annot_started && v->annot_buf && i < v->ntouched; i++) {
		const struct tb_slot *sl = &v->slot[v->touched[i]];

		used += xpkt_leb128_put(v->annot_buf + used, v->touched[i]);
		for (unsigned k = 0; k < PMU_ANNOT_COUNTERS; k++)
			used += xpkt_leb128_put(v->annot_buf + used, sl->c[k]);
		if (used + max_entry > UINT16_MAX || i + 1 == v->ntouched) {
			uint8_t *p = pmu_stream_add_var(&g.stream, &v->sbuf, tsc, vcpu_index,
							PMU_STREAM_ANNOT, used);

			if (p)
				memcpy(p, v->annot_buf, used);
			used = 0;
		}
	}
	v->annot_started = true;
	v->ntouched = 0;
	if (++v->seg_gen == 0)
		v->seg_gen = 1; /* slots of gen 0 are never live */
	if (cur && cur != &v->spare) {
		/* touched was just emptied and has room: annot_touch will not take
		 * the buffer's lock, which is held here */
		v->cur = annot_touch(v, (uint32_t)(cur - v->slot));
		v->cur->c[AN_INSNS] += (uint32_t)tail;
	}
}

/* One stream record of every counter; insns as in write_line(). */
static void stream_record(struct vcpu *v, unsigned int vcpu_index, enum pmu_stream_kind kind,
			  uint64_t insns, uint64_t tsc)
{
	uint64_t *c;

	pthread_mutex_lock(&v->sbuf.lock);
	if (g.cfg.annotate)
		annot_cut(v, vcpu_index, tsc, v->insns - insns);
	c = pmu_stream_add(&g.stream, &v->sbuf, tsc, vcpu_index, kind);
	if (c) {
		*c++ = insns;
		*c++ = v->loads;
		*c++ = v->stores;
		*c++ = v->io;
		*c++ = v->cr3_loads;
		*c++ = v->cr4_loads;
		*c++ = v->invlpgs;
		for (unsigned m = 0; m < g.cfg.n_models; m++)
			for (int lv = 0; lv < PMU_LEVELS; lv++) {
				const struct pmu_cache *u = model_cache(v, lv, m);

				*c++ = u->access;
				*c++ = u->miss;
			}
	}
	pthread_mutex_unlock(&v->sbuf.lock);
}

static void on_tb_exec(unsigned int vcpu_index, void *userdata)
{
	const struct tb_desc *d = userdata;
	struct vcpu *v = vcpu_get(vcpu_index);

	if (!v)
		return;
	/* A TB boundary: the counters cover every earlier instruction and
	 * none of this block. The TSC read costs ~26 cycles per TB. */
	if (g.stream_on && (!g.cfg.stream_from_marker || g.marker_seen)) {
		uint64_t now = __rdtsc();

		if (now - v->last_record_tsc >= g.period_tsc) {
			v->last_record_tsc = now;
			stream_record(v, vcpu_index, PMU_STREAM_PERIODIC, v->insns, now);
		}
	}
	/* Exact unless the TB stops early (an exception mid-block): TCG calls
	 * this before the block runs. */
	v->insns += d->n_insns;
	if (g.cfg.annotate)
		annot_enter(v, vcpu_index, d);
	/* Fetch is modelled per TB execution: one L1I lookup per line and one
	 * ITLB lookup per page the block spans, in address order. */
	for (unsigned k = 0; k < g.n_units[PMU_L1I]; k++) {
		struct pmu_cache *c = &v->unit[PMU_L1I][k];
		unsigned sh = c->g.block_shift;

		for (uint64_t b = d->vaddr >> sh; b <= (d->end - 1) >> sh; b++) {
			bool hit = pmu_cache_access(c, b << sh, false);

			annot_count(v, PMU_L1I, k, hit);
			if (!hit)
				feed_l2(v, true, k, b << sh);
		}
	}
	for (unsigned k = 0; k < g.n_units[PMU_ITLB]; k++) {
		struct pmu_cache *c = &v->unit[PMU_ITLB][k];

		for (uint64_t p = d->vaddr >> 12; p <= (d->end - 1) >> 12; p++)
			annot_count(v, PMU_ITLB, k,
				    pmu_cache_access(c, p << 12, hv_global(c, p << 12)));
	}
}

/*
 * The address the caches see for vaddr: guest-physical (| 1 if MMIO) where
 * QEMU gives one, else vaddr. Asking QEMU costs a softmmu TLB walk and a RAM
 * block search per access (a quarter of the plugin's time on a Linux boot),
 * so with phys_cache=1 the answer is kept per virtual page. A mapping can
 * change only through instructions the plugin sees: CR0/CR3/CR4 loads and
 * invlpg (x86 requires them before a changed PTE is relied on), and, with
 * paging off, the A20 gate (port output); each drops the whole cache.
 */
static uint64_t translate(struct vcpu *v, qemu_plugin_meminfo_t info, uint64_t vaddr)
{
	struct qemu_plugin_hwaddr *hw;
	struct vp_slot *sl = NULL;
	uint64_t vpage = vaddr >> 12, pa, cached = PMU_CACHE_EMPTY;

	if (!g.cfg.phys)
		return vaddr & ~1ull;
	if (g.cfg.phys_cache) {
		sl = &v->vp[vpage & (VP_SLOTS - 1)];
		if (sl->vpage == vpage && sl->gen == v->vp_gen) {
			if (g.cfg.phys_cache == 1)
				return sl->pbase | (vaddr & 0xffe);
			cached = sl->pbase | (vaddr & 0xffe);
		}
	}
	hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw)
		return vaddr & ~1ull; /* user-mode emulation: no physical address */
	pa = (qemu_plugin_hwaddr_phys_addr(hw) & ~1ull) | (qemu_plugin_hwaddr_is_io(hw) ? 1 : 0);
	if (cached != PMU_CACHE_EMPTY) {
		v->vp_checks++;
		if (cached != pa)
			v->vp_mismatches++;
	}
	if (sl) {
		sl->vpage = vpage;
		sl->pbase = pa & ~0xffeull;
		sl->gen = v->vp_gen;
	}
	return pa;
}

static void on_mem(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
		   void *userdata)
{
	struct vcpu *v = vcpu_get(vcpu_index);
	uint64_t last = vaddr + (1u << qemu_plugin_mem_size_shift(info)) - 1;
	uint64_t addr, addr_last;

	(void)userdata;
	if (!v)
		return;
	if (qemu_plugin_mem_is_store(info))
		v->stores++;
	else
		v->loads++;
	/* The DTLB is keyed by virtual page whatever the access goes to; an
	 * access crossing a page boundary needs both translations. */
	for (unsigned k = 0; k < g.n_units[PMU_DTLB]; k++) {
		struct pmu_cache *c = &v->unit[PMU_DTLB][k];

		annot_count(v, PMU_DTLB, k, pmu_cache_access(c, vaddr, hv_global(c, vaddr)));
		if (last >> 12 != vaddr >> 12)
			annot_count(v, PMU_DTLB, k, pmu_cache_access(c, last, hv_global(c, last)));
	}
	/* Bit 0 of a translated address flags MMIO: uncacheable, counted only.
	 * (Bit 0 never matters to a line index.) */
	addr = translate(v, info, vaddr);
	if (addr & 1) {
		v->io++;
		return;
	}
	addr_last = last >> 12 == vaddr >> 12 ? addr + (last - vaddr) : translate(v, info, last);
	for (unsigned k = 0; k < g.n_units[PMU_L1D]; k++) {
		struct pmu_cache *c = &v->unit[PMU_L1D][k];
		unsigned sh = c->g.block_shift;

		bool hit = pmu_cache_access(c, addr, false);

		annot_count(v, PMU_L1D, k, hit);
		if (!hit)
			feed_l2(v, false, k, addr);
		if (addr_last >> sh != addr >> sh && !(addr_last & 1)) {
			hit = pmu_cache_access(c, addr_last, false);
			annot_count(v, PMU_L1D, k, hit);
			if (!hit)
				feed_l2(v, false, k, addr_last);
		}
	}
}

/* Drops every remembered translation at once; slots of gen 0 never match. */
static void vp_flush(struct vcpu *v)
{
	if (++v->vp_gen == 0) {
		memset(v->vp, 0, sizeof(v->vp));
		v->vp_gen = 1;
	}
}

static void flush_tlbs(struct vcpu *v, bool keep_global)
{
	vp_flush(v);
	for (unsigned k = 0; k < g.n_units[PMU_ITLB]; k++)
		pmu_cache_flush(&v->unit[PMU_ITLB][k], keep_global);
	for (unsigned k = 0; k < g.n_units[PMU_DTLB]; k++)
		pmu_cache_flush(&v->unit[PMU_DTLB][k], keep_global);
}

/* Appends one JSON object (no newline) with every counter of v; insns given
 * separately because a snapshot inside a TB must not count its tail. */
static int json_counters(char *buf, size_t len, const struct vcpu *v, uint64_t insns)
{
	size_t n = 0;
	int r;

#define OUT(...)                                                                                   \
	do {                                                                                       \
		r = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__);                         \
		if (r < 0)                                                                         \
			return -1;                                                                 \
		n += (size_t)r;                                                                    \
	} while (0)

	OUT("\"insns\":%" PRIu64 ",\"loads\":%" PRIu64 ",\"stores\":%" PRIu64 ",\"io\":%" PRIu64
	    ",\"cr3_loads\":%" PRIu64 ",\"cr4_loads\":%" PRIu64 ",\"invlpg\":%" PRIu64,
	    insns, v->loads, v->stores, v->io, v->cr3_loads, v->cr4_loads, v->invlpgs);
	if (g.cfg.insn_check)
		OUT(",\"insns_inline_all_vcpus\":%" PRIu64, g.inline_insns);
	if (g.cfg.phys_cache == 2)
		OUT(",\"phys_cache_checks\":%" PRIu64 ",\"phys_cache_mismatches\":%" PRIu64,
		    v->vp_checks, v->vp_mismatches);
	if (g.cfg.annotate)
		OUT(",\"annot_lost\":%" PRIu64, v->annot_lost);
	/* Model 0's counters at top level too, so one-model users need no array. */
	for (unsigned m = 0; m < g.cfg.n_models; m++) {
		OUT(m == 0 ? "" : "},");
		if (m == 0) {
			for (int lv = 0; lv < PMU_LEVELS; lv++) {
				const struct pmu_cache *c = model_cache(v, lv, 0);

				OUT(",\"%s_access\":%" PRIu64 ",\"%s_miss\":%" PRIu64,
				    pmu_level_name[lv], c->access, pmu_level_name[lv], c->miss);
			}
			OUT(",\"models\":[");
		}
		OUT("{\"model\":%u", m);
		for (int lv = 0; lv < PMU_LEVELS; lv++) {
			const struct pmu_cache *c = model_cache(v, lv, m);

			OUT(",\"%s\":\"%s\",\"%s_access\":%" PRIu64 ",\"%s_miss\":%" PRIu64,
			    pmu_level_name[lv], c->g.text, pmu_level_name[lv], c->access,
			    pmu_level_name[lv], c->miss);
		}
	}
	OUT("}]");
#undef OUT
	return n < len ? 0 : -1;
}

static void write_line(const char *kind, unsigned int vcpu_index, const struct vcpu *v,
		       uint64_t insns, uint64_t tsc)
{
	/* 16 models of 5 levels with 20-digit counters and 39-byte geometry
	 * names need about 10 KiB. */
	char body[12288];

	if (!g.out_path_set || json_counters(body, sizeof(body), v, insns))
		return;
	pthread_mutex_lock(&g.out_lock);
	/* Checked under the lock: the exit path closes the file under it. */
	if (g.out_open)
		fprintf(g.out.fp,
			"{\"kind\":\"%s\",\"seq\":%" PRIu64 ",\"vcpu\":%u,\"tsc\":%" PRIu64
			",%s}\n",
			kind, g.seq++, vcpu_index, tsc, body);
	pthread_mutex_unlock(&g.out_lock);
}

/* userdata of per-instruction callbacks: kind | instructions of the TB from
 * this one (inclusive) to its end << 8. */
static void on_insn_special(unsigned int vcpu_index, void *userdata)
{
	uintptr_t u = (uintptr_t)userdata;
	struct vcpu *v = vcpu_get(vcpu_index);
	uint64_t tsc;

	if (!v)
		return;
	switch ((enum pmu_insn_kind)(u & 0xff)) {
	case PMU_INSN_MOV_CR0:
	case PMU_INSN_OUT:
		vp_flush(v);
		break;
	case PMU_INSN_MOV_CR3:
		/* Without PCIDs a CR3 load drops every non-global translation;
		 * G=1 entries survive only if CR4.PGE is set, which the model
		 * assumes for the global_hv experiment. */
		v->cr3_loads++;
		/* annotate=1: an address space ends, so does the record interval
		 * (the correlator names its blocks by the domain running it) */
		if (g.cfg.annotate && g.stream_on && (!g.cfg.stream_from_marker || g.marker_seen))
			stream_record(v, vcpu_index, PMU_STREAM_CR3, v->insns - (u >> 8),
				      __rdtsc());
		flush_tlbs(v, true);
		break;
	case PMU_INSN_MOV_CR4:
		/* Xen (flush_area_local) and Linux flush global entries by
		 * toggling CR4.PGE; any CR4 write is taken as that. */
		v->cr4_loads++;
		flush_tlbs(v, false);
		break;
	case PMU_INSN_INVLPG:
		/* The operand's address is in registers the plugin cannot
		 * read, so the whole non-global TLB goes: an over-estimate for
		 * the other pages, an under-estimate if the page was global. */
		v->invlpgs++;
		flush_tlbs(v, true);
		break;
	case PMU_INSN_MARKER:
		/* One TSC for both outputs, read first: it should be as close as
		 * possible to a guest rdtsc just before the marker. */
		tsc = __rdtsc();
		v->markers++;
		g.marker_seen = true;
		write_line("roi", vcpu_index, v, v->insns - (u >> 8), tsc);
		if (g.stream_on)
			stream_record(v, vcpu_index, PMU_STREAM_MARKER, v->insns - (u >> 8), tsc);
		break;
	case PMU_INSN_OTHER:
		break;
	}
}

/* --- translation time
 * ---------------------------------------------------------------------- */

static uint64_t tb_hash(uint64_t vaddr, uint64_t end, uint32_t n)
{
	uint64_t h = vaddr * 0x9e3779b97f4a7c15ull ^ (end - vaddr) * 0xc2b2ae3d27d4eb4full ^ n;

	return h ^ (h >> 29);
}

static struct tb_desc *tb_desc_get(uint64_t vaddr, uint64_t end, uint32_t n)
{
	struct tb_desc *d = NULL;
	size_t i;

	pthread_mutex_lock(&g.tb_lock);
	if (2 * (g.tb_used + 1) > g.tb_cap) {
		size_t cap = g.tb_cap ? 2 * g.tb_cap : 4096;
		struct tb_desc **tab = calloc(cap, sizeof(*tab));

		if (!tab)
			goto out;
		for (size_t j = 0; j < g.tb_cap; j++) {
			struct tb_desc *e = g.tb_tab[j];

			if (!e)
				continue;
			for (i = tb_hash(e->vaddr, e->end, e->n_insns) & (cap - 1); tab[i];
			     i = (i + 1) & (cap - 1))
				;
			tab[i] = e;
		}
		free(g.tb_tab);
		g.tb_tab = tab;
		g.tb_cap = cap;
	}
	for (i = tb_hash(vaddr, end, n) & (g.tb_cap - 1); g.tb_tab[i];
	     i = (i + 1) & (g.tb_cap - 1)) {
		d = g.tb_tab[i];
		if (d->vaddr == vaddr && d->end == end && d->n_insns == n)
			goto out;
	}
	d = malloc(sizeof(*d));
	if (d) {
		d->vaddr = vaddr;
		d->end = end;
		d->n_insns = n;
		d->id = (uint32_t)g.tb_used;
		g.tb_tab[i] = d;
		g.tb_used++;
	}
out:
	pthread_mutex_unlock(&g.tb_lock);
	return d;
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t start = qemu_plugin_tb_vaddr(tb), end = start;
	struct tb_desc *d;

	(void)id;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		size_t len = qemu_plugin_insn_size(insn);
		enum pmu_insn_kind kind = pmu_insn_classify(qemu_plugin_insn_data(insn), len);

		end = qemu_plugin_insn_vaddr(insn) + len;
		if (g.cfg.insn_check)
			qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
								   &g.inline_insns, 1);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, NULL);
		if (kind != PMU_INSN_OTHER)
			qemu_plugin_register_vcpu_insn_exec_cb(
			    insn, on_insn_special, QEMU_PLUGIN_CB_NO_REGS,
			    (void *)(uintptr_t)((uintptr_t)(n - i) << 8 | kind));
	}
	if (end <= start)
		end = start + 1;
	d = tb_desc_get(start, end, (uint32_t)n);
	if (d)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec, QEMU_PLUGIN_CB_NO_REGS, d);
}

/* --- setup and teardown
 * ------------------------------------------------------------------- */

static void on_exit_cb(qemu_plugin_id_t id, void *userdata)
{
	struct xpkt_err err;

	(void)id;
	(void)userdata;
	for (int i = 0; i < g.n_vcpus; i++)
		if (g.vcpu[i])
			write_line("total", (unsigned)i, g.vcpu[i], g.vcpu[i]->insns, __rdtsc());
	if (g.stream_on) {
		for (int i = 0; i < g.n_vcpus; i++) {
			struct vcpu *v = g.vcpu[i];

			stream_record(v, (unsigned)i, PMU_STREAM_FINAL, v->insns, __rdtsc());
			pthread_mutex_lock(&v->sbuf.lock);
			pmu_stream_flush(&g.stream, &v->sbuf);
			pthread_mutex_unlock(&v->sbuf.lock);
		}
		if (pmu_stream_close(&g.stream, &err))
			fprintf(stderr, "xpkt-pmu-sim: %s\n", err.msg);
	}
	pthread_mutex_lock(&g.out_lock);
	if (g.out_open) {
		g.out_open = false;
		if (afile_commit(&g.out, &err))
			fprintf(stderr, "xpkt-pmu-sim: %s\n", err.msg);
	}
	pthread_mutex_unlock(&g.out_lock);
	/* vCPU state and TB descriptors stay: vCPU threads may still be
	 * inside a callback while QEMU exits. */
}

static unsigned unit_of(enum pmu_level lv, const struct pmu_geom *geo)
{
	if (!geo->sets)
		return NO_UNIT;
	for (unsigned u = 0; u < g.n_units[lv]; u++)
		if (pmu_geom_equal(&g.unit_geom[lv][u], geo))
			return u;
	g.unit_geom[lv][g.n_units[lv]] = *geo;
	return g.n_units[lv]++;
}

static void plan_units(void)
{
	for (unsigned m = 0; m < g.cfg.n_models; m++) {
		unsigned i = unit_of(PMU_L1I, &g.cfg.geom[PMU_L1I][m]);
		unsigned d = unit_of(PMU_L1D, &g.cfg.geom[PMU_L1D][m]);
		unsigned u;

		g.model_unit[PMU_L1I][m] = i;
		g.model_unit[PMU_L1D][m] = d;
		g.model_unit[PMU_ITLB][m] = unit_of(PMU_ITLB, &g.cfg.geom[PMU_ITLB][m]);
		g.model_unit[PMU_DTLB][m] = unit_of(PMU_DTLB, &g.cfg.geom[PMU_DTLB][m]);
		if (!g.cfg.geom[PMU_L2][m].sets) {
			g.model_unit[PMU_L2][m] = NO_UNIT;
			continue;
		}
		for (u = 0; u < g.n_units[PMU_L2]; u++)
			if (pmu_geom_equal(&g.unit_geom[PMU_L2][u], &g.cfg.geom[PMU_L2][m]) &&
			    g.l2src[u].l1i == i && g.l2src[u].l1d == d)
				break;
		if (u == g.n_units[PMU_L2]) {
			g.unit_geom[PMU_L2][u] = g.cfg.geom[PMU_L2][m];
			g.l2src[u].l1i = i;
			g.l2src[u].l1d = d;
			g.n_units[PMU_L2]++;
		}
		g.model_unit[PMU_L2][m] = u;
	}
}

static struct vcpu *vcpu_new(struct xpkt_err *err)
{
	struct vcpu *v = calloc(1, sizeof(*v));

	if (!v) {
		xpkt_err_set(err, "out of memory");
		return NULL;
	}
	v->vp_gen = 1;
	v->seg_gen = 1;
	v->cur = &v->spare;
	if (g.cfg.stream_path && pmu_stream_buf_init(&v->sbuf, 256 * 1024)) {
		xpkt_err_set(err, "out of memory");
		return NULL;
	}
	for (int lv = 0; lv < PMU_LEVELS; lv++) {
		v->unit[lv] = calloc(g.n_units[lv], sizeof(*v->unit[lv]));
		if (!v->unit[lv]) {
			xpkt_err_set(err, "out of memory");
			return NULL;
		}
		for (unsigned u = 0; u < g.n_units[lv]; u++)
			if (pmu_cache_init(&v->unit[lv][u], &g.unit_geom[lv][u], err))
				return NULL;
	}
	return v;
}

/* Host TSC ticks per second against CLOCK_MONOTONIC over 20 ms (the TSC is
 * invariant on the hosts QEMU's TCG timing relies on). */
static uint64_t measure_tsc_hz(void)
{
	struct timespec t0, t1, nap = {0, 20 * 1000 * 1000};
	uint64_t r0, r1, ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r0 = __rdtsc();
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r1 = __rdtsc();
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t1.tv_nsec -
	     (uint64_t)t0.tv_nsec;
	return ns ? (uint64_t)((double)(r1 - r0) * 1e9 / (double)ns) : 0;
}

static int stream_start(struct xpkt_err *err)
{
	struct pmu_stream_header h;
	struct pmu_stream_model models[PMU_MAX_MODELS];

	g.tsc_hz = measure_tsc_hz();
	g.start_tsc = __rdtsc();
	g.period_tsc = (uint64_t)((double)g.cfg.period_ns * (double)g.tsc_hz / 1e9);
	memset(&h, 0, sizeof(h));
	memset(models, 0, sizeof(models));
	memcpy(h.magic, PMU_STREAM_MAGIC, sizeof(h.magic));
	h.version = g.cfg.annotate ? PMU_STREAM_VERSION_ANNOT : PMU_STREAM_VERSION;
	h.n_vcpus = (uint32_t)g.n_vcpus;
	h.n_models = g.cfg.n_models;
	h.header_bytes = (uint32_t)(sizeof(h) + h.n_models * sizeof(models[0]));
	h.n_counters = PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * h.n_models;
	h.record_bytes = (uint32_t)(sizeof(struct pmu_stream_record) + 8 * h.n_counters);
	h.tsc_hz = g.tsc_hz;
	h.period_ns = g.cfg.period_ns;
	h.start_tsc = g.start_tsc;
	h.hv_base = g.cfg.hv_base;
	h.flags = (g.cfg.global_hv ? PMU_STREAM_F_GLOBAL_HV : 0) |
		  (g.cfg.phys ? PMU_STREAM_F_PHYS : 0) |
		  (g.cfg.phys_cache ? PMU_STREAM_F_PHYS_CACHE : 0);
	for (unsigned m = 0; m < g.cfg.n_models; m++) {
		strcpy(models[m].l1i, g.cfg.geom[PMU_L1I][m].text);
		strcpy(models[m].l1d, g.cfg.geom[PMU_L1D][m].text);
		strcpy(models[m].l2, g.cfg.geom[PMU_L2][m].text);
		strcpy(models[m].itlb, g.cfg.geom[PMU_ITLB][m].text);
		strcpy(models[m].dtlb, g.cfg.geom[PMU_DTLB][m].text);
	}
	if (pmu_stream_open(&g.stream, g.cfg.stream_path, &h, models, err))
		return -1;
	g.stream_on = true;
	return 0;
}

XPKT_QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
						int argc, char **argv)
{
	struct xpkt_err err;

	if (pmu_config_parse(&g.cfg, argc, argv, &err)) {
		fprintf(stderr, "xpkt-pmu-sim: %s\n", err.msg);
		return -1;
	}
	/* vCPU indexes of system emulation run 0..max_vcpus-1; user mode
	 * makes one per thread, unbounded, and has no physical addresses. */
	if (!info->system_emulation || strcmp(info->target_name, "x86_64") != 0) {
		fprintf(stderr, "xpkt-pmu-sim: needs qemu-system-x86_64 (got %s%s)\n",
			info->target_name, info->system_emulation ? "" : " user mode");
		return -1;
	}
	plan_units();
	g.n_vcpus = info->system.max_vcpus > 0 ? info->system.max_vcpus : 1;
	g.vcpu = calloc((size_t)g.n_vcpus, sizeof(*g.vcpu));
	if (!g.vcpu)
		return -1;
	for (int i = 0; i < g.n_vcpus; i++) {
		g.vcpu[i] = vcpu_new(&err);
		if (!g.vcpu[i]) {
			fprintf(stderr, "xpkt-pmu-sim: %s\n", err.msg);
			return -1;
		}
	}
	if (g.cfg.out_path) {
		if (afile_open(&g.out, g.cfg.out_path, &err)) {
			fprintf(stderr, "xpkt-pmu-sim: %s\n", err.msg);
			return -1;
		}
		g.out_open = true;
		g.out_path_set = true;
	}
	if (g.cfg.stream_path && stream_start(&err)) {
		fprintf(stderr, "xpkt-pmu-sim: %s\n", err.msg);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
	return 0;
}
