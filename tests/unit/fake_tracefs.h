/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_tracefs.h - a tracefs tree in a temporary directory for the event-set
 * tests (include-only, cmocka asserts): event format files, plain files
 * such as kprobe_events, and lookups in a resolved struct xpkt_evset.
 */
#ifndef XPKT_TESTS_UNIT_FAKE_TRACEFS_H
#define XPKT_TESTS_UNIT_FAKE_TRACEFS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/evset.h"

#define FT_UNUSED __attribute__((unused))

/* DIR/events/SYS/EV/format, as tracefs has it for an event the kernel offers. */
static FT_UNUSED void mkevent(const char *dir, const char *sys, const char *ev)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/events", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/%s", dir, sys);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/%s/%s", dir, sys, ev);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, sys, ev);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("name: x\n", fp);
	fclose(fp);
}

/* An empty DIR/NAME. */
static FT_UNUSED void touch(const char *dir, const char *name)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
}

static FT_UNUSED void rm_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Index of SYS:EV in the set, or -1. */
static FT_UNUSED int find_ev(const struct xpkt_evset *set, const char *sys, const char *ev)
{
	for (unsigned i = 0; i < set->n; i++)
		if (!strcmp(set->ev[i].system, sys) && !strcmp(set->ev[i].event, ev))
			return (int)i;
	return -1;
}

/* Whether WHAT is in the set's unavailable list. */
static FT_UNUSED int find_unavailable(const struct xpkt_evset *set, const char *what)
{
	for (unsigned i = 0; i < set->nunavailable; i++)
		if (!strcmp(set->unavailable[i], what))
			return 1;
	return 0;
}

#endif
