// SPDX-License-Identifier: GPL-2.0
/*
 * report_text.c - terminal rendering of struct xpkt_results (report_text.h).
 * Reads results and the stage table only; knows nothing of files or packets.
 *
 * Every line fits 80 columns (a terminal's default, and what survives a
 * mail or a code review): free text (footnotes, reasons) is wrapped, tables
 * have fixed widths. Colour is ANSI SGR only, never needed to read a line:
 * bold headings, red for what is wrong, histogram bars in their domain's
 * colour.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "correlator/hist.h"
#include "tracepoints/stage.h"
#include "viz/hotspot_text.h"
#include "viz/report_text.h"
#include "viz/simpmu_text.h"
#include "viz/simscale_text.h"

#define BAR_WIDTH  36
#define HIST_LINES 8
#define WIDTH	   80

static const struct xpkt_text_opts no_opts = {.stage_dir = -1};

/* SGR escapes, or "" without colour. */
static const char *sgr(const struct xpkt_text_opts *o, const char *code)
{
	return o->colour ? code : "";
}

#define BOLD(o)	 sgr(o, "\033[1m")
#define RED(o)	 sgr(o, "\033[1;31m")
#define RESET(o) sgr(o, "\033[0m")

static const char *dom_sgr(const struct xpkt_text_opts *o, enum xpkt_domain d)
{
	static const char *const c[XPKT_DOM_COUNT] = {
	    [XPKT_DOM_GUEST] = "\033[34m", [XPKT_DOM_XEN] = "\033[31m",
	    [XPKT_DOM_DOM0] = "\033[32m",  [XPKT_DOM_WIRE] = "\033[33m",
	    [XPKT_DOM_HOST] = "\033[35m",
	};

	return sgr(o, d < XPKT_DOM_COUNT ? c[d] : "");
}

/*
 * Prints text wrapped at WIDTH columns at spaces: the first line after lead,
 * the others after cont (both already counted in the width).
 */
