/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel maps cannot say about a table (its binary, policy source,
 * confined modules), kept for `bpfjail list` in /run/bpfjail/<pin hash>/,
 * one JSON file per table slot. tmpfs: gone at reboot, like the pins.
 */
#ifndef BPFJAIL_TABLEMETA_H
#define BPFJAIL_TABLEMETA_H

#include <stdint.h>

#include "kernel/jail.h"
#include "runpolicy.h"

struct json_object;

/* Record table id: exe, the command that made it (policy_desc: "attach",
 * "run"), where the policy came from (from rp), mode, confined modules. */
int tablemeta_write(const struct bj_kernel *k, uint32_t id, const char *exe,
		    const char *policy_desc, const struct run_policy *rp, uint32_t mode, pid_t owner);
/* The record, or NULL (caller puts it). */
struct json_object *tablemeta_read(const struct bj_kernel *k, uint32_t id);
void tablemeta_remove(const struct bj_kernel *k, uint32_t id);

#endif
