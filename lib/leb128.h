/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leb128.h - unsigned LEB128 numbers (7 bits a byte, low bits first, the
 * high bit set on every byte but the last), as DWARF has them: the pmu-sim
 * stream's ANNOT entries (pmu-sim/stream_format.h), where most counts are
 * below 128 and take one byte. Header-only, because the QEMU plugin, built
 * on its own, writes them too.
 */
#ifndef XPKT_LIB_LEB128_H
#define XPKT_LIB_LEB128_H

#include <stddef.h>
#include <stdint.h>

/* Writes x at p (at most 10 bytes); returns the bytes written. */
static inline size_t xpkt_leb128_put(uint8_t *p, uint64_t x)
{
	size_t n = 0;

	do {
		p[n++] = (uint8_t)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
		x >>= 7;
	} while (x);
	return n;
}

/*
 * Reads one number of at most 32 bits at buf[*pos], not at or past end, and
 * moves *pos past it: 0, or -1 if it is cut short or does not fit 32 bits
 * (*pos then undefined).
 */
static inline int xpkt_leb128_get32(const uint8_t *buf, size_t *pos, size_t end, uint32_t *out)
{
	uint64_t x = 0;

	for (unsigned sh = 0;; sh += 7) {
		uint8_t b;

		if (*pos >= end || sh > 28)
			return -1;
		b = buf[(*pos)++];
		x |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80))
			break;
	}
	if (x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

#endif
