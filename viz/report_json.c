// SPDX-License-Identifier: GPL-2.0
/*
 * report_json.c - struct xpkt_results to JSON and back (jansson).
 *
 * One writer serves `report --json` and the generator's truth.json, so the
 * two files compare field by field. Doubles go through jansson's real type,
 * printed with 17 significant digits, which round-trips every double; the
 * reader therefore gets back exactly what the writer had.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "viz/report_json.h"

static json_t *reasons_json(const struct xpkt_reason_count *list, unsigned n)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < n; i++)
		json_object_set_new(o, list[i].reason, json_integer((json_int_t)list[i].count));
	return o;
}

static json_t *counts_json(const struct xpkt_packet_counts *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "total", json_integer((json_int_t)c->total));
	json_object_set_new(o, "complete", json_integer((json_int_t)c->complete));
	json_object_set_new(o, "partial", json_integer((json_int_t)c->partial));
	json_object_set_new(o, "dropped", json_integer((json_int_t)c->dropped));
	json_object_set_new(o, "merged", json_integer((json_int_t)c->merged));
	json_object_set_new(o, "partial_reasons",
			    reasons_json(c->partial_reasons, c->npartial_reasons));
	json_object_set_new(o, "drop_reasons", reasons_json(c->drop_reasons, c->ndrop_reasons));
	return o;
}

/* One counter's deltas at a stage, hardware or simulated: the same statistics. */
static json_t *pmu_stats_json(const struct xpkt_pmu_stats *ps)
{
	json_t *co = json_object();

	json_object_set_new(co, "count", json_integer((json_int_t)ps->count));
	json_object_set_new(co, "sum", json_integer((json_int_t)ps->sum));
	json_object_set_new(co, "mean", json_real(ps->mean));
	json_object_set_new(co, "min", json_integer((json_int_t)ps->min));
	json_object_set_new(co, "p50", json_integer((json_int_t)ps->p50));
	json_object_set_new(co, "p99", json_integer((json_int_t)ps->p99));
	json_object_set_new(co, "max", json_integer((json_int_t)ps->max));
	return co;
}

/*
 * A stage's PMU deltas, only where there is something to say: a counter
 * without deltas is left out rather than shown as 0 (README: never zeros).
 */
static json_t *stage_pmu_json(const struct xpkt_results *r, const struct xpkt_stage_stats *s)
{
	json_t *o;

	if (!r->pmu.available || (!s->pmu[0].count && !s->pmu_cross_cpu && !s->pmu_unpaired))
		return NULL;
	o = json_object();
	for (unsigned c = 0; c < r->pmu.ncounters && c < XPKT_PMU_MAX; c++) {
		const struct xpkt_pmu_stats *ps = &s->pmu[c];

		if (!ps->count)
			continue;
		json_object_set_new(o, r->pmu.counters[c], pmu_stats_json(ps));
	}
	json_object_set_new(o, "cross_cpu", json_integer((json_int_t)s->pmu_cross_cpu));
	json_object_set_new(o, "unpaired", json_integer((json_int_t)s->pmu_unpaired));
	return o;
}

/*
 * A stage's simulated PMU deltas (pmu-sim, docs/correlation.md section 13),
 * labelled as such with the model: same statistics as the hardware ones.
 */
static json_t *stage_sim_json(const struct xpkt_results *r, const struct xpkt_stage_stats *s)
{
	json_t *o;

	if (!r->sim_known ||
	    (!s->sim[XPKT_SIM_INSNS].count && !s->sim_cross_cpu && !s->sim_unpaired))
		return NULL;
	o = json_object();
	json_object_set_new(o, "source", json_string("simulated"));
	json_object_set_new(o, "model", json_string(r->sim_model));
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
		const struct xpkt_pmu_stats *ps = &s->sim[c];

		if (!ps->count)
			continue;
		json_object_set_new(o, xpkt_sim_counter_name(c), pmu_stats_json(ps));
	}
	json_object_set_new(o, "cross_cpu", json_integer((json_int_t)s->sim_cross_cpu));
	json_object_set_new(o, "unpaired", json_integer((json_int_t)s->sim_unpaired));
	return o;
}

