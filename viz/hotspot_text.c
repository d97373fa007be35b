// SPDX-License-Identifier: GPL-2.0
/*
 * hotspot_text.c - the report's hotspot table (hotspot_text.h).
 *
 * Kprobe calls are shown per packet of the stage (calls / the stage's
 * count): the seed's unit, "per packet", which is what moves between a good
 * and a bad run. Sample shares are of the stage's own samples, as perf
 * report's Overhead is of the samples shown.
 */
#include <inttypes.h>

#include "tracepoints/stage.h"
#include "viz/hotspot_text.h"

static int stage_has(const struct xpkt_stage_stats *s)
{
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
		if (s->hot_calls[h])
			return 1;
	return s->samples > 0;
}

static void stage_rows(FILE *fp, const char *name, const struct xpkt_stage_stats *s)
{
	int first = 1;
	uint64_t shown = 0;
	uint32_t i;

	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++) {
		if (!s->hot_calls[h])
			continue;
		double per = s->count ? (double)s->hot_calls[h] / (double)s->count : 0.0;

		/* a rare call is not none: below 0.01 per packet, in scientific notation */
		fprintf(fp,
			per > 0 && per < 0.01 ? "  %-18s %-16s %9.2e calls/pkt"
					      : "  %-18s %-16s %9.2f calls/pkt",
			first ? name : "", xpkt_hot_name(h), per);
		if (s->hot_bytes[h] && s->count)
			fprintf(fp, " %9.0f B/pkt", (double)s->hot_bytes[h] / (double)s->count);
		fputc('\n', fp);
		first = 0;
	}
	if (!s->samples)
		return;
	fprintf(fp, "  %-18s %" PRIu64 " PC samples%s\n", first ? name : "", s->samples,
		s->nfuncs || !s->nips ? "" : " (not symbolized)");
	for (i = 0; i < s->nfuncs && i < XPKT_HOTSPOT_TOP; i++) {
		const struct xpkt_func_count *f = &s->funcs[i];

		fprintf(fp, "  %-18s %6.2f%%  %.34s%s%.12s%s\n", "",
			100.0 * (double)f->samples / (double)s->samples, f->name,
			f->module[0] ? " [" : "", f->module, f->module[0] ? "]" : "");
		shown += f->samples;
	}
	if (i < s->nfuncs)
		fprintf(fp, "  %-18s %6.2f%%  (%u other functions)\n", "",
			100.0 * (double)(s->samples - shown) / (double)s->samples, s->nfuncs - i);
}

static int domain_has(const struct xpkt_results *r, unsigned dom)
{
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
		if (r->hot_calls[dom][h])
			return 1;
	return r->samples[dom] > 0;
}

int xpkt_hotspot_text(FILE *fp, const struct xpkt_results *r)
{
	enum xpkt_mode mode = r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;
	int any = 0;

	for (unsigned dom = 0; dom < XPKT_DOM_COUNT; dom++)
		any |= domain_has(r, dom);
	if (!any)
		return 0;
	fputs("\nHotspots: kprobe calls on a packet's skb since its previous stage, and PC\n"
	      "samples on the stage's CPU in that interval, by function\n",
	      fp);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *rows = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned s = 0; s < n && s < XPKT_MAX_STAGES; s++) {
			char name[32];

			if (!stage_has(&r->stages[d][s]))
				continue;
			snprintf(name, sizeof(name), "%s %s", xpkt_dir_name((enum xpkt_dir)d),
				 rows[s].name);
			stage_rows(fp, name, &r->stages[d][s]);
		}
	}
	for (unsigned dom = 0; dom < XPKT_DOM_COUNT; dom++) {
		for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
			if (r->hot_calls[dom][h])
				fprintf(fp,
					"  %s %s: %" PRIu64 " calls (%" PRIu64
					" on no packet, %" PRIu64 " after its last stage)\n",
					xpkt_domain_name((enum xpkt_domain)dom), xpkt_hot_name(h),
					r->hot_calls[dom][h], r->hot_no_packet[dom][h],
					r->hot_after_end[dom][h]);
		if (r->samples[dom])
			fprintf(fp,
				"  %s PC samples: %" PRIu64 ", idle %" PRIu64 ", busy outside any "
				"stage %" PRIu64 "\n",
				xpkt_domain_name((enum xpkt_domain)dom), r->samples[dom],
				r->samples_idle[dom], r->samples_outside[dom]);
	}
	return ferror(fp) ? -1 : 0;
}
