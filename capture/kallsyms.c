// SPDX-License-Identifier: GPL-2.0
/*
 * kallsyms.c - save the text symbols of /proc/kallsyms (kallsyms.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/kallsyms.h"
#include "lib/afile.h"

/* "ADDR TYPE NAME[\t[MODULE]]": keeps text symbols; notes a non-zero address. */
static int keep(const char *line, int *nonzero)
{
	const char *sp = strchr(line, ' ');
	char type;

	if (!sp || !sp[1] || sp[2] != ' ')
		return 0;
	type = sp[1];
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	for (const char *p = line; p < sp; p++)
		if (*p != '0')
			*nonzero = 1;
	return 1;
}

int xpkt_kallsyms_save(const char *src, const char *dst, size_t *nsyms, struct xpkt_err *err)
{
	FILE *in = fopen(src, "re");
	struct afile af;
	char *line = NULL;
	size_t cap = 0, n = 0;
	int nonzero = 0;

	if (!in)
		return xpkt_err_set(err, "%s: %s", src, strerror(errno));
	if (afile_open(&af, dst, err)) {
		fclose(in);
		return -1;
	}
	while (getline(&line, &cap, in) > 0) {
		if (!keep(line, &nonzero))
			continue;
		if (fputs(line, af.fp) == EOF)
			break;
		n++;
	}
	free(line);
	if (ferror(in) || ferror(af.fp)) {
		int e = errno;
		const char *which = ferror(in) ? src : dst;

		fclose(in);
		afile_abort(&af);
		return xpkt_err_set(err, "%s: %s", which, strerror(e));
	}
	fclose(in);
	if (!n || !nonzero) {
		afile_abort(&af);
		return xpkt_err_set(err, "%s: %s", src,
				    n ? "every address is 0 (kernel.kptr_restrict hides them)"
				      : "no text symbols");
	}
	if (afile_commit(&af, err))
		return -1;
	if (nsyms)
		*nsyms = n;
	return 0;
}