/* The results-level "pmu_sim" object: the model and the per-CPU instruction check. */
static json_t *sim_json(const struct xpkt_results *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "source", json_string("simulated"));
	json_object_set_new(o, "model", json_string(r->sim_model));
	json_object_set_new(o, "records", json_integer((json_int_t)r->sim_records));
	json_object_set_new(o, "instructions_total", json_integer((json_int_t)r->sim_insns_total));
	json_object_set_new(o, "instructions_in_stages",
			    json_integer((json_int_t)r->sim_insns_claimed));
	return o;
}

/* One level's sums of one model: accesses, misses, and their ratio (null with no access). */
static json_t *scale_level_json(const uint64_t *v, unsigned acc, unsigned miss)
{
	json_t *o = json_object();

	json_object_set_new(o, "accesses", json_integer((json_int_t)v[acc]));
	json_object_set_new(o, "misses", json_integer((json_int_t)v[miss]));
	json_object_set_new(o, "miss_rate",
			    v[acc] ? json_real((double)v[miss] / (double)v[acc]) : json_null());
	return o;
}

/* Every model's L2, ITLB and DTLB sums of one stage (or no stage, or the run). */
static json_t *scale_models_json(const struct xpkt_sim_scaling *sc,
				 const uint64_t (*v)[XPKT_SIMM_COUNTERS])
{
	json_t *a = json_array();

	for (unsigned m = 0; m < sc->nmodels && m < XPKT_SIM_SCALE_MODELS; m++) {
		json_t *o = json_object();

		json_object_set_new(o, "model", json_integer(m));
		json_object_set_new(o, "l2",
				    scale_level_json(v[m], XPKT_SIMM_L2_ACCESS, XPKT_SIMM_L2_MISS));
		json_object_set_new(
		    o, "itlb", scale_level_json(v[m], XPKT_SIMM_ITLB_ACCESS, XPKT_SIMM_ITLB_MISS));
		json_object_set_new(
		    o, "dtlb", scale_level_json(v[m], XPKT_SIMM_DTLB_ACCESS, XPKT_SIMM_DTLB_MISS));
		json_array_append_new(a, o);
	}
	return a;
}

/*
 * The results-level "pmu_scaling" object (several pmu-sim models; seed 001
 * Figures 13-17): each model's geometry, and per stage that took record
 * intervals, per model, L2/ITLB/DTLB accesses, misses and miss rate; the
 * same for the intervals no stage took and for the whole run.
 */
static json_t *scaling_json(const struct xpkt_results *r)
{
	const struct xpkt_sim_scaling *sc = r->sim_scaling;
	json_t *o = json_object(), *models = json_array(), *stages = json_array(), *x;

	json_object_set_new(o, "source", json_string("simulated"));
	for (unsigned m = 0; m < sc->nmodels && m < XPKT_SIM_SCALE_MODELS; m++) {
		const struct xpkt_sim_scale_model *md = &sc->model[m];

		x = json_object();
		json_object_set_new(x, "model", json_integer(m));
		json_object_set_new(x, "l1i", json_string(md->l1i));
		json_object_set_new(x, "l1d", json_string(md->l1d));
		json_object_set_new(x, "l2", json_string(md->l2));
		json_object_set_new(x, "itlb", json_string(md->itlb));
		json_object_set_new(x, "dtlb", json_string(md->dtlb));
		json_object_set_new(x, "itlb_global", json_boolean(md->itlb_global));
		json_object_set_new(x, "dtlb_global", json_boolean(md->dtlb_global));
		json_array_append_new(models, x);
	}
	json_object_set_new(o, "models", models);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		/* no mode: the Xen generator's truth (results_mode below) */
		const struct xpkt_stage *st = xpkt_mode_stages(
		    r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN, (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n && i < XPKT_MAX_STAGES; i++) {
			if (!sc->stage_intervals[d][i])
				continue;
			x = json_object();
			json_object_set_new(x, "direction",
					    json_string(xpkt_dir_name((enum xpkt_dir)d)));
			json_object_set_new(x, "name", json_string(st[i].name));
			json_object_set_new(x, "intervals",
					    json_integer((json_int_t)sc->stage_intervals[d][i]));
			json_object_set_new(x, "models", scale_models_json(sc, sc->stage[d][i]));
			json_array_append_new(stages, x);
		}
	}
	json_object_set_new(o, "stages", stages);
	x = json_object();
	json_object_set_new(x, "intervals",
			    json_integer((json_int_t)(sc->intervals - sc->intervals_owned)));
	json_object_set_new(x, "models", scale_models_json(sc, sc->no_stage));
	json_object_set_new(o, "no_stage", x);
	x = json_object();
	json_object_set_new(x, "intervals", json_integer((json_int_t)sc->intervals));
	json_object_set_new(x, "models", scale_models_json(sc, sc->total));
	json_object_set_new(o, "total", x);
	json_object_set_new(o, "intervals_unknown",
			    json_integer((json_int_t)sc->intervals_unknown));
	json_object_set_new(o, "deltas_backwards", json_integer((json_int_t)sc->deltas_backwards));
	/* intervals simpmu told "no stage" early for lack of room, and the stage
	 * claims that still reached back into such (simpmu.h): while claims_late
	 * is 0 the stage sums here equal the stages' simulated deltas */
	json_object_set_new(o, "intervals_forced", json_integer((json_int_t)r->sim_ivals_forced));
	json_object_set_new(o, "claims_late", json_integer((json_int_t)r->sim_claims_late));
	return o;
}

