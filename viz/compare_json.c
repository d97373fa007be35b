// SPDX-License-Identifier: GPL-2.0
/*
 * compare_json.c - a struct xpkt_compare as JSON (schema in compare_json.h).
 *
 * Values are the results' own (integers stay integers, doubles keep 17
 * digits), so a reader can check them against `report --json` of each run.
 * As in the text, the document is a list of sections, each adding one key:
 * function hotspots join as one more row once results carry them.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "viz/compare_json.h"

/* A ratio, or null where it is undefined (JSON has no NaN). */
static json_t *ratio_json(double r)
{
	return isnan(r) || isinf(r) ? json_null() : json_real(r);
}

static json_t *u64_json(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *counter_ratio_json(uint64_t a, uint64_t b)
{
	return ratio_json(xpkt_cmp_ratio((double)a, (double)b));
}

static json_t *counts_json(const struct xpkt_packet_counts *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "total", u64_json(c->total));
	json_object_set_new(o, "complete", u64_json(c->complete));
	json_object_set_new(o, "partial", u64_json(c->partial));
	json_object_set_new(o, "dropped", u64_json(c->dropped));
	json_object_set_new(o, "merged", u64_json(c->merged));
	return o;
}

static json_t *counts_pair_json(const struct xpkt_packet_counts *a,
				const struct xpkt_packet_counts *b)
{
	json_t *o = json_object(), *r = json_object();

	json_object_set_new(o, "a", counts_json(a));
	json_object_set_new(o, "b", counts_json(b));
	json_object_set_new(r, "total", counter_ratio_json(a->total, b->total));
	json_object_set_new(r, "complete", counter_ratio_json(a->complete, b->complete));
	json_object_set_new(r, "partial", counter_ratio_json(a->partial, b->partial));
	json_object_set_new(r, "dropped", counter_ratio_json(a->dropped, b->dropped));
	json_object_set_new(r, "merged", counter_ratio_json(a->merged, b->merged));
	json_object_set_new(o, "ratio", r);
	return o;
}

static int sec_packets(json_t *root, const struct xpkt_compare *c)
{
	json_t *pk = counts_pair_json(&c->a->packets, &c->b->packets);

	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;

		xpkt_mode_stages(c->mode, (enum xpkt_dir)d, &n);
		if (n)
			json_object_set_new(pk, xpkt_dir_name((enum xpkt_dir)d),
					    counts_pair_json(&c->a->by_dir[d], &c->b->by_dir[d]));
	}
	return json_object_set_new(root, "packets", pk);
}

/* One run's figures; latencies are null where the run has no samples. */
static json_t *run_json(const struct xpkt_cmp_stage *row, const struct xpkt_stage_stats *s)
{
	json_t *o = json_object();
	int lat = s->count && !row->origin;

	json_object_set_new(o, "count", u64_json(s->count));
	json_object_set_new(o, "mean_ns", lat ? json_real(s->mean_ns) : json_null());
	json_object_set_new(o, "p50_ns", lat ? u64_json(s->p50_ns) : json_null());
	json_object_set_new(o, "p90_ns", lat ? u64_json(s->p90_ns) : json_null());
	json_object_set_new(o, "p99_ns", lat ? u64_json(s->p99_ns) : json_null());
	json_object_set_new(o, "unattributed", u64_json(s->unattributed));
	json_object_set_new(o, "inferred", json_boolean(s->inferred));
	return o;
}

static const char *const field_names[XPKT_CMP_NFIELDS] = {
    [XPKT_CMP_COUNT] = "count", [XPKT_CMP_MEAN] = "mean_ns", [XPKT_CMP_P50] = "p50_ns",
    [XPKT_CMP_P90] = "p90_ns",	[XPKT_CMP_P99] = "p99_ns",   [XPKT_CMP_UNATTR] = "unattributed",
};

static json_t *status_json(enum xpkt_cmp_status s)
{
	return s == XPKT_CMP_BOTH ? json_string("both") : json_string(xpkt_cmp_status_name(s));
}

static int sec_stages(json_t *root, const struct xpkt_compare *c)
{
	json_t *stages = json_array();

	for (unsigned i = 0; i < c->nrows; i++) {
		const struct xpkt_cmp_stage *row = &c->rows[i];
		json_t *o = json_object(), *r = json_object();

		json_object_set_new(o, "direction", json_string(xpkt_dir_name(row->st->dir)));
		json_object_set_new(o, "name", json_string(row->st->name));
		json_object_set_new(o, "domain", json_string(xpkt_domain_name(row->st->domain)));
		json_object_set_new(o, "status", status_json(row->status));
		json_object_set_new(o, "a", run_json(row, row->a));
		json_object_set_new(o, "b", run_json(row, row->b));
		for (int f = 0; f < XPKT_CMP_NFIELDS; f++)
			json_object_set_new(r, field_names[f], ratio_json(row->ratio[f]));
		json_object_set_new(o, "ratio", r);
		json_array_append_new(stages, o);
	}
	return json_object_set_new(root, "stages", stages);
}

