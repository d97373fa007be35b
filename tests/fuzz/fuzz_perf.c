// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_perf.c - libFuzzer target: arbitrary bytes as a perf cpuN.data file
 * (capture/perf_rec.h) through decode/perf_stream.c. Any outcome but a
 * crash, a hang or a sanitizer report is fine; errors must name the file.
 *
 * The first byte picks the mode, so the fuzzer reaches the records without
 * having to guess a valid header first (tests/fuzz/run.sh seeds no corpus
 * for it): 0x01 and 0x02 put a valid header before the rest (CLOCK pairs,
 * or time_zero with the sample_type taken from the next 8 bytes masked to
 * what the decoder reads, a 3-value group read of which 2 are counters);
 * anything else is the whole file. Mode 0x02 writes the file into a
 * directory that also holds net:net_dev_queue's saved format, so RAW
 * records go through the ftrace field decoder (decode/ftrace_raw.h).
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/perf_rec.h"
#include "decode/perf_stream.h"
#include "tests/ftrace_formats.h"

static char grp_dir[64]; /* mode 0x02's directory, made once */

static int make_grp_dir(void)
{
	char path[160];
	FILE *fp;

	if (grp_dir[0])
		return 0;
	snprintf(grp_dir, sizeof(grp_dir), "/tmp/xpkt-fuzz-perf-XXXXXX");
	if (!mkdtemp(grp_dir))
		return -1;
	snprintf(path, sizeof(path), "%s/events", grp_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/net", grp_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue", grp_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/net/net_dev_queue/format", grp_dir);
	fp = fopen(path, "w");
	if (!fp)
		return -1;
	fputs(fmt_queue, fp);
	fclose(fp);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void good_header(struct xpkt_perf_file_hdr *h, int time_zero, const uint8_t **data,
			size_t *size)
{
	uint64_t st = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, XPKT_PERF_MAGIC, sizeof(h->magic));
	h->version = XPKT_PERF_VERSION;
	h->hdr_bytes = XPKT_PERF_HDR_BYTES;
	if (time_zero && *size >= 8) {
		memcpy(&st, *data, 8);
		st &= PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_ADDR |
		      PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |
		      PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_RAW;
		st |= PERF_SAMPLE_TIME;
		*data += 8;
		*size -= 8;
		h->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
		h->nvalues = 3;
		h->ncounters = 2;
	}
	h->sample_type = st;
	h->cpu = 1;
	h->time_conv = time_zero ? XPKT_PERF_TIME_ZERO : XPKT_PERF_TIME_PAIRS;
	h->time_zero = 1000;
	h->time_mult = 825955249;
	h->time_shift = 31;
	h->tsc0 = 5000;
	h->ns0 = 100;
	h->tsc1 = 2600005000ull;
	h->ns1 = 1000000100ull;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	struct xpkt_err err;
	struct xpkt_stream s;
	struct xpkt_source src = {.name = "fuzz", .domain = XPKT_DOM_HOST};
	struct xpkt_event ev;
	int fd = memfd_create("fuzz-perf", 0), rc, mode = size ? data[0] : 0;

	if (fd < 0)
		return 0;
	if (size && (data[0] == 1 || data[0] == 2)) {
		struct xpkt_perf_file_hdr h;
		int tz = data[0] == 2;

		data++;
		size--;
		good_header(&h, tz, &data, &size);
		if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
			close(fd);
			return 0;
		}
	}
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (size && mode == 2 && !make_grp_dir()) {
		/* the same bytes as cpu0.data beside the saved format */
		char file[128], buf[4096];
		FILE *out;
		ssize_t got;

		snprintf(file, sizeof(file), "%s/cpu0.data", grp_dir);
		out = fopen(file, "wb");
		if (out) {
			lseek(fd, 0, SEEK_SET);
			while ((got = read(fd, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)got, out);
			fclose(out);
			snprintf(path, sizeof(path), "%s", grp_dir);
		}
	}
	memset(&s, 0, sizeof(s));
	s.src = &src;
	if (xpkt_perf_stream_open(&s, path, &err) == 0) {
		uint64_t last = 0;

		while ((rc = xpkt_stream_next(&s, &ev, &err)) == 1) {
			/* the stream is sorted */
			if (ev.ts < last)
				abort();
			last = ev.ts;
		}
		if (rc < 0 && !strstr(err.msg, path))
			abort();
		xpkt_stream_close(&s);
	} else if (!strstr(err.msg, path)) {
		abort();
	}
	close(fd);
	return 0;
}
