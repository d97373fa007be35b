// SPDX-License-Identifier: GPL-2.0
/*
 * report_html.c - the self-contained HTML report (report_html.h, docs/html.md).
 *
 * Everything is inline: CSS in <style>, charts as inline SVG, two small
 * <script>s that check the page they are in and mark <body data-ok="1"> (a
 * test reads it from the rendered DOM). No URL, font or image is referenced
 * and the page's Content-Security-Policy forbids fetching any, so the file
 * opens offline and prints the same anywhere. Every string that comes from
 * a bundle (paths, workload, reasons) is HTML-escaped; stage, domain and
 * direction names come from the catalogue (identifiers, no markup).
 *
 * Reads results, manifest, diagnosis and the chosen packet records only.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "correlator/hist.h"
#include "tracepoints/stage.h"
#include "viz/report_html.h"
#include "viz/report_text.h"

/* Lanes top to bottom: the path a TX packet takes (DESIGN.md section 2). */
static const enum xpkt_domain lane_order[] = {XPKT_DOM_GUEST, XPKT_DOM_XEN, XPKT_DOM_DOM0,
					      XPKT_DOM_WIRE, XPKT_DOM_HOST};
#define NLANES (sizeof(lane_order) / sizeof(lane_order[0]))

static const char *dom_colour(enum xpkt_domain d)
{
	switch (d) {
	case XPKT_DOM_GUEST:
		return "#4e79a7";
	case XPKT_DOM_XEN:
		return "#e15759";
	case XPKT_DOM_DOM0:
		return "#59a14f";
	case XPKT_DOM_WIRE:
		return "#9c755f";
	default:
		return "#b07aa1";
	}
}

const char *xpkt_html_rank_name(enum xpkt_html_rank k)
{
	static const char *const n[XPKT_REP_COUNT] = {"median", "p99", "slowest"};

	return k < XPKT_REP_COUNT ? n[k] : "?";
}

static void esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '&':
			fputs("&amp;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
}

/* xpkt_fmt_ns into a per-call buffer: up to 4 live at once in one printf. */
static const char *ns_str(double ns)
{
	static char buf[4][24];
	static unsigned next;
	char *b = buf[next++ % 4];

	if (ns < 0) {
		char t[20];

		snprintf(b, 24, "-%s", xpkt_fmt_ns(t, sizeof(t), -ns));
		return b;
	}
	return xpkt_fmt_ns(b, 24, ns);
}

static enum xpkt_mode results_mode(const struct xpkt_results *r)
{
	return r->mode ? (enum xpkt_mode)r->mode : XPKT_MODE_XEN;
}

static const char *dir_heading(enum xpkt_mode mode, enum xpkt_dir d)
{
	if (mode == XPKT_MODE_NATIVE)
		return d == XPKT_TX ? "client \xe2\x86\x92 server (native)"
				    : "server \xe2\x86\x92 client (native)";
	return d == XPKT_TX ? "TX: guest sends" : "RX: guest receives";
}

/* Sum of the direction's stage latencies: what the shares are of. */
static double dir_total_ns(const struct xpkt_results *r, enum xpkt_dir d, unsigned n)
{
	double t = 0;

	for (unsigned i = 0; i < n; i++)
		t += r->stages[d][i].total_ns;
	return t;
}

/* Share 0..1 to a colour from pale yellow to dark red (the legend's scale). */
static void share_colour(char *buf, size_t len, double share)
{
	static const unsigned lo[3] = {0xff, 0xf5, 0xd6}, hi[3] = {0xb2, 0x18, 0x2b};
	unsigned c[3];

	share = share < 0 ? 0 : share > 1 ? 1 : share;
	for (int i = 0; i < 3; i++)
		c[i] = (unsigned)lround(lo[i] + (hi[i] - (double)lo[i]) * share);
	snprintf(buf, len, "#%02x%02x%02x", c[0], c[1], c[2]);
}

static const char style[] =
    "<style>\n"
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
    "max-width:1180px;padding:0 16px 32px;color:#222;background:#fff}\n"
    "h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;border-bottom:2px solid #ddd;"
    "padding-bottom:2px;margin-top:28px}h3{font-size:15px;margin:16px 0 6px}\n"
    "table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}\n"
    "th,td{border:1px solid #ddd;padding:2px 7px;text-align:right;vertical-align:top}\n"
    "th{background:#f3f3f3}td.l,th.l{text-align:left}\n"
    "svg{display:block;max-width:100%;height:auto}svg text{font:11px sans-serif;fill:#222}\n"
    "svg text.small{font-size:9.5px}svg text.lane{font-weight:bold}\n"
    ".hists{display:flex;flex-wrap:wrap;gap:10px}\n"
    "figure{margin:0 0 10px;border:1px solid #e4e4e4;padding:6px;background:#fcfcfc}\n"
    "figure.h{width:560px}figcaption{font-size:12px;margin-bottom:4px}\n"
    ".sev-critical{color:#fff;background:#b2182b;padding:0 5px}"
    ".sev-warning{background:#f4a582;padding:0 5px}.sev-info{background:#d1e5f0;padding:0 5px}\n"
    ".note{color:#555;font-size:12px}.na{color:#555;font-style:italic}\n"
    "nav a{margin-right:12px}footer{margin-top:30px;border-top:2px solid #ddd;font-size:13px}\n"
    "ul.ev{margin:0;padding-left:16px;text-align:left}\n"
    "@media print{body{max-width:none;font-size:10pt;padding:0}nav{display:none}"
    "h2{break-after:avoid}figure,table,svg,section.dir{break-inside:avoid}"
    "figure{background:#fff}a{color:inherit;text-decoration:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n"
    "</style>\n";

/*
 * The page polices itself. Its Content-Security-Policy forbids every fetch
 * (default-src 'none'), so a reference that slipped in is blocked, not
 * loaded; the head script records every blocked or failed load and every
 * uncaught error on the console. On load, the last script checks that every
 * histogram has bars and both quantile marks and every waterfall has bars,
 * and marks <body data-ok="1"> only when all held: otherwise it throws
 * (a console error a headless browser logs). A test reads both.
 */
static const char head_script[] =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
    "<script>\n"
    "window.xpktFailures = [];\n"
    "function xpktFail(what) {\n"
    "  window.xpktFailures.push(what);\n"
    "  console.error('xpkttrace: ' + what);\n"
    "}\n"
    "window.addEventListener('error', function (e) {\n"
    "  var t = e.target;\n"
    "  xpktFail(t && t !== window ? 'failed to load ' + (t.src || t.href || t.tagName)\n"
    "                             : 'uncaught ' + e.message);\n"
    "}, true);\n"
    "document.addEventListener('securitypolicyviolation', function (e) {\n"
    "  xpktFail('blocked ' + e.blockedURI);\n"
    "});\n"
    "</script>\n";

static const char tail_script[] =
    "<script>\n"
    "window.addEventListener('load', function () {\n"
    "  'use strict';\n"
    "  var h = document.querySelectorAll('svg.hist');\n"
    "  for (var i = 0; i < h.length; i++) {\n"
    "    if (!h[i].querySelector('rect.bar') || h[i].querySelectorAll('path.q').length !== 2)\n"
    "      xpktFail('broken histogram ' + h[i].dataset.dir + ' ' + h[i].dataset.stage);\n"
    "  }\n"
    "  var w = document.querySelectorAll('svg.waterfall');\n"
    "  for (var j = 0; j < w.length; j++) {\n"
    "    if (!w[j].querySelector('rect.wbar'))\n"
    "      xpktFail('empty waterfall ' + w[j].dataset.dir + ' ' + w[j].dataset.rank);\n"
    "  }\n"
    "  var sc = document.querySelectorAll('svg.scaling, svg.scaling-global');\n"
    "  for (var k = 0; k < sc.length; k++) {\n"
    "    if (!sc[k].querySelector('path.line') ||\n"
    "        sc[k].querySelectorAll('circle.pt').length !== Number(sc[k].dataset.points))\n"
    "      xpktFail('broken scaling plot ' + sc[k].dataset.dir + ' ' + sc[k].dataset.kind);\n"
    "  }\n"
    "  document.body.setAttribute('data-scaling', String(sc.length));\n"
    "  if (window.xpktFailures.length)\n"
    "    throw new Error('xpkttrace: page check failed: ' + window.xpktFailures.join('; '));\n"
    "  document.body.setAttribute('data-hists', String(h.length));\n"
    "  document.body.setAttribute('data-ok', '1');\n"
    "});\n"
    "</script>\n";

