// SPDX-License-Identifier: GPL-2.0
/* evset.c - choose the events of a recording (see evset.h). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/evset.h"
#include "tracepoints/tp_map.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int has_event(const char *dir, const char *system, const char *event)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, system, event);
	return access(path, R_OK) == 0;
}

static void add_unavailable(struct xpkt_evset *set, const char *what)
{
	size_t len = strlen(what);

	if (set->nunavailable == XPKT_MAX_UNAVAILABLE)
		return;
	if (len >= sizeof(set->unavailable[0]))
		len = sizeof(set->unavailable[0]) - 1;
	memcpy(set->unavailable[set->nunavailable], what, len);
	set->unavailable[set->nunavailable++][len] = 0;
}

int xpkt_evset_kprobes_available(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/kprobe_events", dir);
	return access(path, W_OK) == 0;
}

static const struct xpkt_tp_kprobe *kprobe_of(const char *name)
{
	return xpkt_tp_kprobe_find(name);
}

static int add(struct xpkt_evset *set, const char *system, const char *event, const char *filter,
	       struct xpkt_err *err)
{
	for (unsigned i = 0; i < set->n; i++)
		if (!strcmp(set->ev[i].system, system) && !strcmp(set->ev[i].event, event))
			return 0; /* named twice: once is enough */
	if (set->n == XPKT_EVSET_MAX)
		return xpkt_err_set(err, "more than %d events", XPKT_EVSET_MAX);
	if (strlen(system) >= sizeof(set->ev[0].system) ||
	    strlen(event) >= sizeof(set->ev[0].event))
		return xpkt_err_set(err, "event name '%s:%s' too long", system, event);
	if (filter && strlen(filter) >= sizeof(set->ev[0].filter))
		return xpkt_err_set(err, "filter of '%s:%s' too long", system, event);
	snprintf(set->ev[set->n].filter, sizeof(set->ev[0].filter), "%s", filter ? filter : "");
	set->ev[set->n].kprobe[0] = 0;
	if (!strcmp(system, "kprobe")) {
		const struct xpkt_tp_kprobe *k = kprobe_of(event);

		if (!k)
			return xpkt_err_set(err, "no kprobe definition for '%s'", event);
		snprintf(set->ev[set->n].kprobe, sizeof(set->ev[0].kprobe), "%s %s", k->name,
			 k->fetch);
	}
	strcpy(set->ev[set->n].system, system);
	strcpy(set->ev[set->n].event, event);
	set->n++;
	return 0;
}

static int resolve_native(const char *dir, struct xpkt_evset *set, struct xpkt_err *err)
{
	unsigned n, nk;
	const struct xpkt_tp_map *m = xpkt_tp_maps(&n);
	const char *const *kp = xpkt_tp_kprobe_points(&nk);
	int kprobes = xpkt_evset_kprobes_available(dir);
	char name[128];

	for (unsigned i = 0; i < n; i++) {
		if (!(m[i].flags & XPKT_TP_NATIVE))
			continue;
		if (has_event(dir, m[i].system, m[i].event)) {
			if (add(set, m[i].system, m[i].event, m[i].filter, err))
				return -1;
		} else {
			snprintf(name, sizeof(name), "%s:%s", m[i].system, m[i].event);
			add_unavailable(set, name);
		}
	}
	/*
	 * Kprobe points where the kernel has kprobe events (the recorder creates
	 * them); a kernel in lockdown has no kprobe_events at all, and the
	 * manifest says they are not in the trace.
	 */
	for (unsigned i = 0; i < nk; i++) {
		if (kprobes) {
			if (add(set, "kprobe", kp[i], NULL, err))
				return -1;
			continue;
		}
		snprintf(name, sizeof(name), "kprobe:%s", kp[i]);
		add_unavailable(set, name);
	}
	return 0;
}

