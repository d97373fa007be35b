/* SPDX-License-Identifier: GPL-2.0 */
/*
 * err.h - errors are values: library code fills a struct xpkt_err and returns
 * -1; only the CLI prints. Messages name the file and, for readers of binary
 * formats, the byte offset: "FILE: offset N: what is wrong".
 */
#ifndef XPKT_LIB_ERR_H
#define XPKT_LIB_ERR_H

#include <stdint.h>

struct xpkt_err {
	char msg[512];
};

/* Formats msg into e (if e is not NULL) and returns -1, for "return xpkt_err_set(...)". */
int xpkt_err_set(struct xpkt_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "PATH: offset OFF: ..." in one call. */
int xpkt_err_at(struct xpkt_err *e, const char *path, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
