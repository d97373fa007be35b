// SPDX-License-Identifier: GPL-2.0
/*
 * report_text.c - terminal rendering of struct xpkt_results (report_text.h).
 * Reads results and the stage table only; knows nothing of files or packets.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "correlator/hist.h"
#include "tracepoints/stage.h"
#include "viz/report_text.h"

#define BAR_WIDTH  36
#define HIST_LINES 8

const char *xpkt_fmt_ns(char *buf, size_t len, double ns)
{
	static const struct {
		double div;
		const char *unit;
	} u[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}};

	if (ns < 999.5) {
		snprintf(buf, len, "%.0fns", ns);
		return buf;
	}
	for (unsigned i = 0; i < 3; i++) {
		double v = ns / u[i].div;

		if (v < 0.9995 && i < 2)
			continue;
		if (v < 9.995)
			snprintf(buf, len, "%.2f%s", v, u[i].unit);
		else if (v < 99.95)
			snprintf(buf, len, "%.1f%s", v, u[i].unit);
		else
			snprintf(buf, len, "%.0f%s", v, u[i].unit);
		return buf;
	}
	return buf;
}

static void header(FILE *fp, const char *bundle, const struct xpkt_results *r,
		   const struct xpkt_manifest *m)
{
	fprintf(fp, "xpkttrace report: %s\n", bundle);
	fprintf(fp,
		"mode %s, host TSC %.3f GHz, %" PRIu64 " events read, at most %" PRIu64
		" packets in flight\n",
		m->mode, (double)m->tsc_hz / 1e9, r->events_read, r->max_in_flight);
	if (m->workload[0])
		fprintf(fp, "workload: %.68s\n", m->workload);
	fprintf(fp, "\n%-10s %-6s %-5s %-8s %12s %10s  %s\n", "source", "domain", "domid", "format",
		"events", "lost", "file");
	for (unsigned i = 0; i < m->nsources; i++) {
		const struct xpkt_source *s = &m->sources[i];
		char dom[8] = "-";

		if (s->domid != XPKT_DOMID_NONE)
			snprintf(dom, sizeof(dom), "%u", s->domid);
		fprintf(fp, "%-10.10s %-6s %-5s %-8.8s %12" PRIu64 " %10" PRIu64 "  %.20s\n",
			s->name, xpkt_domain_name(s->domain), dom, s->format, r->source_events[i],
			i < r->nlost ? r->lost[i].events : 0, s->file);
	}

	fprintf(fp, "\nClock alignment (host TSC ns; causal check = smallest gap to the next\n"
		    "stage of a packet seen in another source, negative means misaligned)\n");
	fprintf(fp, "%-10s %-9s %20s %-12s %9s %s\n", "source", "clock", "offset", "from",
		"min gap", "check");
	for (unsigned i = 0; i < r->nclocks; i++) {
		const struct xpkt_clock_alignment *c = &r->clocks[i];
		char gap[16] = "-";
		const char *check = "not checked";

		if (c->min_causal_gap_ns != INT64_MAX) {
			if (c->min_causal_gap_ns < 0) {
				char g[16];

				snprintf(gap, sizeof(gap), "-%s",
					 xpkt_fmt_ns(g, sizeof(g), -(double)c->min_causal_gap_ns));
			} else {
				xpkt_fmt_ns(gap, sizeof(gap), (double)c->min_causal_gap_ns);
			}
			check = c->min_causal_gap_ns < 0 ? "WRONG" : "ok";
		}
		fprintf(fp, "%-10.10s %-9.9s %20" PRId64 " %-12.12s %9s %s", c->source, c->clock,
			c->offset, c->offset_from[0] ? c->offset_from : "-", gap, check);
		if (c->inversions)
			fprintf(fp, " (%" PRIu64 " inversions)", c->inversions);
		fputc('\n', fp);
	}
}

/* Results without a mode (ground truth of the Xen generator) are Xen's. */
static enum xpkt_mode results_mode(const struct xpkt_results *r)
{
	return r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;
}

static const char *dir_heading(enum xpkt_mode mode, enum xpkt_dir d)
{
	/* Native "tx" is every TCP send of the one kernel: iperf3's client -> server. */
	if (mode == XPKT_MODE_NATIVE)
		return d == XPKT_TX ? "client -> server (native)" : "server -> client (native)";
	return d == XPKT_TX ? "TX, guest sends" : "RX, guest receives";
}