static void header(FILE *fp, const struct xpkt_html_input *in)
{
	const struct xpkt_results *r = in->r;
	const struct xpkt_manifest *m = in->m;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
	      "<title>xpkttrace report: ",
	      fp);
	esc(fp, in->bundle);
	fputs("</title>\n", fp);
	fputs(head_script, fp);
	fputs(style, fp);
	fputs("</head>\n<body>\n<h1>xpkttrace report</h1>\n<p>Bundle <code>", fp);
	esc(fp, in->bundle);
	fprintf(fp, "</code>, mode <b>");
	esc(fp, m->mode);
	fprintf(fp,
		"</b>, host TSC %.3f GHz, %" PRIu64 " events read, at most %" PRIu64
		" packets in flight.",
		(double)m->tsc_hz / 1e9, r->events_read, r->max_in_flight);
	if (m->workload[0]) {
		fputs(" Workload: <code>", fp);
		esc(fp, m->workload);
		fputs("</code>.", fp);
	}
	if (m->incomplete)
		fputs(" <b>The recording was interrupted (manifest: incomplete).</b>", fp);
	fputs("</p>\n<nav><a href=\"#flow\">stage flow</a><a href=\"#hist\">histograms</a>"
	      "<a href=\"#waterfall\">waterfall</a><a href=\"#diagnosis\">diagnosis</a>"
	      "<a href=\"#hotspots\">hotspots</a><a href=\"#pmu\">PMU</a>",
	      fp);
	if (r->sim_scaling)
		fputs("<a href=\"#scaling\">cache/TLB scaling</a>", fp);
	fputs("<a href=\"#packets\">packets</a><a href=\"#clocks\">clocks</a></nav>\n", fp);
}

/* ---- stage flow ---------------------------------------------------------- */

#define FB_W   104 /* stage box */
#define FB_H   40
#define FB_GAP 14
#define FL_H   56 /* lane height */
#define FL_X   70 /* lane label column */

/* Lanes a direction's stages use, in lane_order; returns how many. */
static unsigned used_lanes(const struct xpkt_stage *st, unsigned n, int lane_of[XPKT_DOM_COUNT])
{
	unsigned nl = 0;

	for (unsigned l = 0; l < NLANES; l++) {
		lane_of[lane_order[l]] = -1;
		for (unsigned i = 0; i < n; i++)
			if (st[i].domain == lane_order[l]) {
				lane_of[lane_order[l]] = (int)nl++;
				break;
			}
	}
	return nl;
}

static void flow_legend(FILE *fp)
{
	char c[8];

	fputs("<svg class=\"legend\" width=\"560\" height=\"34\" viewBox=\"0 0 560 34\">"
	      "<text x=\"0\" y=\"21\">share of the direction's latency:</text>",
	      fp);
	for (int i = 0; i <= 10; i++) {
		share_colour(c, sizeof(c), i / 10.0);
		fprintf(fp, "<rect x=\"%d\" y=\"8\" width=\"20\" height=\"16\" fill=\"%s\"/>",
			200 + i * 20, c);
	}
	fputs("<text x=\"196\" y=\"34\" class=\"small\">0%</text>"
	      "<text x=\"402\" y=\"34\" class=\"small\">100%</text>"
	      "<rect x=\"440\" y=\"8\" width=\"20\" height=\"16\" fill=\"#eee\" stroke=\"#888\"/>"
	      "<text x=\"464\" y=\"21\">origin</text></svg>\n",
	      fp);
}

static void flow_diagram(FILE *fp, const struct xpkt_results *r, enum xpkt_dir d,
			 const struct xpkt_stage *st, unsigned n)
{
	int lane_of[XPKT_DOM_COUNT];
	unsigned nl = used_lanes(st, n, lane_of);
	double total = dir_total_ns(r, d, n);
	unsigned w = FL_X + n * (FB_W + FB_GAP) + 10, h = nl * FL_H + 8;
	const char *dn = xpkt_dir_name(d);

	fprintf(fp,
		"<svg class=\"flow\" data-dir=\"%s\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u "
		"%u\" role=\"img\">\n"
		"<defs><marker id=\"arr-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		"markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 "
		"10z\" fill=\"#555\"/></marker></defs>\n",
		dn, w, h, w, h, dn);
	for (unsigned l = 0; l < NLANES; l++) {
		int y;

		if (lane_of[lane_order[l]] < 0)
			continue;
		y = 4 + lane_of[lane_order[l]] * FL_H;
		fprintf(fp,
			"<rect x=\"0\" y=\"%d\" width=\"%u\" height=\"%d\" fill=\"%s\" "
			"opacity=\"0.08\"/><text class=\"lane\" x=\"6\" y=\"%d\">%s</text>\n",
			y, w, FL_H - 2, dom_colour(lane_order[l]), y + FL_H / 2 + 4,
			xpkt_domain_name(lane_order[l]));
	}
	for (unsigned i = 0; i + 1 < n; i++) {
		int x0 = FL_X + (int)i * (FB_W + FB_GAP) + FB_W, x1 = x0 + FB_GAP;
		int y0 = 4 + lane_of[st[i].domain] * FL_H + FL_H / 2 - 1;
		int y1 = 4 + lane_of[st[i + 1].domain] * FL_H + FL_H / 2 - 1;

		fprintf(fp,
			"<path d=\"M%d %dL%d %d\" stroke=\"#555\" fill=\"none\" "
			"marker-end=\"url(#arr-%s)\"/>\n",
			x0, y0, x1, y1, dn);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct xpkt_stage_stats *s = &r->stages[d][i];
		int x = FL_X + (int)i * (FB_W + FB_GAP);
		int y = 4 + lane_of[st[i].domain] * FL_H + (FL_H - 2 - FB_H) / 2;
		int origin = st[i].join == XPKT_JOIN_ORIGIN;
		double share = total > 0 ? s->total_ns / total : 0;
		char fill[8] = "#eeeeee";

		if (!origin)
			share_colour(fill, sizeof(fill), share);
		fprintf(fp, "<a href=\"#h-%s-%s\"><g class=\"stage\" data-stage=\"%s\">", dn,
			st[i].name, st[i].name);
		fprintf(fp, "<title>%s %s (%s): %" PRIu64 " %s", dn, st[i].name,
			xpkt_domain_name(st[i].domain), s->count, origin ? "packets" : "samples");
		if (!origin && s->count)
			fprintf(fp, ", mean %s, p99 %s, %.1f%% of the latency", ns_str(s->mean_ns),
				ns_str((double)s->p99_ns), 100 * share);
		fputs("</title>", fp);
		fprintf(fp,
			"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" "
			"stroke=\"%s\" stroke-width=\"1.5\"%s/>",
			x, y, FB_W, FB_H, fill, dom_colour(st[i].domain),
			s->inferred ? " stroke-dasharray=\"4 3\"" : "");
		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\"%s>%s%s</text>",
			x + FB_W / 2, y + 16, share > 0.5 ? " style=\"fill:#fff\"" : "", st[i].name,
			s->inferred ? "*" : "");
		if (origin)
			fprintf(fp,
				"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"small\">"
				"origin, %" PRIu64 " pkts</text>",
				x + FB_W / 2, y + 31, s->count);
		else if (s->count)
			fprintf(fp,
				"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"small\"%s>"
				"%.1f%% \xc2\xb7 mean %s</text>",
				x + FB_W / 2, y + 31, share > 0.5 ? " style=\"fill:#fff\"" : "",
				100 * share, ns_str(s->mean_ns));
		else
			fprintf(fp,
				"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"small\">"
				"no samples</text>",
				x + FB_W / 2, y + 31);
		fputs("</g></a>\n", fp);
	}
	fputs("</svg>\n", fp);
}

