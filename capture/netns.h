/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns.h - the native demo's topology: two hosts joined through a bridge,
 * each in its own network namespace, so the root namespace is never touched.
 *
 *   xpkt-a-PID               xpkt-br-PID                    xpkt-b-PID
 *   xpa0 10.77.0.1/24 <-veth-> xpa1 -[xpbr0 bridge]- xpb1 <-veth-> xpb0 10.77.0.2/24
 *
 * Setup and teardown are tables of `ip` (iproute2) command lines run with
 * posix_spawn; teardown deletes the namespaces, which takes the veth pairs
 * and the bridge with them. Namespace names carry the PID, so a topology whose
 * owner died is recognisable and removed by xpkt_netns_cleanup_leftovers().
 */
#ifndef XPKT_CAPTURE_NETNS_H
#define XPKT_CAPTURE_NETNS_H

#include <sys/types.h>

#include "bundle/manifest.h"
#include "lib/err.h"

#define XPKT_NETNS_ADDR_A "10.77.0.1"
#define XPKT_NETNS_ADDR_B "10.77.0.2"

enum xpkt_netns_id { XPKT_NS_A = 0, XPKT_NS_B, XPKT_NS_BR, XPKT_NS_COUNT };

struct xpkt_netns {
	char name[XPKT_NS_COUNT][32]; /* "xpkt-a-PID", "xpkt-b-PID", "xpkt-br-PID" */
	int created;		      /* setup got as far as creating namespaces */
};

/* The devices the topology creates, in packet order A -> B, with their kind. */
struct xpkt_netns_dev {
	const char *name;
	enum xpkt_dev_kind kind;
	enum xpkt_netns_id ns;
};
const struct xpkt_netns_dev *xpkt_netns_devs(unsigned *n);

/*
 * Builds the topology (needs root and `ip`). Refuses if a device of the
 * topology's names exists in the caller's namespace (a manifest resolves
 * devices by name). On failure what was built is torn down and err names the
 * failing command and its first line of stderr.
 */
int xpkt_netns_setup(struct xpkt_netns *t, struct xpkt_err *err);
/* Deletes the namespaces (each tried, errors collected). Idempotent. */
int xpkt_netns_teardown(struct xpkt_netns *t, struct xpkt_err *err);
/* Deletes namespaces "xpkt-{a,b,br}-PID" (in /run/netns) whose PID is dead. */
int xpkt_netns_cleanup_leftovers(unsigned *removed, struct xpkt_err *err);

/*
 * argv prefix that runs a command inside namespace id: "ip" "netns" "exec"
 * NAME; out must have room for 4 pointers plus the command's argv.
 */
unsigned xpkt_netns_exec_prefix(const struct xpkt_netns *t, enum xpkt_netns_id id,
				const char **out);

/*
 * Starts argv inside namespace id with stdout and stderr to /dev/null
 * (posix_spawn of `ip netns exec`, which execs argv: *pid is argv's own).
 */
int xpkt_netns_spawn(const struct xpkt_netns *t, enum xpkt_netns_id id, char *const argv[],
		     pid_t *pid, struct xpkt_err *err);

/*
 * Appends the topology's devices to a source's ifaces, each with a synthetic
 * ifindex above every one already listed (ifindexes of different namespaces
 * collide; names do not): tracepoints name devices, and the decoder resolves
 * names through this list. Root-namespace entries are dropped from the end
 * if there is no room.
 */
int xpkt_netns_describe(struct xpkt_source *s, struct xpkt_err *err);

#endif
