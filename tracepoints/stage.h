/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stage.h - the stage catalogue (DESIGN.md section 3) as one table.
 *
 * A stage is a point in a packet's life where one event id, seen in one
 * domain, is attributed to the packet. Each row says how the correlator finds
 * the packet an event belongs to (join, key_from) and which identity keys the
 * event then provides to later stages (sets). The correlator, the generator's
 * truth and every renderer read this table; none of them names a stage in code.
 *
 * Rows of one direction are in the order a packet passes them, so "the
 * previous recorded stage" of a packet is the previous attached row.
 */
#ifndef XPKT_TRACEPOINTS_STAGE_H
#define XPKT_TRACEPOINTS_STAGE_H

#include <stdint.h>

#include "tracepoints/event.h"

enum xpkt_dir { XPKT_TX = 0, XPKT_RX = 1, XPKT_DIR_COUNT };

enum xpkt_mode { XPKT_MODE_XEN = 1 << 0, XPKT_MODE_NATIVE = 1 << 1 };

/*
 * Identity keys (DESIGN.md section 4). A key is provided by one stage of a
 * packet and looked up by later events.
 */
enum xpkt_key {
	XPKT_KEY_NONE = 0,
	XPKT_KEY_SKB,	    /* (kernel domid, skb address), a lifetime: ends at consume/kfree */
	XPKT_KEY_TX_SLOT,   /* (domid, handle, queue, ring_idx) of a TX request */
	XPKT_KEY_RX_SLOT,   /* (domid, handle, queue, ring_idx) of an RX request */
	XPKT_KEY_REQ_ID,    /* (domid, queue, req_id): TX responses come out of order */
	XPKT_KEY_GREF,	    /* (domid, gref): reused after release, so a lifetime too */
	XPKT_KEY_FLOW_SEQ,  /* (flow, seq) of one wire segment */
	XPKT_KEY_SEQ_RANGE, /* (flow, [seq, seq+len)): a GSO skb covers many segments */
	XPKT_KEY_STREAM,    /* (kernel domid, skb) -> flow, and the flow's receive-queue bytes */
	XPKT_KEY_COUNT
};

/* How an event finds its packet. */
enum xpkt_join {
	XPKT_JOIN_ORIGIN = 0, /* the event creates the packet */
	XPKT_JOIN_KEY,	      /* exact lookup of the key that stage key_from provided */
	XPKT_JOIN_SLOT_RANGE, /* every packet whose slot (key_from) is in [ring_idx, ring_end) */
	XPKT_JOIN_SEQ_IN,     /* the packet whose seq range (from key_from) holds seq */
	XPKT_JOIN_SWITCH_IN,  /* first Xen switch-in of the peer domain after key_from */
	XPKT_JOIN_UNMAP_CALL, /* first dom0 grant unmap hypercall after key_from */
	/*
	 * Receive-queue byte order (native socket copy): TCP may coalesce a
	 * packet's data into the skb ahead of it (tcp_try_coalesce frees the
	 * merged skb with no tracepoint), so a copy event names whatever skb the
	 * bytes sit in. The copy's skb gives the flow (key STREAM); its len
	 * consumes the flow's queued packets in arrival order.
	 */
	XPKT_JOIN_FLOW_BYTES,
};

#define XPKT_STAGE_REQUIRED (1u << 0) /* a packet without it is partial */
#define XPKT_STAGE_TERMINAL (1u << 1) /* attaching it ends the packet's life */
#define XPKT_STAGE_INFERRED (1u << 2) /* derived from a related record, not observed */
/* Origin: the skb key is set at skb + the source's skb_fclone_offset, the
 * clone tcp_transmit_skb() sends (alloc_skb_fclone puts it right after). */
#define XPKT_STAGE_FCLONE (1u << 3)
/* Origin: another event on an skb whose packet has only this stage extends
 * that packet (tcp_sendmsg appends to the tail skb of the write queue). */
