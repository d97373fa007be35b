// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-compare.c - `xpkttrace compare`: correlate two bundles exactly as
 * `report` does and print what changed from run A to run B
 * (viz/compare.c, printed by viz/compare_text.c or viz/compare_json.c).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "correlator/correlate.h"
#include "viz/compare.h"
#include "viz/compare_json.h"
#include "viz/compare_text.h"

static const char compare_usage[] =
    "\n usage: xpkttrace compare [--json] [-o FILE] [--idle-timeout=SECONDS] BUNDLE_A "
    "BUNDLE_B\n\n"
    "    -j, --json                 print the comparison as JSON\n"
    "    -o, --output <file>        write to FILE (atomically) instead of stdout\n"
    "    -t, --idle-timeout <secs>  end a packet nothing attached to for this long,\n"
    "                               in trace time (default 10), in both runs\n"
    "    -q, --quiet                no progress on stderr\n"
    "    -h, --help                 this help\n\n"
    " Correlates both bundles as 'xpkttrace report' does (they must be of the same\n"
    " mode) and prints, run A against run B: packet totals (complete, partial,\n"
    " dropped, merged), per stage the count, mean, p50, p90, p99 and unattributed\n"
    " events of each run with the change B/A under them (\"-43 %\", \"+12 %\",\n"
    " \"x2.31\"), events lost per source, and the stages whose p50 or mean moved\n"
    " most. A stage only one run has samples of is marked new or gone; \"-\" means\n"
    " no samples, never a measured zero.\n\n";

static int render_json(FILE *fp, const void *c)
{
	return xpkt_compare_json(fp, c);
}

static int render_text(FILE *fp, const void *c)
{
	return xpkt_compare_text(fp, c);
}

int cmd_compare(int argc, char **argv)
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
	struct xpkt_results *ra = NULL, *rb = NULL;
	struct xpkt_compare *cmp = NULL;
	struct xpkt_err err = {{0}};
	const char *out = NULL, *a, *b;
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
			if (cli_idle_timeout("compare", optarg, &copts.idle_timeout_ns))
				return 2;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(compare_usage, stdout);
			return 0;
		default:
			return usage_error("compare", "unknown option");
		}
	}
	if (optind + 2 != argc)
		return usage_error("compare", argc - optind < 2 ? "two BUNDLEs expected, A and B"
								: "only two BUNDLEs, A and B");
	a = argv[optind];
	b = argv[optind + 1];

	/* the manifest is only needed while correlating: one serves both runs */
	m = calloc(1, sizeof(*m));
	ra = calloc(1, sizeof(*ra));
	rb = calloc(1, sizeof(*rb));
	cmp = calloc(1, sizeof(*cmp));
	if (!m || !ra || !rb || !cmp) {
		rc = die("compare: out of memory");
		goto done;
	}
	if (cli_correlate(a, &copts, quiet, 1, m, ra))
		goto done;
	memset(m, 0, sizeof(*m));
	if (cli_correlate(b, &copts, quiet, 1, m, rb))
		goto done;
	if (xpkt_compare_build(cmp, a, ra, b, rb, &err)) {
		rc = die("compare: %s", err.msg);
		goto done;
	}
	rc = cli_write(out, json ? render_json : render_text, cmp);
done:
	if (ra)
		xpkt_results_free(ra);
	if (rb)
		xpkt_results_free(rb);
	free(cmp);
	free(rb);
	free(ra);
	free(m);
	return rc;
}
