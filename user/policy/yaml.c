// SPDX-License-Identifier: GPL-2.0
/*
 * The native policy file (YAML, schema in docs/policy.md):
 *
 *   main_module: example.com/app
 *   default: unconfined
 *   modules:
 *     example.com/foo:
 *       policy: confined          # the default for a mapping entry
 *       allow: [rpath, inet]
 *       paths:
 *         - {path: /etc/ssl, access: r}
 *     example.com/foo/sub: unconfined
 *
 * libyaml's document API gives every node a start mark, so every complaint is
 * "FILE:LINE:COL: problem". The schema is strict: unknown keys, unknown
 * classes, duplicates and wrong node types are errors, not warnings.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "internal.h"

struct yctx {
	const char *name;
	yaml_document_t *doc;
	struct bj_ruleset *rs;
	struct bj_err *err;
};

static int yerr_at(struct yctx *y, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int yerr_at(struct yctx *y, yaml_mark_t m, const char *fmt, ...)
{
	char buf[BJ_ERR_MSG_MAX];
	int line = (int)m.line + 1, col = (int)m.column + 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return bj_errf(y->err, line, col, "%s:%d:%d: %s", y->name, line, col, buf);
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static yaml_node_t *node(struct yctx *y, int idx)
{
	return yaml_document_get_node(y->doc, idx);
}

/* A scalar's text, refusing non-scalars and embedded NULs. */
static int scalar(struct yctx *y, const yaml_node_t *n, const char *what, const char **out)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return yerr_at(y, n->start_mark, "%s must be a string, not %s", what, node_kind(n));
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length)
		return yerr_at(y, n->start_mark, "%s contains a NUL byte", what);
	*out = s;
	return 0;
}

static int parse_policy_word(struct yctx *y, const yaml_node_t *n, const char *what, bool *confined)
{
	const char *s;
	int ret = scalar(y, n, what, &s);

	if (ret)
		return ret;
	if (strcmp(s, "confined") == 0)
		*confined = true;
	else if (strcmp(s, "unconfined") == 0)
		*confined = false;
	else
		return yerr_at(y, n->start_mark, "%s: unknown policy '%.64s' (expected confined or unconfined)",
			       what, s);
	return 0;
}

/* Reject a repeated key in one mapping (libyaml keeps duplicates). */
static int check_dup_key(struct yctx *y, const yaml_node_t *map, const yaml_node_pair_t *pair,
			 const char *key)
{
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
		const yaml_node_t *k = node(y, p->key);

		if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
			return yerr_at(y, node(y, pair->key)->start_mark, "duplicate key '%.128s' (first at %d:%d)",
				       key, (int)k->start_mark.line + 1, (int)k->start_mark.column + 1);
	}
	return 0;
}

/* Iterate a mapping: key text and value node, with duplicate-key checks. */
#define for_each_pair(y, map, pair) \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start; \
	     pair < (map)->data.mapping.pairs.top; pair++)

static int pair_kv(struct yctx *y, const yaml_node_t *map, const yaml_node_pair_t *pair,
		   const char **key, yaml_node_t **val)
{
	yaml_node_t *k = node(y, pair->key);
	int ret;

	*val = node(y, pair->value);
	if (!k || !*val)
		return yerr_at(y, map->start_mark, "malformed mapping");
	ret = scalar(y, k, "a key", key);
	if (ret)
		return ret;
	return check_dup_key(y, map, pair, *key);
}

static int parse_allow(struct yctx *y, const yaml_node_t *seq, uint32_t *mask)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return yerr_at(y, seq->start_mark, "allow must be a sequence of class names, not %s",
			       node_kind(seq));
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = node(y, *it);
		const char *s;
		int ret, c;

		if (!n)
			return yerr_at(y, seq->start_mark, "malformed sequence");
		ret = scalar(y, n, "a class", &s);
		if (ret)
			return ret;
		c = bj_class_lookup(s);
		if (c < 0)
			return yerr_at(y, n->start_mark, "unknown class '%.64s' (see docs/policy.md for the list)", s);
		if (*mask & (1u << c))
			return yerr_at(y, n->start_mark, "class '%s' listed twice", s);
		*mask |= 1u << c;
	}
	return 0;
}

