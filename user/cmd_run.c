// SPDX-License-Identifier: GPL-2.0
/*
 * bpfjail run: start PROG with its confined modules jailed from its first
 * instruction. The child is armed (jailed for its next exec of PROG's inode)
 * before it may exec; the exec tracepoint activates the jail, so there is no
 * window where PROG runs unconfined, and an exec of anything else is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfjail.h"
#include "events.h"
#include "kernel/jail.h"
#include "loader.h"
#include "policy/policy.h"
#include "runmode.h"
#include "runpolicy.h"
#include "tablemeta.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfjail run [OPTIONS] -- PROG [ARGS...]\n"
		"\n"
		"Run PROG with the modules the policy confines jailed: the kernel denies\n"
		"their guarded operations with EPERM (docs/policy.md).\n"
		"\n"
		"  --go-mod FILE         gomodjail-style go.mod comments\n"
		"  --policy MOD=confined|unconfined   override (repeatable)\n"
		"  --policy-file FILE    native YAML policy (grants, path rules)\n"
		"  --mode MODE           auto (default): enforce where BPF LSM works, else kill;\n"
		"                        enforce: EPERM before the operation (BPF LSM);\n"
		"                        kill: SIGKILL at the guarded syscall (any kernel);\n"
		"                        audit: log what would be denied, deny nothing\n"
		"  --require enforce     fail (exit 5) unless BPF LSM enforcement is available\n"
		"  --on-unknown deny|allow  when the stack can't be read fully (default deny)\n"
		"  --json-log            log denials as JSON lines instead of logfmt\n"
		"  --force               run even if the policy's main module is not PROG's\n"
		"  --stack-walk fp|kernel|compare  walk frame pointers in a stack copy\n"
		"                        (default), use the kernel's walk (reference,\n"
		"                        slower), or both, logging msg=allowed\n"
		"                        reason=walk-mismatch where they differ\n"
		"\n"
		"Exit status: PROG's own (128+N if killed by signal N); bpfjail's failures:\n"
		"2 usage/policy, 3 bad PROG or policy file, 4 PROG is not a readable Go\n"
		"binary, 5 BPF LSM required (--mode enforce, --require enforce) but not\n"
		"usable, 1 other; 126 PROG not executable, 127 PROG not found.\n");
}

/* execvp's search, done up front: the jail must know the file's inode. */
static int resolve_prog(const char *prog, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (strchr(prog, '/')) {
		if (stat(prog, &st))
			return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_EXEC_FAIL;
		if (!S_ISREG(st.st_mode) || access(prog, X_OK))
			return EXIT_EXEC_FAIL;
		snprintf(out, outlen, "%s", prog);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);

		snprintf(out, outlen, "%.*s%s%s", (int)len, path, len ? "/" : "", prog);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		path += len + (colon ? 1 : 0);
	}
	return EXIT_NOT_FOUND;
}

/* -v: what each phase costs (the VM runs under TCG, where it matters). */
static void phase(const char *what)
{
	static struct timespec t0;
	struct timespec t;

	if (!env.verbose)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!t0.tv_sec)
		t0 = t;
	fprintf(stderr, "bpfjail: +%.0f ms %s\n",
		(t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6, what);
}

static int on_event(void *ctx, const struct bj_event *e)
{
	return bj_logger_event(ctx, e);
}

