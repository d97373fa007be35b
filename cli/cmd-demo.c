// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-demo.c - `xpkttrace demo`: the whole chain on real packets.
 *
 *   demo native   namespaces + bridge + veth pairs (capture/netns.c), an
 *                 iperf3 server in B, `record` around the iperf3 client in
 *                 A, the topology torn down, the bundle's host source told
 *                 the namespace devices and the fclone offset, the report.
 *   demo synth    a generated Xen bundle with the embedded defaults and its
 *                 report (no root needed).
 *
 * The recording is `xpkttrace record` itself (cmd_record), so the demo
 * measures exactly what a user's `record` would; the report is the library
 * (correlator + viz), not a subprocess.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <glob.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bundle/manifest.h"
#include "capture/fclone.h"
#include "capture/ftrace_rec.h"
#include "capture/netns.h"
#include "cli/cmd.h"
#include "lib/files.h"
#include "correlator/correlate.h"
#include "synth/synth.h"
#include "viz/report_text.h"

#define IPERF3_PORT	 5201
#define SERVER_READY_MS	 5000
#define SERVER_LINGER_MS 5000

static const char demo_usage[] =
    "\n usage: xpkttrace demo native [--duration S] [-o BUNDLE] [--keep] [--no-record]\n"
    "        xpkttrace demo synth [-o BUNDLE] [--packets N]\n"
    "        xpkttrace demo fclone\n\n"
    " native: builds network namespaces xpkt-a-PID and xpkt-b-PID joined by veth\n"
    " pairs (xpa0 10.77.0.1 <-> xpa1, xpb1 <-> xpb0 10.77.0.2) through a bridge\n"
    " xpbr0 in xpkt-br-PID, runs `iperf3 -s -1` in B and records (`xpkttrace\n"
    " record`, its default native event set) while `iperf3 -c 10.77.0.2` runs in A;\n"
    " then tears the topology down, prints iperf3's throughput and the report.\n"
    " Needs root, iperf3, iproute2 and tracefs. The root namespace is not touched.\n\n"
    "    -d, --duration <secs>     iperf3 run time, whole seconds (default 3)\n"
    "    -o, --output <dir>        write the bundle here and keep it (must not exist)\n"
    "    -k, --keep                keep the bundle of a run without -o (path printed)\n"
    "    -n, --no-record           topology and iperf3 only, no tracing (the baseline\n"
    "                              bench/overhead.sh compares against)\n"
    "        --samples[=HZ]        also record perf PC samples (record --samples)\n"
    "        --pmu <list|off>      counters per stage event (record --pmu)\n"
    "    -q, --quiet               no recording progress on stderr\n\n"
    " synth: `xpkttrace synth` with its embedded defaults, then the report.\n\n"
    "    -o, --output <dir>        bundle directory (default out/demo)\n"
    "    -p, --packets <n>         data packets (default 200000)\n\n"
    " fclone: the skb fast-clone offset the native demo records, from the kernel's\n"
    " BTF and measured on a loopback TCP transfer, side by side (root).\n\n"
    "    -h, --help                this help\n\n";

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_stop_signals(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* a closed stdout or stderr (`| head`) must not kill us before teardown */
	signal(SIGPIPE, SIG_IGN);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The server listens when /proc/PID/net/tcp[6] (the net namespace of PID,
 * the server itself: `ip netns exec` execs it) has port 5201 in state
 * LISTEN (0A). A probe connection would use up `iperf3 -s -1`'s one client.
 */
static int server_listening(pid_t pid)
{
	static const char *const files[] = {"tcp", "tcp6"};
	char path[64], line[512], port[16];

	snprintf(port, sizeof(port), ":%04X", IPERF3_PORT);
	for (unsigned i = 0; i < 2; i++) {
		FILE *fp;

		snprintf(path, sizeof(path), "/proc/%ld/net/%s", (long)pid, files[i]);
		fp = fopen(path, "re");
		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			char local[64], remote[64], st[8];

			size_t ll;

			if (sscanf(line, " %*s %63s %63s %7s", local, remote, st) != 3)
				continue;
			ll = strlen(local);
			if (ll > 5 && !strcmp(local + ll - 5, port) && !strcmp(st, "0A")) {
				fclose(fp);
				return 1;
			}
		}
		fclose(fp);
	}
	return 0;
}

