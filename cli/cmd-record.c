// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-record.c - `xpkttrace record`: run a command while the tracefs recorder
 * (capture/ftrace_rec.c), optional wire captures (capture/pcap_rec.c) and,
 * with --xen in a Xen dom0, the hypervisor recorder (capture/xen_rec.c)
 * record, then write the bundle's manifest, last and atomically.
 *
 * Everything that can fail on bad input (root, tracefs, event names,
 * interfaces, filter, the command itself) is checked before tracing starts.
 * The workload is forked first and held on a pipe until the recorder runs,
 * as perf record does, so its first packets are in the trace.
 *
 * Once recording has stopped (never during it: compression would take CPU
 * from the traced workload), the ftrace pages are zstd-compressed in place
 * (capture/ftrace_compress.c) unless --no-compress; a second Ctrl-C cancels
 * that and keeps the bundle uncompressed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bundle/manifest.h"
#include "capture/pmu.h"
#include "capture/simmark.h"
#include "capture/evset.h"
#include "capture/ftrace_compress.h"
#include "capture/ftrace_rec.h"
#include "capture/host.h"
#include "capture/pcap_rec.h"
#include "capture/kallsyms.h"
#include "capture/perf_rec.h"
#include "capture/tsc.h"
#include "capture/xen_rec.h"
#include "cli/cmd.h"
#include "lib/afile.h"
#include "lib/files.h"
#include "tracepoints/stage.h"
#include "tracepoints/tp_map.h"

#define MAX_IFACES 4
#define SIMMARKS   8 /* pmu-sim markers at each end of a --pmu=sim recording */

static const char record_usage[] =
    "\n usage: xpkttrace record [<options>] [--] COMMAND [ARGS...]\n\n"
    "    -o, --output <dir>        bundle directory to create (default xpkt.bundle)\n"
    "    -e, --events <set>        'native' (default: every tracepoint this kernel has\n"
    "                              of the native set), 'xen-dom0' (a Xen dom0: the\n"
    "                              patched netback's events, device and skb events,\n"
    "                              kprobes), 'xen-guest' (a domU: the patched\n"
    "                              netfront's events, the guest's net, tcp and skb\n"
    "                              events, kprobes) or a comma list of system:event\n"
    "    -i, --iface <dev[,dev]>   also capture the wire on these devices (pcap)\n"
    "    -f, --filter <expr>       pcap filter expression for --iface\n"
    "    -d, --duration <secs>     stop after this long (the command is then ended)\n"
    "    -b, --buffer-kb <n>       ring buffer per CPU in KiB (default 8192)\n"
    "        --xen                 in a Xen dom0: also record the hypervisor (xentrace\n"
    "                              format, xen.trace); the Linux source becomes dom0\n"
    "        --xen-buffer-kb <n>   Xen trace buffer per CPU in KiB (default 8192)\n"
    "        --pmu <list|off|sim>  counters read with each stage event (default\n"
    "                              " XPKT_PMU_DEFAULT ";\n"
    "                              also the software counters cpu-clock, task-clock,\n"
    "                              page-faults, context-switches, cpu-migrations);\n"
    "                              where every counter opens, the stage tracepoints\n"
    "                              go through perf groups into SOURCE.pmu, else the\n"
    "                              manifest says why not (docs/bundle.md \"pmu\");\n"
    "                              sim: no counters here, but clock markers for a\n"
    "                              pmu-sim plugin running this VM under QEMU, at the\n"
    "                              start and end (pmu-sim-markers.txt)\n"
    "        --samples[=HZ]        also sample the kernel's PC on every CPU with the\n"
    "                              perf cpu-clock (default 999 Hz; into SOURCE.perf,\n"
    "                              docs/bundle.md \"perf\")\n"
    "        --no-compress         keep the trace pages raw (default: zstd-compressed\n"
    "                              after recording stops, cpuN.raw.zst)\n"
    "    -q, --quiet               no progress on stderr\n"
    "    -h, --help                this help\n\n"
    " Runs COMMAND and records Linux trace events (raw tracefs ring-buffer pages,\n"
    " x86-tsc clock where offered) in a private tracefs instance until it exits,\n"
    " --duration passes or Ctrl-C; then writes a bundle `xpkttrace report` reads.\n"
    " Without COMMAND, --duration is required. Needs root. An interrupted\n"
    " recording leaves a readable bundle marked \"incomplete\".\n\n";
_Static_assert(XPKT_PERF_DEFAULT_HZ == 999, "record's usage names the default rate");

static volatile sig_atomic_t interrupted;
/* Stop signals so far: one more during compression cancels it. */
static volatile sig_atomic_t stop_signals;

static void on_stop_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	stop_signals = stop_signals + 1;
}

