// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-stages.c - `xpkttrace stages`: print the stage catalogue, the table the
 * correlator, the generator and every renderer are driven by.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "tracepoints/stage.h"

static const char stages_usage[] =
    "\n usage: xpkttrace stages [--long]\n\n"
    "    -l, --long    also print each stage's hook and the keys its event carries\n\n"
    " Prints the stage catalogue: per direction, in the order a packet passes them,\n"
    " each stage's domain, event, how its packet is found (join) and whether a\n"
    " packet without it is partial (req).\n\n";

/* Indexed by enum xpkt_join. */
static const char *const join_names[] = {"origin",    "key",	    "slot-range", "seq-in",
					 "switch-in", "unmap-call", "flow-bytes"};

int cmd_stages(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"mode", required_argument, NULL, 'm'},
	    {"long", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned modes = XPKT_MODE_XEN | XPKT_MODE_NATIVE;
	int c, lng = 0, printed = 0;

	while ((c = getopt_long(argc, argv, "m:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			modes = xpkt_mode_parse(optarg);
			if (!modes)
				return usage_error("stages", "unknown mode '%s'", optarg);
			break;
		case 'l':
			lng = 1;
			break;
		case 'h':
			fputs(stages_usage, stdout);
			return 0;
		default:
			return usage_error("stages", "unknown option");
		}
	}
	if (optind != argc)
		return usage_error("stages", "unexpected argument '%s'", argv[optind]);

	static const struct {
		enum xpkt_mode mode;
		enum xpkt_dir dir;
		const char *title;
	} sections[] = {
	    {XPKT_MODE_XEN, XPKT_TX, "Xen, TX (guest sends)"},
	    {XPKT_MODE_XEN, XPKT_RX, "Xen, RX (guest receives)"},
	    {XPKT_MODE_NATIVE, XPKT_TX, "Native Linux, client -> server (veth + bridge)"},
	};

	for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
		unsigned n;
		const struct xpkt_stage *s;

		if (!(modes & sections[k].mode))
			continue;
		s = xpkt_mode_stages(sections[k].mode, sections[k].dir, &n);
		printf("%s%s\n", printed++ ? "\n" : "", sections[k].title);
		printf(" %-2s %-16s %-6s %-32s %-11s %-9s %s\n", "#", "stage", "domain", "event",
		       "join", "key", "req");
		for (unsigned i = 0; i < n; i++) {
			const struct xpkt_stage *r = &s[i];
			char ev[64];

			snprintf(ev, sizeof(ev), "%s%s%s", xpkt_event_name(r->event),
				 r->dev_kind ? "@" : "",
				 r->dev_kind ? xpkt_dev_kind_name((enum xpkt_dev_kind)r->dev_kind)
					     : "");
			printf(" %-2u %-16s %-6s %-32s %-11s %-9s %s\n", i + 1, r->name,
			       xpkt_domain_name(r->domain), ev, join_names[r->join],
			       r->key_from >= 0 ? xpkt_key_name(r->key) : "-",
			       r->flags & XPKT_STAGE_REQUIRED ? "yes" : "no");
			if (lng)
				printf("    hook: %s\n    keys: %s\n", r->hook, r->keys);
		}
	}
	return 0;
}
