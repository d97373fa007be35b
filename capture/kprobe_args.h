/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe_args.h - kprobe fetch arguments whose struct offsets come from the
 * running kernel's BTF, not from constants.
 *
 * A fetch argument in tracepoints/tp_map.c may name a member as
 * {STRUCT.MEMBER} ("len=+{sk_buff.len}(%si):u32"); before the probe is
 * created each such name becomes the member's byte offset in the kernel the
 * recorder runs on. sk_buff's layout moves with the kernel's configuration
 * (CONFIG_NF_CONNTRACK and others put members before len), so an offset
 * compiled in would read the wrong bytes on another kernel.
 */
#ifndef XPKT_CAPTURE_KPROBE_ARGS_H
#define XPKT_CAPTURE_KPROBE_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Resolves STRUCT.MEMBER to a byte offset; -1 with err if unknown. */
typedef int (*xpkt_member_offset_fn)(void *ctx, const char *strct, const char *member,
				     uint32_t *off_bytes, struct xpkt_err *err);

/* Copies fetch into out with every {STRUCT.MEMBER} replaced; -1 with err. */
int xpkt_kprobe_expand(const char *fetch, char *out, size_t len, xpkt_member_offset_fn resolve,
		       void *ctx, struct xpkt_err *err);

/* The running kernel's BTF (/sys/kernel/btf/vmlinux), loaded once. */
struct xpkt_btf {
	uint8_t *buf;
	size_t len;
};
int xpkt_btf_load(struct xpkt_btf *btf, const char *path, struct xpkt_err *err);
void xpkt_btf_free(struct xpkt_btf *btf);
/* An xpkt_member_offset_fn over a loaded struct xpkt_btf (ctx). */
int xpkt_btf_resolve(void *ctx, const char *strct, const char *member, uint32_t *off_bytes,
		     struct xpkt_err *err);

#endif
