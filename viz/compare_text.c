// SPDX-License-Identifier: GPL-2.0
/*
 * compare_text.c - terminal rendering of a struct xpkt_compare
 * (compare_text.h). Reads the model and the stage table only.
 *
 * The output is a list of sections, each a function of the model: a new kind
 * of comparison (function hotspots, once results carry them) is one more row
 * in sections[], not a change to the others.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "viz/compare_text.h"
#include "viz/report_text.h"

static const char *dir_heading(enum xpkt_mode mode, enum xpkt_dir d)
{
	/* Native "tx" is every TCP send of the one kernel: iperf3's client -> server. */
	if (mode == XPKT_MODE_NATIVE)
		return d == XPKT_TX ? "client -> server (native)" : "server -> client (native)";
	return d == XPKT_TX ? "TX, guest sends" : "RX, guest receives";
}

/* A counter that exists in the run: printed even when 0 (0 drops is a fact). */
static const char *fmt_u64(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static void header(FILE *fp, const struct xpkt_compare *c)
{
	fprintf(fp, "xpkttrace compare: mode %s\n", xpkt_mode_name(c->mode));
	fprintf(fp, "  A: %s (%" PRIu64 " events read)\n", c->name_a, c->a->events_read);
	fprintf(fp, "  B: %s (%" PRIu64 " events read)\n", c->name_b, c->b->events_read);
	fprintf(fp, "B/A is run B's value over run A's: \"-43 %%\" fell, \"x2.31\" grew;\n"
		    "\"-\" means a run has no samples there (not zero).\n");
}

static void counter_row(FILE *fp, const char *label, uint64_t a, uint64_t b)
{
	char sa[24], sb[24], r[16];

	/* A counter rising from 0 has no ratio: say what happened instead. */
	if (!a && b)
		snprintf(r, sizeof(r), "new");
	else if (!a)
		snprintf(r, sizeof(r), "-");
	else
		xpkt_cmp_fmt_ratio(r, sizeof(r), xpkt_cmp_ratio((double)a, (double)b));
	fprintf(fp, " %-22s %12s %12s %8s\n", label, fmt_u64(sa, sizeof(sa), a),
		fmt_u64(sb, sizeof(sb), b), r);
}

static void counts_rows(FILE *fp, const char *scope, const struct xpkt_packet_counts *a,
			const struct xpkt_packet_counts *b)
{
	char label[32];

#define ROW(f)                                                                                     \
	do {                                                                                       \
		snprintf(label, sizeof(label), "%s%s", scope, #f);                                 \
		counter_row(fp, label, a->f, b->f);                                                \
	} while (0)
	ROW(total);
	ROW(complete);
	ROW(partial);
	ROW(dropped);
	if (a->merged || b->merged) /* GRO merges exist on RX only */
		ROW(merged);
#undef ROW
}

static int sec_packets(FILE *fp, const struct xpkt_compare *c)
{
	fprintf(fp, "\n %-22s %12s %12s %8s\n", "Packets", "A", "B", "B/A");
	counts_rows(fp, "", &c->a->packets, &c->b->packets);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		char scope[8];

		xpkt_mode_stages(c->mode, (enum xpkt_dir)d, &n);
		if (!n)
			continue;
		snprintf(scope, sizeof(scope), "%s ", xpkt_dir_name((enum xpkt_dir)d));
		counts_rows(fp, scope, &c->a->by_dir[d], &c->b->by_dir[d]);
	}
	return 0;
}

/* One run's line of a stage: "-" wherever the run has no samples. */
static void stage_run_line(FILE *fp, const struct xpkt_cmp_stage *row, const char *name,
			   const char *dom, const char *run, const struct xpkt_stage_stats *s)
{
	char cnt[24], mean[16], p50[16], p90[16], p99[16];
	int lat = s->count && !row->origin;

	fprintf(fp, " %-15.15s %-5.5s %-3s %8s %7s %7s %7s %7s %7" PRIu64 "\n", name, dom, run,
		s->count ? fmt_u64(cnt, sizeof(cnt), s->count) : "-",
		lat ? xpkt_fmt_ns(mean, sizeof(mean), s->mean_ns) : "-",
		lat ? xpkt_fmt_ns(p50, sizeof(p50), (double)s->p50_ns) : "-",
		lat ? xpkt_fmt_ns(p90, sizeof(p90), (double)s->p90_ns) : "-",
		lat ? xpkt_fmt_ns(p99, sizeof(p99), (double)s->p99_ns) : "-", s->unattributed);
}

static void stage_ratio_line(FILE *fp, const struct xpkt_cmp_stage *row)
{
	char r[XPKT_CMP_NFIELDS][16];

	for (int f = 0; f < XPKT_CMP_NFIELDS; f++)
		xpkt_cmp_fmt_ratio(r[f], sizeof(r[f]), row->ratio[f]);
	if (row->status != XPKT_CMP_BOTH) {
		fprintf(fp, " %-15s %-5s %-3s %8s %31s %7s\n", "", "", "B/A",
			xpkt_cmp_status_name(row->status), "", r[XPKT_CMP_UNATTR]);
		return;
	}
	if (row->origin) /* packets created: no latency to compare */
		fprintf(fp, " %-15s %-5s %-3s %8s %31s %7s\n", "", "", "B/A", r[XPKT_CMP_COUNT], "",
			r[XPKT_CMP_UNATTR]);
	else
		fprintf(fp, " %-15s %-5s %-3s %8s %7s %7s %7s %7s %7s\n", "", "", "B/A",
			r[XPKT_CMP_COUNT], r[XPKT_CMP_MEAN], r[XPKT_CMP_P50], r[XPKT_CMP_P90],
			r[XPKT_CMP_P99], r[XPKT_CMP_UNATTR]);
}

static int sec_stages(FILE *fp, const struct xpkt_compare *c)
{
	int inferred = 0;

	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		int printed = 0;

		for (unsigned i = 0; i < c->nrows; i++) {
			const struct xpkt_cmp_stage *row = &c->rows[i];
			const char *dom = xpkt_domain_name(row->st->domain);
			char na[48];

			if (row->st->dir != (enum xpkt_dir)d)
				continue;
			if (!printed++) {
				fprintf(fp, "\n%s: latency from the previous stage\n",
					dir_heading(c->mode, (enum xpkt_dir)d));
				fprintf(fp, " %-15s %-5s %-3s %8s %7s %7s %7s %7s %7s\n", "stage",
					"dom", "run", "count", "mean", "p50", "p90", "p99",
					"unattr");
			}
			/* '*': that run's times for the stage are inferred (results.h) */
			snprintf(na, sizeof(na), "%s%s", row->st->name,
				 row->a->inferred ? "*" : "");
			stage_run_line(fp, row, na, dom, "A", row->a);
			stage_run_line(fp, row, row->b->inferred ? "*" : "", "", "B", row->b);
			stage_ratio_line(fp, row);
			inferred |= row->a->inferred | row->b->inferred;
		}
	}
	if (inferred)
		fprintf(
		    fp,
		    " * inferred in that run, not observed (xpkttrace stages --long: the hook)\n");
	return 0;
}

