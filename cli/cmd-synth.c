// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-synth.c - `xpkttrace synth`: parse options, call xpkt_synth_generate,
 * print progress and a summary. The generator is in synth/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "synth/synth.h"

static void help(FILE *fp)
{
	fprintf(
	    fp,
	    "\n usage: xpkttrace synth -o BUNDLE [<options>]\n\n"
	    " Generate a trace bundle of a Xen PV guest's TCP traffic (guest.kev, dom0.kev,\n"
	    " xen.trace, wire.pcap, manifest.json) whose answer is known, and that answer\n"
	    " as BUNDLE/truth.json (the schema of 'report --json').\n\n"
	    "    -o, --output <dir>        bundle directory (created; an existing bundle is\n"
	    "                              replaced, any other non-empty directory refused)\n"
	    "    -n, --packets <n>         data packets, TX and RX together (default 100000)\n"
	    "    -s, --seed <n>            random seed; same seed, same files (default 1)\n"
	    "        --flows <n>           TCP flows, split between TX and RX (default 8)\n"
	    "        --rx-share <f>        fraction of packets received by the guest (0.5)\n"
	    "        --hazards <list>      comma list, '-' prefix removes (default all):\n"
	    "                              notify-batch gso skb-reuse gref-reuse tx-reorder\n"
	    "                              clock-offset drops lost-events, or all / none\n"
	    "        --drop-rate <f>       packets dropped, with 'drops' (default 0.002)\n"
	    "        --loss-rate <f>       Linux/Xen events lost in bursts, with\n"
	    "                              'lost-events' (default 0.001)\n"
	    "        --latency [tx:|rx:]STAGE=DIST\n"
	    "                              latency into STAGE from the previous stage; DIST is\n"
	    "                              const:A  uniform:A,B  exp:MEAN  lognormal:MEDIAN,SIGMA\n"
	    "                              times in us unless suffixed ns, us, ms or s;\n"
	    "                              repeatable; without tx:/rx: both directions\n"
	    "        --no-hotspots         write no hotspot kprobe calls (skb_copy_bits,\n"
	    "                              tcp_collapse), as a recording without kprobes\n"
	    "        --pmu-sim             also write a pmu-sim counter stream (pmu.sim) with\n"
	    "                              known counters per physical CPU, and its deltas\n"
	    "                              per stage in truth.json\n"
	    "    -q, --quiet               no progress or summary on stderr\n"
	    "    -h, --help                this help\n\n"
	    " Default latencies (us; lognormal median,sigma unless exp):\n"
	    "    tx: grant_claim 3,0.5  evtchn_notify 1,0.5  vm_switch exp 15  backend_copy 5,0.6\n"
	    "        backend_map 2,0.4  backend_deliver 3,0.5  bridge_forward 2,0.4\n"
	    "        nic_transmit 4,0.5  wire 10,0.6  grant_unmap 20,0.6 (after the last\n"
	    "        segment)  tlb_flush 3,0.4  tx_complete 8,0.5\n"
	    "    rx: nic_receive 8,0.5  bridge_forward 2,0.4  vif_transmit 2,0.4\n"
	    "        backend_rx_copy 6,0.6  rx_notify 2,0.4  vm_switch exp 20  netfront_rx 5,0.5\n"
	    "        gro_receive 1,0.3  tcp_receive 2,0.4  socket_copy 15,0.8\n"
	    " Stages of one batch or one ring wait for each other, and 30%% of batches find the\n"
	    " peer domain already running (no switch), so measured latencies are those draws\n"
	    " plus queueing: truth.json has the exact values.\n\n");
}

struct progress {
	int enabled;
	unsigned last_decile;
};

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress *p = arg;
	unsigned decile = (unsigned)(done * 10 / (total ? total : 1));

	if (!p->enabled || decile == p->last_decile)
		return;
	p->last_decile = decile;
	fprintf(stderr, "synth: %3u%% (%llu of %llu packets)\n", decile * 10,
		(unsigned long long)done, (unsigned long long)total);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *e;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno || *e)
		return -1;
	*out = v;
	return 0;
}

static int parse_frac(const char *s, double *out)
{
	char *e;
	double v = strtod(s, &e);

	if (e == s || *e || !(v >= 0 && v <= 1))
		return -1;
	*out = v;
	return 0;
}