/*
 * Native mode: what the origin tracepoint cannot see. The first stage after
 * the origin sees every transmitted data skb (header-only frames are not
 * counted); those it found no packet for were never named by
 * tcp_sendmsg_locked. Linux 6.x makes them outside sendmsg: the remainder
 * of a TSO split (tso_fragment in tcp_write_xmit) and retransmissions, with
 * no tracepoint on that path (__ip_queue_xmit has none, only a kprobe).
 */
static void origin_coverage(FILE *fp, const struct xpkt_stage *st, unsigned n,
			    const struct xpkt_stage_stats *ss)
{
	uint64_t unnamed, seen;

	if (n < 2 || st[0].join != XPKT_JOIN_ORIGIN || !ss[1].unattributed)
		return;
	unnamed = ss[1].unattributed;
	seen = ss[1].count + unnamed;
	fprintf(fp,
		"  %" PRIu64 " of %" PRIu64 " transmitted data skbs at %s (%.1f %%) had no %s"
		" record: TCP made them\n"
		"  outside sendmsg (TSO split remainders, retransmissions), where this kernel"
		" has no\n"
		"  tracepoint; a kprobe on __ip_queue_xmit sees them where kprobes exist.\n",
		unnamed, seen, st[1].name, 100.0 * (double)unnamed / (double)seen, st[0].name);
}

static void stage_table(FILE *fp, enum xpkt_dir d, const struct xpkt_results *r)
{
	unsigned n;
	const struct xpkt_stage *st = xpkt_mode_stages(results_mode(r), d, &n);
	const struct xpkt_packet_counts *pc = &r->by_dir[d];
	unsigned ninferred = 0;

	if (!n)
		return; /* the mode has no rows for this direction */
	fprintf(fp,
		"\n%s: %" PRIu64 " packets (%" PRIu64 " complete, %" PRIu64 " partial, %" PRIu64
		" dropped%s",
		dir_heading(results_mode(r), d), pc->total, pc->complete, pc->partial, pc->dropped,
		pc->merged ? ", " : ")\n");
	if (pc->merged)
		fprintf(fp, "%" PRIu64 " merged by GRO)\n", pc->merged);
	fprintf(fp, " %-15s %-5s %8s %7s %7s %7s %7s %7s %6s\n", "stage", "dom", "count", "mean",
		"p50", "p90", "p99", "max", "unattr");
	for (unsigned i = 0; i < n; i++) {
		const struct xpkt_stage_stats *s = &r->stages[d][i];
		char mean[16], p50[16], p90[16], p99[16], mx[16], name[48];

		if (st[i].join == XPKT_JOIN_ORIGIN) {
			fprintf(fp,
				" %-15.15s %-5.5s %8" PRIu64 " %7s %7s %7s %7s %7s %6" PRIu64 "\n",
				st[i].name, xpkt_domain_name(st[i].domain), s->count, "-", "-", "-",
				"-", "-", s->unattributed);
			continue;
		}
		if (s->inferred)
			ninferred++;
		snprintf(name, sizeof(name), "%s%s", st[i].name, s->inferred ? "*" : "");
		fprintf(fp, " %-15.15s %-5.5s %8" PRIu64 " %7s %7s %7s %7s %7s %6" PRIu64 "\n",
			name, xpkt_domain_name(st[i].domain), s->count,
			s->count ? xpkt_fmt_ns(mean, sizeof(mean), s->mean_ns) : "-",
			s->count ? xpkt_fmt_ns(p50, sizeof(p50), (double)s->p50_ns) : "-",
			s->count ? xpkt_fmt_ns(p90, sizeof(p90), (double)s->p90_ns) : "-",
			s->count ? xpkt_fmt_ns(p99, sizeof(p99), (double)s->p99_ns) : "-",
			s->count ? xpkt_fmt_ns(mx, sizeof(mx), (double)s->max_ns) : "-",
			s->unattributed);
	}
	for (unsigned i = 0; ninferred && i < n; i++)
		if (r->stages[d][i].inferred)
			fprintf(fp, " * %s %s\n", st[i].name, st[i].hook);
	if (results_mode(r) == XPKT_MODE_NATIVE)
		origin_coverage(fp, st, n, r->stages[d]);
}

