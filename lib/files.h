/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files.h - small file helpers for pseudo-filesystems (tracefs, sysfs) and
 * the command search path. Pseudo-files are read and written whole, with
 * one open/read or write/close, as the kernel expects of control files.
 */
#ifndef XPKT_LIB_FILES_H
#define XPKT_LIB_FILES_H

#include <stddef.h>

/* Writes STR to DIR/FILE (truncating); -1 with errno. */
int xpkt_write_str(const char *dir, const char *file, const char *str);
/* DIR/FILE as a malloc'd NUL-terminated string (*len its length if len); NULL with errno. */
char *xpkt_read_str(const char *dir, const char *file, size_t *len);
/* 1 if CMD (a name, or a path with '/') is an executable on $PATH. */
int xpkt_on_path(const char *cmd);

#endif
