// SPDX-License-Identifier: GPL-2.0
/*
 * test_kprobe.c - the kprobe decision and definitions, without kprobes: this
 * project's host kernel is in lockdown (no kprobe_events), so the event set
 * is resolved against fake tracefs trees (with and without kprobe_events),
 * and the kprobe_events command lines and the leftover rule are checked as
 * strings. Expected strings come from the Linux 6.1 signatures (the skb is
 * __ip_queue_xmit's and br_forward's 2nd argument, %si on x86-64) and from
 * Documentation/trace/kprobetrace.rst's syntax, not from a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/evset.h"
#include "capture/ftrace_rec.h"
#include "tests/unit/fake_tracefs.h"
#include "tracepoints/event.h"
#include "tracepoints/tp_map.h"

/* A fake tracefs: a format file for every row of the table; kprobe_events if asked. */
static void fake_tracefs(char *dir, int with_kprobes)
{
	unsigned n;
	const struct xpkt_tp_map *m = xpkt_tp_maps(&n);

	strcpy(dir, "/tmp/xpkt-fake-tracefs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (unsigned i = 0; i < n; i++)
		if (strcmp(m[i].system, "kprobe")) /* dynamic: only once created */
			mkevent(dir, m[i].system, m[i].event);
	if (with_kprobes)
		touch(dir, "kprobe_events");
}

static void test_no_kprobes(void **state)
{
	char dir[64], name[128];
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};
	unsigned nk;
	const char *const *kp = xpkt_tp_kprobe_points(&nk);
	int i;

	(void)state;
	fake_tracefs(dir, 0);
	assert_int_equal(xpkt_evset_kprobes_available(dir), 0);
	assert_int_equal(xpkt_evset_resolve(NULL, dir, &set, &err), 0);
	assert_true(nk >= 4);
	for (unsigned k = 0; k < nk; k++) {
		snprintf(name, sizeof(name), "kprobe:%s", kp[k]);
		assert_true(find_unavailable(&set, name));
		assert_int_equal(find_ev(&set, "kprobe", kp[k]), -1);
	}
	/* the filters ride along with the native set; an explicit list has none */
	i = find_ev(&set, "tcp", "tcp_probe");
	assert_true(i >= 0);
	assert_string_equal(set.ev[i].filter, "data_len > 0");
	i = find_ev(&set, "net", "net_dev_queue");
	assert_true(i >= 0);
	assert_string_equal(set.ev[i].filter, "len > 134");
	assert_int_equal(find_ev(&set, "net", "netif_rx"), -1); /* no stage uses it */
	assert_int_equal(xpkt_evset_resolve("tcp:tcp_probe", dir, &set, &err), 0);
	assert_string_equal(set.ev[0].filter, "");
	/* asking for a kprobe here is a one-line error before anything starts */
	assert_int_equal(xpkt_evset_resolve("kprobe:br_forward", dir, &set, &err), -1);
	assert_non_null(strstr(err.msg, "no kprobe events"));
	rm_tree(dir);
}

static void test_with_kprobes(void **state)
{
	char dir[64];
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};
	unsigned nk;
	const char *const *kp = xpkt_tp_kprobe_points(&nk);
	int i;

	(void)state;
	fake_tracefs(dir, 1);
	assert_int_equal(xpkt_evset_kprobes_available(dir), 1);
	assert_int_equal(xpkt_evset_resolve(NULL, dir, &set, &err), 0);
	for (unsigned k = 0; k < nk; k++) {
		char name[128];

		snprintf(name, sizeof(name), "kprobe:%s", kp[k]);
		assert_false(find_unavailable(&set, name));
		i = find_ev(&set, "kprobe", kp[k]);
		assert_true(i >= 0);
		/* the probe point is the function itself */
		assert_int_equal(strncmp(set.ev[i].kprobe, kp[k], strlen(kp[k])), 0);
		assert_int_equal(set.ev[i].kprobe[strlen(kp[k])], ' ');
	}
	/* 6.1: skb is the 2nd argument of both, %si in the x86-64 ABI */
	i = find_ev(&set, "kprobe", "__ip_queue_xmit");
	assert_non_null(strstr(set.ev[i].kprobe, " skb=%si:x64"));
	i = find_ev(&set, "kprobe", "br_forward");
	assert_non_null(strstr(set.ev[i].kprobe, " skb=%si:x64"));
	/* the egress port's device name, so the bridge rows' device kinds match */
	assert_non_null(strstr(set.ev[i].kprobe, " dev=+0(+8(%di)):string"));
	/* skb_copy_bits(skb, offset, to, len): skb 1st (%di), len 4th (%cx) */
	i = find_ev(&set, "kprobe", "skb_copy_bits");
	assert_non_null(strstr(set.ev[i].kprobe, " skb=%di:x64"));
	assert_non_null(strstr(set.ev[i].kprobe, " len=%cx:s32"));
	/* tcp_collapse(sk, list, root, head, tail, start, end): head 4th (%cx) */
	i = find_ev(&set, "kprobe", "tcp_collapse");
	assert_non_null(strstr(set.ev[i].kprobe, " skb=%cx:x64"));

	assert_int_equal(xpkt_evset_resolve("kprobe:br_forward", dir, &set, &err), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(xpkt_evset_resolve("kprobe:no_such_fn", dir, &set, &err), -1);
	rm_tree(dir);
}

