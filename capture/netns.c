// SPDX-License-Identifier: GPL-2.0
/*
 * netns.c - the native demo's namespaces, bridge and veth pairs (netns.h).
 *
 * Every step is a row of `ip` arguments; "%A", "%B", "%R" stand for the
 * namespace names. `ip -n NS` runs one command inside NS, so the caller's own
 * namespace (normally the root one) is never configured. A Linux bridge with
 * STP off (the default) puts ports into forwarding at once, so traffic flows
 * as soon as the last link is up.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/netns.h"

extern char **environ;

#define NETNS_RUN_DIR "/run/netns" /* where `ip netns add` bind-mounts namespaces */
#define MAX_ARGS      16

static const char *const ns_tags[XPKT_NS_COUNT] = {"a", "b", "br"};

static const struct xpkt_netns_dev devs[] = {
    {"xpa0", XPKT_DEV_VETH, XPKT_NS_A},	    {"xpa1", XPKT_DEV_PORT, XPKT_NS_BR},
    {"xpbr0", XPKT_DEV_BRIDGE, XPKT_NS_BR}, {"xpb1", XPKT_DEV_PORT, XPKT_NS_BR},
    {"xpb0", XPKT_DEV_VETH, XPKT_NS_B},
};

#define NDEVS (sizeof(devs) / sizeof(devs[0]))

static const char *const setup_steps[][MAX_ARGS] = {
    {"netns", "add", "%A"},
    {"netns", "add", "%B"},
    {"netns", "add", "%R"},
    {"-n", "%R", "link", "add", "xpbr0", "type", "bridge"},
    {"-n", "%R", "link", "add", "xpa1", "type", "veth", "peer", "name", "xpa0", "netns", "%A"},
    {"-n", "%R", "link", "add", "xpb1", "type", "veth", "peer", "name", "xpb0", "netns", "%B"},
    {"-n", "%R", "link", "set", "xpa1", "master", "xpbr0", "up"},
    {"-n", "%R", "link", "set", "xpb1", "master", "xpbr0", "up"},
    {"-n", "%R", "link", "set", "xpbr0", "up"},
    {"-n", "%R", "link", "set", "lo", "up"},
    {"-n", "%A", "addr", "add", XPKT_NETNS_ADDR_A "/24", "dev", "xpa0"},
    {"-n", "%A", "link", "set", "xpa0", "up"},
    {"-n", "%A", "link", "set", "lo", "up"},
    {"-n", "%B", "addr", "add", XPKT_NETNS_ADDR_B "/24", "dev", "xpb0"},
    {"-n", "%B", "link", "set", "xpb0", "up"},
    {"-n", "%B", "link", "set", "lo", "up"},
};

/* Deleting a namespace destroys its devices; a veth's peer goes with it. */
static const char *const teardown_steps[][MAX_ARGS] = {
    {"netns", "delete", "%A"},
    {"netns", "delete", "%B"},
    {"netns", "delete", "%R"},
};

const struct xpkt_netns_dev *xpkt_netns_devs(unsigned *n)
{
	*n = NDEVS;
	return devs;
}

static const char *expand(const struct xpkt_netns *t, const char *arg)
{
	if (!strcmp(arg, "%A"))
		return t->name[XPKT_NS_A];
	if (!strcmp(arg, "%B"))
		return t->name[XPKT_NS_B];
	if (!strcmp(arg, "%R"))
		return t->name[XPKT_NS_BR];
	return arg;
}