static void wrap(FILE *fp, const char *lead, const char *cont, const char *text)
{
	const char *p = text, *pre = lead;

	while (*p) {
		size_t room = WIDTH - strlen(pre), n = strlen(p);

		if (n > room) {
			n = room;
			while (n > 0 && p[n] != ' ')
				n--;
			if (!n)
				n = room; /* one word longer than the line: cut it */
		}
		fprintf(fp, "%s%.*s\n", pre, (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
		pre = cont;
	}
}

/* A stage row passes --stage: no filter, or this name in this direction. */
static int stage_shown(const struct xpkt_text_opts *o, enum xpkt_dir d, const char *name)
{
	return !o->stage ||
	       ((o->stage_dir < 0 || o->stage_dir == (int)d) && !strcmp(o->stage, name));
}

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
		   const struct xpkt_manifest *m, const struct xpkt_text_opts *o)
{
	char line[512];

	snprintf(line, sizeof(line), "xpkttrace report: %s", bundle);
	wrap(fp, "", "  ", line);
	fprintf(fp, "mode %s, host TSC %.3f GHz, %" PRIu64 " events read,\n", m->mode,
		(double)m->tsc_hz / 1e9, r->events_read);
	fprintf(fp, "at most %" PRIu64 " packets in flight\n", r->max_in_flight);
	if (m->workload[0])
		fprintf(fp, "workload: %.68s\n", m->workload);
	if (o->filter) {
		snprintf(line, sizeof(line),
			 "%s: packets, stage latencies and histograms count only this; "
			 "sources, events, unattributed and lost are the whole bundle's",
			 o->filter);
		fputs(BOLD(o), fp);
		wrap(fp, "only ", "  ", line);
		fputs(RESET(o), fp);
	}
	fprintf(fp, "\n%-10s %-6s %-5s %-8s %12s %10s  %s\n", "source", "domain", "domid", "format",
		"events", "lost", "file");
	for (unsigned i = 0; i < m->nsources; i++) {
		const struct xpkt_source *s = &m->sources[i];
		char dom[8] = "-";
		uint64_t lost = i < r->nlost ? r->lost[i].events : 0;

		if (s->domid != XPKT_DOMID_NONE)
			snprintf(dom, sizeof(dom), "%u", s->domid);
		fprintf(fp, "%-10.10s %-6s %-5s %-8.8s %12" PRIu64 " %s%10" PRIu64 "%s  %.20s\n",
			s->name, xpkt_domain_name(s->domain), dom, s->format, r->source_events[i],
			lost ? RED(o) : "", lost, lost ? RESET(o) : "", s->file);
	}

	fprintf(fp,
		"\n%sClock alignment%s (host TSC ns; causal check = smallest gap to the next\n"
		"stage of a packet seen in another source, negative means misaligned)\n",
		BOLD(o), RESET(o));
	fprintf(fp, "%-10s %-9s %20s %-12s %9s %s\n", "source", "clock", "offset", "from",
		"min gap", "check");
	for (unsigned i = 0; i < r->nclocks; i++) {
		const struct xpkt_clock_alignment *c = &r->clocks[i];
		char gap[16] = "-";
		const char *check = "not checked";
		int wrong = 0;

		if (c->min_causal_gap_ns != INT64_MAX) {
			if (c->min_causal_gap_ns < 0) {
				char g[16];

				snprintf(gap, sizeof(gap), "-%s",
					 xpkt_fmt_ns(g, sizeof(g), -(double)c->min_causal_gap_ns));
			} else {
				xpkt_fmt_ns(gap, sizeof(gap), (double)c->min_causal_gap_ns);
			}
			wrong = c->min_causal_gap_ns < 0;
			check = wrong ? "WRONG" : "ok";
		}
		fprintf(fp, "%-10.10s %-9.9s %20" PRId64 " %-12.12s %9s %s%s%s\n", c->source,
			c->clock, c->offset, c->offset_from[0] ? c->offset_from : "-", gap,
			wrong ? RED(o) : "", check, wrong ? RESET(o) : "");
		/* its own line: the row above is 76 columns already */
		if (c->inversions)
			fprintf(fp,
				"%-10s %" PRIu64 " packets ran their next stage earlier"
				" (inversions)\n",
				"", c->inversions);
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

/* The direction has a row --stage shows. */
static int dir_shown(const struct xpkt_text_opts *o, enum xpkt_mode mode, enum xpkt_dir d)
{
	unsigned n;
	const struct xpkt_stage *st = xpkt_mode_stages(mode, d, &n);

	for (unsigned i = 0; i < n; i++)
		if (stage_shown(o, d, st[i].name))
			return 1;
	return 0;
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
	/* first line as it was: "N of M transmitted data skbs at STAGE (P %) had no ORIGIN" */
	fprintf(fp,
		"  %" PRIu64 " of %" PRIu64 " transmitted data skbs at %s (%.1f %%) had no %s\n",
		unnamed, seen, st[1].name, 100.0 * (double)unnamed / (double)seen, st[0].name);
	wrap(fp, "  ", "  ",
	     "record: TCP made them outside sendmsg (TSO split remainders, retransmissions),"
	     " where this kernel has no tracepoint; a kprobe on __ip_queue_xmit sees them"
	     " where kprobes exist.");
}

static void stage_table(FILE *fp, enum xpkt_dir d, const struct xpkt_results *r,
			const struct xpkt_text_opts *o)
{
	unsigned n;
	const struct xpkt_stage *st = xpkt_mode_stages(results_mode(r), d, &n);
	const struct xpkt_packet_counts *pc = &r->by_dir[d];
	unsigned ninferred = 0;
	char line[256];
	int len;

	if (!n || !dir_shown(o, results_mode(r), d))
		return; /* the mode has no rows for this direction */
	len = snprintf(line, sizeof(line),
		       "%s: %" PRIu64 " packets (%" PRIu64 " complete, %" PRIu64
		       " partial, %" PRIu64 " dropped",
		       dir_heading(results_mode(r), d), pc->total, pc->complete, pc->partial,
		       pc->dropped);
	if (pc->merged && len > 0 && (size_t)len < sizeof(line))
		snprintf(line + len, sizeof(line) - (size_t)len, ", %" PRIu64 " merged by GRO",
			 pc->merged);
	strncat(line, ")", sizeof(line) - strlen(line) - 1);
	fprintf(fp, "\n%s", BOLD(o));
	wrap(fp, "", "  ", line);
	fputs(RESET(o), fp);
	fprintf(fp, " %-15s %-5s %8s %7s %7s %7s %7s %7s %6s\n", "stage", "dom", "count", "mean",
		"p50", "p90", "p99", "max", "unattr");
	for (unsigned i = 0; i < n; i++) {
		const struct xpkt_stage_stats *s = &r->stages[d][i];
		char mean[16], p50[16], p90[16], p99[16], mx[16], name[48];

		if (!stage_shown(o, d, st[i].name))
			continue;
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
		if (r->stages[d][i].inferred && stage_shown(o, d, st[i].name)) {
			snprintf(line, sizeof(line), "%s %s", st[i].name, st[i].hook);
			wrap(fp, " * ", "   ", line);
		}
	if (results_mode(r) == XPKT_MODE_NATIVE && !o->stage)
		origin_coverage(fp, st, n, r->stages[d]);
}

/* Power-of-two groups of the fine buckets, at most HIST_LINES lines. */
static void stage_hist(FILE *fp, const char *name, const struct xpkt_hist *h, enum xpkt_domain dom,
		       const struct xpkt_text_opts *o)
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
		/* padding outside the escapes: the bar's column width stays BAR_WIDTH */
		fprintf(fp, "  %7s - %-7s |%s%s%s%*s %" PRIu64 "\n",
			xpkt_fmt_ns(a, sizeof(a), from), xpkt_fmt_ns(z, sizeof(z), to),
			dom_sgr(o, dom), bar, RESET(o), (int)(BAR_WIDTH - w), "", lines[i]);
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

const char *xpkt_fmt_count(char *buf, size_t len, double v, unsigned plain_digits)
{
	static const struct {
		double div;
		const char *unit;
	} u[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};

	if (v < pow(10, plain_digits) - 0.5) {
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
		break;
	}
	return buf;
}

/*
 * PMU deltas per stage (docs/correlation.md section 11). A bundle whose
 * recorder found no hardware PMU says so with the manifest's reason: a
 * missing counter is never shown as 0. Each wrapped line of the reason
 * carries "n/a" too, so no line shows a counter name without it.
 */
static void pmu_table(FILE *fp, const struct xpkt_results *r, const struct xpkt_text_opts *o)
{
	char line[512];

	if (!r->pmu.known)
		return;
	if (!r->pmu.available) {
		char lead[48];

		snprintf(line, sizeof(line), "(%s)", r->pmu.reason);
		snprintf(lead, sizeof(lead), "%sPMU deltas%s: n/a ", BOLD(o), RESET(o));
		fputc('\n', fp);
		wrap(fp, lead, "  n/a  ", line);
		return;
	}
	fprintf(fp,
		"\n%sPMU deltas per stage%s (counters since the packet's previous stage, same"
		" CPU)\n",
		BOLD(o), RESET(o));
	fprintf(fp, "%-22s %7s %5s  %-16s %7s %7s %7s\n", "stage", "deltas", "x-cpu", "counter",
		"mean", "p50", "p99");
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *s = &r->stages[d][i];
			char name[48];

			if (!stage_shown(o, (enum xpkt_dir)d, st[i].name))
				continue;
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
					xpkt_fmt_count(a, sizeof(a), ps->mean, 5),
					xpkt_fmt_count(b, sizeof(b), (double)ps->p50, 5),
					xpkt_fmt_count(e, sizeof(e), (double)ps->p99, 5));
			}
		}
	}
	if (r->pmu.reason[0])
		wrap(fp, "  n/a for: ", "  n/a  ", r->pmu.reason);
	if (r->pmu.orphans) {
		snprintf(line, sizeof(line),
			 "%" PRIu64 " of %" PRIu64
			 " PMU reads came with no attached stage (later slots, unattributed)",
			 r->pmu.orphans, r->pmu.records);
		wrap(fp, "  ", "  ", line);
	}
}

