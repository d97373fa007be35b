// SPDX-License-Identifier: GPL-2.0
/*
 * test_record.c - the tracefs recorder and the ftrace decoder on real
 * tracepoint hits: record a loopback TCP exchange this test makes itself
 * (known ports, message count and size), decode it, and check what came
 * back against what was sent: the socket copies of our messages with our
 * length, tcp_probe with our ports, every timestamp between two rdtsc reads
 * taken around the recording, the decoder returning exactly as many events
 * as the kernel's per-CPU counters say were written, and the instance gone.
 * Skipped (with the reason) without root or tracefs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/evset.h"
#include "capture/ftrace_rec.h"
#include "capture/tsc.h"
#include "decode/stream.h"
#include "tracepoints/tp_map.h"

#define MSGS	  50
#define MSG_BYTES 1000

static uint16_t port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

/* MSGS messages of MSG_BYTES over loopback, each read whole before the next. */
static void loopback_traffic(uint16_t *client_port, uint16_t *server_port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s, one = 1;
	char buf[MSG_BYTES];

	assert_true(ls >= 0 && c >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(ls, 1), 0);
	getsockname(ls, (struct sockaddr *)&a, &l);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(ls, NULL, NULL);
	assert_true(s >= 0);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < MSGS; i++) {
		size_t got = 0;

		assert_int_equal(send(c, buf, sizeof(buf), 0), sizeof(buf));
		while (got < sizeof(buf)) {
			ssize_t n = recv(s, buf, sizeof(buf) - got, 0);

			assert_true(n > 0);
			got += (size_t)n;
		}
	}
	*client_port = port_of(c);
	*server_port = port_of(s);
	close(c);
	close(s);
	close(ls);
}

