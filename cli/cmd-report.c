// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-report.c - `xpkttrace report`: correlate a bundle and print the
 * terminal report (viz/report_text.c) or JSON (viz/report_json.c), or write
 * the self-contained HTML page (viz/report_html.c) with representative
 * packets (cli/report_pick.c) and the diagnosis (diag/).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/report_filter.h"
#include "cli/report_pick.h"
#include "correlator/correlate.h"
#include "diag/diag.h"
#include "lib/afile.h"
#include "viz/report_html.h"
#include "viz/report_json.h"
#include "viz/report_text.h"

static const char report_usage[] =
    "\n usage: xpkttrace report [--json | --html FILE] [-o FILE] [--idle-timeout=SECONDS]\n"
    "                         BUNDLE\n\n"
    "    -j, --json                 print results as JSON (the schema of truth.json)\n"
    "        --html <file>          write one self-contained HTML page to FILE\n"
    "                               (atomically): stage flow, histograms, waterfall\n"
    "                               of representative packets, diagnosis (docs/html.md)\n"
    "    -o, --output <file>        write to FILE (atomically) instead of stdout\n"
    "        --color <when>         text in colour: auto (stdout is a terminal and\n"
    "                               NO_COLOR is not set), always, never\n"
    "        --stage <[dir:]name>   text: only this stage's rows and histogram\n"
    "                               (xpkttrace stages lists them)\n"
    "        --flow <spec>          text or JSON: count only the packets of flows\n"
    "                               matching SPEC, a part of SADDR:SPORT-DADDR:DPORT\n"
    "                               in either orientation (10.0.0.1:5201, :40001)\n"
    "    -t, --idle-timeout <secs>  end a packet nothing attached to for this long,\n"
    "                               in trace time (default 10)\n"
    "    -q, --quiet                no progress on stderr\n"
    "    -h, --help                 this help\n\n"
    " Reads every source of BUNDLE, puts their events on the host TSC clock,\n"
    " joins them into packets by the rules of docs/correlation.md and prints per\n"
    " direction each stage's latency (count, mean, p50, p90, p99, max), a\n"
    " histogram per stage, packet totals with partial and drop reasons, events\n"
    " no packet was found for, events lost per source, and the clock alignment\n"
    " used with its causal check.\n\n";

/* What the text and JSON renderers print. */
struct rendering {
	const char *bundle;
	const struct xpkt_results *r;
	const struct xpkt_manifest *m;
	const struct xpkt_text_opts *topts;
};

static int render_json(FILE *fp, const void *arg)
{
	const struct rendering *w = arg;

	return xpkt_report_json(fp, w->r, w->m);
}

static int render_text(FILE *fp, const void *arg)
{
	const struct rendering *w = arg;

	return xpkt_report_text_opts(fp, w->bundle, w->r, w->m, w->topts);
}

