/* SPDX-License-Identifier: GPL-2.0 */
/*
 * params.h - the test guest's workload parameters. tests/cli/pmu-sim.sh
 * reads these same #defines and computes the expected counts from them.
 * Buffers sit at fixed guest-physical addresses (paging stays off, so virtual
 * = physical) that nothing touches before their test: their misses are cold.
 */
#ifndef XPKT_PMU_SIM_TESTGUEST_PARAMS_H
#define XPKT_PMU_SIM_TESTGUEST_PARAMS_H

#define LOOP_K 100000 /* T1: dec/jnz iterations */

#define WALK_BASE  0x00200000 /* T2: line-stride walk */
#define WALK_BYTES 65536
#define WALK_LINE  64
#define WALK_REPS  8

#define SCRATCH_BASE 0x00300000 /* warm-up walk, one line */
#define STORE_BASE   0x00700000 /* T8: T2 with stores */

#define PAGE_BYTES	4096
#define TLB_BIG_BASE	0x00400000 /* T3: more pages than the DTLB holds */
#define TLB_BIG_PAGES	128
#define TLB_SMALL_BASE	0x00600000 /* T4, T5: fewer pages than the DTLB holds */
#define TLB_SMALL_PAGES 32
#define TLB_REPS	4
#define GLOBAL_BASE	0x01000000 /* T6, T7: above the hv_base the test gives */

#define TSC_LOOP_K 5000000 /* between the two TSC pairs: 10^7 instructions */

#endif
