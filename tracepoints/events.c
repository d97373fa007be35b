// SPDX-License-Identifier: GPL-2.0
/* events.c - names of event ids, domains and device kinds. */
#include <stdio.h>
#include <string.h>

#include "tracepoints/event.h"
#include "tracepoints/sim_event.h"

#define ANY_LINUX XPKT_DOM_COUNT

/* Indexed by id: the kev reader looks up every record, so no search. */
static const struct xpkt_event_info infos[XPKT_EV_MAX] = {
    [XPKT_EV_TCP_XMIT] = {XPKT_EV_TCP_XMIT, "tcp:ip_queue_xmit", ANY_LINUX},
    [XPKT_EV_DEV_XMIT] = {XPKT_EV_DEV_XMIT, "net:net_dev_start_xmit", ANY_LINUX},
    [XPKT_EV_NETIF_RECEIVE] = {XPKT_EV_NETIF_RECEIVE, "net:netif_receive_skb", ANY_LINUX},
    [XPKT_EV_BR_FORWARD] = {XPKT_EV_BR_FORWARD, "bridge:br_forward", ANY_LINUX},
    [XPKT_EV_GRO_RECEIVE] = {XPKT_EV_GRO_RECEIVE, "net:napi_gro_receive_entry", ANY_LINUX},
    [XPKT_EV_TCP_RCV] = {XPKT_EV_TCP_RCV, "tcp:tcp_probe", ANY_LINUX},
    [XPKT_EV_SKB_COPY_DATAGRAM] = {XPKT_EV_SKB_COPY_DATAGRAM, "skb:skb_copy_datagram_iovec",
				   ANY_LINUX},
    [XPKT_EV_CONSUME_SKB] = {XPKT_EV_CONSUME_SKB, "skb:consume_skb", ANY_LINUX},
    [XPKT_EV_KFREE_SKB] = {XPKT_EV_KFREE_SKB, "skb:kfree_skb", ANY_LINUX},
    [XPKT_EV_LOST] = {XPKT_EV_LOST, "lost", ANY_LINUX},
    [XPKT_EV_DEV_QUEUE] = {XPKT_EV_DEV_QUEUE, "net:net_dev_queue", ANY_LINUX},
    [XPKT_EV_TCP_SENDMSG] = {XPKT_EV_TCP_SENDMSG, "tcp:tcp_sendmsg_locked", ANY_LINUX},
    [XPKT_EV_NETIF_RX] = {XPKT_EV_NETIF_RX, "net:netif_rx", ANY_LINUX},
    [XPKT_EV_HOT_COPY_BITS] = {XPKT_EV_HOT_COPY_BITS, "kprobe:skb_copy_bits", ANY_LINUX},
    [XPKT_EV_HOT_COLLAPSE] = {XPKT_EV_HOT_COLLAPSE, "kprobe:tcp_collapse", ANY_LINUX},
    [XPKT_EV_PC_SAMPLE] = {XPKT_EV_PC_SAMPLE, "perf:cpu-clock", ANY_LINUX},
    [XPKT_EV_HOT_PRUNE] = {XPKT_EV_HOT_PRUNE, "kprobe:tcp_prune_queue", ANY_LINUX},
    [XPKT_EV_HOT_COALESCE] = {XPKT_EV_HOT_COALESCE, "kprobe:skb_try_coalesce", ANY_LINUX},
    [XPKT_EV_HOT_PULL_TAIL] = {XPKT_EV_HOT_PULL_TAIL, "kprobe:__pskb_pull_tail", ANY_LINUX},
    [XPKT_EV_SIM_PMU] = {XPKT_EV_SIM_PMU, "pmu-sim:counters", XPKT_DOM_XEN},
    [XPKT_EV_SIM_MODEL] = {XPKT_EV_SIM_MODEL, "pmu-sim:model", XPKT_DOM_XEN},
    [XPKT_EV_SIM_TB] = {XPKT_EV_SIM_TB, "pmu-sim:tb", XPKT_DOM_XEN},
    [XPKT_EV_PMU] = {XPKT_EV_PMU, "pmu:read", ANY_LINUX},
    [XPKT_EV_NF_TX_GRANT] = {XPKT_EV_NF_TX_GRANT, "xen_netfront:tx_grant", XPKT_DOM_GUEST},
    [XPKT_EV_NF_TX_NOTIFY] = {XPKT_EV_NF_TX_NOTIFY, "xen_netfront:tx_notify", XPKT_DOM_GUEST},
    [XPKT_EV_NF_TX_DONE] = {XPKT_EV_NF_TX_DONE, "xen_netfront:tx_done", XPKT_DOM_GUEST},
    [XPKT_EV_NF_RX_RESPONSE] = {XPKT_EV_NF_RX_RESPONSE, "xen_netfront:rx_response", XPKT_DOM_GUEST},
    [XPKT_EV_NB_TX_COPY] = {XPKT_EV_NB_TX_COPY, "xen_netback:tx_copy", XPKT_DOM_DOM0},
    [XPKT_EV_NB_TX_MAP] = {XPKT_EV_NB_TX_MAP, "xen_netback:tx_map", XPKT_DOM_DOM0},
    [XPKT_EV_NB_TX_DELIVER] = {XPKT_EV_NB_TX_DELIVER, "xen_netback:tx_deliver", XPKT_DOM_DOM0},
    [XPKT_EV_NB_TX_UNMAP] = {XPKT_EV_NB_TX_UNMAP, "xen_netback:tx_unmap", XPKT_DOM_DOM0},
    [XPKT_EV_NB_RX_COPY] = {XPKT_EV_NB_RX_COPY, "xen_netback:rx_copy", XPKT_DOM_DOM0},
    [XPKT_EV_NB_RX_NOTIFY] = {XPKT_EV_NB_RX_NOTIFY, "xen_netback:rx_notify", XPKT_DOM_DOM0},
    [XPKT_EV_XEN_SWITCH] = {XPKT_EV_XEN_SWITCH, "xen:sched_switch", XPKT_DOM_XEN},
    [XPKT_EV_XEN_RUNSTATE] = {XPKT_EV_XEN_RUNSTATE, "xen:runstate_change", XPKT_DOM_XEN},
    [XPKT_EV_XEN_HYPERCALL] = {XPKT_EV_XEN_HYPERCALL, "xen:hypercall", XPKT_DOM_XEN},
    [XPKT_EV_XEN_GRANT_MAP] = {XPKT_EV_XEN_GRANT_MAP, "xen:grant_map", XPKT_DOM_XEN},
    [XPKT_EV_XEN_GRANT_UNMAP] = {XPKT_EV_XEN_GRANT_UNMAP, "xen:grant_unmap", XPKT_DOM_XEN},
    [XPKT_EV_XEN_GRANT_TRANSFER] = {XPKT_EV_XEN_GRANT_TRANSFER, "xen:grant_transfer", XPKT_DOM_XEN},
    [XPKT_EV_XEN_IRQ] = {XPKT_EV_XEN_IRQ, "xen:irq", XPKT_DOM_XEN},
    [XPKT_EV_XEN_TLB_FLUSH] = {XPKT_EV_XEN_TLB_FLUSH, "xen:gnttab_tlb_flush", XPKT_DOM_XEN},
    [XPKT_EV_WIRE] = {XPKT_EV_WIRE, "wire:segment", XPKT_DOM_WIRE},
};

