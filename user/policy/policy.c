// SPDX-License-Identifier: GPL-2.0
/* struct bj_policy: the three rule sources together, loaded from files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void bj_policy_init(struct bj_policy *p)
{
	memset(p, 0, sizeof(*p));
}

void bj_policy_free(struct bj_policy *p)
{
	bj_ruleset_free(p->gomod);
	bj_ruleset_free(p->yaml);
	bj_ruleset_free(p->cmdline);
	memset(p, 0, sizeof(*p));
}

static int load(struct bj_ruleset **slot, const char *path, struct bj_err *err,
		int (*parse)(const char *, const char *, size_t, struct bj_ruleset **, struct bj_err *))
{
	struct bj_ruleset *rs;
	char *buf;
	size_t len;
	int ret;

	ret = bj_read_file(path, &buf, &len, err);
	if (ret)
		return ret;
	ret = parse(path, buf, len, &rs, err);
	free(buf);
	if (ret)
		return ret;
	bj_ruleset_free(*slot);
	*slot = rs;
	return 0;
}

int bj_policy_load_gomod(struct bj_policy *p, const char *path, struct bj_err *err)
{
	return load(&p->gomod, path, err, bj_gomod_parse);
}

int bj_policy_load_yaml(struct bj_policy *p, const char *path, struct bj_err *err)
{
	return load(&p->yaml, path, err, bj_yaml_parse);
}

int bj_policy_add_override(struct bj_policy *p, const char *arg, struct bj_err *err)
{
	if (!p->cmdline) {
		p->cmdline = bj_ruleset_new(BJ_SRC_CMDLINE, "--policy");
		if (!p->cmdline)
			return -ENOMEM;
	}
	return bj_cmdline_add(p->cmdline, arg, err);
}

int bj_policy_check(const struct bj_policy *p, struct bj_err *err)
{
	const struct bj_ruleset *g = p->gomod, *y = p->yaml;

	if (g && y && g->main_module && y->main_module && strcmp(g->main_module, y->main_module) != 0)
		return bj_errf(err, y->main_line, 0, "%s:%d: main_module %s differs from the module line of %s (%s at line %d)",
			       y->name, y->main_line, y->main_module, g->name, g->main_module, g->main_line);
	return 0;
}

const char *bj_policy_main_module(const struct bj_policy *p, const char **where)
{
	const struct bj_ruleset *src[] = { p->yaml, p->gomod };

	for (size_t i = 0; i < 2; i++) {
		if (src[i] && src[i]->main_module) {
			if (where)
				*where = src[i]->main_where;
			return src[i]->main_module;
		}
	}
	if (where)
		*where = NULL;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int bj_policy_modules(const struct bj_policy *p, const char ***out, size_t *n)
{
	const struct bj_ruleset *src[] = { p->cmdline, p->yaml, p->gomod };
	size_t total = 0, k = 0;
	const char **v;

	for (size_t i = 0; i < 3; i++)
		total += src[i] ? src[i]->nrules : 0;
	v = malloc((total ? total : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; src[i] && j < src[i]->nrules; j++)
			v[k++] = src[i]->rules[j].module;
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	*out = v;
	return 0;
}

int bj_policy_warnings(const struct bj_policy *p, const char ***out, size_t *n)
{
	const struct bj_ruleset *src[] = { p->gomod, p->yaml, p->cmdline };
	size_t total = 0, k = 0;
	const char **v;

	for (size_t i = 0; i < 3; i++)
		total += src[i] ? src[i]->nwarnings : 0;
	v = malloc((total ? total : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; src[i] && j < src[i]->nwarnings; j++)
			v[k++] = src[i]->warnings[j];
	*out = v;
	*n = k;
	return 0;
}
