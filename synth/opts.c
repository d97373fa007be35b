// SPDX-License-Identifier: GPL-2.0
/*
 * opts.c - the generator's options: defaults, latency specs, hazard lists,
 * and the seeded random numbers every draw comes from.
 *
 * Default latencies are those of a Xen PV network path on a busy host, in
 * microseconds (the seeds' life-of-a-packet walk): netfront and netback steps
 * take a few us, waiting for the peer domain to be scheduled takes tens of
 * us (credit scheduler), the NIC's completion and netback's dealloc thread
 * take ~20 us, and a reader's wakeup plus copy to user ~15 us.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/sim.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	return n ? sim_rng_next(r) % n : 0;
}

double sim_dist_draw(const struct xpkt_dist *d, struct sim_rng *r)
{
	double v = 0;

	switch (d->kind) {
	case XPKT_DIST_CONST:
		v = d->a;
		break;
	case XPKT_DIST_UNIFORM:
		v = d->a + (d->b - d->a) * sim_rng_unit(r);
		break;
	case XPKT_DIST_EXP:
		v = -d->a * log(1.0 - sim_rng_unit(r));
		break;
	case XPKT_DIST_LOGNORMAL: {
		/* Box-Muller; one normal per draw keeps the stream position simple. */
		double u1 = 1.0 - sim_rng_unit(r), u2 = sim_rng_unit(r);
		double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);

		v = d->a * exp(d->b * z);
		break;
	}
	}
	/* Cap at 100 ms: a packet's life must stay far below the 10 s idle timeout. */
	if (!(v >= 0))
		v = 0;
	return v > 1e8 ? 1e8 : v;
}

#define US 1000.0

static const struct {
	enum xpkt_dir dir;
	const char *stage;
	struct xpkt_dist dist;
} default_latency[] = {
    {XPKT_TX, "grant_claim", {XPKT_DIST_LOGNORMAL, 3 * US, 0.5}},
    {XPKT_TX, "evtchn_notify", {XPKT_DIST_LOGNORMAL, 1 * US, 0.5}},
    {XPKT_TX, "vm_switch", {XPKT_DIST_EXP, 15 * US, 0}},
    {XPKT_TX, "backend_copy", {XPKT_DIST_LOGNORMAL, 5 * US, 0.6}},
    {XPKT_TX, "backend_map", {XPKT_DIST_LOGNORMAL, 2 * US, 0.4}},
    {XPKT_TX, "backend_deliver", {XPKT_DIST_LOGNORMAL, 3 * US, 0.5}},
    {XPKT_TX, "bridge_forward", {XPKT_DIST_LOGNORMAL, 2 * US, 0.4}},
    {XPKT_TX, "nic_transmit", {XPKT_DIST_LOGNORMAL, 4 * US, 0.5}},
    {XPKT_TX, "wire", {XPKT_DIST_LOGNORMAL, 10 * US, 0.6}},
    /* the unmap hypercall (and its flush) a while after the wire, tx_unmap right after */
    {XPKT_TX, "tlb_flush", {XPKT_DIST_LOGNORMAL, 20 * US, 0.6}},
    {XPKT_TX, "grant_unmap", {XPKT_DIST_LOGNORMAL, 3 * US, 0.4}},
    {XPKT_TX, "tx_complete", {XPKT_DIST_LOGNORMAL, 8 * US, 0.5}},
    {XPKT_RX, "nic_gro", {XPKT_DIST_LOGNORMAL, 6 * US, 0.5}},
    {XPKT_RX, "nic_receive", {XPKT_DIST_LOGNORMAL, 2 * US, 0.5}},
    {XPKT_RX, "bridge_forward", {XPKT_DIST_LOGNORMAL, 2 * US, 0.4}},
    {XPKT_RX, "vif_transmit", {XPKT_DIST_LOGNORMAL, 2 * US, 0.4}},
    {XPKT_RX, "backend_rx_copy", {XPKT_DIST_LOGNORMAL, 6 * US, 0.6}},
    {XPKT_RX, "rx_notify", {XPKT_DIST_LOGNORMAL, 2 * US, 0.4}},
    {XPKT_RX, "vm_switch", {XPKT_DIST_EXP, 20 * US, 0}},
    {XPKT_RX, "netfront_rx", {XPKT_DIST_LOGNORMAL, 5 * US, 0.5}},
    {XPKT_RX, "gro_receive", {XPKT_DIST_LOGNORMAL, 1 * US, 0.3}},
    {XPKT_RX, "tcp_receive", {XPKT_DIST_LOGNORMAL, 2 * US, 0.4}},
    {XPKT_RX, "socket_copy", {XPKT_DIST_LOGNORMAL, 15 * US, 0.8}},
};