static void stage_table(FILE *fp, const struct xpkt_results *r, enum xpkt_dir d,
			const struct xpkt_stage *st, unsigned n)
{
	double total = dir_total_ns(r, d, n);

	fputs("<table class=\"stages\"><tr><th class=\"l\">stage</th><th class=\"l\">domain</th>"
	      "<th>count</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th>"
	      "<th>share</th><th>unattributed</th></tr>\n",
	      fp);
	for (unsigned i = 0; i < n; i++) {
		const struct xpkt_stage_stats *s = &r->stages[d][i];

		fprintf(
		    fp, "<tr><td class=\"l\">%s%s</td><td class=\"l\">%s</td><td>%" PRIu64 "</td>",
		    st[i].name, s->inferred ? "*" : "", xpkt_domain_name(st[i].domain), s->count);
		if (st[i].join == XPKT_JOIN_ORIGIN || !s->count)
			fputs("<td>-</td><td>-</td><td>-</td><td>-</td><td>-</td><td>-</td>", fp);
		else {
			fprintf(fp, "<td>%s</td><td>%s</td><td>%s</td>", ns_str(s->mean_ns),
				ns_str((double)s->p50_ns), ns_str((double)s->p90_ns));
			fprintf(fp, "<td>%s</td><td>%s</td>", ns_str((double)s->p99_ns),
				ns_str((double)s->max_ns));
			fprintf(fp, "<td>%.1f%%</td>", total > 0 ? 100 * s->total_ns / total : 0);
		}
		fprintf(fp, "<td>%" PRIu64 "</td></tr>\n", s->unattributed);
	}
	fputs("</table>\n", fp);
}

/* Footnotes for inferred stages, as the text report prints them. */
static void inferred_notes(FILE *fp, const struct xpkt_results *r, enum xpkt_dir d,
			   const struct xpkt_stage *st, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (r->stages[d][i].inferred) {
			fprintf(fp,
				"<p class=\"note\">* %s is inferred, not observed: ", st[i].name);
			esc(fp, st[i].hook);
			fputs("</p>\n", fp);
		}
}

static void flow_section(FILE *fp, const struct xpkt_results *r)
{
	enum xpkt_mode mode = results_mode(r);

	fputs("<h2 id=\"flow\">Stage flow</h2>\n<p class=\"note\">Each box is a stage in its "
	      "domain's lane, in the order a packet passes them; its colour is the stage's share "
	      "of the direction's total latency (sum over packets of the time since the "
	      "packet's previous stage). Dashed border and <b>*</b>: inferred stage. Click a "
	      "box for its histogram.</p>\n",
	      fp);
	flow_legend(fp);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);
		const struct xpkt_packet_counts *pc = &r->by_dir[d];

		if (!n)
			continue;
		fprintf(fp,
			"<section class=\"dir\"><h3>%s: %" PRIu64 " packets (%" PRIu64
			" complete, %" PRIu64 " partial, %" PRIu64 " dropped, %" PRIu64
			" merged by GRO)</h3>\n",
			dir_heading(mode, (enum xpkt_dir)d), pc->total, pc->complete, pc->partial,
			pc->dropped, pc->merged);
		flow_diagram(fp, r, (enum xpkt_dir)d, st, n);
		stage_table(fp, r, (enum xpkt_dir)d, st, n);
		inferred_notes(fp, r, (enum xpkt_dir)d, st, n);
		fputs("</section>\n", fp);
	}
}

/* ---- histograms ---------------------------------------------------------- */

#define H_W	540
#define H_H	170
#define H_L	44 /* left margin (count labels) */
#define H_T	30 /* top margin (p50/p99 labels) */
#define H_B	20 /* bottom margin (time axis) */
#define H_PER_D 20 /* bins per decade */

static double lg(double v)
{
	return log10(v < 1 ? 1 : v);
}

static void histogram(FILE *fp, const char *dn, const struct xpkt_stage *stg,
		      const struct xpkt_stage_stats *s)
{
	const struct xpkt_hist *h = s->hist;
	uint64_t bins[H_PER_D * 20] = {0}, top = 0;
	struct xpkt_hist_bucket b;
	unsigned it = 0, nb;
	int d0 = (int)floor(lg((double)s->min_ns)), d1 = (int)ceil(lg((double)s->max_ns));
	double pw = H_W - H_L - 22, ph = H_H - H_T - H_B;

	if (d1 <= d0)
		d1 = d0 + 1;
	if (d1 - d0 > 20)
		d0 = d1 - 20;
	nb = (unsigned)(d1 - d0) * H_PER_D;
	while (xpkt_hist_next(h, &it, &b)) {
		double mid = ((double)b.lo_ns + (double)b.hi_ns) / 2;
		int k = (int)floor((lg(mid) - d0) * H_PER_D);

		k = k < 0 ? 0 : k >= (int)nb ? (int)nb - 1 : k;
		bins[k] += b.count;
	}
	for (unsigned k = 0; k < nb; k++)
		top = bins[k] > top ? bins[k] : top;
	fprintf(fp,
		"<svg class=\"hist\" data-stage=\"%s\" data-dir=\"%s\" data-count=\"%" PRIu64
		"\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n",
		stg->name, dn, s->count, H_W, H_H, H_W, H_H);
	/* axes */
	fprintf(fp,
		"<path d=\"M%d %dV%dH%d\" stroke=\"#888\" fill=\"none\"/>"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"small\">%" PRIu64
		"</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"small\">0</text>\n",
		H_L, H_T, H_H - H_B, H_W - 20, H_L - 3, H_T + 8, top, H_L - 3, H_H - H_B);
	for (int e = d0; e <= d1; e++) {
		double x = H_L + pw * (e - d0) / (d1 - d0);

		fprintf(fp,
			"<path d=\"M%.1f %dv4\" stroke=\"#888\"/><text x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\" class=\"small\">%s</text>",
			x, H_H - H_B, x, H_H - 5, ns_str(pow(10, e)));
	}
	fputc('\n', fp);
	for (unsigned k = 0; k < nb; k++) {
		double x, bh, lo_ns, hi_ns;

		if (!bins[k])
			continue;
		x = H_L + pw * k / nb;
		bh = ph * (double)bins[k] / (double)top;
		if (bh < 1)
			bh = 1;
		lo_ns = pow(10, d0 + (double)k / H_PER_D);
		hi_ns = pow(10, d0 + (double)(k + 1) / H_PER_D);
		fprintf(fp,
			"<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>%s \xe2\x80\x93 %s: %" PRIu64 "</title></rect>\n",
			x, H_H - H_B - bh, pw / nb - 0.5, bh, dom_colour(stg->domain),
			ns_str(lo_ns), ns_str(hi_ns), bins[k]);
	}
	/* quantile marks; p99's label one line lower so close marks stay readable */
	{
		const struct {
			const char *name;
			uint64_t v;
			int dy;
			const char *colour;
		} q[2] = {{"p50", s->p50_ns, 11, "#222"}, {"p99", s->p99_ns, 23, "#b2182b"}};

		for (int i = 0; i < 2; i++) {
			double x = H_L + pw * (lg((double)q[i].v) - d0) / (d1 - d0);
			const char *anchor = x > H_W - 90 ? "end" : "start";

			fprintf(fp,
				"<path class=\"q\" data-q=\"%s\" d=\"M%.1f %dV%d\" stroke=\"%s\" "
				"stroke-dasharray=\"3 2\"/><text x=\"%.1f\" y=\"%d\" "
				"text-anchor=\"%s\" style=\"fill:%s\">%s %s</text>\n",
				q[i].name, x, H_T - 4, H_H - H_B, q[i].colour,
				anchor[0] == 'e' ? x - 3 : x + 3, q[i].dy, anchor, q[i].colour,
				q[i].name, ns_str((double)q[i].v));
		}
	}
	fputs("</svg>\n", fp);
}

static void hist_section(FILE *fp, const struct xpkt_results *r)
{
	enum xpkt_mode mode = results_mode(r);

	fputs("<h2 id=\"hist\">Latency histograms</h2>\n<p class=\"note\">Time since the "
	      "packet's previous attached stage, log-scaled time axis (20 bins per decade), "
	      "linear counts; dashed lines mark p50 and p99.</p>\n",
	      fp);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);
		const char *dn = xpkt_dir_name((enum xpkt_dir)d);

		if (!n)
			continue;
		fprintf(fp, "<h3>%s</h3>\n<div class=\"hists\">\n",
			dir_heading(mode, (enum xpkt_dir)d));
		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *s = &r->stages[d][i];

			if (st[i].join == XPKT_JOIN_ORIGIN)
				continue;
			fprintf(fp,
				"<figure class=\"h\" id=\"h-%s-%s\"><figcaption><b>%s %s%s</b> "
				"(%s): %" PRIu64 " samples",
				dn, st[i].name, dn, st[i].name, s->inferred ? "*" : "",
				xpkt_domain_name(st[i].domain), s->count);
			if (s->count)
				fprintf(fp, ", mean %s, p50 %s, p99 %s, max %s", ns_str(s->mean_ns),
					ns_str((double)s->p50_ns), ns_str((double)s->p99_ns),
					ns_str((double)s->max_ns));
			fputs("</figcaption>\n", fp);
			if (s->count && s->hist && xpkt_hist_count(s->hist))
				histogram(fp, dn, &st[i], s);
			else
				fprintf(
				    fp,
				    "<p class=\"na\" data-stage=\"%s\" data-dir=\"%s\">%s</p>\n",
				    st[i].name, dn,
				    s->count ? "no distribution kept" : "no samples");
			fputs("</figure>\n", fp);
		}
		fputs("</div>\n", fp);
	}
}

