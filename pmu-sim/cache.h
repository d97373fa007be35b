/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cache.h - one set-associative, true-LRU array of tagged blocks: the model
 * behind every cache (block = line) and TLB (block = 4 KiB page) of pmu-sim.
 *
 * A lookup that misses allocates (write-allocate for stores, since the model
 * does not tell loads from stores) and evicts the set's least recently used
 * block. Entries may be tagged global so that a flush can keep them, as x86
 * keeps PTEs with G=1 across a CR3 load when CR4.PGE is set.
 */
#ifndef XPKT_PMU_SIM_CACHE_H
#define XPKT_PMU_SIM_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

/* Shape of one array: sets * ways blocks of 2^block_shift bytes. */
struct pmu_geom {
	uint32_t sets;
	uint32_t ways;
	unsigned block_shift;
	/* TLBs ("ENTRIES:WAYS:G"): entries for hypervisor addresses are tagged
	 * global (plugin.c decides which addresses are the hypervisor's) */
	bool global_hv;
	char text[40]; /* as given in the option, for outputs */
};

struct pmu_cache {
	/* sets * ways entries, each set ordered most recently used first; empty
	 * entries (PMU_CACHE_EMPTY) only ever sit at the end of a set. */
	uint64_t *tag;
	/* Block of the last lookup, or PMU_CACHE_EMPTY: it is certainly the
	 * MRU entry of its set (nothing has touched the array since), so a
	 * repeat lookup is a hit that changes nothing. Exact, and it skips the
	 * search for the common runs of accesses to one line or page. */
	uint64_t last_blk;
	uint64_t access;
	uint64_t miss;
	uint64_t flushes;
	/* Last: its sets/ways/shift still share the first 64 bytes with the
	 * fields above, which is all a lookup touches besides the set. */
	struct pmu_geom g;
};

#define PMU_CACHE_EMPTY UINT64_MAX

/* "SIZE:WAYS:LINE" (SIZE with K/M/G suffix, in bytes): a cache. */
int pmu_geom_parse_cache(struct pmu_geom *g, const char *text, struct xpkt_err *err);
/* "ENTRIES:WAYS[:G]": a TLB of 4 KiB pages; G tags hypervisor entries global. */
int pmu_geom_parse_tlb(struct pmu_geom *g, const char *text, struct xpkt_err *err);
bool pmu_geom_equal(const struct pmu_geom *a, const struct pmu_geom *b);

int pmu_cache_init(struct pmu_cache *c, const struct pmu_geom *g, struct xpkt_err *err);
void pmu_cache_free(struct pmu_cache *c);

/* One lookup of the block holding addr; true on a hit. global only matters
 * when the block is allocated. */
static inline bool pmu_cache_access(struct pmu_cache *c, uint64_t addr, bool global)
{
	uint64_t blk = addr >> c->g.block_shift;
	uint64_t *set = c->tag + (blk & (c->g.sets - 1)) * c->g.ways;
	uint32_t i;

	c->access++;
	if (blk == c->last_blk)
		return true;
	c->last_blk = blk;
	for (i = 0; i < c->g.ways && set[i] != PMU_CACHE_EMPTY; i++) {
		if (set[i] >> 1 == blk) {
			uint64_t e = set[i];

			for (; i > 0; i--)
				set[i] = set[i - 1];
			set[0] = e;
			return true;
		}
	}
	c->miss++;
	if (i == c->g.ways)
		i--; /* full: the LRU entry (last) goes */
	for (; i > 0; i--)
		set[i] = set[i - 1];
	set[0] = blk << 1 | (global ? 1 : 0);
	return false;
}

/* Invalidates every entry, or every entry not tagged global. */
void pmu_cache_flush(struct pmu_cache *c, bool keep_global);

#endif