static json_t *pmu_json(const struct xpkt_pmu_summary *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "available", json_boolean(p->available));
	if (p->reason[0])
		json_object_set_new(o, "reason", json_string(p->reason));
	if (p->available) {
		json_t *a = json_array();

		for (unsigned c = 0; c < p->ncounters && c < XPKT_PMU_MAX; c++)
			json_array_append_new(a, json_string(p->counters[c]));
		json_object_set_new(o, "counters", a);
		json_object_set_new(o, "records", json_integer((json_int_t)p->records));
		json_object_set_new(o, "orphans", json_integer((json_int_t)p->orphans));
	}
	return o;
}

/*
 * A stage's hotspots (docs/correlation.md section 12), or NULL if it has
 * none: kprobe calls and bytes, also per packet of the stage, and PC
 * samples with their functions and shares of the stage's samples.
 */
static json_t *stage_hot_json(const struct xpkt_stage_stats *s)
{
	json_t *o, *kp = json_object(), *fn;
	int any = s->samples > 0;

	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++) {
		json_t *c;

		if (!s->hot_calls[h])
			continue;
		any = 1;
		c = json_object();
		json_object_set_new(c, "calls", json_integer((json_int_t)s->hot_calls[h]));
		json_object_set_new(c, "bytes", json_integer((json_int_t)s->hot_bytes[h]));
		if (s->count)
			json_object_set_new(c, "calls_per_packet",
					    json_real((double)s->hot_calls[h] / (double)s->count));
		json_object_set_new(kp, xpkt_hot_name(h), c);
	}
	if (!any) {
		json_decref(kp);
		return NULL;
	}
	o = json_object();
	json_object_set_new(o, "kprobes", kp);
	json_object_set_new(o, "samples", json_integer((json_int_t)s->samples));
	fn = json_array();
	for (uint32_t i = 0; i < s->nfuncs; i++) {
		json_t *f = json_object();

		json_object_set_new(f, "function", json_string(s->funcs[i].name));
		json_object_set_new(f, "module",
				    s->funcs[i].module[0] ? json_string(s->funcs[i].module)
							  : json_null());
		json_object_set_new(f, "samples", json_integer((json_int_t)s->funcs[i].samples));
		json_object_set_new(f, "share",
				    json_real((double)s->funcs[i].samples / (double)s->samples));
		json_array_append_new(fn, f);
	}
	json_object_set_new(o, "functions", fn);
	return o;
}

