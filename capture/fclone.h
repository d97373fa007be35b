/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fclone.h - the skb fast-clone offset of the running kernel.
 *
 * TCP allocates write-queue skbs from skbuff_fclone_cache
 * (tcp_stream_alloc_skb -> alloc_skb_fclone): one struct sk_buff_fclones
 * holds the skb and, right behind it, its companion skb2. tcp_transmit_skb()
 * sends that companion clone, so tcp:tcp_sendmsg_locked names skb and every
 * later tracepoint (net_dev_queue, ...) names skb + offsetof(struct
 * sk_buff_fclones, skb2). The correlator needs that distance (the manifest's
 * skb_fclone_offset) to follow a native packet from its write queue onward.
 *
 * Two ways to get it: the kernel's BTF (/sys/kernel/btf/vmlinux) when built
 * with it, else a measurement: a short loopback TCP transfer under a private
 * tracefs instance, the most common (dev_queue skb - sendmsg skb) distance.
 */
#ifndef XPKT_CAPTURE_FCLONE_H
#define XPKT_CAPTURE_FCLONE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define XPKT_BTF_VMLINUX "/sys/kernel/btf/vmlinux"

/*
 * Byte offset of member MEMBER of struct STRUCT in the raw BTF blob buf
 * (len bytes, as /sys/kernel/btf/vmlinux holds it). Every length and offset
 * is checked; errors name what (file name) and the byte offset.
 */
int xpkt_btf_member_offset(const uint8_t *buf, size_t len, const char *what, const char *strct,
			   const char *member, uint32_t *off_bytes, struct xpkt_err *err);

/* offsetof(struct sk_buff_fclones, skb2) from the BTF file at path. */
int xpkt_fclone_offset_btf(const char *path, uint32_t *off_bytes, struct xpkt_err *err);

/*
 * The same, measured: needs root and tracefs at tracing_dir (an instance
 * "xpkttrace-fclone-PID" is created and always removed; leftovers of dead
 * PIDs are removed first). Takes well under a second.
 */
int xpkt_fclone_offset_measure(const char *tracing_dir, uint32_t *off_bytes, struct xpkt_err *err);

/*
 * BTF first, then the measurement. *how gets "btf" or "measured". On
 * failure err says why both failed.
 */
int xpkt_fclone_offset(const char *tracing_dir, uint32_t *off_bytes, const char **how,
		       struct xpkt_err *err);

#endif
