// SPDX-License-Identifier: GPL-2.0
/*
 * compare.c - the model of `xpkttrace compare` (compare.h): two results,
 * matched row by row through the stage catalogue of their common mode.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/compare.h"

/* Results without a mode (ground truth of the Xen generator) are Xen's. */
static enum xpkt_mode results_mode(const struct xpkt_results *r)
{
	return r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;
}

/* Payload of the packets created in direction d over their origins' span, Mbit/s. */
static double rate(const struct xpkt_results *r, enum xpkt_dir d)
{
	uint64_t span_ns = r->origin_last_ns[d] - r->origin_first_ns[d];

	if (!r->origin_bytes[d] || r->origin_last_ns[d] <= r->origin_first_ns[d])
		return NAN;
	return (double)r->origin_bytes[d] * 8.0 * 1e3 / (double)span_ns;
}

static double tx_rate(const struct xpkt_results *r)
{
	return rate(r, XPKT_TX);
}

static double rx_rate(const struct xpkt_results *r)
{
	return rate(r, XPKT_RX);
}

/*
 * Hotspot calls in the guest per received packet. No hotspot probe in the
 * run (kprobes unavailable, or native mode's host domain) is no measure, not
 * zero: any call at all, in any domain, says the probes were there.
 */
static double guest_hot_per_rx(const struct xpkt_results *r, enum xpkt_hot h, double scale)
{
	uint64_t any = 0;

	for (unsigned d = 0; d < XPKT_DOM_COUNT; d++)
		for (unsigned k = 0; k < XPKT_HOT_COUNT; k++)
			any += r->hot_calls[d][k];
	if (!any || !r->by_dir[XPKT_RX].total)
		return NAN;
	return (double)r->hot_calls[XPKT_DOM_GUEST][h] * scale / (double)r->by_dir[XPKT_RX].total;
}

static double guest_collapse(const struct xpkt_results *r)
{
	return guest_hot_per_rx(r, XPKT_HOT_COLLAPSE, 1000.0);
}

static double guest_copy_bits(const struct xpkt_results *r)
{
	return guest_hot_per_rx(r, XPKT_HOT_COPY_BITS, 1.0);
}

/* What the guest's receive buffer was charged per payload byte (skb->truesize). */
static double guest_truesize(const struct xpkt_results *r)
{
	if (!r->rcv_truesize_payload[XPKT_DOM_GUEST])
		return NAN;
	return (double)r->rcv_truesize_bytes[XPKT_DOM_GUEST] /
	       (double)r->rcv_truesize_payload[XPKT_DOM_GUEST];
}

static const struct xpkt_cmp_measure measures[] = {
    {"tx_payload_rate", "Mbit/s", "TX payload offered (origin stage bytes over its time span)",
     tx_rate},
    {"rx_payload_rate", "Mbit/s", "RX payload arriving (origin stage bytes over its time span)",
     rx_rate},
    {"guest_tcp_collapse_per_1000_rx", "per 1000 RX pkts", "tcp_collapse calls in the guest",
     guest_collapse},
    {"guest_skb_copy_bits_per_rx", "per RX packet", "skb_copy_bits calls in the guest",
     guest_copy_bits},
    {"guest_truesize_per_byte", "bytes per byte",
     "receive buffer charged (skb truesize) per payload byte", guest_truesize},
};

const struct xpkt_cmp_measure *xpkt_cmp_measures(unsigned *n)
{
	*n = sizeof(measures) / sizeof(measures[0]);
	return measures;
}

double xpkt_cmp_ratio(double a, double b)
{
	if (!(a > 0) || b < 0 || isnan(b))
		return NAN;
	return b / a;
}

const char *xpkt_cmp_fmt_ratio(char *buf, size_t len, double ratio)
{
	double pct = (ratio - 1.0) * 100.0;

	if (isnan(ratio) || ratio < 0)
		snprintf(buf, len, "-");
	else if (fabs(pct) < 0.5)
		snprintf(buf, len, "0 %%");
	else if (ratio < 0.01) /* "-100 %" would read as "fell to nothing" */
		snprintf(buf, len, "x%.2g", ratio);
	else if (ratio < 1.0)
		snprintf(buf, len, "-%.0f %%", -pct);
	else if (ratio < 1.995) /* "x2.00" from the ratio that prints as it */
		snprintf(buf, len, "+%.0f %%", pct);
	else if (ratio < 99.95)
		snprintf(buf, len, "x%.*f", ratio < 9.995 ? 2 : 1, ratio);
	else
		snprintf(buf, len, "x%.0f", ratio);
	return buf;
}