/* Per recording domain: hotspot calls and where they went, PC samples and idle/outside. */
static json_t *hot_domains_json(const struct xpkt_results *r)
{
	json_t *o = json_object();

	for (unsigned d = 0; d < XPKT_DOM_COUNT; d++) {
		json_t *dom = NULL;

		for (unsigned h = 0; h < XPKT_HOT_COUNT; h++) {
			json_t *c;

			if (!r->hot_calls[d][h])
				continue;
			dom = dom ? dom : json_object();
			c = json_object();
			json_object_set_new(c, "calls",
					    json_integer((json_int_t)r->hot_calls[d][h]));
			json_object_set_new(c, "bytes",
					    json_integer((json_int_t)r->hot_bytes[d][h]));
			json_object_set_new(c, "no_packet",
					    json_integer((json_int_t)r->hot_no_packet[d][h]));
			json_object_set_new(c, "after_last_stage",
					    json_integer((json_int_t)r->hot_after_end[d][h]));
			json_object_set_new(dom, xpkt_hot_name(h), c);
		}
		if (r->rcv_truesize_segs[d]) {
			json_t *c = json_object();

			dom = dom ? dom : json_object();
			json_object_set_new(c, "segments",
					    json_integer((json_int_t)r->rcv_truesize_segs[d]));
			json_object_set_new(c, "payload_bytes",
					    json_integer((json_int_t)r->rcv_truesize_payload[d]));
			json_object_set_new(c, "truesize_bytes",
					    json_integer((json_int_t)r->rcv_truesize_bytes[d]));
			json_object_set_new(dom, "tcp_receive_truesize", c);
		}
		if (r->samples[d]) {
			json_t *c = json_object();

			dom = dom ? dom : json_object();
			json_object_set_new(c, "total", json_integer((json_int_t)r->samples[d]));
			json_object_set_new(c, "idle",
					    json_integer((json_int_t)r->samples_idle[d]));
			json_object_set_new(c, "outside_stages",
					    json_integer((json_int_t)r->samples_outside[d]));
			json_object_set_new(dom, "pc_samples", c);
		}
		if (dom)
			json_object_set_new(o, xpkt_domain_name((enum xpkt_domain)d), dom);
	}
	if (!json_object_size(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *stage_json(const struct xpkt_results *r, const struct xpkt_stage *st,
			  const struct xpkt_stage_stats *s)
{
	json_t *o = json_object(), *pmu, *hot, *sim;

	json_object_set_new(o, "direction", json_string(xpkt_dir_name(st->dir)));
	json_object_set_new(o, "name", json_string(st->name));
	json_object_set_new(o, "domain", json_string(xpkt_domain_name(st->domain)));
	json_object_set_new(o, "count", json_integer((json_int_t)s->count));
	json_object_set_new(o, "mean_ns", json_real(s->mean_ns));
	json_object_set_new(o, "min_ns", json_integer((json_int_t)s->min_ns));
	json_object_set_new(o, "p50_ns", json_integer((json_int_t)s->p50_ns));
	json_object_set_new(o, "p90_ns", json_integer((json_int_t)s->p90_ns));
	json_object_set_new(o, "p99_ns", json_integer((json_int_t)s->p99_ns));
	json_object_set_new(o, "p999_ns", json_integer((json_int_t)s->p999_ns));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)s->max_ns));
	json_object_set_new(o, "total_ns", json_real(s->total_ns));
	json_object_set_new(o, "unattributed", json_integer((json_int_t)s->unattributed));
	/* derived from a related record, not observed (results.h) */
	json_object_set_new(o, "inferred", json_boolean(s->inferred));
	pmu = stage_pmu_json(r, s);
	if (pmu)
		json_object_set_new(o, "pmu", pmu);
	/* simulated counters take "pmu" unless hardware ones hold it */
	sim = stage_sim_json(r, s);
	if (sim)
		json_object_set_new(o, r->pmu.available ? "pmu_sim" : "pmu", sim);
	hot = stage_hot_json(s);
	if (hot)
		json_object_set_new(o, "hotspots", hot);
	return o;
}

/* Results without a mode (ground truth of the Xen generator) are Xen's. */
static enum xpkt_mode results_mode(const struct xpkt_results *r)
{
	return r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;
}