static void cmdline(char *out, size_t len, char *const argv[])
{
	size_t n = 0;

	out[0] = 0;
	for (unsigned i = 0; argv[i] && n + 1 < len; i++) {
		int w = snprintf(out + n, len - n, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

/*
 * posix_spawnp(argv) with stdin and stdout on /dev/null; stderr to errfd if
 * >= 0, else /dev/null. Default SIGINT/SIGTERM/SIGPIPE in the child.
 */
static int spawn(char *const argv[], int errfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Runs `ip ARGS` (a table row); its stderr's first line goes into err on failure. */
static int run_ip(const struct xpkt_netns *t, const char *const row[MAX_ARGS], struct xpkt_err *err)
{
	char *argv[MAX_ARGS + 2], line[512], msg[256] = "";
	int p[2], status = 0, rc;
	unsigned n = 0;
	ssize_t got;
	size_t have = 0;
	pid_t pid;

	argv[n++] = (char *)"ip";
	for (unsigned i = 0; i < MAX_ARGS && row[i]; i++)
		argv[n++] = (char *)expand(t, row[i]);
	argv[n] = NULL;
	cmdline(line, sizeof(line), argv);
	if (pipe2(p, O_CLOEXEC))
		return xpkt_err_set(err, "%s: pipe: %s", line, strerror(errno));
	rc = spawn(argv, p[1], &pid);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return xpkt_err_set(err, "cannot run '%s': %s", line, strerror(rc));
	}
	while ((got = read(p[0], msg + have, sizeof(msg) - 1 - have)) > 0 ||
	       (got < 0 && errno == EINTR))
		if (got > 0)
			have += (size_t)got;
	msg[have] = 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	msg[strcspn(msg, "\n")] = 0;
	return xpkt_err_set(err, "'%s' failed: %s", line,
			    msg[0]		  ? msg
			    : WIFSIGNALED(status) ? "killed by a signal"
						  : "no message");
}

int xpkt_netns_setup(struct xpkt_netns *t, struct xpkt_err *err)
{
	long pid = (long)getpid();

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < XPKT_NS_COUNT; i++)
		snprintf(t->name[i], sizeof(t->name[i]), "xpkt-%s-%ld", ns_tags[i], pid);
	for (unsigned i = 0; i < NDEVS; i++)
		if (if_nametoindex(devs[i].name))
			return xpkt_err_set(err,
					    "device %s exists in this namespace; the demo "
					    "topology would shadow it",
					    devs[i].name);
	t->created = 1;
	for (size_t i = 0; i < sizeof(setup_steps) / sizeof(setup_steps[0]); i++)
		if (run_ip(t, setup_steps[i], err)) {
			struct xpkt_err ignored;

			xpkt_netns_teardown(t, &ignored);
			return -1;
		}
	return 0;
}

int xpkt_netns_teardown(struct xpkt_netns *t, struct xpkt_err *err)
{
	char path[128];
	int rc = 0;

	if (!t->created)
		return 0;
	for (size_t i = 0; i < sizeof(teardown_steps) / sizeof(teardown_steps[0]); i++) {
		struct xpkt_err e;

		/* a namespace that setup never made is not an error */
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR,
			 expand(t, teardown_steps[i][2]));
		if (access(path, F_OK))
			continue;
		if (run_ip(t, teardown_steps[i], &e) && !rc)
			rc = xpkt_err_set(err, "%s", e.msg);
	}
	t->created = 0;
	return rc;
}

/*
 * Ends the processes a dead demo left inside namespace path (its iperf3s):
 * deleting the name would otherwise leave the namespace alive, unnamed, for
 * as long as they run. A process is inside when its /proc/PID/ns/net is the
 * same nsfs inode as the bind mount.
 */
static void kill_inside(const char *path)
{
	struct stat ns, st;
	struct dirent *de;
	char p[300];
	DIR *d;

	if (stat(path, &ns) || !(d = opendir("/proc")))
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 1)
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/ns/net", pid);
		if (!stat(p, &st) && st.st_dev == ns.st_dev && st.st_ino == ns.st_ino)
			kill((pid_t)pid, SIGKILL);
	}
	closedir(d);
}