const char *xpkt_cmp_status_name(enum xpkt_cmp_status s)
{
	switch (s) {
	case XPKT_CMP_NEW:
		return "new";
	case XPKT_CMP_GONE:
		return "gone";
	case XPKT_CMP_ABSENT:
		return "absent";
	case XPKT_CMP_BOTH:
		break;
	}
	return "";
}

static double field(const struct xpkt_stage_stats *s, enum xpkt_cmp_field f)
{
	switch (f) {
	case XPKT_CMP_COUNT:
		return (double)s->count;
	case XPKT_CMP_MEAN:
		return s->mean_ns;
	case XPKT_CMP_P50:
		return (double)s->p50_ns;
	case XPKT_CMP_P90:
		return (double)s->p90_ns;
	case XPKT_CMP_P99:
		return (double)s->p99_ns;
	case XPKT_CMP_UNATTR:
		return (double)s->unattributed;
	case XPKT_CMP_NFIELDS:
		break;
	}
	return NAN;
}

/* |log(ratio)|: a halving moves as far as a doubling. 0 when undefined. */
static double log_moved(double ratio)
{
	if (isnan(ratio) || !(ratio > 0) || isinf(ratio))
		return 0;
	return fabs(log(ratio));
}

static void fill_row(struct xpkt_cmp_stage *row)
{
	const struct xpkt_stage_stats *a = row->a, *b = row->b;

	if (a->count && b->count)
		row->status = XPKT_CMP_BOTH;
	else if (b->count)
		row->status = XPKT_CMP_NEW;
	else if (a->count)
		row->status = XPKT_CMP_GONE;
	else
		row->status = XPKT_CMP_ABSENT;
	for (int f = 0; f < XPKT_CMP_NFIELDS; f++)
		row->ratio[f] = NAN;
	/* Unattributed events are counted whether or not any packet attached. */
	row->ratio[XPKT_CMP_UNATTR] =
	    xpkt_cmp_ratio(field(a, XPKT_CMP_UNATTR), field(b, XPKT_CMP_UNATTR));
	if (row->status != XPKT_CMP_BOTH)
		return;
	row->ratio[XPKT_CMP_COUNT] =
	    xpkt_cmp_ratio(field(a, XPKT_CMP_COUNT), field(b, XPKT_CMP_COUNT));
	if (row->origin)
		return;
	for (int f = XPKT_CMP_MEAN; f <= XPKT_CMP_P99; f++)
		row->ratio[f] = xpkt_cmp_ratio(field(a, (enum xpkt_cmp_field)f),
					       field(b, (enum xpkt_cmp_field)f));
	row->moved =
	    fmax(log_moved(row->ratio[XPKT_CMP_P50]), log_moved(row->ratio[XPKT_CMP_MEAN]));
}

/* Insertion into the bounded, sorted list: larger moved first, then catalogue order. */
static void rank_moved(struct xpkt_compare *c)
{
	for (unsigned i = 0; i < c->nrows; i++) {
		double m = c->rows[i].moved;
		unsigned pos;

		if (c->rows[i].status != XPKT_CMP_BOTH || !(m > 0))
			continue;
		pos = c->nbiggest;
		while (pos > 0 && c->rows[c->biggest[pos - 1]].moved < m)
			pos--;
		if (pos == XPKT_CMP_BIGGEST)
			continue;
		if (c->nbiggest < XPKT_CMP_BIGGEST)
			c->nbiggest++;
		memmove(&c->biggest[pos + 1], &c->biggest[pos],
			(c->nbiggest - 1 - pos) * sizeof(c->biggest[0]));
		c->biggest[pos] = i;
	}
}

static struct xpkt_cmp_hot *hot_add(struct xpkt_compare *c, unsigned row, const char *name,
				    int function, double a, double b)
{
	struct xpkt_cmp_hot *h;

	if (c->nhot == XPKT_CMP_MAX_HOT)
		return NULL;
	h = &c->hot[c->nhot++];
	h->row = row;
	h->name = name;
	h->function = function;
	h->a = a;
	h->b = b;
	h->ratio = isnan(a) || isnan(b) ? NAN : xpkt_cmp_ratio(a, b);
	return h;
}

