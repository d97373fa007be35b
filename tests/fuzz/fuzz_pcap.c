// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_pcap.c - libFuzzer target for the wire decoder: any bytes as a pcap
 * file must decode or fail with an error naming the file and an offset,
 * never crash, hang or emit an unsorted stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct xpkt_stream s;
	struct xpkt_event ev;
	struct xpkt_err err;
	uint64_t last = 0;
	FILE *fp;
	int rc;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_pcap.%d.pcap", (int)getpid());
	fp = fopen(path, "wb");
	if (!fp)
		return 0;
	/*
	 * Odd first byte: a valid nanosecond pcap header (link type from the
	 * second byte) is written first, so the fuzzer spends its time in the
	 * records and link layers rather than guessing the magic.
	 */
	if (size >= 2 && (data[0] & 1)) {
		static const uint32_t lt[] = {1, 113, 276, 101, 12, 0};
		uint32_t h[6] = {0xa1b23c4d, 2 | 4u << 16, 0, 0, 65535, lt[data[1] % 6]};

		fwrite(h, sizeof(h), 1, fp);
		fwrite(data + 2, 1, size - 2, fp);
	} else if (size) {
		fwrite(data, 1, size, fp);
	}
	fclose(fp);
	memset(&s, 0, sizeof(s));
	if (xpkt_pcap_stream_open(&s, path, &err)) {
		if (!strstr(err.msg, path))
			abort();
		return 0;
	}
	while ((rc = s.next(&s, &ev, &err)) == 1) {
		if (ev.ts < last || ev.id != XPKT_EV_WIRE)
			abort();
		last = ev.ts;
	}
	if (rc < 0 && !strstr(err.msg, "offset "))
		abort();
	s.close(&s);
	return 0;
}
