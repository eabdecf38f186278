/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the policy sources; not part of the API. */
#ifndef BPFJAIL_POLICY_INTERNAL_H
#define BPFJAIL_POLICY_INTERNAL_H

#include "policy.h"

/* Fill err (if non-NULL) and return -EINVAL. */
int bj_errf(struct bj_err *err, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* malloc'd printf; NULL on failure. */
char *bj_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Index of the rule for exactly mod, or -1. */
long bj_ruleset_find(const struct bj_ruleset *rs, const char *mod);
/* Append a rule (module copied, why taken over even on failure). Returns the
 * new rule or NULL on ENOMEM. */
struct bj_rule *bj_ruleset_add(struct bj_ruleset *rs, const char *mod, char *why);
void bj_ruleset_del(struct bj_ruleset *rs, size_t idx);
void bj_rule_clear(struct bj_rule *r);
/* Append a warning (taken over). -ENOMEM on failure. */
int bj_ruleset_warn(struct bj_ruleset *rs, char *msg);

/* Normalize an absolute path into out (BJ_PATH_MAX bytes): collapse "//",
 * drop a trailing "/". Returns 0, or -EINVAL with a reason in *why. */
int bj_path_normalize(const char *in, char *out, const char **why);

#endif