/* ---- waterfall ----------------------------------------------------------- */

#define W_W   1100
#define W_LN  64  /* lane name column */
#define W_SN  130 /* stage name column */
#define W_ROW 18
#define W_TOP 8
#define W_AX  24 /* axis below the rows */

/* A step of 1, 2 or 5 times a power of ten giving about 6 ticks over span. */
static double nice_step(double span)
{
	double raw = span / 6, p = pow(10, floor(log10(raw))), f = raw / p;

	return p * (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10);
}

static void flow_text(FILE *fp, const struct xpkt_packet_rec *p)
{
	char a[16], b[16];

	if (!p->have_flow) {
		fputs("flow unknown", fp);
		return;
	}
	fprintf(fp, "%s:%u \xe2\x86\x92 %s:%u, seq %" PRIu32,
		xpkt_ipv4_format(a, sizeof(a), p->flow.saddr), p->flow.sport,
		xpkt_ipv4_format(b, sizeof(b), p->flow.daddr), p->flow.dport, p->seq);
}

static const char *status_name(enum xpkt_pkt_status s)
{
	switch (s) {
	case XPKT_PKT_COMPLETE:
		return "complete";
	case XPKT_PKT_PARTIAL:
		return "partial";
	case XPKT_PKT_DROPPED:
		return "dropped";
	default:
		return "merged";
	}
}

static void waterfall(FILE *fp, enum xpkt_dir d, enum xpkt_html_rank k,
		      const struct xpkt_html_rep *rep, const struct xpkt_stage *st,
		      const struct xpkt_stage_stats *ss, unsigned n)
{
	const struct xpkt_packet_rec *p = &rep->rec;
	unsigned nrows = 0, row_of[XPKT_MAX_STAGES];
	uint64_t t0 = UINT64_MAX, t1 = 0;
	double pw = W_W - W_LN - W_SN - 16, span, step;
	int hgt, y;
	const char *dn = xpkt_dir_name(d);

	for (unsigned i = 0; i < n; i++)
		if (p->attached & (1u << i)) {
			uint64_t from = p->st[i].has_lat && p->st[i].lat_ns > 0
					    ? p->st[i].ts_ns - (uint64_t)p->st[i].lat_ns
					    : p->st[i].ts_ns;

			t0 = from < t0 ? from : t0;
			t1 = p->st[i].ts_ns > t1 ? p->st[i].ts_ns : t1;
		}
	span = t1 > t0 ? (double)(t1 - t0) : 1;
	step = nice_step(span);
	/* rows: attached stages, grouped by lane, catalogue order inside a lane */
	for (unsigned l = 0; l < NLANES; l++)
		for (unsigned i = 0; i < n; i++)
			if (st[i].domain == lane_order[l] && (p->attached & (1u << i)))
				row_of[i] = nrows++;
	hgt = W_TOP + (int)nrows * W_ROW + W_AX;
	fprintf(fp,
		"<figure class=\"w\"><figcaption><b>%s %s</b> of %" PRIu64 " %s packets "
		"(%s %s): packet #%" PRIu64 ", ",
		dn, xpkt_html_rank_name(k), rep->population,
		rep->complete_only ? "complete" : "(none complete: any with two stages)",
		k == XPKT_REP_MAX   ? "max"
		: k == XPKT_REP_P99 ? "p99"
				    : "p50",
		ns_str((double)rep->rank_ns), p->id);
	flow_text(fp, p);
	fprintf(fp, ", end to end <b>%s</b>, %s", ns_str((double)rep->e2e_ns),
		status_name(p->status));
	if (p->reason[0]) {
		fputs(" (", fp);
		esc(fp, p->reason);
		fputc(')', fp);
	}
	fprintf(fp,
		"</figcaption>\n<svg class=\"waterfall\" data-dir=\"%s\" data-rank=\"%s\" "
		"data-packet=\"%" PRIu64 "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\">\n",
		dn, xpkt_html_rank_name(k), p->id, W_W, hgt, W_W, hgt);
	/* lane bands */
	y = W_TOP;
	for (unsigned l = 0; l < NLANES; l++) {
		unsigned rows = 0;

		for (unsigned i = 0; i < n; i++)
			rows += st[i].domain == lane_order[l] && (p->attached & (1u << i));
		if (!rows)
			continue;
		fprintf(fp,
			"<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%u\" fill=\"%s\" "
			"opacity=\"0.09\"/><text class=\"lane\" x=\"4\" y=\"%u\">%s</text>\n",
			y, W_W, rows * W_ROW, dom_colour(lane_order[l]), y + rows * W_ROW / 2 + 4,
			xpkt_domain_name(lane_order[l]));
		y += (int)(rows * W_ROW);
	}
	/* time axis */
	for (double t = 0; t <= span * 1.0001; t += step) {
		double x = W_LN + W_SN + pw * t / span;

		fprintf(fp,
			"<path d=\"M%.1f %dV%d\" stroke=\"#ccc\"/><text x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\" class=\"small\">%s</text>\n",
			x, W_TOP, y + 4, x, y + 16, ns_str(t));
	}
	for (unsigned i = 0; i < n; i++) {
		const struct xpkt_pkt_stage *ps = &p->st[i];
		double x1, x0;
		int ry;

		if (!(p->attached & (1u << i)))
			continue;
		ry = W_TOP + (int)row_of[i] * W_ROW;
		x1 = W_LN + W_SN + pw * (double)(ps->ts_ns - t0) / span;
		x0 = ps->has_lat && ps->lat_ns > 0 ? x1 - pw * (double)ps->lat_ns / span : x1;
		fprintf(fp, "<text x=\"%d\" y=\"%d\">%s%s</text>", W_LN, ry + 13, st[i].name,
			ss[i].inferred ? "*" : "");
		fprintf(fp,
			"<rect class=\"wbar\" data-stage=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			"height=\"%d\" fill=\"%s\"><title>%s (%s): ",
			st[i].name, x0, ry + 3, x1 - x0 < 1.5 ? 1.5 : x1 - x0, W_ROW - 6,
			dom_colour(st[i].domain), st[i].name, xpkt_domain_name(st[i].domain));
		if (ps->has_lat && st[i].join != XPKT_JOIN_ORIGIN)
			fprintf(fp, "+%s after the previous stage, ", ns_str((double)ps->lat_ns));
		fprintf(fp, "at %s (cpu %u)</title></rect>", ns_str((double)(ps->ts_ns - t0)),
			ps->cpu);
		if (ps->has_lat && st[i].join != XPKT_JOIN_ORIGIN)
			fprintf(fp, "<text x=\"%.1f\" y=\"%d\" class=\"small\"%s>%s</text>",
				x1 > W_W - 60 ? x0 - 3 : x1 + 3, ry + 12,
				x1 > W_W - 60 ? " text-anchor=\"end\"" : "",
				ns_str((double)ps->lat_ns));
		fputc('\n', fp);
	}
	fputs("</svg></figure>\n", fp);
}

static void waterfall_section(FILE *fp, const struct xpkt_html_input *in)
{
	enum xpkt_mode mode = results_mode(in->r);

	fputs("<h2 id=\"waterfall\">Representative packets</h2>\n<p class=\"note\">Per "
	      "direction the packets at the median, the 99th percentile and the maximum of "
	      "end-to-end latency (last attached stage minus first). Each bar is a stage, in "
	      "its domain's lane, from the packet's previous attached stage to this one, on "
	      "the packet's own time axis.</p>\n",
	      fp);
	if (!in->reps) {
		fputs("<p class=\"na\">n/a (no packet records were kept)</p>\n", fp);
		return;
	}
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n, shown = 0;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		if (!n)
			continue;
		fprintf(fp, "<h3>%s</h3>\n", dir_heading(mode, (enum xpkt_dir)d));
		for (int k = 0; k < XPKT_REP_COUNT; k++) {
			const struct xpkt_html_rep *rep = &in->reps[d][k];

			if (!rep->have)
				continue;
			waterfall(fp, (enum xpkt_dir)d, (enum xpkt_html_rank)k, rep, st,
				  in->r->stages[d], n);
			shown++;
		}
		if (!shown)
			fputs("<p class=\"na\">no packet with two attached stages</p>\n", fp);
	}
}

