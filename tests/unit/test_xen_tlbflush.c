// SPDX-License-Identifier: GPL-2.0
/*
 * test_xen_tlbflush.c - xen-patch/'s TRC_MEM_GNTTAB_FLUSH record through the
 * xentrace stream decoder.
 *
 * (a) The event number the decoder matches is the one the patch gives
 *     TRC_MEM_GNTTAB_FLUSH, read from the .patch file at run time (TRC_MEM +
 *     the offset it names) and from TRC_MEM in the patch's trace.h context.
 * (b) A file written with synth/xtwrite.c's raw records (the layout Xen's
 *     __trace_var writes for TRACE_4D) decodes to XPKT_EV_XEN_TLB_FLUSH with
 *     the fields event.h documents; the expected values are the words the
 *     test wrote. A short record is skipped, not misread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decode/stream.h"
#include "decode/xentrace.h"
#include "synth/xtwrite.h"
#include "tracepoints/event.h"

#define PATCH "xen-patch/0001-grant-table-trace-unmap-tlb-flush.patch"

static void tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/xpkt-test-tlb-%ld-%s", (long)getpid(), tag);
}

/*
 * "#define NAME (BASE + OFF)" in the patch's added lines: 0 with base and off
 * filled, -1 if the patch or the line is missing.
 */
static int patch_define(const char *name, char base[64], unsigned long *off)
{
	char line[512];
	FILE *fp = fopen(PATCH, "r");
	int rc = -1;

	if (!fp)
		return -1;
	while (rc && fgets(line, sizeof(line), fp)) {
		size_t n = strlen(name);
		long v;

		if (strncmp(line, "+#define ", 9) != 0 || strncmp(line + 9, name, n) != 0 ||
		    line[9 + n] != ' ')
			continue;
		if (sscanf(line + 9 + n, " (%63[A-Z_] + %li)", base, &v) == 2 && v > 0) {
			*off = (unsigned long)v;
			rc = 0;
		}
	}
	fclose(fp);
	return rc;
}

static void test_event_number_matches_patch(void **state)
{
	char base[64];
	unsigned long off = 0;

	(void)state;
	assert_int_equal(patch_define("TRC_MEM_GNTTAB_FLUSH", base, &off), 0);
	assert_string_equal(base, "TRC_MEM");
	/* Xen 4.17 uses TRC_MEM + 1..5 and 16..18; the new number must be clear of them */
	assert_true(off > 18 && off < 0x1000);
	/* TRC_MEM itself: TRC_MEM_PAGE_GRANT_MAP is TRC_MEM + 1 in public/trace.h */
	assert_int_equal(XT_TRC_MEM_GNTTAB_FLUSH, XT_TRC_MEM_PAGE_GRANT_MAP - 1 + off);
	/* the recorder's mask (0x00b2f000, testbed/README.md) selects class TRC_MEM */
	assert_true((XT_TRC_MEM_GNTTAB_FLUSH & 0x0010f000u) == 0x0010f000u);
}

static void test_event_info(void **state)
{
	const struct xpkt_event_info *info = xpkt_event_info(XPKT_EV_XEN_TLB_FLUSH);

	(void)state;
	assert_non_null(info);
	assert_int_equal(info->domain, XPKT_DOM_XEN);
	assert_non_null(strstr(info->name, "tlb"));
}

static void test_stream_decodes_flush(void **state)
{
	char path[256];
	struct xpkt_err err;
	struct xtw *t;
	struct xpkt_stream s = {0};
	struct xpkt_source src = {0};
	struct xpkt_event ev;
	/* dom0 unmaps a batch of 3 grants on cpu 0; the flush hits 2 CPUs in 5000 cycles */
	const uint32_t flush0[4] = {0, 3, 2, 5000};
	const uint32_t gnt[2] = {XPKT_GNTTABOP_UNMAP_GRANT_REF, 3};
	/* domain 4 on cpu 1, a 3-word record (no cycle word): still a flush */
	const uint32_t flush1[3] = {4, 32, 1};
	/* a 2-word record is not the patch's: skipped */
	const uint32_t shortrec[2] = {0, 1};
	unsigned nflush = 0, nhc = 0;
	uint64_t last = 0;

	(void)state;
	tmp_path(path, sizeof(path), "stream");
	t = xtw_create(path, 2, &err);
	assert_non_null(t);
	assert_int_equal(xtw_sched_switch(t, 0, 100, 32767, 0, 0, 1), 0);
	assert_int_equal(xtw_hypercall(t, 0, 110, XPKT_HC_GRANT_TABLE_OP, gnt, 2), 0);
	assert_int_equal(xtw_record(t, 0, XT_TRC_MEM_GNTTAB_FLUSH, 6000, flush0, 4), 0);
	assert_int_equal(xtw_record(t, 0, XT_TRC_MEM_GNTTAB_FLUSH, 6100, shortrec, 2), 0);
	assert_int_equal(xtw_sched_switch(t, 1, 105, 32767, 1, 4, 0), 0);
	assert_int_equal(xtw_record(t, 1, XT_TRC_MEM_GNTTAB_FLUSH, 7000, flush1, 3), 0);
	assert_int_equal(xtw_close(t, 0, &err), 0);

	src.domain = XPKT_DOM_XEN;
	src.domid = XPKT_DOMID_NONE;
	s.src = &src;
	assert_int_equal(xpkt_xentrace_stream_open(&s, path, &err), 0);
	while (xpkt_stream_next(&s, &ev, &err) == 1) {
		assert_true(ev.ts >= last);
		last = ev.ts;
		if (ev.id == XPKT_EV_XEN_HYPERCALL)
			nhc++;
		if (ev.id != XPKT_EV_XEN_TLB_FLUSH)
			continue;
		assert_int_equal(ev.source, XPKT_DOM_XEN);
		if (nflush == 0) {
			assert_int_equal(ev.cpu, 0);
			assert_int_equal(ev.ts, 6000);
			assert_int_equal(ev.domid, flush0[0]);
			assert_int_equal(ev.vcpu, 1); /* d0v1 was switched in on cpu 0 */
			assert_int_equal(ev.len, flush0[1]);
			assert_int_equal(ev.arg2, flush0[2]);
			assert_int_equal(ev.arg, flush0[3]);
			/* the flush started inside the hypercall that asked for it */
			assert_true(ev.ts - ev.arg >= 110);
		} else {
			assert_int_equal(ev.cpu, 1);
			assert_int_equal(ev.ts, 7000);
			assert_int_equal(ev.domid, flush1[0]);
			assert_int_equal(ev.vcpu, 0);
			assert_int_equal(ev.len, flush1[1]);
			assert_int_equal(ev.arg2, flush1[2]);
			assert_int_equal(ev.arg, 0);
		}
		nflush++;
	}
	assert_int_equal(nflush, 2);
	assert_int_equal(nhc, 1);
	xpkt_stream_close(&s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_number_matches_patch),
	    cmocka_unit_test(test_event_info),
	    cmocka_unit_test(test_stream_decodes_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
