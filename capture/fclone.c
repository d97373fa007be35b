// SPDX-License-Identifier: GPL-2.0
/*
 * fclone.c - the skb fast-clone offset, from BTF or measured (fclone.h).
 *
 * The BTF reader is a minimal one of our own (the format is
 * include/uapi/linux/btf.h: a header, a type section of variable-length
 * records, a string section) rather than libbpf, to add no dependency: we
 * need one member offset of one struct.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/fclone.h"
#include "lib/files.h"

/* --- BTF ------------------------------------------------------------------------------ */

#define BTF_MAGIC 0xeB9F

/* include/uapi/linux/btf.h kinds, and the bytes each appends to struct btf_type */
enum {
	BTF_KIND_INT = 1,
	BTF_KIND_PTR,
	BTF_KIND_ARRAY,
	BTF_KIND_STRUCT,
	BTF_KIND_UNION,
	BTF_KIND_ENUM,
	BTF_KIND_FWD,
	BTF_KIND_TYPEDEF,
	BTF_KIND_VOLATILE,
	BTF_KIND_CONST,
	BTF_KIND_RESTRICT,
	BTF_KIND_FUNC,
	BTF_KIND_FUNC_PROTO,
	BTF_KIND_VAR,
	BTF_KIND_DATASEC,
	BTF_KIND_FLOAT,
	BTF_KIND_DECL_TAG,
	BTF_KIND_TYPE_TAG,
	BTF_KIND_ENUM64,
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4); /* BTF is in the kernel's (native) byte order */
	return v;
}

