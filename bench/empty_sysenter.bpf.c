// SPDX-License-Identifier: GPL-2.0
/* bench/sysenter.sh's baseline: the cheapest tp_btf/sys_enter program there
 * is. What every syscall of the host pays for any sys_enter program at all,
 * against which bpfjail's bj_sys_enter is compared. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}
