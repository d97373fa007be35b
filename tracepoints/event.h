/* SPDX-License-Identifier: GPL-2.0 */
/*
 * event.h - the one record type of the event stream.
 *
 * Every decoder (kev files from Linux domains, xentrace, pcap) turns its
 * source into a stream of struct xpkt_event, sorted by ts within a source.
 * The correlator consumes nothing else. The record is a fixed 80-byte,
 * little-endian layout that is also the on-disk record of the .kev format
 * (docs/bundle.md), so a kev file is read with one fread and no parsing.
 *
 * Field use is fixed per event id (table xpkt_event_info[] in events.c says
 * which fields each id carries). Unused fields are zero.
 */
#ifndef XPKT_TRACEPOINTS_EVENT_H
#define XPKT_TRACEPOINTS_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* Where an event was observed. Doubles as the "domain" column of stages. */
enum xpkt_domain {
	XPKT_DOM_GUEST = 0, /* a Linux domU kernel (netfront side) */
	XPKT_DOM_XEN = 1,   /* the hypervisor (xentrace) */
	XPKT_DOM_DOM0 = 2,  /* the driver domain kernel (netback, bridge, NIC) */
	XPKT_DOM_WIRE = 3,  /* a capture of the physical wire (pcap) */
	XPKT_DOM_HOST = 4,  /* a native Linux kernel, no Xen (native mode) */
	XPKT_DOM_COUNT
};

/* What kind of device an ifindex is; resolved by the decoder from the manifest. */
enum xpkt_dev_kind {
	XPKT_DEV_ANY = 0,    /* unknown, or the event has no device */
	XPKT_DEV_NIC = 1,    /* the physical (or QEMU-emulated) NIC */
	XPKT_DEV_VIF = 2,    /* a netback vifD.H backend device */
	XPKT_DEV_BRIDGE = 3, /* a Linux bridge master */
	XPKT_DEV_VETH = 4,   /* a veth end (native mode) */
	XPKT_DEV_GUEST = 5,  /* a netfront eth device inside the guest */
	XPKT_DEV_PORT = 6,   /* a bridge port (native mode: the bridge side of a veth pair) */
};

/* IPv4 5-tuple in host byte order. IPv6 is not carried yet. */
struct xpkt_flow {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	uint8_t pad[3];
};

struct xpkt_event {
	/*
	 * Source clock (TSC ticks, or ns for pcap) as decoded; the correlator's
	 * timebase rewrites it in place to ns on the host TSC clock.
	 */
	uint64_t ts;
	union {
		struct {
			uint64_t skb;	       /* struct sk_buff address in the source kernel */
			struct xpkt_flow flow; /* packet flow, where the event has one */
			uint32_t seq;	       /* TCP sequence number of the first payload byte */
			uint32_t len;	       /* payload bytes (TCP/UDP), or bytes copied/mapped */
		};
		/*
		 * XPKT_EV_PMU only: up to 4 hardware counter values (in the order
		 * of the source's manifest "pmu" "counters"), read with the stage
		 * event recorded just before it at the same (source, cpu, ts).
		 * Replaces skb, flow, seq and len (bytes 8..39); ts stays, the
		 * record stays 80 bytes.
		 */
		uint64_t pmu[4];
		/*
		 * XPKT_EV_PC_SAMPLE only: the sampled instruction address in
		 * the recording kernel (perf cpu-clock sample), where skb is.
		 */
		uint64_t ip;
	};
	uint32_t ring_idx;  /* free-running ring index (RING_IDX) of a slot, or range start */
	uint32_t ring_end;  /* end (exclusive) of a notified ring range */
	uint32_t gref;	    /* grant reference */
	uint32_t arg;	    /* id-specific: drop reason, hypercall op, lost count... */
	uint32_t arg2;	    /* id-specific: hypercall cmd, previous domid<<16|vcpu... */
	uint16_t id;	    /* enum xpkt_event_id */
	uint16_t cpu;	    /* CPU in the source (physical CPU for Xen) */
	uint16_t domid;	    /* frontend domid (netback/netfront), running domid (Xen) */
	uint16_t queue;	    /* netfront/netback queue number */
	uint16_t req_id;    /* TX request id (netif_tx_request.id) */
	uint16_t handle;    /* vif handle (the H of vifD.H) */
	uint16_t ifindex;   /* device the event happened on */
	uint8_t source;	    /* enum xpkt_domain: set by the decoder */
	uint8_t dev_kind;   /* enum xpkt_dev_kind: set by the decoder from the manifest */
	uint16_t vcpu;	    /* Xen: vCPU of domid */
	uint16_t src_domid; /* domid of the kernel that recorded it (XPKT_DOMID_NONE: Xen, wire) */
};

