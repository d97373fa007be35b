// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-diagnose.c - `xpkttrace diagnose`: correlate a bundle as `report` does,
 * run the diagnosis rules over the results (diag/) and print the findings
 * as text (viz/diagnose_text.c) or JSON (viz/diagnose_json.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "correlator/correlate.h"
#include "diag/diag.h"
#include "viz/diagnose.h"

static const char diagnose_usage[] =
    "\n usage: xpkttrace diagnose [--json] [-o FILE] BUNDLE\n\n"
    "    -j, --json                 print the diagnosis as JSON\n"
    "    -o, --output <file>        write to FILE (atomically) instead of stdout\n"
    "    -q, --quiet                no progress on stderr\n"
    "    -h, --help                 this help\n\n"
    " Correlates BUNDLE (as `report` does) and evaluates the diagnosis rules over\n"
    " the results: rx_truesize_collapse (the tcp_adv_win_scale class of receive\n"
    " collapse), notify_batching, grant_copy_vs_map, sched_wait,\n"
    " tlb_flush_per_batch, drops, lost_events. Each finding has an id, a severity\n"
    " (info, warning, critical), its evidence numbers, an explanation and a\n"
    " suggested action; rules that did not fire are listed as passed with their\n"
    " evidence, and rules whose facts the bundle lacks as not evaluated, with the\n"
    " reason. Lost events in any source weaken every finding. Exit 0 when the\n"
    " diagnosis was made, whatever it found.\n\n";

/* What the renderers print: the diagnosis, and the bundle it is of. */
struct rendering {
	const char *bundle;
	const struct xpkt_diagnosis *d;
};

static int render_json(FILE *fp, const void *arg)
{
	const struct rendering *w = arg;

	return xpkt_diagnose_json(fp, w->bundle, w->d);
}

static int render_text(FILE *fp, const void *arg)
{
	const struct rendering *w = arg;

	return xpkt_diagnose_text(fp, w->bundle, w->d);
}

int cmd_diagnose(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xpkt_correlate_opts copts = {0};
	struct xpkt_manifest *m = NULL;
	struct xpkt_results *r = NULL;
	struct xpkt_diagnosis *d = NULL;
	const char *out = NULL, *bundle;
	int c, json = 0, quiet = 0, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jo:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(diagnose_usage, stdout);
			return 0;
		default:
			return usage_error("diagnose", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("diagnose",
				   optind == argc ? "missing BUNDLE" : "one BUNDLE expected");
	bundle = argv[optind];

	m = calloc(1, sizeof(*m));
	r = calloc(1, sizeof(*r));
	d = calloc(1, sizeof(*d));
	if (!m || !r || !d) {
		rc = die("diagnose: out of memory");
		goto done;
	}
	if (cli_correlate(bundle, &copts, quiet, 0, m, r))
		goto done; /* rc is 1: the message is out */
	xpkt_diagnose(r, m, d);
	rc = cli_write(out, json ? render_json : render_text,
		       &(struct rendering){.bundle = bundle, .d = d});
done:
	if (r)
		xpkt_results_free(r);
	free(d);
	free(r);
	free(m);
	return rc;
}