int cmd_synth(int argc, char **argv)
{
	enum {
		OPT_FLOWS = 256,
		OPT_RX_SHARE,
		OPT_HAZARDS,
		OPT_DROP,
		OPT_LOSS,
		OPT_LATENCY,
		OPT_NO_HOT,
		OPT_PMU_SIM
	};
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"packets", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, 's'},
	    {"flows", required_argument, NULL, OPT_FLOWS},
	    {"rx-share", required_argument, NULL, OPT_RX_SHARE},
	    {"hazards", required_argument, NULL, OPT_HAZARDS},
	    {"drop-rate", required_argument, NULL, OPT_DROP},
	    {"loss-rate", required_argument, NULL, OPT_LOSS},
	    {"latency", required_argument, NULL, OPT_LATENCY},
	    {"no-hotspots", no_argument, NULL, OPT_NO_HOT},
	    {"pmu-sim", no_argument, NULL, OPT_PMU_SIM},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xpkt_synth_opts o;
	struct xpkt_synth_stats stats;
	struct xpkt_err err = {{0}};
	struct progress prog = {0};
	struct timespec t0, t1;
	int quiet = 0, c;
	uint64_t v;
	double secs;

	xpkt_synth_defaults(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:n:s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out_dir = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, &o.packets) || o.packets == 0)
				return usage_error(
				    "synth", "--packets wants a positive count, not '%s'", optarg);
			break;
		case 's':
			if (parse_u64(optarg, &o.seed))
				return usage_error("synth", "--seed wants a number, not '%s'",
						   optarg);
			break;
		case OPT_FLOWS:
			if (parse_u64(optarg, &v) || v == 0 || v > 60000)
				return usage_error("synth", "--flows wants 1 to 60000, not '%s'",
						   optarg);
			o.flows = (unsigned)v;
			break;
		case OPT_RX_SHARE:
			if (parse_frac(optarg, &o.rx_share))
				return usage_error(
				    "synth", "--rx-share wants a fraction in [0, 1], not '%s'",
				    optarg);
			break;
		case OPT_HAZARDS:
			if (xpkt_synth_parse_hazards(optarg, &o.hazards, &err))
				return usage_error("synth", "%s", err.msg);
			break;
		case OPT_DROP:
			if (parse_frac(optarg, &o.drop_rate))
				return usage_error(
				    "synth", "--drop-rate wants a fraction in [0, 1], not '%s'",
				    optarg);
			break;
		case OPT_LOSS:
			if (parse_frac(optarg, &o.loss_rate) || o.loss_rate >= 0.5)
				return usage_error(
				    "synth", "--loss-rate wants a fraction in [0, 0.5), not '%s'",
				    optarg);
			break;
		case OPT_LATENCY:
			if (xpkt_synth_set_latency(&o, optarg, &err))
				return usage_error("synth", "%s", err.msg);
			break;
		case OPT_NO_HOT:
			o.hotspots = 0;
			break;
		case OPT_PMU_SIM:
			o.pmu_sim = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			help(stdout);
			return 0;
		case ':':
			return usage_error("synth", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("synth", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("synth", "unexpected argument '%s'", argv[optind]);
	if (!o.out_dir)
		return usage_error("synth", "no output directory (-o BUNDLE)");

	prog.enabled = !quiet && isatty(STDERR_FILENO);
	o.progress = on_progress;
	o.progress_arg = &prog;
	o.stats = &stats;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (xpkt_synth_generate(&o, NULL, &err))
		return die("%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	if (!quiet)
		fprintf(stderr,
			"synth: %s: %llu packets in %.2f s (%.0f packets/s); records written: "
			"guest %llu, dom0 %llu, xen %llu, wire %llu; lost on purpose: guest %llu, "
			"dom0 %llu, xen %llu\n",
			o.out_dir, (unsigned long long)stats.packets, secs,
			secs > 0 ? (double)stats.packets / secs : 0.0,
			(unsigned long long)stats.events[0], (unsigned long long)stats.events[1],
			(unsigned long long)stats.events[2], (unsigned long long)stats.events[3],
			(unsigned long long)stats.lost[0], (unsigned long long)stats.lost[1],
			(unsigned long long)stats.lost[2]);
	return 0;
}