static void test_record_loopback(void **state)
{
	struct xpkt_err err = {{0}};
	struct xpkt_evset set;
	struct xpkt_ftrace_stats st;
	struct xpkt_ftrace_rec *r;
	struct xpkt_source src = {.name = "host",
				  .domain = XPKT_DOM_HOST,
				  .format = "ftrace",
				  .file = "host.ftrace",
				  .nifaces = 1};
	struct xpkt_stream s;
	struct xpkt_event ev;
	char bundle[] = "/tmp/xpkt-rec-XXXXXX", dir[64], inst[128], cmd[128];
	uint16_t cport = 0, sport = 0;
	uint64_t tsc0, tsc1, n = 0, prev = 0, copies = 0, probes = 0, queued = 0;
	int rc;

	(void)state;
	if (geteuid() != 0) {
		printf("skip: recording needs root\n");
		skip();
	}
	if (xpkt_ftrace_check(&err)) {
		printf("skip: %s\n", err.msg);
		skip();
	}
	assert_int_equal(xpkt_evset_resolve("net:net_dev_queue,tcp:tcp_probe,"
					    "skb:skb_copy_datagram_iovec,skb:consume_skb",
					    xpkt_ftrace_dir(), &set, &err),
			 0);
	assert_int_equal(set.n, 4);
	assert_int_equal(xpkt_evset_resolve("net:no_such_event", xpkt_ftrace_dir(), &set, &err),
			 -1);
	assert_non_null(strstr(err.msg, "net:no_such_event"));
	assert_int_equal(xpkt_evset_resolve("net:net_dev_queue,tcp:tcp_probe,"
					    "skb:skb_copy_datagram_iovec,skb:consume_skb",
					    xpkt_ftrace_dir(), &set, &err),
			 0);
	assert_non_null(mkdtemp(bundle));
	snprintf(dir, sizeof(dir), "%s/host.ftrace", bundle);
	snprintf(inst, sizeof(inst), "%s/instances/xpkttrace-%d", xpkt_ftrace_dir(), (int)getpid());

	struct xpkt_ftrace_opts o = {.dir = dir, .set = &set, .buffer_kb = 1024};
	r = xpkt_ftrace_start(&o, &err);
	if (!r)
		fail_msg("%s", err.msg);
	assert_int_equal(access(inst, F_OK), 0);
	tsc0 = xpkt_rdtsc();
	loopback_traffic(&cport, &sport);
	tsc1 = xpkt_rdtsc();
	assert_int_equal(xpkt_ftrace_stop(r, 0, &st, &err), 0);
	assert_int_not_equal(access(inst, F_OK), 0); /* instance removed */
	/* the timestamp check below assumes the TSC clock, offered on x86 */
	assert_string_equal(xpkt_ftrace_clock(r), "x86-tsc");
	xpkt_ftrace_free(r);

	snprintf(src.ifaces[0].name, sizeof(src.ifaces[0].name), "lo");
	src.ifaces[0].ifindex = 1;
	if (xpkt_stream_open(&s, bundle, &src, &err))
		fail_msg("%s", err.msg);
	while ((rc = xpkt_stream_next(&s, &ev, &err)) == 1) {
		assert_true(ev.ts >= prev);
		prev = ev.ts;
		if (ev.id == XPKT_EV_LOST)
			continue;
		n++;
		/* other processes' events may be in the trace, but none outside the run */
		assert_true(ev.ts >= tsc0 - 1000000000ull && ev.ts <= tsc1 + 1000000000ull);
		if (ev.id == XPKT_EV_SKB_COPY_DATAGRAM && ev.len == MSG_BYTES && ev.skb)
			copies++;
		if (ev.id == XPKT_EV_TCP_RCV && ev.flow.saddr == INADDR_LOOPBACK &&
		    ev.flow.daddr == INADDR_LOOPBACK && ev.flow.proto == 6 &&
		    ((ev.flow.sport == cport && ev.flow.dport == sport) ||
		     (ev.flow.sport == sport && ev.flow.dport == cport)))
			probes++;
		if (ev.id == XPKT_EV_DEV_QUEUE && ev.ifindex == 1 && ev.len >= MSG_BYTES)
			queued++;
	}
	if (rc < 0)
		fail_msg("%s", err.msg);
	xpkt_stream_close(&s);
	printf("  %llu events, %llu bytes stored, %.1f bytes/event, %llu lost\n",
	       (unsigned long long)st.events, (unsigned long long)st.bytes,
	       st.events ? (double)st.bytes / (double)st.events : 0.0, (unsigned long long)st.lost);
	/* every message is copied to user once, queued on lo once, probed on arrival */
	assert_true(copies >= MSGS);
	assert_true(queued >= MSGS);
	assert_true(probes >= MSGS);
	/* all four events are mapped: the decoder returns what the kernel wrote */
	assert_int_equal(n, st.events);
	assert_int_equal(st.lost, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bundle);
	assert_int_equal(system(cmd), 0);
}

static void test_native_set(void **state)
{
	struct xpkt_evset set;
	struct xpkt_err err = {{0}};
	unsigned n, nk, native = 0;
	const struct xpkt_tp_map *m;

	(void)state;
	if (xpkt_ftrace_check(&err)) {
		printf("skip: %s\n", err.msg);
		skip();
	}
	assert_int_equal(xpkt_evset_resolve(NULL, xpkt_ftrace_dir(), &set, &err), 0);
	m = xpkt_tp_maps(&n);
	for (unsigned i = 0; i < n; i++)
		native += !!(m[i].flags & XPKT_TP_NATIVE);
	xpkt_tp_kprobe_points(&nk);
	/* every native row and kprobe point is either recorded or said to be unavailable */
	assert_int_equal(set.n + set.nunavailable, native + nk);
	assert_true(set.n > 0);
	assert_int_equal(xpkt_evset_resolve("bad", xpkt_ftrace_dir(), &set, &err), -1);
	assert_int_equal(xpkt_evset_resolve("net:../x", xpkt_ftrace_dir(), &set, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_loopback),
	    cmocka_unit_test(test_native_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