const struct xpkt_event_info *xpkt_event_info(uint16_t id)
{
	return id < XPKT_EV_MAX && infos[id].name ? &infos[id] : NULL;
}

const char *xpkt_event_name(uint16_t id)
{
	const struct xpkt_event_info *info = xpkt_event_info(id);

	return info ? info->name : "?";
}

static const char *const domain_names[XPKT_DOM_COUNT] = {"guest", "xen", "dom0", "wire", "host"};

const char *xpkt_domain_name(enum xpkt_domain d)
{
	return d < XPKT_DOM_COUNT ? domain_names[d] : "?";
}

int xpkt_domain_parse(const char *name)
{
	for (int i = 0; i < XPKT_DOM_COUNT; i++)
		if (!strcmp(domain_names[i], name))
			return i;
	return -1;
}

static const char *const dev_kind_names[] = {"any",  "nic",   "vif", "bridge",
					     "veth", "guest", "port"};

const char *xpkt_dev_kind_name(enum xpkt_dev_kind k)
{
	return (unsigned)k < sizeof(dev_kind_names) / sizeof(dev_kind_names[0]) ? dev_kind_names[k]
										: "?";
}

int xpkt_dev_kind_parse(const char *name)
{
	for (unsigned i = 0; i < sizeof(dev_kind_names) / sizeof(dev_kind_names[0]); i++)
		if (!strcmp(dev_kind_names[i], name))
			return (int)i;
	return -1;
}

const char *xpkt_ipv4_format(char *buf, size_t len, uint32_t addr)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
	return buf;
}

static const char *const sim_counter_names[XPKT_SIM_COUNTERS] = {
    "instructions", "l1d_misses", "l2_misses", "dtlb_misses", "itlb_misses"};

const char *xpkt_sim_counter_name(unsigned c)
{
	return c < XPKT_SIM_COUNTERS ? sim_counter_names[c] : "?";
}
