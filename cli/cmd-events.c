// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-events.c - `xpkttrace events`: how many events of each id (and device
 * kind) every source of a bundle decodes to, and what it lost.
 *
 * The question before any correlation: did the recording get the events the
 * stages need (the netback patch's tx_copy, a NIC's dev_xmit...)? `report`
 * answers per stage after joining, which hides an event that is present but
 * never joined. This decodes each source alone, through the same decoders
 * (decode/stream.h), and counts.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/manifest.h"
#include "cli/cmd.h"
#include "decode/stream.h"
#include "tracepoints/event.h"

#define NKINDS 8 /* enum xpkt_dev_kind values and room to spare */

static const char events_usage[] =
    "\n usage: xpkttrace events [--json] [--dump [--source NAME]] BUNDLE\n\n"
    "    -j, --json           print {\"sources\": [{\"name\", \"events\": {ID[@KIND]: N}, ...}]}\n"
    "    -d, --dump           print every decoded event, one per line (like perf script)\n"
    "    -s, --source <name>  only this source (with --dump)\n"
    "    -h, --help           this help\n\n"
    " Decodes every source of BUNDLE on its own and prints per source the number\n"
    " of events of each id (ID@KIND where the event names a device of a known\n"
    " kind: nic, vif, bridge...), the total and the events lost. --dump prints\n"
    " the events themselves instead, in the source's order and clock (not yet\n"
    " on the host timebase): source, cpu, ts, ID[@KIND] and the fields the\n"
    " event carries (zero fields are left out; flows in host order).\n\n";

struct counts {
	uint64_t n[XPKT_EV_MAX][NKINDS];
	uint64_t total, lost;
};

static void key_of(char *buf, size_t len, unsigned id, unsigned kind)
{
	if (kind == XPKT_DEV_ANY)
		snprintf(buf, len, "%s", xpkt_event_name((uint16_t)id));
	else
		snprintf(buf, len, "%s@%s", xpkt_event_name((uint16_t)id),
			 xpkt_dev_kind_name((enum xpkt_dev_kind)kind));
}

static int count_source(const char *bundle, const struct xpkt_source *src, struct counts *c,
			struct xpkt_err *err)
{
	struct xpkt_stream s;
	struct xpkt_event ev;
	int rc;

	memset(c, 0, sizeof(*c));
	if (xpkt_stream_open(&s, bundle, src, err))
		return -1;
	while ((rc = xpkt_stream_next(&s, &ev, err)) == 1) {
		if (ev.id < XPKT_EV_MAX)
			c->n[ev.id][ev.dev_kind < NKINDS ? ev.dev_kind : 0]++;
		c->total++;
	}
	c->lost = s.lost_events;
	xpkt_stream_close(&s);
	return rc < 0 ? -1 : 0;
}

