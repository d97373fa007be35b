// SPDX-License-Identifier: GPL-2.0
/*
 * test_corr_xen.c - the Xen windows (SWITCH_IN, UNMAP_CALL) end to end: a
 * bundle written by hand with a real xentrace file (synth/xtwrite.h) and kev
 * files, decoded and correlated by xpkt_correlate. Expected latencies are the
 * differences of the timestamps chosen here.
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

#include "bundle/kev.h"
#include "bundle/manifest.h"
#include "correlator/correlate.h"
#include "synth/xtwrite.h"
#include "tracepoints/stage.h"

#define HZ 2000000000ull /* 2 ticks per ns */

static char dir[64];

static void add_source(struct xpkt_manifest *m, const char *name, enum xpkt_domain d,
		       uint16_t domid, const char *format, const char *file)
{
	struct xpkt_source *s = &m->sources[m->nsources++];

	snprintf(s->name, sizeof(s->name), "%s", name);
	s->domain = d;
	s->domid = domid;
	snprintf(s->format, sizeof(s->format), "%s", format);
	snprintf(s->file, sizeof(s->file), "%s", file);
	snprintf(s->clock_name, sizeof(s->clock_name), "tsc");
}

static struct xpkt_event kev(uint16_t id, uint64_t ns)
{
	struct xpkt_event e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.ts = ns * 2;
	e.domid = 1;
	e.ring_idx = 9;
	e.req_id = 4;
	e.gref = 33;
	return e;
}

static void write_kev(const char *name, enum xpkt_domain d, uint16_t domid,
		      const struct xpkt_event *e, unsigned n)
{
	char path[128];
	struct xpkt_err err;
	struct xpkt_kev_writer *w;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	w = xpkt_kev_create(path, d, domid, HZ, &err);
	assert_non_null(w);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(xpkt_kev_write(w, &e[i]), 0);
	assert_int_equal(xpkt_kev_close(w, 0, &err), 0);
}

static const struct xpkt_stage_stats *st(const struct xpkt_results *r, const char *name)
{
	int i = xpkt_stage_find(XPKT_TX, name);

	assert_true(i >= 0);
	return &r->stages[XPKT_TX][i];
}

static void test_xen_windows(void **state)
{
	struct xpkt_manifest m, got;
	struct xpkt_results *r = calloc(1, sizeof(*r));
	struct xpkt_err err;
	struct xpkt_event g[4], d[2];
	uint32_t unmap_args[2] = {XPKT_GNTTABOP_UNMAP_GRANT_REF, 1};
	uint32_t copy_args[2] = {XPKT_GNTTABOP_COPY, 1};
	char path[128], cmd[160];
	struct xtw *w;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_corr_xen.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
	assert_int_equal(system(cmd), 0);
	memset(&m, 0, sizeof(m));
	m.version = 1;
	strcpy(m.mode, "xen");
	m.tsc_hz = HZ;
	add_source(&m, "guest1", XPKT_DOM_GUEST, 1, "kev", "guest1.kev");
	add_source(&m, "dom0", XPKT_DOM_DOM0, 0, "kev", "dom0.kev");
	add_source(&m, "xen", XPKT_DOM_XEN, XPKT_DOMID_NONE, "xentrace", "xen.trace");
	assert_int_equal(xpkt_manifest_write(dir, &m, &err), 0);

	g[0] = kev(XPKT_EV_TCP_XMIT, 1000);
	g[0].skb = 0xa;
	g[0].len = 1448;
	g[1] = kev(XPKT_EV_NF_TX_GRANT, 1100);
	g[1].skb = 0xa;
	g[2] = kev(XPKT_EV_NF_TX_NOTIFY, 1200);
	g[2].ring_end = 10;
	g[3] = kev(XPKT_EV_NF_TX_DONE, 1800);
	write_kev("guest1.kev", XPKT_DOM_GUEST, 1, g, 4);
	d[0] = kev(XPKT_EV_NB_TX_MAP, 1400);
	d[1] = kev(XPKT_EV_NB_TX_UNMAP, 1700);
	write_kev("dom0.kev", XPKT_DOM_DOM0, 0, d, 2);

	snprintf(path, sizeof(path), "%s/xen.trace", dir);
	w = xtw_create(path, 2, &err);
	assert_non_null(w);
	/* cpu0 runs the guest (not the peer), cpu1 switches to dom0 at 1351 ns. */
	assert_int_equal(xtw_sched_switch(w, 0, 2 * 1301, 32767, 0, 1, 0), 0);
	assert_int_equal(xtw_sched_switch(w, 1, 2 * 1351, 32767, 1, 0, 0), 0);
	assert_int_equal(xtw_sched_switch(w, 0, 2 * 1391, 1, 0, 0, 1), 0); /* too late */
	/*
	 * dom0 on cpu1: a grant copy (not an unmap), then two unmap batches;
	 * netback logs tx_unmap (1700) after its unmap call returned, so the
	 * flush is the last call before it (1651); the one at 1751 is not.
	 */
	assert_int_equal(xtw_hypercall(w, 1, 2 * 1551, XPKT_HC_GRANT_TABLE_OP, copy_args, 2), 0);
	assert_int_equal(xtw_hypercall(w, 1, 2 * 1601, XPKT_HC_GRANT_TABLE_OP, unmap_args, 2), 0);
	assert_int_equal(xtw_hypercall(w, 1, 2 * 1651, XPKT_HC_GRANT_TABLE_OP, unmap_args, 2), 0);
	assert_int_equal(xtw_hypercall(w, 1, 2 * 1751, XPKT_HC_GRANT_TABLE_OP, unmap_args, 2), 0);
	assert_int_equal(xtw_close(w, 0, &err), 0);

	assert_int_equal(xpkt_correlate(dir, NULL, &got, r, &err), 0);
	assert_int_equal(r->by_dir[XPKT_TX].total, 1);
	assert_int_equal(st(r, "vm_switch")->count, 1);
	assert_int_equal(st(r, "vm_switch")->max_ns, 1351 - 1200);
	assert_int_equal(st(r, "backend_map")->max_ns, 1400 - 1351);
	assert_int_equal(st(r, "tlb_flush")->count, 1);
	assert_int_equal(st(r, "tlb_flush")->max_ns, 1651 - 1400);
	assert_int_equal(st(r, "grant_unmap")->max_ns, 1700 - 1651);
	assert_int_equal(st(r, "tx_complete")->max_ns, 1800 - 1700);
	/* The clock check saw guest -> xen and xen -> dom0 hand-overs. */
	/* tx_notify is recorded after its push (AFTER_ACTION): from grant_claim. */
	assert_int_equal(r->clocks[0].min_causal_gap_ns, 1351 - 1100);
	assert_int_equal(r->clocks[2].min_causal_gap_ns, 1400 - 1351);
	xpkt_results_free(r);
	free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_xen_windows),
	};

	return cmocka_run_group_tests_name("corr_xen", tests, NULL, NULL);
}
