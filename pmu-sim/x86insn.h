/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86insn.h - recognise, from its bytes alone, the few x86 instructions the
 * model reacts to. A TCG plugin sees instruction bytes but no register
 * values, so every decision here is made at translation time.
 */
#ifndef XPKT_PMU_SIM_X86INSN_H
#define XPKT_PMU_SIM_X86INSN_H

#include <stddef.h>
#include <stdint.h>

enum pmu_insn_kind {
	PMU_INSN_OTHER,
	PMU_INSN_MOV_CR0, /* 0F 22 /0: may turn paging on or off */
	PMU_INSN_MOV_CR3, /* 0F 22 /3 (any mod): loads CR3, drops non-global TLB entries */
	PMU_INSN_MOV_CR4, /* 0F 22 /4: Xen and Linux toggle CR4.PGE to flush everything */
	PMU_INSN_INVLPG,  /* 0F 01 /7, mod!=3 (mod=3 is swapgs/rdtscp) */
	PMU_INSN_MARKER,  /* 66 87 DB, xchg %bx,%bx: Bochs's magic breakpoint, a no-op */
	PMU_INSN_OUT,	  /* E6 E7 EE EF: port output, e.g. the A20 gate at port 0x92 */
};

enum pmu_insn_kind pmu_insn_classify(const uint8_t *bytes, size_t len);

#endif