int xpkt_netns_cleanup_leftovers(unsigned *removed, struct xpkt_err *err)
{
	struct dirent *de;
	DIR *d = opendir(NETNS_RUN_DIR);
	int rc = 0;

	*removed = 0;
	if (!d)
		return 0; /* no named namespaces at all */
	while ((de = readdir(d))) {
		static const char *const row[MAX_ARGS] = {"netns", "delete", "%A"};
		struct xpkt_netns one = {.created = 1};
		char tag[8], path[64], *end;
		long pid;
		int ok = 0;

		if (strncmp(de->d_name, "xpkt-", 5) || sscanf(de->d_name + 5, "%2[a-z]-", tag) != 1)
			continue;
		for (int i = 0; i < XPKT_NS_COUNT; i++)
			ok |= !strcmp(tag, ns_tags[i]);
		if (!ok)
			continue;
		errno = 0;
		pid = strtol(de->d_name + 5 + strlen(tag) + 1, &end, 10);
		/* a live PID is a demo still running (or a reused PID: leave it) */
		if (errno || *end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(one.name[XPKT_NS_A], sizeof(one.name[0]), "%.31s", de->d_name);
		snprintf(path, sizeof(path), "%s/%.31s", NETNS_RUN_DIR, de->d_name);
		kill_inside(path);
		if (run_ip(&one, row, err)) {
			rc = -1;
			continue;
		}
		(*removed)++;
	}
	closedir(d);
	return rc;
}

unsigned xpkt_netns_exec_prefix(const struct xpkt_netns *t, enum xpkt_netns_id id, const char **out)
{
	out[0] = "ip";
	out[1] = "netns";
	out[2] = "exec";
	out[3] = t->name[id];
	return 4;
}

int xpkt_netns_spawn(const struct xpkt_netns *t, enum xpkt_netns_id id, char *const argv[],
		     pid_t *pid, struct xpkt_err *err)
{
	const char *full[64];
	unsigned n = xpkt_netns_exec_prefix(t, id, full);
	char line[512];
	int rc;

	for (unsigned i = 0; argv[i]; i++) {
		if (n + 1 >= sizeof(full) / sizeof(full[0]))
			return xpkt_err_set(err, "%s: too many arguments", argv[0]);
		full[n++] = argv[i];
	}
	full[n] = NULL;
	rc = spawn((char *const *)full, -1, pid);
	if (rc) {
		cmdline(line, sizeof(line), (char *const *)full);
		return xpkt_err_set(err, "cannot run '%s': %s", line, strerror(rc));
	}
	return 0;
}

int xpkt_netns_describe(struct xpkt_source *s, struct xpkt_err *err)
{
	unsigned max_ifindex = 0;
	struct in_addr a;

	if (s->nifaces + NDEVS > XPKT_MAX_IFACES)
		s->nifaces = XPKT_MAX_IFACES - NDEVS;
	for (unsigned i = 0; i < s->nifaces; i++)
		if (s->ifaces[i].ifindex > max_ifindex)
			max_ifindex = s->ifaces[i].ifindex;
	if (max_ifindex + NDEVS > 0xffff)
		return xpkt_err_set(err, "no free ifindex above %u for the demo devices",
				    max_ifindex);
	for (unsigned i = 0; i < NDEVS; i++) {
		struct xpkt_iface *f = &s->ifaces[s->nifaces++];

		memset(f, 0, sizeof(*f));
		f->ifindex = (uint16_t)(max_ifindex + 1 + i);
		snprintf(f->name, sizeof(f->name), "%s", devs[i].name);
		f->kind = devs[i].kind;
	}
	/* the two hosts' addresses belong to this kernel too */
	if (inet_pton(AF_INET, XPKT_NETNS_ADDR_A, &a) == 1 && s->naddrs < XPKT_MAX_ADDRS)
		s->addrs[s->naddrs++] = ntohl(a.s_addr);
	if (inet_pton(AF_INET, XPKT_NETNS_ADDR_B, &a) == 1 && s->naddrs < XPKT_MAX_ADDRS)
		s->addrs[s->naddrs++] = ntohl(a.s_addr);
	return 0;
}
