/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this kernel really offers bpfjail, found by loading (and where safe,
 * attaching and exercising) tiny programs from bpf/probe.bpf.c rather than
 * by reading config files. `bpfjail probe` prints it; `run` can use it to
 * pick a mode.
 */
#ifndef BPFJAIL_KERNEL_PROBE_H
#define BPFJAIL_KERNEL_PROBE_H

#include <stdbool.h>

struct probe_result {
	char kernel[65];		/* uname -r */
	bool btf;			/* /sys/kernel/btf/vmlinux readable */
	char lockdown[32];		/* "none", "integrity", ... or "" if unknown */

	/* /sys/kernel/security/lsm (securityfs mounted here if absent) */
	bool lsm_list_known;
	int lsm_list_err;		/* errno when !lsm_list_known */
	char lsm_list[256];
	bool lsm_listed;		/* "bpf" is in the list */

	/* BPF LSM, found by doing it */
	bool lsm_loads;			/* BPF_PROG_LOAD of lsm/file_open worked */
	int lsm_load_err;		/* positive errno otherwise */
	bool lsm_attaches;
	int lsm_attach_err;
	bool enforce_verified;		/* the attached program made open() fail with EPERM */
	char enforce_detail[256];	/* what happened, in one line */

	/* kill and audit modes: tp_btf/sys_enter */
	bool tp_loads;
	int tp_load_err;
	bool tp_attaches;
	int tp_attach_err;
	bool tp_fires;			/* our own syscalls were seen */
	bool sig_loads;			/* tp_btf program calling bpf_send_signal() loads */
	int sig_load_err;

	long perf_max_stack;		/* kernel.perf_event_max_stack, -1 if unreadable */
};

/* Fill *r. Never fails as a whole: each item records its own errno. */
void probe_kernel(struct probe_result *r);

/* Mount securityfs at /sys/kernel/security if it is not there. 0 or -errno. */
int probe_ensure_securityfs(void);

/* Modes the result allows: enforce (verified LSM), kill, audit. */
static inline bool probe_can_enforce(const struct probe_result *r) { return r->enforce_verified; }
static inline bool probe_can_kill(const struct probe_result *r) { return r->tp_attaches && r->sig_loads; }
static inline bool probe_can_audit(const struct probe_result *r) { return r->tp_attaches; }

#endif