#define XPKT_DOMID_NONE 0xffffu

_Static_assert(sizeof(struct xpkt_flow) == 16, "flow layout is on disk");
_Static_assert(sizeof(struct xpkt_event) == 80, "event layout is on disk");
_Static_assert(offsetof(struct xpkt_event, id) == 60, "event layout is on disk");
_Static_assert(offsetof(struct xpkt_event, pmu) == 8 && offsetof(struct xpkt_event, ring_idx) == 40,
	       "pmu[] overlays skb, flow, seq and len only");

/*
 * Event ids. The numbers are on disk (kev files): append, never renumber.
 * Names follow the tracepoint a live recorder uses ("subsystem:event").
 */
enum xpkt_event_id {
	XPKT_EV_NONE = 0,
	/* Linux, any domain */
	XPKT_EV_TCP_XMIT = 1,	       /* __ip_queue_xmit kprobe: skb, flow, seq, len */
	XPKT_EV_DEV_XMIT = 2,	       /* net:net_dev_start_xmit: skb, ifindex, flow, seq, len */
	XPKT_EV_NETIF_RECEIVE = 3,     /* net:netif_receive_skb: skb, ifindex, flow, seq, len */
	XPKT_EV_BR_FORWARD = 4,	       /* br_forward kprobe: skb, ifindex (out port) */
	XPKT_EV_GRO_RECEIVE = 5,       /* net:napi_gro_receive_entry: skb, ifindex */
	XPKT_EV_TCP_RCV = 6,	       /* tcp:tcp_probe (receive side): skb, flow, seq, len; the
					  tcp_rcv_established kprobe also arg = skb->truesize */
	XPKT_EV_SKB_COPY_DATAGRAM = 7, /* skb:skb_copy_datagram_iovec: skb, len */
	XPKT_EV_CONSUME_SKB = 8,       /* skb:consume_skb: skb (lifetime ends) */
	XPKT_EV_KFREE_SKB = 9,	       /* skb:kfree_skb: skb, arg=drop reason (dropped) */
	XPKT_EV_LOST = 10,	       /* ring buffer overrun on cpu: arg=events lost */
	XPKT_EV_DEV_QUEUE = 11,	       /* net:net_dev_queue: skb, ifindex, len */
	XPKT_EV_TCP_SENDMSG = 12,      /* tcp:tcp_sendmsg_locked: skb (write queue), len */
	XPKT_EV_NETIF_RX = 13,	       /* net:netif_rx: skb, ifindex, len */
	XPKT_EV_PMU = 14, /* counters read with the previous event of (source, cpu, ts): pmu[] */
	/* receive-side hotspots (kprobes; DESIGN.md section 6), no stage yet */
	XPKT_EV_HOT_COPY_BITS = 15, /* skb_copy_bits kprobe: skb, len = bytes copied */
	XPKT_EV_HOT_COLLAPSE = 16,  /* tcp_collapse kprobe: skb (the range's first) */
	/*
	 * A statistical PC sample (perf software cpu-clock, DESIGN.md section
	 * 6): ip = sampled instruction address, cpu, arg = pid, arg2 = tid
	 * (0 for the idle task). Attributed to the stage interval it falls in.
	 */
	XPKT_EV_PC_SAMPLE = 17,
	/* tcp_prune_queue kprobe: skb = the arriving skb the receive buffer had no room for */
	XPKT_EV_HOT_PRUNE = 18,
	/*
	 * A pmu-sim counter record (docs/bundle.md "pmu-sim"; source domain
	 * xen: cpu is a physical CPU = a QEMU vCPU). Counters are cumulative
	 * per CPU, of model instance 0: pmu[0] instructions, pmu[1] l1d_miss,
	 * pmu[2] l2_miss, pmu[3] dtlb_miss, itlb_miss = ring_end << 32 |
	 * ring_idx; arg = record kind (0 periodic, 1 marker, 2 final), arg2 0.
	 * arg2 1..5 instead: the model's l1i, l1d, l2, itlb, dtlb geometry as
	 * up to 31 NUL-padded chars in pmu[] (once per stream, first).
	 */
	XPKT_EV_SIM_PMU = 19,
	/* more receive-side hotspots (kprobes), after the netback ids */
	XPKT_EV_HOT_COALESCE = 40,  /* skb_try_coalesce kprobe: skb = from (merged away), len */
	XPKT_EV_HOT_PULL_TAIL = 41, /* __pskb_pull_tail kprobe: skb, len = bytes pulled */
	/*
	 * pmu-sim, besides XPKT_EV_SIM_PMU (encodings in tracepoints/sim_event.h),
	 * both at the (cpu, ts) of the counter record they go with and decoded
	 * before it: every model instance's L2 and TLB counters (the scaling
	 * curves), and per translation block the counts of the record interval
	 * that record closes (function annotation).
	 */
	XPKT_EV_SIM_MODEL = 42,
	XPKT_EV_SIM_TB = 43,
	/* netfront patch (guest) */
	XPKT_EV_NF_TX_GRANT = 20,    /* skb, queue, ring_idx, req_id, gref, len */
	XPKT_EV_NF_TX_NOTIFY = 21,   /* queue, [ring_idx, ring_end) pushed and notified */
	XPKT_EV_NF_TX_DONE = 22,     /* queue, req_id, gref: response seen, grant ended */
	XPKT_EV_NF_RX_RESPONSE = 23, /* skb, queue, ring_idx, gref, len */
	/* netback patch (dom0) */
	XPKT_EV_NB_TX_COPY = 30,    /* domid, handle, queue, ring_idx, gref, len */
	XPKT_EV_NB_TX_MAP = 31,	    /* domid, handle, queue, ring_idx, gref, len */
	XPKT_EV_NB_TX_DELIVER = 32, /* domid, handle, queue, ring_idx, skb (dom0) */
	XPKT_EV_NB_TX_UNMAP = 33,   /* domid, handle, queue, gref */
	XPKT_EV_NB_RX_COPY = 34,    /* domid, handle, queue, ring_idx, gref, skb, len */
	XPKT_EV_NB_RX_NOTIFY = 35,  /* domid, handle, queue, [ring_idx, ring_end) */
	/* Xen (decoded from xentrace) */
	XPKT_EV_XEN_SWITCH = 50,	 /* cpu=pcpu, domid/vcpu=next, arg2=prev domid<<16|vcpu */
	XPKT_EV_XEN_RUNSTATE = 51,	 /* domid, vcpu, arg=old state, arg2=new state */
	XPKT_EV_XEN_HYPERCALL = 52,	 /* domid/vcpu=caller, arg=op, arg2=subcmd, len=count */
	XPKT_EV_XEN_GRANT_MAP = 53,	 /* domid (granting domain) */
	XPKT_EV_XEN_GRANT_UNMAP = 54,	 /* domid */
	XPKT_EV_XEN_GRANT_TRANSFER = 55, /* domid */
	XPKT_EV_XEN_IRQ = 56,		 /* cpu, arg=irq or vector */
	/*
	 * TRC_MEM_GNTTAB_FLUSH, only from a hypervisor with xen-patch/: the TLB
	 * flush ending a batch of grant unmaps. ts = end of the flush; domid =
	 * the unmapping domain (whose dirty CPUs are flushed), vcpu = its vCPU
	 * on cpu; len = grant ops the flush retires (the batch); arg = TSC
	 * cycles the flush took (start = ts - arg); arg2 = CPUs flushed.
	 */
	XPKT_EV_XEN_TLB_FLUSH = 57,
	/* Wire (decoded from pcap) */
	XPKT_EV_WIRE = 70, /* flow, seq, len (payload), arg=IP id */
	XPKT_EV_MAX
};

