/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace_fuzz.h - the bundle both ftrace fuzz targets decode (include-only):
 * a host.ftrace directory with fixed formats (net:net_dev_queue and
 * skb:kfree_skb) and header_page, one CPU whose data file is the fuzz input,
 * and the check both apply to the decoded stream.
 */
#ifndef XPKT_TESTS_FUZZ_FTRACE_FUZZ_H
#define XPKT_TESTS_FUZZ_FTRACE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/stream.h"
#include "tests/ftrace_formats.h"

static char bundle[64], raw[128];

static void put(const char *rel, const void *d, size_t len)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/host.ftrace/%s", bundle, rel);
	fp = fopen(path, "wb");
	if (!fp)
		abort();
	if (len && fwrite(d, 1, len, fp) != len)
		abort();
	fclose(fp);
}

/* Makes the bundle once; cpu_file is CPU 0's data file ("cpu0.raw[.zst]"). */
static void setup(const char *cpu_file)
{
	const char *dirs[] = {"",
			      "/events",
			      "/events/net",
			      "/events/net/net_dev_queue",
			      "/events/skb",
			      "/events/skb/kfree_skb"};
	char path[256], meta[256];

	snprintf(bundle, sizeof(bundle), "/tmp/xpkt-fuzz-ftrace-XXXXXX");
	if (!mkdtemp(bundle))
		abort();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/host.ftrace%s", bundle, dirs[i]);
		mkdir(path, 0755);
	}
	snprintf(meta, sizeof(meta),
		 "{\"subbuf_size\": 4096, \"long_size\": 8,"
		 " \"events\": [\"net:net_dev_queue\", \"skb:kfree_skb\"],"
		 " \"cpus\": [{\"cpu\": 0, \"file\": \"%s\", \"lost_events\": 3}]}\n",
		 cpu_file);
	put("header_page", header_page, strlen(header_page));
	put("meta.json", meta, strlen(meta));
	put("events/net/net_dev_queue/format", fmt_queue, strlen(fmt_queue));
	put("events/skb/kfree_skb/format", fmt_kfree, strlen(fmt_kfree));
	snprintf(raw, sizeof(raw), "%s/host.ftrace/%s", bundle, cpu_file);
}

/*
 * Decodes the bundle. Any outcome but a crash, a hang, a sanitizer report or
 * an unsorted stream is fine; an error must name the bundle (open) or the
 * CPU file (decode).
 */
static void decode_check(void)
{
	static struct xpkt_source src = {.name = "host",
					 .format = "ftrace",
					 .file = "host.ftrace",
					 .ifaces = {{.ifindex = 1, .name = "lo"}},
					 .nifaces = 1};
	struct xpkt_stream s;
	struct xpkt_event ev;
	struct xpkt_err err;
	uint64_t prev = 0;
	int rc;

	if (xpkt_stream_open(&s, bundle, &src, &err)) {
		if (!strstr(err.msg, bundle))
			abort();
		return;
	}
	while ((rc = xpkt_stream_next(&s, &ev, &err)) == 1) {
		if (ev.ts < prev)
			abort();
		prev = ev.ts;
	}
	if (rc < 0 && !strstr(err.msg, raw))
		abort();
	xpkt_stream_close(&s);
}

#endif