/* ---- diagnosis, hotspots, PMU -------------------------------------------- */

static void evidence_list(FILE *fp, const struct xpkt_diag_result *f)
{
	fputs("<ul class=\"ev\">", fp);
	for (unsigned i = 0; i < f->nev; i++) {
		char v[48];

		xpkt_diag_format_value(v, sizeof(v), f->ev[i].value);
		fputs("<li>", fp);
		esc(fp, f->ev[i].name);
		fprintf(fp, " = <b>%s</b> ", v);
		esc(fp, f->ev[i].unit);
		fputs("</li>", fp);
	}
	fputs("</ul>", fp);
}

static void diag_section(FILE *fp, const struct xpkt_diagnosis *dg)
{
	fputs("<h2 id=\"diagnosis\">Diagnosis</h2>\n", fp);
	if (!dg) {
		fputs("<p class=\"na\">n/a (not evaluated)</p>\n", fp);
		return;
	}
	fprintf(fp, "<p>%u finding%s, %u passed, %u not evaluated.", dg->nfindings,
		dg->nfindings == 1 ? "" : "s", dg->npassed, dg->nnot_evaluated);
	if (dg->weakened)
		fprintf(fp,
			" <b>Weakened: %" PRIu64 " events were lost; the counts behind "
			"every finding undercount.</b>",
			dg->lost_total);
	fputs("</p>\n", fp);
	if (dg->nfindings) {
		fputs("<table class=\"diag\"><tr><th class=\"l\">severity</th><th "
		      "class=\"l\">rule</th><th class=\"l\">explanation</th><th "
		      "class=\"l\">evidence</th><th class=\"l\">suggested action</th></tr>\n",
		      fp);
		for (unsigned i = 0; i < dg->nfindings; i++) {
			const struct xpkt_diag_result *f = &dg->findings[i];
			const char *sev = xpkt_severity_name(f->severity);

			fprintf(fp,
				"<tr><td class=\"l\"><span class=\"sev-%s\">%s</span></td><td "
				"class=\"l\">",
				sev, sev);
			esc(fp, f->id);
			fputs("</td><td class=\"l\">", fp);
			esc(fp, f->explanation);
			fputs("</td><td class=\"l\">", fp);
			evidence_list(fp, f);
			fputs("</td><td class=\"l\">", fp);
			esc(fp, f->action);
			fputs("</td></tr>\n", fp);
		}
		fputs("</table>\n", fp);
	}
	if (dg->npassed) {
		fputs("<table class=\"diag-passed\"><tr><th class=\"l\">passed</th><th "
		      "class=\"l\">evidence</th></tr>\n",
		      fp);
		for (unsigned i = 0; i < dg->npassed; i++) {
			fputs("<tr><td class=\"l\">", fp);
			esc(fp, dg->passed[i].id);
			fputs("</td><td class=\"l\">", fp);
			evidence_list(fp, &dg->passed[i]);
			fputs("</td></tr>\n", fp);
		}
		fputs("</table>\n", fp);
	}
	if (dg->nnot_evaluated) {
		fputs("<table class=\"diag-ne\"><tr><th class=\"l\">not evaluated</th><th "
		      "class=\"l\">why</th></tr>\n",
		      fp);
		for (unsigned i = 0; i < dg->nnot_evaluated; i++) {
			fputs("<tr><td class=\"l\">", fp);
			esc(fp, dg->not_evaluated[i].id);
			fputs("</td><td class=\"l\">", fp);
			esc(fp, dg->not_evaluated[i].reason);
			fputs("</td></tr>\n", fp);
		}
		fputs("</table>\n", fp);
	}
}

/* One stage's hotspots: kprobe calls per packet, then its top sampled functions. */
static void hotspot_stage(FILE *fp, const char *dir, const char *name,
			  const struct xpkt_stage_stats *s)
{
	fprintf(fp, "<tr><td class=\"l\">%s ", dir);
	esc(fp, name);
	fputs("</td><td class=\"l\">", fp);
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
		if (s->hot_calls[h])
			fprintf(fp, "%s %.3g/pkt<br>", xpkt_hot_name(h),
				s->count ? (double)s->hot_calls[h] / (double)s->count : 0.0);
	fprintf(fp, "</td><td>%" PRIu64 "</td><td class=\"l\">", s->samples);
	for (uint32_t i = 0; i < s->nfuncs && i < 6; i++) {
		fprintf(fp, "%.1f%% ", 100.0 * (double)s->funcs[i].samples / (double)s->samples);
		esc(fp, s->funcs[i].name);
		fputs("<br>", fp);
	}
	fputs("</td></tr>\n", fp);
}

static void hotspot_section(FILE *fp, const struct xpkt_results *r)
{
	enum xpkt_mode mode = results_mode(r);
	int any = 0, stages = 0;

	fputs("<h2 id=\"hotspots\">Hotspots</h2>\n", fp);
	for (int d = 0; d < XPKT_DOM_COUNT; d++) {
		for (int h = 0; h < XPKT_HOT_COUNT; h++)
			any |= r->hot_calls[d][h] != 0;
		any |= r->samples[d] != 0;
	}
	if (!any) {
		fputs("<p class=\"na\">No hotspot kprobe events (skb_copy_bits, tcp_collapse, "
		      "tcp_prune_queue) and no PC samples (record --samples) in this bundle.</p>\n",
		      fp);
		return;
	}
	fputs("<p class=\"note\">Per stage: hotspot kprobe calls on the packet's skb since its "
	      "previous stage, per packet of the stage, and PC samples taken on the stage's CPU "
	      "in that interval, by function (share of the stage's samples). The "
	      "tcp_adv_win_scale collapse shows as tcp_collapse calls and bytes re-copied by "
	      "skb_copy_bits.</p>\n<table class=\"hot\"><tr><th class=\"l\">stage</th>"
	      "<th class=\"l\">kprobe calls</th><th>PC samples</th>"
	      "<th class=\"l\">top functions</th></tr>\n",
	      fp);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n && i < XPKT_MAX_STAGES; i++) {
			const struct xpkt_stage_stats *s = &r->stages[d][i];
			int has = s->samples > 0;

			for (int h = 0; h < XPKT_HOT_COUNT; h++)
				has |= s->hot_calls[h] != 0;
			if (!has)
				continue;
			hotspot_stage(fp, xpkt_dir_name((enum xpkt_dir)d), st[i].name, s);
			stages++;
		}
	}
	if (!stages)
		fputs("<tr><td class=\"l\" colspan=\"4\">none attributed to a stage</td></tr>\n",
		      fp);
	fputs("</table>\n<table class=\"hot\"><tr><th class=\"l\">domain</th>"
	      "<th class=\"l\">kprobe</th><th>calls</th><th>bytes</th><th>on no packet</th>"
	      "<th>after its last stage</th></tr>\n",
	      fp);
	for (int d = 0; d < XPKT_DOM_COUNT; d++)
		for (int h = 0; h < XPKT_HOT_COUNT; h++) {
			if (!r->hot_calls[d][h])
				continue;
			fprintf(fp,
				"<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%" PRIu64
				"</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
				"</td></tr>\n",
				xpkt_domain_name((enum xpkt_domain)d), xpkt_hot_name((unsigned)h),
				r->hot_calls[d][h], r->hot_bytes[d][h], r->hot_no_packet[d][h],
				r->hot_after_end[d][h]);
		}
	fputs("</table>\n", fp);
	for (int d = 0; d < XPKT_DOM_COUNT; d++)
		if (r->samples[d])
			fprintf(fp,
				"<p class=\"note\">%s PC samples: %" PRIu64 ", idle %" PRIu64
				", busy outside any stage %" PRIu64 "</p>\n",
				xpkt_domain_name((enum xpkt_domain)d), r->samples[d],
				r->samples_idle[d], r->samples_outside[d]);
}

/*
 * A bundle without counters says why (manifest "pmu" reason): never a row
 * of zeros, which would read as "the stage cost nothing".
 */