/* What the catalogue knows of each event id: name and which domain emits it. */
struct xpkt_event_info {
	uint16_t id;
	const char *name;
	enum xpkt_domain domain; /* XPKT_DOM_COUNT: any Linux kernel */
};

const struct xpkt_event_info *xpkt_event_info(uint16_t id);
const char *xpkt_event_name(uint16_t id); /* "?" for unknown ids */
const char *xpkt_domain_name(enum xpkt_domain d);
int xpkt_domain_parse(const char *name); /* -1 if unknown */
const char *xpkt_dev_kind_name(enum xpkt_dev_kind k);
/* A host-order IPv4 address (struct xpkt_flow) as "a.b.c.d" in buf; returns buf. */
const char *xpkt_ipv4_format(char *buf, size_t len, uint32_t addr);
int xpkt_dev_kind_parse(const char *name); /* -1 if unknown */

/* Xen hypercall numbers the correlator and diagnosis look at. */
#define XPKT_HC_GRANT_TABLE_OP 20
#define XPKT_HC_EVTCHN_OP      32
/* GNTTABOP_* sub-commands (xen/include/public/grant_table.h) */
#define XPKT_GNTTABOP_MAP_GRANT_REF	0
#define XPKT_GNTTABOP_UNMAP_GRANT_REF	1
#define XPKT_GNTTABOP_COPY		5
#define XPKT_GNTTABOP_UNMAP_AND_REPLACE 7

#endif
