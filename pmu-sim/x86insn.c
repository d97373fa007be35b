// SPDX-License-Identifier: GPL-2.0
/*
 * x86insn.c - byte-level recognition of CR3/CR4 loads, invlpg and the ROI
 * marker (see x86insn.h).
 */
#include <stdbool.h>

#include "pmu-sim/x86insn.h"

/* Legacy prefixes (SDM vol. 2, 2.1.1); they may precede the opcode in any order. */
static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0:
	case 0xf2:
	case 0xf3:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x26:
	case 0x64:
	case 0x65:
	case 0x66:
	case 0x67:
		return true;
	}
	return false;
}

enum pmu_insn_kind pmu_insn_classify(const uint8_t *b, size_t len)
{
	size_t i = 0;

	/* Exactly these three bytes: with other prefixes it would not be the
	 * marker Bochs and our test guest use. */
	if (len == 3 && b[0] == 0x66 && b[1] == 0x87 && b[2] == 0xdb)
		return PMU_INSN_MARKER;
	while (i < len && is_legacy_prefix(b[i]))
		i++;
	/* A REX prefix (40..4F) can only be part of the instruction in 64-bit
	 * mode; in 32-bit mode those bytes are inc/dec, separate instructions,
	 * so QEMU never reports them inside this one. */
	unsigned rex_r = 0;

	if (i < len && (b[i] & 0xf0) == 0x40)
		rex_r = (b[i++] & 4) << 1; /* REX.R extends ModRM.reg: 0F 22 with it is CR8.. */
	if (i < len && (b[i] == 0xe6 || b[i] == 0xe7 || b[i] == 0xee || b[i] == 0xef))
		return PMU_INSN_OUT;
	if (i + 3 > len)
		return PMU_INSN_OTHER;
	if (b[i] != 0x0f)
		return PMU_INSN_OTHER;
	uint8_t op = b[i + 1], modrm = b[i + 2];
	unsigned mod = modrm >> 6, reg = ((modrm >> 3) & 7) | rex_r;

	/* MOV to CR ignores ModRM.mod (SDM vol. 2, MOV--Move to/from Control
	 * Registers): assemblers emit 11b, but any value is the same instruction. */
	if (op == 0x22 && reg == 0)
		return PMU_INSN_MOV_CR0;
	if (op == 0x22 && reg == 3)
		return PMU_INSN_MOV_CR3;
	if (op == 0x22 && reg == 4)
		return PMU_INSN_MOV_CR4;
	if (op == 0x01 && mod != 3 && (reg & 7) == 7)
		return PMU_INSN_INVLPG;
	return PMU_INSN_OTHER;
}
