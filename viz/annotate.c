// SPDX-License-Identifier: GPL-2.0
/*
 * annotate.c - the function table of `xpkttrace annotate` (see annotate.h).
 *
 * Per (direction, stage), in catalogue order, then the instructions no
 * stage took: the top functions by instructions with their L1I, L1D, L2,
 * ITLB and DTLB hits and misses (hits = accesses - misses), the rest
 * folded into one line, and the group's total, which equals the stage's
 * simulated delta sum in the report (the same record intervals).
 */
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "tracepoints/stage.h"
#include "viz/annotate.h"
#include "viz/report_text.h"

static const char *stage_name(const struct xpkt_results *r, int dir, int s)
{
	enum xpkt_mode mode = r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;
	unsigned n;
	const struct xpkt_stage *st;

	if (dir < 0)
		return "none";
	st = xpkt_mode_stages(mode, (enum xpkt_dir)dir, &n);
	return s >= 0 && (unsigned)s < n ? st[s].name : "?";
}

static void domain_text(char *buf, size_t len, uint8_t domain, uint16_t domid)
{
	if (domain == XPKT_DOM_XEN)
		snprintf(buf, len, "xen");
	else if (domain == XPKT_DOM_DOM0)
		snprintf(buf, len, "dom0");
	else if (domain == XPKT_DOM_GUEST)
		snprintf(buf, len, "d%u", domid);
	else
		snprintf(buf, len, "?");
}

static int shown(const struct xpkt_annotate_view *v, int dir, int s)
{
	if (!v->stage)
		return 1;
	if (!strcmp(v->stage, "none"))
		return dir < 0;
	return dir >= 0 && (v->stage_dir < 0 || v->stage_dir == dir) &&
	       !strcmp(v->stage, stage_name(v->r, dir, s));
}

/* The rows of group [i, end) with the same (dir, stage) as rows[i]. */
static size_t group_end(const struct xpkt_annotate_view *v, size_t i)
{
	size_t e = i;

	while (e < v->nrows && v->rows[e].dir == v->rows[i].dir &&
	       v->rows[e].stage == v->rows[i].stage)
		e++;
	return e;
}

/* accesses - misses (an access count below its misses would be a broken stream) */
static uint64_t hits(const uint64_t c[], unsigned acc)
{
	return c[acc] > c[acc + 1] ? c[acc] - c[acc + 1] : 0;
}