static void pmu_section(FILE *fp, const struct xpkt_results *r)
{
	enum xpkt_mode mode = results_mode(r);
	unsigned nc = r->pmu.ncounters < XPKT_PMU_MAX ? r->pmu.ncounters : XPKT_PMU_MAX;

	fputs("<h2 id=\"pmu\">PMU deltas</h2>\n", fp);
	if (!r->pmu.known) {
		fputs("<p class=\"na\">n/a (the bundle's manifest says nothing of hardware "
		      "counters: recorded before PMU support)</p>\n",
		      fp);
		return;
	}
	if (!r->pmu.available) {
		fputs("<p class=\"na\">n/a (", fp);
		esc(fp, r->pmu.reason);
		fputs(")</p>\n", fp);
		return;
	}
	fputs("<p class=\"note\">Counters since the packet's previous stage, read on the same "
	      "CPU.</p>\n<table class=\"pmu\"><tr><th class=\"l\">stage</th><th>deltas</th>"
	      "<th>cross-CPU</th><th class=\"l\">counter</th><th>mean</th><th>p50</th>"
	      "<th>p99</th></tr>\n",
	      fp);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage_stats *s = &r->stages[d][i];

			if (!s->pmu[0].count && !s->pmu_cross_cpu && !s->pmu_unpaired)
				continue;
			if (!s->pmu[0].count) {
				fprintf(fp,
					"<tr><td class=\"l\">%s %s</td><td>-</td><td>%" PRIu64
					"</td><td class=\"l na\" colspan=\"4\">n/a (previous stage "
					"%s)</td></tr>\n",
					xpkt_dir_name((enum xpkt_dir)d), st[i].name,
					s->pmu_cross_cpu,
					s->pmu_cross_cpu ? "on another CPU" : "in another domain");
				continue;
			}
			for (unsigned c = 0; c < nc; c++) {
				const struct xpkt_pmu_stats *ps = &s->pmu[c];

				fprintf(fp,
					"<tr><td class=\"l\">%s %s</td><td>%" PRIu64
					"</td><td>%" PRIu64 "</td><td class=\"l\">",
					xpkt_dir_name((enum xpkt_dir)d), st[i].name, ps->count,
					s->pmu_cross_cpu);
				esc(fp, r->pmu.counters[c]);
				fprintf(fp,
					"</td><td>%.1f</td><td>%" PRIu64 "</td><td>%" PRIu64
					"</td></tr>\n",
					ps->mean, ps->p50, ps->p99);
			}
		}
	}
	fputs("</table>\n", fp);
	if (r->pmu.reason[0]) {
		fputs("<p class=\"note\">n/a for: ", fp);
		esc(fp, r->pmu.reason);
		fputs("</p>\n", fp);
	}
}

/* ---- cache and TLB scaling (pmu-sim, several models) ------------------------ */

/*
 * Seed 001's Figures 13-17: one run, several cache/TLB geometries modelled
 * side by side on the same instructions (docs/pmu-sim.md "Scaling"); per
 * direction, each stage's miss rate against L2 size and TLB entries, and
 * TLBs whose hypervisor entries are global against the same TLBs without.
 */
#define SC_W   550
#define SC_H   250
#define SC_L   52  /* left margin: rate labels */
#define SC_R   170 /* right: legend */
#define SC_T   14
#define SC_B   38 /* bottom: size labels and axis title */
#define SC_MAX 12 /* distinct sizes on one axis */

static const char *const sc_palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
					 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
					 "#17becf", "#8c564b", "#bcbd22", "#7f7f7f"};
#define SC_NPAL (sizeof(sc_palette) / sizeof(sc_palette[0]))

/* The leading number of a geometry text with its K/M/G multiplier ("1M:16:64"); 0 if none. */
static double sc_size(const char *g)
{
	char *end;
	double v = strtod(g, &end);

	if (end == g || v <= 0)
		return 0;
	switch (*end) {
	case 'K':
	case 'k':
		return v * 1024;
	case 'M':
	case 'm':
		return v * 1024 * 1024;
	case 'G':
	case 'g':
		return *(end + 1) == ':' || !*(end + 1) ? v * 1024 * 1024 * 1024 : v;
	default:
		return v;
	}
}

static void sc_size_text(char *buf, size_t len, double v, int bytes)
{
	if (bytes && v >= 1024 * 1024)
		snprintf(buf, len, "%gM", v / (1024 * 1024));
	else if (bytes && v >= 1024)
		snprintf(buf, len, "%gK", v / 1024);
	else
		snprintf(buf, len, "%g", v);
}

/* Which levels a curve sweeps. */
enum sc_kind { SC_L2 = 0, SC_ITLB, SC_DTLB };

static const char *const sc_kind_name[] = {"l2", "itlb", "dtlb"};
static const unsigned sc_acc[] = {XPKT_SIMM_L2_ACCESS, XPKT_SIMM_ITLB_ACCESS,
				  XPKT_SIMM_DTLB_ACCESS};
static const unsigned sc_miss[] = {XPKT_SIMM_L2_MISS, XPKT_SIMM_ITLB_MISS, XPKT_SIMM_DTLB_MISS};

/*
 * The models giving one curve's points, by size: for L2 those with model
 * 0's L1s (they decide what the L2 sees); for a TLB those whose global
 * flag is `global`. Models with the same size share one simulation in the
 * plugin, so the first of them stands for all. Returns how many.
 */
static unsigned sc_points(const struct xpkt_sim_scaling *sc, enum sc_kind k, int global,
			  unsigned model[SC_MAX], double x[SC_MAX])
{
	unsigned n = 0;

	for (unsigned m = 0; m < sc->nmodels && m < XPKT_SIM_SCALE_MODELS; m++) {
		const struct xpkt_sim_scale_model *md = &sc->model[m];
		double v;
		unsigned i, j;

		if (k == SC_L2 &&
		    (strcmp(md->l1i, sc->model[0].l1i) || strcmp(md->l1d, sc->model[0].l1d)))
			continue;
		if ((k == SC_ITLB && md->itlb_global != global) ||
		    (k == SC_DTLB && md->dtlb_global != global))
			continue;
		v = sc_size(k == SC_L2 ? md->l2 : k == SC_ITLB ? md->itlb : md->dtlb);
		if (v <= 0)
			continue;
		for (i = 0; i < n && x[i] < v; i++)
			;
		if ((i < n && x[i] == v) || n == SC_MAX)
			continue;
		for (j = n; j > i; j--) {
			x[j] = x[j - 1];
			model[j] = model[j - 1];
		}
		x[i] = v;
		model[i] = m;
		n++;
	}
	return n;
}

struct sc_series {
	char label[48];
	const char *colour;
	int dashed, bold;
	double y[SC_MAX]; /* miss rate %, < 0: no accesses */
	uint64_t miss[SC_MAX], acc[SC_MAX];
};

/* Miss rate of level k of model m in sums v (one stage's, or several added). */
static void sc_set(struct sc_series *s, unsigned i, const uint64_t *v, enum sc_kind k)
{
	s->acc[i] = v[sc_acc[k]];
	s->miss[i] = v[sc_miss[k]];
	s->y[i] = s->acc[i] ? 100.0 * (double)s->miss[i] / (double)s->acc[i] : -1;
}

