/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy options shared by run and attach: --go-mod, --policy, --policy-file,
 * then policy + Go binary -> verdicts -> kernel table.
 */
#ifndef BPFJAIL_RUNPOLICY_H
#define BPFJAIL_RUNPOLICY_H

#include <stdbool.h>

#include "gosym/gosym.h"
#include "kernel/table.h"
#include "policy/policy.h"

struct run_policy {
	struct bj_policy policy;
	bool any_source;
	struct gosym_binary *bin;
	struct bj_verdict *verdicts;	/* per bin->modules[i] */
	size_t nverdicts;
	struct bj_tablebuild tb;
	bool have_tb;
	const char *display;		/* name for messages ("PID 42 (/usr/bin/x)"), or NULL */
};

void run_policy_init(struct run_policy *rp);
void run_policy_free(struct run_policy *rp);
/* c: 'g' --go-mod, 'P' --policy, 'f' --policy-file. Returns 0 or an exit status
 * (after printing the error). */
int run_policy_option(struct run_policy *rp, int c, const char *arg);
/* Load prog, check the main module, resolve, build the table. 0 or exit status. */
int run_policy_resolve(struct run_policy *rp, const char *prog, bool force, uint32_t mode,
		       uint32_t on_unknown);

#endif