/* --html FILE: opened first, so an unwritable FILE fails before correlating twice. */
static int report_html(const char *path, const char *bundle, struct xpkt_correlate_opts *copts,
		       int quiet, struct xpkt_manifest *m, struct xpkt_results *r)
{
	struct xpkt_html_rep(*reps)[XPKT_REP_COUNT] = calloc(XPKT_DIR_COUNT, sizeof(*reps));
	struct xpkt_diagnosis *dg = calloc(1, sizeof(*dg));
	struct xpkt_err err = {{0}};
	struct xpkt_html_input in = {0};
	struct afile af;
	int rc = 1, open = 0;

	if (!reps || !dg) {
		rc = die("report: out of memory");
		goto done;
	}
	if (afile_open(&af, path, &err)) {
		rc = die("%s", err.msg);
		goto done;
	}
	open = 1;
	if (report_pick(bundle, copts, quiet, m, r, reps))
		goto done;
	xpkt_diagnose(r, m, dg);
	in.bundle = bundle;
	in.r = r;
	in.m = m;
	in.diag = dg;
	in.reps = (const struct xpkt_html_rep(*)[XPKT_REP_COUNT])reps;
	if (xpkt_report_html(af.fp, &in)) {
		rc = die("%s: write failed: %s", path, strerror(errno));
		goto done;
	}
	open = 0;
	if (afile_commit(&af, &err)) {
		rc = die("%s", err.msg);
		goto done;
	}
	rc = 0;
done:
	if (open)
		afile_abort(&af);
	free(reps);
	free(dg);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"html", required_argument, NULL, 'H'},
	    {"output", required_argument, NULL, 'o'},
	    {"color", required_argument, NULL, 'C'},
	    {"colour", required_argument, NULL, 'C'},
	    {"stage", required_argument, NULL, 'S'},
	    {"flow", required_argument, NULL, 'F'},
	    {"idle-timeout", required_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xpkt_correlate_opts copts = {0};
	struct xpkt_manifest *m = NULL;
	struct xpkt_results *r = NULL;
	struct xpkt_err err = {{0}};
	const char *out = NULL, *html = NULL, *bundle, *stage = NULL, *flow = NULL, *why;
	struct xpkt_text_opts topts = {.stage_dir = -1};
	struct report_flow *ff = NULL;
	char filter[96];
	int c, json = 0, quiet = 0, rc = 1, colour = -1; /* -1 auto, 0 never, 1 always */

	optind = 1;
	while ((c = getopt_long(argc, argv, "jo:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'H':
			html = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'C':
			if (!strcmp(optarg, "auto"))
				colour = -1;
			else if (!strcmp(optarg, "always"))
				colour = 1;
			else if (!strcmp(optarg, "never"))
				colour = 0;
			else
				return usage_error(
				    "report", "bad --color '%s': auto, always or never", optarg);
			break;
		case 'S':
			stage = optarg;
			break;
		case 'F':
			flow = optarg;
			break;
		case 't':
			if (cli_idle_timeout("report", optarg, &copts.idle_timeout_ns))
				return 2;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			return usage_error("report", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("report",
				   optind == argc ? "missing BUNDLE" : "one BUNDLE expected");
	bundle = argv[optind];
	if (html && json)
		return usage_error("report", "--json and --html are exclusive");
	if (html && out)
		return usage_error("report", "--html names its own FILE; -o is for text or JSON");
	if ((html || json) && (stage || colour != -1))
		return usage_error("report", "--stage and --color are for the text report");
	if (html && flow)
		return usage_error("report", "--flow is for the text and JSON reports");
	if (flow) {
		ff = report_flow_new(flow, &why);
		if (!ff && why)
			return usage_error("report", "bad --flow '%s': %s", flow, why);
		if (!ff)
			return die("report: out of memory");
		copts.packet_sink = report_flow_sink;
		copts.packet_sink_arg = ff;
	}

	m = calloc(1, sizeof(*m));
	r = calloc(1, sizeof(*r));
	if (!m || !r) {
		rc = die("report: out of memory");
		goto done;
	}
	if (html) {
		rc = report_html(html, bundle, &copts, quiet, m, r);
		goto done;
	}
	/* --stage names a row of the bundle's mode: checked before a long correlation */
	if (stage) {
		if (xpkt_manifest_read(bundle, m, &err)) {
			rc = die("%s", err.msg);
			goto done;
		}
		if (xpkt_report_text_stage(xpkt_mode_parse(m->mode) ? xpkt_mode_parse(m->mode)
								    : XPKT_MODE_XEN,
					   stage, &topts.stage, &topts.stage_dir, &err)) {
			rc = usage_error("report", "%s", err.msg);
			goto done;
		}
	}
	if (cli_correlate(bundle, &copts, quiet, 0, m, r))
		goto done; /* rc is 1: the message is out */
	if (ff) {
		uint64_t seen, matched;

		if (report_flow_apply(ff, r)) {
			rc = die("report: out of memory");
			goto done;
		}
		report_flow_counts(ff, &seen, &matched);
		snprintf(filter, sizeof(filter), "flow ~ '%s' (%llu of %llu packets)", flow,
			 (unsigned long long)matched, (unsigned long long)seen);
		topts.filter = filter;
	}
	/* NO_COLOR (no-color.org): set and not empty turns auto off */
	if (colour < 0)
		colour =
		    !out && isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
	topts.colour = colour;
	rc = cli_write(out, json ? render_json : render_text,
		       &(struct rendering){.bundle = bundle, .r = r, .m = m, .topts = &topts});
done:
	report_flow_free(ff);
	if (r)
		xpkt_results_free(r);
	free(r);
	free(m);
	return rc;
}
