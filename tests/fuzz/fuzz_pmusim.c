// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_pmusim.c - libFuzzer target for the pmu-sim stream decoder: any bytes
 * as a counter stream must decode or fail with an error naming the file and
 * an offset, never crash, hang or emit an unsorted stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/pmusim_stream.h"
#include "pmu-sim/stream_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct xpkt_stream s;
	struct xpkt_event ev;
	struct xpkt_err err;
	uint64_t last = 0;
	unsigned models = 0;
	FILE *fp;
	int rc;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_pmusim.%d.bin", (int)getpid());
	fp = fopen(path, "wb");
	if (!fp)
		return 0;
	/*
	 * Odd first byte: a valid header (1-2 models, 1-4 vCPUs, version 1 or 2
	 * from the second byte) is written first, so the fuzzer spends its time
	 * in the records.
	 */
	if (size >= 2 && (data[0] & 1)) {
		struct pmu_stream_header h;
		struct pmu_stream_model m;

		memset(&h, 0, sizeof(h));
		memset(&m, 0, sizeof(m));
		memcpy(h.magic, PMU_STREAM_MAGIC, 8);
		h.version = data[1] & 0x40 ? PMU_STREAM_VERSION_ANNOT : PMU_STREAM_VERSION;
		h.n_models = 1u + (data[1] >> 7);
		h.header_bytes = (uint32_t)(sizeof(h) + sizeof(m) * h.n_models);
		h.n_vcpus = 1u + (data[1] & 3);
		h.n_counters = PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * h.n_models;
		h.record_bytes = 16 + 8 * h.n_counters;
		fwrite(&h, sizeof(h), 1, fp);
		memset(&m, 'x', sizeof(m)); /* no NUL: the decoder must bound the strings */
		for (unsigned i = 0; i < h.n_models; i++)
			fwrite(&m, sizeof(m), 1, fp);
		fwrite(data + 2, 1, size - 2, fp);
	} else if (size) {
		fwrite(data, 1, size, fp);
	}
	fclose(fp);
	memset(&s, 0, sizeof(s));
	if (xpkt_pmusim_stream_open(&s, path, &err)) {
		if (!strstr(err.msg, path))
			abort();
		return 0;
	}
	while ((rc = s.next(&s, &ev, &err)) == 1) {
		if (ev.ts < last || (ev.id != XPKT_EV_SIM_PMU && ev.id != XPKT_EV_SIM_MODEL &&
				     ev.id != XPKT_EV_SIM_TB))
			abort();
		/* geometry: 5 for model 0, 5 per model more with two */
		if (((ev.id == XPKT_EV_SIM_PMU && ev.arg2 != XPKT_SIM_EV_COUNTERS) ||
		     (ev.id == XPKT_EV_SIM_MODEL && xpkt_sim_model_kind(&ev))) &&
		    (++models > 15 || ((char *)ev.pmu)[31]))
			abort();
		last = ev.ts;
	}
	if (rc < 0 && !strstr(err.msg, "offset "))
		abort();
	s.close(&s);
	return 0;
}