/* Waits up to ms for pid; kills it (TERM, then KILL) if it outlives that. */
static int reap(pid_t pid, unsigned ms, int *status)
{
	for (unsigned t = 0; t < ms; t += 20) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		sleep_ms(20);
	}
	kill(pid, SIGTERM);
	for (unsigned t = 0; t < 1000; t += 20) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return -1;
		sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The run's private directory: removed with the bundle in it, or kept for it. */
static void finish_tmp(const char *tmpdir, int remove_bundle)
{
	if (remove_bundle)
		remove_tree(tmpdir);
	else
		rmdir(tmpdir); /* fails, as it should, while it holds a kept bundle */
}

/*
 * Private directories of dead demos: their iperf3 log goes; a directory
 * holding a bundle (kept, or left by a killed run) stays, rmdir refuses it.
 */
static void cleanup_dead_tmp(void)
{
	glob_t g;

	if (glob("/tmp/xpkt-demo-*-??????", GLOB_NOSORT, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char log[4200];
		long pid = strtol(g.gl_pathv[i] + strlen("/tmp/xpkt-demo-"), NULL, 10);

		if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(log, sizeof(log), "%s/iperf3.json", g.gl_pathv[i]);
		unlink(log);
		rmdir(g.gl_pathv[i]);
	}
	globfree(&g);
}

struct iperf_result {
	double sent_bps, received_bps, seconds;
	long long bytes;
};

/* iperf3 -J output: end.sum_sent / end.sum_received. */
static int read_iperf_json(const char *path, struct iperf_result *r, char *why, size_t whylen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *end, *snt, *rcv, *e;

	if (!root) {
		snprintf(why, whylen, "%s: line %d: %s", path, je.line, je.text);
		return -1;
	}
	e = json_object_get(root, "error");
	end = json_object_get(root, "end");
	snt = json_object_get(end, "sum_sent");
	rcv = json_object_get(end, "sum_received");
	if (json_is_string(e) || !json_is_object(snt) || !json_is_object(rcv)) {
		snprintf(why, whylen, "iperf3: %s",
			 json_is_string(e) ? json_string_value(e) : "no summary in its output");
		json_decref(root);
		return -1;
	}
	r->sent_bps = json_number_value(json_object_get(snt, "bits_per_second"));
	r->received_bps = json_number_value(json_object_get(rcv, "bits_per_second"));
	r->seconds = json_number_value(json_object_get(rcv, "seconds"));
	r->bytes = json_integer_value(json_object_get(snt, "bytes"));
	json_decref(root);
	return 0;
}

/* The host source learns the namespace devices and the fclone offset. */
static int amend_manifest(const char *bundle, uint32_t fclone, int *incomplete,
			  struct xpkt_err *err)
{
	struct xpkt_manifest *m = calloc(1, sizeof(*m));
	struct xpkt_source *s = NULL;
	int rc = -1;

	if (!m)
		return xpkt_err_set(err, "out of memory");
	if (xpkt_manifest_read(bundle, m, err))
		goto out;
	/* the kernel's trace, not its PC samples (host-samples, format "perf") */
	for (unsigned i = 0; i < m->nsources; i++)
		if (m->sources[i].domain == XPKT_DOM_HOST && strcmp(m->sources[i].format, "perf"))
			s = &m->sources[i];
	if (!s) {
		xpkt_err_set(err, "%s: no host source in the manifest", bundle);
		goto out;
	}
	*incomplete = m->incomplete;
	snprintf(m->mode, sizeof(m->mode), "native");
	s->skb_fclone_offset = fclone;
	if (xpkt_netns_describe(s, err))
		goto out;
	/* the perf sources of the same kernel name the same devices (host-pmu decodes
	 * device names of its tracepoint records with them) */
	for (unsigned i = 0; i < m->nsources; i++) {
		struct xpkt_source *o = &m->sources[i];

		if (o == s || o->domain != XPKT_DOM_HOST || strcmp(o->format, "perf"))
			continue;
		o->skb_fclone_offset = s->skb_fclone_offset;
		memcpy(o->addrs, s->addrs, sizeof(o->addrs));
		o->naddrs = s->naddrs;
		memcpy(o->ifaces, s->ifaces, sizeof(o->ifaces));
		o->nifaces = s->nifaces;
	}
	rc = xpkt_manifest_write(bundle, m, err);
out:
	free(m);
	return rc;
}

static int print_report(const char *bundle)
{
	struct xpkt_correlate_opts copts = {0};
	struct xpkt_manifest *m = calloc(1, sizeof(*m));
	struct xpkt_results *r = calloc(1, sizeof(*r));
	struct xpkt_err err = {{0}};
	int rc = 1;

	if (!m || !r) {
		rc = die("demo: out of memory");
	} else if (xpkt_correlate(bundle, &copts, m, r, &err)) {
		rc = die("%s", err.msg);
	} else {
		rc = xpkt_report_text(stdout, bundle, r, m) || fflush(stdout)
			 ? die("stdout: write failed")
			 : 0;
	}
	if (r)
		xpkt_results_free(r);
	free(r);
	free(m);
	return rc;
}

struct native_opts {
	unsigned duration_s;
	const char *out;
	int keep, no_record, quiet;
	const char *samples; /* --samples[=HZ] for record, as given; NULL: none */
	const char *pmu;     /* --pmu=LIST for record; NULL: record's default */
};

static int demo_native(const struct native_opts *o)
{
	struct xpkt_netns topo;
	struct xpkt_err err = {{0}};
	struct iperf_result ir = {0};
	char bundle[4200], tmpdir[64], logfile[128], dur[16], why[512] = "";
	const char *how = "";
	uint32_t fclone = 0;
	pid_t server = -1;
	int rc = 1, status = 0, recorded = 0, incomplete = 0, own_bundle = !o->out;
	unsigned removed;
	double t0 = now_s();

	memset(&topo, 0, sizeof(topo));

	/* --- what can fail before anything is built --- */
	if (geteuid() != 0)
		return die("demo native needs root (network namespaces, tracefs)");
	if (!xpkt_on_path("iperf3"))
		return die("demo native needs iperf3 (apt-get install iperf3)");
	if (!xpkt_on_path("ip"))
		return die("demo native needs ip from iproute2 (apt-get install iproute2)");
	if (!o->no_record && xpkt_ftrace_check(&err))
		return die("%s", err.msg);
	if (o->out && access(o->out, F_OK) == 0)
		return die("%s: exists; remove it or choose another -o", o->out);
	if (xpkt_netns_cleanup_leftovers(&removed, &err))
		return die("%s", err.msg);
	if (removed)
		fprintf(stderr, "xpkttrace demo: removed %u namespaces of dead demos\n", removed);
	cleanup_dead_tmp();
	if (!o->no_record) {
		if (xpkt_ftrace_cleanup_leftovers(&removed, &err))
			return die("%s", err.msg);
		if (xpkt_fclone_offset(xpkt_ftrace_dir(), &fclone, &how, &err))
			return die("%s", err.msg);
	}
	/* a private directory: iperf3 (root) writes its log there, not to a guessable /tmp name */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/xpkt-demo-%ld-XXXXXX", (long)getpid());
	if (!mkdtemp(tmpdir))
		return die("cannot create a directory in /tmp: %s", strerror(errno));
	snprintf(logfile, sizeof(logfile), "%s/iperf3.json", tmpdir);
	if (o->out)
		snprintf(bundle, sizeof(bundle), "%s", o->out);
	else
		snprintf(bundle, sizeof(bundle), "%s/bundle", tmpdir);
	snprintf(dur, sizeof(dur), "%u", o->duration_s);

	/* --- topology and server; Ctrl-C from here on still tears down --- */
	catch_stop_signals(on_stop);
	if (xpkt_netns_setup(&topo, &err)) {
		rc = die("%s", err.msg);
		goto out;
	}
	{
		char *sv[] = {"iperf3", "-s", "-1", "-B", XPKT_NETNS_ADDR_B, NULL};
		unsigned waited = 0;

		if (xpkt_netns_spawn(&topo, XPKT_NS_B, sv, &server, &err)) {
			rc = die("%s", err.msg);
			goto out;
		}
		while (!server_listening(server) && !stop_requested) {
			if (waitpid(server, &status, WNOHANG) == server ||
			    waited >= SERVER_READY_MS) {
				if (waited < SERVER_READY_MS)
					server = -1;
				rc = die("iperf3 server in %s did not start listening",
					 topo.name[XPKT_NS_B]);
				goto out;
			}
			sleep_ms(10);
			waited += 10;
		}
	}
	if (stop_requested) {
		rc = 0; /* reported as an interruption below */
		goto out;
	}

	/* --- the client, recorded or not --- */
	{
		const char *cv[32];
		unsigned n = xpkt_netns_exec_prefix(&topo, XPKT_NS_A, cv);
		const char *client[] = {"iperf3", "-c",	       XPKT_NETNS_ADDR_B, "-t", dur,
					"-J",	  "--logfile", logfile,		  NULL};

		for (unsigned i = 0; client[i]; i++)
			cv[n++] = client[i];
		cv[n] = NULL;
		if (o->no_record) {
			pid_t cp;

			if (xpkt_netns_spawn(&topo, XPKT_NS_A, (char *const *)client, &cp, &err)) {
				rc = die("%s", err.msg);
				goto out;
			}
			while (waitpid(cp, &status, WNOHANG) != cp) {
				if (stop_requested) {
					kill(cp, SIGTERM);
					waitpid(cp, &status, 0);
					break;
				}
				sleep_ms(20);
			}
		} else {
			const char *rv[48];
			unsigned k = 0;

			rv[k++] = "record";
			rv[k++] = "-o";
			rv[k++] = bundle;
			if (o->quiet)
				rv[k++] = "--quiet";
			if (o->samples)
				rv[k++] = o->samples; /* record checks the value */
			if (o->pmu)
				rv[k++] = o->pmu;
			rv[k++] = "--";
			for (unsigned i = 0; i < n; i++)
				rv[k++] = cv[i];
			rv[k] = NULL;
			/* record installs its own Ctrl-C handling: the bundle is then
			 * written marked incomplete and record returns */
			if (cmd_record((int)k, (char **)rv)) {
				rc = 1; /* record printed why */
				goto out;
			}
			catch_stop_signals(on_stop);
			recorded = 1;
		}
	}
	if (reap(server, SERVER_LINGER_MS, &status))
		fprintf(stderr, "xpkttrace demo: iperf3 server did not exit; stopped it\n");
	server = -1;
	rc = 0;
out:
	if (server > 0) {
		int st;

		reap(server, 0, &st);
	}
	{
		struct xpkt_err e = {{0}};

		if (xpkt_netns_teardown(&topo, &e)) {
			die("teardown: %s", e.msg);
			rc = 1;
		}
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* a recorded bundle, even an interrupted one, gets its devices and offset */
	if (recorded && amend_manifest(bundle, fclone, &incomplete, &err)) {
		rc = die("%s", err.msg);
		incomplete = 1;
	}
	if (!rc && (stop_requested || incomplete)) {
		if (recorded && (!own_bundle || o->keep))
			rc = die("demo interrupted; topology removed; %s is marked incomplete",
				 bundle);
		else
			rc = die("demo interrupted; topology removed");
	}
	if (!rc && read_iperf_json(logfile, &ir, why, sizeof(why)))
		rc = die("%s", why);
	unlink(logfile);
	if (rc) {
		finish_tmp(tmpdir, own_bundle && !o->keep);
		return rc;
	}

	/* --- results --- */
	printf("iperf3 %s -> %s over veth + bridge: %.2f Gbit/s sent, %.2f Gbit/s received, "
	       "%.1f s%s\n",
	       XPKT_NETNS_ADDR_A, XPKT_NETNS_ADDR_B, ir.sent_bps / 1e9, ir.received_bps / 1e9,
	       ir.seconds, o->no_record ? " (not recorded)" : "");
	if (!recorded) {
		finish_tmp(tmpdir, 1);
		return 0;
	}
	printf("skb fclone offset %u bytes (%s); demo took %.1f s; bundle %s%s\n\n", fclone, how,
	       now_s() - t0, bundle, own_bundle && !o->keep ? " (removed after the report)" : "");
	fflush(stdout);
	rc = print_report(bundle);
	finish_tmp(tmpdir, own_bundle && !o->keep);
	return rc;
}

/* Both ways of finding the fclone offset, side by side: each checks the other. */
static int demo_fclone(void)
{
	struct xpkt_err e1 = {{0}}, e2 = {{0}};
	uint32_t btf = 0, measured = 0;
	int rb, rm;

	if (geteuid() != 0)
		return die("demo fclone needs root (tracefs)");
	if (xpkt_ftrace_check(&e2))
		return die("%s", e2.msg);
	rb = xpkt_fclone_offset_btf(XPKT_BTF_VMLINUX, &btf, &e1);
	rm = xpkt_fclone_offset_measure(xpkt_ftrace_dir(), &measured, &e2);
	if (rb)
		printf("btf: n/a (%s)\n", e1.msg);
	else
		printf("btf: %u\n", btf);
	if (rm)
		printf("measured: n/a (%s)\n", e2.msg);
	else
		printf("measured: %u\n", measured);
	return rb && rm ? 1 : 0;
}

static int demo_synth(const char *out, uint64_t packets)
{
	struct xpkt_synth_opts so;
	struct xpkt_err err = {{0}};

	xpkt_synth_defaults(&so);
	so.out_dir = out;
	so.packets = packets;
	if (xpkt_synth_generate(&so, NULL, &err))
		return die("%s", err.msg);
	return print_report(out);
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"duration", required_argument, NULL, 'd'}, {"output", required_argument, NULL, 'o'},
	    {"keep", no_argument, NULL, 'k'},		{"no-record", no_argument, NULL, 'n'},
	    {"packets", required_argument, NULL, 'p'},	{"quiet", no_argument, NULL, 'q'},
	    {"samples", optional_argument, NULL, 'S'},	{"pmu", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},		{NULL, 0, NULL, 0},
	};
	char samples_arg[48], pmu_arg[160];
	struct native_opts no = {.duration_s = 3};
	unsigned long long packets = 200000;
	const char *what;
	int c, native, saw_packets = 0, saw_native_opt = 0;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(demo_usage, stdout);
		return 0;
	}
	if (argc < 2)
		return usage_error("demo", "missing what to demo: native, synth or fclone");
	what = argv[1];
	native = !strcmp(what, "native");
	if (!strcmp(what, "fclone"))
		return argc == 2 ? demo_fclone()
				 : usage_error("demo", "demo fclone takes no arguments");
	if (!native && strcmp(what, "synth"))
		return usage_error("demo", "unknown demo '%s' (native, synth or fclone)", what);
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "d:o:knp:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || !v || v > 3600)
				return usage_error("demo", "bad --duration '%s' (1..3600 s)",
						   optarg);
			no.duration_s = (unsigned)v;
			saw_native_opt = 1;
			break;
		}
		case 'o':
			no.out = optarg;
			break;
		case 'k':
			no.keep = 1;
			saw_native_opt = 1;
			break;
		case 'n':
			no.no_record = 1;
			saw_native_opt = 1;
			break;
		case 'q':
			no.quiet = 1;
			break;
		case 'p': {
			char *end;

			errno = 0;
			packets = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || !packets)
				return usage_error("demo", "bad --packets '%s'", optarg);
			saw_packets = 1;
			break;
		}
		case 'S':
			/* passed on to record as it was given */
			if (optarg)
				snprintf(samples_arg, sizeof(samples_arg), "--samples=%.30s",
					 optarg);
			else
				snprintf(samples_arg, sizeof(samples_arg), "--samples");
			no.samples = samples_arg;
			saw_native_opt = 1;
			break;
		case 'P':
			snprintf(pmu_arg, sizeof(pmu_arg), "--pmu=%.150s", optarg);
			no.pmu = pmu_arg;
			saw_native_opt = 1;
			break;
		case 'h':
			fputs(demo_usage, stdout);
			return 0;
		default:
			return usage_error("demo", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("demo", "unexpected argument '%s'", argv[optind + 1]);
	if (native && saw_packets)
		return usage_error("demo", "--packets is for demo synth");
	if (!native && saw_native_opt)
		return usage_error(
		    "demo", "--duration, --keep, --no-record, --samples and --pmu are for demo "
			    "native");
	if (native && no.no_record && (no.samples || no.pmu))
		return usage_error("demo", "--no-record records nothing; drop --samples and --pmu");
	if (native && no.no_record && no.out)
		return usage_error("demo", "--no-record writes no bundle; drop -o");
	return native ? demo_native(&no) : demo_synth(no.out ? no.out : "out/demo", packets);
}