void xpkt_synth_defaults(struct xpkt_synth_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->packets = 100000;
	o->seed = 1;
	o->flows = 8;
	o->rx_share = 0.5;
	o->hazards = XPKT_HZ_ALL;
	o->hotspots = 1;
	o->drop_rate = 0.002;
	o->loss_rate = 0.001;
	/* Rows without a listed default (none today) get 2 us. */
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (int i = 0; i < XPKT_MAX_STAGES; i++)
			o->latency[d][i] = (struct xpkt_dist){XPKT_DIST_LOGNORMAL, 2 * US, 0.4};
	for (size_t i = 0; i < sizeof(default_latency) / sizeof(default_latency[0]); i++) {
		int s = xpkt_stage_find(default_latency[i].dir, default_latency[i].stage);

		if (s >= 0)
			o->latency[default_latency[i].dir][s] = default_latency[i].dist;
	}
}

/* A duration: number with optional unit ns, us, ms, s; bare numbers are us. */
static int parse_duration(const char *s, const char **end, double *ns)
{
	char *e;
	double v = strtod(s, &e);

	if (e == s || !isfinite(v) || v < 0)
		return -1;
	if (!strncmp(e, "ns", 2)) {
		e += 2;
	} else if (!strncmp(e, "us", 2)) {
		v *= 1e3;
		e += 2;
	} else if (!strncmp(e, "ms", 2)) {
		v *= 1e6;
		e += 2;
	} else if (*e == 's') {
		v *= 1e9;
		e += 1;
	} else {
		v *= 1e3;
	}
	*ns = v;
	*end = e;
	return 0;
}

static int parse_dist(const char *s, struct xpkt_dist *d)
{
	static const struct {
		const char *name;
		enum xpkt_dist_kind kind;
		int nargs;
	} kinds[] = {
	    {"const:", XPKT_DIST_CONST, 1},
	    {"uniform:", XPKT_DIST_UNIFORM, 2},
	    {"exp:", XPKT_DIST_EXP, 1},
	    {"lognormal:", XPKT_DIST_LOGNORMAL, 2},
	};
	const char *p, *e;
	char *ee;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t n = strlen(kinds[k].name);

		if (strncmp(s, kinds[k].name, n))
			continue;
		p = s + n;
		d->kind = kinds[k].kind;
		d->b = 0;
		if (parse_duration(p, &e, &d->a))
			return -1;
		if (kinds[k].nargs == 1)
			return *e ? -1 : 0;
		if (*e != ',')
			return -1;
		p = e + 1;
		if (d->kind == XPKT_DIST_LOGNORMAL) {
			/* sigma of the underlying normal: a plain number */
			d->b = strtod(p, &ee);
			if (ee == p || *ee || !isfinite(d->b) || d->b < 0 || d->b > 5)
				return -1;
			return 0;
		}
		if (parse_duration(p, &e, &d->b) || *e || d->b < d->a)
			return -1;
		return 0;
	}
	return -1;
}

