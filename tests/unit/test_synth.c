// SPDX-License-Identifier: GPL-2.0
/*
 * test_synth.c - bundles written by the generator are valid and their truth
 * adds up.
 *
 * Checked against independent readers: kev files through bundle/kev.c (which
 * rejects unsorted files), the pcap through libpcap, xen.trace through the
 * xentrace decoder, the manifest through bundle/manifest.c. The wire's
 * segment count is checked against the dom0 NIC events (one segment per
 * 1448-byte MSS of each transmitted skb, one per received segment); lost
 * counts in the manifest against the LOST records in the files. Hazards off
 * must give a clean trace: nothing lost, dropped or unattributed, every
 * packet complete. The same seed must give byte-identical files.
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
#include <pcap/pcap.h>

#include "bundle/kev.h"
#include "bundle/manifest.h"
#include "decode/stream.h"
#include "synth/synth.h"
#include "viz/report_json.h"

#define MSS 1448

static const char *const files[] = {"manifest.json", "guest.kev", "dom0.kev",
				    "xen.trace",     "wire.pcap", "truth.json"};

static char *tmpdir(const char *tag)
{
	char *d = malloc(128);

	snprintf(d, 128, "/tmp/test_synth.%s.XXXXXX", tag);
	assert_non_null(mkdtemp(d));
	return d;
}

static void rmbundle(char *dir)
{
	char path[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	free(dir);
}

static struct xpkt_results *generate(const char *dir, uint64_t packets, uint64_t seed,
				     unsigned hazards)
{
	struct xpkt_synth_opts o;
	struct xpkt_results *r = calloc(1, sizeof(*r));
	struct xpkt_err err = {{0}};

	xpkt_synth_defaults(&o);
	o.out_dir = dir;
	o.packets = packets;
	o.seed = seed;
	o.hazards = hazards;
	o.loss_rate = 0.01; /* enough bursts to matter in a small run */
	o.drop_rate = 0.01;
	if (xpkt_synth_generate(&o, r, &err))
		fail_msg("generate: %s", err.msg);
	return r;
}

struct kev_summary {
	uint64_t records, lost;
	uint64_t nic_tx_segments, nic_rx; /* from dom0 NIC events */
};

static void read_kev(const char *dir, const char *file, struct kev_summary *s)
{
	char path[256];
	struct xpkt_err err = {{0}};
	struct xpkt_kev_reader *r;
	struct xpkt_event ev;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	r = xpkt_kev_open(path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	memset(s, 0, sizeof(*s));
	while ((rc = xpkt_kev_next(r, &ev, &err)) == 1) {
		s->records++;
		if (ev.id == XPKT_EV_LOST)
			s->lost += ev.arg;
		/* ifindex 2 is dom0's NIC in the generator's manifest (checked below) */
		if (ev.id == XPKT_EV_DEV_XMIT && ev.ifindex == 2)
			s->nic_tx_segments += (ev.len + MSS - 1) / MSS;
		if (ev.id == XPKT_EV_NETIF_RECEIVE && ev.ifindex == 2)
			s->nic_rx++;
	}
	if (rc < 0)
		fail_msg("%s", err.msg); /* includes "timestamp goes backwards" */
	xpkt_kev_close_reader(r);
}

static void read_pcap(const char *dir, uint64_t *tx_data, uint64_t *rx_data, uint64_t *all)
{
	char path[256], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	uint64_t last_ns = 0;

	snprintf(path, sizeof(path), "%s/wire.pcap", dir);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	*tx_data = *rx_data = *all = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
		unsigned ip_len, payload;
		uint32_t saddr;

		assert_true(h->caplen >= 54);
		assert_true(ns >= last_ns); /* in time order */
		last_ns = ns;
		assert_int_equal(d[12] << 8 | d[13], 0x0800);
		assert_int_equal(d[23], 6);
		ip_len = (unsigned)(d[16] << 8 | d[17]);
		assert_int_equal(h->len, 14 + ip_len); /* IP length true even when cut */
		payload = ip_len - (unsigned)(d[14] & 15) * 4 - (unsigned)(d[46] >> 4) * 4;
		saddr =
		    (uint32_t)d[26] << 24 | (uint32_t)d[27] << 16 | (uint32_t)d[28] << 8 | d[29];
		(*all)++;
		if (!payload)
			continue;
		assert_true(payload <= MSS);
		if (saddr == 0x0a000002u)
			(*tx_data)++;
		else
			(*rx_data)++;
	}
	pcap_close(p);
}