static int sec_lost(FILE *fp, const struct xpkt_compare *c)
{
	struct xpkt_cmp_lost l[2 * XPKT_MAX_SOURCES];
	unsigned n = xpkt_compare_lost(c, l, 2 * XPKT_MAX_SOURCES);

	fprintf(fp, "\n %-22s %12s %12s %8s\n", "Lost events", "A", "B", "B/A");
	for (unsigned i = 0; i < n; i++) {
		char sa[24], sb[24], r[16];

		if (l[i].in_a && l[i].in_b) {
			counter_row(fp, l[i].source, l[i].a, l[i].b);
			continue;
		}
		/* a source only one run recorded: its other side is not 0, it is missing */
		snprintf(r, sizeof(r), "%s", l[i].in_a ? "gone" : "new");
		fprintf(fp, " %-22s %12s %12s %8s\n", l[i].source,
			l[i].in_a ? fmt_u64(sa, sizeof(sa), l[i].a) : "-",
			l[i].in_b ? fmt_u64(sb, sizeof(sb), l[i].b) : "-", r);
	}
	if (!n)
		fprintf(fp, " (no sources)\n");
	return 0;
}

/* Stages one run has no samples of, under a label, wrapped at 80 columns. */
static void status_list(FILE *fp, const struct xpkt_compare *c, enum xpkt_cmp_status status,
			const char *label)
{
	int col = 0;

	for (unsigned i = 0; i < c->nrows; i++) {
		const struct xpkt_cmp_stage *row = &c->rows[i];
		int w = (int)strlen(row->st->name) + 4; /* " rx:" */

		if (row->status != status)
			continue;
		if (!col)
			fprintf(fp, " %s\n", label);
		if (!col || col + w > 79) {
			fputs(col ? "\n  " : "  ", fp);
			col = 2;
		}
		col += fprintf(fp, " %s:%s", xpkt_dir_name(row->st->dir), row->st->name);
	}
	if (col)
		fputc('\n', fp);
}