int xpkt_report_json(FILE *fp, const struct xpkt_results *r, const struct xpkt_manifest *m)
{
	json_t *root = json_object(), *stages = json_array(), *pk, *lost, *clocks, *v;
	int rc;

	(void)m; /* everything needed is in r; m is for future context fields */
	/* The mode says which catalogue rows the stage list (and a reader) uses. */
	json_object_set_new(root, "mode", json_string(xpkt_mode_name(results_mode(r))));
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++)
			json_array_append_new(stages, stage_json(r, &st[i], &r->stages[d][i]));
	}
	json_object_set_new(root, "stages", stages);

	pk = counts_json(&r->packets);
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		json_object_set_new(pk, xpkt_dir_name((enum xpkt_dir)d),
				    counts_json(&r->by_dir[d]));
	json_object_set_new(root, "packets", pk);

	lost = json_object();
	for (unsigned i = 0; i < r->nlost && i < XPKT_MAX_SOURCES; i++)
		json_object_set_new(lost, r->lost[i].source,
				    json_integer((json_int_t)r->lost[i].events));
	json_object_set_new(root, "lost_events", lost);

	clocks = json_array();
	for (unsigned i = 0; i < r->nclocks && i < XPKT_MAX_SOURCES; i++) {
		const struct xpkt_clock_alignment *c = &r->clocks[i];
		json_t *o = json_object();

		json_object_set_new(o, "source", json_string(c->source));
		json_object_set_new(o, "clock", json_string(c->clock));
		json_object_set_new(o, "offset", json_integer(c->offset));
		json_object_set_new(o, "offset_from", json_string(c->offset_from));
		json_object_set_new(o, "min_causal_gap_ns",
				    c->min_causal_gap_ns == INT64_MAX
					? json_null()
					: json_integer(c->min_causal_gap_ns));
		json_object_set_new(o, "inversions", json_integer((json_int_t)c->inversions));
		json_array_append_new(clocks, o);
	}
	json_object_set_new(root, "clock", clocks);
	json_object_set_new(root, "events_read", json_integer((json_int_t)r->events_read));
	json_object_set_new(root, "max_in_flight", json_integer((json_int_t)r->max_in_flight));
	/* Only a bundle that says something of its PMU gets a "pmu" object. */
	if (r->pmu.known)
		json_object_set_new(root, "pmu", pmu_json(&r->pmu));
	if (r->sim_known)
		json_object_set_new(root, "pmu_sim", sim_json(r));
	if (r->sim_scaling)
		json_object_set_new(root, "pmu_scaling", scaling_json(r));
	v = hot_domains_json(r);
	if (v)
		json_object_set_new(root, "hotspots", v);

	rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (rc == 0 && fputc('\n', fp) == EOF)
		rc = -1;
	return rc ? -1 : 0;
}

/* --- reader ----------------------------------------------------------------------- */

struct rd {
	const char *path;
	struct xpkt_err *err;
};

static int get_u64(struct rd *rd, json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return xpkt_err_set(rd->err, "%s: \"%s\" missing or not a non-negative integer",
				    rd->path, key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_real(struct rd *rd, json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return xpkt_err_set(rd->err, "%s: \"%s\" missing or not a number", rd->path, key);
	*out = json_number_value(v);
	return 0;
}

static int get_str(struct rd *rd, json_t *o, const char *key, char *dst, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || strlen(json_string_value(v)) >= len)
		return xpkt_err_set(rd->err, "%s: \"%s\" missing, not a string or too long",
				    rd->path, key);
	strcpy(dst, json_string_value(v));
	return 0;
}

static int read_reasons(struct rd *rd, json_t *o, const char *key, struct xpkt_reason_count *list,
			unsigned *n)
{
	json_t *obj = json_object_get(o, key), *v;
	const char *name;

	*n = 0;
	if (!json_is_object(obj))
		return xpkt_err_set(rd->err, "%s: \"%s\" missing or not an object", rd->path, key);
	json_object_foreach(obj, name, v)
	{
		if (*n == XPKT_MAX_REASONS || strlen(name) >= sizeof(list[0].reason))
			return xpkt_err_set(rd->err, "%s: \"%s\": too many or too long reasons",
					    rd->path, key);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return xpkt_err_set(rd->err, "%s: \"%s\": count of \"%s\" is not a count",
					    rd->path, key, name);
		strcpy(list[*n].reason, name);
		list[*n].count = (uint64_t)json_integer_value(v);
		(*n)++;
	}
	return 0;
}

static int read_counts(struct rd *rd, json_t *o, struct xpkt_packet_counts *c)
{
	if (!json_is_object(o))
		return xpkt_err_set(rd->err, "%s: packet counts are not an object", rd->path);
	if (get_u64(rd, o, "total", &c->total) || get_u64(rd, o, "complete", &c->complete) ||
	    get_u64(rd, o, "partial", &c->partial) || get_u64(rd, o, "dropped", &c->dropped) ||
	    read_reasons(rd, o, "partial_reasons", c->partial_reasons, &c->npartial_reasons) ||
	    read_reasons(rd, o, "drop_reasons", c->drop_reasons, &c->ndrop_reasons))
		return -1;
	/* "merged" (GRO) came later: files written before it have none */
	c->merged = 0;
	if (json_object_get(o, "merged") && get_u64(rd, o, "merged", &c->merged))
		return -1;
	return 0;
}

/* One counter's deltas (pmu_stats_json's object). */
static int read_pmu_stats(struct rd *rd, json_t *co, struct xpkt_pmu_stats *ps)
{
	if (get_u64(rd, co, "count", &ps->count) || get_u64(rd, co, "sum", &ps->sum) ||
	    get_real(rd, co, "mean", &ps->mean) || get_u64(rd, co, "min", &ps->min) ||
	    get_u64(rd, co, "p50", &ps->p50) || get_u64(rd, co, "p99", &ps->p99) ||
	    get_u64(rd, co, "max", &ps->max))
		return -1;
	return 0;
}

/* A stage's simulated deltas ("pmu" with "source": "simulated", or "pmu_sim"). */
static int read_stage_sim(struct rd *rd, json_t *o, struct xpkt_stage_stats *s)
{
	if (!json_is_object(o) || get_u64(rd, o, "cross_cpu", &s->sim_cross_cpu) ||
	    get_u64(rd, o, "unpaired", &s->sim_unpaired))
		return xpkt_err_set(rd->err, "%s: bad stage simulated \"pmu\"", rd->path);
	for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++) {
		json_t *co = json_object_get(o, xpkt_sim_counter_name(c));
		struct xpkt_pmu_stats *ps = &s->sim[c];

		if (!co)
			continue;
		if (read_pmu_stats(rd, co, ps))
			return -1;
	}
	return 0;
}

