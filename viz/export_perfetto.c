// SPDX-License-Identifier: GPL-2.0
/*
 * export_perfetto.c - packet records as Chrome trace-event JSON
 * ({"traceEvents": [...]}, docs/export.md).
 *
 * Lanes: pid = manifest source index + 1 (one process per domain's
 * recording: guest, xen, dom0, wire), tid = CPU + 1 (tid 0 reads as "no
 * thread" in some viewers), both named by metadata events. A stage is a
 * complete event ("X") on the lane that recorded it, ending at the stage's
 * time and lasting its latency, the interval since the packet's previous
 * attached stage: the time the packet spent getting there. Summing a
 * stage's durations therefore gives report's total_ns for the stage.
 *
 * Flow arrows use the legacy flow events: one id per packet, "s" in its
 * first slice, "t" in each middle one, "f" (bound to the enclosing slice,
 * "bp":"e") in its last, each at its slice's midpoint so it lies inside the
 * slice it belongs to and no two of one packet share a time.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "viz/export_perfetto.h"
#include "viz/export_rows.h"

struct xpkt_perfetto {
	struct xpkt_packet_rec *r;
	size_t n, cap;
};

struct xpkt_perfetto *xpkt_perfetto_new(void)
{
	return calloc(1, sizeof(struct xpkt_perfetto));
}

int xpkt_perfetto_add(struct xpkt_perfetto *p, const struct xpkt_packet_rec *r)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1024;
		struct xpkt_packet_rec *n = realloc(p->r, cap * sizeof(*n));

		if (!n)
			return -1;
		p->r = n;
		p->cap = cap;
	}
	p->r[p->n++] = *r;
	return 0;
}

void xpkt_perfetto_free(struct xpkt_perfetto *p)
{
	if (!p)
		return;
	free(p->r);
	free(p);
}

static int by_id(const void *a, const void *b)
{
	const struct xpkt_packet_rec *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int lane_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Slice of stage s: [start, end], end the stage's time. A negative latency
 * (clocks misaligned: report's causal check shows it) is drawn as an instant. */
static uint64_t slice_start(const struct xpkt_pkt_stage *ps)
{
	if (!ps->has_lat || ps->lat_ns <= 0 || (uint64_t)ps->lat_ns > ps->ts_ns)
		return ps->ts_ns;
	return ps->ts_ns - (uint64_t)ps->lat_ns;
}

/* Microseconds with three decimals, exactly: ns is an integer. */
static void put_us(FILE *fp, const char *key, uint64_t ns)
{
	fprintf(fp, ",\"%s\":%" PRIu64 ".%03u", key, ns / 1000, (unsigned)(ns % 1000));
}

static void put_lane(FILE *fp, const struct xpkt_pkt_stage *ps)
{
	fprintf(fp, ",\"pid\":%u,\"tid\":%u", ps->src + 1u, ps->cpu + 1u);
}

static void json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void flow_str(const struct xpkt_packet_rec *r, char *buf, size_t n)
{
	const struct xpkt_flow *f = &r->flow;
	char sa[16], da[16];

	if (!r->have_flow) {
		snprintf(buf, n, "?");
		return;
	}
	snprintf(buf, n, "%s:%u > %s:%u", xpkt_ipv4_format(sa, sizeof(sa), f->saddr), f->sport,
		 xpkt_ipv4_format(da, sizeof(da), f->daddr), f->dport);
}