#define XPKT_STAGE_APPENDS (1u << 4)
/*
 * One event per ring slot of the packet: netfront and netback handle a
 * multi-slot packet (GSO: a header slot, an extra-info slot, one slot per
 * page) slot by slot, each event naming its own slot, request id and grant.
 * The first event the packet is found for attaches the stage; later ones
 * only add the keys they set (each slot's own) and are neither attached nor
 * unattributed. A TERMINAL per-slot row attaches with the event that answers
 * the packet's last slot (the slots its key_from row's events claimed).
 */
#define XPKT_STAGE_PER_SLOT (1u << 5)
/*
 * Recorded after the action it reports took effect (netfront's tx_notify is
 * written after RING_PUSH_REQUESTS_AND_CHECK_NOTIFY made the slots visible),
 * so another domain may act on it before the record exists: the causal
 * check compares the next stage with the latest earlier stage without it.
 */
#define XPKT_STAGE_AFTER_ACTION (1u << 6)
/*
 * Receive of a GRO skb (dom0's netif_receive_skb after napi_gro_receive):
 * GRO appended the following segments of the flow to the skb it held
 * (skb_gro_receive) and freed their own skbs with no tracepoint. When the
 * row attaches to the head segment's packet, the live packets of the same
 * flow whose key_from stage attached but not this row, contiguous after the
 * head, and whose payload fits the event's len (IP-level bytes of the merged
 * skb, less the row's gro_hdr_bytes) end as "merged (GRO)". The guest's TCP
 * receive is such a row too: netfront hands GRO one skb per segment and
 * tcp_rcv_established sees the merged one.
 */
#define XPKT_STAGE_GRO_HEAD (1u << 7)

struct xpkt_stage {
	enum xpkt_dir dir;
	const char *name;
	enum xpkt_domain domain;
	unsigned modes;	  /* XPKT_MODE_* this stage exists in */
	uint16_t event;	  /* enum xpkt_event_id */
	uint8_t dev_kind; /* enum xpkt_dev_kind the event must be on, or XPKT_DEV_ANY */
	enum xpkt_join join;
	enum xpkt_key key; /* for JOIN_KEY/SLOT_RANGE/SEQ_IN: the key looked up */
	int key_from;	   /* index (in this direction) of the stage providing it; -1 */
	uint32_t sets;	   /* bitmask 1<<XPKT_KEY_* this stage's event provides */
	unsigned flags;	   /* XPKT_STAGE_* */
	const char *hook;  /* where a live recorder takes it */
	const char *keys;  /* what the event carries, for people */
	/*
	 * XPKT_STAGE_GRO_HEAD rows: header bytes the event's len holds beyond
	 * payload, at least (dom0's netif_receive_skb counts from the IP header:
	 * 40; a TCP receive probe's len is payload: 0).
	 */
	uint8_t gro_hdr_bytes;
};

/* The catalogue of one mode and direction, in packet order; *n gets its length (0: none). */
const struct xpkt_stage *xpkt_mode_stages(enum xpkt_mode mode, enum xpkt_dir dir, unsigned *n);
/* Index of a stage by name within a mode and direction, or -1. */
int xpkt_mode_stage_find(enum xpkt_mode mode, enum xpkt_dir dir, const char *name);
/* The same for Xen mode, the catalogue's main use. */
const struct xpkt_stage *xpkt_stages(enum xpkt_dir dir, unsigned *n);
int xpkt_stage_find(enum xpkt_dir dir, const char *name);
/* "xen" / "native" <-> XPKT_MODE_*; parse gives 0 for an unknown name. */
const char *xpkt_mode_name(enum xpkt_mode mode);
unsigned xpkt_mode_parse(const char *name);
const char *xpkt_dir_name(enum xpkt_dir dir);
int xpkt_dir_parse(const char *name);
const char *xpkt_key_name(enum xpkt_key key);

#define XPKT_MAX_STAGES 16 /* per direction; checked by the catalogue test */

#endif