static int read_stage_pmu(struct rd *rd, json_t *o, const struct xpkt_results *r,
			  struct xpkt_stage_stats *s)
{
	json_t *src = json_object_get(o, "source");

	if (!o)
		return 0;
	if (json_is_string(src) && !strcmp(json_string_value(src), "simulated"))
		return read_stage_sim(rd, o, s);
	if (!json_is_object(o) || get_u64(rd, o, "cross_cpu", &s->pmu_cross_cpu) ||
	    get_u64(rd, o, "unpaired", &s->pmu_unpaired))
		return xpkt_err_set(rd->err, "%s: bad stage \"pmu\"", rd->path);
	for (unsigned c = 0; c < r->pmu.ncounters && c < XPKT_PMU_MAX; c++) {
		json_t *co = json_object_get(o, r->pmu.counters[c]);
		struct xpkt_pmu_stats *ps = &s->pmu[c];

		if (!co)
			continue;
		if (read_pmu_stats(rd, co, ps))
			return -1;
	}
	return 0;
}

/* The "pmu" object (optional: results of bundles that say nothing of a PMU). */
static int read_pmu(struct rd *rd, json_t *o, struct xpkt_pmu_summary *p)
{
	json_t *v, *it;
	size_t i;

	if (!o)
		return 0;
	v = json_object_get(o, "available");
	if (!json_is_object(o) || !json_is_boolean(v))
		return xpkt_err_set(rd->err, "%s: bad \"pmu\"", rd->path);
	p->known = 1;
	p->available = json_is_true(v);
	if (json_object_get(o, "reason") && get_str(rd, o, "reason", p->reason, sizeof(p->reason)))
		return -1;
	v = json_object_get(o, "counters");
	if (v && (!json_is_array(v) || json_array_size(v) > XPKT_PMU_MAX))
		return xpkt_err_set(rd->err, "%s: bad \"pmu\" \"counters\"", rd->path);
	json_array_foreach(v, i, it)
	{
		if (!json_is_string(it) || strlen(json_string_value(it)) >= sizeof(p->counters[0]))
			return xpkt_err_set(rd->err, "%s: bad \"pmu\" counter", rd->path);
		strcpy(p->counters[p->ncounters++], json_string_value(it));
	}
	if ((json_object_get(o, "records") && get_u64(rd, o, "records", &p->records)) ||
	    (json_object_get(o, "orphans") && get_u64(rd, o, "orphans", &p->orphans)))
		return -1;
	return 0;
}

