// SPDX-License-Identifier: GPL-2.0
/*
 * `bpfjail probe`: tiny programs that find out what this kernel really
 * allows. Each program is loaded on its own (the others have autoload off),
 * so one refused program type does not hide the others.
 *
 * probe_file_open  BPF LSM: deny file_open with -EPERM for exactly one file
 *                  (target_dev/target_ino) opened by exactly one process
 *                  (target_tgid, the probe itself). Nothing else is affected.
 * probe_sys_enter  tp_btf/sys_enter: count the probe's own syscalls.
 * probe_send_signal tp_btf/sys_enter calling bpf_send_signal(); fire_signal
 *                  is never set, so it only proves the helper is allowed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* vmlinux.h has no errno.h / signal.h macros. */
#define PROBE_EPERM	1
#define PROBE_SIGKILL	9

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile __u32 target_tgid = 0;
const volatile __u64 target_ino = 0;
const volatile __u32 target_dev = 0;	/* kernel dev_t: major << 20 | minor */

/* Read back by user space (mmapped .bss). */
__u64 denied = 0;		/* file_open calls this program denied */
__u64 sys_enter_hits = 0;	/* syscalls of target_tgid seen by tp_btf */
__u32 fire_signal = 0;		/* never set: keeps bpf_send_signal() reachable */

static __always_inline bool is_target(void)
{
	return (__u32)(bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("lsm/file_open")
int BPF_PROG(probe_file_open, struct file *file, int ret)
{
	struct inode *inode;

	if (ret)
		return ret;	/* an earlier BPF LSM program already decided */
	if (!target_tgid || !is_target())
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode || BPF_CORE_READ(inode, i_ino) != target_ino ||
	    BPF_CORE_READ(inode, i_sb, s_dev) != target_dev)
		return 0;
	__sync_fetch_and_add(&denied, 1);
	return -PROBE_EPERM;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_sys_enter, struct pt_regs *regs, long id)
{
	if (target_tgid && is_target())
		__sync_fetch_and_add(&sys_enter_hits, 1);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_send_signal, struct pt_regs *regs, long id)
{
	/* fire_signal lives in .bss (writable), so the verifier cannot prune
	 * this call: loading proves bpf_send_signal is allowed here. */
	if (fire_signal && target_tgid && is_target())
		bpf_send_signal(PROBE_SIGKILL);
	return 0;
}
