// SPDX-License-Identifier: GPL-2.0
/* bench/enforce-vm.sh's floor for test d: the cheapest lsm/file_open program
 * there is. What every open of every process pays for any BPF LSM program on
 * that hook at all (the BPF trampoline), against which bpfjail's unjailed
 * path (one lookup, then leave) is compared. Attached by bench/empty_sysenter.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(empty_file_open, struct file *file, int ret)
{
	return ret;
}
