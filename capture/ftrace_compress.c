// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace_compress.c - cpuN.raw -> cpuN.raw.zst after recording (see
 * ftrace_compress.h).
 *
 * zstd facts relied on (zstd.h, v1.5):
 * - ZSTD_compressStream2 with a pledged source size writes the content size
 *   into the frame header, and fails if the input turns out to differ, so a
 *   file that changed under us is an error, not a silently short frame.
 * - ZSTD_c_checksumFlag appends an XXH64 of the content, which the decoder
 *   checks at the end of the frame: a flipped bit is found, not decoded.
 * - The window a frame needs is set by the level and the pledged size
 *   (level 1..6 on inputs over 256 KB: 512 KB..2 MB), which bounds the
 *   decoder's memory (decode/ftrace_stream.c caps it at 16 MB).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "capture/ftrace_compress.h"
#include "lib/afile.h"

#define PROGRESS_BYTES (8u << 20)
#define MAX_FILES      1024

struct job {
	char raw[4200]; /* DIR/cpuN.raw */
	char zst[4210]; /* DIR/cpuN.raw.zst */
	json_t *cpu;	/* its meta.json entry (borrowed) */
	uint64_t in_bytes, out_bytes;
};

struct run {
	ZSTD_CCtx *cctx;
	void *in, *out;
	size_t in_cap, out_cap;
	struct xpkt_compress_progress prog;
	uint64_t next_report;
	xpkt_compress_cb cb;
	void *ctx;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int report(struct run *r, struct xpkt_err *err)
{
	if (r->cb && r->cb(&r->prog, r->ctx))
		return xpkt_err_set(err, "compression cancelled");
	return 0;
}

/* Writes everything in out[0..n) to fp. */
static int put_out(struct run *r, struct afile *af, size_t n, struct job *j, struct xpkt_err *err)
{
	if (n && fwrite(r->out, 1, n, af->fp) != n)
		return xpkt_err_set(err, "%s: write failed: %s", af->tmp, strerror(errno));
	j->out_bytes += n;
	r->prog.out_bytes += n;
	return 0;
}

static int zerr(struct job *j, const char *what, size_t rc, struct xpkt_err *err)
{
	return xpkt_err_set(err, "%s: zstd %s: %s", j->zst, what, ZSTD_getErrorName(rc));
}

/* One file: raw -> temporary -> fsync -> rename over .zst. */
static int compress_file(struct run *r, int level, struct job *j, struct xpkt_err *err)
{
	struct afile af;
	struct stat st;
	ZSTD_outBuffer ob;
	size_t rc;
	int fd, ok = 0;

	fd = open(j->raw, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		xpkt_err_set(err, "%s: %s", j->raw, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (afile_open(&af, j->zst, err)) {
		close(fd);
		return -1;
	}
	ZSTD_CCtx_reset(r->cctx, ZSTD_reset_session_and_parameters);
	rc = ZSTD_CCtx_setParameter(r->cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(r->cctx, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setPledgedSrcSize(r->cctx, (unsigned long long)st.st_size);
	if (ZSTD_isError(rc)) {
		zerr(j, "setup", rc, err);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, r->in, r->in_cap);
		ZSTD_inBuffer ib;
		ZSTD_EndDirective mode;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			xpkt_err_set(err, "%s: read: %s", j->raw, strerror(errno));
			goto out;
		}
		mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
		ib = (ZSTD_inBuffer){r->in, (size_t)n, 0};
		/* continue: until the input is consumed; end: until the frame is flushed (0) */
		do {
			ob = (ZSTD_outBuffer){r->out, r->out_cap, 0};
			rc = ZSTD_compressStream2(r->cctx, &ob, &ib, mode);
			if (ZSTD_isError(rc)) {
				zerr(j, "compress", rc, err);
				goto out;
			}
			if (put_out(r, &af, ob.pos, j, err))
				goto out;
		} while (mode == ZSTD_e_end ? rc != 0 : ib.pos < ib.size);
		j->in_bytes += (uint64_t)n;
		r->prog.in_bytes += (uint64_t)n;
		if (r->prog.in_bytes >= r->next_report) {
			r->next_report = r->prog.in_bytes + PROGRESS_BYTES;
			if (report(r, err))
				goto out;
		}
		if (n == 0)
			break;
	}
	/* Durable before the raw file can go: data first, then the rename. */
	if (fflush(af.fp) || fsync(fileno(af.fp))) {
		xpkt_err_set(err, "%s: %s", af.tmp, strerror(errno));
		goto out;
	}
	ok = 1;
out:
	close(fd);
	if (!ok) {
		afile_abort(&af);
		return -1;
	}
	return afile_commit(&af, err);
}

static int write_meta(const char *path, json_t *root, struct xpkt_err *err)
{
	struct afile af;

	if (afile_open(&af, path, err))
		return -1;
	if (json_dumpf(root, af.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    fputc('\n', af.fp) < 0 || fflush(af.fp) || fsync(fileno(af.fp))) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: cannot write", path);
	}
	return afile_commit(&af, err);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd); /* the renames; best effort (some filesystems refuse) */
		close(fd);
	}
}

/* Fills jobs from meta.json's "cpus"; entries already compressed are skipped. */
static int plan(const char *dir, json_t *root, struct job *jobs, unsigned *njobs, uint64_t *total,
		struct xpkt_err *err)
{
	json_t *cpus = json_object_get(root, "cpus"), *it;
	size_t i;

