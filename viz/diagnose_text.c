// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose_text.c - a diagnosis as a linter prints it: "BUNDLE: severity:
 * id" and the explanation, the evidence indented one number a line, the
 * suggested action; then the rules that passed and those not evaluated,
 * each with why. Reads the diagnosis only.
 */
#include <stdio.h>
#include <string.h>

#include "viz/diagnose.h"

#define WIDTH 78

/* Prints text wrapped at WIDTH columns, each line after indent spaces. */
static void wrap(FILE *fp, const char *text, unsigned indent)
{
	const char *p = text;

	while (*p) {
		size_t room = WIDTH - indent, n = strlen(p);

		if (n > room) {
			n = room;
			while (n > 0 && p[n] != ' ')
				n--;
			if (!n)
				n = room;
		}
		fprintf(fp, "%*s%.*s\n", (int)indent, "", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

static void evidence(FILE *fp, const struct xpkt_diag_result *f)
{
	for (unsigned i = 0; i < f->nev; i++) {
		char v[48];

		xpkt_diag_format_value(v, sizeof(v), f->ev[i].value);
		fprintf(fp, "      %-32s %14s  %s\n", f->ev[i].name, v, f->ev[i].unit);
	}
}

static void weakened(FILE *fp, const struct xpkt_diagnosis *d)
{
	fprintf(fp, "    weakened: events lost:");
	for (unsigned i = 0; i < d->nlost; i++)
		if (d->lost[i].events)
			fprintf(fp, " %s %llu", d->lost[i].source,
				(unsigned long long)d->lost[i].events);
	fputc('\n', fp);
}

int xpkt_diagnose_text(FILE *fp, const char *bundle, const struct xpkt_diagnosis *d)
{
	fprintf(fp, "%s: %u finding%s, %u passed, %u not evaluated\n", bundle, d->nfindings,
		d->nfindings == 1 ? "" : "s", d->npassed, d->nnot_evaluated);
	for (unsigned i = 0; i < d->nfindings; i++) {
		const struct xpkt_diag_result *f = &d->findings[i];

		fprintf(fp, "\n%s: %s: %s\n", bundle, xpkt_severity_name(f->severity), f->id);
		wrap(fp, f->explanation, 4);
		if (d->weakened && strcmp(f->id, "lost_events"))
			weakened(fp, d);
		fprintf(fp, "    evidence:\n");
		evidence(fp, f);
		fprintf(fp, "    action:\n");
		wrap(fp, f->action, 6);
	}
	if (d->npassed) {
		fprintf(fp, "\npassed (evaluated, below the thresholds):\n");
		for (unsigned i = 0; i < d->npassed; i++) {
			fprintf(fp, "  %s\n", d->passed[i].id);
			evidence(fp, &d->passed[i]);
		}
	}
	if (d->nnot_evaluated) {
		fprintf(fp, "\nnot evaluated (facts missing):\n");
		for (unsigned i = 0; i < d->nnot_evaluated; i++) {
			fprintf(fp, "  %s:\n", d->not_evaluated[i].id);
			wrap(fp, d->not_evaluated[i].reason, 4);
		}
	}
	return ferror(fp) ? -1 : 0;
}
