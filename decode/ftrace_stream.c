// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace_stream.c - the "ftrace" decoder: a bundle's .ftrace directory (raw
 * ring-buffer pages per CPU plus the formats they were written with, see
 * capture/ftrace_rec.h) as a stream of struct xpkt_event.
 *
 * The formats are parsed with libtraceevent, pages are walked with its
 * kbuffer API, CPUs are merged by timestamp, and each record is mapped by
 * tracepoints/tp_map.c. Field offsets come from the saved format files, never
 * from this kernel's headers, so a trace decodes on any machine.
 *
 * kbuffer trusts the page it is given (it reads the commit size and event
 * lengths without bounds), so every page is checked here first: the commit
 * size must fit the page, each event must end inside the committed data, and
 * each field read must lie inside its event; pages are copied into a
 * zero-padded buffer so kbuffer's header reads never leave it. Anything wrong
 * is "FILE: offset N: what", never a crash.
 *
 * A CPU's file may be zstd-compressed (cpuN.raw.zst, named so in meta.json;
 * capture/ftrace_compress.c): it is then decompressed as a stream, page by
 * page, into the same page buffer (decode/zblock.c: memory is one page, a
 * 128 KB input buffer and zstd's window), and the same page loop walks it. Errors in the
 * compressed data name the compressed offset ("FILE.zst: offset N: zstd:
 * ..."); errors inside a page name the offset in the decompressed data
 * ("FILE.zst (decompressed): offset N: ..."), which is the raw file's offset.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>

#include "decode/ftrace_raw.h"
#include "decode/stream.h"
#include "decode/zblock.h"
#include "tracepoints/tp_map.h"
#include "tracepoints/tp_map_xen.h"

#define MAX_CPUS      1024
#define MAX_EVENTS    64
#define PAGE_PAD      64
#define COMMIT_MASK   ((1u << 27) - 1) /* kbuffer's: low bits of commit are the size */
#define MISSED_EVENTS (1ull << 31)     /* RB_MISSED_EVENTS: events lost before this page */
#define MISSED_STORED (1ull << 30)     /* RB_MISSED_STORED: the count follows the data */
#define AF_INET_      2
#define AF_INET6_     10
#define PROTO_TCP     6

struct fld {
	int present;
	unsigned off, size;
	unsigned long flags;
	const char *name;
};

/* One saved event resolved against its tp_map row. */
struct evmap {
	int tep_id;
	const struct xpkt_tp_map *m;
	struct fld skb, len, dev, arg, saddr, daddr, sport, dport;
	/* Packet headers a kprobe fetched (row->hdr, tp_map.h), network order */
	struct fld ip_saddr, ip_daddr, tcp_sport, tcp_dport, tcp_seq, vihl, tcp_doff;
	/* Ring identity of the netfront/netback events (tp_map_xen.h). */
#define XEN_FLD(name, member) struct fld xen_##member;
	XPKT_TP_XEN_FIELDS(XEN_FLD)
#undef XEN_FLD
};

struct cursor {
	int fd;
	int cpu;
	char path[4200];
	char name[4220];       /* for errors inside pages: path, or "path (decompressed)" */
	struct xpkt_zblock *z; /* the file is zstd-compressed; NULL: raw pages */
	uint64_t size;	       /* file bytes */
	uint64_t next_off;     /* file offset of the next page to load */
	uint64_t page_off;     /* file offset of the loaded page */
	unsigned char *page;
	struct kbuffer *kb;
	int loaded;
	uint64_t flagged_lost; /* LOST counted from page flags */
	uint64_t stats_lost;   /* meta.json's count for this CPU */
	uint64_t last_ts;
	int done;
	int has;
	struct xpkt_event pending;
};

struct ftrace_priv {
	struct tep_handle *tep;
	const struct xpkt_source *src;
	char dir[4096];
	long page_size;
	unsigned hdr_size; /* timestamp + commit */
	int long_size;
	struct evmap maps[MAX_EVENTS];
	unsigned nmaps;
	struct cursor *cpus;
	int ncpus;
	uint64_t last_out;
};

static char *slurp(const char *path, size_t *len, size_t max)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (!fp)
		return NULL;
	buf = malloc(max + 1);
	if (buf)
		n = fread(buf, 1, max, fp);
	if (buf && ferror(fp)) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

static void resolve_fld(struct tep_event *e, const char *names, struct fld *f)
{
	char buf[128], *save = NULL;

	memset(f, 0, sizeof(*f));
	if (!names)
		return;
	snprintf(buf, sizeof(buf), "%s", names);
	for (char *n = strtok_r(buf, "|", &save); n; n = strtok_r(NULL, "|", &save)) {
		struct tep_format_field *tf = tep_find_field(e, n);

		if (tf && tf->offset >= 0 && tf->size > 0) {
			f->present = 1;
			f->off = (unsigned)tf->offset;
			f->size = (unsigned)tf->size;
			f->flags = tf->flags;
			f->name = tf->name;
			return;
		}
	}
}

static int load_format(struct ftrace_priv *p, const char *sys, const char *ev, struct xpkt_err *err)
{
	char path[4400];
	size_t len;
	char *buf;
	struct tep_event *e = NULL;
	const struct xpkt_tp_map *m;
	struct evmap *em;

	if (strchr(sys, '/') || strchr(ev, '/') || strstr(sys, "..") || strstr(ev, ".."))
		return xpkt_err_set(err, "%s/meta.json: bad event name %s:%s", p->dir, sys, ev);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", p->dir, sys, ev);
	buf = slurp(path, &len, 1 << 20);
	if (!buf)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	if (tep_parse_format(p->tep, &e, buf, len, sys) != TEP_ERRNO__SUCCESS || !e) {
		free(buf);
		return xpkt_err_set(
		    err, "%s: offset 0: not an event format libtraceevent can parse", path);
	}
	free(buf);
	m = xpkt_tp_find(sys, ev);
	if (!m)
		return 0; /* recorded but not mapped: its records are skipped */
	if (p->nmaps == MAX_EVENTS)
		return xpkt_err_set(err, "%s/meta.json: too many events", p->dir);
	em = &p->maps[p->nmaps++];
	em->tep_id = e->id;
	em->m = m;
	resolve_fld(e, m->skb, &em->skb);
	resolve_fld(e, m->len, &em->len);
	resolve_fld(e, m->dev, &em->dev);
	resolve_fld(e, m->arg, &em->arg);
#define XEN_FLD(name, member) resolve_fld(e, name, &em->xen_##member);
	XPKT_TP_XEN_FIELDS(XEN_FLD)
#undef XEN_FLD
	if (m->flags & XPKT_TP_SOCK_FLOW) {
		resolve_fld(e, "saddr", &em->saddr);
		resolve_fld(e, "daddr", &em->daddr);
		resolve_fld(e, "sport", &em->sport);
		resolve_fld(e, "dport", &em->dport);
	}
	if (m->hdr != XPKT_TP_HDR_NONE) {
		resolve_fld(e, "ip_saddr", &em->ip_saddr);
		resolve_fld(e, "ip_daddr", &em->ip_daddr);
		resolve_fld(e, "tcp_sport", &em->tcp_sport);
		resolve_fld(e, "tcp_dport", &em->tcp_dport);
		resolve_fld(e, "tcp_seq", &em->tcp_seq);
		resolve_fld(e, "vihl", &em->vihl);
		resolve_fld(e, "tcp_doff", &em->tcp_doff);
	}
	return 0;
}

static int read_meta(struct ftrace_priv *p, json_t **cpus_out, struct xpkt_err *err)
{
	char path[4200];
	json_error_t jerr;
	json_t *root, *v, *evs, *it;
	size_t i;

	snprintf(path, sizeof(path), "%s/meta.json", p->dir);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return xpkt_err_set(err, "%s: offset %d: %s", path, jerr.position, jerr.text);
	v = json_object_get(root, "subbuf_size");
	if (!json_is_integer(v) || json_integer_value(v) < 64 ||
	    json_integer_value(v) > (1 << 20)) {
		json_decref(root);
		return xpkt_err_set(err, "%s: bad \"subbuf_size\"", path);
	}
	p->page_size = (long)json_integer_value(v);
	v = json_object_get(root, "long_size");
	p->long_size = json_is_integer(v) ? (int)json_integer_value(v) : 8;
	if (p->long_size != 4 && p->long_size != 8) {
		json_decref(root);
		return xpkt_err_set(err, "%s: bad \"long_size\"", path);
	}
	evs = json_object_get(root, "events");
	*cpus_out = json_incref(json_object_get(root, "cpus"));
	if (!json_is_array(evs) || !json_is_array(*cpus_out) ||
	    json_array_size(*cpus_out) > MAX_CPUS) {
		json_decref(*cpus_out);
		json_decref(root);
		return xpkt_err_set(err, "%s: \"events\" and \"cpus\" must be arrays", path);
	}
	json_array_foreach(evs, i, it)
	{
		char name[128], *colon;

		if (!json_is_string(it) || strlen(json_string_value(it)) >= sizeof(name))
			goto bad;
		strcpy(name, json_string_value(it));
		colon = strchr(name, ':');
		if (!colon)
			goto bad;
		*colon = 0;
		if (load_format(p, name, colon + 1, err)) {
			json_decref(*cpus_out);
			json_decref(root);
			return -1;
		}
	}
	json_decref(root);
	return 0;
bad:
	json_decref(*cpus_out);
	json_decref(root);
	return xpkt_err_set(err, "%s: bad entry in \"events\"", path);
}

static int open_cpus(struct ftrace_priv *p, json_t *cpus, struct xpkt_err *err)
{
	size_t i;
	json_t *it;
	enum kbuffer_long_size ls = p->long_size == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4;

	p->cpus = calloc(json_array_size(cpus) + 1, sizeof(*p->cpus));
	if (!p->cpus)
		return xpkt_err_set(err, "out of memory");
	json_array_foreach(cpus, i, it)
	{
		struct cursor *c = &p->cpus[p->ncpus];
		json_t *f = json_object_get(it, "file"), *cpu = json_object_get(it, "cpu"),
		       *lost = json_object_get(it, "lost_events");
		struct stat st;

		c->fd = -1;
		if (!json_is_string(f) || !json_is_integer(cpu) || json_integer_value(cpu) < 0 ||
		    json_integer_value(cpu) >= MAX_CPUS || strchr(json_string_value(f), '/'))
			return xpkt_err_set(err, "%s/meta.json: bad entry in \"cpus\"", p->dir);
		p->ncpus++;
		c->cpu = (int)json_integer_value(cpu);
		c->stats_lost = json_is_integer(lost) && json_integer_value(lost) > 0
				    ? (uint64_t)json_integer_value(lost)
				    : 0;
		snprintf(c->path, sizeof(c->path), "%s/%s", p->dir, json_string_value(f));
		c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0 || fstat(c->fd, &st))
			return xpkt_err_set(err, "%s: %s", c->path, strerror(errno));
		c->size = (uint64_t)st.st_size;
		snprintf(c->name, sizeof(c->name), "%s", c->path);
		if (strlen(c->path) > 4 && !strcmp(c->path + strlen(c->path) - 4, ".zst")) {
			snprintf(c->name, sizeof(c->name), "%s (decompressed)", c->path);
			c->z = xpkt_zblock_open(c->fd, c->path, err);
			if (!c->z)
				return -1;
		}
		c->page = calloc(1, (size_t)p->page_size + PAGE_PAD);
		c->kb = kbuffer_alloc(ls, KBUFFER_ENDIAN_LITTLE);
		if (!c->page || !c->kb)
			return xpkt_err_set(err, "out of memory");
	}
	return 0;
}

static uint64_t rd_le(const unsigned char *b, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

/* Reads the page at c->next_off into c->page; 1 read, 0 end of file, -1 error. */
static int read_page(struct ftrace_priv *p, struct cursor *c, struct xpkt_err *err)
{
	ssize_t n;

	if (c->z) {
		n = xpkt_zblock_read(c->z, c->page, (size_t)p->page_size, err);
		if (n < 0)
			return -1;
		if (n > 0 && n < p->page_size)
			return xpkt_err_at(err, c->name, c->next_off,
					   "truncated page (%zd of %ld bytes)", n, p->page_size);
		return n > 0;
	}
	if (c->next_off >= c->size)
		return 0;
	if (c->size - c->next_off < (uint64_t)p->page_size)
		return xpkt_err_at(err, c->path, c->next_off, "truncated page (%llu of %ld bytes)",
				   (unsigned long long)(c->size - c->next_off), p->page_size);
	n = pread(c->fd, c->page, (size_t)p->page_size, (off_t)c->next_off);
	if (n != p->page_size)
		return xpkt_err_at(err, c->path, c->next_off, "read failed: %s",
				   n < 0 ? strerror(errno) : "short read");
	return 1;
}

/* Loads the next page of c; 1 loaded, 0 end of file, -1 error. Emits nothing. */
static int load_page(struct ftrace_priv *p, struct cursor *c, uint64_t *missed,
		     struct xpkt_err *err)
{
	uint64_t commit, size;
	int rc;

	*missed = 0;
	for (;;) {
		rc = read_page(p, c, err);
		if (rc <= 0)
			return rc;
		c->page_off = c->next_off;
		c->next_off += (uint64_t)p->page_size;
		commit = rd_le(c->page + 8, (unsigned)p->long_size);
		size = commit & COMMIT_MASK;
		if (size > (uint64_t)p->page_size - p->hdr_size ||
		    ((commit & MISSED_STORED) &&
		     size + (uint64_t)p->long_size > (uint64_t)p->page_size - p->hdr_size))
			return xpkt_err_at(err, c->name, c->page_off + 8,
					   "page commit size %llu does not fit a %ld-byte page",
					   (unsigned long long)size, p->page_size);
		if (commit & MISSED_EVENTS)
			*missed = (commit & MISSED_STORED)
				      ? rd_le(c->page + p->hdr_size + size, (unsigned)p->long_size)
				      : 1; /* "some": the count was not stored */
		if (!size && !*missed)
			continue; /* empty page: nothing to read */
		if (kbuffer_load_subbuffer(c->kb, c->page) < 0)
			return xpkt_err_at(err, c->name, c->page_off, "bad page header");
		c->loaded = 1;
		return 1;
	}
}

/* Bounds-checked field reads; -1 if the field does not lie inside the record. */
static int get_num(const unsigned char *rec, unsigned rsize, const struct fld *f, uint64_t *v)
{
	if (!f->present || f->size > 8 || f->off + f->size > rsize)
		return -1;
	*v = rd_le(rec + f->off, f->size);
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8 && (*v >> (f->size * 8 - 1)) & 1)
		*v |= ~0ull << (f->size * 8); /* sign-extend (negative lengths stay visible) */
	return 0;
}

static int get_str(const unsigned char *rec, unsigned rsize, const struct fld *f, char *out,
		   size_t outlen)
{
	uint64_t loc;
	unsigned off, len;

	out[0] = 0;
	if (!f->present)
		return -1;
	if (!(f->flags & TEP_FIELD_IS_DYNAMIC)) {
		if (f->off + f->size > rsize)
			return -1;
		off = f->off;
		len = f->size;
	} else {
		if (f->size != 4 || f->off + 4 > rsize)
			return -1;
		loc = rd_le(rec + f->off, 4);
		off = (unsigned)(loc & 0xffff);
		len = (unsigned)(loc >> 16);
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += f->off + f->size;
		if (off + len > rsize)
			return -1;
	}
	for (unsigned i = 0; i < len && i + 1 < outlen && rec[off + i]; i++) {
		out[i] = (char)rec[off + i];
		out[i + 1] = 0;
	}
	return 0;
}

/* A sockaddr_in or v4-mapped sockaddr_in6 image: address and port, host order. */
static int sock_v4(const unsigned char *sa, unsigned size, uint32_t *addr, uint16_t *port)
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	unsigned family;

	if (size < 16)
		return -1;
	family = (unsigned)rd_le(sa, 2);
	*port = (uint16_t)(sa[2] << 8 | sa[3]);
	if (family == AF_INET_) {
		*addr =
		    (uint32_t)sa[4] << 24 | (uint32_t)sa[5] << 16 | (uint32_t)sa[6] << 8 | sa[7];
		return 0;
	}
	if (family == AF_INET6_ && size >= 24 && !memcmp(sa + 8, v4mapped, 12)) {
		*addr = (uint32_t)sa[20] << 24 | (uint32_t)sa[21] << 16 | (uint32_t)sa[22] << 8 |
			sa[23];
		return 0;
	}
	return -1;
}