int xpkt_synth_set_latency(struct xpkt_synth_opts *o, const char *spec, struct xpkt_err *err)
{
	char name[64];
	const char *eq = strchr(spec, '='), *st = spec;
	int dir = -1, found = 0;
	struct xpkt_dist d;

	if (!strncmp(spec, "tx:", 3) || !strncmp(spec, "rx:", 3)) {
		dir = spec[0] == 't' ? XPKT_TX : XPKT_RX;
		st = spec + 3;
	}
	if (!eq || eq < st || (size_t)(eq - st) >= sizeof(name) || eq == st)
		return xpkt_err_set(err, "bad latency spec '%s' (want [tx:|rx:]STAGE=DIST)", spec);
	memcpy(name, st, (size_t)(eq - st));
	name[eq - st] = 0;
	if (parse_dist(eq + 1, &d))
		return xpkt_err_set(err,
				    "bad distribution '%s' (const:A, uniform:A,B, exp:MEAN, "
				    "lognormal:MEDIAN,SIGMA; times in us unless ns/ms/s given)",
				    eq + 1);
	for (int dd = 0; dd < XPKT_DIR_COUNT; dd++) {
		int i;
		unsigned n;
		const struct xpkt_stage *rows = xpkt_stages((enum xpkt_dir)dd, &n);

		if (dir >= 0 && dd != dir)
			continue;
		i = xpkt_stage_find((enum xpkt_dir)dd, name);
		if (i < 0)
			continue;
		if (rows[i].join == XPKT_JOIN_ORIGIN)
			return xpkt_err_set(
			    err, "stage '%s' is where packets start: it has no latency", name);
		o->latency[dd][i] = d;
		found = 1;
	}
	if (!found)
		return xpkt_err_set(err, "no stage '%s'%s%s", name, dir >= 0 ? " in " : "",
				    dir >= 0 ? xpkt_dir_name((enum xpkt_dir)dir) : "");
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} hazard_names[] = {
    {"notify-batch", XPKT_HZ_NOTIFY_BATCH},
    {"gso", XPKT_HZ_GSO},
    {"skb-reuse", XPKT_HZ_SKB_REUSE},
    {"gref-reuse", XPKT_HZ_GREF_REUSE},
    {"tx-reorder", XPKT_HZ_TX_REORDER},
    {"clock-offset", XPKT_HZ_CLOCK_OFFSET},
    {"drops", XPKT_HZ_DROPS},
    {"lost-events", XPKT_HZ_LOST_EVENTS},
};

int xpkt_synth_parse_hazards(const char *list, unsigned *hazards, struct xpkt_err *err)
{
	char buf[256], *tok, *save = NULL;
	unsigned h = *hazards;

	if (strlen(list) >= sizeof(buf))
		return xpkt_err_set(err, "hazard list too long");
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int neg = tok[0] == '-';
		const char *n = tok + neg;
		unsigned bit = 0;

		if (!strcmp(n, "all")) {
			bit = XPKT_HZ_ALL;
		} else if (!strcmp(n, "none")) {
			h = neg ? XPKT_HZ_ALL : 0;
			continue;
		} else {
			for (size_t i = 0; i < sizeof(hazard_names) / sizeof(hazard_names[0]);
			     i++) {
				/* accept '_' for '-' */
				char alt[32];

				snprintf(alt, sizeof(alt), "%s", hazard_names[i].name);
				for (char *c = alt; *c; c++)
					if (*c == '-')
						*c = '_';
				if (!strcmp(n, hazard_names[i].name) || !strcmp(n, alt))
					bit = hazard_names[i].bit;
			}
		}
		if (!bit)
			return xpkt_err_set(err,
					    "unknown hazard '%s' (all, none, notify-batch, gso, "
					    "skb-reuse, gref-reuse, tx-reorder, clock-offset, "
					    "drops, lost-events)",
					    n);
		h = neg ? (h & ~bit) : (h | bit);
	}
	*hazards = h;
	return 0;
}

const char *const xpkt_synth_pmu_counters[XPKT_PMU_MAX] = {"cycles", "instructions", "llc-misses",
							   "dtlb-load-misses"};

int xpkt_synth_parse_pmu(const char *s, enum xpkt_synth_pmu *pmu, struct xpkt_err *err)
{
	if (!strcmp(s, "on"))
		*pmu = XPKT_SYNTH_PMU_ON;
	else if (!strcmp(s, "off"))
		*pmu = XPKT_SYNTH_PMU_OFF;
	else if (!strcmp(s, "unavailable"))
		*pmu = XPKT_SYNTH_PMU_UNAVAILABLE;
	else
		return xpkt_err_set(err, "bad --pmu '%s' (on, off or unavailable)", s);
	return 0;
}
