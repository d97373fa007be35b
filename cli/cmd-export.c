// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-export.c - `xpkttrace export (--csv|--jsonl|--perfetto) FILE BUNDLE`:
 * correlate a bundle and write one record per packet (viz/export_rows.c)
 * or a Perfetto / chrome://tracing timeline (viz/export_perfetto.c).
 * Columns and events: docs/export.md.
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
#include "viz/export_perfetto.h"
#include "viz/export_rows.h"

#define DEFAULT_PERFETTO_PACKETS 20000

static const char export_usage[] =
    "\n usage: xpkttrace export (--csv|--jsonl|--perfetto) [options] FILE BUNDLE\n\n"
    "    --csv                      one row per packet, comma-separated, with a header\n"
    "    --jsonl                    one JSON object per packet and line (same columns)\n"
    "    --perfetto                 Chrome trace-event JSON for ui.perfetto.dev and\n"
    "                               chrome://tracing: a slice per stage, flow arrows\n"
    "    -n, --max-packets <n>      export the first N packets to end (default: all\n"
    "                               for --csv/--jsonl, 20000 for --perfetto; 0: all)\n"
    "    -t, --idle-timeout <secs>  end a packet nothing attached to for this long,\n"
    "                               in trace time (default 10)\n"
    "    -q, --quiet                no progress on stderr\n"
    "    -h, --help                 this help\n\n"
    " Correlates BUNDLE as `report` does and writes FILE atomically. A row holds\n"
    " the packet's id, direction, flow, first seq, status (complete, partial,\n"
    " dropped, merged) with its reason, and per stage of both directions its\n"
    " time (host ns) and its latency from the packet's previous attached stage.\n"
    " Rows come in the order packets ended. Column list: docs/export.md.\n\n";

enum fmt { FMT_NONE, FMT_CSV, FMT_JSONL, FMT_PERFETTO };

struct sink {
	enum fmt fmt;
	FILE *fp;
	const struct xpkt_manifest *m;
	unsigned mode;
	uint64_t max, seen, written;
	int header_done, failed;
	struct xpkt_perfetto *pf;
};

static enum xpkt_rows_format rows_fmt(const struct sink *k)
{
	return k->fmt == FMT_CSV ? XPKT_ROWS_CSV : XPKT_ROWS_JSONL;
}

/* The manifest is read by the time the first packet ends: the header needs its mode. */
static void header(struct sink *k)
{
	if (k->header_done)
		return;
	k->header_done = 1;
	k->mode = xpkt_mode_parse(k->m->mode);
	if (k->fmt != FMT_PERFETTO && xpkt_export_rows_header(k->fp, rows_fmt(k), k->mode))
		k->failed = 1;
}

static void on_packet(const struct xpkt_packet_rec *r, void *arg)
{
	struct sink *k = arg;

	k->seen++;
	if (k->failed || (k->max && k->written >= k->max))
		return;
	header(k);
	if (k->fmt == FMT_PERFETTO) {
		if (xpkt_perfetto_add(k->pf, r))
			k->failed = 2;
	} else if (xpkt_export_rows_packet(k->fp, rows_fmt(k), k->mode, r)) {
		k->failed = 1;
	}
	k->written++;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"csv", no_argument, NULL, 'C'},
	    {"jsonl", no_argument, NULL, 'J'},
	    {"perfetto", no_argument, NULL, 'P'},
	    {"max-packets", required_argument, NULL, 'n'},
	    {"idle-timeout", required_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xpkt_correlate_opts copts = {0};
	struct xpkt_manifest *m = NULL;
	struct xpkt_results *r = NULL;
	struct xpkt_err err = {{0}};
	struct sink k = {0};
	const char *out, *bundle;
	struct afile af;
	int c, quiet = 0, rc = 1, have_max = 0, open = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
		case 'J':
		case 'P': {
			enum fmt f = c == 'C' ? FMT_CSV : c == 'J' ? FMT_JSONL : FMT_PERFETTO;

			if (k.fmt && k.fmt != f)
				return usage_error("export", "one of --csv, --jsonl, --perfetto");
			k.fmt = f;
			break;
		}
		case 'n': {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return usage_error("export", "bad --max-packets '%s'", optarg);
			k.max = v;
			have_max = 1;
			break;
		}
		case 't':
			if (cli_idle_timeout("export", optarg, &copts.idle_timeout_ns))
				return 2;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			return usage_error("export", "unknown option");
		}
	}
	if (!k.fmt)
		return usage_error("export", "one of --csv, --jsonl, --perfetto is needed");
	if (optind + 2 != argc)
		return usage_error("export", optind == argc ? "missing FILE and BUNDLE"
					     : optind + 1 == argc
						 ? "missing BUNDLE"
						 : "one FILE and one BUNDLE expected");
	out = argv[optind];
	bundle = argv[optind + 1];
	/* A timeline of every packet of a long run is too big for the viewers. */
	if (!have_max && k.fmt == FMT_PERFETTO)
		k.max = DEFAULT_PERFETTO_PACKETS;

	m = calloc(1, sizeof(*m));
	r = calloc(1, sizeof(*r));
	if (!m || !r || (k.fmt == FMT_PERFETTO && !(k.pf = xpkt_perfetto_new()))) {
		rc = die("export: out of memory");
		goto done;
	}
	/* Opened first: an unwritable FILE fails before a long correlation. */
	if (afile_open(&af, out, &err)) {
		rc = die("%s", err.msg);
		goto done;
	}
	open = 1;
	k.fp = af.fp;
	k.m = m;
	copts.packet_sink = on_packet;
	copts.packet_sink_arg = &k;
	if (cli_correlate(bundle, &copts, quiet, 0, m, r))
		goto done; /* rc is 1: the message is out */
	header(&k);
	if (k.failed == 2) {
		rc =
		    die("export: out of memory (%llu packets kept)", (unsigned long long)k.written);
		goto done;
	}
	if (!k.failed && k.fmt == FMT_PERFETTO && xpkt_perfetto_write(k.pf, k.fp, m))
		k.failed = 1;
	if (k.failed) {
		rc = die("%s: write failed: %s", out, strerror(errno));
		goto done;
	}
	open = 0;
	if (afile_commit(&af, &err)) {
		rc = die("%s", err.msg);
		goto done;
	}
	if (k.max && k.seen > k.max)
		fprintf(stderr,
			"xpkttrace: export: wrote the first %llu of %llu packets (--max-packets)\n",
			(unsigned long long)k.written, (unsigned long long)k.seen);
	rc = 0;
done:
	if (open)
		afile_abort(&af);
	xpkt_perfetto_free(k.pf);
	if (r)
		xpkt_results_free(r);
	free(r);
	free(m);
	return rc;
}