/* One line per event: what `report` joins on, for finding why it did not. */
static int dump_source(const char *bundle, const struct xpkt_source *src, struct xpkt_err *err)
{
	struct xpkt_stream s;
	struct xpkt_event ev;
	char key[96], sa[32], da[32];
	int rc;

	if (xpkt_stream_open(&s, bundle, src, err))
		return -1;
	while ((rc = xpkt_stream_next(&s, &ev, err)) == 1) {
		key_of(key, sizeof(key), ev.id, ev.dev_kind < NKINDS ? ev.dev_kind : 0);
		printf("%s %3u %20llu %-28s", src->name, ev.cpu, (unsigned long long)ev.ts, key);
		if (ev.id == XPKT_EV_PC_SAMPLE) {
			/* ip overlays skb (event.h); pid 0 is the idle task */
			printf(" ip=%#llx pid=%u tid=%u\n", (unsigned long long)ev.ip, ev.arg,
			       ev.arg2);
			continue;
		}
		if (ev.id == XPKT_EV_PMU) {
			/* pmu[] overlays skb, flow, seq and len (event.h) */
			printf(" pmu=%llu,%llu,%llu,%llu\n", (unsigned long long)ev.pmu[0],
			       (unsigned long long)ev.pmu[1], (unsigned long long)ev.pmu[2],
			       (unsigned long long)ev.pmu[3]);
			continue;
		}
		if (ev.skb)
			printf(" skb=%#llx", (unsigned long long)ev.skb);
		if (ev.ifindex)
			printf(" if=%u", ev.ifindex);
		if (ev.flow.proto) {
			printf(" %s:%u>%s:%u seq=%u",
			       xpkt_ipv4_format(sa, sizeof(sa), ev.flow.saddr), ev.flow.sport,
			       xpkt_ipv4_format(da, sizeof(da), ev.flow.daddr), ev.flow.dport,
			       ev.seq);
		}
		if (ev.len)
			printf(" len=%u", ev.len);
		if (ev.domid || ev.queue || ev.handle || ev.ring_idx || ev.gref)
			printf(" dom=%u h=%u q=%u ring=%u", ev.domid, ev.handle, ev.queue,
			       ev.ring_idx);
		if (ev.ring_end)
			printf(" end=%u", ev.ring_end);
		if (ev.gref)
			printf(" gref=%u", ev.gref);
		if (ev.req_id)
			printf(" req=%u", ev.req_id);
		if (ev.vcpu)
			printf(" vcpu=%u", ev.vcpu);
		if (ev.arg)
			printf(" arg=%u", ev.arg);
		if (ev.arg2)
			printf(" arg2=%#x", ev.arg2);
		putchar('\n');
	}
	xpkt_stream_close(&s);
	return rc < 0 ? -1 : 0;
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"dump", no_argument, NULL, 'd'},
	    {"source", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xpkt_err err = {{0}};
	struct xpkt_manifest *m = NULL;
	struct counts *c = NULL;
	json_t *root = NULL, *arr = NULL;
	int ch, json = 0, dump = 0, found = 0, rc = 1;
	const char *only = NULL;
	char key[96];

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jds:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'd':
			dump = 1;
			break;
		case 's':
			only = optarg;
			break;
		case 'h':
			fputs(events_usage, stdout);
			return 0;
		default:
			return usage_error("events", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("events", optind == argc ? "missing BUNDLE" : "one BUNDLE only");
	if (dump && json)
		return usage_error("events", "--dump and --json do not go together");
	if (only && !dump)
		return usage_error("events", "--source needs --dump");
	m = calloc(1, sizeof(*m));
	c = calloc(1, sizeof(*c));
	if (!m || !c) {
		rc = die("events: out of memory");
		goto out;
	}
	if (xpkt_manifest_read(argv[optind], m, &err)) {
		rc = die("%s", err.msg);
		goto out;
	}
	if (dump) {
		for (unsigned i = 0; i < m->nsources; i++) {
			if (only && strcmp(only, m->sources[i].name))
				continue;
			found = 1;
			if (dump_source(argv[optind], &m->sources[i], &err)) {
				fflush(stdout);
				rc = die("%s", err.msg);
				goto out;
			}
		}
		rc = found ? 0 : die("%s: no source named '%s'", argv[optind], only);
		goto out;
	}
	if (json) {
		root = json_object();
		arr = json_array();
		json_object_set_new(root, "sources", arr);
	}
	for (unsigned i = 0; i < m->nsources; i++) {
		const struct xpkt_source *src = &m->sources[i];
		json_t *o = NULL, *evs = NULL;

		if (count_source(argv[optind], src, c, &err)) {
			rc = die("%s", err.msg);
			goto out;
		}
		if (json) {
			o = json_object();
			evs = json_object();
			json_object_set_new(o, "name", json_string(src->name));
			json_object_set_new(o, "domain",
					    json_string(xpkt_domain_name(src->domain)));
			json_object_set_new(o, "events", evs);
			json_object_set_new(o, "total", json_integer((json_int_t)c->total));
			json_object_set_new(o, "lost_events", json_integer((json_int_t)c->lost));
			json_array_append_new(arr, o);
		} else {
			printf("%s (%s, %s): %llu events, %llu lost\n", src->name,
			       xpkt_domain_name(src->domain), src->file,
			       (unsigned long long)c->total, (unsigned long long)c->lost);
		}
		for (unsigned id = 0; id < XPKT_EV_MAX; id++)
			for (unsigned k = 0; k < NKINDS; k++) {
				if (!c->n[id][k])
					continue;
				key_of(key, sizeof(key), id, k);
				if (json)
					json_object_set_new(evs, key,
							    json_integer((json_int_t)c->n[id][k]));
				else
					printf("  %-32s %10llu\n", key,
					       (unsigned long long)c->n[id][k]);
			}
	}
	if (json) {
		char *s = json_dumps(root, JSON_INDENT(2));

		if (!s) {
			rc = die("events: out of memory");
			goto out;
		}
		puts(s);
		free(s);
	}
	rc = 0;
out:
	json_decref(root);
	free(c);
	free(m);
	return rc;
}
