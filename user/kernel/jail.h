/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only code that touches libbpf for jails: load bpf/jail.bpf.c, fill its
 * maps, read its events.
 */
#ifndef BPFJAIL_KERNEL_JAIL_H
#define BPFJAIL_KERNEL_JAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/table.h"

struct jail_bpf;
struct ring_buffer;

struct bj_kernel {
	struct jail_bpf *skel;
	struct ring_buffer *rb;
	bool lsm;		/* LSM hooks loaded and attached */
	int nhooks;		/* LSM programs attached */
	int nskipped;		/* LSM programs this kernel has no hook for */
	char skipped[512];	/* their names */
};

struct bj_kernel_opts {
	bool lsm;		/* load + attach the LSM hooks (enforce/audit) */
	bool syscalls;		/* load + attach tp_btf/sys_enter (kill/audit without LSM) */
	uint32_t walk_mode;	/* 0: FP walk in a stack copy, 1: bpf_get_stack */
	uint32_t max_depth;	/* 0: BJ_MAX_DEPTH */
};

typedef int (*bj_event_fn)(void *ctx, const struct bj_event *e);

/* Load and attach. Returns 0 or a negative errno; err gets one line. An LSM
 * load refused by the kernel returns -EPERM/-EINVAL with "BPF LSM ..." */
int bj_kernel_open(struct bj_kernel *k, const struct bj_kernel_opts *o, bj_event_fn fn,
		   void *fnctx, char *err, size_t errlen);
void bj_kernel_close(struct bj_kernel *k);

/* Store a table and its ranges; *id gets its slot. */
int bj_kernel_add_table(struct bj_kernel *k, const struct bj_tablebuild *tb, uint32_t *id,
			char *err, size_t errlen);
int bj_kernel_del_table(struct bj_kernel *k, uint32_t id);

/* Jail a process (tgid) with table id. state: BJ_PROC_ARMED / BJ_PROC_ACTIVE. */
int bj_kernel_jail(struct bj_kernel *k, pid_t pid, uint32_t table, uint32_t state, uint64_t bias);
int bj_kernel_unjail(struct bj_kernel *k, pid_t pid);
/* Read a process's jail; -ENOENT if not jailed. */
int bj_kernel_proc(struct bj_kernel *k, pid_t pid, struct bj_proc *out);

/* Global counters summed over CPUs (enum bj_stat). */
int bj_kernel_stats(struct bj_kernel *k, uint64_t out[BJ_STAT_COUNT]);

/* Poll events for up to timeout_ms; returns events handled or -errno. */
int bj_kernel_poll(struct bj_kernel *k, int timeout_ms);
int bj_kernel_events_fd(struct bj_kernel *k);
int bj_kernel_consume(struct bj_kernel *k);

#endif
