// SPDX-License-Identifier: GPL-2.0
/*
 * test_tp_map_xen.c - the rows of tp_map_xen.c agree with the two other
 * descriptions of the same events: the names in events.c, and the fields the
 * kernel header tracepoints/xen_net_trace.h really gives each event (parsed
 * from its text: TRACE_EVENT, or DEFINE_EVENT of a DECLARE_EVENT_CLASS, in
 * the netfront or netback section). The fields each id must carry are those
 * event.h's comments list for it. Run from the repository root (make check).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tracepoints/event.h"
#include "tracepoints/tp_map_xen.h"

#define HEADER "tracepoints/xen_net_trace.h"

static char *header_text(void)
{
	FILE *fp = fopen(HEADER, "rb");
	char *buf;
	long n;

	if (!fp)
		fail_msg("cannot open %s (run from the repository root)", HEADER);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* [*beg, *end) of the #ifdef section of one TRACE_SYSTEM. */
static void section(const char *text, const char *system, const char **beg, const char **end)
{
	const char *sel =
	    !strcmp(system, "xen_netfront") ? "XEN_NET_TRACE_NETFRONT" : "XEN_NET_TRACE_NETBACK";
	char open[64], close[80];

	snprintf(open, sizeof(open), "\n#ifdef %s\n", sel);
	snprintf(close, sizeof(close), "\n#endif /* %s */", sel);
	*beg = strstr(text, open);
	assert_non_null(*beg);
	*end = strstr(*beg, close);
	assert_non_null(*end);
}

/*
 * The fields region (up to TP_fast_assign) of event `event` of `system`:
 * its own TRACE_EVENT, or the class its DEFINE_EVENT names.
 */
static const char *fields_of(const char *text, const char *system, const char *event)
{
	const char *beg, *end, *p;
	char pat[96];

	section(text, system, &beg, &end);
	snprintf(pat, sizeof(pat), "\nTRACE_EVENT(%s,", event);
	p = strstr(beg, pat);
	if (p && p < end)
		return p;
	for (p = strstr(beg, "\nDEFINE_EVENT("); p && p < end;
	     p = strstr(p + 1, "\nDEFINE_EVENT(")) {
		const char *cls = p + strlen("\nDEFINE_EVENT(");
		const char *comma = strchr(cls, ',');
		char name[64];
		size_t len;

		assert_non_null(comma);
		snprintf(pat, sizeof(pat), ", %s,", event);
		if (strncmp(comma, pat, strlen(pat)))
			continue;
		len = (size_t)(comma - cls);
		assert_true(len < sizeof(name));
		memcpy(name, cls, len);
		name[len] = '\0';
		snprintf(pat, sizeof(pat), "\nDECLARE_EVENT_CLASS(%s,", name);
		p = strstr(text, pat);
		assert_non_null(p);
		return p;
	}
	fail_msg("%s:%s is not defined in %s", system, event, HEADER);
	return NULL;
}

/* Does the event whose fields start at `p` have a __field named `name`? */
static int has_field(const char *p, const char *name)
{
	const char *stop = strstr(p, "TP_fast_assign");

	assert_non_null(stop);
	for (p = strstr(p, "__field("); p && p < stop; p = strstr(p + 1, "__field(")) {
		const char *close = strchr(p, ')');
		const char *q = close;

		while (q > p && q[-1] != ',' && q[-1] != ' ')
			q--;
		if ((size_t)(close - q) == strlen(name) && !strncmp(q, name, strlen(name)))
			return 1;
	}
	return 0;
}

/*
 * What event.h says each id carries, besides skb/len/arg (which the row's
 * own columns name). domid and handle are in every one: the joins are keyed
 * by the frontend's (domid, vif handle), docs/correlation.md section 4.
 */
static const struct {
	uint16_t id;
	const char *fields[6];
} carries[] = {
    {XPKT_EV_NF_TX_GRANT, {"queue", "ring_idx", "req_id", "gref"}},
    {XPKT_EV_NF_TX_NOTIFY, {"queue", "ring_idx", "ring_end"}},
    {XPKT_EV_NF_TX_DONE, {"queue", "req_id", "gref"}},
    {XPKT_EV_NF_RX_RESPONSE, {"queue", "ring_idx", "gref"}},
    {XPKT_EV_NB_TX_COPY, {"queue", "ring_idx", "gref"}},
    {XPKT_EV_NB_TX_MAP, {"queue", "ring_idx", "gref"}},
    {XPKT_EV_NB_TX_DELIVER, {"queue", "ring_idx"}},
    {XPKT_EV_NB_TX_UNMAP, {"queue", "gref"}},
    {XPKT_EV_NB_RX_COPY, {"queue", "ring_idx", "gref"}},
    {XPKT_EV_NB_RX_NOTIFY, {"queue", "ring_idx", "ring_end"}},
};

static void test_rows_name_their_ids(void **state)
{
	unsigned n;
	const struct xpkt_tp_map *m = xpkt_tp_xen_maps(&n);

	(void)state;
	/* every netfront/netback id of event.h has exactly one row */
	assert_int_equal(n, sizeof(carries) / sizeof(carries[0]));
	for (unsigned i = 0; i < n; i++) {
		char name[96];

		snprintf(name, sizeof(name), "%s:%s", m[i].system, m[i].event);
		assert_string_equal(name, xpkt_event_name(m[i].id));
		assert_ptr_equal(xpkt_tp_xen_find(m[i].system, m[i].event), &m[i]);
	}
	assert_null(xpkt_tp_xen_find("xen_netfront", "no_such_event"));
	assert_null(xpkt_tp_xen_find("net", "tx_grant"));
}

static void test_header_has_the_fields(void **state)
{
	char *text = header_text();
	unsigned n;
	const struct xpkt_tp_map *m = xpkt_tp_xen_maps(&n);

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		const char *f = fields_of(text, m[i].system, m[i].event);
		const char *cols[] = {m[i].skb, m[i].len, m[i].arg, "domid", "handle"};
		int found = 0;

		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			if (cols[c] && !has_field(f, cols[c]))
				fail_msg("%s:%s has no field %s", m[i].system, m[i].event, cols[c]);
		assert_null(m[i].dev);
		for (size_t k = 0; k < sizeof(carries) / sizeof(carries[0]); k++) {
			if (carries[k].id != m[i].id)
				continue;
			found = 1;
			for (size_t j = 0; j < 6 && carries[k].fields[j]; j++)
				if (!has_field(f, carries[k].fields[j]))
					fail_msg("%s:%s has no field %s", m[i].system, m[i].event,
						 carries[k].fields[j]);
		}
		assert_true(found);
	}
	free(text);
}

/* The parser above must be able to say no. */
static void test_parser_rejects(void **state)
{
	char *text = header_text();

	(void)state;
	assert_false(has_field(fields_of(text, "xen_netfront", "tx_notify"), "gref"));
	assert_false(has_field(fields_of(text, "xen_netback", "tx_unmap"), "ring_idx"));
	assert_true(has_field(fields_of(text, "xen_netback", "rx_notify"), "copy_ops"));
	assert_false(has_field(fields_of(text, "xen_netfront", "rx_notify"), "copy_ops"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows_name_their_ids),
	    cmocka_unit_test(test_header_has_the_fields),
	    cmocka_unit_test(test_parser_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
