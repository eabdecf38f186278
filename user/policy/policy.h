/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy: which Go modules are confined, and what a confined module may still
 * do. Pure C (libyaml for the native format); no BPF, no gosym.
 *
 * Three rule sources, highest precedence first:
 *   1. the command line   --policy MOD=confined|unconfined
 *   2. a native YAML file  --policy-file F (grants and path rules live here)
 *   3. go.mod comments     --go-mod F (gomodjail's "// gomodjail:confined")
 * Within one source the rule with the longest module path covering a module
 * wins; a rule for example.com/foo covers example.com/foo and
 * example.com/foo/..., never example.com/foobar. docs/policy.md has the rest.
 *
 * Errors are negative errnos: -EINVAL for a bad policy (err->msg holds
 * "FILE:LINE: problem", or "FILE:LINE:COL: problem" for YAML), -ENOMEM, or
 * the errno of a failed read (err->msg holds "FILE: strerror").
 */
#ifndef BPFJAIL_POLICY_H
#define BPFJAIL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classes.h"

#define BJ_ERR_MSG_MAX 512
#define BJ_PATH_MAX 4096	/* longest path rule accepted */
#define BJ_MODULE_MAX 512	/* longest module path accepted */

struct bj_err {
	int line;		/* 1-based; 0 when the error has no position */
	int col;		/* 1-based; 0 when unknown (go.mod errors have none) */
	char msg[BJ_ERR_MSG_MAX];
};

enum bj_source {
	BJ_SRC_NONE = 0,	/* built-in default, or the main module */
	BJ_SRC_GOMOD,
	BJ_SRC_YAML,
	BJ_SRC_CMDLINE,
};

struct bj_path_rule {
	char *path;		/* absolute, normalized (no //, no trailing /, no . or ..) */
	uint32_t access;	/* BJ_ACCESS_* */
};

struct bj_rule {
	char *module;
	bool confined;
	bool implicit;		/* go.mod: untagged require under a module-level default */
	uint32_t allow;		/* granted BJ_CLASS_* (YAML only) */
	struct bj_path_rule *paths;
	size_t npaths;
	int line;		/* where it was written; 0 on the command line */
	int col;
	char *why;		/* "go.mod:12: // gomodjail:confined on require line" */
};

struct bj_ruleset {
	enum bj_source source;
	char *name;		/* file name as given; "--policy" for the command line */
	char *main_module;	/* go.mod "module" line / YAML main_module, or NULL */
	char *main_where;	/* "go.mod:1: module line" */
	int main_line;
	bool has_default;
	bool default_confined;
	char *default_why;
	struct bj_rule *rules;	/* at most one rule per module path */
	size_t nrules;
	char **warnings;	/* "FILE:LINE: ..." things that parse but do nothing */
	size_t nwarnings;
};

/* Parsers. buf need not be NUL-terminated; name is used in messages only.
 * On success *out is a new ruleset (free with bj_ruleset_free). */
int bj_gomod_parse(const char *name, const char *buf, size_t len,
		   struct bj_ruleset **out, struct bj_err *err);
int bj_yaml_parse(const char *name, const char *buf, size_t len,
		  struct bj_ruleset **out, struct bj_err *err);
/* The native format from one node of a document the caller loaded with
 * libyaml (a file that embeds a policy: the agent's policies.d). Messages
 * carry the document's own positions. doc/node are yaml_document_t and
 * yaml_node_t; declared here without <yaml.h>. */
struct yaml_document_s;
struct yaml_node_s;
int bj_yaml_parse_node(const char *name, struct yaml_document_s *doc, struct yaml_node_s *node,
		       struct bj_ruleset **out, struct bj_err *err);
/* Add one "MOD=confined|unconfined" to a BJ_SRC_CMDLINE ruleset. A later
 * --policy for the same module replaces the earlier one. */
int bj_cmdline_add(struct bj_ruleset *rs, const char *arg, struct bj_err *err);

struct bj_ruleset *bj_ruleset_new(enum bj_source source, const char *name);
void bj_ruleset_free(struct bj_ruleset *rs);
/* Longest rule covering mod, or NULL. */
const struct bj_rule *bj_ruleset_match(const struct bj_ruleset *rs, const char *mod);

/* True if a rule for rule_mod applies to mod (equal, or mod is beneath it). */
bool bj_module_covers(const char *rule_mod, const char *mod);
bool bj_module_path_valid(const char *path);

/* Read a whole file (at most 16 MiB). Returns 0 or a negative errno; err
 * gets "PATH: reason". *buf is NUL-terminated for convenience. */
int bj_read_file(const char *path, char **buf, size_t *len, struct bj_err *err);

/* Class names ("exec", "rpath", ...), indexed by enum bj_class_idx. */
const char *bj_class_name(unsigned int idx);
int bj_class_lookup(const char *name);	/* enum bj_class_idx, or -1 */
/* "rpath,inet" into buf; "none" for 0, "all" for BJ_CLASS_ALL. Returns buf. */
char *bj_classes_str(uint32_t mask, char *buf, size_t size);
/* Access letters "rwxc" <-> BJ_ACCESS_*. Parse rejects empty strings,
 * unknown and repeated letters (returns -EINVAL). */
int bj_access_parse(const char *s, uint32_t *out);
char *bj_access_str(uint32_t access, char buf[5]);

/* All sources together. Any member may be NULL (source not given). */
struct bj_policy {
	struct bj_ruleset *gomod;
	struct bj_ruleset *yaml;
	struct bj_ruleset *cmdline;
};

void bj_policy_init(struct bj_policy *p);
void bj_policy_free(struct bj_policy *p);
/* Load a source into p (replacing an earlier one of the same kind). */
int bj_policy_load_gomod(struct bj_policy *p, const char *path, struct bj_err *err);
int bj_policy_load_yaml(struct bj_policy *p, const char *path, struct bj_err *err);
int bj_policy_add_override(struct bj_policy *p, const char *arg, struct bj_err *err);
/* Cross-source checks once everything is loaded: go.mod's module line and
 * YAML's main_module must agree. */
int bj_policy_check(const struct bj_policy *p, struct bj_err *err);
/* The main module the policy expects (YAML main_module, else go.mod's module
 * line), or NULL. *where (optional) gets "go.mod:1: module line" or similar. */
const char *bj_policy_main_module(const struct bj_policy *p, const char **where);
/* Every module path any source names, sorted and unique. The strings belong
 * to p; free only the array. */
int bj_policy_modules(const struct bj_policy *p, const char ***out, size_t *n);
/* Warnings of all sources, in source order. Strings belong to p. */
int bj_policy_warnings(const struct bj_policy *p, const char ***out, size_t *n);

/* What the policy decides for one module. */
struct bj_verdict {
	char *module;
	bool main;		/* the main module: never confined */
	bool confined;
	uint32_t allow;		/* granted classes; BJ_CLASS_ALL when unconfined */
	struct bj_path_rule *paths;	/* copies; only when confined */
	size_t npaths;
	enum bj_source source;	/* source that decided confined/unconfined */
	char *why;
};

/*
 * Decide for each of mods[0..n). main_module is the binary's main module
 * (NULL: use bj_policy_main_module). *out gets n verdicts in input order.
 */
int bj_resolve(const struct bj_policy *p, const char *main_module,
	       const char *const *mods, size_t n, struct bj_verdict **out);
int bj_resolve_one(const struct bj_policy *p, const char *main_module,
		   const char *mod, struct bj_verdict *out);
void bj_verdict_clear(struct bj_verdict *v);
void bj_verdicts_free(struct bj_verdict *v, size_t n);

#endif /* BPFJAIL_POLICY_H */
