// SPDX-License-Identifier: GPL-2.0
/*
 * test_model.c - host-side cmocka tests of pmu-sim's pieces that need no
 * QEMU: geometry parsing, the LRU array (expected states worked out by hand
 * from the LRU rule), global-entry flushes, option lists, and the byte-level
 * recognition of CR loads, invlpg, port output and the ROI marker (encodings
 * from the Intel SDM vol. 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pmu-sim/cache.h"
#include "pmu-sim/config.h"
#include "pmu-sim/x86insn.h"

static void test_geometry(void **state)
{
	struct pmu_geom g;
	struct xpkt_err err;

	(void)state;
	assert_int_equal(pmu_geom_parse_cache(&g, "32K:8:64", &err), 0);
	assert_int_equal(g.sets, 32768 / 64 / 8);
	assert_int_equal(g.ways, 8);
	assert_int_equal(g.block_shift, 6);
	assert_int_equal(pmu_geom_parse_cache(&g, "1M:16:64", &err), 0);
	assert_int_equal(g.sets, 1024);
	assert_int_equal(pmu_geom_parse_tlb(&g, "64:4", &err), 0);
	assert_int_equal(g.sets, 16);
	assert_int_equal(g.block_shift, 12);
	assert_int_equal(pmu_geom_parse_tlb(&g, "64:64", &err), 0); /* fully associative */
	assert_int_equal(g.sets, 1);
	assert_int_equal(pmu_geom_parse_cache(&g, "3K:16:64", &err), -1); /* 3 sets */
	assert_int_equal(pmu_geom_parse_cache(&g, "32K:8:48", &err), -1); /* line not 2^n */
	assert_int_equal(pmu_geom_parse_cache(&g, "32K:3:64", &err), -1);
	assert_int_equal(pmu_geom_parse_cache(&g, "32K:8", &err), -1);
	assert_int_equal(pmu_geom_parse_cache(&g, "32Q:8:64", &err), -1);
	assert_int_equal(pmu_geom_parse_tlb(&g, "64:4:1", &err), -1);
	assert_non_null(strstr(err.msg, "64:4:1"));
}

/* One set, two ways, 64-byte lines: A B A C A B -> m m h m h m (C evicts
 * B, the LRU; B then evicts C). */
static void test_lru_order(void **state)
{
	struct pmu_geom g;
	struct pmu_cache c;
	struct xpkt_err err;
	const uint64_t A = 0x0, B = 0x40, C = 0x80;

	(void)state;
	assert_int_equal(pmu_geom_parse_cache(&g, "128:2:64", &err), 0);
	assert_int_equal(g.sets, 1);
	assert_int_equal(pmu_cache_init(&c, &g, &err), 0);
	assert_false(pmu_cache_access(&c, A, false));
	assert_false(pmu_cache_access(&c, B + 8, false)); /* same line as B */
	assert_true(pmu_cache_access(&c, A + 63, false));
	assert_false(pmu_cache_access(&c, C, false));
	assert_true(pmu_cache_access(&c, A, false));
	assert_false(pmu_cache_access(&c, B, false));
	assert_false(pmu_cache_access(&c, C, false)); /* B evicted C above */
	assert_int_equal(c.access, 7);
	assert_int_equal(c.miss, 5);
	/* Repeats of the last line (the MRU shortcut) change no order: after
	 * C C, the set is {C, B}; A evicts B. */
	assert_true(pmu_cache_access(&c, C, false));
	assert_false(pmu_cache_access(&c, A, false));
	assert_false(pmu_cache_access(&c, B, false));
	assert_true(pmu_cache_access(&c, A, false));
	pmu_cache_free(&c);
}

/* Sets are independent: two sets, one way; lines 0 and 2 share set 0. */
static void test_sets(void **state)
{
	struct pmu_geom g;
	struct pmu_cache c;
	struct xpkt_err err;

	(void)state;
	assert_int_equal(pmu_geom_parse_cache(&g, "128:1:64", &err), 0);
	assert_int_equal(pmu_cache_init(&c, &g, &err), 0);
	assert_false(pmu_cache_access(&c, 0 * 64, false));
	assert_false(pmu_cache_access(&c, 1 * 64, false));
	assert_false(pmu_cache_access(&c, 2 * 64, false)); /* evicts line 0 */
	assert_true(pmu_cache_access(&c, 1 * 64, false));
	assert_false(pmu_cache_access(&c, 0 * 64, false));
	pmu_cache_free(&c);
}

static void test_global_flush(void **state)
{
	struct pmu_geom g;
	struct pmu_cache c;
	struct xpkt_err err;

	(void)state;
	assert_int_equal(pmu_geom_parse_tlb(&g, "4:4", &err), 0);
	assert_int_equal(pmu_cache_init(&c, &g, &err), 0);
	pmu_cache_access(&c, 0x1000, false);
	pmu_cache_access(&c, 0x2000, true);
	pmu_cache_access(&c, 0x3000, false);
	pmu_cache_access(&c, 0x4000, true);
	pmu_cache_flush(&c, true);
	assert_true(pmu_cache_access(&c, 0x4000, true));
	assert_true(pmu_cache_access(&c, 0x2000, true));
	assert_false(pmu_cache_access(&c, 0x1000, false));
	assert_false(pmu_cache_access(&c, 0x3000, false));
	/* Four entries again, all valid: a fifth page evicts the LRU (0x4000). */
	assert_false(pmu_cache_access(&c, 0x5000, false));
	assert_true(pmu_cache_access(&c, 0x2000, true));
	assert_false(pmu_cache_access(&c, 0x4000, true));
	pmu_cache_flush(&c, false);
	assert_false(pmu_cache_access(&c, 0x2000, true));
	pmu_cache_free(&c);
}

