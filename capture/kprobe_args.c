// SPDX-License-Identifier: GPL-2.0
/* kprobe_args.c - see kprobe_args.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/fclone.h"
#include "capture/kprobe_args.h"

int xpkt_kprobe_expand(const char *fetch, char *out, size_t len, xpkt_member_offset_fn resolve,
		       void *ctx, struct xpkt_err *err)
{
	size_t o = 0;

	for (const char *p = fetch; *p;) {
		if (*p == '{') {
			const char *dot = strchr(p, '.'), *end = strchr(p, '}');
			char strct[64], member[64];
			uint32_t off;
			int n;

			if (!dot || !end || dot > end || dot - p - 1 <= 0 || end - dot - 1 <= 0 ||
			    (size_t)(dot - p - 1) >= sizeof(strct) ||
			    (size_t)(end - dot - 1) >= sizeof(member))
				return xpkt_err_set(err, "kprobe fetch \"%s\": bad {STRUCT.MEMBER}",
						    fetch);
			snprintf(strct, sizeof(strct), "%.*s", (int)(dot - p - 1), p + 1);
			snprintf(member, sizeof(member), "%.*s", (int)(end - dot - 1), dot + 1);
			if (resolve(ctx, strct, member, &off, err))
				return -1;
			n = snprintf(out + o, len - o, "%u", off);
			if (n < 0 || (size_t)n >= len - o)
				return xpkt_err_set(err, "kprobe fetch \"%s\": too long", fetch);
			o += (size_t)n;
			p = end + 1;
			continue;
		}
		if (o + 1 >= len)
			return xpkt_err_set(err, "kprobe fetch \"%s\": too long", fetch);
		out[o++] = *p++;
	}
	out[o] = 0;
	return 0;
}

int xpkt_btf_load(struct xpkt_btf *btf, const char *path, struct xpkt_err *err)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0, got;

	btf->buf = NULL;
	btf->len = 0;
	if (!fp)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	btf->buf = malloc(cap);
	/* sysfs reports no useful size for this file: read until EOF. */
	while (btf->buf && (got = fread(btf->buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = cap < ((size_t)1 << 28) ? realloc(btf->buf, cap * 2) : NULL;

			if (!nb) {
				free(btf->buf);
				btf->buf = NULL;
				break;
			}
			btf->buf = nb;
			cap *= 2;
		}
	}
	fclose(fp);
	if (!btf->buf)
		return xpkt_err_set(err, "%s: too large or out of memory", path);
	btf->len = n;
	return 0;
}

void xpkt_btf_free(struct xpkt_btf *btf)
{
	free(btf->buf);
	btf->buf = NULL;
	btf->len = 0;
}

int xpkt_btf_resolve(void *ctx, const char *strct, const char *member, uint32_t *off_bytes,
		     struct xpkt_err *err)
{
	struct xpkt_btf *btf = ctx;

	if (!btf || !btf->buf)
		return xpkt_err_set(err, "no kernel BTF for %s.%s", strct, member);
	return xpkt_btf_member_offset(btf->buf, btf->len, XPKT_BTF_VMLINUX, strct, member,
				      off_bytes, err);
}
