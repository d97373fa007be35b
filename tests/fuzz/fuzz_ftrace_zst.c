// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ftrace_zst.c - libFuzzer target for the ftrace decoder's compressed
 * path (cpuN.raw.zst, decode/zblock.c): the first byte picks the mode,
 *   even: the rest is the .zst file itself (frame parsing, truncation,
 *         corruption, checksums, window limits);
 *   odd:  the rest is raw pages, compressed here into a valid frame (the
 *         page checks behind the decompressor, with pages torn anywhere).
 * Fixed formats as in fuzz_ftrace.c. Any outcome but a crash, a hang, a
 * sanitizer report or an unsorted stream is fine; errors must name the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "decode/stream.h"
#include "tests/ftrace_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char meta[] =
    "{\"subbuf_size\": 4096, \"long_size\": 8,"
    " \"events\": [\"net:net_dev_queue\", \"skb:kfree_skb\"],"
    " \"cpus\": [{\"cpu\": 0, \"file\": \"cpu0.raw.zst\", \"lost_events\": 3}]}\n";

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

static void setup(void)
{
	const char *dirs[] = {"",
			      "/events",
			      "/events/net",
			      "/events/net/net_dev_queue",
			      "/events/skb",
			      "/events/skb/kfree_skb"};
	char path[256];

	snprintf(bundle, sizeof(bundle), "/tmp/xpkt-fuzz-ftzst-XXXXXX");
	if (!mkdtemp(bundle))
		abort();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/host.ftrace%s", bundle, dirs[i]);
		mkdir(path, 0755);
	}
	put("header_page", header_page, strlen(header_page));
	put("meta.json", meta, strlen(meta));
	put("events/net/net_dev_queue/format", fmt_queue, strlen(fmt_queue));
	put("events/skb/kfree_skb/format", fmt_kfree, strlen(fmt_kfree));
	snprintf(raw, sizeof(raw), "%s/host.ftrace/cpu0.raw.zst", bundle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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

	if (!bundle[0])
		setup();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		size_t cap = ZSTD_compressBound(size - 1);
		void *z = malloc(cap);
		size_t zn;

		if (!z)
			abort();
		zn = ZSTD_compress(z, cap, data + 1, size - 1, 1);
		if (ZSTD_isError(zn))
			abort();
		put("cpu0.raw.zst", z, zn);
		free(z);
	} else {
		put("cpu0.raw.zst", data + 1, size - 1);
	}
	if (xpkt_stream_open(&s, bundle, &src, &err)) {
		if (!strstr(err.msg, bundle))
			abort();
		return 0;
	}
	while ((rc = xpkt_stream_next(&s, &ev, &err)) == 1) {
		if (ev.ts < prev)
			abort();
		prev = ev.ts;
	}
	if (rc < 0 && !strstr(err.msg, raw))
		abort();
	xpkt_stream_close(&s);
	return 0;
}
