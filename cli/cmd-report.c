// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-report.c - `xpkttrace report`: correlate a bundle and print the
 * terminal report (viz/report_text.c) or JSON (viz/report_json.c).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "correlator/correlate.h"
#include "lib/afile.h"
#include "viz/report_json.h"
#include "viz/report_text.h"

static const char report_usage[] =
    "\n usage: xpkttrace report [--json] [-o FILE] [--idle-timeout=SECONDS] BUNDLE\n\n"
    "    -j, --json                 print results as JSON (the schema of truth.json)\n"
    "    -o, --output <file>        write to FILE (atomically) instead of stdout\n"
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

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"output", required_argument, NULL, 'o'},
	    {"idle-timeout", required_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xpkt_correlate_opts copts = {0};
	struct xpkt_manifest *m = NULL;
	struct xpkt_results *r = NULL;
	struct xpkt_err err = {{0}};
	const char *out = NULL, *bundle;
	struct afile af;
	FILE *fp = stdout;
	int c, json = 0, quiet = 0, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jo:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'o':
			out = optarg;
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

	m = calloc(1, sizeof(*m));
	r = calloc(1, sizeof(*r));
	if (!m || !r) {
		rc = die("report: out of memory");
		goto done;
	}
	if (cli_correlate(bundle, &copts, quiet, 0, m, r))
		goto done; /* rc is 1: the message is out */
	if (out) {
		if (afile_open(&af, out, &err)) {
			rc = die("%s", err.msg);
			goto done;
		}
		fp = af.fp;
	}
	if (json ? xpkt_report_json(fp, r, m) : xpkt_report_text(fp, bundle, r, m)) {
		if (out)
			afile_abort(&af);
		rc = die("%s: write failed", out ? out : "stdout");
		goto done;
	}
	if (out ? afile_commit(&af, &err) : fflush(stdout)) {
		rc = out ? die("%s", err.msg) : die("stdout: write failed: %s", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (r)
		xpkt_results_free(r);
	free(r);
	free(m);
	return rc;
}