static void on_fatal_signal(int sig)
{
	xpkt_ftrace_emergency_cleanup();
	xpkt_xen_emergency_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Forks COMMAND held on a pipe; writing to *go_fd (then closing it) runs it. */
/* A recorder's stop returned rc: 1 if it stopped cleanly, else its error is
 * printed, the bundle will be marked incomplete (*failed) and 0. */
static int stopped(int rc, const struct xpkt_err *err, int *failed)
{
	if (!rc)
		return 1;
	die("%s", err->msg);
	*failed = 1;
	return 0;
}

static pid_t fork_workload(char **argv, int *go_fd)
{
	int go[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (pid == 0) {
		char c;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(126); /* the recorder gave up before starting */
		execvp(argv[0], argv);
		fprintf(stderr, "xpkttrace: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	*go_fd = go[1];
	return pid;
}

static void workload_line(char *out, size_t len, int argc, char **argv)
{
	size_t n = 0;

	out[0] = 0;
	for (int i = 0; i < argc && n + 1 < len; i++) {
		int w = snprintf(out + n, len - n, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

struct rec_state {
	struct xpkt_ftrace_rec *ft;
	struct xpkt_xen_rec *xr;    /* --xen only */
	struct xpkt_perf_rec *perf; /* --samples only */
	struct xpkt_perf_rec *pmu;  /* --pmu where every counter opens: tracepoint groups */
	struct xpkt_pcap_rec *pc[MAX_IFACES];
	char ifname[MAX_IFACES][32];
	unsigned npc;
};

static void progress(struct rec_state *st, double elapsed, uint64_t *last_events, double *last_t)
{
	struct xpkt_ftrace_stats fs;
	uint64_t pk = 0, pl = 0;
	double now = now_s();

	xpkt_ftrace_stats(st->ft, &fs);
	for (unsigned i = 0; i < st->npc; i++) {
		uint64_t p, l;

		xpkt_pcap_stats(st->pc[i], &p, &l);
		pk += p;
		pl += l;
	}
	fprintf(stderr, "  %5.1f s  %9.0f events/s  %8.1f MB  %llu lost", elapsed,
		now > *last_t ? (double)(fs.events - *last_events) / (now - *last_t) : 0.0,
		(double)fs.bytes / 1e6, (unsigned long long)fs.lost);
	if (st->npc)
		fprintf(stderr, "  | wire %llu packets, %llu dropped", (unsigned long long)pk,
			(unsigned long long)pl);
	if (st->xr) {
		struct xpkt_xen_stats xs;

		xpkt_xen_stats(st->xr, &xs);
		fprintf(stderr, "  | xen %llu records, %.1f MB, %llu lost",
			(unsigned long long)xs.counts.records, (double)xs.counts.bytes / 1e6,
			(unsigned long long)xs.lost);
	}
	fputc('\n', stderr);
	*last_events = fs.events;
	*last_t = now;
}

struct compress_ui {
	int quiet;
	sig_atomic_t signals_at_start;
	double next_print;
};

/* "  compressing 120.0 MB ... 14.0 MB, 8.4x", once a second; a stop signal cancels. */
static int compress_progress(const struct xpkt_compress_progress *p, void *ctx)
{
	struct compress_ui *ui = ctx;
	double t = now_s();

	if (stop_signals != ui->signals_at_start)
		return 1;
	if (!ui->quiet && t >= ui->next_print && p->in_bytes < p->total_in_bytes) {
		fprintf(stderr, "  compressing %.1f MB ... %.1f MB, %.1fx\n",
			(double)p->total_in_bytes / 1e6, (double)p->out_bytes / 1e6,
			p->out_bytes ? (double)p->in_bytes / (double)p->out_bytes : 0.0);
		ui->next_print = t + 1;
	}
	return 0;
}

/*
 * Compresses the .ftrace pages once every recorder has stopped; a failure
 * or a cancel leaves raw pages and meta.json as they were (still a good
 * bundle), so it is reported, not fatal. *cs zero if nothing was compressed.
 */
static void compress_trace(const char *ftdir, int quiet, struct xpkt_compress_stats *cs)
{
	struct compress_ui ui = {
	    .quiet = quiet, .signals_at_start = stop_signals, .next_print = now_s() + 1};
	struct xpkt_err err = {{0}};

	if (xpkt_ftrace_compress(ftdir, XPKT_FTRACE_ZSTD_LEVEL, compress_progress, &ui, cs, &err)) {
		fprintf(stderr, "xpkttrace record: %s; the trace stays uncompressed\n", err.msg);
		memset(cs, 0, sizeof(*cs));
		return;
	}
	if (!quiet && cs->files)
		fprintf(stderr,
			"xpkttrace record: compressed %.1f MB -> %.1f MB (%.1fx, zstd -%d) in %.2f "
			"s, %.0f MB/s\n",
			(double)cs->in_bytes / 1e6, (double)cs->out_bytes / 1e6,
			cs->out_bytes ? (double)cs->in_bytes / (double)cs->out_bytes : 0.0,
			XPKT_FTRACE_ZSTD_LEVEL, cs->seconds,
			cs->seconds > 0 ? (double)cs->in_bytes / 1e6 / cs->seconds : 0.0);
}

/* Whether event id is a stage's event in some mode and direction (tracepoints/stage.h). */
static int is_stage_event(uint16_t id)
{
	static const enum xpkt_mode modes[] = {XPKT_MODE_XEN, XPKT_MODE_NATIVE};

	for (unsigned k = 0; k < 2; k++)
		for (int d = 0; d < XPKT_DIR_COUNT; d++) {
			unsigned n;
			const struct xpkt_stage *st =
			    xpkt_mode_stages(modes[k], (enum xpkt_dir)d, &n);

			for (unsigned i = 0; i < n; i++)
				if (st[i].event == id)
					return 1;
		}
	return 0;
}

/*
 * With counters that open, the set's stage tracepoints are read through
 * perf groups (the counters ride on each hit) and leave the ftrace set,
 * which would otherwise record each hit a second time. Kprobes stay in
 * ftrace (a kprobe event has no perf group here), and so do events that
 * are no stage's (skb lifetimes): they carry no counters the correlator
 * uses.
 */
static unsigned split_pmu_events(struct xpkt_evset *set, struct xpkt_perf_tp *tps)
{
	unsigned n = 0, kept = 0;

	for (unsigned i = 0; i < set->n; i++) {
		const struct xpkt_tp_map *row = xpkt_tp_find(set->ev[i].system, set->ev[i].event);

		if (!set->ev[i].kprobe[0] && row && is_stage_event(row->id)) {
			snprintf(tps[n].system, sizeof(tps[n].system), "%s", set->ev[i].system);
			snprintf(tps[n].event, sizeof(tps[n].event), "%s", set->ev[i].event);
			snprintf(tps[n].filter, sizeof(tps[n].filter), "%s", set->ev[i].filter);
			n++;
			continue;
		}
		if (kept != i)
			set->ev[kept] = set->ev[i];
		kept++;
	}
	set->n = kept;
	return n;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"events", required_argument, NULL, 'e'},
	    {"iface", required_argument, NULL, 'i'},
	    {"filter", required_argument, NULL, 'f'},
	    {"duration", required_argument, NULL, 'd'},
	    {"buffer-kb", required_argument, NULL, 'b'},
	    {"xen", no_argument, NULL, 'X'},
	    {"xen-buffer-kb", required_argument, NULL, 'B'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-compress", no_argument, NULL, 'Z'},
	    {"pmu", required_argument, NULL, 'P'},
	    {"samples", optional_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = "xpkt.bundle", *events = NULL, *ifaces = NULL, *filter = NULL;
	double duration = 0;
	unsigned long buffer_kb = 0, xen_buffer_kb = 0, samples_hz = 0;
	int xen = 0;
	int c, quiet = 0, compress = 1, rc = 1, go_fd = -1, status = 0, child_done = 0,
	       created_dir = 0;
	struct xpkt_err err = {{0}};
	struct xpkt_evset *set = NULL;
	struct xpkt_manifest *m = NULL;
	struct rec_state st;
	char path[4200], ftdir[4200];
	const char *ftname = "host.ftrace";
	pid_t child = -1;
	uint64_t tsc_hz = 0;
	int64_t wire_offset_ns = 0, mono_offset_ns = 0;
	struct sigaction sa;
	struct xpkt_pmu_info pmu;
	int pmu_sim = 0, simmark_open = 0; /* --pmu=sim, and its markers' file */
	struct afile simmark;
	struct xpkt_perf_tp *ptps = NULL;
	struct xpkt_evset *orig = NULL;
	unsigned nptps = 0;

	memset(&st, 0, sizeof(st));
	xpkt_pmu_parse(XPKT_PMU_DEFAULT, &pmu, &err);
	optind = 1;
	/* '+': options end at COMMAND, so its own flags are left to it */
	while ((c = getopt_long(argc, argv, "+o:e:i:f:d:b:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'e':
			events = optarg;
			break;
		case 'i':
			ifaces = optarg;
			break;
		case 'f':
			filter = optarg;
			break;
		case 'd': {
			char *end;

			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(duration > 0) || duration > 1e7)
				return usage_error("record", "bad --duration '%s'", optarg);
			break;
		}
		case 'b':
			if (parse_uint(optarg, 1 << 22, &buffer_kb) || buffer_kb < 4)
				return usage_error("record", "bad --buffer-kb '%s'", optarg);
			break;
		case 'X':
			xen = 1;
			break;
		case 'B':
			/* Xen takes whole 4 KiB pages, at most 65535 of them (t_info's u16) */
			if (parse_uint(optarg, 65535ul * 4, &xen_buffer_kb) || xen_buffer_kb < 4)
				return usage_error("record", "bad --xen-buffer-kb '%s'", optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'Z':
			compress = 0;
			break;
		case 'P':
			/* sim: the counters come from the QEMU plugin, outside */
			pmu_sim = !strcmp(optarg, "sim");
			if (xpkt_pmu_parse(pmu_sim ? "off" : optarg, &pmu, &err))
				return usage_error("record", "%s", err.msg);
			break;
		case 'S':
			/* perf's own ceiling is kernel.perf_event_max_sample_rate */
			samples_hz = XPKT_PERF_DEFAULT_HZ;
			if (optarg && (parse_uint(optarg, 100000, &samples_hz) || !samples_hz))
				return usage_error("record", "bad --samples '%s' (1..100000 Hz)",
						   optarg);
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 0;
		default:
			return usage_error("record", "unknown option");
		}
	}
	if (optind == argc && !(duration > 0))
		return usage_error("record", "missing COMMAND (or --duration)");
	if (filter && !ifaces)
		return usage_error("record", "--filter needs --iface");
	if (xen_buffer_kb && !xen)
		return usage_error("record", "--xen-buffer-kb needs --xen");
	if (xen) {
		/* Not a dom0: say so before anything is created or started. */
		if (xpkt_xen_check(&err))
			return die("%s", err.msg);
		ftname = "dom0.ftrace";
	}

	/* --- everything that can fail on bad input, before anything starts --- */
	set = calloc(1, sizeof(*set));
	m = calloc(1, sizeof(*m));
	if (!set || !m) {
		rc = die("record: out of memory");
		goto out;
	}
	if (xpkt_ftrace_check(&err) || xpkt_evset_resolve(events, xpkt_ftrace_dir(), set, &err)) {
		rc = die("%s", err.msg);
		goto out;
	}
	/* Counters that open on every CPU are read with the stage tracepoints (pmu.h). */
	xpkt_pmu_probe(&pmu);
	if (pmu_sim)
		snprintf(pmu.reason, sizeof(pmu.reason),
			 "simulated (--pmu=sim): the pmu-sim plugin's stream, paired by the clock "
			 "markers in pmu-sim-markers.txt");
	if (pmu.available) {
		ptps = calloc(XPKT_EVSET_MAX, sizeof(*ptps));
		orig = malloc(sizeof(*orig));
		if (!ptps || !orig) {
			rc = die("record: out of memory");
			goto out;
		}
		*orig = *set;
		nptps = split_pmu_events(set, ptps);
		if (!nptps) {
			pmu.available = 0;
			snprintf(pmu.reason, sizeof(pmu.reason),
				 "no stage tracepoint in the event set to read counters with");
		}
	}
	if (optind < argc && !xpkt_on_path(argv[optind])) {
		rc = die("cannot run '%s': command not found", argv[optind]);
		goto out;
	}
	if (mkdir(out, 0755)) {
		rc = errno == EEXIST ? die("%s: exists; remove it or choose another -o", out)
				     : die("%s: %s", out, strerror(errno));
		goto out;
	}
	created_dir = 1;
	if (ifaces) {
		char buf[256], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", ifaces);
		for (char *d = strtok_r(buf, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
			if (st.npc == MAX_IFACES) {
				rc = die("at most %d --iface devices", MAX_IFACES);
				goto out;
			}
			snprintf(st.ifname[st.npc], sizeof(st.ifname[0]), "%.31s", d);
			/* one device: wire.pcap; several: wire-DEV.pcap each */
			if (xpkt_bundle_path(path, sizeof(path), out, "wire.pcap"))
				goto out;
			if (strchr(ifaces, ','))
				snprintf(path, sizeof(path), "%s/wire-%s.pcap", out, d);
			st.pc[st.npc] = xpkt_pcap_open(d, filter, path, &err);
			if (!st.pc[st.npc]) {
				rc = die("%s", err.msg);
				goto out;
			}
			st.npc++;
		}
	}
	if (xpkt_tsc_measure_hz(100, &tsc_hz, &err)) {
		rc = die("%s", err.msg);
		goto out;
	}
	if (optind < argc) {
		child = fork_workload(argv + optind, &go_fd);
		if (child < 0) {
			rc = die("cannot fork: %s", strerror(errno));
			goto out;
		}
	}

	/* --- recording --- */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);

	snprintf(ftdir, sizeof(ftdir), "%s/%s", out, ftname);
	if (nptps) {
		char gdir[4200];
		/* every stage hit is a sample (~120 bytes): 1 MiB rings, not 256 KiB */
		struct xpkt_perf_opts go = {.dir = gdir,
					    .ring_pages = 256,
					    .tps = ptps,
					    .ntps = nptps,
					    .tracing_dir = xpkt_ftrace_dir(),
					    .counters = (const char(*)[24])pmu.counters,
					    .ncounters = pmu.ncounters};

		snprintf(gdir, sizeof(gdir), "%s/%s.pmu", out, xen ? "dom0" : "host");
		st.pmu = xpkt_perf_start(&go, &err);
		if (!st.pmu) {
			/* counters that open alone may still be refused in a group: say so,
			 * and record the tracepoints through ftrace as without counters */
			pmu.available = 0;
			snprintf(pmu.reason, sizeof(pmu.reason), "perf groups: %.170s", err.msg);
			*set = *orig;
			nptps = 0;
			if (!quiet)
				fprintf(stderr, "xpkttrace record: no PMU groups: %s\n", err.msg);
		}
	}
	{
		struct xpkt_ftrace_opts fo = {
		    .dir = ftdir, .set = set, .buffer_kb = (unsigned)buffer_kb};

		st.ft = xpkt_ftrace_start(&fo, &err);
	}
	if (!st.ft) {
		rc = die("%s", err.msg);
		goto out;
	}
	for (unsigned i = 0; i < st.npc; i++)
		if (xpkt_pcap_start(st.pc[i], &err)) {
			rc = die("%s", err.msg);
			goto out;
		}
	if (samples_hz) {
		char pdir[4200];
		struct xpkt_perf_opts po = {.dir = pdir, .freq_hz = (unsigned)samples_hz};

		snprintf(pdir, sizeof(pdir), "%s/%s.perf", out, xen ? "dom0" : "host");
		st.perf = xpkt_perf_start(&po, &err);
		if (!st.perf) {
			rc = die("%s", err.msg);
			goto out;
		}
	}
	if (xen) {
		struct xpkt_xen_opts xo = {.buffer_kb = (unsigned)xen_buffer_kb};

		snprintf(path, sizeof(path), "%s/xen.trace", out);
		xo.path = path;
		st.xr = xpkt_xen_start(&xo, &err);
		if (!st.xr) {
			rc = die("%s", err.msg);
			goto out;
		}
	}
	wire_offset_ns = xpkt_tsc_realtime_offset_ns(tsc_hz);
	if (strcmp(xpkt_ftrace_clock(st.ft), "x86-tsc")) {
		/* mono trace clock: CLOCK_MONOTONIC against the TSC, as for pcap */
		struct timespec ts;
		uint64_t t0 = xpkt_rdtsc(), t1;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = xpkt_rdtsc();
		mono_offset_ns =
		    (int64_t)((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) -
		    (int64_t)xpkt_tsc_to_ns(t0 + (t1 - t0) / 2, tsc_hz);
	}
	/* pmu-sim markers while the trace runs, before the workload and after it */
	if (pmu_sim) {
		if (xpkt_bundle_path(path, sizeof(path), out, "pmu-sim-markers.txt") ||
		    afile_open(&simmark, path, &err) || (simmark_open = 1, 0) ||
		    xpkt_simmark(simmark.fp, SIMMARKS, &err)) {
			rc = die("%s", err.msg[0] ? err.msg : "pmu-sim-markers.txt: path too long");
			goto out;
		}
	}
	if (child > 0) {
		(void)!write(go_fd, "g", 1);
		close(go_fd);
		go_fd = -1;
	}
	if (!quiet)
		fprintf(stderr, "xpkttrace record: %u events, clock %s, TSC %.3f GHz -> %s\n",
			set->n, xpkt_ftrace_clock(st.ft), (double)tsc_hz / 1e9, out);
	if (!quiet && st.pmu)
		fprintf(stderr,
			"xpkttrace record: %u stage tracepoints through perf groups with %u "
			"counters\n",
			nptps, pmu.ncounters);
	if (!quiet && st.perf)
		fprintf(stderr,
			"xpkttrace record: PC samples at %lu Hz per CPU, perf time via %s\n",
			samples_hz, xpkt_perf_time_conv_name(st.perf));
	if (!quiet && st.xr) {
		struct xpkt_xen_stats xs;
		char names[64];

		xpkt_xen_stats(st.xr, &xs);
		xpkt_xen_mask_names(xs.evt_mask, names, sizeof(names));
		fprintf(stderr,
			"xpkttrace record: xen: %u CPUs, %u KiB buffer each, mask 0x%08x (%s)\n",
			xs.ncpus, xs.buffer_kb, xs.evt_mask, names);
	}
	{
		double t0 = now_s(), last_t = t0, next_progress = t0 + 1;
		uint64_t last_events = 0;

		while (!interrupted) {
			struct timespec nap = {0, 50 * 1000000L};
			double t;

			if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
				child_done = 1;
				break;
			}
			t = now_s();
			if (duration > 0 && t - t0 >= duration)
				break;
			if (!quiet && t >= next_progress) {
				progress(&st, t - t0, &last_events, &last_t);
				next_progress += 1;
			}
			nanosleep(&nap, NULL);
		}
	}
	/* Stop the workload if it is still running (duration or Ctrl-C). */
	if (child > 0 && !child_done) {
		kill(child, SIGTERM);
		for (int i = 0; i < 40 && !child_done; i++) {
			struct timespec nap = {0, 50 * 1000000L};

			if (waitpid(child, &status, WNOHANG) == child)
				child_done = 1;
			else
				nanosleep(&nap, NULL);
		}
		if (!child_done) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			child_done = 1;
		}
	}

	/* the closing markers: a pair at each end spans the run's clock drift */
	if (simmark_open) {
		simmark_open = 0;
		if (xpkt_simmark(simmark.fp, SIMMARKS, &err)) {
			afile_abort(&simmark);
			fprintf(stderr, "xpkttrace record: warning: %s\n", err.msg);
		} else if (afile_commit(&simmark, &err)) {
			fprintf(stderr, "xpkttrace record: warning: %s\n", err.msg);
		}
	}

	/* --- the bundle --- */
	{
		struct xpkt_ftrace_stats fs;
		struct xpkt_compress_stats cs = {0};
		struct xpkt_xen_stats xs;
		struct xpkt_perf_stats ps, gs;
		struct xpkt_source *s;
		int failed = 0, xen_ok = 0, perf_ok = 0, pmu_ok = 0;

		memset(&xs, 0, sizeof(xs));
		memset(&ps, 0, sizeof(ps));
		memset(&gs, 0, sizeof(gs));
		pmu_ok = st.pmu && stopped(xpkt_perf_stop(st.pmu, &gs, &err), &err, &failed);
		/* samples first: the perf window then lies inside the ftrace one */
		perf_ok = st.perf && stopped(xpkt_perf_stop(st.perf, &ps, &err), &err, &failed);
		/*
		 * The samples are addresses: keep this kernel's symbols beside them, so
		 * report names them on any machine (docs/bundle.md). Without them the
		 * samples are still counted, named "[unknown]".
		 */
		if (perf_ok) {
			char kpath[4200];
			size_t nsyms;

			snprintf(kpath, sizeof(kpath), "%s/%s.kallsyms", out,
				 xen ? "dom0" : "host");
			if (xpkt_kallsyms_save("/proc/kallsyms", kpath, &nsyms, &err))
				fprintf(stderr,
					"xpkttrace record: warning: %s: samples stay unnamed\n",
					err.msg);
			else if (!quiet)
				fprintf(stderr,
					"xpkttrace record: %zu kernel text symbols saved in %s\n",
					nsyms, kpath);
		}
		stopped(xpkt_ftrace_stop(st.ft, interrupted, &fs, &err), &err, &failed);
		xen_ok = st.xr && stopped(xpkt_xen_stop(st.xr, &xs, &err), &err, &failed);
		snprintf(m->created_by, sizeof(m->created_by), "xpkttrace record %s", XPKT_VERSION);
		snprintf(m->mode, sizeof(m->mode), xen ? "xen" : "native");
		m->tsc_hz = tsc_hz;
		m->incomplete = interrupted || failed;
		workload_line(m->workload, sizeof(m->workload), argc - optind, argv + optind);
		s = &m->sources[m->nsources++];
		/* In a dom0 the Linux kernel is the driver domain's (netback, bridge, NIC). */
		snprintf(s->name, sizeof(s->name), xen ? "dom0" : "host");
		s->domain = xen ? XPKT_DOM_DOM0 : XPKT_DOM_HOST;
		s->domid = xen ? 0 : XPKT_DOMID_NONE;
		snprintf(s->format, sizeof(s->format), "ftrace");
		snprintf(s->file, sizeof(s->file), "%s", ftname);
		snprintf(s->clock_name, sizeof(s->clock_name), "%s", xpkt_ftrace_clock(st.ft));
		if (!strcmp(s->clock_name, "x86-tsc")) {
			s->clock = XPKT_CLOCK_TSC;
		} else {
			s->clock = XPKT_CLOCK_NS;
			s->offset_ns = mono_offset_ns;
		}
		snprintf(s->offset_from, sizeof(s->offset_from), "recorder");
		s->lost_events = fs.lost;
		xpkt_host_describe(s);
		/* probed before the start: the reason, or the counters, go to the manifest */
		s->pmu = pmu;
		if (pmu_ok) {
			s->pmu.available = 0;
			s->pmu.ncounters = 0;
			snprintf(s->pmu.reason, sizeof(s->pmu.reason),
				 "counters read with the stage tracepoints in source %s-pmu",
				 xen ? "dom0" : "host");
		}
		for (unsigned i = 0; i < set->nunavailable && i < XPKT_MAX_UNAVAILABLE; i++)
			snprintf(s->unavailable[s->nunavailable++], sizeof(s->unavailable[0]), "%s",
				 set->unavailable[i]);
		for (unsigned i = 0; i < set->n && s->nunavailable < XPKT_MAX_UNAVAILABLE; i++) {
			int e;
			const char *k = xpkt_ftrace_refused(st.ft, i, &e);

			if (!k)
				continue;
			snprintf(s->unavailable[s->nunavailable++], sizeof(s->unavailable[0]),
				 "kprobe:%.48s", k);
			if (!quiet)
				fprintf(stderr, "xpkttrace record: kprobe %s refused: %s\n", k,
					strerror(e));
		}
		for (unsigned i = 0; i < set->n && s->nfilters < XPKT_MAX_FILTERS; i++) {
			if (!set->ev[i].filter[0])
				continue;
			snprintf(s->filters[s->nfilters].event, sizeof(s->filters[0].event),
				 "%.31s:%.31s", set->ev[i].system, set->ev[i].event);
			snprintf(s->filters[s->nfilters++].expr, sizeof(s->filters[0].expr), "%s",
				 set->ev[i].filter);
		}
		if (pmu_ok) {
			const struct xpkt_source *lin = &m->sources[0];

			s = &m->sources[m->nsources++];
			*s = *lin; /* kernel, addresses, devices: the same kernel's */
			snprintf(s->name, sizeof(s->name), "%.16s-pmu", lin->name);
			snprintf(s->format, sizeof(s->format), "perf");
			snprintf(s->file, sizeof(s->file), "%.16s.pmu", lin->name);
			snprintf(s->clock_name, sizeof(s->clock_name), "x86-tsc");
			s->clock = XPKT_CLOCK_TSC;
			s->offset_ns = 0;
			snprintf(s->offset_from, sizeof(s->offset_from), "recorder (perf %s)",
				 xpkt_perf_time_conv_name(st.pmu));
			s->lost_events = gs.lost;
			s->nunavailable = 0;
			s->nfilters = 0;
			s->pmu = pmu;
			s->nperf_events = 0;
			for (unsigned i = 0; i < nptps; i++) {
				snprintf(s->perf_events[s->nperf_events++],
					 sizeof(s->perf_events[0]), "%.31s:%.31s", ptps[i].system,
					 ptps[i].event);
				if (ptps[i].filter[0] && s->nfilters < XPKT_MAX_FILTERS) {
					snprintf(s->filters[s->nfilters].event,
						 sizeof(s->filters[0].event), "%.31s:%.31s",
						 ptps[i].system, ptps[i].event);
					snprintf(s->filters[s->nfilters++].expr,
						 sizeof(s->filters[0].expr), "%s", ptps[i].filter);
				}
			}
		}
		if (perf_ok) {
			const struct xpkt_source *lin = &m->sources[0];

			s = &m->sources[m->nsources++];
			snprintf(s->name, sizeof(s->name), "%.16s-samples", lin->name);
			s->domain = lin->domain;
			s->domid = lin->domid;
			snprintf(s->format, sizeof(s->format), "perf");
			snprintf(s->file, sizeof(s->file), "%.16s.perf", lin->name);
			/* the decoder converts perf time to TSC ticks (capture/perf_rec.h) */
			snprintf(s->clock_name, sizeof(s->clock_name), "x86-tsc");
			s->clock = XPKT_CLOCK_TSC;
			snprintf(s->offset_from, sizeof(s->offset_from), "recorder (perf %s)",
				 xpkt_perf_time_conv_name(st.perf));
			s->lost_events = ps.lost;
			snprintf(s->kernel, sizeof(s->kernel), "%s", lin->kernel);
		}
		if (xen_ok) {
			char names[48];

			s = &m->sources[m->nsources++];
			snprintf(s->name, sizeof(s->name), "xen");
			s->domain = XPKT_DOM_XEN;
			s->domid = XPKT_DOMID_NONE;
			snprintf(s->format, sizeof(s->format), "xentrace");
			snprintf(s->file, sizeof(s->file), "xen.trace");
			/* Xen stamps records with the raw TSC, the counter dom0's x86-tsc reads. */
			snprintf(s->clock_name, sizeof(s->clock_name), "tsc");
			s->clock = XPKT_CLOCK_TSC;
			snprintf(s->offset_from, sizeof(s->offset_from), "recorder");
			s->lost_events = xs.lost;
			/*
			 * The event mask is a filter applied where records are made: what it
			 * excludes was never written, as for a tracefs filter.
			 */
			xpkt_xen_mask_names(xs.evt_mask, names, sizeof(names));
			snprintf(s->filters[0].event, sizeof(s->filters[0].event), "xen:evt_mask");
			snprintf(s->filters[0].expr, sizeof(s->filters[0].expr), "0x%08x %s",
				 xs.evt_mask, names);
			s->nfilters = 1;
		}
		for (unsigned i = 0; i < st.npc && m->nsources < XPKT_MAX_SOURCES; i++) {
			uint64_t pk, lost;

			if (xpkt_pcap_stop(st.pc[i], &pk, &lost, &err)) {
				die("%s", err.msg);
				m->incomplete = 1;
				continue;
			}
			s = &m->sources[m->nsources++];
			snprintf(s->name, sizeof(s->name), st.npc > 1 ? "wire-%.26s" : "wire",
				 st.ifname[i]);
			s->domain = XPKT_DOM_WIRE;
			s->domid = XPKT_DOMID_NONE;
			snprintf(s->format, sizeof(s->format), "pcap");
			if (st.npc > 1)
				snprintf(s->file, sizeof(s->file), "wire-%.100s.pcap",
					 st.ifname[i]);
			else
				snprintf(s->file, sizeof(s->file), "wire.pcap");
			snprintf(s->clock_name, sizeof(s->clock_name), "realtime");
			s->clock = XPKT_CLOCK_NS;
			s->offset_ns = wire_offset_ns;
			snprintf(s->offset_from, sizeof(s->offset_from), "recorder");
			s->lost_events = lost;
		}
		/* Every recorder has stopped: compressing now takes nothing from the workload. */
		if (compress && !failed)
			compress_trace(ftdir, quiet, &cs);
		if (xpkt_manifest_write(out, m, &err)) {
			rc = die("%s", err.msg);
			goto out;
		}
		if (!quiet && xen_ok)
			fprintf(stderr,
				"xpkttrace record: xen: %llu records, %.1f MB, %llu lost (%llu "
				"reported by Xen, %llu in dropped windows)\n",
				(unsigned long long)xs.counts.records,
				(double)xs.counts.bytes / 1e6, (unsigned long long)xs.lost,
				(unsigned long long)xs.counts.xen_lost,
				(unsigned long long)xs.counts.dropped_records);
		if (!quiet)
			fprintf(stderr,
				"xpkttrace record: %llu events, %.1f MB (%.1f bytes/event)%s, %llu "
				"lost%s\n",
				(unsigned long long)fs.events, (double)fs.bytes / 1e6,
				fs.events ? (double)fs.bytes / (double)fs.events : 0.0,
				cs.files ? " raw" : "", (unsigned long long)fs.lost,
				m->incomplete ? ", incomplete" : "");
		if (!quiet && perf_ok)
			fprintf(stderr,
				"xpkttrace record: %llu PC samples on %u CPUs, %.1f MB, %llu "
				"lost\n",
				(unsigned long long)ps.samples, ps.ncpus, (double)ps.bytes / 1e6,
				(unsigned long long)ps.lost);
		if (!quiet && cs.files)
			fprintf(stderr, "xpkttrace record: stored %.1f MB (%.1f bytes/event)\n",
				(double)cs.out_bytes / 1e6,
				fs.events ? (double)cs.out_bytes / (double)fs.events : 0.0);
		if (child_done && WIFEXITED(status) && WEXITSTATUS(status) && !quiet)
			fprintf(stderr, "xpkttrace record: command exited with status %d\n",
				WEXITSTATUS(status));
		created_dir = 0; /* a bundle now: keep it */
		rc = failed;
	}
out:
	if (simmark_open)
		afile_abort(&simmark);
	if (go_fd >= 0)
		close(go_fd); /* the held workload reads EOF and exits */
	if (child > 0 && !child_done)
		waitpid(child, NULL, 0);
	xpkt_xen_free(st.xr); /* disables Xen tracing if it was not stopped */
	xpkt_perf_free(st.perf);
	xpkt_perf_free(st.pmu);
	xpkt_ftrace_free(st.ft);
	for (unsigned i = 0; i < st.npc; i++)
		xpkt_pcap_free(st.pc[i]);
	if (created_dir) {
		/* Failed before any bundle existed: leave nothing behind. */
		char cmd_path[4300];

		snprintf(cmd_path, sizeof(cmd_path), "%s/%s", out, ftname);
		if (access(cmd_path, F_OK) == 0) {
			pid_t p = fork();

			if (p == 0) {
				execlp("rm", "rm", "-rf", "--", cmd_path, (char *)NULL);
				_exit(127);
			}
			if (p > 0)
				waitpid(p, NULL, 0);
		}
		/* xpkt_perf_free removed its temporaries: the .perf directory is empty */
		snprintf(cmd_path, sizeof(cmd_path), "%s/%s.perf", out, xen ? "dom0" : "host");
		rmdir(cmd_path);
		/* the .pmu directory also holds the saved tracepoint formats */
		snprintf(cmd_path, sizeof(cmd_path), "%s/%s.pmu", out, xen ? "dom0" : "host");
		if (access(cmd_path, F_OK) == 0) {
			pid_t p = fork();

			if (p == 0) {
				execlp("rm", "rm", "-rf", "--", cmd_path, (char *)NULL);
				_exit(127);
			}
			if (p > 0)
				waitpid(p, NULL, 0);
		}
		rmdir(out);
	}
	free(set);
	free(orig);
	free(ptps);
	free(m);
	return rc;
}
