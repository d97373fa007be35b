// SPDX-License-Identifier: GPL-2.0
/*
 * xt-repeat.c - bench input: repeats a real xentrace file's windows until it
 * holds at least N records, every TSC (and a lost record's first_tsc)
 * shifted by one trace span per copy, so the record mix stays a real one.
 *   xt-repeat IN OUT N
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static uint64_t tsc_at(uint8_t *p)
{
	uint32_t lo, hi;
	memcpy(&lo, p, 4);
	memcpy(&hi, p + 4, 4);
	return (uint64_t)hi << 32 | lo;
}
static void tsc_put(uint8_t *p, uint64_t t)
{
	uint32_t lo = (uint32_t)t, hi = (uint32_t)(t >> 32);
	memcpy(p, &lo, 4);
	memcpy(p + 4, &hi, 4);
}
int main(int argc, char **argv)
{
	FILE *in = argc == 4 ? fopen(argv[1], "rb") : NULL;
	FILE *out = argc == 4 ? fopen(argv[2], "wb") : NULL;
	unsigned long long want = argc == 4 ? strtoull(argv[3], NULL, 10) : 0, recs = 0, total = 0;
	uint8_t *buf, *cp;
	long n;
	uint64_t lo = ~0ull, hi = 0, span;
	if (argc != 4 || !in || !out)
		return 1;
	fseek(in, 0, SEEK_END);
	n = ftell(in);
	fseek(in, 0, SEEK_SET);
	buf = malloc(n);
	cp = malloc(n);
	if (!buf || !cp || fread(buf, 1, n, in) != (size_t)n)
		return 1;
	for (long o = 0; o < n;) { /* pass 1: records per copy, TSC range */
		uint32_t len;
		memcpy(&len, buf + o + 8, 4);
		o += 12;
		for (long e = o + len; o < e;) {
			uint32_t h;
			memcpy(&h, buf + o, 4);
			if (h >> 31) {
				uint64_t t = tsc_at(buf + o + 4);
				lo = t < lo ? t : lo;
				hi = t > hi ? t : hi;
			}
			o += 4 + (h >> 31) * 8 + 4 * ((h >> 28) & 7);
			recs++;
		}
	}
	span = hi - lo + 1000000;
	for (uint64_t k = 0; total < want; k++, total += recs) {
		memcpy(cp, buf, n);
		for (long o = 0; o < n;) {
			uint32_t len;
			memcpy(&len, cp + o + 8, 4);
			o += 12;
			for (long e = o + len; o < e;) {
				uint32_t h;
				memcpy(&h, cp + o, 4);
				if (h >> 31) {
					tsc_put(cp + o + 4, tsc_at(cp + o + 4) + k * span);
					if ((h & 0x7fffffff) ==
					    (0x0001f001u | 4u << 28)) /* lost: first_tsc too */
						tsc_put(cp + o + 20,
							tsc_at(cp + o + 20) + k * span);
				}
				o += 4 + (h >> 31) * 8 + 4 * ((h >> 28) & 7);
			}
		}
		if (fwrite(cp, 1, n, out) != (size_t)n)
			return 1;
	}
	return fclose(out) != 0;
}
