/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only code that touches libbpf for jails. The programs of
 * bpf/jail.bpf.c are loaded once per host and pinned with their maps and
 * links under /sys/fs/bpf/bpfjail/<object hash>/; every later bpfjail
 * invocation reuses them, so jails outlive the command that made them and
 * no second set of programs is ever loaded.
 *
 *   <dir>/maps/<map name>   every map of bpf/jail.bpf.c (bpf/jail.h lists them)
 *   <dir>/links/<program name>
 */
#ifndef BPFJAIL_KERNEL_JAIL_H
#define BPFJAIL_KERNEL_JAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/table.h"

#define BJ_PIN_ROOT "/sys/fs/bpf/bpfjail"

struct ring_buffer;

struct bj_kernel {
	int fd_jails, fd_tables, fd_ranges, fd_pathrules, fd_events, fd_stats;
	int fd_binaries, fd_agent, fd_control, fd_jailbits;
	uint64_t *jailbits;	/* fd_jailbits mmapped (bj_kernel_jail), or NULL */
	bool lsm;		/* LSM hooks are attached (enforce/audit) */
	bool syscalls;		/* tp_btf/sys_enter is attached (kill/audit without LSM) */
	bool loaded_now;	/* this invocation loaded programs (vs reused pins) */
	int nhooks;		/* LSM programs attached */
	int nskipped;		/* LSM programs this kernel has no hook for */
	char skipped[512];	/* their names */
	char dir[128];		/* pin directory */
	/* Events of the one table this handle consumes (bj_kernel_watch). */
	struct ring_buffer *rb;
	int fd_rb;
	uint32_t rb_table;
	/* Inside bj_kernel_consume: rings added now wait until it returns
	 * (libbpf's poll loop must not see its ring array reallocated). */
	bool consuming;
	/* bj_kernel_lock: the host-wide lock, reentrant within this handle. */
	int lock_fd;
	int lock_depth;
};

struct bj_kernel_opts {
	bool lsm;		/* need the LSM hooks (enforce/audit) */
	bool syscalls;		/* need tp_btf/sys_enter (kill/audit without LSM) */
	bool no_load;		/* only reuse pinned state: -ENOENT if there is none */
	/* Size of the binaries map if this call creates the maps (0:
	 * BJ_MAX_BINARIES). Pinned maps keep theirs: bj_kernel_bin_capacity. */
	uint32_t max_binaries;
};

typedef int (*bj_event_fn)(void *ctx, const struct bj_event *e);

/*
 * The host-wide lock (flock on /run/bpfjail.lock) that every bpfjail process
 * takes to change tables: allocating a slot, and "unused? then free" sweeps.
 * Hold it across add_table and the jail (or owner record) that claims the
 * table, so that a concurrent sweep cannot free a table before it is used.
 * Reentrant within one handle; add/del_table take it themselves.
 */
int bj_kernel_lock(struct bj_kernel *k);
void bj_kernel_unlock(struct bj_kernel *k);

/* A closed handle (every fd -1): safe to bj_kernel_close before open. */
void bj_kernel_init(struct bj_kernel *k);

/*
 * Reuse the pinned programs and maps, loading and pinning whatever the
 * options need that is not there yet. Returns 0 or a negative errno; err
 * gets one line. A kernel that refuses LSM programs gives -EPERM and an
 * error starting with "BPF LSM".
 */
int bj_kernel_open(struct bj_kernel *k, const struct bj_kernel_opts *o, char *err, size_t errlen);
void bj_kernel_close(struct bj_kernel *k);

/* Store a table with its ranges and path rules; *id gets its slot. */
int bj_kernel_add_table(struct bj_kernel *k, const struct bj_tablebuild *tb, uint32_t *id,
			char *err, size_t errlen);
int bj_kernel_del_table(struct bj_kernel *k, uint32_t id);
int bj_kernel_get_table(struct bj_kernel *k, uint32_t id, struct bj_table *out);

/* Give table id a ring buffer and consume its events with fn. */
int bj_kernel_watch(struct bj_kernel *k, uint32_t table, bj_event_fn fn, void *ctx);
int bj_kernel_events_fd(struct bj_kernel *k);
int bj_kernel_consume(struct bj_kernel *k);

/* Jail a process (tgid) with table id. state: BJ_PROC_ARMED / BJ_PROC_ACTIVE. */
int bj_kernel_jail(struct bj_kernel *k, pid_t pid, uint32_t table, uint32_t state, uint64_t bias);
int bj_kernel_unjail(struct bj_kernel *k, pid_t pid);
/* Read a process's jail; -ENOENT if not jailed. */
int bj_kernel_proc(struct bj_kernel *k, pid_t pid, struct bj_proc *out);
/* Iterate jailed processes: *pid = 0 to start; returns 0, or -ENOENT at the end. */
int bj_kernel_next_proc(struct bj_kernel *k, pid_t *pid, struct bj_proc *out);

/* Does any jailed process still use table id? */
bool bj_kernel_table_in_use(struct bj_kernel *k, uint32_t id);

/* Global counters summed over CPUs (enum bj_stat). */
int bj_kernel_stats(struct bj_kernel *k, uint64_t out[BJ_STAT_COUNT]);

/* ---- agent ---- */
/* Enable exec matching; hold: also hold unknown binaries. Then heartbeat at
 * least every second or the kernel stops holding (a dead agent must not
 * leave every new binary stopped). */
int bj_kernel_agent_set(struct bj_kernel *k, bool enabled, bool hold);
int bj_kernel_agent_heartbeat(struct bj_kernel *k);
/* Verdict for a binary (dev in kernel encoding): match -> table, or no match. */
int bj_kernel_bin_set(struct bj_kernel *k, uint64_t dev, uint64_t ino, bool match, uint32_t table);
int bj_kernel_bin_del(struct bj_kernel *k, uint64_t dev, uint64_t ino);
int bj_kernel_bin_count(struct bj_kernel *k, uint32_t *n);
/* The binaries map's size in force, chosen by whoever created the maps. */
int bj_kernel_bin_capacity(struct bj_kernel *k, uint32_t *n);
/* Forget every "no match" verdict (after a policy change). */
int bj_kernel_bins_clear_nomatch(struct bj_kernel *k);
/* Change a jailed process's entry (e.g. to another table). */
int bj_kernel_proc_update(struct bj_kernel *k, pid_t pid, const struct bj_proc *p);
/* Hold requests: fn(ctx, hold) for each; fd to poll. */
typedef int (*bj_hold_fn)(void *ctx, const struct bj_hold *h);
int bj_kernel_watch_holds(struct bj_kernel *k, bj_hold_fn fn, void *ctx);
/* Add another table's events to the same ring buffer set (after watch or
 * watch_holds): the agent reads every table it made from one epoll fd. */
int bj_kernel_watch_more(struct bj_kernel *k, uint32_t table, bj_event_fn fn, void *ctx);
int bj_kernel_unwatch(struct bj_kernel *k, uint32_t table);

/* rm -r DIR (bpffs or tmpfs); 0 or -errno. */
int bj_rm_tree(const char *dir);

/* Is any process jailed, by any pinned version? *pid gets one. */
bool bj_kernel_any_jailed(pid_t *pid);

/* Remove every pinned program, link and map (all jails end). */
int bj_kernel_unload(char *err, size_t errlen);

#endif
