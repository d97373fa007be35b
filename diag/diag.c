// SPDX-License-Identifier: GPL-2.0
/*
 * diag.c - the rule engine: runs each row of the rule table (rules.c) over
 * the results, checks its predicate and fills its texts. It knows no rule by
 * name; what a rule means lives in its row.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag/diag.h"

const char *xpkt_severity_name(enum xpkt_severity s)
{
	switch (s) {
	case XPKT_SEV_INFO:
		return "info";
	case XPKT_SEV_WARNING:
		return "warning";
	case XPKT_SEV_CRITICAL:
		return "critical";
	}
	return "?";
}

void xpkt_diag_add(struct xpkt_diag_result *res, const char *name, double value, const char *unit)
{
	struct xpkt_evidence *e;

	if (res->nev >= XPKT_DIAG_MAX_EVIDENCE)
		return;
	e = &res->ev[res->nev++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->value = value;
	snprintf(e->unit, sizeof(e->unit), "%s", unit ? unit : "");
}

const struct xpkt_evidence *xpkt_diag_get(const struct xpkt_diag_result *res, const char *name)
{
	for (unsigned i = 0; i < res->nev; i++)
		if (!strcmp(res->ev[i].name, name))
			return &res->ev[i];
	return NULL;
}

void xpkt_diag_format_value(char *buf, unsigned len, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
}

void xpkt_diag_fill(char *buf, unsigned len, const char *tpl, const struct xpkt_diag_result *res)
{
	unsigned o = 0;

	if (!len)
		return;
	for (const char *p = tpl; *p && o + 1 < len;) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		char name[64], val[48];
		size_t n;

		if (!end || (size_t)(end - p - 1) >= sizeof(name)) {
			buf[o++] = *p++;
			continue;
		}
		memcpy(name, p + 1, (size_t)(end - p - 1));
		name[end - p - 1] = 0;
		const struct xpkt_evidence *e = xpkt_diag_get(res, name);

		if (e)
			xpkt_diag_format_value(val, sizeof(val), e->value);
		else
			snprintf(val, sizeof(val), "n/a");
		n = strlen(val);
		if (n > len - 1 - o)
			n = len - 1 - o;
		memcpy(buf + o, val, n);
		o += (unsigned)n;
		p = end + 1;
	}
	buf[o] = 0;
}

static int cond_holds(const struct xpkt_diag_cond *c, const struct xpkt_diag_result *res)
{
	const struct xpkt_evidence *e = xpkt_diag_get(res, c->evidence);

	if (!e || isnan(e->value))
		return 0;
	return c->op == XPKT_DIAG_GT ? e->value > c->threshold : e->value < c->threshold;
}

static int fires(const struct xpkt_diag_rule *rule, const struct xpkt_diag_result *res)
{
	unsigned n = 0, held = 0;

	for (unsigned i = 0; i < XPKT_DIAG_MAX_CONDS && rule->when[i].evidence; i++) {
		n++;
		held += (unsigned)cond_holds(&rule->when[i], res);
	}
	if (!n)
		return 0;
	return rule->combine == XPKT_DIAG_ANY ? held > 0 : held == n;
}

void xpkt_diagnose(const struct xpkt_results *r, const struct xpkt_manifest *m,
		   struct xpkt_diagnosis *out)
{
	const struct xpkt_diag_in in = {.r = r, .m = m};
	const struct xpkt_diag_rule *rules;
	unsigned nrules;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < r->nlost && i < XPKT_MAX_SOURCES; i++) {
		snprintf(out->lost[i].source, sizeof(out->lost[i].source), "%s", r->lost[i].source);
		out->lost[i].events = r->lost[i].events;
		out->lost_total += r->lost[i].events;
		out->nlost++;
	}
	out->weakened = out->lost_total > 0;

	rules = xpkt_diag_rules(&nrules);
	for (unsigned i = 0; i < nrules && i < XPKT_DIAG_MAX_RULES; i++) {
		const struct xpkt_diag_rule *rule = &rules[i];
		struct xpkt_diag_result res;
		char note[512] = "";

		memset(&res, 0, sizeof(res));
		res.id = rule->id;
		res.severity = rule->severity;
		if (rule->facts(&in, &res, note, sizeof(note))) {
			if (!res.reason[0])
				snprintf(res.reason, sizeof(res.reason), "facts missing");
			out->not_evaluated[out->nnot_evaluated++] = res;
			continue;
		}
		xpkt_diag_fill(res.explanation, sizeof(res.explanation), rule->explanation, &res);
		if (note[0]) {
			size_t l = strlen(res.explanation);

			snprintf(res.explanation + l, sizeof(res.explanation) - l, "%s%s",
				 l ? " " : "", note);
		}
		xpkt_diag_fill(res.action, sizeof(res.action), rule->action, &res);
		if (fires(rule, &res))
			out->findings[out->nfindings++] = res;
		else
			out->passed[out->npassed++] = res;
	}
}
