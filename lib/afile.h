/* SPDX-License-Identifier: GPL-2.0 */
/*
 * afile.h - write a file all or nothing.
 *
 * Output goes to "PATH.tmp-PID" and is renamed over PATH only by
 * afile_commit(), so a failed or interrupted run never leaves a partial file
 * where good data was (rename(2) is atomic within one filesystem).
 */
#ifndef XPKT_LIB_AFILE_H
#define XPKT_LIB_AFILE_H

#include <stdio.h>

#include "lib/err.h"

struct afile {
	FILE *fp;
	char path[4096];
	char tmp[4096 + 32];
};

int afile_open(struct afile *af, const char *path, struct xpkt_err *err);
/* Flushes, closes and renames into place; on any error removes the temporary. */
int afile_commit(struct afile *af, struct xpkt_err *err);
/* Closes and removes the temporary; PATH is untouched. Safe to call twice. */
void afile_abort(struct afile *af);

#endif
