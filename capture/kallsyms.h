/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kallsyms.h - the recording kernel's text symbols, saved into the bundle
 * (BUNDLE/DOMAIN.kallsyms, docs/bundle.md) so PC samples are named on any
 * machine later (sym/hotspots.c), as perf keeps build-ids for perf report.
 *
 * Only text symbols ('t', 'T', and 'W'/'w' weak ones) are kept: samples are
 * PCs. Module symbols keep their "\t[module]" column. Under kptr_restrict
 * every address reads as 0: that is an error, not a file of zeros.
 */
#ifndef XPKT_CAPTURE_KALLSYMS_H
#define XPKT_CAPTURE_KALLSYMS_H

#include <stddef.h>

#include "lib/err.h"

/*
 * Copies the text symbols of src (normally /proc/kallsyms) into dst,
 * atomically. *nsyms gets how many. -1 with err naming the file.
 */
int xpkt_kallsyms_save(const char *src, const char *dst, size_t *nsyms, struct xpkt_err *err);

#endif
