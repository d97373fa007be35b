// SPDX-License-Identifier: GPL-2.0
/*
 * simpmu_text.c - "Simulated PMU deltas (pmu-sim, MODEL)" in the terminal
 * report (see simpmu_text.h). Modelled on report_text.c's hardware table;
 * a counter with no delta is never shown as 0: the row says why instead.
 */
#include <inttypes.h>
#include <string.h>

#include "viz/simpmu_text.h"

static int shown(const struct xpkt_text_opts *o, enum xpkt_dir d, const char *name)
{
	return !o || !o->stage ||
	       ((o->stage_dir < 0 || o->stage_dir == (int)d) && !strcmp(o->stage, name));
}

int xpkt_simpmu_text(FILE *fp, const struct xpkt_results *r, const struct xpkt_text_opts *o)
{
	const char *bold = o && o->colour ? "\033[1m" : "",
		   *reset = o && o->colour ? "\033[0m" : "";
	enum xpkt_mode mode = r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;

	if (!r->sim_known)
		return 0;
	/* the title keeps to 80 columns: a long model goes on a line of its own */
	if (r->sim_model[0] && strlen(r->sim_model) <= 48) {
		fprintf(fp, "\n%sSimulated PMU deltas%s (pmu-sim, %s)\n", bold, reset,
			r->sim_model);
	} else {
		fprintf(fp, "\n%sSimulated PMU deltas%s (pmu-sim)\n", bold, reset);
		fprintf(fp, "  model: %.71s\n", r->sim_model[0] ? r->sim_model : "unknown");
	}
	fprintf(fp, "  per packet, since its previous stage on the same physical CPU; means\n");
	fprintf(fp, "%-22s %6s %5s %7s %8s %6s %6s %6s %6s\n", "stage", "deltas", "x-cpu", "insns",
		"insn p99", "l1d-m", "l2-m", "dtlb-m", "itlb-m");
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *s = &r->stages[d][i];
			const struct xpkt_pmu_stats *in = &s->sim[XPKT_SIM_INSNS];
			char name[48], a[5][16], p99[16];

			if (!shown(o, (enum xpkt_dir)d, st[i].name))
				continue;
			if (!in->count && !s->sim_cross_cpu && !s->sim_unpaired)
				continue;
			snprintf(name, sizeof(name), "%s %s", xpkt_dir_name((enum xpkt_dir)d),
				 st[i].name);
			if (!in->count) {
				fprintf(fp, "%-22.22s %6s %5" PRIu64 "  n/a (%s)\n", name, "-",
					s->sim_cross_cpu,
					st[i].domain == XPKT_DOM_WIRE
					    ? "on the wire: no CPU runs it"
					: s->sim_cross_cpu ? "ends on different physical CPUs"
							   : "physical CPU or counters unknown");
				continue;
			}
			for (unsigned c = 0; c < XPKT_SIM_COUNTERS; c++)
				xpkt_fmt_count(a[c], sizeof(a[c]), s->sim[c].mean, 4);
			fprintf(fp, "%-22.22s %6" PRIu64 " %5" PRIu64 " %7s %8s %6s %6s %6s %6s\n",
				name, in->count, s->sim_cross_cpu, a[XPKT_SIM_INSNS],
				xpkt_fmt_count(p99, sizeof(p99), (double)in->p99, 4),
				a[XPKT_SIM_L1D_MISS], a[XPKT_SIM_L2_MISS], a[XPKT_SIM_DTLB_MISS],
				a[XPKT_SIM_ITLB_MISS]);
		}
	}
	{
		char a[16], b[16];

		fprintf(
		    fp,
		    "  instructions in stage intervals: %s of %s simulated (%" PRIu64 " records)\n",
		    xpkt_fmt_count(a, sizeof(a), (double)r->sim_insns_claimed, 4),
		    xpkt_fmt_count(b, sizeof(b), (double)r->sim_insns_total, 4), r->sim_records);
	}
	return ferror(fp) ? -1 : 0;
}