/* A function's share of a stage's samples; NAN without samples, 0 if not among them. */
static double func_share(const struct xpkt_stage_stats *s, const char *name)
{
	if (!s->samples || !s->nfuncs)
		return NAN;
	for (uint32_t i = 0; i < s->nfuncs; i++)
		if (!strcmp(s->funcs[i].name, name))
			return (double)s->funcs[i].samples / (double)s->samples;
	return 0;
}

static int listed(const struct xpkt_compare *c, unsigned from, const char *name)
{
	for (unsigned k = from; k < c->nhot; k++)
		if (c->hot[k].function && !strcmp(c->hot[k].name, name))
			return 1;
	return 0;
}

/* Stage row i's hotspots: kprobes either run saw there, then top functions. */
static void hot_rows(struct xpkt_compare *c, unsigned i)
{
	const struct xpkt_stage_stats *a = c->rows[i].a, *b = c->rows[i].b;
	unsigned first = c->nhot;

	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++) {
		if (!a->hot_calls[h] && !b->hot_calls[h])
			continue;
		hot_add(c, i, xpkt_hot_name(h), 0,
			a->count ? (double)a->hot_calls[h] / (double)a->count : NAN,
			b->count ? (double)b->hot_calls[h] / (double)b->count : NAN);
	}
	for (int run = 0; run < 2; run++) {
		const struct xpkt_stage_stats *s = run ? b : a;

		for (uint32_t k = 0; k < s->nfuncs && k < XPKT_CMP_HOT_FUNCS; k++)
			if (!listed(c, first, s->funcs[k].name))
				hot_add(c, i, s->funcs[k].name, 1, func_share(a, s->funcs[k].name),
					func_share(b, s->funcs[k].name));
	}
}

int xpkt_compare_build(struct xpkt_compare *c, const char *name_a, const struct xpkt_results *a,
		       const char *name_b, const struct xpkt_results *b, struct xpkt_err *err)
{
	enum xpkt_mode ma = results_mode(a), mb = results_mode(b);

	memset(c, 0, sizeof(*c));
	if (ma != mb)
		return xpkt_err_set(err,
				    "%s is a %s run and %s a %s run: their stages differ, so they "
				    "cannot be compared",
				    name_a, xpkt_mode_name(ma), name_b, xpkt_mode_name(mb));
	c->mode = ma;
	c->name_a = name_a;
	c->name_b = name_b;
	c->a = a;
	c->b = b;
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(ma, (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n && i < XPKT_MAX_STAGES; i++) {
			struct xpkt_cmp_stage *row = &c->rows[c->nrows++];

			row->st = &st[i];
			row->index = i;
			row->a = &a->stages[d][i];
			row->b = &b->stages[d][i];
			row->origin = st[i].join == XPKT_JOIN_ORIGIN;
			fill_row(row);
		}
	}
	rank_moved(c);
	for (unsigned i = 0; i < c->nrows; i++)
		hot_rows(c, i);
	return 0;
}

unsigned xpkt_compare_lost(const struct xpkt_compare *c, struct xpkt_cmp_lost *out, unsigned max)
{
	unsigned n = 0, na = c->a->nlost, nb = c->b->nlost;

	if (na > XPKT_MAX_SOURCES)
		na = XPKT_MAX_SOURCES;
	if (nb > XPKT_MAX_SOURCES)
		nb = XPKT_MAX_SOURCES;
	for (unsigned i = 0; i < na && n < max; i++) {
		struct xpkt_cmp_lost *l = &out[n++];

		memset(l, 0, sizeof(*l));
		l->source = c->a->lost[i].source;
		l->in_a = 1;
		l->a = c->a->lost[i].events;
		for (unsigned j = 0; j < nb; j++)
			if (!strcmp(c->b->lost[j].source, l->source)) {
				l->in_b = 1;
				l->b = c->b->lost[j].events;
				break;
			}
	}
	for (unsigned j = 0; j < nb && n < max; j++) {
		int seen = 0;

		for (unsigned i = 0; i < na && !seen; i++)
			seen = !strcmp(c->a->lost[i].source, c->b->lost[j].source);
		if (seen)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].source = c->b->lost[j].source;
		out[n].in_b = 1;
		out[n].b = c->b->lost[j].events;
		n++;
	}
	return n;
}
