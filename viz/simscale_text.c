// SPDX-License-Identifier: GPL-2.0
/*
 * simscale_text.c - "Cache/TLB scaling (simulated)" in the terminal report
 * (see simscale_text.h).
 */
#include <inttypes.h>

#include "viz/simscale_text.h"

/* "12.3%" of misses over accesses of level (access, access + 1) in the sums. */
static const char *rate(char *buf, size_t len, const uint64_t acc[XPKT_SIMM_COUNTERS],
			unsigned access)
{
	if (!acc[access])
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f%%", 100.0 * (double)acc[access + 1] / (double)acc[access]);
	return buf;
}

int xpkt_simscale_text(FILE *fp, const struct xpkt_results *r, const struct xpkt_text_opts *o)
{
	const struct xpkt_sim_scaling *sc = r->sim_scaling;
	const char *bold = o && o->colour ? "\033[1m" : "",
		   *reset = o && o->colour ? "\033[0m" : "";
	static const unsigned lv[3] = {XPKT_SIMM_L2_ACCESS, XPKT_SIMM_ITLB_ACCESS,
				       XPKT_SIMM_DTLB_ACCESS};

	if (!sc || sc->nmodels < 2 || (o && o->stage))
		return 0;
	fprintf(fp, "\n%sCache/TLB scaling%s (pmu-sim, %u instances side by side)\n", bold, reset,
		sc->nmodels);
	fprintf(fp, "  miss rate of all stages of a direction; per stage: report --html/--json\n");
	fprintf(fp, "%-2s %-10s %-7s %-7s %7s %7s %7s %7s %7s %7s\n", "#", "l2", "itlb", "dtlb",
		"tx-l2", "tx-itlb", "tx-dtlb", "rx-l2", "rx-itlb", "rx-dtlb");
	for (unsigned m = 0; m < sc->nmodels && m < XPKT_SIM_SCALE_MODELS; m++) {
		const struct xpkt_sim_scale_model *g = &sc->model[m];
		char cell[XPKT_DIR_COUNT][3][16];

		for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
			uint64_t sum[XPKT_SIMM_COUNTERS] = {0};

			for (unsigned s = 0; s < XPKT_MAX_STAGES; s++)
				for (unsigned k = 0; k < XPKT_SIMM_COUNTERS; k++)
					sum[k] += sc->stage[d][s][m][k];
			for (unsigned i = 0; i < 3; i++)
				rate(cell[d][i], sizeof(cell[d][i]), sum, lv[i]);
		}
		fprintf(fp, "%-2u %-10.10s %-7.7s %-7.7s %7s %7s %7s %7s %7s %7s\n", m, g->l2,
			g->itlb, g->dtlb, cell[XPKT_TX][0], cell[XPKT_TX][1], cell[XPKT_TX][2],
			cell[XPKT_RX][0], cell[XPKT_RX][1], cell[XPKT_RX][2]);
	}
	return ferror(fp) ? -1 : 0;
}
