/* SPDX-License-Identifier: GPL-2.0 */
/* --mode / --require for run and attach, and opening the kernel side to match. */
#ifndef BPFJAIL_RUNMODE_H
#define BPFJAIL_RUNMODE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/jail.h"

struct run_mode {
	uint32_t mode;		/* enum bj_mode */
	bool mode_auto;		/* --mode auto (the default) */
	bool require_enforce;	/* --require enforce */
	bool syscalls;		/* after open: judged at sys_enter */
};

void run_mode_init(struct run_mode *m);
/* Parse --mode ARG ('m') or --require ARG ('r'). 0 or an exit status. */
int run_mode_option(struct run_mode *m, int c, const char *arg, const char *cmd);
/* Open the pinned kernel state for the mode, falling back from LSM to
 * sys_enter where allowed (and saying so). 0 or an exit status. */
int run_mode_open(struct run_mode *m, struct bj_kernel *k, const char *cmd);
const char *run_mode_name(uint32_t mode);

#endif