static uint16_t ifindex_of(const struct xpkt_source *src, const char *name)
{
	if (!src || !name[0])
		return 0;
	for (unsigned i = 0; i < src->nifaces; i++)
		if (!strcmp(src->ifaces[i].name, name))
			return src->ifaces[i].ifindex;
	return 0;
}

/* Network-order bytes read as a little-endian number, back in host order. */
static uint32_t net32(uint64_t v)
{
	return __builtin_bswap32((uint32_t)v);
}

static uint16_t net16(uint64_t v)
{
	return __builtin_bswap16((uint16_t)v);
}

/*
 * Flow, seq and TCP payload bytes from the headers a kprobe fetched
 * (tp_map.h, enum xpkt_tp_hdr); ev->len holds skb->len on entry. A record
 * missing a header field leaves the event without a flow (0); -1 only if a
 * present field lies outside the record.
 */
static int pkt_headers(const struct evmap *em, const unsigned char *rec, unsigned rsize,
		       struct xpkt_event *ev)
{
	uint64_t sa, da, sp, dp, seq, doff, vihl = 0x45;
	uint32_t hdr_bytes;

	if (!em->ip_saddr.present || !em->ip_daddr.present || !em->tcp_sport.present ||
	    !em->tcp_dport.present || !em->tcp_seq.present || !em->tcp_doff.present)
		return 0;
	if (get_num(rec, rsize, &em->ip_saddr, &sa) || get_num(rec, rsize, &em->ip_daddr, &da) ||
	    get_num(rec, rsize, &em->tcp_sport, &sp) || get_num(rec, rsize, &em->tcp_dport, &dp) ||
	    get_num(rec, rsize, &em->tcp_seq, &seq) || get_num(rec, rsize, &em->tcp_doff, &doff) ||
	    (em->vihl.present && get_num(rec, rsize, &em->vihl, &vihl)))
		return -1;
	ev->flow.saddr = net32(sa);
	ev->flow.daddr = net32(da);
	ev->flow.sport = net16(sp);
	ev->flow.dport = net16(dp);
	ev->flow.proto = PROTO_TCP;
	ev->seq = net32(seq);
	/* TCP data offset: high nibble, in 32-bit words; IHL: low nibble */
	hdr_bytes = (uint32_t)((doff >> 4) & 0xf) * 4;
	if (em->m->hdr != XPKT_TP_HDR_TCP)
		hdr_bytes += (uint32_t)(vihl & 0xf) * 4;
	if (em->m->hdr == XPKT_TP_HDR_ETH)
		hdr_bytes += 14; /* Ethernet, untagged (the filter's EtherType) */
	ev->len = ev->len > hdr_bytes ? ev->len - hdr_bytes : 0;
	return 0;
}