static int sec_lost(json_t *root, const struct xpkt_compare *c)
{
	struct xpkt_cmp_lost l[2 * XPKT_MAX_SOURCES];
	unsigned n = xpkt_compare_lost(c, l, 2 * XPKT_MAX_SOURCES);
	json_t *lost = json_object();

	for (unsigned i = 0; i < n; i++) {
		json_t *o = json_object();

		/* a source only one run has is null on the other side, not 0 */
		json_object_set_new(o, "a", l[i].in_a ? u64_json(l[i].a) : json_null());
		json_object_set_new(o, "b", l[i].in_b ? u64_json(l[i].b) : json_null());
		json_object_set_new(o, "ratio",
				    l[i].in_a && l[i].in_b ? counter_ratio_json(l[i].a, l[i].b)
							   : json_null());
		json_object_set_new(lost, l[i].source, o);
	}
	return json_object_set_new(root, "lost", lost);
}

static int sec_biggest(json_t *root, const struct xpkt_compare *c)
{
	json_t *list = json_array();

	for (unsigned k = 0; k < c->nbiggest; k++) {
		const struct xpkt_cmp_stage *row = &c->rows[c->biggest[k]];
		json_t *o = json_object();

		json_object_set_new(o, "direction", json_string(xpkt_dir_name(row->st->dir)));
		json_object_set_new(o, "name", json_string(row->st->name));
		json_object_set_new(o, "status", status_json(row->status));
		json_object_set_new(o, "p50", ratio_json(row->ratio[XPKT_CMP_P50]));
		json_object_set_new(o, "mean", ratio_json(row->ratio[XPKT_CMP_MEAN]));
		json_array_append_new(list, o);
	}
	return json_object_set_new(root, "biggest_changes", list);
}

/* Run-level measures; a run without the measure is null, never 0. */
static int sec_measures(json_t *root, const struct xpkt_compare *c)
{
	unsigned n;
	const struct xpkt_cmp_measure *m = xpkt_cmp_measures(&n);
	json_t *list = json_array();

	for (unsigned i = 0; i < n; i++) {
		double a = m[i].value(c->a), b = m[i].value(c->b);
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(m[i].name));
		json_object_set_new(o, "unit", json_string(m[i].unit));
		json_object_set_new(o, "a", isnan(a) ? json_null() : json_real(a));
		json_object_set_new(o, "b", isnan(b) ? json_null() : json_real(b));
		json_object_set_new(o, "ratio",
				    isnan(a) || isnan(b) ? json_null()
							 : ratio_json(xpkt_cmp_ratio(a, b)));
		json_array_append_new(list, o);
	}
	return json_object_set_new(root, "measures", list);
}

/* Hotspot by hotspot per stage; a run without the data is null, never 0. */
static int sec_hot(json_t *root, const struct xpkt_compare *c)
{
	json_t *list = json_array();

	for (unsigned k = 0; k < c->nhot; k++) {
		const struct xpkt_cmp_hot *h = &c->hot[k];
		const struct xpkt_cmp_stage *row = &c->rows[h->row];
		json_t *o = json_object();

		json_object_set_new(o, "direction", json_string(xpkt_dir_name(row->st->dir)));
		json_object_set_new(o, "stage", json_string(row->st->name));
		json_object_set_new(o, h->function ? "function" : "kprobe", json_string(h->name));
		json_object_set_new(o, "unit",
				    json_string(h->function ? "share of the stage's PC samples"
							    : "calls per packet"));
		json_object_set_new(o, "a", isnan(h->a) ? json_null() : json_real(h->a));
		json_object_set_new(o, "b", isnan(h->b) ? json_null() : json_real(h->b));
		json_object_set_new(o, "ratio", ratio_json(h->ratio));
		json_array_append_new(list, o);
	}
	return json_object_set_new(root, "hotspots", list);
}

static int (*const sections[])(json_t *, const struct xpkt_compare *) = {
    sec_packets, sec_measures, sec_stages, sec_hot, sec_lost, sec_biggest,
};

int xpkt_compare_json(FILE *fp, const struct xpkt_compare *c)
{
	json_t *root = json_object();
	int rc = 0;

	json_object_set_new(root, "a", json_string(c->name_a));
	json_object_set_new(root, "b", json_string(c->name_b));
	json_object_set_new(root, "mode", json_string(xpkt_mode_name(c->mode)));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]) && !rc; i++)
		rc = sections[i](root, c);
	if (!rc)
		rc = json_dumpf(root, fp,
				JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (rc == 0 && fputc('\n', fp) == EOF)
		rc = -1;
	return rc ? -1 : 0;
}
