// SPDX-License-Identifier: GPL-2.0
/* Strict YAML helpers for the agent's files (see ayaml.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ayaml.h"

int ay_err(struct ay *y, yaml_mark_t m, const char *fmt, ...)
{
	int line = (int)m.line + 1, col = (int)m.column + 1, n;
	va_list ap;

	if (!y->err)
		return -EINVAL;
	y->err->line = line;
	y->err->col = col;
	n = snprintf(y->err->msg, sizeof(y->err->msg), "%s:%d:%d: ", y->name, line, col);
	if (n >= 0 && (size_t)n < sizeof(y->err->msg)) {
		va_start(ap, fmt);
		vsnprintf(y->err->msg + n, sizeof(y->err->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *ay_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return n->data.scalar.length ? "a scalar" : "empty";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

yaml_node_t *ay_node(struct ay *y, int idx)
{
	return yaml_document_get_node(y->doc, idx);
}

/* libyaml's own errors: reader errors carry a byte offset, the rest a mark. */
static int parser_error(struct ay *y, const yaml_parser_t *p, const char *buf, size_t len)
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
		return ay_err(y, m, "%s", problem);
	}
	if (p->context)
		return ay_err(y, m, "%s (%s at %d:%d)", problem, p->context, (int)p->context_mark.line + 1,
			      (int)p->context_mark.column + 1);
	return ay_err(y, m, "%s", problem);
}

int ay_load(struct ay *y, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc2;
	int ret;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, y->doc)) {
		ret = parser_error(y, &parser, buf, len);
		goto out;
	}
	ret = 0;
	if (!yaml_document_get_root_node(y->doc))
		goto out;
	/* One document per file: a second one is a mistake, not a merge. */
	if (!yaml_parser_load(&parser, &doc2)) {
		ret = parser_error(y, &parser, buf, len);
	} else {
		if (yaml_document_get_root_node(&doc2))
			ret = ay_err(y, doc2.start_mark, "only one YAML document is allowed");
		yaml_document_delete(&doc2);
	}
	if (ret)
		yaml_document_delete(y->doc);
out:
	yaml_parser_delete(&parser);
	return ret;
}

yaml_node_t *ay_key_node(struct ay *y, const yaml_node_pair_t *pair)
{
	return ay_node(y, pair->key);
}

int ay_want_map(struct ay *y, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_MAPPING_NODE)
		return ay_err(y, n->start_mark, "%s must be a mapping, not %s", what, ay_kind(n));
	return 0;
}

static int scalar_text(struct ay *y, const yaml_node_t *n, const char *what, const char **out)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return ay_err(y, n->start_mark, "%s must be a scalar, not %s", what, ay_kind(n));
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length)
		return ay_err(y, n->start_mark, "%s contains a NUL byte", what);
	*out = s;
	return 0;
}

int ay_pair(struct ay *y, const yaml_node_t *map, const yaml_node_pair_t *pair,
	    const char **key, yaml_node_t **val)
{
	yaml_node_t *k = ay_node(y, pair->key);
	int ret;

	*val = ay_node(y, pair->value);
	if (!k || !*val)
		return ay_err(y, map->start_mark, "malformed mapping");
	if (k->type != YAML_SCALAR_NODE)
		return ay_err(y, k->start_mark, "a key must be a string, not %s", ay_kind(k));
	ret = scalar_text(y, k, "a key", key);
	if (ret)
		return ret;
	/* libyaml keeps repeated keys; a second value would silently win. */
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
		const yaml_node_t *pk = ay_node(y, p->key);

		if (pk && pk->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)pk->data.scalar.value, *key) == 0)
			return ay_err(y, k->start_mark, "duplicate key '%.128s' (first at %d:%d)", *key,
				      (int)pk->start_mark.line + 1, (int)pk->start_mark.column + 1);
	}
	return 0;
}

int ay_str(struct ay *y, const yaml_node_t *n, const char *what, const char **out)
{
	int ret = scalar_text(y, n, what, out);

	if (ret)
		return ret;
	if (!**out)
		return ay_err(y, n->start_mark, "%s needs a value", what);
	return 0;
}

int ay_int(struct ay *y, const yaml_node_t *n, const char *what, long min, long max, long *out)
{
	const char *s, *p;
	long v = 0;
	bool neg;
	int ret;

	ret = ay_str(y, n, what, &s);
	if (ret)
		return ret;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return ay_err(y, n->start_mark, "%s must be an integer, not a quoted string", what);
	neg = s[0] == '-';
	p = s + neg;
	if (!*p)
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (v > (LONG_MAX - (*p - '0')) / 10)
			goto range;
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;
bad:
	return ay_err(y, n->start_mark, "%s must be a decimal integer, not '%.64s'", what, s);
range:
	return ay_err(y, n->start_mark, "%s must be from %ld to %ld, not %.64s", what, min, max, s);
}

int ay_enum(struct ay *y, const yaml_node_t *n, const char *what, const char *const *names, int *out)
{
	char expect[256] = "";
	size_t used = 0;
	const char *s;
	int ret;

	ret = ay_str(y, n, what, &s);
	if (ret)
		return ret;
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
		used += snprintf(expect + used, used < sizeof(expect) ? sizeof(expect) - used : 0, "%s%s",
				 i ? (names[i + 1] ? ", " : " or ") : "", names[i]);
		if (used >= sizeof(expect))
			used = sizeof(expect) - 1;
	}
	return ay_err(y, n->start_mark, "%s: unknown value '%.64s' (expected %s)", what, s, expect);
}
