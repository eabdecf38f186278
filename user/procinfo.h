/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFJAIL_PROCINFO_H
#define BPFJAIL_PROCINFO_H

#include <stdint.h>
#include <sys/types.h>

#define PF_KTHREAD 0x00200000

/* State char and flags of /proc/PID/stat; -ESRCH if there is no such process. */
int proc_stat(pid_t pid, char *state, unsigned long *flags);
/* Thread group of pid (Tgid: in /proc/PID/status); 0 if unknown. */
pid_t proc_tgid(pid_t pid);
/* Load bias of pid's executable (inode ino): start of its executable mapping
 * minus the page of the lowest executable segment's p_vaddr. */
int proc_bias(pid_t pid, uint64_t ino, uint64_t exec_vaddr, uint64_t *bias);

#endif