static int sec_biggest(FILE *fp, const struct xpkt_compare *c)
{
	fprintf(fp, "\nBiggest changes (stages in both runs whose p50 or mean moved most)\n");
	if (!c->nbiggest)
		fprintf(fp, " (none)\n");
	for (unsigned k = 0; k < c->nbiggest; k++) {
		const struct xpkt_cmp_stage *row = &c->rows[c->biggest[k]];
		char rp50[16], rmean[16], pa[16], pb[16];

		fprintf(fp, " %2u. %-2s %-15.15s  p50 %-6s mean %-6s  (p50 %s -> %s)\n", k + 1,
			xpkt_dir_name(row->st->dir), row->st->name,
			xpkt_cmp_fmt_ratio(rp50, sizeof(rp50), row->ratio[XPKT_CMP_P50]),
			xpkt_cmp_fmt_ratio(rmean, sizeof(rmean), row->ratio[XPKT_CMP_MEAN]),
			xpkt_fmt_ns(pa, sizeof(pa), (double)row->a->p50_ns),
			xpkt_fmt_ns(pb, sizeof(pb), (double)row->b->p50_ns));
	}
	status_list(fp, c, XPKT_CMP_NEW, "New in B (no samples in A):");
	status_list(fp, c, XPKT_CMP_GONE, "Gone in B (no samples in B):");
	return 0;
}

static const char *fmt_measure(char *buf, size_t len, double v)
{
	if (isnan(v))
		return "-";
	snprintf(buf, len, v >= 100 ? "%.1f" : "%.4g", v);
	return buf;
}

/* Run-level measures (compare.c's table): rates and hotspot calls per packet. */
static int sec_measures(FILE *fp, const struct xpkt_compare *c)
{
	unsigned n;
	const struct xpkt_cmp_measure *m = xpkt_cmp_measures(&n);

	fprintf(fp, "\n %-31s %9s %9s %8s %s\n", "Run measures", "A", "B", "B/A", "unit");
	for (unsigned i = 0; i < n; i++) {
		double a = m[i].value(c->a), b = m[i].value(c->b);
		char sa[32], sb[32], r[16];

		fprintf(fp, " %-31s %9s %9s %8s %s\n", m[i].name, fmt_measure(sa, sizeof(sa), a),
			fmt_measure(sb, sizeof(sb), b),
			isnan(a) || isnan(b)
			    ? "-"
			    : xpkt_cmp_fmt_ratio(r, sizeof(r), xpkt_cmp_ratio(a, b)),
			m[i].unit);
	}
	return 0;
}

/* Hotspot by hotspot per stage: kprobe calls per packet, function sample shares. */
static int sec_hot(FILE *fp, const struct xpkt_compare *c)
{
	if (!c->nhot)
		return 0;
	fprintf(fp, "\n %-20s %-18s %9s %9s %8s %s\n", "Hotspots", "", "A", "B", "B/A", "unit");
	for (unsigned k = 0; k < c->nhot; k++) {
		const struct xpkt_cmp_hot *h = &c->hot[k];
		const struct xpkt_cmp_stage *row = &c->rows[h->row];
		double sc = h->function ? 100.0 : 1.0;
		char stage[40], sa[32], sb[32], r[16];

		snprintf(stage, sizeof(stage), "%s %s", xpkt_dir_name(row->st->dir), row->st->name);
		snprintf(sa, sizeof(sa), isnan(h->a) ? "-" : "%.3g", sc * h->a);
		snprintf(sb, sizeof(sb), isnan(h->b) ? "-" : "%.3g", sc * h->b);
		fprintf(fp, " %-20.20s %-18.18s %9s %9s %8s %s\n",
			k && c->hot[k - 1].row == h->row ? "" : stage, h->name, sa, sb,
			xpkt_cmp_fmt_ratio(r, sizeof(r), h->ratio),
			h->function ? "% samples" : "calls/pkt");
	}
	return 0;
}

/* The report, in order. */
static int (*const sections[])(FILE *, const struct xpkt_compare *) = {
    sec_packets, sec_measures, sec_stages, sec_hot, sec_lost, sec_biggest,
};

int xpkt_compare_text(FILE *fp, const struct xpkt_compare *c)
{
	header(fp, c);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (sections[i](fp, c))
			return -1;
	return ferror(fp) ? -1 : 0;
}
