// SPDX-License-Identifier: GPL-2.0
/*
 * test_simannot.c - per-block simulated counts by stage and domain
 * (correlator/simannot.c, docs/correlation.md section 14), on hand-made
 * streams where every expected number is counting:
 *
 *  - physical CPU 0 writes a counter record every STEP ns; before each one
 *    (at its ts, as the decoder orders them) two blocks report their counts
 *    for the interval it closes: one in Xen's range, one in a guest
 *    kernel's. The records' instructions are the running sum of those.
 *  - a packet's stage intervals take whole record intervals (simpmu's
 *    rule), so a stage's blocks are the intervals' blocks, counted;
 *  - the domain of a guest-range block is the domain switched in on the
 *    CPU when its interval began; a Xen-range block is Xen's;
 *  - per stage, the blocks' instructions sum to the stage's simulated
 *    instruction sum (both come from the same intervals);
 *  - blocks of intervals no stage took go to (-1, -1), and blocks before
 *    the CPU's first record (no interval) are counted as unowned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "correlator/correlate.h"
#include "correlator/simannot.h"
#include "correlator/simpmu.h"

#define STEP	 10
#define IP_GUEST 0xffffffff81000100ull
#define IP_XEN	 0xffff82d040201000ull
#define G_INSNS	 3 /* per interval, guest block */
#define X_INSNS	 7 /* per interval, Xen block */

static void feed_block(struct xpkt_simannot *an, uint64_t t, uint64_t ip, uint32_t insns)
{
	struct xpkt_event e;
	uint32_t v[XPKT_SIMTB_COUNTERS] = {0};

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_SIM_TB;
	e.ts = t;
	e.cpu = 0;
	e.ip = ip;
	v[XPKT_SIMTB_INSNS] = insns;
	v[XPKT_SIMTB_DTLB_ACCESS] = insns * 2;
	v[XPKT_SIMTB_DTLB_MISS] = 1;
	xpkt_sim_tb_set(&e, v);
	assert_int_equal(xpkt_simannot_event(an, &e), 0);
}

static void feed_record(struct xpkt_simpmu *sp, uint64_t t, uint64_t insns)
{
	struct xpkt_event e;
	uint64_t v[XPKT_SIM_COUNTERS] = {insns, 0, 0, 0, 0};

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_SIM_PMU;
	e.ts = t;
	e.cpu = 0;
	xpkt_sim_event_set(&e, v);
	assert_int_equal(xpkt_simpmu_record(sp, &e), 0);
}

static void feed_switch(struct xpkt_simpmu *sp, uint64_t t, uint16_t domid)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = XPKT_EV_XEN_SWITCH;
	e.ts = t;
	e.cpu = 0;
	e.domid = domid;
	assert_int_equal(xpkt_simpmu_switch(sp, &e), 0);
}

static void attach(struct xpkt_simpmu *sp, unsigned s, int prev, uint64_t t)
{
	struct xpkt_simpmu_at a = {.domain = XPKT_DOM_XEN, .cpu = 0, .ts = t};

	assert_int_equal(xpkt_simpmu_attach(sp, 0, 1, XPKT_TX, s, prev, &a), 0);
}

/* The block (dir, stage, domain, ip), or NULL. */
static const struct xpkt_sim_block *find(const struct xpkt_sim_annot *sa, int dir, int stage,
					 uint8_t domain, uint64_t ip)
{
	for (uint64_t i = 0; i < sa->nblocks; i++) {
		const struct xpkt_sim_block *b = &sa->blocks[i];

		if (b->dir == dir && b->stage == stage && b->domain == domain && b->ip == ip)
			return b;
	}
	return NULL;
}

static uint64_t insns_of(const struct xpkt_sim_annot *sa, int dir, int stage, uint8_t domain,
			 uint64_t ip)
{
	const struct xpkt_sim_block *b = find(sa, dir, stage, domain, ip);

	return b ? b->c[XPKT_SIMTB_INSNS] : 0;
}

