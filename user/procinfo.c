// SPDX-License-Identifier: GPL-2.0
/* What /proc says about a process, for attach and the agent. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procinfo.h"

/* State char and flags of /proc/PID/stat; -ESRCH if there is no such process. */
int proc_stat(pid_t pid, char *state, unsigned long *flags)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %lu", state, flags) != 2)
		return -EINVAL;
	return 0;
}

/* Thread group of pid (Tgid: in /proc/PID/status); 0 if unknown. A thread's
 * ID has a /proc entry too, but jails are per process (tgid). */
pid_t proc_tgid(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* Load bias of pid's executable: start of its executable mapping of inode
 * ino minus the page of the lowest executable segment's p_vaddr. */
int proc_bias(pid_t pid, uint64_t ino, uint64_t exec_vaddr, uint64_t *bias)
{
	char path[64], line[4096];
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, inode;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu", &start, &end, perms, &off, &inode) != 5)
			continue;
		if (inode != ino || !strchr(perms, 'x'))
			continue;
		*bias = start - (exec_vaddr & ~0xfffull);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

