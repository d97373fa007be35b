/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diag.h - diagnosis: rules over correlation results (DESIGN.md section 7).
 *
 * Data flows sources -> decoders -> correlator -> results -> diag -> viz:
 * diag reads struct xpkt_results and the bundle's manifest (what was
 * recorded, what was unavailable), never a trace. The rules are rows of a
 * table (diag/rules.c): an id, a severity, a fact extractor that turns
 * results into named evidence numbers (or says why it cannot), a predicate
 * over that evidence (thresholds), and the explanation and suggested
 * action as templates in which "{name}" stands for an evidence value.
 *
 * A rule whose facts are missing is listed as not evaluated with the reason:
 * never silently passed, never faked. Lost events in any source weaken every
 * finding (the counts behind it undercount), and each finding says so.
 */
#ifndef XPKT_DIAG_DIAG_H
#define XPKT_DIAG_DIAG_H

#include <stdint.h>

#include "bundle/manifest.h"
#include "correlator/results.h"

enum xpkt_severity { XPKT_SEV_INFO = 0, XPKT_SEV_WARNING = 1, XPKT_SEV_CRITICAL = 2 };

#define XPKT_DIAG_MAX_EVIDENCE 40
#define XPKT_DIAG_MAX_RULES    16
#define XPKT_DIAG_MAX_CONDS    3

struct xpkt_evidence {
	char name[64];
	double value;
	char unit[32];
};

/* What one rule found: fired (a finding), passed, or not evaluated. */
struct xpkt_diag_result {
	const char *id;
	enum xpkt_severity severity;
	struct xpkt_evidence ev[XPKT_DIAG_MAX_EVIDENCE];
	unsigned nev;
	char explanation[1024]; /* template filled with the evidence, plus the rule's note */
	char action[512];
	char reason[512]; /* not evaluated: why (the missing fact) */
};

struct xpkt_diagnosis {
	struct xpkt_diag_result findings[XPKT_DIAG_MAX_RULES]; /* rules that fired */
	unsigned nfindings;
	struct xpkt_diag_result passed[XPKT_DIAG_MAX_RULES]; /* evaluated, did not fire */
	unsigned npassed;
	struct xpkt_diag_result not_evaluated[XPKT_DIAG_MAX_RULES]; /* facts missing */
	unsigned nnot_evaluated;
	/* Events lost per source (results' lost[]); any > 0 weakens every finding. */
	struct {
		char source[32];
		uint64_t events;
	} lost[XPKT_MAX_SOURCES];
	unsigned nlost;
	uint64_t lost_total;
	int weakened; /* lost_total > 0 */
};

/* Comparison of an evidence value with a threshold; all/any of a rule's hold. */
enum xpkt_diag_op { XPKT_DIAG_GT = 1, XPKT_DIAG_LT = 2 };
enum xpkt_diag_combine { XPKT_DIAG_ALL = 0, XPKT_DIAG_ANY = 1 };

struct xpkt_diag_cond {
	const char *evidence; /* name of an evidence item; absent evidence: the cond is false */
	enum xpkt_diag_op op;
	double threshold;
};

/* What a fact extractor sees. */
struct xpkt_diag_in {
	const struct xpkt_results *r;
	const struct xpkt_manifest *m;
};

/*
 * A fact extractor fills res->ev (xpkt_diag_add) and may write a note that
 * is appended to the explanation; returns 0, or -1 with res->reason set
 * when a fact the rule needs is missing.
 */
typedef int (*xpkt_diag_facts_fn)(const struct xpkt_diag_in *in, struct xpkt_diag_result *res,
				  char *note, unsigned note_len);

struct xpkt_diag_rule {
	const char *id;
	enum xpkt_severity severity;
	xpkt_diag_facts_fn facts;
	enum xpkt_diag_combine combine;
	struct xpkt_diag_cond when[XPKT_DIAG_MAX_CONDS]; /* unused rows: evidence NULL */
	const char *explanation;			 /* "{evidence_name}" templates */
	const char *action;
};

/* The rule table (diag/rules.c), in the order findings are listed. */
const struct xpkt_diag_rule *xpkt_diag_rules(unsigned *n);
/* One rule by id, or NULL. */
const struct xpkt_diag_rule *xpkt_diag_rule_find(const char *id);

/* Evaluates every rule over r (and the manifest m of its bundle) into out. */
void xpkt_diagnose(const struct xpkt_results *r, const struct xpkt_manifest *m,
		   struct xpkt_diagnosis *out);

/* Adds one evidence number to res (silently full at XPKT_DIAG_MAX_EVIDENCE). */
void xpkt_diag_add(struct xpkt_diag_result *res, const char *name, double value, const char *unit);
/* The evidence named name, or NULL. */
const struct xpkt_evidence *xpkt_diag_get(const struct xpkt_diag_result *res, const char *name);
/* Fills template tpl into buf: "{name}" becomes the evidence value, "n/a" if absent. */
void xpkt_diag_fill(char *buf, unsigned len, const char *tpl, const struct xpkt_diag_result *res);
/* "12", "0.00682": integers without decimals, others to 4 significant digits. */
void xpkt_diag_format_value(char *buf, unsigned len, double v);
const char *xpkt_severity_name(enum xpkt_severity s);

#endif
