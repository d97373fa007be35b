// SPDX-License-Identifier: GPL-2.0
/*
 * correlate.c - what every command that correlates a bundle (report,
 * compare, diagnose, export) does the same way: the --idle-timeout option,
 * one correlation run with a progress line on stderr, and writing the result
 * to -o FILE or stdout. See cmd.h.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "lib/afile.h"
#include "correlator/correlate.h"
#include "sym/hotspots.h"

int cli_idle_timeout(const char *cmd, const char *arg, uint64_t *ns)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !(s > 0) || s > 1e9 || isnan(s))
		return usage_error(cmd, "bad --idle-timeout '%s'", arg);
	*ns = (uint64_t)llround(s * 1e9);
	if (!*ns)
		*ns = 1; /* a positive timeout below 1 ns still ends packets */
	return 0;
}

/* arg: the bundle's name where a command correlates several, else NULL. */
static void progress(uint64_t events, uint64_t in_flight, void *arg)
{
	fprintf(stderr, "\r  %s%s%.1f M events, %llu packets in flight ",
		arg ? (const char *)arg : "", arg ? ": " : "", (double)events / 1e6,
		(unsigned long long)in_flight);
}

/*
 * Names the stages' PC samples (sym/hotspots.h) with the symbol tables the
 * recorder saved per domain, BUNDLE/DOMAIN.kallsyms (docs/bundle.md); a
 * domain without one gets "[unknown]". Only runs when there are samples.
 */
int cli_symtabs_load(const char *bundle, struct xpkt_symtab *tabs[])
{
	struct xpkt_err err = {{0}};

	for (unsigned d = 0; d < XPKT_DOM_COUNT; d++)
		tabs[d] = NULL;
	for (unsigned d = 0; d < XPKT_DOM_COUNT; d++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s.kallsyms", bundle,
			 xpkt_domain_name((enum xpkt_domain)d));
		if (access(path, R_OK))
			continue;
		tabs[d] = xpkt_symtab_new();
		if (!tabs[d] || xpkt_symtab_load_map(tabs[d], path, &err)) {
			cli_symtabs_free(tabs);
			return die("%s", tabs[d] ? err.msg : "out of memory");
		}
	}
	return 0;
}

void cli_symtabs_free(struct xpkt_symtab *tabs[])
{
	for (unsigned d = 0; d < XPKT_DOM_COUNT; d++) {
		xpkt_symtab_free(tabs[d]);
		tabs[d] = NULL;
	}
}

static int name_hotspots(const char *bundle, struct xpkt_results *r)
{
	struct xpkt_symtab *tabs[XPKT_DOM_COUNT];
	struct xpkt_err err = {{0}};
	int any = 0, rc = 0;

	for (unsigned d = 0; d < XPKT_DIR_COUNT; d++)
		for (unsigned s = 0; s < XPKT_MAX_STAGES; s++)
			any |= r->stages[d][s].nips > 0;
	if (!any)
		return 0;
	if (cli_symtabs_load(bundle, tabs))
		return 1;
	if (xpkt_hotspots_name(r, tabs, &err))
		rc = die("%s", err.msg);
	cli_symtabs_free(tabs);
	return rc;
}

int cli_correlate(const char *bundle, struct xpkt_correlate_opts *copts, int quiet, int name_bundle,
		  struct xpkt_manifest *m, struct xpkt_results *r)
{
	struct xpkt_err err = {{0}};
	int rc;

	copts->progress = !quiet && isatty(STDERR_FILENO) ? progress : NULL;
	copts->progress_arg = name_bundle ? (void *)bundle : NULL;
	rc = xpkt_correlate(bundle, copts, m, r, &err);
	if (copts->progress)
		fputs(rc ? "\n" : "\r\033[K", stderr); /* keep the line, or erase it */
	if (rc)
		return die("%s", err.msg);
	return name_hotspots(bundle, r);
}

int cli_write(const char *out, int (*render)(FILE *fp, const void *arg), const void *arg)
{
	struct xpkt_err err = {{0}};
	struct afile af;
	FILE *fp = stdout;

	if (out) {
		if (afile_open(&af, out, &err))
			return die("%s", err.msg);
		fp = af.fp;
	}
	if (render(fp, arg)) {
		if (out)
			afile_abort(&af);
		return die("%s: write failed", out ? out : "stdout");
	}
	if (out ? afile_commit(&af, &err) : fflush(stdout))
		return out ? die("%s", err.msg) : die("stdout: write failed: %s", strerror(errno));
	return 0;
}