/* Signals PROG should see when they are sent to bpfjail. */
static const int fwd_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				   SIGALRM, SIGWINCH, SIGCONT };

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "go-mod", required_argument, 0, 'g' },
		{ "policy", required_argument, 0, 'P' },
		{ "policy-file", required_argument, 0, 'f' },
		{ "mode", required_argument, 0, 'm' },
		{ "on-unknown", required_argument, 0, 'u' },
		{ "json-log", no_argument, 0, 'J' },
		{ "force", no_argument, 0, 'F' },
		{ "stack-walk", required_argument, 0, 'w' },
		{ "require", required_argument, 0, 'r' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct run_policy rp;
	struct bj_kernel k;
	uint32_t walk_mode = 0;
	struct bj_logger logger;
	struct bj_logtable lt;
	uint32_t on_unknown = BJ_UNKNOWN_DENY, table_id = 0;
	struct run_mode rm;
	bool json_log = false, force = false, have_table = false;
	char prog[4096], err[512] = "";
	int c, ret, status = 0, sfd = -1, sync_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	sigset_t mask, oldmask;
	pid_t child = -1;

	run_policy_init(&rp);
	run_mode_init(&rm);
	bj_kernel_init(&k);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
		case 'P':
		case 'f':
			ret = run_policy_option(&rp, c, optarg);
			if (ret)
				goto out;
			break;
		case 'm':
		case 'r':
			ret = run_mode_option(&rm, c, optarg, "run");
			if (ret)
				goto out;
			break;
		case 'u':
			if (!strcmp(optarg, "deny"))
				on_unknown = BJ_UNKNOWN_DENY;
			else if (!strcmp(optarg, "allow"))
				on_unknown = BJ_UNKNOWN_ALLOW;
			else {
				ret = fail(EXIT_USAGE, "run: --on-unknown must be deny or allow, not '%s'", optarg);
				goto out;
			}
			break;
		case 'J':
			json_log = true;
			break;
		case 'F':
			force = true;
			break;
		case 'w':
			if (!strcmp(optarg, "fp"))
				walk_mode = 0;
			else if (!strcmp(optarg, "kernel"))
				walk_mode = 1;
			else if (!strcmp(optarg, "compare"))
				walk_mode = 2;
			else {
				ret = fail(EXIT_USAGE, "run: --stack-walk must be fp, kernel or compare");
				goto out;
			}
			break;
		case 'h':
			run_usage(stdout);
			ret = EXIT_OK;
			goto out;
		default:
			run_usage(stderr);
			ret = EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		ret = fail(EXIT_USAGE, "run: missing PROG (usage: bpfjail run [OPTIONS] -- PROG [ARGS...])");
		goto out;
	}
	ret = resolve_prog(argv[optind], prog, sizeof(prog));
	if (ret) {
		fail(ret, "run: %s: %s", argv[optind],
		     ret == EXIT_NOT_FOUND ? "not found" : "not an executable file");
		goto out;
	}

	phase("start");
	/* Policy + binary -> table. Any failure here means no enforcement: stop. */
	ret = run_policy_resolve(&rp, prog, force, rm.mode, on_unknown);
	if (ret)
		goto out;
	{
		/* Modules the policy names are in rp.bin even when PROG lacks
		 * them (they help attribute code without buildinfo): count only
		 * confined modules that own code (a range) in PROG. */
		uint32_t present = 0;

		for (uint32_t m = 0; m < rp.bin->nmodules; m++)
			if (rp.tb.module_group[m] >= 0 && rp.bin->modules[m].nranges)
				present++;
		if (present == 0)
			warnx_("no module that the policy confines is present in %s: nothing to enforce", prog);
	}

	phase("policy and binary read");
	rp.tb.table.walk_mode = walk_mode;
	ret = run_mode_open(&rm, &k, "run");
	phase("programs loaded and attached");
	if (ret)
		goto out;
	rp.tb.table.mode = rm.mode;
	rp.tb.table.syscalls = rm.syscalls;
	/* The owner record claims the table: no sweep frees it before. */
	ret = bj_kernel_lock(&k);
	if (ret) {
		ret = fail(EXIT_FAIL, "run: /run/bpfjail.lock: %s", strerror(-ret));
		goto out;
	}
	ret = bj_kernel_add_table(&k, &rp.tb, &table_id, err, sizeof(err));
	if (!ret)
		tablemeta_write(&k, table_id, prog, "run", &rp, rm.mode, getpid());
	bj_kernel_unlock(&k);
	if (ret) {
		ret = fail(EXIT_FAIL, "run: %s", err);
		goto out;
	}
	have_table = true;
	bj_logger_init(&logger, stderr, json_log);
	ret = bj_kernel_watch(&k, table_id, on_event, &logger);
	if (ret) {
		ret = fail(EXIT_FAIL, "run: event ring buffer: %s", strerror(-ret));
		goto out;
	}
	lt.bin = rp.bin;
	lt.tb = &rp.tb;
	lt.exe = prog;
	bj_logger_add_table(&logger, table_id, &lt);
	if (env.verbose)
		fprintf(stderr, "bpfjail: %s: %u confined module(s) in %u group(s), %u ranges, %d LSM hooks%s%s\n",
			prog, rp.tb.nconfined, rp.tb.ngroups, rp.tb.nranges, k.nhooks,
			k.nskipped ? "; kernel lacks: " : "", k.nskipped ? k.skipped : "");

	/* Signals arrive through a signalfd; the child gets the old mask back. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		sigaddset(&mask, fwd_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0 || pipe2(sync_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) {
		ret = fail(EXIT_FAIL, "run: %s", strerror(errno));
		goto out;
	}

	child = fork();
	if (child < 0) {
		ret = fail(EXIT_FAIL, "run: fork: %s", strerror(errno));
		goto out;
	}
	if (child == 0) {
		char go;
		int e;

		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		close(sync_pipe[1]);
		close(err_pipe[0]);
		/* Wait until the parent armed our jail; EOF means it gave up. */
		if (read(sync_pipe[0], &go, 1) != 1)
			_exit(EXIT_FAIL);
		execv(prog, argv + optind);
		e = errno;
		if (write(err_pipe[1], &e, sizeof(e)) < 0)
			_exit(EXIT_EXEC_FAIL);
		_exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_EXEC_FAIL);
	}
	close(sync_pipe[0]);
	sync_pipe[0] = -1;
	close(err_pipe[1]);
	err_pipe[1] = -1;

	ret = bj_kernel_jail(&k, child, table_id, BJ_PROC_ARMED, 0);
	if (ret) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		ret = fail(EXIT_FAIL, "run: jailing pid %d: %s", child, strerror(-ret));
		goto out;
	}
	if (write(sync_pipe[1], "g", 1) != 1) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		ret = fail(EXIT_FAIL, "run: cannot start the child: %s", strerror(errno));
		goto out;
	}
	close(sync_pipe[1]);
	sync_pipe[1] = -1;

	/* exec done (EOF) or failed (errno). Then the jail must be active. */
	{
		int e = 0;
		ssize_t n = read(err_pipe[0], &e, sizeof(e));
		struct bj_proc p;

		if (n == sizeof(e)) {
			waitpid(child, &status, 0);
			ret = fail(e == ENOENT ? EXIT_NOT_FOUND : EXIT_EXEC_FAIL, "run: %s: %s", prog, strerror(e));
			child = -1;
			goto out;
		}
		if (bj_kernel_proc(&k, child, &p) == 0 && p.state != BJ_PROC_ACTIVE) {
			kill(child, SIGKILL);
			ret = fail(EXIT_FAIL, "run: pid %d exec'd but its jail is not active: killed", child);
			waitpid(child, NULL, 0);
			child = -1;
			goto out;
		}
	}

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = bj_kernel_events_fd(&k), .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			bj_kernel_consume(&k);
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGCHLD) {
				pid_t w = waitpid(child, &status, WNOHANG);

				if (w == child)
					break;
				continue;
			}
			/*
			 * The terminal sends SIGINT/SIGQUIT/SIGWINCH to the whole
			 * foreground group, PROG included: forward only what was
			 * sent to bpfjail alone (by kill(2) and friends).
			 */
			if (si.ssi_code == SI_KERNEL &&
			    (si.ssi_signo == SIGINT || si.ssi_signo == SIGQUIT || si.ssi_signo == SIGWINCH))
				continue;
			kill(child, si.ssi_signo);
		}
	}
	child = -1;
	phase("program exited");
	bj_kernel_consume(&k); /* the last events before exit */
	if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret = 128 + WTERMSIG(status);
	else
		ret = EXIT_FAIL;
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		if (sync_pipe[i] >= 0)
			close(sync_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	if (sfd >= 0)
		close(sfd);
	if (have_table) {
		/* Children that outlive PROG keep their jail: the table stays
		 * until the last of them is gone (`bpfjail list` collects it). */
		if (!bj_kernel_table_in_use(&k, table_id)) {
			bj_kernel_del_table(&k, table_id);
			tablemeta_remove(&k, table_id);
		}
	}
	bj_kernel_close(&k);
	run_policy_free(&rp);
	phase("cleaned up");
	return ret;
}