/* 1: ev filled from rec; 0: not a mapped event; -1: error. */
static int map_record(struct ftrace_priv *p, const char *name, int cpu, const unsigned char *rec,
		      unsigned rsize, uint64_t off, struct xpkt_event *ev, struct xpkt_err *err)
{
	const struct evmap *em = NULL;
	uint64_t v;
	int id;

	if (rsize < 2)
		return xpkt_err_at(err, name, off, "event record of %u bytes", rsize);
	id = (int)rd_le(rec, 2);
	for (unsigned i = 0; i < p->nmaps; i++)
		if (p->maps[i].tep_id == id)
			em = &p->maps[i];
	if (!em)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->id = em->m->id;
	ev->cpu = (uint16_t)cpu;
#define FIELD(f, dst)                                                                              \
	do {                                                                                       \
		if (em->f.present) {                                                               \
			if (get_num(rec, rsize, &em->f, &v))                                       \
				return xpkt_err_at(err, name, off,                                 \
						   "%s:%s record too short for field %s",          \
						   em->m->system, em->m->event, em->f.name);       \
			dst;                                                                       \
		}                                                                                  \
	} while (0)
	FIELD(skb, ev->skb = v);
	FIELD(len, ev->len = (uint32_t)v);
	FIELD(arg, ev->arg = (uint32_t)v);
	/* Present only in the driver patches' events; narrowing is by design
	 * (domid, handle, queue and req_id are 16-bit in Xen's interfaces). */
#define XEN_FLD(name, member) FIELD(xen_##member, ev->member = (__typeof__(ev->member))v);
	XPKT_TP_XEN_FIELDS(XEN_FLD)
#undef XEN_FLD
	if (em->dev.present) {
		char dev[16];

		if (get_str(rec, rsize, &em->dev, dev, sizeof(dev)))
			return xpkt_err_at(err, name, off, "%s:%s device name outside the record",
					   em->m->system, em->m->event);
		ev->ifindex = ifindex_of(p->src, dev);
	}
	if ((em->m->flags & XPKT_TP_SOCK_FLOW) && em->saddr.present && em->daddr.present &&
	    em->saddr.off + em->saddr.size <= rsize && em->daddr.off + em->daddr.size <= rsize) {
		uint32_t local, remote;
		uint16_t lport, rport;

		if (!sock_v4(rec + em->saddr.off, em->saddr.size, &local, &lport) &&
		    !sock_v4(rec + em->daddr.off, em->daddr.size, &remote, &rport)) {
			/* The segment's direction: remote -> local (tp_map.h). */
			ev->flow.saddr = remote;
			ev->flow.daddr = local;
			ev->flow.sport = rport;
			ev->flow.dport = lport;
			ev->flow.proto = PROTO_TCP;
			if (!get_num(rec, rsize, &em->sport, &v))
				ev->flow.dport = (uint16_t)v;
			if (!get_num(rec, rsize, &em->dport, &v))
				ev->flow.sport = (uint16_t)v;
		}
	}
	if (em->m->hdr != XPKT_TP_HDR_NONE && pkt_headers(em, rec, rsize, ev))
		return xpkt_err_at(err, name, off, "%s:%s record too short for its headers",
				   em->m->system, em->m->event);
#undef FIELD
	return 1;
}

