/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structures shared by bpf/jail.bpf.c and userspace (user/kernel/). Plain C
 * types only: the BPF side sees vmlinux.h's __u32..., userspace <linux/types.h>.
 *
 * Maps (docs/design.md has the full list):
 *   jails     HASH   tgid -> struct bj_proc        jailed or not
 *   jailbits  ARRAY  one bit per tgid: may be in jails (the unjailed path's one lookup)
 *   tables    ARRAY  table id -> struct bj_table   per (binary, policy)
 *   ranges    ARRAY  slot -> struct bj_range       every table's ranges, a slice each
 *   pathrules HASH   (table, dev, ino) -> groups granted per access letter
 *   events    ARRAY_OF_MAPS table id -> RINGBUF    struct bj_event, one ring per table
 *   stats     PERCPU_ARRAY                         global counters (enum bj_stat)
 *   binaries  HASH   (dev, ino) -> agent verdict;  agent ARRAY;  control RINGBUF
 *   scratch   PERCPU_ARRAY                         stack window + PCs of one decision
 */
#ifndef BPFJAIL_JAIL_H
#define BPFJAIL_JAIL_H

#include "../user/policy/classes.h"

#define BJ_MAX_TABLES 1024
#define BJ_MAX_RANGES (1u << 18)	/* 262144 slots, 16 bytes each: 4 MiB */
#define BJ_RANGE_SEARCH_STEPS 19	/* > log2(BJ_MAX_RANGES) */
#define BJ_MAX_JAILS 16384
/* jailbits: one bit per tgid below PID_MAX_LIMIT (4194304 on 64-bit), in one
 * mmapable array value of 512 KiB. */
#define BJ_JAILBITS_WORDS (4194304 / 64)
#define BJ_MAX_DEPTH 256		/* frames walked (bpf_get_stack mode: 127 max) */
#define BJ_EVENT_PCS 48			/* PCs carried by an event, leaf first */
#define BJ_STACK_WINDOW 2048		/* bytes of user stack copied in one read, at most */
#define BJ_FIRST_WINDOW 512		/* the first read, from the SP */
#define BJ_MAX_GROUPS 60		/* policy groups: bits 0..59 of a range mask */
#define BJ_MAX_PATHRULES 4096		/* (table, dev, ino) entries */
#define BJ_EVENTS_SIZE (256 * 1024)	/* one ring buffer per table */
#define BJ_PATH_DEPTH 40		/* dentries climbed looking for a rule */
#define BJ_HOT_WORDS 512		/* a table's chunk filter: 32768 bits */
#define BJ_HOT_MIN_SHIFT 4		/* chunks of at least 16 bytes */

/* Range mask: bits 0..59 = policy groups present here; high bits = flags. */
#define BJ_RANGE_FRAMELESS (1ull << 63)	/* SP delta 0 at SYSCALL: caller RA at [SP] */
#define BJ_RANGE_RA_R12 (1ull << 62)	/* caller RA in R12 (rawVforkSyscall) */
#define BJ_RANGE_IN_TEXT (1ull << 61)	/* lookup result only: pc is in the Go text */
#define BJ_RANGE_GROUPS ((1ull << BJ_MAX_GROUPS) - 1)

/* A PC range, as offsets from the table's text_start (Go text < 4 GiB). */
struct bj_range {
	__u32 start;
	__u32 end;	/* exclusive */
	__u64 mask;
};

/* Path rules: access letters r, w, x, c grant rpath, wpath, exec, cpath on an
 * object at or beneath a rule's directory (landlock-like, by inode). */
enum bj_access_idx {
	BJ_ACC_R = 0,
	BJ_ACC_W = 1,
	BJ_ACC_X = 2,
	BJ_ACC_C = 3,
	BJ_ACC_NONE = 4,
};

struct bj_pathkey {
	__u32 table;
	__u32 _pad;
	__u64 dev;	/* kernel s_dev */
	__u64 ino;
};

struct bj_pathval {
	__u64 groups[4];	/* per access letter: groups granted it here and below */
};

enum bj_mode {
	BJ_MODE_ENFORCE = 0,	/* LSM: -EPERM */
	BJ_MODE_AUDIT = 1,	/* log, allow */
	BJ_MODE_KILL = 2,	/* sys_enter: SIGKILL (kernels without BPF LSM) */
};

enum bj_unknown {
	BJ_UNKNOWN_DENY = 0,
	BJ_UNKNOWN_ALLOW = 1,
};

struct bj_table {
	__u64 text_start;	/* link-time Go text start */
	__u64 text_end;
	__u64 exec_vaddr;	/* lowest p_vaddr of an executable PT_LOAD: bias = mm->start_code - this */
	__u64 dev;		/* binary's st_dev (kernel encoding: new_encode_dev) */
	__u64 ino;
	__u32 range_off;	/* first slot in ranges */
	__u32 range_cnt;
	__u32 mode;		/* enum bj_mode */
	__u32 on_unknown;	/* enum bj_unknown */
	/* Classes denied to at least one group: others skip the stack walk. */
	__u32 guarded;
	__u32 ngroups;
	/* Per class: the groups that lack it. The verdict is one AND. */
	__u64 lacking[32];		/* indexed by class & 31 (BJ_CLASS__COUNT <= 32) */
	__u32 deny[BJ_MAX_GROUPS];	/* per group: BJ_CLASS_* mask it lacks (for display) */
	__u64 path_groups;	/* groups that have path rules (pathrules map) */
	__u32 walk_mode;	/* 0: FP walk in a stack copy, 1: bpf_get_task_stack, 2: both, compared */
	__u32 syscalls;		/* 1: judged at sys_enter (kill, or audit without LSM); 0: by LSM hooks */
	__u32 _pad2;
	__u32 max_depth;	/* frames walked, <= BJ_MAX_DEPTH */
	__u32 valid;		/* 0 = free slot */
	/* Unique per table written (CLOCK_MONOTONIC ns): a slot reused for
	 * another table never matches what a CPU cached of the old one. */
	__u64 stamp;
	/*
	 * Chunk filter for the walk (user/kernel/table.c, bj_hot_filter): the
	 * Go text in chunks of 1 << hot_shift bytes; bit c of hot[] is set when
	 * a range holding any group meets chunk c, and for the partial last
	 * chunk and every bit past the text. A clear bit: a whole chunk of text
	 * with no confined code, no range search.
	 */
	__u32 hot_shift;
	__u32 _pad;
	__u64 hot[BJ_HOT_WORDS];
};

/*
 * Agent (bpfjail agent): binaries it has judged, by (dev, ino). A matching
 * binary is jailed at exec, before its first instruction; an unknown one is
 * held (SIGSTOP) and reported on the control ring buffer while the agent is
 * alive (heartbeat), so the agent can look at it and continue it.
 */
#define BJ_MAX_BINARIES 65536
#define BJ_BIN_MATCH 1u		/* jail with .table */
#define BJ_BIN_NOMATCH 2u	/* run unjailed */
#define BJ_AGENT_STALE_NS (3ull * 1000 * 1000 * 1000)

struct bj_binkey {
	__u64 dev;
	__u64 ino;
};

struct bj_binval {
	__u32 table;
	__u32 flags;
};

struct bj_agent {
	__u64 heartbeat_ns;	/* bpf_ktime_get_ns() clock (CLOCK_MONOTONIC) */
	__u32 enabled;
	__u32 hold;		/* hold unknown binaries */
};

/* Control ring buffer: an exec the agent must judge (the task is stopped). */
struct bj_hold {
	__u64 ts;
	__u64 dev;
	__u64 ino;
	__u32 pid;
	__u32 _pad;
};

enum bj_proc_state {
	BJ_PROC_ARMED = 1,	/* jailed from its next exec of (dev, ino) on */
	BJ_PROC_ACTIVE = 2,	/* decisions apply */
};

#define BJ_PROC_F_IN_EXEC 1u	/* between bprm_committing_creds and sched_process_exec */

struct bj_proc {
	__u32 table;
	__u32 state;		/* enum bj_proc_state */
	__u32 flags;
	__u32 _pad;
	__u64 bias;		/* PIE load bias, computed at exec */
	/* Counters for `bpfjail list` (atomic adds). */
	__u64 checked;		/* decisions that walked the stack */
	__u64 denied;
	__u64 audited;
	__u64 unknown;
};

enum bj_outcome {
	BJ_ALLOW = 0,
	BJ_DENY = 1,		/* enforce: -EPERM returned */
	BJ_AUDIT = 2,		/* audit mode: would have denied */
	BJ_KILL = 3,		/* kill mode: SIGKILL sent */
};

/* Why a decision was not a plain stack match. */
enum bj_reason {
	BJ_REASON_CONFINED = 0,		/* a confined group on the stack lacks the class */
	BJ_REASON_TRUNCATED = 1,	/* walk hit the depth limit or a bad frame: unknown */
	BJ_REASON_NO_TEXT = 2,		/* no frame inside the binary's text: unknown */
	BJ_REASON_NO_TABLE = 3,		/* jailed, but its table is gone: fail closed */
	BJ_REASON_EXEC_MISMATCH = 4,	/* armed process exec'd another binary: killed */
	BJ_REASON_WALK_MISMATCH = 5,	/* compare mode: FP walk and kernel walk differ */
};

enum bj_op {
	BJ_OP_EXEC = 0, BJ_OP_OPEN_READ, BJ_OP_OPEN_WRITE, BJ_OP_STAT, BJ_OP_READLINK,
	BJ_OP_TRUNCATE, BJ_OP_CREATE, BJ_OP_MKDIR, BJ_OP_RMDIR, BJ_OP_UNLINK,
	BJ_OP_RENAME, BJ_OP_LINK, BJ_OP_SYMLINK, BJ_OP_MKNOD, BJ_OP_CHMOD, BJ_OP_CHOWN,
	BJ_OP_SETXATTR, BJ_OP_SOCKET, BJ_OP_CONNECT, BJ_OP_BIND, BJ_OP_LISTEN,
	BJ_OP_ACCEPT, BJ_OP_SENDTO, BJ_OP_FORK, BJ_OP_KILL, BJ_OP_SETPGID,
	BJ_OP_SETRLIMIT, BJ_OP_PTRACE, BJ_OP_SETUID, BJ_OP_SETGID, BJ_OP_SETGROUPS,
	BJ_OP_CAPSET, BJ_OP_MMAP_EXEC, BJ_OP_MPROTECT_EXEC, BJ_OP_IOCTL, BJ_OP_FCNTL,
	BJ_OP_MOUNT, BJ_OP_UMOUNT, BJ_OP_PIVOT_ROOT, BJ_OP_BPF, BJ_OP_KMOD,
	BJ_OP_SYSCALL,		/* kill/audit mode: a guarded syscall number */
	BJ_OP_COUNT,
};

struct bj_event {
	__u64 ts;		/* bpf_ktime_get_ns */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 table;
	__u16 op;		/* enum bj_op */
	__u8 class;		/* enum bj_class_idx */
	__u8 verdict;		/* enum bj_outcome */
	__u8 reason;		/* enum bj_reason */
	__u8 npcs;
	__u8 truncated;
	__u8 _pad;
	__u32 arg;		/* op detail: socket family, signal, syscall nr, ... */
	__u64 groups;		/* groups on the stack that lack the class */
	__u64 bias;
	char comm[16];
	__u64 pcs[BJ_EVENT_PCS];	/* runtime addresses (add nothing), leaf first */
};

enum bj_stat {
	BJ_STAT_DECISIONS = 0,	/* stack walks */
	BJ_STAT_DENIED,
	BJ_STAT_AUDITED,
	BJ_STAT_KILLED,
	BJ_STAT_UNKNOWN,
	BJ_STAT_TRUNCATED,
	BJ_STAT_EVENTS_DROPPED,	/* ring buffer full */
	BJ_STAT_WALK_MISMATCH,	/* compare mode: the two walks disagreed */
	BJ_STAT_AGENT_JAILED,	/* agent: processes jailed at exec */
	BJ_STAT_AGENT_HELD,	/* agent: execs held for a decision */
	BJ_STAT_AGENT_HOLD_LOST,/* agent: hold request dropped (control buffer full) */
	BJ_STAT_JAIL_FULL,	/* jails map full: a process could not be jailed */
	BJ_STAT_FRAME_READS,	/* fp walk: frames read on their own (outside a window) */
	BJ_STAT_WINDOW_COPIES,	/* fp walk: stack window copies (first and re-anchored) */
	BJ_STAT_SCRATCH_BUSY,	/* a decision found both scratch slots of its CPU held */
	BJ_STAT_COUNT,
};

#endif