static int parse_path_rule(struct yctx *y, const yaml_node_t *map, struct bj_rule *r)
{
	const char *path = NULL, *access = NULL, *why;
	yaml_node_t *pnode = NULL, *anode = NULL;
	struct bj_path_rule *paths;
	char norm[BJ_PATH_MAX];
	uint32_t acc;
	int ret;

	if (map->type != YAML_MAPPING_NODE)
		return yerr_at(y, map->start_mark, "a path rule must be a mapping {path: /dir, access: rw}, not %s",
			       node_kind(map));
	for_each_pair(y, map, pair) {
		const char *key;
		yaml_node_t *val;

		ret = pair_kv(y, map, pair, &key, &val);
		if (ret)
			return ret;
		if (strcmp(key, "path") == 0) {
			ret = scalar(y, val, "path", &path);
			pnode = val;
		} else if (strcmp(key, "access") == 0) {
			ret = scalar(y, val, "access", &access);
			anode = val;
		} else {
			ret = yerr_at(y, node(y, pair->key)->start_mark,
				      "unknown key '%.64s' in a path rule (expected path, access)", key);
		}
		if (ret)
			return ret;
	}
	if (!path)
		return yerr_at(y, map->start_mark, "path rule without 'path'");
	if (!access)
		return yerr_at(y, map->start_mark, "path rule without 'access'");
	if (bj_path_normalize(path, norm, &why))
		return yerr_at(y, pnode->start_mark, "path '%.256s' %s", path, why);
	if (bj_access_parse(access, &acc))
		return yerr_at(y, anode->start_mark,
			       "bad access '%.16s' (letters r, w, x, c, each at most once)", access);
	for (size_t i = 0; i < r->npaths; i++)
		if (strcmp(r->paths[i].path, norm) == 0)
			return yerr_at(y, pnode->start_mark, "duplicate path '%.256s'", norm);
	paths = realloc(r->paths, (r->npaths + 1) * sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	r->paths = paths;
	paths[r->npaths].path = strdup(norm);
	if (!paths[r->npaths].path)
		return -ENOMEM;
	paths[r->npaths++].access = acc;
	return 0;
}

static int parse_paths(struct yctx *y, const yaml_node_t *seq, struct bj_rule *r)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return yerr_at(y, seq->start_mark, "paths must be a sequence of {path, access}, not %s",
			       node_kind(seq));
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = node(y, *it);
		int ret;

		if (!n)
			return yerr_at(y, seq->start_mark, "malformed sequence");
		ret = parse_path_rule(y, n, r);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_module(struct yctx *y, const yaml_node_t *knode, const char *mod, const yaml_node_t *val)
{
	yaml_node_t *grant_key = NULL;
	struct bj_rule *r;
	int line = (int)knode->start_mark.line + 1;
	int ret;

	r = bj_ruleset_add(y->rs, mod, bj_asprintf("%s:%d: modules[%s]", y->name, line, mod));
	if (!r)
		return -ENOMEM;
	r->line = line;
	r->col = (int)knode->start_mark.column + 1;
	r->confined = true;	/* a mapping entry confines unless it says otherwise */

	if (val->type == YAML_SCALAR_NODE)
		return parse_policy_word(y, val, mod, &r->confined);
	if (val->type != YAML_MAPPING_NODE)
		return yerr_at(y, val->start_mark,
			       "module %.128s: expected confined, unconfined or a mapping, not %s", mod,
			       node_kind(val));
	for_each_pair(y, val, pair) {
		const char *key;
		yaml_node_t *v;

		ret = pair_kv(y, val, pair, &key, &v);
		if (ret)
			return ret;
		if (strcmp(key, "policy") == 0) {
			ret = parse_policy_word(y, v, "policy", &r->confined);
		} else if (strcmp(key, "allow") == 0) {
			ret = parse_allow(y, v, &r->allow);
			grant_key = node(y, pair->key);
		} else if (strcmp(key, "paths") == 0) {
			ret = parse_paths(y, v, r);
			grant_key = node(y, pair->key);
		} else {
			ret = yerr_at(y, node(y, pair->key)->start_mark,
				      "unknown key '%.64s' in module %.128s (expected policy, allow, paths)", key, mod);
		}
		if (ret)
			return ret;
	}
	/* Grants only mean something to a confined module; refuse the contradiction. */
	if (!r->confined && grant_key)
		return yerr_at(y, grant_key->start_mark, "module %.128s is unconfined: allow and paths need policy: confined",
			       mod);
	return 0;
}

static int parse_modules(struct yctx *y, const yaml_node_t *map)
{
	if (map->type != YAML_MAPPING_NODE)
		return yerr_at(y, map->start_mark, "modules must be a mapping of module paths, not %s",
			       node_kind(map));
	for_each_pair(y, map, pair) {
		yaml_node_t *k = node(y, pair->key), *v = node(y, pair->value);
		const char *mod;
		long dup;
		int ret;

		if (!k || !v)
			return yerr_at(y, map->start_mark, "malformed mapping");
		ret = scalar(y, k, "a module path", &mod);
		if (ret)
			return ret;
		if (!bj_module_path_valid(mod))
			return yerr_at(y, k->start_mark, "invalid module path '%.128s'", mod);
		dup = bj_ruleset_find(y->rs, mod);
		if (dup >= 0)
			return yerr_at(y, k->start_mark, "duplicate module '%.128s' (first at %d:%d)", mod,
				       y->rs->rules[dup].line, y->rs->rules[dup].col);
		ret = parse_module(y, k, mod, v);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_root(struct yctx *y, const yaml_node_t *root)
{
	struct bj_ruleset *rs = y->rs;

	if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
		return 0;	/* "---" alone, or only comments: an empty policy */
	if (root->type != YAML_MAPPING_NODE)
		return yerr_at(y, root->start_mark, "the policy must be a mapping, not %s", node_kind(root));
	for_each_pair(y, root, pair) {
		const char *key, *s;
		yaml_node_t *val, *k = node(y, pair->key);
		int ret, line;

		ret = pair_kv(y, root, pair, &key, &val);
		if (ret)
			return ret;
		line = (int)k->start_mark.line + 1;
		if (strcmp(key, "default") == 0) {
			ret = parse_policy_word(y, val, "default", &rs->default_confined);
			if (ret)
				return ret;
			rs->has_default = true;
			rs->default_why = bj_asprintf("%s:%d: default: %s", y->name, line,
						      rs->default_confined ? "confined" : "unconfined");
			if (!rs->default_why)
				return -ENOMEM;
		} else if (strcmp(key, "main_module") == 0) {
			ret = scalar(y, val, "main_module", &s);
			if (ret)
				return ret;
			if (!bj_module_path_valid(s))
				return yerr_at(y, val->start_mark, "invalid module path '%.128s'", s);
			rs->main_module = strdup(s);
			rs->main_line = line;
			rs->main_where = bj_asprintf("%s:%d: main_module", y->name, line);
			if (!rs->main_module || !rs->main_where)
				return -ENOMEM;
		} else if (strcmp(key, "modules") == 0) {
			ret = parse_modules(y, val);
			if (ret)
				return ret;
		} else {
			return yerr_at(y, k->start_mark, "unknown key '%.64s' (expected default, main_module, modules)",
				       key);
		}
	}
	return 0;
}

/* libyaml's own errors: reader errors carry a byte offset, the rest a mark. */
static int parser_error(struct yctx *y, const yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "syntax error";

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		size_t off = p->problem_offset < len ? p->problem_offset : len;

		m.line = m.column = 0;
		for (size_t i = 0; i < off; i++) {
			if (buf[i] == '\n') {
				m.line++;
				m.column = 0;
			} else {
				m.column++;
			}
		}
		return yerr_at(y, m, "%s", problem);
	}
	if (p->context)
		return yerr_at(y, m, "%s (%s at %d:%d)", problem, p->context, (int)p->context_mark.line + 1,
			       (int)p->context_mark.column + 1);
	return yerr_at(y, m, "%s", problem);
}

int bj_yaml_parse(const char *name, const char *buf, size_t len,
		  struct bj_ruleset **out, struct bj_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, doc2;
	bool have_doc = false, have_doc2 = false;
	struct bj_err dummy;
	struct yctx y = { .name = name, .doc = &doc, .err = err ? err : &dummy };
	yaml_node_t *root;
	int ret;

	*out = NULL;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	y.rs = bj_ruleset_new(BJ_SRC_YAML, name);
	if (!y.rs) {
		ret = -ENOMEM;
		goto cleanup;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = parser_error(&y, &parser, buf, len);
		goto cleanup;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&doc);
	if (root) {
		/* One policy per file: a second document is a mistake, not a merge. */
		if (!yaml_parser_load(&parser, &doc2)) {
			ret = parser_error(&y, &parser, buf, len);
			goto cleanup;
		}
		have_doc2 = true;
		if (yaml_document_get_root_node(&doc2)) {
			ret = yerr_at(&y, doc2.start_mark, "only one YAML document is allowed");
			goto cleanup;
		}
		ret = parse_root(&y, root);
		if (ret)
			goto cleanup;
	}
	ret = 0;
cleanup:
	if (have_doc2)
		yaml_document_delete(&doc2);
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret == -ENOMEM)
		bj_errf(y.err, 0, 0, "%s: out of memory", name);
	if (ret) {
		bj_ruleset_free(y.rs);
		return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	*out = y.rs;
	return 0;
}

int bj_yaml_parse_node(const char *name, struct yaml_document_s *doc, struct yaml_node_s *node,
		       struct bj_ruleset **out, struct bj_err *err)
{
	struct bj_err dummy;
	struct yctx y = { .name = name, .doc = doc, .err = err ? err : &dummy };
	int ret;

	*out = NULL;
	y.rs = bj_ruleset_new(BJ_SRC_YAML, name);
	if (!y.rs)
		ret = -ENOMEM;
	else
		ret = parse_root(&y, node);
	if (ret == -ENOMEM)
		bj_errf(y.err, 0, 0, "%s: out of memory", name);
	if (ret) {
		bj_ruleset_free(y.rs);
		return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	*out = y.rs;
	return 0;
}