/*
 * The "xen-dom0" set: what a Xen driver domain's kernel contributes to the
 * stages (tracepoints/stages.c). Every event of the patched netback
 * (netback-patch/, system xen_netback; "*": whatever the loaded module
 * defines, so events no stage maps yet are in the trace for later), the
 * device points where a guest's packet enters and leaves dom0's stack (the
 * vif's netif_receive_skb after netback's hand-off, the NIC's
 * net_dev_queue / net_dev_start_xmit, the reverse for RX), and skb
 * lifetimes. No TCP rows: bridged guest traffic never reaches dom0's TCP.
 * Rows of tp_map.c keep their capture filters (header-only frames,
 * tp_map.c); the kprobe points are added as in the native set.
 */
struct evset_row {
	const char *system, *event;
};

static const struct evset_row xen_dom0_rows[] = {
    {"xen_netback", "*"},	  {"net", "net_dev_queue"}, {"net", "net_dev_start_xmit"},
    {"net", "netif_receive_skb"}, {"skb", "kfree_skb"},	    {"skb", "consume_skb"},
};

/*
 * dom0's kprobes: the bridge, the two points that see a guest packet's
 * headers on their way to and from the wire (the NIC's transmit, GRO entry
 * on the NIC: flow and sequence join them to the pcap; tp_map.c), and the
 * copy hotspots. dev_hard_start_xmit takes the place of net_dev_start_xmit
 * where it can be created (xpkt_tp_kprobe.replaces).
 */
static const char *const xen_dom0_kprobes[] = {"br_forward", "dev_hard_start_xmit",
					       "napi_gro_receive", "skb_copy_bits", "tcp_collapse"};

/* Adds every event of system (a directory of events/); 0 if it has none. */
static int add_system(const char *dir, const char *system, struct xpkt_evset *set, unsigned *added,
		      struct xpkt_err *err)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	*added = 0;
	snprintf(path, sizeof(path), "%s/events/%s", dir, system);
	d = opendir(path);
	if (!d)
		return 0;
	while (!rc && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !has_event(dir, system, de->d_name))
			continue; /* "enable", "filter": files of the system, not events */
		rc = add(set, system, de->d_name, NULL, err);
		if (!rc)
			(*added)++;
	}
	closedir(d);
	return rc;
}

/*
 * The "xen-guest" set: what a PV domU's kernel contributes (the guest
 * agent). Every event of the patched netfront (netfront-patch/, system
 * xen_netfront: grant claim, notify, tx completion, RX request/response and
 * delivery), the device points on the guest's vif (net_dev_start_xmit on TX;
 * napi_gro_receive_entry, which netfront's RX poll calls for every frame,
 * and netif_receive_skb after GRO, on RX), TCP's receive and the copy to the
 * reader, skb lifetimes, and tcp_sendmsg_locked where the kernel has it
 * (6.1 does not: then __ip_queue_xmit's kprobe is the TX origin, stages.c).
 */
static const struct evset_row xen_guest_rows[] = {
    {"xen_netfront", "*"},
    {"net", "net_dev_start_xmit"},
    {"net", "napi_gro_receive_entry"},
    {"net", "netif_receive_skb"},
    {"tcp", "tcp_probe"},
    {"tcp", "tcp_sendmsg_locked"},
    {"skb", "skb_copy_datagram_iovec"},
    {"skb", "consume_skb"},
    {"skb", "kfree_skb"},
};

/*
 * A guest has no bridge (br_forward's module is not loaded there): the
 * TCP transmit and receive points and the receive-side copy hotspots.
 * tcp_rcv_established takes tcp_probe's place where it can be created: on
 * 6.1 tcp_probe names no skb, so it joins no packet (tp_map.c).
 */
static const char *const xen_guest_kprobes[] = {
    "__ip_queue_xmit", "tcp_rcv_established", "skb_copy_bits",	 "tcp_collapse",
    "tcp_prune_queue", "skb_try_coalesce",    "__pskb_pull_tail"};

/* Leaves out the tracepoints that a kprobe of the set replaces (tp_map.h). */
static void drop_replaced(struct xpkt_evset *set)
{
	for (unsigned i = 0; i < set->n; i++) {
		const struct xpkt_tp_kprobe *k;
		char name[160];
		unsigned out = 0;

		if (!set->ev[i].kprobe[0] || !(k = kprobe_of(set->ev[i].event)) || !k->replaces)
			continue;
		for (unsigned j = 0; j < set->n; j++) {
			snprintf(name, sizeof(name), "%s:%s", set->ev[j].system, set->ev[j].event);
			if (strcmp(name, k->replaces))
				set->ev[out++] = set->ev[j];
			else if (j < i)
				i--; /* entry i moved down by one */
		}
		set->n = out;
	}
}

