// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-annotate.c - `xpkttrace annotate`: correlate a bundle whose pmu-sim
 * stream has per-block counts (annotate=1, docs/pmu-sim.md), name the
 * blocks with each domain's symbols (sym/annotate.h) and print the
 * seed's Figure 4 table per stage (viz/annotate.h), or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "correlator/correlate.h"
#include "sym/annotate.h"
#include "viz/annotate.h"
#include "viz/report_text.h"

static const char annotate_usage[] =
    "\n usage: xpkttrace annotate [--json] [--top N] [--stage [dir:]NAME|none] [-o FILE] BUNDLE\n\n"
    "    -j, --json                 print JSON (every function unless --top)\n"
    "    -n, --top <n>              functions per stage (text default 10; 0 = all)\n"
    "        --stage <[dir:]name>   only this stage; \"none\": what no stage took\n"
    "    -o, --output <file>        write to FILE (atomically) instead of stdout\n"
    "    -q, --quiet                no progress on stderr\n"
    "    -h, --help                 this help\n\n"
    " Needs a bundle whose pmu-sim source was recorded with annotate=1 (the\n"
    " testbed: XPKT_TESTBED_PMU_SIM=1 XPKT_TESTBED_PMU_ANNOTATE=1). Every\n"
    " translation block's simulated counts are attributed to the stage that took\n"
    " their record interval, as `report` attributes the simulated deltas, and to\n"
    " the domain whose code it is (Xen's address range, else the domain the\n"
    " scheduler records put on that CPU), then named from BUNDLE/DOMAIN.kallsyms\n"
    " (xen.kallsyms: Xen's System.map). Per stage it prints the functions with the\n"
    " most instructions and their L1I, L1D, L2, ITLB and DTLB hits and misses\n"
    " (model instance 0), and a total equal to the stage's simulated delta sum.\n"
    " The counts are simulated: no hardware counter is read.\n\n";

struct rendering {
	struct xpkt_annotate_view v;
	int json;
};

static int render(FILE *fp, const void *arg)
{
	const struct rendering *w = arg;

	return w->json ? xpkt_annotate_json(fp, &w->v) : xpkt_annotate_text(fp, &w->v);
}

int cmd_annotate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"top", required_argument, NULL, 'n'},
	    {"stage", required_argument, NULL, 'S'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xpkt_correlate_opts copts = {0};
	struct xpkt_manifest *m = NULL;
	struct xpkt_results *r = NULL;
	struct xpkt_symtab *tabs[XPKT_DOM_COUNT] = {NULL};
	struct xpkt_func_row *rows = NULL;
	struct rendering w = {.v = {.stage_dir = -1}};
	struct xpkt_err err = {{0}};
	const char *out = NULL, *stage = NULL, *bundle;
	int c, quiet = 0, top_set = 0, rc = 1;
	char *end;
	long top = 10;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jn:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			w.json = 1;
			break;
		case 'n':
			errno = 0;
			top = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || top < 0 || top > 1000000)
				return usage_error("annotate", "--top %s: expected 0..1000000",
						   optarg);
			top_set = 1;
			break;
		case 'S':
			stage = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(annotate_usage, stdout);
			return 0;
		default:
			return usage_error("annotate", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("annotate",
				   optind == argc ? "missing BUNDLE" : "one BUNDLE expected");
	bundle = argv[optind];
	w.v.bundle = bundle;
	w.v.top = w.json && !top_set ? 0 : (unsigned)top;

	m = calloc(1, sizeof(*m));
	r = calloc(1, sizeof(*r));
	if (!m || !r) {
		rc = die("annotate: out of memory");
		goto done;
	}
	/* --stage names a row of the bundle's mode: checked before a long correlation */
	if (stage && strcmp(stage, "none")) {
		if (xpkt_manifest_read(bundle, m, &err)) {
			rc = die("%s", err.msg);
			goto done;
		}
		if (xpkt_report_text_stage(xpkt_mode_parse(m->mode) ? xpkt_mode_parse(m->mode)
								    : XPKT_MODE_XEN,
					   stage, &w.v.stage, &w.v.stage_dir, &err)) {
			rc = usage_error("annotate", "%s", err.msg);
			goto done;
		}
	} else {
		w.v.stage = stage;
	}
	if (cli_correlate(bundle, &copts, quiet, 0, m, r))
		goto done; /* rc is 1: the message is out */
	if (!r->sim_annot) {
		rc = die("%s: no per-block simulated counts (a pmu-sim stream recorded with "
			 "annotate=1)%s",
			 bundle, r->sim_known ? "" : "; the bundle has no pmu-sim source at all");
		goto done;
	}
	if (cli_symtabs_load(bundle, tabs))
		goto done;
	if (xpkt_annotate_functions(r->sim_annot, tabs, &rows, &w.v.nrows, &err)) {
		rc = die("%s", err.msg);
		goto done;
	}
	w.v.r = r;
	w.v.rows = rows;
	rc = cli_write(out, render, &w);
done:
	free(rows);
	cli_symtabs_free(tabs);
	if (r)
		xpkt_results_free(r);
	free(r);
	free(m);
	return rc;
}