static void write_packet(FILE *fp, const struct xpkt_packet_rec *r, const struct xpkt_stage *st,
			 unsigned n, uint64_t base, int *first)
{
	char flow[64];
	unsigned nsl = 0, k = 0;

	flow_str(r, flow, sizeof(flow));
	for (unsigned s = 0; s < n; s++) {
		const struct xpkt_pkt_stage *ps = &r->st[s];
		uint64_t start;

		if (!(r->attached & (1u << s)))
			continue;
		nsl++;
		start = slice_start(ps);
		fprintf(fp, "%s\n{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"%s\"", *first ? "" : ",",
			st[s].name, xpkt_dir_name(r->dir));
		*first = 0;
		put_us(fp, "ts", start - base);
		put_us(fp, "dur", ps->ts_ns - start);
		put_lane(fp, ps);
		fprintf(fp,
			",\"args\":{\"packet\":%" PRIu64 ",\"direction\":\"%s\",\"flow\":\"%s\"",
			r->id, xpkt_dir_name(r->dir), flow);
		if (r->have_flow)
			fprintf(fp, ",\"seq\":%" PRIu32, r->seq);
		if (ps->has_lat)
			fprintf(fp, ",\"lat_ns\":%" PRId64, ps->lat_ns);
		fprintf(fp, ",\"status\":\"%s\"", xpkt_pkt_status_name(r->status));
		if (r->reason[0]) {
			fputs(",\"reason\":", fp);
			json_str(fp, r->reason);
		}
		fputs("}}", fp);
	}
	if (nsl < 2)
		return;
	for (unsigned s = 0; s < n; s++) {
		const struct xpkt_pkt_stage *ps = &r->st[s];
		uint64_t start;
		const char *ph;

		if (!(r->attached & (1u << s)))
			continue;
		start = slice_start(ps);
		ph = k == 0 ? "s" : k + 1 == nsl ? "f" : "t";
		k++;
		fprintf(fp,
			",\n{\"ph\":\"%s\",\"name\":\"packet\",\"cat\":\"packet\",\"id\":%" PRIu64,
			ph, r->id);
		if (*ph == 'f')
			fputs(",\"bp\":\"e\"", fp);
		put_us(fp, "ts", start + (ps->ts_ns - start) / 2 - base);
		put_lane(fp, ps);
		fputc('}', fp);
	}
}

int xpkt_perfetto_write(struct xpkt_perfetto *p, FILE *fp, const struct xpkt_manifest *m)
{
	unsigned mode = xpkt_mode_parse(m->mode);
	uint64_t base = UINT64_MAX;
	uint32_t *lanes = NULL;
	size_t nl = 0, capl = 0;
	int first = 1;

	if (!mode)
		mode = XPKT_MODE_XEN;
	/* Records come in the order packets ended; the file reads best by id. */
	qsort(p->r, p->n, sizeof(*p->r), by_id);
	for (size_t i = 0; i < p->n; i++) {
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++) {
			const struct xpkt_pkt_stage *ps = &p->r[i].st[s];

			if (!(p->r[i].attached & (1u << s)))
				continue;
			if (slice_start(ps) < base)
				base = slice_start(ps);
			if (nl == capl) {
				size_t cap = capl ? 2 * capl : 64;
				uint32_t *n = realloc(lanes, cap * sizeof(*n));

				if (!n) {
					free(lanes);
					return -1;
				}
				lanes = n;
				capl = cap;
			}
			lanes[nl++] = (uint32_t)ps->src << 16 | ps->cpu;
			/* keep the list short: most slices repeat a lane */
			if (nl == capl) {
				size_t u = 0;

				qsort(lanes, nl, sizeof(*lanes), lane_cmp);
				for (size_t q = 0; q < nl; q++)
					if (!u || lanes[u - 1] != lanes[q])
						lanes[u++] = lanes[q];
				nl = u;
			}
		}
	}
	if (base == UINT64_MAX)
		base = 0;
	qsort(lanes, nl, sizeof(*lanes), lane_cmp);

	fprintf(fp,
		"{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"xpkttrace\","
		"\"mode\":\"%s\",\"ts_base_ns\":\"%" PRIu64 "\",\"packets\":%zu},\n"
		"\"traceEvents\":[",
		xpkt_mode_name((enum xpkt_mode)mode), base, p->n);
	/* Metadata: name every process (source) and thread (CPU) a slice uses. */
	for (unsigned s = 0; s < m->nsources; s++) {
		char name[80];

		snprintf(name, sizeof(name), "%s (%s)", m->sources[s].name,
			 xpkt_domain_name(m->sources[s].domain));
		fprintf(fp,
			"%s\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":0,"
			"\"args\":{\"name\":",
			first ? "" : ",", s + 1);
		json_str(fp, name);
		fputs("}}", fp);
		fprintf(fp,
			",\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%u,\"tid\":0,"
			"\"args\":{\"sort_index\":%u}}",
			s + 1, s);
		first = 0;
	}
	for (size_t i = 0; i < nl; i++) {
		if (i && lanes[i] == lanes[i - 1])
			continue;
		fprintf(fp,
			"%s\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,"
			"\"args\":{\"name\":\"cpu %u\"}}",
			first ? "" : ",", (lanes[i] >> 16) + 1, (lanes[i] & 0xffff) + 1,
			lanes[i] & 0xffff);
		first = 0;
	}
	free(lanes);
	for (size_t i = 0; i < p->n; i++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, p->r[i].dir, &n);

		write_packet(fp, &p->r[i], st, n, base, &first);
	}
	fputs("\n]}\n", fp);
	return ferror(fp) ? -1 : 0;
}
