// SPDX-License-Identifier: GPL-2.0
/*
 * Decide confined/unconfined, grants and path rules for a module.
 *
 * Order: command line > YAML > go.mod, each by longest covering rule; then
 * the defaults (YAML default > go.mod module default > unconfined). A go.mod
 * rule that only exists because of go.mod's module default ("implicit") is a
 * default too, so a YAML default outranks it. Grants and path rules always
 * come from the longest covering YAML rule, whichever source said "confined".
 * The main module is never confined, as in gomodjail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void bj_verdict_clear(struct bj_verdict *v)
{
	for (size_t i = 0; i < v->npaths; i++)
		free(v->paths[i].path);
	free(v->paths);
	free(v->module);
	free(v->why);
	memset(v, 0, sizeof(*v));
}

void bj_verdicts_free(struct bj_verdict *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		bj_verdict_clear(&v[i]);
	free(v);
}

/* "WHY" or "WHY (via RULE)" when the rule names a parent of mod. */
static char *rule_why(const struct bj_rule *r, const char *mod)
{
	if (strcmp(r->module, mod) == 0)
		return strdup(r->why);
	return bj_asprintf("%s (via %s)", r->why, r->module);
}

static int copy_grants(struct bj_verdict *v, const struct bj_rule *g)
{
	v->allow = g->allow;
	if (!g->npaths)
		return 0;
	v->paths = calloc(g->npaths, sizeof(*v->paths));
	if (!v->paths)
		return -ENOMEM;
	for (size_t i = 0; i < g->npaths; i++) {
		v->paths[i].path = strdup(g->paths[i].path);
		if (!v->paths[i].path)
			return -ENOMEM;
		v->paths[i].access = g->paths[i].access;
		v->npaths++;
	}
	return 0;
}

int bj_resolve_one(const struct bj_policy *p, const char *main_module,
		   const char *mod, struct bj_verdict *v)
{
	const struct bj_rule *rc = bj_ruleset_match(p->cmdline, mod);
	const struct bj_rule *ry = bj_ruleset_match(p->yaml, mod);
	const struct bj_rule *rg = bj_ruleset_match(p->gomod, mod);
	const struct bj_rule *decider = NULL;
	const struct bj_ruleset *y = p->yaml, *g = p->gomod;
	char *why = NULL;
	int ret = -ENOMEM;

	memset(v, 0, sizeof(*v));
	v->module = strdup(mod);
	if (!v->module)
		goto fail;
	if (!main_module)
		main_module = bj_policy_main_module(p, NULL);

	if (main_module && strcmp(mod, main_module) == 0) {
		const struct bj_rule *r = rc ? rc : ry ? ry : rg;

		/* gomodjail only confines required modules; the main module never is. */
		v->main = true;
		v->allow = BJ_CLASS_ALL;
		v->source = BJ_SRC_NONE;
		if (r && r->confined)
			v->why = bj_asprintf("main module (never confined; ignores %s)", r->why);
		else
			v->why = strdup("main module (never confined)");
		if (!v->why)
			goto fail;
		return 0;
	}

	if (rc) {
		decider = rc;
	} else if (ry) {
		decider = ry;
	} else if (rg && !(rg->implicit && y && y->has_default)) {
		decider = rg;
	}
	if (decider) {
		v->confined = decider->confined;
		v->source = decider == rc ? BJ_SRC_CMDLINE : decider == ry ? BJ_SRC_YAML : BJ_SRC_GOMOD;
		why = rule_why(decider, mod);
	} else if (y && y->has_default) {
		v->confined = y->default_confined;
		v->source = BJ_SRC_YAML;
		why = strdup(y->default_why);
	} else if (g && g->has_default) {
		v->confined = g->default_confined;
		v->source = BJ_SRC_GOMOD;
		why = strdup(g->default_why);
	} else {
		v->confined = false;
		v->source = BJ_SRC_NONE;
		why = strdup("default (unconfined)");
	}
	if (!why)
		goto fail;

	if (!v->confined) {
		v->allow = BJ_CLASS_ALL;
	} else if (ry && ry->confined) {
		ret = copy_grants(v, ry);
		if (ret)
			goto fail;
		ret = -ENOMEM;
		if (decider != ry && (ry->allow || ry->npaths)) {
			char *gw = rule_why(ry, mod), *w;

			w = gw ? bj_asprintf("%s; grants from %s", why, gw) : NULL;
			free(gw);
			if (!w)
				goto fail;
			free(why);
			why = w;
		}
	}
	v->why = why;
	return 0;
fail:
	free(why);
	bj_verdict_clear(v);
	return ret;
}

int bj_resolve(const struct bj_policy *p, const char *main_module,
	       const char *const *mods, size_t n, struct bj_verdict **out)
{
	struct bj_verdict *v = calloc(n ? n : 1, sizeof(*v));
	int ret;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	if (!main_module)
		main_module = bj_policy_main_module(p, NULL);
	for (size_t i = 0; i < n; i++) {
		ret = bj_resolve_one(p, main_module, mods[i], &v[i]);
		if (ret) {
			bj_verdicts_free(v, i);
			return ret;
		}
	}
	*out = v;
	return 0;
}
