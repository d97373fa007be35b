// SPDX-License-Identifier: GPL-2.0
/* timebase.c - source clock to host-TSC nanoseconds (see timebase.h). */
#include "correlator/timebase.h"

__extension__ typedef __int128 s128;
__extension__ typedef unsigned __int128 u128;

#define NS_PER_S 1000000000ull

int xpkt_timebase_init(struct xpkt_timebase *tb, const struct xpkt_source *src, uint64_t tsc_hz,
		       struct xpkt_err *err)
{
	tb->clock = src->clock;
	tb->tsc_hz = tsc_hz;
	tb->tsc_offset = src->tsc_offset;
	tb->offset_ns = src->offset_ns;
	tb->fast = tsc_hz && tsc_hz <= UINT64_MAX / NS_PER_S;
	if (src->clock == XPKT_CLOCK_TSC && !tsc_hz)
		return xpkt_err_set(err, "source %s: tsc timebase but the manifest has no tsc_hz",
				    src->name);
	return 0;
}

static uint64_t clamp_u64(s128 v)
{
	if (v < 0)
		return 0;
	if (v > (s128)UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)v;
}

uint64_t xpkt_timebase_ns(const struct xpkt_timebase *tb, uint64_t ts)
{
	s128 x;

	if (tb->clock == XPKT_CLOCK_NS)
		return clamp_u64((s128)ts - tb->offset_ns);
	x = (s128)ts - tb->tsc_offset;
	if (x < 0)
		return 0;
	if (tb->fast && x <= (s128)UINT64_MAX) {
		/* x = q*hz + r: x*1e9/hz = q*1e9 + r*1e9/hz, and r*1e9 < hz*1e9 fits. */
		uint64_t ux = (uint64_t)x, q = ux / tb->tsc_hz, r = ux % tb->tsc_hz;

		return clamp_u64((s128)q * NS_PER_S + (s128)(r * NS_PER_S / tb->tsc_hz));
	}
	return clamp_u64((s128)((u128)x * NS_PER_S / tb->tsc_hz));
}
