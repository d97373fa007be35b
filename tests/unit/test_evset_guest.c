// SPDX-License-Identifier: GPL-2.0
/*
 * test_evset_guest.c - the "xen-guest" event set (capture/evset.c, the guest
 * agent's), resolved against fake tracefs trees: a PV domU with the patched
 * netfront (the names of tracepoints/xen_net_trace.h's xen_netfront system)
 * and kprobe events on a 6.1 kernel (no tcp_sendmsg_locked), and one with
 * the distro netfront and no kprobe events. Expected members come from the
 * set's definition in evset.h, not from a recording.
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

/* Some events of the patched netfront's xen_netfront system. */
static const char *const netfront_events[] = {"tx_grant", "tx_notify", "tx_complete", "rx_deliver"};
#define NNF (sizeof(netfront_events) / sizeof(netfront_events[0]))

/* The stock 6.1 events the set takes (evset.h), each once. */
static const char *const stock[][2] = {
    {"net", "net_dev_start_xmit"}, {"net", "napi_gro_receive_entry"},  {"net", "netif_receive_skb"},
    {"tcp", "tcp_probe"},	   {"skb", "skb_copy_datagram_iovec"}, {"skb", "consume_skb"},
    {"skb", "kfree_skb"},
};
#define NSTOCK (sizeof(stock) / sizeof(stock[0]))

static void fake_domu(char *dir, int patched, int kprobes, int sendmsg)
{
	strcpy(dir, "/tmp/xpkt-fake-domu-XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < NSTOCK; i++)
		mkevent(dir, stock[i][0], stock[i][1]);
	/* present in the kernel, not part of the set */
	mkevent(dir, "net", "net_dev_queue");
	mkevent(dir, "net", "netif_rx");
	if (sendmsg)
		mkevent(dir, "tcp", "tcp_sendmsg_locked");
	if (patched) {
		char sysdir[256];

		for (size_t i = 0; i < NNF; i++)
			mkevent(dir, "xen_netfront", netfront_events[i]);
		snprintf(sysdir, sizeof(sysdir), "%s/events/xen_netfront", dir);
		touch(sysdir, "enable");
		touch(sysdir, "filter");
	}
	if (kprobes)
		touch(dir, "kprobe_events");
}

static void test_patched_guest(void **state)
{
	char dir[64];
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};
	const struct xpkt_tp_map *row;
	unsigned nsys = 0;
	int i;

	(void)state;
	fake_domu(dir, 1, 1, 0);
	assert_int_equal(xpkt_evset_resolve("xen-guest", dir, &set, &err), 0);
	for (size_t k = 0; k < NNF; k++)
		assert_true(find_ev(&set, "xen_netfront", netfront_events[k]) >= 0);
	for (unsigned k = 0; k < set.n; k++)
		nsys += !strcmp(set.ev[k].system, "xen_netfront");
	assert_int_equal(nsys, NNF); /* not "enable" or "filter" */
	/* every stock row, with tp_map.c's filter, but tcp_probe: with kprobes
	 * tcp_rcv_established replaces it (6.1's tcp_probe names no skb) */
	assert_int_equal(find_ev(&set, "tcp", "tcp_probe"), -1);
	i = find_ev(&set, "kprobe", "tcp_rcv_established");
	assert_true(i >= 0);
	assert_non_null(strstr(set.ev[i].kprobe, " skb=%si:x64"));
	assert_non_null(strstr(set.ev[i].kprobe, " tcp_seq="));
	for (size_t k = 0; k < NSTOCK; k++) {
		if (!strcmp(stock[k][1], "tcp_probe"))
			continue;
		i = find_ev(&set, stock[k][0], stock[k][1]);
		assert_true(i >= 0);
		row = xpkt_tp_find(stock[k][0], stock[k][1]);
		assert_non_null(row);
		assert_string_equal(set.ev[i].filter, row->filter ? row->filter : "");
	}
	assert_int_equal(find_ev(&set, "net", "net_dev_queue"), -1);
	assert_int_equal(find_ev(&set, "net", "netif_rx"), -1);
	/* the TX origin's kprobe, with tp_map.c's fetch arguments giving skb */
	i = find_ev(&set, "kprobe", "__ip_queue_xmit");
	assert_true(i >= 0);
	assert_non_null(strstr(set.ev[i].kprobe, "__ip_queue_xmit "));
	assert_non_null(strstr(set.ev[i].kprobe, "skb="));
	/* and its payload-bearing length, a field the row maps to len; the
	 * row's filter (pure ACKs are no origin) goes with it */
	row = xpkt_tp_find("kprobe", "__ip_queue_xmit");
	assert_non_null(row);
	assert_non_null(row->len);
	{
		char want[32];

		snprintf(want, sizeof(want), " %s=", row->len);
		assert_non_null(strstr(set.ev[i].kprobe, want));
	}
	assert_string_equal(set.ev[i].filter, row->filter ? row->filter : "");
	assert_true(find_ev(&set, "kprobe", "skb_copy_bits") >= 0);
	assert_true(find_ev(&set, "kprobe", "tcp_collapse") >= 0);
	assert_true(find_ev(&set, "kprobe", "tcp_prune_queue") >= 0);
	assert_true(find_ev(&set, "kprobe", "skb_try_coalesce") >= 0);
	assert_true(find_ev(&set, "kprobe", "__pskb_pull_tail") >= 0);
	/* no bridge in a guest */
	assert_int_equal(find_ev(&set, "kprobe", "br_forward"), -1);
	/* 6.1: no tcp_sendmsg_locked, said so */
	assert_int_equal(find_ev(&set, "tcp", "tcp_sendmsg_locked"), -1);
	assert_true(find_unavailable(&set, "tcp:tcp_sendmsg_locked"));
	assert_int_equal(set.nunavailable, 1);
	assert_int_equal(set.n, NNF + NSTOCK - 1 + 7); /* + the 7 guest kprobes */
	rm_tree(dir);
}

static void test_newer_kernel_sendmsg(void **state)
{
	char dir[64];
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};
	const struct xpkt_tp_map *row = xpkt_tp_find("tcp", "tcp_sendmsg_locked");
	int i;

	(void)state;
	fake_domu(dir, 1, 1, 1);
	assert_int_equal(xpkt_evset_resolve("xen-guest", dir, &set, &err), 0);
	i = find_ev(&set, "tcp", "tcp_sendmsg_locked");
	assert_true(i >= 0);
	assert_non_null(row);
	assert_string_equal(set.ev[i].filter, row->filter ? row->filter : "");
	assert_int_equal(set.nunavailable, 0);
	rm_tree(dir);
}

static void test_distro_guest(void **state)
{
	char dir[64];
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};

	(void)state;
	fake_domu(dir, 0, 0, 0);
	assert_int_equal(xpkt_evset_resolve("xen-guest", dir, &set, &err), 0);
	assert_true(find_unavailable(&set, "xen_netfront:*"));
	assert_true(find_unavailable(&set, "kprobe:__ip_queue_xmit"));
	assert_true(find_unavailable(&set, "kprobe:skb_copy_bits"));
	assert_true(find_unavailable(&set, "kprobe:tcp_collapse"));
	assert_true(find_unavailable(&set, "kprobe:tcp_rcv_established"));
	assert_false(find_unavailable(&set, "kprobe:br_forward"));
	/* the stock events are still recorded, tcp_probe too */
	assert_true(find_ev(&set, "tcp", "tcp_probe") >= 0);
	assert_int_equal(set.n, NSTOCK);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_patched_guest),
	    cmocka_unit_test(test_newer_kernel_sendmsg),
	    cmocka_unit_test(test_distro_guest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