/* Bytes after the 12-byte struct btf_type for a kind with vlen entries; -1: unknown kind. */
static long btf_extra(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12L * vlen;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8L * vlen;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/* The string at off of the string section, if it is NUL-terminated inside it; else NULL. */
static const char *btf_str(const uint8_t *strs, uint32_t str_len, uint32_t off)
{
	if (off >= str_len || !memchr(strs + off, 0, str_len - off))
		return NULL;
	return (const char *)strs + off;
}

int xpkt_btf_member_offset(const uint8_t *buf, size_t len, const char *what, const char *strct,
			   const char *member, uint32_t *off_bytes, struct xpkt_err *err)
{
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	const uint8_t *types, *strs;
	size_t pos = 0;

	if (len < 24)
		return xpkt_err_at(err, what, 0, "BTF header truncated (%zu bytes)", len);
	if (buf[0] != (BTF_MAGIC & 0xff) || buf[1] != (BTF_MAGIC >> 8))
		return xpkt_err_at(err, what, 0, "not BTF of this byte order (magic %02x%02x)",
				   buf[1], buf[0]);
	hdr_len = rd32(buf + 4);
	type_off = rd32(buf + 8);
	type_len = rd32(buf + 12);
	str_off = rd32(buf + 16);
	str_len = rd32(buf + 20);
	if (hdr_len < 24 || hdr_len > len)
		return xpkt_err_at(err, what, 4, "bad header length %u", hdr_len);
	if ((uint64_t)hdr_len + type_off + type_len > len)
		return xpkt_err_at(err, what, 8, "type section [%u, +%u) beyond the file", type_off,
				   type_len);
	if ((uint64_t)hdr_len + str_off + str_len > len)
		return xpkt_err_at(err, what, 16, "string section [%u, +%u) beyond the file",
				   str_off, str_len);
	types = buf + hdr_len + type_off;
	strs = buf + hdr_len + str_off;

	while (pos < type_len) {
		size_t at = (size_t)hdr_len + type_off + pos;
		uint32_t name_off, info;
		unsigned kind, vlen;
		long extra;

		if (type_len - pos < 12)
			return xpkt_err_at(err, what, at, "type record truncated");
		name_off = rd32(types + pos);
		info = rd32(types + pos + 4);
		kind = (info >> 24) & 0x1f;
		vlen = info & 0xffff;
		extra = btf_extra(kind, vlen);
		if (extra < 0)
			return xpkt_err_at(err, what, at, "unknown BTF kind %u", kind);
		if ((uint64_t)type_len - pos - 12 < (uint64_t)extra)
			return xpkt_err_at(err, what, at,
					   "type record truncated (kind %u, %u entries)", kind,
					   vlen);
		if (kind == BTF_KIND_STRUCT) {
			const char *name = btf_str(strs, str_len, name_off);

			if (name && !strcmp(name, strct)) {
				int kflag = (int)(info >> 31);

				for (unsigned i = 0; i < vlen; i++) {
					const uint8_t *mem = types + pos + 12 + 12 * (size_t)i;
					const char *mn = btf_str(strs, str_len, rd32(mem));
					uint32_t bits = rd32(mem + 8);

					if (!mn || strcmp(mn, member))
						continue;
					/* kind_flag: low 24 bits offset, high 8 bitfield size */
					if (kflag)
						bits &= 0xffffff;
					if (bits % 8)
						return xpkt_err_at(err, what, at,
								   "%s.%s is a bitfield", strct,
								   member);
					*off_bytes = bits / 8;
					return 0;
				}
				return xpkt_err_set(err, "%s: struct %s has no member %s", what,
						    strct, member);
			}
		}
		pos += 12 + (size_t)extra;
	}
	return xpkt_err_set(err, "%s: no struct %s", what, strct);
}

int xpkt_fclone_offset_btf(const char *path, uint32_t *off_bytes, struct xpkt_err *err)
{
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = 0;
	int rc;

	if (fd < 0)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	/* sysfs reports no useful st_size for this file: read until EOF */
	for (;;) {
		if (!buf || cap - n < 65536) {
			uint8_t *nb;

			if (cap > (256u << 20)) {
				got = -1;
				errno = EFBIG;
				break;
			}
			cap = buf ? cap * 2 : cap;
			nb = realloc(buf, cap);
			if (!nb) {
				got = -1;
				break;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (got < 0) {
		rc = xpkt_err_set(err, "%s: %s", path, strerror(errno));
		close(fd);
		free(buf);
		return rc;
	}
	close(fd);
	rc = xpkt_btf_member_offset(buf, n, path, "sk_buff_fclones", "skb2", off_bytes, err);
	free(buf);
	return rc;
}

/* --- measurement -------------------------------------------------------------------------- */

#define MEASURE_PREFIX "xpkttrace-fclone-"
/*
 * skb2 follows skb in struct sk_buff_fclones, so the offset is sizeof(struct
 * sk_buff) (8-aligned): 200-250 bytes in every kernel since 3.x. Distances
 * outside [MIN_OFFSET, MAX_OFFSET) are other objects of the same slab page.
 */
#define MIN_OFFSET 128
#define MAX_OFFSET 512
#define RECENT	   64 /* write-queue skbs a transmit may come from */
#define SEND_MSGS  256
#define SEND_BYTES (128 * 1024)

static void remove_instance(const char *dir)
{
	xpkt_write_str(dir, "tracing_on", "0");
	xpkt_write_str(dir, "events/enable", "0");
	rmdir(dir);
}

static void cleanup_leftovers(const char *tracing_dir)
{
	char path[4400];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/instances", tracing_dir);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *num = de->d_name + strlen(MEASURE_PREFIX);
		char *end;
		long pid;

		if (strncmp(de->d_name, MEASURE_PREFIX, strlen(MEASURE_PREFIX)))
			continue;
		pid = strtol(num, &end, 10);
		if (end == num || *end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/instances/%.255s", tracing_dir, de->d_name);
		remove_instance(path);
	}
	closedir(d);
}

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

/* Bulk loopback TCP: full write-queue skbs, each sent as its fast clone. */
static int loopback_transfer(struct xpkt_err *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int ls = -1, cs = -1, as = -1, rc = -1;
	pthread_t th;
	char *msg = calloc(1, SEND_BYTES);

	if (!msg)
		return xpkt_err_set(err, "fclone measurement: out of memory");
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || cs < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) ||
	    connect(cs, (struct sockaddr *)&sa, sizeof(sa)) || (as = accept(ls, NULL, NULL)) < 0) {
		xpkt_err_set(err, "fclone measurement: loopback TCP: %s", strerror(errno));
		goto out;
	}
	if (pthread_create(&th, NULL, drain, &as)) {
		xpkt_err_set(err, "fclone measurement: cannot start a thread");
		goto out;
	}
	rc = 0;
	for (int i = 0; i < SEND_MSGS && !rc; i++) {
		size_t done = 0;

		while (done < SEND_BYTES) {
			ssize_t w = send(cs, msg + done, SEND_BYTES - done, MSG_NOSIGNAL);

			if (w <= 0) {
				rc = xpkt_err_set(err, "fclone measurement: send: %s",
						  strerror(errno));
				break;
			}
			done += (size_t)w;
		}
	}
	shutdown(cs, SHUT_WR);
	pthread_join(th, NULL);
out:
	if (as >= 0)
		close(as);
	if (cs >= 0)
		close(cs);
	if (ls >= 0)
		close(ls);
	free(msg);
	return rc;
}

/* The hex number after key in line ("skbaddr=" or "skb_addr "), or 0. */
static uint64_t hex_after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

int xpkt_fclone_offset_measure(const char *tracing_dir, uint32_t *off_bytes, struct xpkt_err *err)
{
	char dir[4400], path[4500], line[512];
	uint64_t recent[RECENT] = {0};
	unsigned nrecent = 0, best = MIN_OFFSET, second = 0, total = 0;
	unsigned *hist = NULL;
	FILE *fp = NULL;
	int rc = -1;

	cleanup_leftovers(tracing_dir);
	snprintf(dir, sizeof(dir), "%s/instances/%s%ld", tracing_dir, MEASURE_PREFIX,
		 (long)getpid());
	if (mkdir(dir, 0755) && errno != EEXIST)
		return xpkt_err_set(err, "%s: %s", dir, strerror(errno));
	/* text output hashes %p unless told not to (6.x option hash-ptr) */
	if (xpkt_write_str(dir, "options/hash-ptr", "0")) {
		xpkt_err_set(err, "%s/options/hash-ptr: %s (cannot print raw skb addresses)", dir,
			     strerror(errno));
		goto out;
	}
	if (xpkt_write_str(dir, "events/tcp/tcp_sendmsg_locked/enable", "1") ||
	    xpkt_write_str(dir, "events/net/net_dev_queue/enable", "1")) {
		xpkt_err_set(err, "%s: cannot enable tcp_sendmsg_locked and net_dev_queue: %s", dir,
			     strerror(errno));
		goto out;
	}
	xpkt_write_str(dir, "tracing_on", "1");
	if (loopback_transfer(err))
		goto out;
	xpkt_write_str(dir, "tracing_on", "0");

	hist = calloc(MAX_OFFSET, sizeof(*hist));
	snprintf(path, sizeof(path), "%s/trace", dir);
	fp = fopen(path, "re");
	if (!hist || !fp) {
		xpkt_err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), fp)) {
		uint64_t a;

		if (strstr(line, "tcp_sendmsg_locked:")) {
			a = hex_after(line, "skb_addr ");
			if (a)
				recent[nrecent++ % RECENT] = a;
		} else if (strstr(line, "net_dev_queue:")) {
			uint64_t dmin = MAX_OFFSET;

			/*
			 * The nearest recent write-queue skb below: the slab's other
			 * fclone objects sit a whole object further (224 + k * 512 here).
			 */
			a = hex_after(line, "skbaddr=");
			for (unsigned i = 0; a && i < RECENT && i < nrecent; i++)
				if (a > recent[i] && a - recent[i] < dmin)
					dmin = a - recent[i];
			if (dmin < MAX_OFFSET)
				hist[dmin]++;
		}
	}
	total = hist[best];
	for (unsigned d = MIN_OFFSET + 8; d < MAX_OFFSET; d += 8) {
		total += hist[d];
		if (hist[d] > hist[best]) {
			second = hist[best];
			best = d;
		} else if (hist[d] > second) {
			second = hist[d];
		}
	}
	/*
	 * Every transmit of a full write-queue skb lands on the one distance;
	 * other recent skbs are chance neighbours spread over many distances.
	 */
	if (hist[best] < 8 || hist[best] < 2 * second) {
		xpkt_err_set(
		    err, "fclone measurement: no clear offset (%u samples at %u, next %u, of %u)",
		    hist[best], best, second, total);
		goto out;
	}
	*off_bytes = best;
	rc = 0;
out:
	if (fp)
		fclose(fp);
	free(hist);
	remove_instance(dir);
	return rc;
}

int xpkt_fclone_offset(const char *tracing_dir, uint32_t *off_bytes, const char **how,
		       struct xpkt_err *err)
{
	struct xpkt_err e1 = {{0}}, e2 = {{0}};

	if (!xpkt_fclone_offset_btf(XPKT_BTF_VMLINUX, off_bytes, &e1)) {
		*how = "btf";
		return 0;
	}
	if (tracing_dir && !xpkt_fclone_offset_measure(tracing_dir, off_bytes, &e2)) {
		*how = "measured";
		return 0;
	}
	return xpkt_err_set(err, "skb fclone offset unknown: %s; %s", e1.msg,
			    tracing_dir ? e2.msg : "no tracefs to measure it");
}