static void test_config_lists(void **state)
{
	struct pmu_config cfg;
	struct xpkt_err err;
	char a0[] = "l2=256K:16:64+512K:16:64+1M:16:64", a1[] = "dtlb=32:4+64:4+128:4",
	     a2[] = "out=/tmp/x", a3[] = "global_hv=1", a4[] = "hv_base=0x800000";
	char *ok[] = {a0, a1, a2, a3, a4};
	char b0[] = "l2=256K:16:64+512K:16:64", b1[] = "dtlb=32:4+64:4+128:4";
	char *mismatch[] = {b0, b1};
	char c0[] = "l3=1M:16:64";
	char *unknown[] = {c0};
	char d0[] = "l1i=off", d1[] = "itlb=off";
	char *off[] = {d0, d1};

	(void)state;
	assert_int_equal(pmu_config_parse(&cfg, 5, ok, &err), 0);
	assert_int_equal(cfg.n_models, 3);
	assert_string_equal(cfg.geom[PMU_L2][2].text, "1M:16:64");
	assert_string_equal(cfg.geom[PMU_DTLB][1].text, "64:4");
	assert_string_equal(cfg.geom[PMU_L1D][2].text, "32K:8:64"); /* default, shared */
	assert_true(cfg.global_hv);
	assert_int_equal(cfg.hv_base, 0x800000);
	assert_string_equal(cfg.out_path, "/tmp/x");
	assert_int_equal(pmu_config_parse(&cfg, 2, mismatch, &err), -1);
	assert_non_null(strstr(err.msg, "configurations"));
	assert_int_equal(pmu_config_parse(&cfg, 1, unknown, &err), -1);
	assert_non_null(strstr(err.msg, "unknown key"));
	assert_int_equal(pmu_config_parse(&cfg, 2, off, &err), 0);
	assert_int_equal(cfg.n_models, 1);
	assert_int_equal(cfg.geom[PMU_L1I][0].sets, 0);
	assert_string_equal(cfg.geom[PMU_ITLB][0].text, "off");
	assert_int_equal(cfg.geom[PMU_L1D][0].sets, 64);
}

static enum pmu_insn_kind kind_of(const uint8_t *b, size_t n)
{
	return pmu_insn_classify(b, n);
}

#define CLASSIFY(...)                                                                              \
	kind_of((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void test_insn_classify(void **state)
{
	(void)state;
	assert_int_equal(CLASSIFY(0x0f, 0x22, 0xd8), PMU_INSN_MOV_CR3);	      /* mov %eax,%cr3 */
	assert_int_equal(CLASSIFY(0x0f, 0x22, 0xdf), PMU_INSN_MOV_CR3);	      /* mov %edi,%cr3 */
	assert_int_equal(CLASSIFY(0x41, 0x0f, 0x22, 0xd8), PMU_INSN_MOV_CR3); /* mov %r8,%cr3 */
	assert_int_equal(CLASSIFY(0x44, 0x0f, 0x22, 0xc0), PMU_INSN_OTHER);   /* mov %rax,%cr8 */
	assert_int_equal(CLASSIFY(0x0f, 0x20, 0xd8), PMU_INSN_OTHER);	      /* mov %cr3,%eax */
	assert_int_equal(CLASSIFY(0x0f, 0x22, 0x18), PMU_INSN_MOV_CR3);	      /* mod ignored */
	assert_int_equal(CLASSIFY(0x0f, 0x22, 0xe0), PMU_INSN_MOV_CR4);
	assert_int_equal(CLASSIFY(0x0f, 0x22, 0xc0), PMU_INSN_MOV_CR0);
	assert_int_equal(CLASSIFY(0x0f, 0x01, 0x38), PMU_INSN_INVLPG);	     /* invlpg (%eax) */
	assert_int_equal(CLASSIFY(0x0f, 0x01, 0x7d, 0x08), PMU_INSN_INVLPG); /* invlpg 8(%ebp) */
	assert_int_equal(CLASSIFY(0x0f, 0x01, 0xf8), PMU_INSN_OTHER);	     /* swapgs */
	assert_int_equal(CLASSIFY(0x0f, 0x01, 0xf9), PMU_INSN_OTHER);	     /* rdtscp */
	assert_int_equal(CLASSIFY(0x0f, 0x01, 0x10), PMU_INSN_OTHER);	     /* lgdt (%eax) */
	assert_int_equal(CLASSIFY(0x66, 0x87, 0xdb), PMU_INSN_MARKER);
	assert_int_equal(CLASSIFY(0x87, 0xdb), PMU_INSN_OTHER); /* xchg %ebx,%ebx */
	assert_int_equal(CLASSIFY(0xe6, 0x92), PMU_INSN_OUT);	/* out %al,$0x92 */
	assert_int_equal(CLASSIFY(0xee), PMU_INSN_OUT);		/* out %al,(%dx) */
	assert_int_equal(CLASSIFY(0x0f), PMU_INSN_OTHER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_geometry),	 cmocka_unit_test(test_lru_order),
	    cmocka_unit_test(test_sets),	 cmocka_unit_test(test_global_flush),
	    cmocka_unit_test(test_config_lists), cmocka_unit_test(test_insn_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