/* Optional "hotspots": the kprobe calls (truth has them); functions are not read back. */
static int read_stage_hot(struct rd *rd, json_t *o, struct xpkt_stage_stats *s, const char *dir,
			  const char *name)
{
	json_t *kp;

	if (!o)
		return 0;
	kp = json_object_get(o, "kprobes");
	if (!json_is_object(o) || (kp && !json_is_object(kp)))
		return xpkt_err_set(rd->err, "%s: stage %s:%s: bad \"hotspots\"", rd->path, dir,
				    name);
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++) {
		json_t *c = json_object_get(kp, xpkt_hot_name(h));

		if (c && (!json_is_object(c) || get_u64(rd, c, "calls", &s->hot_calls[h]) ||
			  get_u64(rd, c, "bytes", &s->hot_bytes[h])))
			return xpkt_err_set(rd->err, "%s: stage %s:%s: bad hotspot \"%s\"",
					    rd->path, dir, name, xpkt_hot_name(h));
	}
	if (json_object_get(o, "samples") && get_u64(rd, o, "samples", &s->samples))
		return -1;
	return 0;
}

static int read_stage(struct rd *rd, json_t *o, struct xpkt_results *r)
{
	char dir[8], name[64];
	struct xpkt_stage_stats *s;
	int d, i;

	if (!json_is_object(o))
		return xpkt_err_set(rd->err, "%s: a stage is not an object", rd->path);
	if (get_str(rd, o, "direction", dir, sizeof(dir)) ||
	    get_str(rd, o, "name", name, sizeof(name)))
		return -1;
	d = xpkt_dir_parse(dir);
	if (d < 0)
		return xpkt_err_set(rd->err, "%s: unknown direction \"%s\"", rd->path, dir);
	i = xpkt_mode_stage_find(results_mode(r), (enum xpkt_dir)d, name);
	if (i < 0)
		return xpkt_err_set(rd->err, "%s: unknown stage %s:%s", rd->path, dir, name);
	s = &r->stages[d][i];
	if (get_u64(rd, o, "count", &s->count) || get_real(rd, o, "mean_ns", &s->mean_ns) ||
	    get_u64(rd, o, "min_ns", &s->min_ns) || get_u64(rd, o, "p50_ns", &s->p50_ns) ||
	    get_u64(rd, o, "p90_ns", &s->p90_ns) || get_u64(rd, o, "p99_ns", &s->p99_ns) ||
	    get_u64(rd, o, "p999_ns", &s->p999_ns) || get_u64(rd, o, "max_ns", &s->max_ns) ||
	    get_real(rd, o, "total_ns", &s->total_ns) ||
	    get_u64(rd, o, "unattributed", &s->unattributed))
		return -1;
	/* optional: files written before the field have no inferred stages marked */
	{
		json_t *inf = json_object_get(o, "inferred");

		if (inf && !json_is_boolean(inf))
			return xpkt_err_set(rd->err,
					    "%s: stage %s:%s: \"inferred\" is not a boolean",
					    rd->path, dir, name);
		s->inferred = inf && json_is_true(inf);
	}
	if (read_stage_hot(rd, json_object_get(o, "hotspots"), s, dir, name))
		return -1;
	if (json_object_get(o, "pmu_sim") && read_stage_sim(rd, json_object_get(o, "pmu_sim"), s))
		return -1;
	return read_stage_pmu(rd, json_object_get(o, "pmu"), r, s);
}

static int read_clock(struct rd *rd, json_t *o, struct xpkt_clock_alignment *c)
{
	json_t *v;

	if (!json_is_object(o))
		return xpkt_err_set(rd->err, "%s: a clock entry is not an object", rd->path);
	if (get_str(rd, o, "source", c->source, sizeof(c->source)) ||
	    get_str(rd, o, "clock", c->clock, sizeof(c->clock)) ||
	    get_str(rd, o, "offset_from", c->offset_from, sizeof(c->offset_from)) ||
	    get_u64(rd, o, "inversions", &c->inversions))
		return -1;
	v = json_object_get(o, "offset");
	if (!json_is_integer(v))
		return xpkt_err_set(rd->err, "%s: clock \"offset\" is not an integer", rd->path);
	c->offset = json_integer_value(v);
	v = json_object_get(o, "min_causal_gap_ns");
	if (json_is_null(v))
		c->min_causal_gap_ns = INT64_MAX;
	else if (json_is_integer(v))
		c->min_causal_gap_ns = json_integer_value(v);
	else
		return xpkt_err_set(rd->err, "%s: \"min_causal_gap_ns\" is not an integer or null",
				    rd->path);
	return 0;
}