static void test_kprobe_map(void **state)
{
	const struct xpkt_tp_map *m;

	(void)state;
	m = xpkt_tp_find("kprobe", "__ip_queue_xmit");
	assert_non_null(m);
	assert_int_equal(m->id, XPKT_EV_TCP_XMIT);
	assert_string_equal(m->skb, "skb"); /* the fetch argument's name */
	m = xpkt_tp_find("kprobe", "br_forward");
	assert_non_null(m);
	assert_int_equal(m->id, XPKT_EV_BR_FORWARD);
	assert_string_equal(m->dev, "dev");
}

static void test_kprobe_lines(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(xpkt_ftrace_kprobe_line(buf, sizeof(buf), 4242, "br_forward",
						 "br_forward port=%di:x64 skb=%si:x64"),
			 0);
	assert_string_equal(buf, "p:xpkttrace_4242/br_forward br_forward port=%di:x64 skb=%si:x64");
	assert_int_equal(xpkt_ftrace_kprobe_line(buf, sizeof(buf), 4242, "br_forward", NULL), 0);
	assert_string_equal(buf, "-:xpkttrace_4242/br_forward");
	assert_int_equal(xpkt_ftrace_kprobe_line(buf, sizeof(buf), 1, "a-b", NULL), -1);
	assert_int_equal(xpkt_ftrace_kprobe_line(buf, sizeof(buf), 1, "", NULL), -1);
	assert_int_equal(xpkt_ftrace_kprobe_line(buf, 10, 4242, "br_forward", NULL), -1);
}

static int alive_100(long pid)
{
	return pid == 100;
}

static void test_kprobe_leftovers(void **state)
{
	char rm[128];

	(void)state;
	/* kprobe_events lists probes as "p:GROUP/EVENT SYMBOL ARGS" */
	assert_int_equal(xpkt_ftrace_kprobe_leftover("p:xpkttrace_200/br_forward br_forward "
						     "port=%di:x64 skb=%si:x64",
						     alive_100, rm, sizeof(rm)),
			 1);
	assert_string_equal(rm, "-:xpkttrace_200/br_forward");
	assert_int_equal(xpkt_ftrace_kprobe_leftover("r:xpkttrace_7/tcp_collapse tcp_collapse",
						     alive_100, rm, sizeof(rm)),
			 1);
	assert_string_equal(rm, "-:xpkttrace_7/tcp_collapse");
	/* a live recorder's, someone else's, malformed: left alone */
	assert_int_equal(xpkt_ftrace_kprobe_leftover("p:xpkttrace_100/br_forward br_forward",
						     alive_100, rm, sizeof(rm)),
			 0);
	assert_int_equal(xpkt_ftrace_kprobe_leftover("p:kprobes/br_forward br_forward", alive_100,
						     rm, sizeof(rm)),
			 0);
	assert_int_equal(
	    xpkt_ftrace_kprobe_leftover("p:xpkttrace_x/f f", alive_100, rm, sizeof(rm)), 0);
	assert_int_equal(xpkt_ftrace_kprobe_leftover("p:xpkttrace_5/ f", alive_100, rm, sizeof(rm)),
			 0);
	assert_int_equal(xpkt_ftrace_kprobe_leftover("", alive_100, rm, sizeof(rm)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_kprobes),	     cmocka_unit_test(test_with_kprobes),
	    cmocka_unit_test(test_kprobe_map),	     cmocka_unit_test(test_kprobe_lines),
	    cmocka_unit_test(test_kprobe_leftovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