/* Power-of-two groups of the fine buckets, at most HIST_LINES lines. */
static void stage_hist(FILE *fp, const char *name, const struct xpkt_hist *h)
{
	uint64_t per_exp[65] = {0}, lines[HIST_LINES + 1] = {0}, top = 0;
	struct xpkt_hist_bucket b;
	unsigned it = 0, lo_e = 64, hi_e = 0, step, nl;

	if (!h || !xpkt_hist_count(h))
		return;
	while (xpkt_hist_next(h, &it, &b)) {
		unsigned e = b.lo_ns ? 64u - (unsigned)__builtin_clzll(b.lo_ns) : 0;

		per_exp[e] += b.count; /* e: values in [2^(e-1), 2^e) */
		lo_e = e < lo_e ? e : lo_e;
		hi_e = e > hi_e ? e : hi_e;
	}
	step = (hi_e - lo_e) / HIST_LINES + 1;
	nl = (hi_e - lo_e) / step + 1;
	for (unsigned e = lo_e; e <= hi_e; e++)
		lines[(e - lo_e) / step] += per_exp[e];
	for (unsigned i = 0; i < nl; i++)
		top = lines[i] > top ? lines[i] : top;
	fprintf(fp, "  %s\n", name);
	for (unsigned i = 0; i < nl; i++) {
		unsigned e0 = lo_e + i * step, e1 = e0 + step;
		double from = e0 ? ldexp(1, (int)e0 - 1) : 0, to = ldexp(1, (int)e1 - 1);
		char a[16], z[16], bar[BAR_WIDTH + 1];
		unsigned w = (unsigned)((double)lines[i] * BAR_WIDTH / (double)top + 0.5);

		if (lines[i] && !w)
			w = 1;
		memset(bar, '#', w);
		bar[w] = 0;
		fprintf(fp, "  %7s - %-7s |%-*s %" PRIu64 "\n", xpkt_fmt_ns(a, sizeof(a), from),
			xpkt_fmt_ns(z, sizeof(z), to), BAR_WIDTH, bar, lines[i]);
	}
}

static int by_count_desc(const void *a, const void *b)
{
	const struct xpkt_reason_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->reason, y->reason);
}

/* Largest first: the reason worth reading is at the top. */
static void reasons(FILE *fp, const char *what, const struct xpkt_reason_count *l, unsigned n)
{
	struct xpkt_reason_count sorted[XPKT_MAX_REASONS];

	memcpy(sorted, l, n * sizeof(*l));
	qsort(sorted, n, sizeof(*sorted), by_count_desc);
	for (unsigned i = 0; i < n; i++)
		fprintf(fp, "  %-8s %-40.40s %12" PRIu64 "\n", what, sorted[i].reason,
			sorted[i].count);
}

/* A counter value in at most 8 characters: "8864", "12.4k", "1.20M", "3.5" for a mean. */
static const char *fmt_count(char *buf, size_t len, double v)
{
	static const struct {
		double div;
		const char *unit;
	} u[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};

	if (v < 99999.5) {
		snprintf(buf, len, v == floor(v) ? "%.0f" : v < 100 ? "%.2f" : "%.1f", v);
		return buf;
	}
	for (unsigned i = 0; i < 4; i++) {
		double x = v / u[i].div;

		if (x < 1 && i < 3)
			continue;
		snprintf(buf, len,
			 x < 9.995   ? "%.2f%s"
			 : x < 99.95 ? "%.1f%s"
				     : "%.0f%s",
			 x, u[i].unit);
		return buf;
	}
	return buf;
}

/*
 * PMU deltas per stage (docs/correlation.md section 11). A bundle whose
 * recorder found no hardware PMU says so with the manifest's reason: a
 * missing counter is never shown as 0.
 */