/* Next event of one CPU into c->pending (c->has), or c->done. */
static int cursor_advance(struct ftrace_priv *p, struct cursor *c, struct xpkt_err *err)
{
	unsigned long long ts;
	uint64_t missed;
	void *data;
	int rc;

	c->has = 0;
	while (!c->done) {
		if (!c->loaded) {
			rc = load_page(p, c, &missed, err);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				c->done = 1;
				/* What the kernel counted as lost but no page flag showed. */
				if (c->stats_lost > c->flagged_lost) {
					memset(&c->pending, 0, sizeof(c->pending));
					c->pending.id = XPKT_EV_LOST;
					c->pending.cpu = (uint16_t)c->cpu;
					c->pending.ts = c->last_ts;
					c->pending.arg =
					    (uint32_t)(c->stats_lost - c->flagged_lost);
					c->flagged_lost = c->stats_lost;
					c->has = 1;
					return 0;
				}
				return 0;
			}
			if (missed) {
				memset(&c->pending, 0, sizeof(c->pending));
				c->pending.id = XPKT_EV_LOST;
				c->pending.cpu = (uint16_t)c->cpu;
				c->pending.ts = kbuffer_subbuf_timestamp(c->kb, c->page);
				if (c->pending.ts < c->last_ts)
					c->pending.ts = c->last_ts;
				c->last_ts = c->pending.ts;
				c->pending.arg =
				    missed > UINT32_MAX ? UINT32_MAX : (uint32_t)missed;
				c->flagged_lost += missed;
				c->has = 1;
				return 0;
			}
		}
		data = kbuffer_read_event(c->kb, &ts);
		if (!data) {
			c->loaded = 0;
			continue;
		}
		{
			uint64_t rel = (uint64_t)((unsigned char *)data - c->page);
			int size = kbuffer_event_size(c->kb);
			uint64_t end = p->hdr_size +
				       (rd_le(c->page + 8, (unsigned)p->long_size) & COMMIT_MASK);

			if (size < 0 || rel > end || (uint64_t)size > end - rel)
				return xpkt_err_at(err, c->name, c->page_off + rel,
						   "event of %d bytes overruns the page", size);
			rc = map_record(p, c->name, c->cpu, data, (unsigned)size, c->page_off + rel,
					&c->pending, err);
			if (rc < 0)
				return -1;
			kbuffer_next_event(c->kb, NULL);
			if (rc == 0)
				continue;
		}
		/* Per-CPU stamps only go forward; keep the stream sorted if a page says otherwise.
		 */
		c->pending.ts = ts < c->last_ts ? c->last_ts : ts;
		c->last_ts = c->pending.ts;
		c->has = 1;
		return 0;
	}
	return 0;
}

