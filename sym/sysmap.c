// SPDX-License-Identifier: GPL-2.0
/*
 * sysmap.c - System.map and /proc/kallsyms reader. Both are nm -n output:
 * "ADDR TYPE NAME", kallsyms adding "\t[MODULE]" for module symbols
 * (kernel/kallsyms.c s_show). Xen's xen-syms.map writes ADDR with "0x".
 * The file is copied once and split in place, so names cost no allocation.
 * Every line is checked; a bad one fails the load with "PATH: line N: ...".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sym/sym-int.h"

/* KSYM_NAME_LEN is 512 since Linux 6.1; leave room for Rust's long names. */
#define MAP_NAME_MAX   1024
#define MAP_MODULE_MAX 64 /* MODULE_NAME_LEN is 56 */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A token for an error message: at most 24 bytes, unprintables as '?'. */
static const char *shown(const char *s, size_t len, char out[32])
{
	size_t i;

	for (i = 0; i < len && i < 24; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (len > 24) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

/*
 * nm's type letters: t/T text, w/W weak (functions in kallsyms), a/A
 * absolute (not addresses), U undefined, N debug; the rest are data.
 */
static int type_class(char t)
{
	switch (t) {
	case 't':
	case 'T':
	case 'w':
	case 'W':
		return 1; /* text */
	case 'a':
	case 'A':
	case 'U':
	case 'N':
	case 'n':
		return 0; /* skipped */
	default:
		return 2; /* fence */
	}
}

static uint8_t type_rank(char t)
{
	/* Global before weak before local, as perf picks among aliases. */
	return t == 'T' ? 3 : (t == 'W' ? 2 : 1);
}

/* Parses LINE (NUL-terminated, no '\n'), fills *e; -1 with err. */
static int parse_line(char *line, size_t len, const char *path, unsigned lineno,
		      struct xpkt_sym_ent *e, int *keep, struct xpkt_err *err)
{
	char *p = line, *end = line + len, *tok, show[32];
	uint64_t addr = 0;
	size_t ndig = 0;
	char type;

	*keep = 0;
	if (memchr(line, '\0', len))
		return xpkt_err_set(err, "%s: line %u: NUL byte (not a text map)", path, lineno);
	while (end > p && (end[-1] == '\r' || is_blank(end[-1])))
		end--;
	*end = '\0';
	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return 0; /* blank line */

	/* address */
	tok = p;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; p < end && isxdigit((unsigned char)*p); p++, ndig++) {
		int v =
		    isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);

		addr = addr << 4 | (uint64_t)v;
	}
	if (ndig == 0 || (p < end && !is_blank(*p))) {
		while (p < end && !is_blank(*p))
			p++;
		return xpkt_err_set(err, "%s: line %u: address '%s' is not hexadecimal", path,
				    lineno, shown(tok, (size_t)(p - tok), show));
	}
	if (ndig > 16)
		return xpkt_err_set(err, "%s: line %u: address has %zu digits (at most 16)", path,
				    lineno, ndig);
	while (p < end && is_blank(*p))
		p++;

	/* type letter */
	if (p == end)
		return xpkt_err_set(err, "%s: line %u: no symbol type after the address", path,
				    lineno);
	type = *p++;
	if (!isalpha((unsigned char)type) || (p < end && !is_blank(*p))) {
		tok = p - 1;
		while (p < end && !is_blank(*p))
			p++;
		return xpkt_err_set(err, "%s: line %u: symbol type '%s' is not one letter", path,
				    lineno, shown(tok, (size_t)(p - tok), show));
	}
	while (p < end && is_blank(*p))
		p++;

	/* name */
	if (p == end)
		return xpkt_err_set(err, "%s: line %u: no symbol name", path, lineno);
	tok = p;
	while (p < end && !is_blank(*p)) {
		if (iscntrl((unsigned char)*p))
			return xpkt_err_set(err, "%s: line %u: control character in the name", path,
					    lineno);
		p++;
	}
	if ((size_t)(p - tok) > MAP_NAME_MAX)
		return xpkt_err_set(err, "%s: line %u: name longer than %d bytes", path, lineno,
				    MAP_NAME_MAX);
	e->name = tok;
	e->module = NULL;
	if (p < end) {
		*p++ = '\0';
		while (p < end && is_blank(*p))
			p++;
	}

	/* optional [module] */
	if (p < end) {
		char *m = p;

		if (*m != '[' || end[-1] != ']' || end - m < 3 || end - m - 2 > MAP_MODULE_MAX)
			return xpkt_err_set(err,
					    "%s: line %u: '%s' after the name is not a [module]",
					    path, lineno, shown(m, (size_t)(end - m), show));
		for (char *q = m + 1; q < end - 1; q++)
			if (is_blank(*q) || !isprint((unsigned char)*q) || *q == '[' || *q == ']')
				return xpkt_err_set(err, "%s: line %u: bad module name '%s'", path,
						    lineno, shown(m, (size_t)(end - m), show));
		end[-1] = '\0';
		e->module = m + 1;
	}

	switch (type_class(type)) {
	case 0:
		return 0;
	case 1:
		e->fence = 0;
		break;
	default:
		e->fence = 1;
	}
	e->addr = addr;
	e->rank = e->fence ? 0 : type_rank(type);
	*keep = 1;
	return 0;
}