static uint64_t xen_lost(const char *dir, const struct xpkt_source *src)
{
	struct xpkt_stream s;
	struct xpkt_event ev;
	struct xpkt_err err = {{0}};
	int rc;

	if (xpkt_stream_open(&s, dir, src, &err))
		fail_msg("%s", err.msg);
	while ((rc = xpkt_stream_next(&s, &ev, &err)) == 1)
		;
	if (rc < 0)
		fail_msg("%s", err.msg);
	xpkt_stream_close(&s);
	return s.lost_events;
}

static uint64_t sum_reasons(const struct xpkt_reason_count *l, unsigned n)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += l[i].count;
	return s;
}

static void check_truth(const struct xpkt_results *r)
{
	uint64_t total = 0;

	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		const struct xpkt_packet_counts *c = &r->by_dir[d];
		unsigned n;

		xpkt_stages((enum xpkt_dir)d, &n);
		assert_int_equal(c->total, c->complete + c->partial + c->dropped);
		assert_int_equal(sum_reasons(c->partial_reasons, c->npartial_reasons), c->partial);
		assert_int_equal(sum_reasons(c->drop_reasons, c->ndrop_reasons), c->dropped);
		/* the origin stage counts the packets */
		assert_int_equal(r->stages[d][0].count, c->total);
		for (unsigned i = 1; i < n; i++) {
			const struct xpkt_stage_stats *s = &r->stages[d][i];

			assert_true(s->count <= c->total);
			if (!s->count)
				continue;
			assert_true(s->min_ns <= s->p50_ns && s->p50_ns <= s->p90_ns &&
				    s->p90_ns <= s->p99_ns && s->p99_ns <= s->p999_ns &&
				    s->p999_ns <= s->max_ns);
			assert_true(s->mean_ns >= (double)s->min_ns &&
				    s->mean_ns <= (double)s->max_ns);
			assert_true(s->total_ns == s->mean_ns * (double)s->count ||
				    s->total_ns / (double)s->count == s->mean_ns);
		}
		total += c->total;
	}
	assert_int_equal(r->packets.total, total);
	assert_int_equal(r->packets.complete, r->by_dir[0].complete + r->by_dir[1].complete);
	assert_int_equal(r->packets.dropped, r->by_dir[0].dropped + r->by_dir[1].dropped);
	assert_int_equal(r->packets.total,
			 r->packets.complete + r->packets.partial + r->packets.dropped);
}

static void check_bundle(const char *dir, const struct xpkt_results *r, int lossless)
{
	struct xpkt_manifest m;
	struct xpkt_err err = {{0}};
	struct kev_summary g, d0;
	struct xpkt_results *back = calloc(1, sizeof(*back));
	uint64_t tx_data, rx_data, all;
	char path[256];

	assert_int_equal(xpkt_manifest_read(dir, &m, &err), 0);
	assert_int_equal(m.nsources, 4);
	assert_int_equal(m.tsc_hz, 2400000000ull);
	assert_int_equal(xpkt_source_dev_kind(xpkt_manifest_find(&m, XPKT_DOM_DOM0), 2),
			 XPKT_DEV_NIC);
	read_kev(dir, "guest.kev", &g);
	read_kev(dir, "dom0.kev", &d0);
	assert_int_equal(g.lost, xpkt_manifest_find(&m, XPKT_DOM_GUEST)->lost_events);
	assert_int_equal(d0.lost, xpkt_manifest_find(&m, XPKT_DOM_DOM0)->lost_events);
	assert_int_equal(xen_lost(dir, xpkt_manifest_find(&m, XPKT_DOM_XEN)),
			 xpkt_manifest_find(&m, XPKT_DOM_XEN)->lost_events);
	assert_int_equal(xpkt_manifest_find(&m, XPKT_DOM_WIRE)->lost_events, 0);
	read_pcap(dir, &tx_data, &rx_data, &all);
	assert_true(all > tx_data + rx_data); /* pure ACKs too */
	if (lossless) {
		assert_int_equal(tx_data, d0.nic_tx_segments);
		assert_int_equal(rx_data, d0.nic_rx);
	} else {
		assert_true(tx_data >= d0.nic_tx_segments);
		assert_true(rx_data >= d0.nic_rx);
	}
	/* every RX packet starts on the wire, which loses nothing */
	assert_int_equal(rx_data, r->by_dir[XPKT_RX].total);
	check_truth(r);
	for (unsigned i = 0; i < r->nlost; i++)
		assert_int_equal(r->lost[i].events, m.sources[i].lost_events);
	snprintf(path, sizeof(path), "%s/truth.json", dir);
	assert_int_equal(xpkt_results_read_json(path, back, &err), 0);
	assert_int_equal(back->packets.total, r->packets.total);
	for (int d = 0; d < XPKT_DIR_COUNT; d++)
		for (int i = 0; i < XPKT_MAX_STAGES; i++) {
			assert_int_equal(back->stages[d][i].count, r->stages[d][i].count);
			assert_true(back->stages[d][i].mean_ns == r->stages[d][i].mean_ns);
			assert_int_equal(back->stages[d][i].p99_ns, r->stages[d][i].p99_ns);
		}
	free(back);
}