static int resolve_rows(const char *dir, const struct evset_row *rows, size_t nrows,
			const char *const *kp, size_t nk, struct xpkt_evset *set,
			struct xpkt_err *err)
{
	int kprobes = xpkt_evset_kprobes_available(dir);
	char name[128];

	for (size_t i = 0; i < nrows; i++) {
		const char *sys = rows[i].system, *ev = rows[i].event;
		const struct xpkt_tp_map *row;
		unsigned added = 0;

		if (!strcmp(ev, "*")) {
			if (add_system(dir, sys, set, &added, err))
				return -1;
		} else if (has_event(dir, sys, ev)) {
			row = xpkt_tp_find(sys, ev);
			if (add(set, sys, ev, row ? row->filter : NULL, err))
				return -1;
			added = 1;
		}
		if (!added) {
			/* e.g. the distro netback or netfront, without the patch's tracepoints, or
			 * a kernel without tcp_sendmsg_locked (6.1) */
			snprintf(name, sizeof(name), "%s:%s", sys, ev);
			add_unavailable(set, name);
		}
	}
	for (size_t i = 0; i < nk; i++) {
		if (kprobes) {
			/* with its row's filter (__ip_queue_xmit: data segments) */
			const struct xpkt_tp_map *row = xpkt_tp_find("kprobe", kp[i]);

			if (add(set, "kprobe", kp[i], row ? row->filter : NULL, err))
				return -1;
			continue;
		}
		snprintf(name, sizeof(name), "kprobe:%s", kp[i]);
		add_unavailable(set, name);
	}
	drop_replaced(set);
	return 0;
}

int xpkt_evset_resolve(const char *spec, const char *dir, struct xpkt_evset *set,
		       struct xpkt_err *err)
{
	char buf[4096], *save = NULL, *tok;

	memset(set, 0, sizeof(*set));
	if (!spec || !strcmp(spec, "native"))
		return resolve_native(dir, set, err);
	if (!strcmp(spec, "xen-dom0")) {
		return resolve_rows(dir, xen_dom0_rows, ARRAY_LEN(xen_dom0_rows), xen_dom0_kprobes,
				    ARRAY_LEN(xen_dom0_kprobes), set, err);
	}
	if (!strcmp(spec, "xen-guest"))
		return resolve_rows(dir, xen_guest_rows, ARRAY_LEN(xen_guest_rows),
				    xen_guest_kprobes, ARRAY_LEN(xen_guest_kprobes), set, err);
	if (strlen(spec) >= sizeof(buf))
		return xpkt_err_set(err, "event list too long");
	strcpy(buf, spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (!colon || colon == tok || !colon[1] || strchr(colon + 1, ':') ||
		    strchr(tok, '/') || strstr(tok, ".."))
			return xpkt_err_set(err, "bad event name '%s' (expected system:event)",
					    tok);
		*colon = 0;
		if (!strcmp(tok, "kprobe")) {
			if (!kprobe_of(colon + 1))
				return xpkt_err_set(err, "unknown kprobe point '%s'", colon + 1);
			if (!xpkt_evset_kprobes_available(dir))
				return xpkt_err_set(err,
						    "kprobe:%s: this kernel has no kprobe events "
						    "(no writable %s/kprobe_events)",
						    colon + 1, dir);
			if (add(set, tok, colon + 1, NULL, err))
				return -1;
			continue;
		}
		if (!has_event(dir, tok, colon + 1))
			return xpkt_err_set(err, "unknown event '%s:%s' (not in %s/events)", tok,
					    colon + 1, dir);
		if (add(set, tok, colon + 1, NULL, err))
			return -1;
	}
	if (!set->n)
		return xpkt_err_set(err, "empty event list");
	return 0;
}
