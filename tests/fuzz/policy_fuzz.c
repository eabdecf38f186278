// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the policy parsers. The first input byte picks the
 * parser (even: go.mod, odd: YAML); the rest is the file. Whatever parses is
 * then resolved for every module it names and a few derived paths, so the
 * matching and formatting code runs on fuzzer-made module paths too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static void exercise(const struct bj_policy *pol, const char *mod)
{
	struct bj_verdict v;
	char buf[256], acc[5];
	char *sub;

	if (bj_resolve_one(pol, NULL, mod, &v) == 0) {
		bj_classes_str(v.allow, buf, sizeof(buf));
		for (size_t i = 0; i < v.npaths; i++)
			bj_access_str(v.paths[i].access, acc);
		bj_verdict_clear(&v);
	}
	/* A nested module and a sibling that must not match. */
	sub = malloc(strlen(mod) + 8);
	if (!sub)
		return;
	strcpy(sub, mod);
	strcat(sub, "/sub");
	if (bj_resolve_one(pol, NULL, sub, &v) == 0)
		bj_verdict_clear(&v);
	strcpy(sub, mod);
	strcat(sub, "x");
	if (bj_resolve_one(pol, NULL, sub, &v) == 0)
		bj_verdict_clear(&v);
	free(sub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bj_policy pol;
	struct bj_ruleset *rs = NULL;
	struct bj_err err;
	const char *text;
	size_t len;
	int ret;

	if (size < 1)
		return 0;
	text = (const char *)data + 1;
	len = size - 1;
	if (data[0] & 1)
		ret = bj_yaml_parse("fuzz.yaml", text, len, &rs, &err);
	else
		ret = bj_gomod_parse("go.mod", text, len, &rs, &err);
	if (ret) {
		/* Errors must be one terminated line with a position prefix. */
		if (!memchr(err.msg, '\0', sizeof(err.msg)) || strncmp(err.msg, data[0] & 1 ? "fuzz.yaml" : "go.mod", 6))
			abort();
		return 0;
	}

	bj_policy_init(&pol);
	if (data[0] & 1)
		pol.yaml = rs;
	else
		pol.gomod = rs;
	/* The command line parser sees the first rule's module as an override. */
	if (rs->nrules) {
		char *arg = malloc(strlen(rs->rules[0].module) + 16);

		if (arg) {
			strcpy(arg, rs->rules[0].module);
			strcat(arg, data[0] & 2 ? "=confined" : "=unconfined");
			if (bj_policy_add_override(&pol, arg, &err))
				abort();	/* a module a parser accepted must be a valid override */
			free(arg);
		}
	}
	for (size_t i = 0; i < rs->nrules; i++)
		exercise(&pol, rs->rules[i].module);
	if (rs->main_module)
		exercise(&pol, rs->main_module);
	{
		const char **mods;
		size_t n;

		if (bj_policy_modules(&pol, &mods, &n) == 0)
			free(mods);
	}
	bj_policy_free(&pol);
	return 0;
}
