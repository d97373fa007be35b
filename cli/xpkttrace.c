// SPDX-License-Identifier: GPL-2.0
/*
 * xpkttrace.c - command dispatch, in the manner of perf.c: a table of
 * { name, function, one-line help }.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
    {"synth", cmd_synth, "Generate a bundle with known per-stage latencies (and truth.json)"},
    {"report", cmd_report, "Correlate a bundle: per-stage latency tables, histograms, losses"},
    {"compare", cmd_compare, "Correlate two bundles and show what changed, stage by stage"},
    {"diagnose", cmd_diagnose, "Correlate a bundle and name known anomalies, with evidence"},
    {"export", cmd_export, "Correlate a bundle: per-packet CSV/JSONL or a Perfetto timeline"},
    {"annotate", cmd_annotate, "Simulated cache/TLB counts per function and stage (pmu-sim)"},
    {"xen-stat", cmd_xen_stat, "Summarize a xentrace file like xenalyze --summary"},
    {"stages", cmd_stages, "Print the stage catalogue (what is measured where)"},
    {"events", cmd_events, "Count each source's decoded events per id and device kind"},
    {"sym", cmd_sym, "Resolve kernel/Xen addresses: name+offset [module] file:line (libbfd)"},
    {"record", cmd_record, "Run a command and record its packets (tracefs, pcap) into a bundle"},
    {"demo", cmd_demo, "Native iperf3 over veth + bridge, recorded and reported; or synth"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int die(const char *fmt, ...)
{
	va_list ap;

	fputs("xpkttrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xpkttrace %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'xpkttrace %s --help'.\n", cmd);
	return 2;
}

static void usage(FILE *fp)
{
	fprintf(fp, "\n usage: xpkttrace [--version] [--help] COMMAND [ARGS]\n\n"
		    " The most commonly used xpkttrace commands are:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(fp, "\n See 'xpkttrace COMMAND --help' for more information on a specific "
		    "command.\n\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("xpkttrace version %s\n", XPKT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xpkttrace: '%s' is not an xpkttrace command. See 'xpkttrace --help'.\n",
		argv[1]);
	return 2;
}