int xpkt_symtab_load_map_mem(struct xpkt_symtab *tab, const char *name, const char *buf, size_t len,
			     struct xpkt_err *err)
{
	struct xpkt_sym_image img = {0};
	struct xpkt_sym_ent *ents = NULL;
	size_t n = 0, cap = 0, nonzero = 0, ntext = 0;
	unsigned lineno = 0;
	char *p, *end;

	if (len + 1 == 0)
		return xpkt_err_set(err, "%s: too large", name);
	img.buf = malloc(len + 1);
	if (!img.buf)
		return xpkt_err_set(err, "%s: out of memory for %zu bytes", name, len);
	if (len)
		memcpy(img.buf, buf, len);
	img.buf[len] = '\0';
	p = img.buf;
	end = img.buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct xpkt_sym_ent e = {0};
		int keep;

		lineno++;
		if (nl)
			*nl = '\0';
		if (parse_line(p, llen, name, lineno, &e, &keep, err))
			goto fail;
		p += llen + 1;
		if (!keep)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct xpkt_sym_ent *ne = realloc(ents, ncap * sizeof(*ne));

			if (!ne) {
				xpkt_err_set(err, "%s: out of memory", name);
				goto fail;
			}
			ents = ne;
			cap = ncap;
		}
		ents[n++] = e;
		if (!e.fence) {
			ntext++;
			nonzero += e.addr != 0;
		}
	}
	if (!ntext) {
		xpkt_err_set(err, "%s: no text symbols (t, T, w, W) in %u lines", name, lineno);
		goto fail;
	}
	/* kptr_restrict hides kallsyms addresses from unprivileged readers as zeros. */
	if (!nonzero) {
		xpkt_err_set(err,
			     "%s: every address is 0 (kallsyms hidden by kptr_restrict; read it "
			     "as root)",
			     name);
		goto fail;
	}
	if (symtab__commit(tab, &img, ents, n, err) < 0)
		goto fail;
	free(ents);
	return 0;
fail:
	free(ents);
	free(img.buf);
	return -1;
}

int xpkt_symtab_load_map(struct xpkt_symtab *tab, const char *path, struct xpkt_err *err)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!fp)
		return xpkt_err_set(err, "%s: %s", path, strerror(errno));
	/* /proc/kallsyms reports size 0, so read to EOF rather than stat. */
	for (;;) {
		size_t got;

		if (cap - len < 65536) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(fp);
				return xpkt_err_set(err, "%s: out of memory", path);
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		rc = xpkt_err_set(err, "%s: read error: %s", path, strerror(errno));
		free(buf);
		fclose(fp);
		return rc;
	}
	fclose(fp);
	rc = xpkt_symtab_load_map_mem(tab, path, buf, len, err);
	free(buf);
	return rc;
}