static void test_attribution(void **state)
{
	struct xpkt_simpmu *sp = xpkt_simpmu_new();
	struct xpkt_simannot *an;
	struct xpkt_results r;
	const struct xpkt_sim_annot *sa;
	uint64_t insns = 0, sum[3] = {0};

	(void)state;
	assert_non_null(sp);
	an = xpkt_simannot_new(sp, 0);
	assert_non_null(an);
	memset(&r, 0, sizeof(r));
	/* blocks before the first record: no interval holds them */
	feed_block(an, 0, IP_GUEST, 5);
	feed_switch(sp, 5, 1);	 /* domU 1 from 5 */
	feed_switch(sp, 505, 0); /* dom0 from 505 */
	for (uint64_t t = 0; t < 1000; t += STEP) {
		if (t) {
			feed_block(an, t, IP_GUEST, G_INSNS);
			feed_block(an, t, IP_XEN, X_INSNS);
			insns += G_INSNS + X_INSNS;
		}
		feed_record(sp, t, insns);
		/* the stages, in time order with the records (as merged) */
		if (t == 100)
			attach(sp, 0, -1, 105);
		if (t == 430)
			attach(sp, 1, 0, 437);
		if (t == 700)
			attach(sp, 2, 1, 705);
	}
	assert_int_equal(xpkt_simpmu_finish(sp, &r), 0);
	assert_int_equal(xpkt_simannot_finish(an, &r), 0);
	sa = r.sim_annot;
	assert_non_null(sa);

	/* stage 1: (105, 437] = the intervals ending at 110..430, 33 of them,
	 * all begun under domU 1 */
	assert_int_equal(insns_of(sa, XPKT_TX, 1, XPKT_DOM_GUEST, IP_GUEST), 33 * G_INSNS);
	assert_int_equal(insns_of(sa, XPKT_TX, 1, XPKT_DOM_XEN, IP_XEN), 33 * X_INSNS);
	assert_int_equal(find(sa, XPKT_TX, 1, XPKT_DOM_GUEST, IP_GUEST)->domid, 1);
	assert_int_equal(find(sa, XPKT_TX, 1, XPKT_DOM_XEN, IP_XEN)->domid, XPKT_DOMID_NONE);
	assert_int_equal(find(sa, XPKT_TX, 1, XPKT_DOM_XEN, IP_XEN)->c[XPKT_SIMTB_DTLB_MISS], 33);
	/* stage 2: (437, 705] = ends 440..700, 27; those begun before the
	 * switch at 505 (ends 440..510, 8) are domU's, the rest (19) dom0's */
	assert_int_equal(insns_of(sa, XPKT_TX, 2, XPKT_DOM_GUEST, IP_GUEST), 8 * G_INSNS);
	assert_int_equal(insns_of(sa, XPKT_TX, 2, XPKT_DOM_DOM0, IP_GUEST), 19 * G_INSNS);
	assert_int_equal(insns_of(sa, XPKT_TX, 2, XPKT_DOM_XEN, IP_XEN), 27 * X_INSNS);
	/* no stage: ends 10..100 (10) and 710..990 (29) */
	assert_int_equal(insns_of(sa, -1, -1, XPKT_DOM_XEN, IP_XEN), 39 * X_INSNS);
	assert_int_equal(sa->no_stage, 2 * 39);
	/* the block before the first record */
	assert_int_equal(sa->unowned, 1);
	assert_int_equal(sa->entries, 2 * 99 + 1);

	/* the blocks of a stage sum to its simulated instructions */
	for (uint64_t i = 0; i < sa->nblocks; i++)
		if (sa->blocks[i].dir == XPKT_TX && sa->blocks[i].stage >= 0)
			sum[sa->blocks[i].stage] += sa->blocks[i].c[XPKT_SIMTB_INSNS];
	for (unsigned s = 1; s < 3; s++) {
		assert_true(sum[s] > 0);
		assert_int_equal(sum[s], r.stages[XPKT_TX][s].sim[XPKT_SIM_INSNS].sum);
	}
	/* sorted by (dir, stage, domain, domid, ip): no-stage rows first */
	for (uint64_t i = 1; i < sa->nblocks; i++)
		assert_true(sa->blocks[i - 1].dir < sa->blocks[i].dir ||
			    (sa->blocks[i - 1].dir == sa->blocks[i].dir &&
			     sa->blocks[i - 1].stage <= sa->blocks[i].stage));

	xpkt_results_free(&r);
	xpkt_simannot_free(an);
	xpkt_simpmu_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attribution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
