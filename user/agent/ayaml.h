/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict YAML helpers shared by the agent's config and policy-file parsers
 * (libyaml document API). Internal to user/agent; every complaint is
 * "FILE:LINE:COL: problem" in a struct bj_err and the return is -EINVAL.
 */
#ifndef BPFJAIL_AGENT_AYAML_H
#define BPFJAIL_AGENT_AYAML_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "policy/policy.h"

struct ay {
	const char *name;	/* file name for messages */
	yaml_document_t *doc;
	struct bj_err *err;
};

int ay_err(struct ay *y, yaml_mark_t m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *ay_kind(const yaml_node_t *n);
yaml_node_t *ay_node(struct ay *y, int idx);

/* Load the only document of buf into y->doc. 0: loaded (delete it with
 * yaml_document_delete; its root is NULL for an empty file), or -EINVAL
 * (syntax error, a second document) / -ENOMEM. */
int ay_load(struct ay *y, const char *buf, size_t len);

/* Key text and value of one mapping pair; refuses non-scalar and repeated keys. */
int ay_pair(struct ay *y, const yaml_node_t *map, const yaml_node_pair_t *pair,
	    const char **key, yaml_node_t **val);
/* The key node of a pair (for "unknown key" positions). */
yaml_node_t *ay_key_node(struct ay *y, const yaml_node_pair_t *pair);
int ay_want_map(struct ay *y, const yaml_node_t *n, const char *what);

/* A non-empty string scalar without NUL bytes. */
int ay_str(struct ay *y, const yaml_node_t *n, const char *what, const char **out);
/* A plain decimal integer scalar in [min, max]; quoted "5" is a string, not a number. */
int ay_int(struct ay *y, const yaml_node_t *n, const char *what, long min, long max, long *out);
/* One of names[] (NULL-terminated); *out gets its index. */
int ay_enum(struct ay *y, const yaml_node_t *n, const char *what, const char *const *names, int *out);

#define ay_for_each_pair(map, pair) \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start; \
	     pair < (map)->data.mapping.pairs.top; pair++)

#endif
