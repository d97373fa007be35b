// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - parse the plugin's key=value options into struct pmu_config.
 *
 * QEMU splits -plugin's argument at commas, so a list of configurations for
 * one level is separated by '+': l2=256K:16:64+1M:16:64 makes two model
 * instances. Every list has either one entry (shared by all instances) or
 * as many as the longest list. "off" leaves a level out (its counters stay
 * 0; an L2 is fed only by the L1s that are on).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pmu-sim/config.h"

const char *const pmu_level_name[PMU_LEVELS] = {"l1i", "l1d", "l2", "itlb", "dtlb"};

/* The defaults: a 2020s x86 core (32 KiB 8-way L1s, 1 MiB 16-way L2, 64-entry 4-way TLBs). */
static const char *const level_default[PMU_LEVELS] = {"32K:8:64", "32K:8:64", "1M:16:64", "64:4",
						      "64:4"};

/* Xen's own mappings (directmap, xen image, per-domain area) on x86-64:
 * the 16 PML4 slots at the bottom of the upper canonical half that Xen
 * reserves for itself (xen/include/asm-x86/config.h); a PV guest's kernel
 * lives above them. */
#define XEN_HV_BASE 0xffff800000000000ull
#define XEN_HV_END  0xffff880000000000ull

static int parse_list(struct pmu_config *cfg, enum pmu_level lv, const char *val, unsigned *n,
		      struct xpkt_err *err)
{
	char buf[512];
	char *save = NULL, *tok;
	struct xpkt_err e2;

	if (strlen(val) >= sizeof(buf))
		return xpkt_err_set(err, "%s=: list too long", pmu_level_name[lv]);
	strcpy(buf, val);
	*n = 0;
	for (tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		struct pmu_geom *g;
		int rc;

		if (*n == PMU_MAX_MODELS)
			return xpkt_err_set(err, "%s=: more than %d configurations",
					    pmu_level_name[lv], PMU_MAX_MODELS);
		g = &cfg->geom[lv][*n];
		if (!strcmp(tok, "off")) { /* not modelled: sets = 0 */
			memset(g, 0, sizeof(*g));
			strcpy(g->text, "off");
			(*n)++;
			continue;
		}
		rc = lv == PMU_ITLB || lv == PMU_DTLB ? pmu_geom_parse_tlb(g, tok, &e2)
						      : pmu_geom_parse_cache(g, tok, &e2);
		if (rc)
			return xpkt_err_set(err, "%s=%s: %s", pmu_level_name[lv], val, e2.msg);
		(*n)++;
	}
	if (!*n)
		return xpkt_err_set(err, "%s=: empty", pmu_level_name[lv]);
	return 0;
}

static int parse_bool(const char *key, const char *val, bool *out, struct xpkt_err *err)
{
	if (!strcmp(val, "1") || !strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "yes"))
		*out = true;
	else if (!strcmp(val, "0") || !strcmp(val, "off") || !strcmp(val, "false") ||
		 !strcmp(val, "no"))
		*out = false;
	else
		return xpkt_err_set(err, "%s=%s: expected 0/1/on/off", key, val);
	return 0;
}

static int parse_u64(const char *key, const char *val, uint64_t *out, struct xpkt_err *err)
{
	char *end;

	errno = 0;
	*out = strtoull(val, &end, 0);
	if (errno || end == val || *end || *val == '-')
		return xpkt_err_set(err, "%s=%s: expected a number", key, val);
	return 0;
}

int pmu_config_parse(struct pmu_config *cfg, int argc, char **argv, struct xpkt_err *err)
{
	unsigned n[PMU_LEVELS];

	memset(cfg, 0, sizeof(*cfg));
	cfg->phys = true;
	cfg->phys_cache = 1;
	cfg->hv_base = XEN_HV_BASE;
	cfg->hv_end = XEN_HV_END;
	cfg->period_ns = 10000;
	for (int lv = 0; lv < PMU_LEVELS; lv++)
		if (parse_list(cfg, (enum pmu_level)lv, level_default[lv], &n[lv], err))
			return -1;

	for (int i = 0; i < argc; i++) {
		char key[32];
		const char *eq = strchr(argv[i], '=');
		const char *val;
		size_t kl;
		int lv, rc = 0;

		if (!eq || (kl = (size_t)(eq - argv[i])) >= sizeof(key) || !kl)
			return xpkt_err_set(err, "option '%s': expected key=value", argv[i]);
		memcpy(key, argv[i], kl);
		key[kl] = '\0';
		val = eq + 1;
		for (lv = 0; lv < PMU_LEVELS; lv++)
			if (!strcmp(key, pmu_level_name[lv]))
				break;
		if (lv < PMU_LEVELS)
			rc = parse_list(cfg, (enum pmu_level)lv, val, &n[lv], err);
		else if (!strcmp(key, "out"))
			cfg->out_path = val;
		else if (!strcmp(key, "stream"))
			cfg->stream_path = val;
		else if (!strcmp(key, "period_ns"))
			rc = parse_u64(key, val, &cfg->period_ns, err);
		else if (!strcmp(key, "stream_from_marker"))
			rc = parse_bool(key, val, &cfg->stream_from_marker, err);
		else if (!strcmp(key, "phys"))
			rc = parse_bool(key, val, &cfg->phys, err);
		else if (!strcmp(key, "phys_cache") && !strcmp(val, "verify"))
			cfg->phys_cache = 2;
		else if (!strcmp(key, "phys_cache")) {
			bool on;

			rc = parse_bool(key, val, &on, err);
			cfg->phys_cache = on;
		} else if (!strcmp(key, "annotate"))
			rc = parse_bool(key, val, &cfg->annotate, err);
		else if (!strcmp(key, "insn_check"))
			rc = parse_bool(key, val, &cfg->insn_check, err);
		else if (!strcmp(key, "global_hv"))
			rc = parse_bool(key, val, &cfg->global_hv, err);
		else if (!strcmp(key, "hv_base"))
			rc = parse_u64(key, val, &cfg->hv_base, err);
		else if (!strcmp(key, "hv_end"))
			rc = parse_u64(key, val, &cfg->hv_end, err);
		else
			return xpkt_err_set(err, "option '%s': unknown key '%s'", argv[i], key);
		if (rc)
			return -1;
	}

	if (cfg->annotate && !cfg->stream_path)
		return xpkt_err_set(err, "annotate=1 needs stream=FILE");
	cfg->n_models = 1;
	for (int lv = 0; lv < PMU_LEVELS; lv++)
		if (n[lv] > cfg->n_models)
			cfg->n_models = n[lv];
	for (int lv = 0; lv < PMU_LEVELS; lv++) {
		if (n[lv] == cfg->n_models)
			continue;
		if (n[lv] != 1)
			return xpkt_err_set(err,
					    "%s= has %u configurations, another list has %u: "
					    "give one (shared) or %u",
					    pmu_level_name[lv], n[lv], cfg->n_models,
					    cfg->n_models);
		for (unsigned m = 1; m < cfg->n_models; m++)
			cfg->geom[lv][m] = cfg->geom[lv][0];
	}
	return 0;
}
