// SPDX-License-Identifier: GPL-2.0
/*
 * export_rows.c - packet records as CSV or JSON Lines (docs/export.md).
 *
 * Columns are fixed per mode: the packet's identity first, then for every
 * catalogue row of both directions (tracepoints/stages.c) its time and its
 * latency. Stage names repeat across directions (vm_switch, bridge_forward),
 * so each column is prefixed by its direction. A row's latency is the very
 * sample the stage's histogram took, so aggregating a column reproduces
 * `report --json`'s count and mean for that stage.
 */
#include <inttypes.h>
#include <stdio.h>

#include "viz/export_rows.h"

static const char *const status_names[] = {
    [XPKT_PKT_COMPLETE] = "complete",
    [XPKT_PKT_PARTIAL] = "partial",
    [XPKT_PKT_DROPPED] = "dropped",
    [XPKT_PKT_MERGED] = "merged",
};

const char *xpkt_pkt_status_name(enum xpkt_pkt_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "?";
}

int xpkt_export_rows_header(FILE *fp, enum xpkt_rows_format f, unsigned mode)
{
	if (f != XPKT_ROWS_CSV)
		return ferror(fp) ? -1 : 0;
	fputs("id,direction,frontend,saddr,sport,daddr,dport,seq,status,reason", fp);
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned s = 0; s < n; s++)
			fprintf(fp, ",%s_%s_ts_ns,%s_%s_lat_ns", xpkt_dir_name((enum xpkt_dir)d),
				st[s].name, xpkt_dir_name((enum xpkt_dir)d), st[s].name);
	}
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++)
		fprintf(fp, ",hot_%s_calls,hot_%s_bytes", xpkt_hot_name(h), xpkt_hot_name(h));
	fputc('\n', fp);
	return ferror(fp) ? -1 : 0;
}

/* A reason is a stage or drop-reason name: no quote, comma or newline, but be safe. */
static void csv_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
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

int xpkt_export_rows_packet(FILE *fp, enum xpkt_rows_format f, unsigned mode,
			    const struct xpkt_packet_rec *r)
{
	int csv = f == XPKT_ROWS_CSV;
	char a[16], b[16];

	if (csv) {
		fprintf(fp, "%" PRIu64 ",%s,", r->id, xpkt_dir_name(r->dir));
		if (r->frontend != XPKT_DOMID_NONE)
			fprintf(fp, "%u", r->frontend);
		if (r->have_flow)
			fprintf(fp, ",%s,%u,%s,%u,%" PRIu32,
				xpkt_ipv4_format(a, sizeof(a), r->flow.saddr), r->flow.sport,
				xpkt_ipv4_format(b, sizeof(b), r->flow.daddr), r->flow.dport,
				r->seq);
		else
			fputs(",,,,,", fp);
		fprintf(fp, ",%s,", xpkt_pkt_status_name(r->status));
		csv_str(fp, r->reason);
	} else {
		fprintf(fp, "{\"id\":%" PRIu64 ",\"direction\":\"%s\",\"frontend\":", r->id,
			xpkt_dir_name(r->dir));
		if (r->frontend != XPKT_DOMID_NONE)
			fprintf(fp, "%u", r->frontend);
		else
			fputs("null", fp);
		if (r->have_flow)
			fprintf(fp,
				",\"saddr\":\"%s\",\"sport\":%u,\"daddr\":\"%s\",\"dport\":%u,"
				"\"seq\":%" PRIu32,
				xpkt_ipv4_format(a, sizeof(a), r->flow.saddr), r->flow.sport,
				xpkt_ipv4_format(b, sizeof(b), r->flow.daddr), r->flow.dport,
				r->seq);
		else
			fputs(",\"saddr\":null,\"sport\":null,\"daddr\":null,\"dport\":null,"
			      "\"seq\":null",
			      fp);
		fprintf(fp, ",\"status\":\"%s\",\"reason\":", xpkt_pkt_status_name(r->status));
		json_str(fp, r->reason);
	}
	/* Every row has every column of the mode: the other direction's are empty. */
	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++) {
		const char *dn = xpkt_dir_name((enum xpkt_dir)d);
		unsigned n;
		const struct xpkt_stage *st = xpkt_mode_stages(mode, (enum xpkt_dir)d, &n);

		for (unsigned s = 0; s < n; s++) {
			const struct xpkt_pkt_stage *ps = &r->st[s];
			int on = (unsigned)r->dir == d && (r->attached & (1u << s));

			if (csv) {
				fputc(',', fp);
				if (on)
					fprintf(fp, "%" PRIu64, ps->ts_ns);
				fputc(',', fp);
				if (on && ps->has_lat)
					fprintf(fp, "%" PRId64, ps->lat_ns);
				continue;
			}
			fprintf(fp, ",\"%s_%s_ts_ns\":", dn, st[s].name);
			if (on)
				fprintf(fp, "%" PRIu64, ps->ts_ns);
			else
				fputs("null", fp);
			fprintf(fp, ",\"%s_%s_lat_ns\":", dn, st[s].name);
			if (on && ps->has_lat)
				fprintf(fp, "%" PRId64, ps->lat_ns);
			else
				fputs("null", fp);
		}
	}
	/* Hotspot calls on the packet's skbs, last: the stage columns keep their places. */
	for (unsigned h = 0; h < XPKT_HOT_COUNT; h++) {
		if (csv)
			fprintf(fp, ",%" PRIu32 ",%" PRIu64, r->hot_calls[h], r->hot_bytes[h]);
		else
			fprintf(fp, ",\"hot_%s_calls\":%" PRIu32 ",\"hot_%s_bytes\":%" PRIu64,
				xpkt_hot_name(h), r->hot_calls[h], xpkt_hot_name(h),
				r->hot_bytes[h]);
	}
	fputs(csv ? "\n" : "}\n", fp);
	return ferror(fp) ? -1 : 0;
}
