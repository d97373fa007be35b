// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-xen-stat.c - "xpkttrace xen-stat": summarize a xentrace file the way
 * xenalyze --summary does for the classes xpkttrace uses (log volume per
 * physical CPU and class, runstates and hypercalls per vCPU, lost records).
 * Options only; the counting is decode/xenstat.c.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "decode/xenstat.h"

static void help(void)
{
	printf("\n usage: xpkttrace xen-stat [--json] [--cpu-hz=HZ] FILE\n\n"
	       "    Summarize a Xen 4.17 xentrace file like 'xenalyze --summary':\n"
	       "    log volume per physical CPU and trace class (records, bytes),\n"
	       "    runstate times and hypercall counts per domain and vCPU, lost records.\n\n"
	       "    -j, --json            print JSON instead of text\n"
	       "        --cpu-hz <HZ>     TSC frequency for seconds, e.g. 2.4G (default 2.4G)\n"
	       "    -h, --help            show this help\n\n");
}

/* "2.4G", "2400M", "2400000000" -> Hz; -1 if malformed. */
static double parse_hz(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -1;
	switch (*end) {
	case 'G':
	case 'g':
		v *= 1e9;
		end++;
		break;
	case 'M':
	case 'm':
		v *= 1e6;
		end++;
		break;
	case 'K':
	case 'k':
		v *= 1e3;
		end++;
		break;
	}
	return *end ? -1 : v;
}

static void print_text(const char *path, const struct xenstat *st, double hz)
{
	char buf[32];

	printf("%s: %llu records, %u physical CPUs\n", path, (unsigned long long)st->records,
	       st->ncpus);
	printf("Total time: %.2f seconds (using cpu speed %.2f GHz)\n",
	       (double)(st->last_tsc - st->first_tsc) / hz, hz / 1e9);
	printf("--- Log volume summary ---\n");
	for (unsigned c = 0; c < st->ncpus; c++) {
		printf(" - cpu %u -\n", c);
		for (unsigned k = 0; k < XENSTAT_NCLASSES; k++)
			if (st->pcpus[c].cls[k].bytes)
				printf(" %-6s: %10llu  (%llu records)\n", xenstat_class_name(k),
				       (unsigned long long)st->pcpus[c].cls[k].bytes,
				       (unsigned long long)st->pcpus[c].cls[k].records);
	}
	for (unsigned i = 0; i < st->nvcpus; i++) {
		const struct xenstat_vcpu *v = &st->vcpus[i];
		uint64_t total = 0;

		if (i == 0 || st->vcpus[i - 1].domid != v->domid)
			printf("|-- Domain %u --|\n", v->domid);
		printf("-- v%u --\n Runstates:\n", v->vcpu);
		for (unsigned s = 0; s < XT_RS_MAX; s++)
			if (v->rs_count[s])
				printf(" %9s: %7llu %5.2fs\n", xt_runstate_name(s),
				       (unsigned long long)v->rs_count[s],
				       (double)v->rs_cycles[s] / hz);
		for (unsigned h = 0; h < XENSTAT_NHYPERCALLS; h++)
			total += v->hypercalls[h];
		if (!total)
			continue;
		printf("PV events:\n  hypercall  %llu\n", (unsigned long long)total);
		for (unsigned h = 0; h < XENSTAT_NHYPERCALLS; h++)
			if (v->hypercalls[h])
				printf("    %-29s[%2u]: %6llu\n",
				       xenstat_hypercall_name(h, buf, sizeof(buf)), h,
				       (unsigned long long)v->hypercalls[h]);
	}
	printf("Lost records: %llu (in %llu TRC_LOST_RECORDS records)\n",
	       (unsigned long long)st->lost_records, (unsigned long long)st->lost_markers);
}

static json_t *build_json(const struct xenstat *st)
{
	json_t *root = json_object(), *pcpus = json_array(), *doms = json_array();
	json_t *dom = NULL, *vcpus = NULL;
	char buf[32];

	for (unsigned c = 0; c < st->ncpus; c++) {
		json_t *p = json_object(), *cls = json_object();

		json_object_set_new(p, "cpu", json_integer(c));
		for (unsigned k = 0; k < XENSTAT_NCLASSES; k++) {
			const struct xenstat_volume *v = &st->pcpus[c].cls[k];

			if (!v->records)
				continue;
			json_object_set_new(cls, xenstat_class_name(k),
					    json_pack("{s:I,s:I}", "records",
						      (json_int_t)v->records, "bytes",
						      (json_int_t)v->bytes));
		}
		json_object_set_new(p, "classes", cls);
		json_array_append_new(pcpus, p);
	}
	for (unsigned i = 0; i < st->nvcpus; i++) {
		const struct xenstat_vcpu *v = &st->vcpus[i];
		json_t *jv = json_object(), *hc = json_object(), *rs = json_object();

		if (i == 0 || st->vcpus[i - 1].domid != v->domid) {
			dom = json_object();
			vcpus = json_array();
			json_object_set_new(dom, "domid", json_integer(v->domid));
			json_object_set_new(dom, "vcpus", vcpus);
			json_array_append_new(doms, dom);
		}
		json_object_set_new(jv, "vcpu", json_integer(v->vcpu));
		for (unsigned h = 0; h < XENSTAT_NHYPERCALLS; h++)
			if (v->hypercalls[h])
				json_object_set_new(hc, xenstat_hypercall_name(h, buf, sizeof(buf)),
						    json_integer((json_int_t)v->hypercalls[h]));
		for (unsigned s = 0; s < XT_RS_MAX; s++)
			if (v->rs_count[s])
				json_object_set_new(rs, xt_runstate_name(s),
						    json_pack("{s:I,s:I}", "count",
							      (json_int_t)v->rs_count[s], "cycles",
							      (json_int_t)v->rs_cycles[s]));
		json_object_set_new(jv, "hypercalls", hc);
		json_object_set_new(jv, "runstates", rs);
		json_array_append_new(vcpus, jv);
	}
	json_object_set_new(root, "pcpus", pcpus);
	json_object_set_new(root, "domains", doms);
	json_object_set_new(root, "lost_records", json_integer((json_int_t)st->lost_records));
	return root;
}

int cmd_xen_stat(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"cpu-hz", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xenstat st;
	struct xpkt_err err;
	double hz = 2.4e9;
	int json = 0, c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'c':
			hz = parse_hz(optarg);
			if (hz <= 0)
				return usage_error("xen-stat", "bad --cpu-hz '%s'", optarg);
			break;
		case 'h':
			help();
			return 0;
		default:
			if (optopt)
				return usage_error("xen-stat", "unknown option '-%c'", optopt);
			return usage_error("xen-stat", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("xen-stat", "expected one FILE");
	if (xenstat_file(argv[optind], &st, &err))
		return die("%s", err.msg);
	if (json) {
		json_t *root = build_json(&st);
		int rc = json_dumpf(root, stdout, JSON_INDENT(2)) ? 1 : 0;

		fputc('\n', stdout);
		json_decref(root);
		xenstat_free(&st);
		return rc;
	}
	print_text(argv[optind], &st, hz);
	xenstat_free(&st);
	return 0;
}