int xpkt_report_text_stage(enum xpkt_mode mode, const char *spec, const char **name, int *dir,
			   struct xpkt_err *err)
{
	const char *colon = strchr(spec, ':');
	char list[1024] = "";
	size_t used = 0;
	int found = 0;

	*dir = -1;
	*name = spec;
	if (colon) {
		char d[8];

		snprintf(d, sizeof(d), "%.*s", (int)(colon - spec < 7 ? colon - spec : 7), spec);
		*dir = xpkt_dir_parse(d);
		*name = colon + 1;
		if (*dir < 0 || (size_t)(colon - spec) > 7)
			return xpkt_err_set(err, "bad --stage '%s': DIR is tx or rx", spec);
	}
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			int k =
			    snprintf(list + used, sizeof(list) - used, "%s%s:%s", used ? " " : "",
				     xpkt_dir_name((enum xpkt_dir)d), st[i].name);

			if (k > 0 && used + (size_t)k < sizeof(list))
				used += (size_t)k;
			if ((*dir < 0 || *dir == d) && !strcmp(st[i].name, *name))
				found = 1;
		}
	}
	if (!found)
		return xpkt_err_set(err, "unknown --stage '%s' in %s mode; stages: %s", spec,
				    xpkt_mode_name(mode), list);
	return 0;
}