static void test_bundles_are_valid(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		char *dir = tmpdir("valid");
		struct xpkt_results *r = generate(dir, 20000, seed, XPKT_HZ_ALL);
		uint64_t lost = 0, unattributed = 0;

		check_bundle(dir, r, 0);
		for (unsigned i = 0; i < r->nlost; i++)
			lost += r->lost[i].events;
		for (int d = 0; d < XPKT_DIR_COUNT; d++)
			for (int i = 0; i < XPKT_MAX_STAGES; i++)
				unattributed += r->stages[d][i].unattributed;
		/* with every hazard on, the hazards show */
		assert_true(lost > 0);
		assert_true(r->packets.dropped > 0);
		assert_true(r->packets.partial > 0);
		assert_true(unattributed > 0);
		free(r);
		rmbundle(dir);
	}
}

static void test_lossless_wire_matches_nic(void **state)
{
	char *dir = tmpdir("nic");
	struct xpkt_results *r = generate(dir, 20000, 11, XPKT_HZ_ALL & ~XPKT_HZ_LOST_EVENTS);

	(void)state;
	check_bundle(dir, r, 1);
	assert_true(r->packets.dropped > 0);
	free(r);
	rmbundle(dir);
}

static void test_hazards_off_is_clean(void **state)
{
	char *dir = tmpdir("clean");
	struct xpkt_results *r = generate(dir, 20000, 5, 0);
	struct xpkt_manifest m;
	struct xpkt_err err = {{0}};

	(void)state;
	check_bundle(dir, r, 1);
	assert_int_equal(xpkt_manifest_read(dir, &m, &err), 0);
	for (unsigned i = 0; i < m.nsources; i++) {
		assert_int_equal(m.sources[i].lost_events, 0);
		if (m.sources[i].clock == XPKT_CLOCK_TSC)
			assert_int_equal(m.sources[i].tsc_offset, 0);
		else
			assert_int_equal(m.sources[i].offset_ns, 0);
	}
	assert_int_equal(r->packets.total, 20000);
	assert_int_equal(r->packets.complete, 20000);
	assert_int_equal(r->packets.dropped, 0);
	assert_int_equal(r->packets.partial, 0);
	for (int d = 0; d < XPKT_DIR_COUNT; d++) {
		unsigned n;
		const struct xpkt_stage *s = xpkt_stages((enum xpkt_dir)d, &n);

		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(r->stages[d][i].unattributed, 0);
			if (s[i].flags & XPKT_STAGE_REQUIRED)
				assert_int_equal(r->stages[d][i].count, r->by_dir[d].total);
		}
	}
	free(r);
	rmbundle(dir);
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa && fb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void test_same_seed_same_bytes(void **state)
{
	char *a = tmpdir("det_a"), *b = tmpdir("det_b"), *c = tmpdir("det_c");
	char pa[256], pb[256], pc[256];
	int differs = 0;

	(void)state;
	free(generate(a, 5000, 42, XPKT_HZ_ALL));
	free(generate(b, 5000, 42, XPKT_HZ_ALL));
	free(generate(c, 5000, 43, XPKT_HZ_ALL));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(pa, sizeof(pa), "%s/%s", a, files[i]);
		snprintf(pb, sizeof(pb), "%s/%s", b, files[i]);
		snprintf(pc, sizeof(pc), "%s/%s", c, files[i]);
		if (!same_file(pa, pb))
			fail_msg("%s differs between two runs of one seed", files[i]);
		differs += !same_file(pa, pc);
	}
	assert_true(differs >= 5); /* another seed, other data */
	rmbundle(a);
	rmbundle(b);
	rmbundle(c);
}

