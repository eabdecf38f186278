// SPDX-License-Identifier: GPL-2.0
/*
 * getpid_loop [N]: N (default 10 000 000) getpid system calls through
 * syscall(2) (no libc caching), timed with CLOCK_MONOTONIC. Prints
 * "getpid n=N ns_per_call=X". What a syscall costs this process with a
 * tp_btf/sys_enter program attached or not (bench/sysenter.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	struct timespec a, b;
	double ns;

	if (n <= 0) {
		fprintf(stderr, "usage: getpid_loop [N > 0]\n");
		return 2;
	}
	syscall(SYS_getpid); /* warm */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("getpid n=%ld ns_per_call=%.1f\n", n, ns / n);
	return 0;
}