int xpkt_report_text(FILE *fp, const char *bundle, const struct xpkt_results *r,
		     const struct xpkt_manifest *m)
{
	return xpkt_report_text_opts(fp, bundle, r, m, &no_opts);
}

int xpkt_report_text_opts(FILE *fp, const char *bundle, const struct xpkt_results *r,
			  const struct xpkt_manifest *m, const struct xpkt_text_opts *o)
{
	uint64_t lost = 0, unattr = 0;
	char line[256];

	if (!o)
		o = &no_opts;
	header(fp, bundle, r, m, o);
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		stage_table(fp, (enum xpkt_dir)d, r, o);

	fprintf(fp, "\n%sLatency histograms%s (time since the previous stage, log scale)\n",
		BOLD(o), RESET(o));
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			char name[48];

			if (st[i].join == XPKT_JOIN_ORIGIN ||
			    !stage_shown(o, (enum xpkt_dir)d, st[i].name))
				continue;
			snprintf(name, sizeof(name), "%s %s", xpkt_dir_name((enum xpkt_dir)d),
				 st[i].name);
			stage_hist(fp, name, r->stages[d][i].hist, st[i].domain, o);
		}
	}

	pmu_table(fp, r, o);
	if (xpkt_simpmu_text(fp, r, o))
		return -1;
	if (xpkt_simscale_text(fp, r, o))
		return -1;
	/* per stage; a --stage view keeps to its rows (hotspots span stages) */
	if (!o->stage && xpkt_hotspot_text(fp, r))
		return -1;

	fprintf(fp, "\n%sPackets%s: %" PRIu64 " total, %" PRIu64 " complete, %" PRIu64 " partial,",
		BOLD(o), RESET(o), r->packets.total, r->packets.complete, r->packets.partial);
	fprintf(fp, " %" PRIu64 " dropped, %" PRIu64 " merged by GRO\n", r->packets.dropped,
		r->packets.merged);
	reasons(fp, "partial", r->packets.partial_reasons, r->packets.npartial_reasons);
	reasons(fp, "dropped", r->packets.drop_reasons, r->packets.ndrop_reasons);

	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++)
			if (stage_shown(o, (enum xpkt_dir)d, st[i].name))
				unattr += r->stages[d][i].unattributed;
	}
	fprintf(fp, "\n%sUnattributed events%s (no packet found): %" PRIu64 "\n", BOLD(o), RESET(o),
		unattr);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st =
		    xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++)
			if (r->stages[d][i].unattributed &&
			    stage_shown(o, (enum xpkt_dir)d, st[i].name))
				fprintf(fp, "  %s %-20s %12" PRIu64 "\n",
					xpkt_dir_name((enum xpkt_dir)d), st[i].name,
					r->stages[d][i].unattributed);
	}

	for (unsigned i = 0; i < r->nlost; i++)
		lost += r->lost[i].events;
	fprintf(fp, "\n%sLost events%s: %" PRIu64 "\n", BOLD(o), RESET(o), lost);
	for (unsigned i = 0; i < r->nlost; i++)
		if (r->lost[i].events) {
			snprintf(line, sizeof(line),
				 "%s lost %" PRIu64 " events; its stages are undercounted",
				 r->lost[i].source, r->lost[i].events);
			fputs(RED(o), fp);
			wrap(fp, "  WARNING: ", "  ", line);
			fputs(RESET(o), fp);
		}
	return ferror(fp) ? -1 : 0;
}