static void test_never_clobbers(void **state)
{
	char *dir = tmpdir("clobber"), path[256];
	struct xpkt_synth_opts o;
	struct xpkt_err err = {{0}};
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/precious.txt", dir);
	fp = fopen(path, "w");
	fputs("data\n", fp);
	fclose(fp);
	xpkt_synth_defaults(&o);
	o.out_dir = dir;
	o.packets = 100;
	assert_int_equal(xpkt_synth_generate(&o, NULL, &err), -1);
	assert_non_null(strstr(err.msg, dir));
	unlink(path);
	/* an existing bundle is replaced */
	assert_int_equal(xpkt_synth_generate(&o, NULL, &err), 0);
	o.seed = 2;
	assert_int_equal(xpkt_synth_generate(&o, NULL, &err), 0);
	rmbundle(dir);
}

static void test_option_parsing(void **state)
{
	struct xpkt_synth_opts o;
	struct xpkt_err err = {{0}};
	unsigned h = XPKT_HZ_ALL;
	int tx_sw = xpkt_stage_find(XPKT_TX, "vm_switch"),
	    rx_sw = xpkt_stage_find(XPKT_RX, "vm_switch");

	(void)state;
	xpkt_synth_defaults(&o);
	assert_int_equal(xpkt_synth_set_latency(&o, "vm_switch=const:7us", &err), 0);
	assert_int_equal(o.latency[XPKT_TX][tx_sw].kind, XPKT_DIST_CONST);
	assert_true(o.latency[XPKT_TX][tx_sw].a == 7000.0);
	assert_true(o.latency[XPKT_RX][rx_sw].a == 7000.0); /* no prefix: both directions */
	assert_int_equal(xpkt_synth_set_latency(&o, "rx:vm_switch=uniform:1ms,2ms", &err), 0);
	assert_true(o.latency[XPKT_RX][rx_sw].b == 2e6);
	assert_true(o.latency[XPKT_TX][tx_sw].a == 7000.0);
	assert_int_equal(xpkt_synth_set_latency(&o, "tx:wire=lognormal:10,0.5", &err), 0);
	assert_int_equal(xpkt_synth_set_latency(&o, "rx:grant_claim=const:1", &err), -1);
	assert_int_equal(xpkt_synth_set_latency(&o, "tcp_build=const:1", &err), -1);
	assert_int_equal(xpkt_synth_set_latency(&o, "wire=bogus:1", &err), -1);
	assert_int_equal(xpkt_synth_set_latency(&o, "wire=uniform:5,1", &err), -1);
	assert_int_equal(xpkt_synth_set_latency(&o, "wire", &err), -1);
	assert_int_equal(xpkt_synth_parse_hazards("-gso,-drops", &h, &err), 0);
	assert_int_equal(h, XPKT_HZ_ALL & ~(XPKT_HZ_GSO | XPKT_HZ_DROPS));
	assert_int_equal(xpkt_synth_parse_hazards("none,lost-events", &h, &err), 0);
	assert_int_equal(h, XPKT_HZ_LOST_EVENTS);
	assert_int_equal(xpkt_synth_parse_hazards("all", &h, &err), 0);
	assert_int_equal(h, XPKT_HZ_ALL);
	assert_int_equal(xpkt_synth_parse_hazards("gso,nonsense", &h, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_option_parsing),
	    cmocka_unit_test(test_bundles_are_valid),
	    cmocka_unit_test(test_lossless_wire_matches_nic),
	    cmocka_unit_test(test_hazards_off_is_clean),
	    cmocka_unit_test(test_same_seed_same_bytes),
	    cmocka_unit_test(test_never_clobbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
