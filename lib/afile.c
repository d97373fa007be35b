// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/afile.h"

int afile_open(struct afile *af, const char *path, struct xpkt_err *err)
{
	memset(af, 0, sizeof(*af));
	if (strlen(path) >= sizeof(af->path))
		return xpkt_err_set(err, "%s: path too long", path);
	strcpy(af->path, path);
	snprintf(af->tmp, sizeof(af->tmp), "%s.tmp-%ld", path, (long)getpid());
	af->fp = fopen(af->tmp, "wb");
	if (!af->fp)
		return xpkt_err_set(err, "%s: cannot create: %s", af->tmp, strerror(errno));
	return 0;
}

int afile_commit(struct afile *af, struct xpkt_err *err)
{
	int bad = ferror(af->fp);

	if (fclose(af->fp) != 0)
		bad = 1;
	af->fp = NULL;
	if (bad) {
		unlink(af->tmp);
		return xpkt_err_set(err, "%s: write failed: %s", af->path, strerror(errno));
	}
	if (rename(af->tmp, af->path) != 0) {
		int e = errno;

		unlink(af->tmp);
		return xpkt_err_set(err, "%s: cannot rename into place: %s", af->path, strerror(e));
	}
	return 0;
}

void afile_abort(struct afile *af)
{
	if (af->fp) {
		fclose(af->fp);
		af->fp = NULL;
		unlink(af->tmp);
	}
}