static int ftrace_next(struct xpkt_stream *s, struct xpkt_event *ev, struct xpkt_err *err)
{
	struct ftrace_priv *p = s->priv;
	struct cursor *best = NULL;

	for (int i = 0; i < p->ncpus; i++) {
		struct cursor *c = &p->cpus[i];

		if (c->has && (!best || c->pending.ts < best->pending.ts))
			best = c;
	}
	if (!best)
		return 0;
	*ev = best->pending;
	if (ev->ts < p->last_out)
		ev->ts =
		    p->last_out; /* cannot happen with per-CPU order; the stream stays sorted */
	p->last_out = ev->ts;
	if (cursor_advance(p, best, err))
		return -1;
	return 1;
}

static void free_priv(struct ftrace_priv *p)
{
	if (!p)
		return;
	for (int i = 0; p->cpus && i < p->ncpus; i++) {
		xpkt_zblock_close(p->cpus[i].z);
		if (p->cpus[i].fd >= 0)
			close(p->cpus[i].fd);
		free(p->cpus[i].page);
		if (p->cpus[i].kb)
			kbuffer_free(p->cpus[i].kb);
	}
	free(p->cpus);
	if (p->tep)
		tep_free(p->tep);
	free(p);
}

static void ftrace_close(struct xpkt_stream *s)
{
	free_priv(s->priv);
	s->priv = NULL;
}