static int read_root(struct rd *rd, json_t *root, struct xpkt_results *r)
{
	json_t *stages, *pk, *lost, *clocks, *v;
	const char *name;
	size_t i;

	if (!json_is_object(root))
		return xpkt_err_set(rd->err, "%s: not a JSON object", rd->path);
	/* Files written before modes existed have none: they are Xen's. */
	v = json_object_get(root, "mode");
	if (!v) {
		r->mode = XPKT_MODE_XEN;
	} else if (!json_is_string(v) || !(r->mode = xpkt_mode_parse(json_string_value(v)))) {
		return xpkt_err_set(rd->err, "%s: \"mode\" is not \"xen\" or \"native\"", rd->path);
	}
	/* before the stages: their "pmu" objects are keyed by its counter names */
	if (read_pmu(rd, json_object_get(root, "pmu"), &r->pmu))
		return -1;
	v = json_object_get(root, "pmu_sim");
	if (v) {
		if (!json_is_object(v) ||
		    get_str(rd, v, "model", r->sim_model, sizeof(r->sim_model)) ||
		    get_u64(rd, v, "records", &r->sim_records) ||
		    get_u64(rd, v, "instructions_total", &r->sim_insns_total) ||
		    get_u64(rd, v, "instructions_in_stages", &r->sim_insns_claimed))
			return xpkt_err_set(rd->err, "%s: bad \"pmu_sim\"", rd->path);
		r->sim_known = 1;
	}
	stages = json_object_get(root, "stages");
	if (!json_is_array(stages))
		return xpkt_err_set(rd->err, "%s: \"stages\" missing or not an array", rd->path);
	json_array_foreach(stages, i, v)
	{
		if (read_stage(rd, v, r))
			return -1;
	}
	pk = json_object_get(root, "packets");
	if (read_counts(rd, pk, &r->packets))
		return -1;
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		if (read_counts(rd, json_object_get(pk, xpkt_dir_name((enum xpkt_dir)d)),
				&r->by_dir[d]))
			return -1;
	lost = json_object_get(root, "lost_events");
	if (!json_is_object(lost))
		return xpkt_err_set(rd->err, "%s: \"lost_events\" missing or not an object",
				    rd->path);
	json_object_foreach(lost, name, v)
	{
		if (r->nlost == XPKT_MAX_SOURCES || strlen(name) >= sizeof(r->lost[0].source) ||
		    !json_is_integer(v) || json_integer_value(v) < 0)
			return xpkt_err_set(rd->err, "%s: bad \"lost_events\" entry \"%s\"",
					    rd->path, name);
		strcpy(r->lost[r->nlost].source, name);
		r->lost[r->nlost++].events = (uint64_t)json_integer_value(v);
	}
	clocks = json_object_get(root, "clock");
	if (!json_is_array(clocks) || json_array_size(clocks) > XPKT_MAX_SOURCES)
		return xpkt_err_set(rd->err, "%s: \"clock\" missing or not an array of sources",
				    rd->path);
	json_array_foreach(clocks, i, v)
	{
		if (read_clock(rd, v, &r->clocks[r->nclocks++]))
			return -1;
	}
	if (get_u64(rd, root, "events_read", &r->events_read) ||
	    get_u64(rd, root, "max_in_flight", &r->max_in_flight))
		return -1;
	return 0;
}

int xpkt_results_read_json(const char *path, struct xpkt_results *r, struct xpkt_err *err)
{
	struct rd rd = {.path = path, .err = err};
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(r, 0, sizeof(*r));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return xpkt_err_at(err, path, (uint64_t)jerr.position, "%s", jerr.text);
	rc = read_root(&rd, root, r);
	json_decref(root);
	return rc;
}
