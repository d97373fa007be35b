// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "lib/err.h"

int xpkt_err_set(struct xpkt_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int xpkt_err_at(struct xpkt_err *e, const char *path, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return -1;
	n = snprintf(e->msg, sizeof(e->msg), "%s: offset %llu: ", path, (unsigned long long)off);
	if (n < 0 || (size_t)n >= sizeof(e->msg))
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}