	*njobs = 0;
	*total = 0;
	if (!json_is_array(cpus) || json_array_size(cpus) > MAX_FILES)
		return xpkt_err_set(err, "%s/meta.json: \"cpus\" must be an array", dir);
	json_array_foreach(cpus, i, it)
	{
		const char *f = json_string_value(json_object_get(it, "file"));
		struct stat st;
		struct job *j;
		size_t fl;

		if (!f || !*f || strchr(f, '/'))
			return xpkt_err_set(err, "%s/meta.json: bad \"file\" in \"cpus\"", dir);
		fl = strlen(f);
		if (fl > 4 && !strcmp(f + fl - 4, ".zst"))
			continue;
		j = &jobs[(*njobs)++];
		memset(j, 0, sizeof(*j));
		j->cpu = it;
		if ((size_t)snprintf(j->raw, sizeof(j->raw), "%s/%s", dir, f) >= sizeof(j->raw))
			return xpkt_err_set(err, "%s/%s: path too long", dir, f);
		snprintf(j->zst, sizeof(j->zst), "%s.zst", j->raw);
		if (stat(j->raw, &st))
			return xpkt_err_set(err, "%s: %s", j->raw, strerror(errno));
		*total += (uint64_t)st.st_size;
	}
	return 0;
}

int xpkt_ftrace_compress(const char *dir, int level, xpkt_compress_cb cb, void *ctx,
			 struct xpkt_compress_stats *st, struct xpkt_err *err)
{
	char meta[4200];
	json_error_t jerr;
	json_t *root;
	struct job *jobs = NULL;
	struct run r;
	unsigned n = 0, done = 0;
	double t0 = now_s();
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&r, 0, sizeof(r));
	r.cb = cb;
	r.ctx = ctx;
	snprintf(meta, sizeof(meta), "%s/meta.json", dir);
	root = json_load_file(meta, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return xpkt_err_set(err, "%s: offset %d: %s", meta, jerr.position, jerr.text);
	jobs = calloc(json_array_size(json_object_get(root, "cpus")) + 1, sizeof(*jobs));
	r.cctx = ZSTD_createCCtx();
	r.in_cap = ZSTD_CStreamInSize();
	r.out_cap = ZSTD_CStreamOutSize();
	r.in = malloc(r.in_cap);
	r.out = malloc(r.out_cap);
	if (!jobs || !r.cctx || !r.in || !r.out) {
		xpkt_err_set(err, "out of memory");
		goto out;
	}
	if (plan(dir, root, jobs, &n, &r.prog.total_in_bytes, err))
		goto out;
	r.next_report = PROGRESS_BYTES;
	for (; done < n; done++)
		if (compress_file(&r, level, &jobs[done], err))
			goto out;
	if (report(&r, err))
		goto out;
	if (n) {
		uint64_t raw = 0, stored = 0;
		json_t *cpus = json_object_get(root, "cpus"), *it, *comp = json_object();
		size_t i;

		for (unsigned k = 0; k < n; k++) {
			const char *f = strrchr(jobs[k].zst, '/') + 1;

			json_object_set_new(jobs[k].cpu, "file", json_string(f));
			json_object_set_new(jobs[k].cpu, "stored_bytes",
					    json_integer((json_int_t)jobs[k].out_bytes));
		}
		/* Totals over every CPU, including files compressed by an earlier run. */
		json_array_foreach(cpus, i, it)
		{
			json_t *b = json_object_get(it, "bytes"),
			       *s = json_object_get(it, "stored_bytes");

			raw += json_is_integer(b) ? (uint64_t)json_integer_value(b) : 0;
			stored += json_is_integer(s) ? (uint64_t)json_integer_value(s) : 0;
		}
		json_object_set_new(comp, "codec", json_string("zstd"));
		json_object_set_new(comp, "level", json_integer(level));
		json_object_set_new(comp, "raw_bytes", json_integer((json_int_t)raw));
		json_object_set_new(comp, "stored_bytes", json_integer((json_int_t)stored));
		json_object_set_new(comp, "seconds", json_real(now_s() - t0));
		json_object_set_new(root, "compression", comp);
		sync_dir(dir); /* the .zst renames are durable before meta.json names them */
		if (write_meta(meta, root, err))
			goto out;
		sync_dir(dir);
		/* Only now, with meta.json naming complete .zst files, may the raw ones go. */
		for (unsigned k = 0; k < n; k++)
			if (unlink(jobs[k].raw) && errno != ENOENT) {
				xpkt_err_set(err, "%s: cannot remove: %s", jobs[k].raw,
					     strerror(errno));
				done = n; /* the .zst files are in use now: keep them */
				n = 0;
				goto out;
			}
	}
	st->in_bytes = r.prog.in_bytes;
	st->out_bytes = r.prog.out_bytes;
	st->files = n;
	rc = 0;
out:
	/* Failed or cancelled before meta.json was rewritten: drop the .zst made so far. */
	if (rc && n)
		for (unsigned k = 0; k < done; k++)
			unlink(jobs[k].zst);
	st->seconds = now_s() - t0;
	ZSTD_freeCCtx(r.cctx);
	free(r.in);
	free(r.out);
	free(jobs);
	json_decref(root);
	return rc;
}
