// SPDX-License-Identifier: GPL-2.0
/*
 * getpid_loop [N]: N (default 10 000 000) getpid system calls through
 * syscall(2) (no libc caching), timed with CLOCK_MONOTONIC (wall) and
 * CLOCK_PROCESS_CPUTIME_ID (CPU: time other processes take from this one's
 * CPU does not count). Prints "getpid n=N ns_per_call=X cpu_ns_per_call=Y".
 * What a syscall costs with a tp_btf/sys_enter program attached or not
 * (bench/sysenter.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	struct timespec a, b, ca, cb;
	double ns, cns;

	if (n <= 0) {
		fprintf(stderr, "usage: getpid_loop [N > 0]\n");
		return 2;
	}
	syscall(SYS_getpid); /* warm */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	cns = (cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec);
	printf("getpid n=%ld ns_per_call=%.1f cpu_ns_per_call=%.1f\n", n, ns / n, cns / n);
	return 0;
}