static void text_row(FILE *fp, const char *name, const char *dom, const uint64_t c[])
{
	char a[9][16];
	const uint64_t vals[9] = {
	    c[XPKT_SIMTB_INSNS],
	    c[XPKT_SIMTB_L1I_MISS],
	    hits(c, XPKT_SIMTB_L1D_ACCESS),
	    c[XPKT_SIMTB_L1D_MISS],
	    hits(c, XPKT_SIMTB_L2_ACCESS),
	    c[XPKT_SIMTB_L2_MISS],
	    c[XPKT_SIMTB_ITLB_MISS],
	    hits(c, XPKT_SIMTB_DTLB_ACCESS),
	    c[XPKT_SIMTB_DTLB_MISS],
	};

	for (unsigned k = 0; k < 9; k++)
		xpkt_fmt_count(a[k], sizeof(a[k]), (double)vals[k], 4);
	fprintf(fp, "  %-30.30s %-4s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n", name, dom, a[0], a[1],
		a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
}

static int text_group(FILE *fp, const struct xpkt_annotate_view *v, size_t i, int none);

int xpkt_annotate_text(FILE *fp, const struct xpkt_annotate_view *v)
{
	const struct xpkt_results *r = v->r;
	const struct xpkt_sim_annot *sa = r->sim_annot;
	char a[16], b[16];

	fprintf(fp, "# xpkttrace annotate: %s\n", v->bundle);
	fprintf(fp, "# simulated counts per function and stage (pmu-sim %s), seed 001 Figure 4\n",
		r->sim_model[0] ? r->sim_model : "model unknown");
	fprintf(fp, "# %s block counts, %s instructions simulated, %s in stage intervals\n",
		xpkt_fmt_count(a, sizeof(a), (double)sa->entries, 4),
		xpkt_fmt_count(b, sizeof(b), (double)r->sim_insns_total, 4),
		xpkt_fmt_count((char[16]){0}, 16, (double)r->sim_insns_claimed, 4));
	fprintf(fp, "# hits = accesses - misses; l1i-m, itlb-m: instruction fetch misses\n");
	/* stages first, in catalogue order; what no stage took last */
	for (size_t pass = 0, i = 0; pass < 2; pass++, i = 0)
		while (i < v->nrows) {
			if (text_group(fp, v, i, pass == 1))
				return -1;
			i = group_end(v, i);
		}
	if (r->sim_claims_late)
		fprintf(fp,
			"\n# %" PRIu64 " stage claims reached back into record intervals already "
			"given to no stage (%" PRIu64 " were held too long): those stages' totals "
			"here fall short of report's\n",
			r->sim_claims_late, r->sim_ivals_forced);
	if (sa->unowned)
		fprintf(fp,
			"\n# %" PRIu64 " block counts before a CPU's first record (no interval)\n",
			sa->unowned);
	return ferror(fp) ? -1 : 0;
}

/* Group rows[i..] if it is a stage group (none == 0) or the no-stage one (none == 1). */
static int text_group(FILE *fp, const struct xpkt_annotate_view *v, size_t i, int none)
{
	const struct xpkt_results *r = v->r;
	size_t e = group_end(v, i), shown_rows = 0;
	const struct xpkt_func_row *g = &v->rows[i];
	uint64_t tot[XPKT_SIMTB_COUNTERS] = {0}, rest[XPKT_SIMTB_COUNTERS] = {0};
	size_t nrest = 0;

	{
		if ((g->dir < 0) != none || !shown(v, g->dir, g->stage))
			return 0;
		if (g->dir < 0)
			fprintf(fp, "\nno stage (counts outside every stage interval)\n");
		else
			fprintf(fp, "\n%s %s\n", xpkt_dir_name((enum xpkt_dir)g->dir),
				stage_name(r, g->dir, g->stage));
		fprintf(fp, "  %-30s %-4s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n", "function", "dom",
			"instr", "l1i-m", "l1d-h", "l1d-m", "l2-h", "l2-m", "itlb-m", "dtlb-h",
			"dtlb-m");
		for (size_t k = i; k < e; k++) {
			const struct xpkt_func_row *f = &v->rows[k];
			char name[128], dom[16];

			for (unsigned c = 0; c < XPKT_SIMTB_COUNTERS; c++)
				tot[c] += f->c[c];
			if (v->top && shown_rows == v->top) {
				for (unsigned c = 0; c < XPKT_SIMTB_COUNTERS; c++)
					rest[c] += f->c[c];
				nrest++;
				continue;
			}
			snprintf(name, sizeof(name), f->module[0] ? "%s [%s]" : "%s", f->name,
				 f->module);
			domain_text(dom, sizeof(dom), f->domain, f->domid);
			text_row(fp, name, dom, f->c);
			shown_rows++;
		}
		if (nrest) {
			char name[64];

			snprintf(name, sizeof(name), "(%zu more functions)", nrest);
			text_row(fp, name, "", rest);
		}
		text_row(fp, "total", "", tot);
	}
	return ferror(fp) ? -1 : 0;
}

static const char *const counter_names[XPKT_SIMTB_COUNTERS] = {
    "instructions", "l1i_accesses",  "l1i_misses",  "l1d_accesses",  "l1d_misses", "l2_accesses",
    "l2_misses",    "itlb_accesses", "itlb_misses", "dtlb_accesses", "dtlb_misses"};

static json_t *counters_json(const uint64_t c[])
{
	json_t *o = json_object();

	for (unsigned k = 0; k < XPKT_SIMTB_COUNTERS; k++)
		json_object_set_new(o, counter_names[k], json_integer((json_int_t)c[k]));
	return o;
}

int xpkt_annotate_json(FILE *fp, const struct xpkt_annotate_view *v)
{
	const struct xpkt_results *r = v->r;
	const struct xpkt_sim_annot *sa = r->sim_annot;
	json_t *root = json_object(), *groups = json_array();
	int rc;

	json_object_set_new(root, "bundle", json_string(v->bundle));
	json_object_set_new(root, "source", json_string("simulated"));
	json_object_set_new(root, "model", json_string(r->sim_model));
	json_object_set_new(root, "block_counts", json_integer((json_int_t)sa->entries));
	json_object_set_new(root, "unowned", json_integer((json_int_t)sa->unowned));
	json_object_set_new(root, "intervals_forced",
			    json_integer((json_int_t)r->sim_ivals_forced));
	json_object_set_new(root, "claims_late", json_integer((json_int_t)r->sim_claims_late));
	json_object_set_new(root, "instructions_simulated",
			    json_integer((json_int_t)r->sim_insns_total));
	json_object_set_new(root, "instructions_in_stages",
			    json_integer((json_int_t)r->sim_insns_claimed));
	for (size_t i = 0; i < v->nrows;) {
		size_t e = group_end(v, i), n = 0;
		const struct xpkt_func_row *g = &v->rows[i];
		json_t *grp, *funcs;
		uint64_t tot[XPKT_SIMTB_COUNTERS] = {0};

		if (!shown(v, g->dir, g->stage)) {
			i = e;
			continue;
		}
		grp = json_object();
		funcs = json_array();
		json_object_set_new(grp, "dir",
				    g->dir < 0 ? json_null()
					       : json_string(xpkt_dir_name((enum xpkt_dir)g->dir)));
		json_object_set_new(grp, "stage", json_string(stage_name(r, g->dir, g->stage)));
		for (size_t k = i; k < e; k++) {
			const struct xpkt_func_row *f = &v->rows[k];
			char dom[16];
			json_t *o;

			for (unsigned c = 0; c < XPKT_SIMTB_COUNTERS; c++)
				tot[c] += f->c[c];
			if (v->top && n++ >= v->top)
				continue;
			domain_text(dom, sizeof(dom), f->domain, f->domid);
			o = counters_json(f->c);
			json_object_set_new(o, "function", json_string(f->name));
			json_object_set_new(o, "module", json_string(f->module));
			json_object_set_new(o, "domain", json_string(dom));
			json_object_set_new(o, "blocks", json_integer((json_int_t)f->blocks));
			json_array_append_new(funcs, o);
		}
		json_object_set_new(grp, "total", counters_json(tot));
		json_object_set_new(grp, "functions", funcs);
		json_array_append_new(groups, grp);
		i = e;
	}
	json_object_set_new(root, "stages", groups);
	rc = json_dumpf(root, fp, JSON_INDENT(2));
	json_decref(root);
	fputc('\n', fp);
	return rc || ferror(fp) ? -1 : 0;
}