static void pmu_table(FILE *fp, const struct xpkt_results *r)
{
	if (!r->pmu.known)
		return;
	if (!r->pmu.available) {
		fprintf(fp, "\nPMU deltas: n/a (%s)\n", r->pmu.reason);
		return;
	}
	fprintf(fp,
		"\nPMU deltas per stage (counters since the packet's previous stage, same CPU)\n");
	fprintf(fp, "%-22s %7s %5s  %-16s %7s %7s %7s\n", "stage", "deltas", "x-cpu", "counter",
		"mean", "p50", "p99");
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *s = &r->stages[d][i];
			char name[48];

			if (!s->pmu[0].count && !s->pmu_cross_cpu && !s->pmu_unpaired)
				continue;
			snprintf(name, sizeof(name), "%s %s", xpkt_dir_name((enum xpkt_dir)d),
				 st[i].name);
			if (!s->pmu[0].count) {
				fprintf(fp, "%-22.22s %7s %5" PRIu64 "  n/a (previous stage %s)\n",
					name, "-", s->pmu_cross_cpu,
					s->pmu_cross_cpu ? "on another CPU" : "in another domain");
				continue;
			}
			for (unsigned c = 0; c < r->pmu.ncounters && c < XPKT_PMU_MAX; c++) {
				const struct xpkt_pmu_stats *ps = &s->pmu[c];
				char a[16], b[16], e[16];

				if (!c)
					fprintf(fp, "%-22.22s %7" PRIu64 " %5" PRIu64 "  ", name,
						ps->count, s->pmu_cross_cpu);
				else
					fprintf(fp, "%-22s %7s %5s  ", "", "", "");
				fprintf(fp, "%-16.16s %7s %7s %7s\n", r->pmu.counters[c],
					fmt_count(a, sizeof(a), ps->mean),
					fmt_count(b, sizeof(b), (double)ps->p50),
					fmt_count(e, sizeof(e), (double)ps->p99));
			}
		}
	}
	if (r->pmu.reason[0])
		fprintf(fp, "  n/a for: %s\n", r->pmu.reason);
	if (r->pmu.orphans)
		fprintf(fp,
			"  %" PRIu64 " of %" PRIu64
			" PMU reads came with no attached stage (later slots, unattributed)\n",
			r->pmu.orphans, r->pmu.records);
}

int xpkt_report_text(FILE *fp, const char *bundle, const struct xpkt_results *r,
		     const struct xpkt_manifest *m)
{
	uint64_t lost = 0, unattr = 0;

	header(fp, bundle, r, m);
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		stage_table(fp, (enum xpkt_dir)d, r);

	fprintf(fp, "\nLatency histograms (time since the previous stage, log scale)\n");
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			char name[48];

			if (st[i].join == XPKT_JOIN_ORIGIN)
				continue;
			snprintf(name, sizeof(name), "%s %s", xpkt_dir_name((enum xpkt_dir)d),
				 st[i].name);
			stage_hist(fp, name, r->stages[d][i].hist);
		}
	}

	pmu_table(fp, r);

	fprintf(fp,
		"\nPackets: %" PRIu64 " total, %" PRIu64 " complete, %" PRIu64 " partial, %" PRIu64
		" dropped, %" PRIu64 " merged by GRO\n",
		r->packets.total, r->packets.complete, r->packets.partial, r->packets.dropped,
		r->packets.merged);
	reasons(fp, "partial", r->packets.partial_reasons, r->packets.npartial_reasons);
	reasons(fp, "dropped", r->packets.drop_reasons, r->packets.ndrop_reasons);

	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned i = 0; i < XPKT_MAX_STAGES; i++)
			unattr += r->stages[d][i].unattributed;
	fprintf(fp, "\nUnattributed events (no packet found): %" PRIu64 "\n", unattr);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++)
			if (r->stages[d][i].unattributed)
				fprintf(fp, "  %s %-20s %12" PRIu64 "\n",
					xpkt_dir_name((enum xpkt_dir)d), st[i].name,
					r->stages[d][i].unattributed);
	}

	for (unsigned i = 0; i < r->nlost; i++)
		lost += r->lost[i].events;
	fprintf(fp, "\nLost events: %" PRIu64 "\n", lost);
	for (unsigned i = 0; i < r->nlost; i++)
		if (r->lost[i].events)
			fprintf(fp,
				"  WARNING: %s lost %" PRIu64
				" events; its stages are undercounted\n",
				r->lost[i].source, r->lost[i].events);
	return ferror(fp) ? -1 : 0;
}