/* A line plot of miss rate (%) against size on a log2 axis. */
static void sc_plot(FILE *fp, const char *cls, const char *dn, const char *kind,
		    const char *caption, const char *xtitle, const double *x, unsigned nx,
		    int bytes, const struct sc_series *s, unsigned ns)
{
	double pw = SC_W - SC_L - SC_R, ph = SC_H - SC_T - SC_B, top = 0, step;
	double l0 = log2(x[0]), l1 = log2(x[nx - 1]);
	unsigned npts = 0, nlines = 0;

	for (unsigned k = 0; k < ns; k++)
		for (unsigned i = 0; i < nx; i++)
			top = s[k].y[i] > top ? s[k].y[i] : top;
	step = nice_step(top > 0 ? top : 1);
	top = step * ceil((top > 0 ? top : 1) / step);
	if (l1 <= l0)
		l1 = l0 + 1;
	for (unsigned k = 0; k < ns; k++) {
		unsigned c = 0;

		for (unsigned i = 0; i < nx; i++)
			c += s[k].y[i] >= 0;
		npts += c;
		nlines += c > 0;
	}
	fprintf(fp, "<figure class=\"sc\"><figcaption>%s</figcaption>\n", caption);
	fprintf(fp,
		"<svg class=\"%s\" data-dir=\"%s\" data-kind=\"%s\" data-lines=\"%u\" "
		"data-points=\"%u\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\">\n",
		cls, dn, kind, nlines, npts, SC_W, SC_H, SC_W, SC_H);
	fprintf(fp, "<path d=\"M%d %dV%dH%.0f\" stroke=\"#888\" fill=\"none\"/>\n", SC_L, SC_T,
		SC_H - SC_B, SC_L + pw);
	for (double v = 0; v <= top * 1.0001; v += step) {
		double y = SC_H - SC_B - ph * v / top;

		fprintf(fp,
			"<path d=\"M%d %.1fH%.0f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\" class=\"small\">%.3g%%</text>\n",
			SC_L + 1, y, SC_L + pw, SC_L - 4, y + 3, v);
	}
	for (unsigned i = 0; i < nx; i++) {
		double px = SC_L + pw * (log2(x[i]) - l0) / (l1 - l0);
		char t[24];

		sc_size_text(t, sizeof(t), x[i], bytes);
		fprintf(fp,
			"<path d=\"M%.1f %dv4\" stroke=\"#888\"/><text x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\" class=\"small\">%s</text>\n",
			px, SC_H - SC_B, px, SC_H - SC_B + 14, t);
	}
	fprintf(fp, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", SC_L + pw / 2,
		SC_H - 6, xtitle);
	for (unsigned k = 0; k < ns; k++) {
		int started = 0;
		double ly = SC_T + 8 + 13.0 * k;

		fprintf(fp, "<path class=\"line\" d=\"");
		for (unsigned i = 0; i < nx; i++) {
			if (s[k].y[i] < 0)
				continue;
			fprintf(fp, "%c%.1f %.1f", started ? 'L' : 'M',
				SC_L + pw * (log2(x[i]) - l0) / (l1 - l0),
				SC_H - SC_B - ph * s[k].y[i] / top);
			started = 1;
		}
		fprintf(fp, "\" stroke=\"%s\" stroke-width=\"%s\" fill=\"none\"%s/>\n", s[k].colour,
			s[k].bold ? "2.5" : "1.5", s[k].dashed ? " stroke-dasharray=\"5 3\"" : "");
		for (unsigned i = 0; i < nx; i++) {
			char t[24];

			if (s[k].y[i] < 0)
				continue;
			sc_size_text(t, sizeof(t), x[i], bytes);
			fprintf(fp,
				"<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
				"fill=\"%s\"><title>",
				SC_L + pw * (log2(x[i]) - l0) / (l1 - l0),
				SC_H - SC_B - ph * s[k].y[i] / top, s[k].colour);
			esc(fp, s[k].label);
			fprintf(fp,
				" at %s: %.3f%% (%" PRIu64 " of %" PRIu64 ")</title></circle>\n", t,
				s[k].y[i], s[k].miss[i], s[k].acc[i]);
		}
		/* legend */
		fprintf(fp,
			"<path d=\"M%.0f %.1fh18\" stroke=\"%s\" stroke-width=\"%s\"%s/>"
			"<text x=\"%.0f\" y=\"%.1f\" class=\"small\">",
			SC_L + pw + 12, ly, s[k].colour, s[k].bold ? "2.5" : "1.5",
			s[k].dashed ? " stroke-dasharray=\"5 3\"" : "", SC_L + pw + 34, ly + 3);
		esc(fp, s[k].label);
		fputs("</text>\n", fp);
	}
	fputs("</svg></figure>\n", fp);
}

/* Sums of direction d's stages into out (per model), and whether any stage took intervals. */
static int sc_dir_sum(const struct xpkt_sim_scaling *sc, int d, unsigned n,
		      uint64_t out[XPKT_SIM_SCALE_MODELS][XPKT_SIMM_COUNTERS])
{
	int any = 0;

	memset(out, 0, sizeof(uint64_t) * XPKT_SIM_SCALE_MODELS * XPKT_SIMM_COUNTERS);
	for (unsigned i = 0; i < n && i < XPKT_MAX_STAGES; i++) {
		if (!sc->stage_intervals[d][i])
			continue;
		any = 1;
		for (unsigned m = 0; m < XPKT_SIM_SCALE_MODELS; m++)
			for (unsigned c = 0; c < XPKT_SIMM_COUNTERS; c++)
				out[m][c] += sc->stage[d][i][m][c];
	}
	return any;
}

/* Figures 13-16: one level's miss rate per stage of direction d against its size. */
static void sc_level_figure(FILE *fp, const struct xpkt_results *r, int d, enum sc_kind k)
{
	const struct xpkt_sim_scaling *sc = r->sim_scaling;
	enum xpkt_mode mode = results_mode(r);
	unsigned n, nx, ns = 0, model[SC_MAX];
	const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);
	const char *dn = xpkt_dir_name((enum xpkt_dir)d);
	struct sc_series *s = calloc(XPKT_MAX_STAGES + 2, sizeof(*s));
	uint64_t all[XPKT_SIM_SCALE_MODELS][XPKT_SIMM_COUNTERS];
	double x[SC_MAX];
	char cap[256];

	nx = sc_points(sc, k, 0, model, x);
	if (!s || nx < 2) {
		free(s);
		return;
	}
	for (unsigned i = 0; i < n && i < XPKT_MAX_STAGES; i++) {
		int has = 0;

		if (!sc->stage_intervals[d][i])
			continue;
		for (unsigned j = 0; j < nx; j++) {
			sc_set(&s[ns], j, sc->stage[d][i][model[j]], k);
			has |= s[ns].y[j] >= 0;
		}
		if (!has)
			continue;
		snprintf(s[ns].label, sizeof(s[ns].label), "%s", st[i].name);
		s[ns].colour = sc_palette[ns % SC_NPAL];
		ns++;
	}
	if (sc_dir_sum(sc, d, n, all)) {
		for (unsigned j = 0; j < nx; j++)
			sc_set(&s[ns], j, all[model[j]], k);
		snprintf(s[ns].label, sizeof(s[ns].label), "all %s stages", dn);
		s[ns].colour = "#000";
		s[ns].bold = 1;
		ns++;
	}
	for (unsigned j = 0; j < nx; j++)
		sc_set(&s[ns], j, sc->total[model[j]], k);
	snprintf(s[ns].label, sizeof(s[ns].label), "whole run");
	s[ns].colour = "#888";
	s[ns].dashed = 1;
	ns++;
	snprintf(cap, sizeof(cap), "<b>%s %s miss rate</b> against %s (%s)", dn,
		 k == SC_L2	? "L2"
		 : k == SC_ITLB ? "ITLB"
				: "DTLB",
		 k == SC_L2 ? "L2 size" : "TLB entries",
		 k == SC_L2 ? (d == XPKT_TX ? "seed 001 Figure 13" : "Figure 15")
			    : (d == XPKT_TX ? "Figure 14" : "Figure 16"));
	sc_plot(fp, "scaling", dn, sc_kind_name[k], cap,
		k == SC_L2 ? "L2 size (bytes, log scale)" : "TLB entries (log scale)", x, nx,
		k == SC_L2, s, ns);
	free(s);
}

/*
 * Figure 17: the same TLB sizes with hypervisor entries tagged global
 * (":G", surviving CR3 loads) and without, over direction d's stages.
 */
static void sc_global_figure(FILE *fp, const struct xpkt_results *r, int d)
{
	const struct xpkt_sim_scaling *sc = r->sim_scaling;
	unsigned n, ns = 0;
	const char *dn = xpkt_dir_name((enum xpkt_dir)d);
	struct sc_series s[4];
	uint64_t all[XPKT_SIM_SCALE_MODELS][XPKT_SIMM_COUNTERS];
	double x[SC_MAX];
	unsigned nx = 0;
	char cap[200];

	xpkt_mode_stages(results_mode(r), (enum xpkt_dir)d, &n);
	memset(s, 0, sizeof(s));
	if (!sc_dir_sum(sc, d, n, all))
		return;
	for (int k = SC_ITLB; k <= SC_DTLB; k++) {
		unsigned mp[SC_MAX], mg[SC_MAX], np, ng;
		double xp[SC_MAX], xg[SC_MAX];

		np = sc_points(sc, (enum sc_kind)k, 0, mp, xp);
		ng = sc_points(sc, (enum sc_kind)k, 1, mg, xg);
		/* sizes present both ways; the first TLB kind with any sets the axis */
		if (!nx)
			for (unsigned i = 0; i < np; i++)
				for (unsigned j = 0; j < ng; j++)
					if (xp[i] == xg[j] && nx < SC_MAX)
						x[nx++] = xp[i];
		for (unsigned g = 0; g < 2 && nx; g++) {
			struct sc_series *o = &s[ns];
			int has = 0;

			for (unsigned i = 0; i < nx; i++) {
				unsigned nn = g ? ng : np, j;
				const double *xx = g ? xg : xp;
				const unsigned *mm = g ? mg : mp;

				for (j = 0; j < nn && xx[j] != x[i]; j++)
					;
				if (j == nn) {
					o->y[i] = -1;
					continue;
				}
				sc_set(o, i, all[mm[j]], (enum sc_kind)k);
				has |= o->y[i] >= 0;
			}
			if (!has)
				continue;
			snprintf(o->label, sizeof(o->label), "%s%s", k == SC_ITLB ? "ITLB" : "DTLB",
				 g ? " global hv" : "");
			o->colour = k == SC_ITLB ? "#f28e2b" : "#4e79a7";
			o->dashed = (int)g;
			ns++;
		}
	}
	if (!ns || nx < 1)
		return;
	if (nx == 1) { /* one size: a log axis needs two ends; widen it around the point */
		x[1] = x[0];
		for (unsigned k = 0; k < ns; k++) {
			s[k].y[1] = s[k].y[0];
			s[k].acc[1] = s[k].acc[0];
			s[k].miss[1] = s[k].miss[0];
		}
		x[0] /= 2;
		for (unsigned k = 0; k < ns; k++)
			s[k].y[0] = -1;
		nx = 2;
	}
	snprintf(cap, sizeof(cap),
		 "<b>%s TLB miss rate, hypervisor entries global or not</b> (all %s stages; seed "
		 "001 Figure 17)",
		 dn, dn);
	sc_plot(fp, "scaling-global", dn, "global", cap, "TLB entries (log scale)", x, nx, 0, s,
		ns);
}