int xpkt_ftrace_stream_open(struct xpkt_stream *s, const char *path, struct xpkt_err *err)
{
	struct ftrace_priv *p = calloc(1, sizeof(*p));
	char hp[4200];
	json_t *cpus = NULL;
	size_t len;
	char *buf;

	if (!p)
		return xpkt_err_set(err, "out of memory");
	p->src = s->src;
	snprintf(p->dir, sizeof(p->dir), "%s", path);
	p->tep = tep_alloc();
	if (!p->tep) {
		free_priv(p);
		return xpkt_err_set(err, "out of memory");
	}
	if (read_meta(p, &cpus, err))
		goto fail;
	tep_set_long_size(p->tep, p->long_size);
	tep_set_file_bigendian(p->tep, TEP_LITTLE_ENDIAN);
	snprintf(hp, sizeof(hp), "%s/header_page", path);
	buf = slurp(hp, &len, 1 << 16);
	if (!buf) {
		xpkt_err_set(err, "%s: %s", hp, strerror(errno));
		goto fail;
	}
	if (tep_parse_header_page(p->tep, buf, len, p->long_size)) {
		free(buf);
		xpkt_err_set(err, "%s: offset 0: not a ring buffer page header", hp);
		goto fail;
	}
	free(buf);
	p->hdr_size = 8 + (unsigned)p->long_size; /* u64 timestamp, local_t commit */
	if (tep_get_header_page_size(p->tep) != p->long_size) {
		xpkt_err_set(err, "%s: commit field is %d bytes, long is %d", hp,
			     tep_get_header_page_size(p->tep), p->long_size);
		goto fail;
	}
	if (open_cpus(p, cpus, err))
		goto fail;
	json_decref(cpus);
	cpus = NULL;
	s->priv = p;
	s->next = ftrace_next;
	s->close = ftrace_close;
	for (int i = 0; i < p->ncpus; i++)
		if (cursor_advance(p, &p->cpus[i], err)) {
			ftrace_close(s);
			return -1;
		}
	return 0;
fail:
	json_decref(cpus);
	free_priv(p);
	return -1;
}

