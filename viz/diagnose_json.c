// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose_json.c - a diagnosis as JSON (jansson): {"bundle", "findings":
 * [{"id", "severity", "evidence": {NAME: {"value", "unit"}}, "explanation",
 * "action", "weakened"}], "passed": [{"id", "evidence"}], "not_evaluated":
 * [{"id", "reason"}], "lost_events": {SOURCE: N}}. "weakened" is false, or
 * the per-source loss counts that weaken the finding.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "viz/diagnose.h"

static json_t *evidence_json(const struct xpkt_diag_result *f)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < f->nev; i++) {
		json_t *e = json_object();

		/* jansson has no NaN or infinity: such a value is null */
		json_object_set_new(
		    e, "value", isfinite(f->ev[i].value) ? json_real(f->ev[i].value) : json_null());
		json_object_set_new(e, "unit", json_string(f->ev[i].unit));
		json_object_set_new(o, f->ev[i].name, e);
	}
	return o;
}

static json_t *lost_json(const struct xpkt_diagnosis *d)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < d->nlost; i++)
		json_object_set_new(o, d->lost[i].source,
				    json_integer((json_int_t)d->lost[i].events));
	return o;
}

int xpkt_diagnose_json(FILE *fp, const char *bundle, const struct xpkt_diagnosis *d)
{
	json_t *root = json_object(), *fa = json_array(), *pa = json_array(), *na = json_array();
	int rc;

	json_object_set_new(root, "bundle", json_string(bundle));
	for (unsigned i = 0; i < d->nfindings; i++) {
		const struct xpkt_diag_result *f = &d->findings[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(f->id));
		json_object_set_new(o, "severity", json_string(xpkt_severity_name(f->severity)));
		json_object_set_new(o, "evidence", evidence_json(f));
		json_object_set_new(o, "explanation", json_string(f->explanation));
		json_object_set_new(o, "action", json_string(f->action));
		json_object_set_new(o, "weakened",
				    d->weakened && strcmp(f->id, "lost_events") ? lost_json(d)
										: json_false());
		json_array_append_new(fa, o);
	}
	for (unsigned i = 0; i < d->npassed; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(d->passed[i].id));
		json_object_set_new(o, "evidence", evidence_json(&d->passed[i]));
		json_array_append_new(pa, o);
	}
	for (unsigned i = 0; i < d->nnot_evaluated; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(d->not_evaluated[i].id));
		json_object_set_new(o, "reason", json_string(d->not_evaluated[i].reason));
		json_array_append_new(na, o);
	}
	json_object_set_new(root, "findings", fa);
	json_object_set_new(root, "passed", pa);
	json_object_set_new(root, "not_evaluated", na);
	json_object_set_new(root, "lost_events", lost_json(d));
	rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (!rc)
		rc = fputc('\n', fp) == EOF ? -1 : 0;
	return rc || ferror(fp) ? -1 : 0;
}