static void scaling_section(FILE *fp, const struct xpkt_results *r)
{
	const struct xpkt_sim_scaling *sc = r->sim_scaling;
	enum xpkt_mode mode = results_mode(r);

	if (!sc)
		return;
	fprintf(fp,
		"<h2 id=\"scaling\">Cache and TLB scaling (simulated)</h2>\n<p class=\"note\">"
		"%u cache/TLB models simulated side by side on the same instructions by the "
		"pmu-sim QEMU plugin (seed 001 section 4.2). Each record interval of a physical "
		"CPU goes to the stage that took it (or none); a stage's miss rate is its misses "
		"over its accesses of that level, in those intervals. Sizes on a log2 axis. "
		"Hover a point for the counts. %" PRIu64 " record intervals, %" PRIu64
		" taken by stages, %" PRIu64 " without counters of every model, %" PRIu64
		" given to no stage early for lack of room (a stage's share of those is "
		"missing here).</p>\n",
		sc->nmodels, sc->intervals, sc->intervals_owned, sc->intervals_unknown,
		r->sim_ivals_forced);
	fputs("<table class=\"scmodels\"><tr><th>model</th><th class=\"l\">L1I</th>"
	      "<th class=\"l\">L1D</th><th class=\"l\">L2</th><th class=\"l\">ITLB</th>"
	      "<th class=\"l\">DTLB</th></tr>\n",
	      fp);
	for (unsigned m = 0; m < sc->nmodels && m < XPKT_SIM_SCALE_MODELS; m++) {
		const struct xpkt_sim_scale_model *md = &sc->model[m];
		const char *g[5] = {md->l1i, md->l1d, md->l2, md->itlb, md->dtlb};

		fprintf(fp, "<tr><td>%u</td>", m);
		for (int i = 0; i < 5; i++) {
			fputs("<td class=\"l\">", fp);
			esc(fp, g[i]);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;

		xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);
		fprintf(fp, "<h3>%s</h3>\n<div class=\"hists\">\n",
			dir_heading(mode, (enum xpkt_dir)d));
		for (int k = SC_L2; k <= SC_DTLB; k++)
			sc_level_figure(fp, r, d, (enum sc_kind)k);
		sc_global_figure(fp, r, d);
		fputs("</div>\n", fp);
	}
}

static void reason_rows(FILE *fp, const char *what, const struct xpkt_reason_count *l, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		fprintf(fp, "<tr><td class=\"l\">%s</td><td class=\"l\">", what);
		esc(fp, l[i].reason);
		fprintf(fp, "</td><td>%" PRIu64 "</td></tr>\n", l[i].count);
	}
}

static void packets_section(FILE *fp, const struct xpkt_results *r)
{
	const struct xpkt_packet_counts *p = &r->packets;

	fprintf(fp,
		"<h2 id=\"packets\">Packets</h2>\n<p>%" PRIu64 " total, %" PRIu64
		" complete, %" PRIu64 " partial, %" PRIu64 " dropped, %" PRIu64
		" merged by GRO.</p>\n",
		p->total, p->complete, p->partial, p->dropped, p->merged);
	if (p->npartial_reasons || p->ndrop_reasons) {
		fputs("<table class=\"reasons\"><tr><th class=\"l\">outcome</th><th "
		      "class=\"l\">reason</th><th>packets</th></tr>\n",
		      fp);
		reason_rows(fp, "partial", p->partial_reasons, p->npartial_reasons);
		reason_rows(fp, "dropped", p->drop_reasons, p->ndrop_reasons);
		fputs("</table>\n", fp);
	}
}

static void footer(FILE *fp, const struct xpkt_html_input *in)
{
	const struct xpkt_results *r = in->r;
	const struct xpkt_manifest *m = in->m;
	uint64_t lost = 0;

	fputs("<footer>\n<h2 id=\"sources\">Sources and lost events</h2>\n<table "
	      "class=\"lost\"><tr><th class=\"l\">source</th><th class=\"l\">domain</th>"
	      "<th class=\"l\">format</th><th>events read</th><th>lost</th></tr>\n",
	      fp);
	for (unsigned i = 0; i < m->nsources; i++) {
		const struct xpkt_source *s = &m->sources[i];
		uint64_t l = i < r->nlost ? r->lost[i].events : 0;

		lost += l;
		fputs("<tr><td class=\"l\">", fp);
		esc(fp, s->name);
		fprintf(fp, "</td><td class=\"l\">%s</td><td class=\"l\">",
			xpkt_domain_name(s->domain));
		esc(fp, s->format);
		fprintf(fp, "</td><td>%" PRIu64 "</td><td>%s%" PRIu64 "%s</td></tr>\n",
			r->source_events[i], l ? "<b>" : "", l, l ? "</b>" : "");
	}
	fputs("</table>\n", fp);
	if (lost)
		fprintf(fp,
			"<p><b>%" PRIu64 " events lost: the stages of the sources that lost "
			"them are undercounted.</b></p>\n",
			lost);
	fputs("<h2 id=\"clocks\">Clock alignment</h2>\n<p class=\"note\">Every source on the "
	      "host TSC clock (ns). Causal check: the smallest gap from an event of the source "
	      "to the next stage of the same packet in another source; negative means the "
	      "alignment is wrong by at least that much.</p>\n<table class=\"clocks\"><tr><th "
	      "class=\"l\">source</th><th class=\"l\">clock</th><th>offset</th><th "
	      "class=\"l\">from</th><th>min causal gap</th><th>inversions</th><th "
	      "class=\"l\">check</th></tr>\n",
	      fp);
	for (unsigned i = 0; i < r->nclocks; i++) {
		const struct xpkt_clock_alignment *c = &r->clocks[i];
		int checked = c->min_causal_gap_ns != INT64_MAX;

		fputs("<tr><td class=\"l\">", fp);
		esc(fp, c->source);
		fputs("</td><td class=\"l\">", fp);
		esc(fp, c->clock);
		fprintf(fp, "</td><td>%" PRId64 "</td><td class=\"l\">", c->offset);
		esc(fp, c->offset_from[0] ? c->offset_from : "-");
		fprintf(fp, "</td><td>%s</td><td>%" PRIu64 "</td><td class=\"l\">%s</td></tr>\n",
			checked ? ns_str((double)c->min_causal_gap_ns) : "-", c->inversions,
			!checked		   ? "not checked"
			: c->min_causal_gap_ns < 0 ? "<b>WRONG</b>"
						   : "ok");
	}
	fputs("</table>\n<p class=\"note\">Written by xpkttrace report --html; self-contained "
	      "(no external resources).</p>\n</footer>\n",
	      fp);
}

int xpkt_report_html(FILE *fp, const struct xpkt_html_input *in)
{
	header(fp, in);
	flow_section(fp, in->r);
	hist_section(fp, in->r);
	waterfall_section(fp, in);
	diag_section(fp, in->diag);
	hotspot_section(fp, in->r);
	pmu_section(fp, in->r);
	scaling_section(fp, in->r);
	packets_section(fp, in->r);
	footer(fp, in);
	fputs(tail_script, fp);
	fputs("</body>\n</html>\n", fp);
	return ferror(fp) ? -1 : 0;
}