/*
 * Formats without pages, for records that arrive another way: a perf
 * tracepoint sample's RAW data is the same record an ftrace page holds
 * (struct trace_entry, common_type first, then the fields), so the same
 * field map decodes it (decode/perf_stream.c).
 */
struct xpkt_ftrace_fmts {
	struct ftrace_priv p;
};

static int load_formats_dir(struct ftrace_priv *p, struct xpkt_err *err)
{
	char path[4200];
	DIR *sd;
	struct dirent *de;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/events", p->dir);
	sd = opendir(path);
	if (!sd)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	while (!rc && (de = readdir(sd))) {
		char epath[4500];
		DIR *ed;
		struct dirent *ee;

		if (de->d_name[0] == '.')
			continue;
		snprintf(epath, sizeof(epath), "%s/%.255s", path, de->d_name);
		ed = opendir(epath);
		if (!ed)
			continue; /* not a system directory */
		while (!rc && (ee = readdir(ed)))
			if (ee->d_name[0] != '.')
				rc = load_format(p, de->d_name, ee->d_name, err);
		closedir(ed);
	}
	closedir(sd);
	return rc;
}

struct xpkt_ftrace_fmts *xpkt_ftrace_fmts_load(const char *dir, const struct xpkt_source *src,
					       struct xpkt_err *err)
{
	struct xpkt_ftrace_fmts *f = calloc(1, sizeof(*f));

	if (!f)
		return xpkt_err_set(err, "out of memory"), NULL;
	f->p.src = src;
	f->p.long_size = 8; /* x86-64, as the perf recorder runs */
	snprintf(f->p.dir, sizeof(f->p.dir), "%s", dir);
	f->p.tep = tep_alloc();
	if (!f->p.tep) {
		free(f);
		return xpkt_err_set(err, "out of memory"), NULL;
	}
	tep_set_long_size(f->p.tep, 8);
	tep_set_file_bigendian(f->p.tep, TEP_LITTLE_ENDIAN);
	if (load_formats_dir(&f->p, err)) {
		xpkt_ftrace_fmts_free(f);
		return NULL;
	}
	return f;
}

int xpkt_ftrace_fmts_decode(struct xpkt_ftrace_fmts *f, const unsigned char *rec, unsigned size,
			    const char *name, uint64_t off, uint16_t cpu, struct xpkt_event *ev,
			    struct xpkt_err *err)
{
	return map_record(&f->p, name, cpu, rec, size, off, ev, err);
}

void xpkt_ftrace_fmts_free(struct xpkt_ftrace_fmts *f)
{
	if (!f)
		return;
	if (f->p.tep)
		tep_free(f->p.tep);
	free(f);
}
