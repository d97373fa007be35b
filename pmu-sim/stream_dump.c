// SPDX-License-Identifier: GPL-2.0
/*
 * stream_dump.c - xpkt-pmu-dump FILE: prints a pmu-sim counter stream
 * (stream_format.h) as JSON lines, the header first, one object per record
 * after, with the counters named as in the plugin's out= snapshots. For
 * tests and for looking; the correlator reads the stream itself.
 * Version 2's TBDEF records print as {"kind":"tbdef",...} and ANNOT records
 * as {"kind":"annot",...,"blocks":[[id, 11 counts], ...]}.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/leb128.h"
#include "pmu-sim/stream_format.h"

static const char *const vcpu_names[PMU_STREAM_VCPU_COUNTERS] = {
    "insns", "loads", "stores", "io", "cr3_loads", "cr4_loads", "invlpg"};
static const char *const model_names[PMU_STREAM_MODEL_COUNTERS] = {
    "l1i_access", "l1i_miss",	 "l1d_access", "l1d_miss",    "l2_access",
    "l2_miss",	  "itlb_access", "itlb_miss",  "dtlb_access", "dtlb_miss"};
static const char *const kind_names[] = {"periodic", "marker", "final", "cr3"};

static int bad(const char *path, uint64_t off, const char *what)
{
	fprintf(stderr, "%s: offset %" PRIu64 ": %s\n", path, off, what);
	return 1;
}

/* A geometry string from the file: printable, NUL-terminated within 40 bytes. */
static int geom_ok(const char *s)
{
	size_t n = strnlen(s, 40);

	if (n == 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct pmu_stream_header h;
	struct pmu_stream_model m;
	struct pmu_stream_record *r;
	uint64_t off;
	FILE *f;
	size_t got;

	if (argc != 2) {
		fprintf(stderr, "usage: xpkt-pmu-dump STREAM_FILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (fread(&h, sizeof(h), 1, f) != 1)
		return bad(argv[1], 0, "shorter than the 72-byte header");
	if (memcmp(h.magic, PMU_STREAM_MAGIC, 8))
		return bad(argv[1], 0, "not a pmu-sim stream (magic)");
	if (h.version != PMU_STREAM_VERSION && h.version != PMU_STREAM_VERSION_ANNOT)
		return bad(argv[1], 8, "unsupported version");
	if (!h.n_models || h.n_models > 64 ||
	    h.header_bytes != sizeof(h) + h.n_models * sizeof(struct pmu_stream_model))
		return bad(argv[1], 12, "header size does not match the model count");
	if (h.n_counters != PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * h.n_models ||
	    h.record_bytes != sizeof(*r) + 8ull * h.n_counters)
		return bad(argv[1], 24, "record size does not match the model count");
	printf("{\"kind\":\"header\",\"version\":%u,\"n_vcpus\":%u,\"n_models\":%u,"
	       "\"record_bytes\":%u,\"tsc_hz\":%" PRIu64 ",\"period_ns\":%" PRIu64
	       ",\"start_tsc\":%" PRIu64 ",\"hv_base\":%" PRIu64 ",\"flags\":%u,\"models\":[",
	       h.version, h.n_vcpus, h.n_models, h.record_bytes, h.tsc_hz, h.period_ns, h.start_tsc,
	       h.hv_base, h.flags);
	off = sizeof(h);
	for (uint32_t i = 0; i < h.n_models; i++, off += sizeof(m)) {
		if (fread(&m, sizeof(m), 1, f) != 1)
			return bad(argv[1], off, "truncated model description");
		if (!geom_ok(m.l1i) || !geom_ok(m.l1d) || !geom_ok(m.l2) || !geom_ok(m.itlb) ||
		    !geom_ok(m.dtlb))
			return bad(argv[1], off, "malformed model description");
		printf("%s{\"l1i\":\"%s\",\"l1d\":\"%s\",\"l2\":\"%s\",\"itlb\":\"%s\",\"dtlb\":\"%"
		       "s\"}",
		       i ? "," : "", m.l1i, m.l1d, m.l2, m.itlb, m.dtlb);
	}
	printf("]}\n");
	r = malloc(h.record_bytes > sizeof(*r) + UINT16_MAX ? h.record_bytes
							    : sizeof(*r) + UINT16_MAX);
	if (!r)
		return 1;
	while ((got = fread(r, 1, sizeof(*r), f)) == sizeof(*r)) {
		size_t rest =
		    r->kind >= PMU_STREAM_TBDEF ? r->reserved : h.record_bytes - sizeof(*r);

		if (r->vcpu >= h.n_vcpus)
			return bad(argv[1], off + 8, "vCPU index out of range");
		if (r->kind > PMU_STREAM_ANNOT ||
		    (h.version == PMU_STREAM_VERSION && r->kind > PMU_STREAM_FINAL))
			return bad(argv[1], off + 12, "unknown record kind");
		if ((got = fread(r->counter, 1, rest, f)) != rest)
			break;
		if (r->kind == PMU_STREAM_TBDEF) {
			struct pmu_stream_tbdef d;

			if (rest != sizeof(d))
				return bad(argv[1], off + 14, "TBDEF size is not 16");
			memcpy(&d, r->counter, sizeof(d));
			printf("{\"kind\":\"tbdef\",\"vcpu\":%u,\"id\":%u,\"vaddr\":%" PRIu64
			       ",\"n_insns\":%u}\n",
			       r->vcpu, d.id, d.vaddr, d.n_insns);
			off += sizeof(*r) + rest;
			continue;
		}
		if (r->kind == PMU_STREAM_ANNOT) {
			const uint8_t *p = (const uint8_t *)r->counter;
			size_t pos = 0;
			unsigned k = 0, n = 0;

			printf("{\"kind\":\"annot\",\"vcpu\":%u,\"tsc\":%" PRIu64 ",\"blocks\":[",
			       r->vcpu, r->tsc);
			while (pos < rest) {
				uint32_t x;
				size_t at = pos;

				if (xpkt_leb128_get32(p, &pos, rest, &x))
					return bad(argv[1], off + 16 + at,
						   "malformed ANNOT number");
				printf("%s%" PRIu32, k ? "," : n++ ? "],[" : "[", x);
				k = (k + 1) % (1 + PMU_ANNOT_COUNTERS);
			}
			if (k)
				return bad(argv[1], off + 16, "ANNOT ends inside an entry");
			printf("%s]}\n", rest ? "]" : "");
			off += sizeof(*r) + rest;
			continue;
		}
		printf("{\"kind\":\"%s\",\"vcpu\":%u,\"tsc\":%" PRIu64, kind_names[r->kind],
		       r->vcpu, r->tsc);
		for (int i = 0; i < PMU_STREAM_VCPU_COUNTERS; i++)
			printf(",\"%s\":%" PRIu64, vcpu_names[i], r->counter[i]);
		printf(",\"models\":[");
		for (uint32_t mi = 0; mi < h.n_models; mi++) {
			const uint64_t *c =
			    r->counter + PMU_STREAM_VCPU_COUNTERS + PMU_STREAM_MODEL_COUNTERS * mi;

			printf("%s{\"model\":%u", mi ? "," : "", mi);
			for (int i = 0; i < PMU_STREAM_MODEL_COUNTERS; i++)
				printf(",\"%s\":%" PRIu64, model_names[i], c[i]);
			printf("}");
		}
		printf("]}\n");
		off += h.record_bytes;
	}
	if (got == sizeof(*r) || (got && got < sizeof(*r)))
		got = 1; /* a head or body cut short */
	free(r);
	if (got)
		return bad(argv[1], off, "truncated record");
	if (ferror(f))
		return bad(argv[1], off, "read error");
	fclose(f);
	return 0;
}
