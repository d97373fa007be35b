// SPDX-License-Identifier: GPL-2.0
/*
 * test_evset_xen.c - the "xen-dom0" event set (capture/evset.c), resolved
 * against fake tracefs trees: one with the patched netback's events (the
 * names of tracepoints/xen_net_trace.h's xen_netback system) and kprobe
 * events, one like a dom0 running the distro netback on a kernel without
 * kprobe events. Expected members come from the set's definition in
 * evset.h (every xen_netback event present, the device and skb rows with
 * tp_map.c's filters), not from a recording.
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
#include "tests/unit/fake_tracefs.h"
#include "tracepoints/tp_map.h"

/* Events of xen_net_trace.h's xen_netback system (the patched module's). */
static const char *const netback_events[] = {
    "tx_copy",	   "tx_map",	    "tx_batch", "tx_deliver", "tx_unmap",
    "tx_response", "tx_rsp_notify", "rx_copy",	"rx_notify",
};
#define NNB (sizeof(netback_events) / sizeof(netback_events[0]))

static void fake_dom0(char *dir, int patched, int kprobes)
{
	strcpy(dir, "/tmp/xpkt-fake-dom0-XXXXXX");
	assert_non_null(mkdtemp(dir));
	mkevent(dir, "net", "net_dev_queue");
	mkevent(dir, "net", "net_dev_start_xmit");
	mkevent(dir, "net", "netif_receive_skb");
	mkevent(dir, "net", "netif_rx");
	mkevent(dir, "skb", "kfree_skb");
	mkevent(dir, "skb", "consume_skb");
	mkevent(dir, "tcp", "tcp_probe");
	if (patched) {
		for (size_t i = 0; i < NNB; i++)
			mkevent(dir, "xen_netback", netback_events[i]);
		/* tracefs puts these files beside a system's events: not events */
		{
			char sysdir[256];

			snprintf(sysdir, sizeof(sysdir), "%s/events/xen_netback", dir);
			touch(sysdir, "enable");
			touch(sysdir, "filter");
		}
	}
	if (kprobes)
		touch(dir, "kprobe_events");
}

/* The dom0 set's kprobe points (capture/evset.c) */
static const char *const dom0_kprobes[] = {"br_forward", "dev_hard_start_xmit", "napi_gro_receive",
					   "skb_copy_bits", "tcp_collapse"};
#define NKP (sizeof(dom0_kprobes) / sizeof(dom0_kprobes[0]))

static void test_patched_dom0(void **state)
{
	char dir[64];
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};
	unsigned nsys = 0;
	const struct xpkt_tp_map *row;
	int i;

	(void)state;
	fake_dom0(dir, 1, 1);
	assert_int_equal(xpkt_evset_resolve("xen-dom0", dir, &set, &err), 0);
	for (size_t k = 0; k < NNB; k++) {
		i = find_ev(&set, "xen_netback", netback_events[k]);
		assert_true(i >= 0);
		assert_string_equal(set.ev[i].filter, "");
	}
	for (unsigned k = 0; k < set.n; k++)
		nsys += !strcmp(set.ev[k].system, "xen_netback");
	assert_int_equal(nsys, NNB); /* not "enable" or "filter" */
	/* the device rows carry tp_map.c's filters; the transmit tracepoint
	 * gives way to the kprobe that also reads the headers */
	assert_int_equal(find_ev(&set, "net", "net_dev_start_xmit"), -1);
	i = find_ev(&set, "kprobe", "dev_hard_start_xmit");
	assert_true(i >= 0);
	row = xpkt_tp_find("kprobe", "dev_hard_start_xmit");
	assert_non_null(row);
	assert_non_null(row->filter);
	assert_string_equal(set.ev[i].filter, row->filter);
	assert_non_null(strstr(set.ev[i].kprobe, "tcp_seq="));
	assert_string_equal(xpkt_tp_kprobe_find("dev_hard_start_xmit")->replaces,
			    "net:net_dev_start_xmit");
	assert_true(find_ev(&set, "net", "net_dev_queue") >= 0);
	assert_true(find_ev(&set, "net", "netif_receive_skb") >= 0);
	assert_true(find_ev(&set, "skb", "kfree_skb") >= 0);
	assert_true(find_ev(&set, "skb", "consume_skb") >= 0);
	/* dom0 bridges guest traffic: no TCP events, no netif_rx */
	assert_int_equal(find_ev(&set, "tcp", "tcp_probe"), -1);
	assert_int_equal(find_ev(&set, "net", "netif_rx"), -1);
	for (size_t k = 0; k < NKP; k++) {
		i = find_ev(&set, "kprobe", dom0_kprobes[k]);
		assert_true(i >= 0);
		assert_non_null(strstr(set.ev[i].kprobe, dom0_kprobes[k]));
	}
	/* dom0's own TCP sends are not guest packets */
	assert_int_equal(find_ev(&set, "kprobe", "__ip_queue_xmit"), -1);
	assert_int_equal(set.nunavailable, 0);
	rm_tree(dir);
}

static void test_distro_dom0(void **state)
{
	char dir[64], name[128];
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};

	(void)state;
	fake_dom0(dir, 0, 0);
	assert_int_equal(xpkt_evset_resolve("xen-dom0", dir, &set, &err), 0);
	assert_true(find_unavailable(&set, "xen_netback:*"));
	for (size_t k = 0; k < NKP; k++) {
		snprintf(name, sizeof(name), "kprobe:%s", dom0_kprobes[k]);
		assert_true(find_unavailable(&set, name));
	}
	/* the stock events are still recorded: 3 net (the transmit tracepoint
	 * stays without the kprobe) + 2 skb */
	assert_true(find_ev(&set, "net", "net_dev_start_xmit") >= 0);
	assert_int_equal(set.n, 5);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_patched_dom0),
	    cmocka_unit_test(test_distro_dom0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
