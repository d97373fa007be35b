// SPDX-License-Identifier: GPL-2.0
/*
 * test_diagnose.c - the diagnosis rules (diag/) over hand-built results:
 * each rule fires just past its threshold and not at it (the boundary
 * values are built from the rule table's own thresholds, and the test
 * checks the evidence lands exactly on them), a missing fact gives "not
 * evaluated" with a reason, and lost events weaken every finding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag/diag.h"
#include "viz/diagnose.h"

struct fix {
	struct xpkt_results r;
	struct xpkt_manifest m;
	struct xpkt_diagnosis d;
};

static struct xpkt_stage_stats *st(struct fix *f, enum xpkt_dir dir, const char *name)
{
	int i = xpkt_stage_find(dir, name);

	assert_true(i >= 0);
	return &f->r.stages[dir][i];
}

/* A Xen bundle with a guest, dom0, xen and wire source, nothing lost, nothing recorded. */
static int setup(void **state)
{
	static const char *const names[] = {"guest1", "dom0", "xen", "wire"};
	static const enum xpkt_domain doms[] = {XPKT_DOM_GUEST, XPKT_DOM_DOM0, XPKT_DOM_XEN,
						XPKT_DOM_WIRE};
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->r.mode = XPKT_MODE_XEN;
	snprintf(f->m.mode, sizeof(f->m.mode), "xen");
	f->m.nsources = 4;
	f->r.nlost = 4;
	for (unsigned i = 0; i < 4; i++) {
		snprintf(f->m.sources[i].name, sizeof(f->m.sources[i].name), "%s", names[i]);
		f->m.sources[i].domain = doms[i];
		snprintf(f->r.lost[i].source, sizeof(f->r.lost[i].source), "%s", names[i]);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

enum where { FIRED, PASSED, NOT_EVALUATED, ABSENT };

static enum where where_is(const struct xpkt_diagnosis *d, const char *id,
			   const struct xpkt_diag_result **res)
{
	for (unsigned i = 0; i < d->nfindings; i++)
		if (!strcmp(d->findings[i].id, id))
			return *res = &d->findings[i], FIRED;
	for (unsigned i = 0; i < d->npassed; i++)
		if (!strcmp(d->passed[i].id, id))
			return *res = &d->passed[i], PASSED;
	for (unsigned i = 0; i < d->nnot_evaluated; i++)
		if (!strcmp(d->not_evaluated[i].id, id))
			return *res = &d->not_evaluated[i], NOT_EVALUATED;
	*res = NULL;
	return ABSENT;
}

static const struct xpkt_diag_result *run(struct fix *f, const char *id, enum where want)
{
	const struct xpkt_diag_result *res;
	unsigned nrules;

	xpkt_diagnose(&f->r, &f->m, &f->d);
	xpkt_diag_rules(&nrules);
	/* every rule lands in exactly one list */
	assert_int_equal(f->d.nfindings + f->d.npassed + f->d.nnot_evaluated, nrules);
	if (where_is(&f->d, id, &res) != want)
		fail_msg("%s: expected list %d, got %d (reason '%s')", id, want,
			 where_is(&f->d, id, &res), res ? res->reason : "");
	return res;
}

static double threshold(const char *id, const char *evidence)
{
	const struct xpkt_diag_rule *rule = xpkt_diag_rule_find(id);

	assert_non_null(rule);
	for (unsigned i = 0; i < XPKT_DIAG_MAX_CONDS && rule->when[i].evidence; i++)
		if (!strcmp(rule->when[i].evidence, evidence))
			return rule->when[i].threshold;
	fail_msg("%s has no condition on %s", id, evidence);
	return 0;
}

static void assert_evidence(const struct xpkt_diag_result *res, const char *name, double want)
{
	const struct xpkt_evidence *e = xpkt_diag_get(res, name);

	if (!e)
		fail_msg("%s: no evidence %s", res->id, name);
	if (e->value != want)
		fail_msg("%s: %s = %.17g, expected %.17g", res->id, name, e->value, want);
}

/* --- rx_truesize_collapse ------------------------------------------------------ */

/* receives TCP receives, slots netfront slots: collapse and copies per them. */
static void collapse_facts(struct fix *f, uint64_t collapses, uint64_t copies, uint64_t receives,
			   uint64_t slots)
{
	f->r.hot_calls[XPKT_DOM_GUEST][XPKT_HOT_COLLAPSE] = collapses;
	f->r.hot_calls[XPKT_DOM_GUEST][XPKT_HOT_COPY_BITS] = copies;
	st(f, XPKT_RX, "tcp_receive")->events = receives;
	st(f, XPKT_RX, "netfront_rx")->events = slots;
}

static void test_collapse_boundaries(void **state)
{
	struct fix *f = *state;
	const double c_thr = threshold("rx_truesize_collapse", "tcp_collapse_per_1000_packets");
	const double x_thr = threshold("rx_truesize_collapse", "extra_copies_per_slot");
	/* denominators that put the thresholds on exact counts */
	const uint64_t receives = 1000, slots = 1000;
	const uint64_t c_at = (uint64_t)c_thr, x_at = (uint64_t)(x_thr * (double)slots + 0.5);
	const struct xpkt_diag_result *res;

	assert_true(c_thr > 0 && (double)c_at == c_thr);
	assert_true(x_at > 0);

	/* both above: fires, with the evidence the counts give */
	collapse_facts(f, c_at + 1, slots + x_at + 1, receives, slots);
	res = run(f, "rx_truesize_collapse", FIRED);
	assert_int_equal(res->severity, XPKT_SEV_CRITICAL);
	assert_evidence(res, "tcp_collapse", (double)(c_at + 1));
	assert_evidence(res, "tcp_collapse_per_1000_packets",
			1000.0 * (double)(c_at + 1) / (double)receives);
	assert_evidence(res, "skb_copy_bits_per_slot", (double)(slots + x_at + 1) / (double)slots);
	assert_non_null(strstr(res->explanation, "tcp_collapse"));
	assert_true(res->action[0] != 0);

	/* collapse rate exactly at its threshold: passes */
	collapse_facts(f, c_at, slots + x_at + 1, receives, slots);
	res = run(f, "rx_truesize_collapse", PASSED);
	assert_evidence(res, "tcp_collapse_per_1000_packets", c_thr);

	/* extra copies exactly at theirs: passes (both must hold) */
	collapse_facts(f, c_at + 1, slots + x_at, receives, slots);
	res = run(f, "rx_truesize_collapse", PASSED);
	assert_evidence(res, "extra_copies_per_slot", x_thr);

	/* collapses without extra copies (netfront's one per slot only): passes */
	collapse_facts(f, 50, slots, receives, slots);
	run(f, "rx_truesize_collapse", PASSED);
}

static void test_collapse_missing_facts(void **state)
{
	struct fix *f = *state;
	const struct xpkt_diag_result *res;

	/* no hotspot kprobe events at all: not recorded, never "passed" */
	collapse_facts(f, 0, 0, 1000, 1000);
	res = run(f, "rx_truesize_collapse", NOT_EVALUATED);
	assert_non_null(strstr(res->reason, "not recorded"));
	assert_int_equal(res->nev, 0);

	/* the kernel had no tcp_collapse kprobe: the source is named */
	collapse_facts(f, 0, 1000, 1000, 1000);
	snprintf(f->m.sources[0].unavailable[0], sizeof(f->m.sources[0].unavailable[0]),
		 "kprobe:tcp_collapse");
	f->m.sources[0].nunavailable = 1;
	res = run(f, "rx_truesize_collapse", NOT_EVALUATED);
	assert_non_null(strstr(res->reason, "guest1"));
	assert_non_null(strstr(res->reason, "tcp_collapse"));
	f->m.sources[0].nunavailable = 0;

	/* no netfront slots: no copy baseline */
	collapse_facts(f, 5, 1000, 1000, 0);
	res = run(f, "rx_truesize_collapse", NOT_EVALUATED);
	assert_non_null(strstr(res->reason, "rx_response"));

	/* native mode: no netfront at all, and no Xen rule is evaluated */
	f->r.mode = XPKT_MODE_NATIVE;
	res = run(f, "rx_truesize_collapse", NOT_EVALUATED);
	assert_non_null(strstr(res->reason, "native"));
	run(f, "notify_batching", NOT_EVALUATED);
	run(f, "sched_wait", NOT_EVALUATED);
	run(f, "tlb_flush_per_batch", NOT_EVALUATED);
	run(f, "grant_copy_vs_map", NOT_EVALUATED);
}

/* --- notify_batching, grant_copy_vs_map, sched_wait, tlb_flush_per_batch -------- */

static void test_notify_boundaries(void **state)
{
	struct fix *f = *state;
	const double thr = threshold("notify_batching", "tx_packets_per_notify");
	const uint64_t notifies = 1000, at = (uint64_t)(thr * (double)notifies + 0.5);
	struct xpkt_stage_stats *tx = st(f, XPKT_TX, "evtchn_notify");
	struct xpkt_stage_stats *rx = st(f, XPKT_RX, "rx_notify");
	const struct xpkt_diag_result *res;

	res = run(f, "notify_batching", NOT_EVALUATED);
	assert_non_null(strstr(res->reason, "notify"));

	tx->events = notifies;
	tx->count = at;
	res = run(f, "notify_batching", PASSED);
	assert_evidence(res, "tx_packets_per_notify", thr);
	assert_null(xpkt_diag_get(res, "rx_packets_per_notify")); /* no RX notifies: no number */

	tx->count = at - 1;
	res = run(f, "notify_batching", FIRED);
	assert_evidence(res, "tx_notifies", (double)notifies);
	assert_non_null(strstr(res->explanation, "n/a")); /* the RX number it lacks */

	/* RX alone below its threshold fires too (either direction) */
	tx->count = at;
	rx->events = notifies;
	rx->count = at - 1;
	run(f, "notify_batching", FIRED);
	rx->count = at;
	run(f, "notify_batching", PASSED);
}

static void test_grant_boundaries(void **state)
{
	struct fix *f = *state;
	const double thr = threshold("grant_copy_vs_map", "map_byte_share");
	struct xpkt_stage_stats *cp = st(f, XPKT_TX, "backend_copy");
	struct xpkt_stage_stats *mp = st(f, XPKT_TX, "backend_map");
	const uint64_t total = 1000, at = (uint64_t)(thr * (double)total + 0.5);
	const struct xpkt_diag_result *res;

	run(f, "grant_copy_vs_map", NOT_EVALUATED);
	cp->events = 10;
	mp->events = 10;
	cp->event_bytes = total - at;
	mp->event_bytes = at;
	res = run(f, "grant_copy_vs_map", PASSED);
	assert_evidence(res, "map_byte_share", thr);
	cp->event_bytes = total - at - 1;
	mp->event_bytes = at + 1;
	res = run(f, "grant_copy_vs_map", FIRED);
	assert_evidence(res, "copy_byte_share", (double)(total - at - 1) / (double)total);
}

static void test_sched_boundaries(void **state)
{
	struct fix *f = *state;
	const double thr = threshold("sched_wait", "rx_switch_share");
	struct xpkt_stage_stats *sw = st(f, XPKT_RX, "vm_switch");
	struct xpkt_stage_stats *other = st(f, XPKT_RX, "netfront_rx");
	const double total_ns = 1e6;
	const struct xpkt_diag_result *res;

	res = run(f, "sched_wait", NOT_EVALUATED);
	assert_non_null(strstr(res->reason, "vm_switch"));
	sw->count = 10;
	sw->total_ns = thr * total_ns;
	other->count = 10;
	other->total_ns = total_ns - sw->total_ns;
	res = run(f, "sched_wait", PASSED);
	assert_evidence(res, "rx_switch_share", thr);
	assert_null(xpkt_diag_get(res, "tx_switch_share"));
	sw->total_ns = thr * total_ns + 1000;
	other->total_ns = total_ns - sw->total_ns;
	res = run(f, "sched_wait", FIRED);
	assert_int_equal(res->severity, XPKT_SEV_WARNING);
}

static void test_tlb_inferred_and_measured(void **state)
{
	struct fix *f = *state;
	const double thr = threshold("tlb_flush_per_batch", "grant_unmaps_per_flush");
	struct xpkt_stage_stats *fl = st(f, XPKT_TX, "tlb_flush");
	struct xpkt_stage_stats *un = st(f, XPKT_TX, "grant_unmap");
	const uint64_t batches = 100, at = (uint64_t)(thr * (double)batches + 0.5);
	const struct xpkt_diag_result *res;
	const struct xpkt_evidence *e;

	run(f, "tlb_flush_per_batch", NOT_EVALUATED);
	/* stock hypervisor: flushes inferred, one per unmap hypercall, and labelled */
	fl->events = batches;
	un->events = at;
	res = run(f, "tlb_flush_per_batch", PASSED);
	assert_evidence(res, "grant_unmaps_per_flush", thr);
	assert_evidence(res, "measured", 0);
	e = xpkt_diag_get(res, "tlb_flushes");
	assert_non_null(e);
	assert_non_null(strstr(e->unit, "inferred"));
	assert_non_null(strstr(res->explanation, "inferred"));
	un->events = at - 1;
	run(f, "tlb_flush_per_batch", FIRED);

	/* xen-patch/ flush records: measured, counted from the records */
	f->r.tlb_flush_records = 2 * batches;
	f->r.tlb_flush_ops = at;
	un->events = 2 * at;
	res = run(f, "tlb_flush_per_batch", PASSED);
	assert_evidence(res, "measured", 1);
	assert_evidence(res, "tlb_flushes", (double)(2 * batches));
	assert_evidence(res, "flushes_per_batch", 2.0);
	assert_null(strstr(res->explanation, "inferred"));
	un->events = 2 * at - 1;
	run(f, "tlb_flush_per_batch", FIRED);
}

/* --- drops, lost events ------------------------------------------------------------ */

static void test_drops(void **state)
{
	struct fix *f = *state;
	const struct xpkt_diag_result *res;

	run(f, "drops", NOT_EVALUATED); /* no packets */
	f->r.packets.total = 100;
	res = run(f, "drops", PASSED);
	assert_evidence(res, "dropped", 0);

	f->r.packets.dropped = 3;
	f->r.by_dir[XPKT_RX].dropped = 3;
	xpkt_reason_add(f->r.packets.drop_reasons, &f->r.packets.ndrop_reasons, "TCP_RMEM_EXCEEDED",
			2);
	xpkt_reason_add(f->r.packets.drop_reasons, &f->r.packets.ndrop_reasons, "NOT_SPECIFIED", 1);
	res = run(f, "drops", FIRED);
	assert_evidence(res, "rx_dropped", 3);
	assert_evidence(res, "reason:TCP_RMEM_EXCEEDED", 2);
	assert_evidence(res, "reason:NOT_SPECIFIED", 1);

	/* a kernel without skb:kfree_skb cannot show drops: not evaluated, not "0" */
	snprintf(f->m.sources[1].unavailable[0], sizeof(f->m.sources[1].unavailable[0]),
		 "skb:kfree_skb");
	f->m.sources[1].nunavailable = 1;
	res = run(f, "drops", NOT_EVALUATED);
	assert_non_null(strstr(res->reason, "dom0"));
}

static void test_lost_events_weaken(void **state)
{
	struct fix *f = *state;
	const struct xpkt_diag_result *res;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	/* something that fires, so there is a finding to weaken */
	f->r.packets.total = 10;
	f->r.packets.dropped = 1;
	res = run(f, "lost_events", PASSED);
	assert_false(f->d.weakened);

	f->r.lost[0].events = 7;
	f->r.lost[2].events = 5;
	res = run(f, "lost_events", FIRED);
	assert_evidence(res, "lost_events", 12);
	assert_evidence(res, "lost:guest1", 7);
	assert_evidence(res, "lost:xen", 5);
	assert_true(f->d.weakened);
	assert_int_equal(f->d.lost_total, 12);

	/* the JSON marks the other findings weakened with the loss numbers */
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(xpkt_diagnose_json(fp, "B", &f->d), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "\"weakened\": {"));
	assert_non_null(strstr(buf, "\"guest1\": 7"));
	free(buf);
	buf = NULL;
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(xpkt_diagnose_text(fp, "B", &f->d), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "weakened: events lost: guest1 7 xen 5"));
	free(buf);

	f->r.nlost = 0;
	run(f, "lost_events", NOT_EVALUATED);
}

static void test_fill(void **state)
{
	struct xpkt_diag_result res;
	char buf[64];

	(void)state;
	memset(&res, 0, sizeof(res));
	xpkt_diag_add(&res, "a", 3, "x");
	xpkt_diag_add(&res, "b", 0.25, "y");
	xpkt_diag_fill(buf, sizeof(buf), "{a} and {b} and {c} {", &res);
	assert_string_equal(buf, "3 and 0.25 and n/a {");
	xpkt_diag_fill(buf, 6, "{a} and {b}", &res);
	assert_string_equal(buf, "3 and");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_collapse_boundaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collapse_missing_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notify_boundaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_grant_boundaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sched_boundaries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tlb_inferred_and_measured, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_events_weaken, setup, teardown),
	    cmocka_unit_test(test_fill),
	};

	return cmocka_run_group_tests_name("diagnose", tests, NULL, NULL);
}
