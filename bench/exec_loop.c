// SPDX-License-Identifier: GPL-2.0
/*
 * bench/exec_loop.c: fork + execv + wait4 of one program N times, for
 * bench/agent.sh.
 *
 *   exec_loop N PROG [ARG...]
 *
 * The child's stdin, stdout and stderr are /dev/null. Every run must exit 0
 * (else exit 1, with the status). Prints one line:
 *
 *   n=N wall_ns=W cpu_ns=C child_cpu_ns=K self_cpu_ns=S max_wall_ns=M
 *
 * all per exec (averages) except max_wall_ns: W is the wall time from just
 * before fork to just after wait4 (CLOCK_MONOTONIC); K the child's user+sys
 * (wait4's rusage: the exec itself, the kernel's and BPF's work in the child,
 * the program's run); S this process's own user+sys over the loop (fork,
 * wait); C = K + S.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1e9 + tv.tv_usec * 1e3;
}

static double self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
}

int main(int argc, char **argv)
{
	double wall = 0, child = 0, max = 0, s0;
	long n;
	int null;

	if (argc < 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: exec_loop N PROG [ARG...]\n");
		return 2;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		perror("/dev/null");
		return 1;
	}
	s0 = self_cpu_ns();
	for (long i = 0; i < n; i++) {
		struct rusage ru;
		double t0 = now_ns(), dt;
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		while (wait4(pid, &status, 0, &ru) < 0) {
			if (errno != EINTR) {
				perror("wait4");
				return 1;
			}
		}
		dt = now_ns() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "exec_loop: %s: run %ld: %s %d\n", argv[2], i,
				WIFSIGNALED(status) ? "killed by signal" : "exit status",
				WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			return 1;
		}
		wall += dt;
		if (dt > max)
			max = dt;
		child += tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
	}
	{
		double self = self_cpu_ns() - s0;

		printf("n=%ld wall_ns=%.0f cpu_ns=%.0f child_cpu_ns=%.0f self_cpu_ns=%.0f max_wall_ns=%.0f\n", n,
		       wall / n, (child + self) / n, child / n, self / n, max);
	}
	return 0;
}
