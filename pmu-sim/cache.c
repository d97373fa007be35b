// SPDX-License-Identifier: GPL-2.0
/*
 * cache.c - geometry parsing, setup and flushing of the set-associative LRU
 * arrays in cache.h (the per-access lookup is inline there: it runs on every
 * guest memory access).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pmu-sim/cache.h"

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static unsigned log2u(uint64_t v)
{
	unsigned s = 0;

	while (v > 1) {
		v >>= 1;
		s++;
	}
	return s;
}

/* A decimal number with an optional K/M/G (binary) suffix, ending at ':' or '\0'. */
static int parse_num(const char **p, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtoull(*p, &end, 0);
	if (errno)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end != ':' && *end != '\0')
		return -1;
	*out = v;
	*p = *end == ':' ? end + 1 : end;
	return 0;
}

static int geom_set(struct pmu_geom *g, const char *text, uint64_t blocks, uint64_t ways,
		    uint64_t block_bytes, struct xpkt_err *err)
{
	if (!is_pow2(block_bytes))
		return xpkt_err_set(err, "'%s': block size %" PRIu64 " is not a power of two", text,
				    block_bytes);
	if (!ways || ways > 64 || blocks % ways)
		return xpkt_err_set(
		    err, "'%s': %" PRIu64 " ways do not divide %" PRIu64 " blocks (1..64 ways)",
		    text, ways, blocks);
	/* Set index = low bits of the block number, as real caches index. */
	if (!is_pow2(blocks / ways) || blocks / ways > (1u << 24))
		return xpkt_err_set(err, "'%s': %" PRIu64 " sets is not a power of two up to 2^24",
				    text, blocks / ways);
	if (strlen(text) >= sizeof(g->text))
		return xpkt_err_set(err, "'%s': too long", text);
	g->sets = (uint32_t)(blocks / ways);
	g->ways = (uint32_t)ways;
	g->block_shift = log2u(block_bytes);
	strcpy(g->text, text);
	return 0;
}

int pmu_geom_parse_cache(struct pmu_geom *g, const char *text, struct xpkt_err *err)
{
	const char *p = text;
	uint64_t size, ways, line;

	if (parse_num(&p, &size) || parse_num(&p, &ways) || parse_num(&p, &line) || *p)
		return xpkt_err_set(err, "'%s': expected SIZE:WAYS:LINE, e.g. 32K:8:64", text);
	if (!line || size % line)
		return xpkt_err_set(err, "'%s': size is not a multiple of the line size", text);
	return geom_set(g, text, size / line, ways, line, err);
}

int pmu_geom_parse_tlb(struct pmu_geom *g, const char *text, struct xpkt_err *err)
{
	const char *p = text;
	uint64_t entries, ways;

	bool global_hv = false;

	if (parse_num(&p, &entries) || parse_num(&p, &ways))
		return xpkt_err_set(err, "'%s': expected ENTRIES:WAYS[:G], e.g. 64:4", text);
	if (*p) {
		/* parse_num consumed the ':' before it */
		if (strcmp(p, "G") != 0)
			return xpkt_err_set(err, "'%s': expected ENTRIES:WAYS[:G], e.g. 64:4",
					    text);
		global_hv = true;
	}
	/* 4 KiB pages: the model keys on the virtual page, whatever the guest maps. */
	if (geom_set(g, text, entries, ways, 4096, err))
		return -1;
	g->global_hv = global_hv;
	return 0;
}

bool pmu_geom_equal(const struct pmu_geom *a, const struct pmu_geom *b)
{
	return a->sets == b->sets && a->ways == b->ways && a->block_shift == b->block_shift &&
	       a->global_hv == b->global_hv;
}

int pmu_cache_init(struct pmu_cache *c, const struct pmu_geom *g, struct xpkt_err *err)
{
	size_t n = (size_t)g->sets * g->ways;

	memset(c, 0, sizeof(*c));
	c->g = *g;
	c->last_blk = PMU_CACHE_EMPTY;
	c->tag = malloc(n * sizeof(*c->tag));
	if (!c->tag)
		return xpkt_err_set(err, "'%s': out of memory for %zu entries", g->text, n);
	for (size_t i = 0; i < n; i++)
		c->tag[i] = PMU_CACHE_EMPTY;
	return 0;
}

void pmu_cache_free(struct pmu_cache *c)
{
	free(c->tag);
	c->tag = NULL;
}

void pmu_cache_flush(struct pmu_cache *c, bool keep_global)
{
	size_t n = (size_t)c->g.sets * c->g.ways;

	c->flushes++;
	c->last_blk = PMU_CACHE_EMPTY;
	if (!keep_global) {
		for (size_t i = 0; i < n; i++)
			c->tag[i] = PMU_CACHE_EMPTY;
		return;
	}
	/* Keep global entries in their LRU order, packed at the front of the set. */
	for (uint32_t s = 0; s < c->g.sets; s++) {
		uint64_t *set = c->tag + (size_t)s * c->g.ways;
		uint32_t w = 0;

		for (uint32_t r = 0; r < c->g.ways && set[r] != PMU_CACHE_EMPTY; r++)
			if (set[r] & 1)
				set[w++] = set[r];
		for (; w < c->g.ways; w++)
			set[w] = PMU_CACHE_EMPTY;
	}
}
