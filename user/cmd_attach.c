// SPDX-License-Identifier: GPL-2.0
/*
 * bpfjail attach / detach / list / unload: jails of running processes. The
 * jail lives in the pinned maps, so it stays after the command returns,
 * until detach or the process's exit.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpfjail.h"
#include "kernel/jail.h"
#include "runmode.h"
#include "runpolicy.h"
#include "procinfo.h"
#include "tablemeta.h"


static void attach_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfjail attach [OPTIONS] PID\n"
		"\n"
		"Jail a running Go process: every thread now, every child from now on.\n"
		"The binary is read through /proc/PID/exe (a replaced or deleted file\n"
		"is fine), the load bias from /proc/PID/maps. The jail stays until\n"
		"'bpfjail detach PID' or the process exits.\n"
		"\n"
		"  --go-mod FILE, --policy MOD=confined|unconfined, --policy-file FILE\n"
		"                        the policy, as for 'run'\n"
		"  --mode auto|enforce|kill|audit, --require enforce   as for 'run'\n"
		"  --on-unknown deny|allow  when the stack can't be read fully (deny)\n"
		"  --force               attach even if the policy's main module differs\n"
		"  -j, --json            print the result as JSON\n");
}

/* Parse a PID argument; 0 if it is not one. */
static pid_t parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return 0;
	return v;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "go-mod", required_argument, 0, 'g' },
		{ "policy", required_argument, 0, 'P' },
		{ "policy-file", required_argument, 0, 'f' },
		{ "mode", required_argument, 0, 'm' },
		{ "require", required_argument, 0, 'r' },
		{ "on-unknown", required_argument, 0, 'u' },
		{ "force", no_argument, 0, 'F' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct bj_kernel k;
	uint32_t on_unknown = BJ_UNKNOWN_DENY, table_id = 0;
	char exe[PATH_MAX + 16] = "", procexe[64], err[512] = "", state;
	bool force = false, have_table = false;
	struct run_policy rp;
	struct run_mode rm;
	unsigned long flags;
	uint64_t bias = 0;
	struct stat st, st2;
	pid_t pid;
	ssize_t n;
	int c, ret;

	run_policy_init(&rp);
	run_mode_init(&rm);
	bj_kernel_init(&k);
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
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
			ret = run_mode_option(&rm, c, optarg, "attach");
			if (ret)
				goto out;
			break;
		case 'u':
			if (strcmp(optarg, "deny") && strcmp(optarg, "allow")) {
				ret = fail(EXIT_USAGE, "attach: --on-unknown must be deny or allow");
				goto out;
			}
			on_unknown = !strcmp(optarg, "allow") ? BJ_UNKNOWN_ALLOW : BJ_UNKNOWN_DENY;
			break;
		case 'F':
			force = true;
			break;
		case 'j':
			env.json = true;
			break;
		case 'h':
			attach_usage(stdout);
			ret = EXIT_OK;
			goto out;
		default:
			attach_usage(stderr);
			ret = EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc - 1) {
		ret = fail(EXIT_USAGE, "attach: expected one PID");
		goto out;
	}
	pid = parse_pid(argv[optind]);
	if (!pid) {
		ret = fail(EXIT_USAGE, "attach: '%s' is not a process ID", argv[optind]);
		goto out;
	}
	if (pid == getpid()) {
		ret = fail(EXIT_PROCESS, "attach: %d is bpfjail itself", pid);
		goto out;
	}
	ret = proc_stat(pid, &state, &flags);
	if (ret) {
		ret = fail(EXIT_PROCESS, "attach: no process with PID %d", pid);
		goto out;
	}
	if (flags & PF_KTHREAD) {
		ret = fail(EXIT_PROCESS, "attach: PID %d is a kernel thread", pid);
		goto out;
	}
	if (state == 'Z' || state == 'X') {
		ret = fail(EXIT_PROCESS, "attach: PID %d is a zombie (it has exited)", pid);
		goto out;
	}
	{
		pid_t tgid = proc_tgid(pid);

		if (tgid > 0 && tgid != pid) {
			ret = fail(EXIT_PROCESS, "attach: %d is a thread of process %d: attach %d (every "
				   "thread of a process is jailed)", pid, tgid, tgid);
			goto out;
		}
	}
	snprintf(procexe, sizeof(procexe), "/proc/%d/exe", pid);
	n = readlink(procexe, exe, sizeof(exe) - 1);
	if (n < 0 || stat(procexe, &st)) {
		ret = fail(EXIT_PROCESS, "attach: PID %d: cannot read its executable: %s", pid,
			   strerror(errno));
		goto out;
	}
	exe[n > 0 ? n : 0] = '\0';

	/* The binary as the process runs it, even if the file was replaced. */
	{
		static char display[PATH_MAX + 64];

		snprintf(display, sizeof(display), "attach: PID %d (%s)", pid, exe);
		rp.display = display;
	}
	ret = run_policy_resolve(&rp, procexe, force, rm.mode, on_unknown);
	if (ret)
		goto out;
	if (proc_bias(pid, st.st_ino, rp.tb.table.exec_vaddr, &bias)) {
		ret = fail(EXIT_PROCESS, "attach: PID %d: no executable mapping of %s in its maps", pid, exe);
		goto out;
	}
	ret = run_mode_open(&rm, &k, "attach");
	if (ret)
		goto out;
	rp.tb.table.mode = rm.mode;
	rp.tb.table.syscalls = rm.syscalls;
	{
		struct bj_proc p;

		if (bj_kernel_proc(&k, pid, &p) == 0) {
			ret = fail(EXIT_PROCESS, "attach: PID %d is already jailed (bpfjail detach %d first)",
				   pid, pid);
			goto out;
		}
	}
	/* Until the jail claims it, a concurrent sweep must not free the table. */
	ret = bj_kernel_lock(&k);
	if (ret) {
		ret = fail(EXIT_FAIL, "attach: /run/bpfjail.lock: %s", strerror(-ret));
		goto out;
	}
	ret = bj_kernel_add_table(&k, &rp.tb, &table_id, err, sizeof(err));
	if (ret) {
		ret = fail(EXIT_FAIL, "attach: %s", err);
		goto out;
	}
	have_table = true;
	ret = bj_kernel_jail(&k, pid, table_id, BJ_PROC_ACTIVE, bias);
	if (ret) {
		ret = fail(ret == -EEXIST ? EXIT_PROCESS : EXIT_FAIL, "attach: jailing PID %d: %s", pid,
			   ret == -EEXIST ? "already jailed" : strerror(-ret));
		goto out;
	}
	/* The PID could have been reused while we read the binary: same inode? */
	if (stat(procexe, &st2) || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
		bj_kernel_unjail(&k, pid);
		ret = fail(EXIT_PROCESS, "attach: PID %d exited or exec'd while attaching", pid);
		goto out;
	}
	have_table = false; /* in use now: kept */
	tablemeta_write(&k, table_id, exe, "attach", &rp, rm.mode, 0);
	bj_kernel_unlock(&k);

	if (env.json) {
		struct json_object *o = json_object_new_object(), *mods = json_object_new_array();

		json_object_object_add(o, "pid", json_object_new_int(pid));
		json_object_object_add(o, "exe", json_object_new_string(exe));
		json_object_object_add(o, "mode", json_object_new_string(run_mode_name(rm.mode)));
		json_object_object_add(o, "table", json_object_new_int(table_id));
		json_object_object_add(o, "ranges", json_object_new_int(rp.tb.nranges));
		for (size_t i = 0; i < rp.nverdicts; i++)
			if (rp.tb.module_group[i] >= 0)
				json_object_array_add(mods, json_object_new_string(rp.verdicts[i].module));
		json_object_object_add(o, "confined", mods);
		json_print(o);
		json_object_put(o);
	} else {
		printf("attached to PID %d (%s): mode %s, %u range(s), confined:", pid, exe,
		       run_mode_name(rm.mode), rp.tb.nranges);
		for (size_t i = 0; i < rp.nverdicts; i++)
			if (rp.tb.module_group[i] >= 0)
				printf(" %s", rp.verdicts[i].module);
		if (!rp.tb.nconfined)
			printf(" (none present in the binary)");
		putchar('\n');
	}
	ret = EXIT_OK;
out:
	if (have_table)
		bj_kernel_del_table(&k, table_id);
	bj_kernel_close(&k);
	run_policy_free(&rp);
	return ret;
}

/*
 * A table the agent made (tablemeta "command" "agent:POLICY"). The kernel's
 * `binaries` map jails every exec of its binary with it (MATCH -> table id)
 * even while no process uses it and while the agent is down: freeing it
 * would kill those execs ("table gone") or, once the slot is reused, jail
 * them with another binary's table. The agent frees its own tables, and a
 * restarted agent those of its predecessor it no longer needs (adopt()).
 */
static bool agent_table(struct json_object *meta)
{
	struct json_object *c;

	return meta && json_object_object_get_ex(meta, "command", &c) &&
	       !strncmp(json_object_get_string(c), "agent:", 6);
}

int cmd_detach(int argc, char **argv)
{
	struct bj_kernel k;
	struct bj_kernel_opts ko = { .no_load = true };
	struct bj_proc p;
	char err[512];
	pid_t pid;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: bpfjail detach PID\n\nEnd PID's jail (its children keep theirs).\n");
		return EXIT_OK;
	}
	if (argc != 2 || !(pid = parse_pid(argv[1])))
		return fail(EXIT_USAGE, "detach: expected one PID");
	ret = bj_kernel_open(&k, &ko, err, sizeof(err));
	if (ret)
		return fail(EXIT_PROCESS, "detach: PID %d is not jailed (%s)", pid, err);
	if (bj_kernel_proc(&k, pid, &p)) {
		bj_kernel_close(&k);
		return fail(EXIT_PROCESS, "detach: PID %d is not jailed", pid);
	}
	ret = bj_kernel_unjail(&k, pid);
	if (!ret && !bj_kernel_lock(&k) && !bj_kernel_table_in_use(&k, p.table)) {
		struct json_object *meta = tablemeta_read(&k, p.table);
		struct json_object *owner;
		pid_t o = 0;

		if (meta && json_object_object_get_ex(meta, "owner", &owner))
			o = json_object_get_int(owner);
		/* A running `bpfjail run` cleans its own table up; the agent's
		 * tables are also named by `binaries` entries (agent_table). */
		if ((!o || kill(o, 0)) && !agent_table(meta)) {
			bj_kernel_del_table(&k, p.table);
			tablemeta_remove(&k, p.table);
		}
		json_object_put(meta);
	}
	bj_kernel_close(&k); /* and the lock, if taken */
	if (ret)
		return fail(EXIT_FAIL, "detach: %s", strerror(-ret));
	if (env.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "detached", json_object_new_int(pid));
		json_print(o);
		json_object_put(o);
	} else {
		printf("detached PID %d\n", pid);
	}
	return EXIT_OK;
}

/* Tables that no jailed process uses and no live `run` owns: free them. */
static void collect_tables(struct bj_kernel *k)
{
	if (bj_kernel_lock(k))
		return; /* freeing is an optimization; never judge unlocked */
	for (uint32_t id = 0; id < BJ_MAX_TABLES; id++) {
		struct json_object *meta, *owner;
		struct bj_table t;
		pid_t o = 0;

		if (bj_kernel_get_table(k, id, &t) || bj_kernel_table_in_use(k, id))
			continue;
		meta = tablemeta_read(k, id);
		if (meta && json_object_object_get_ex(meta, "owner", &owner))
			o = json_object_get_int(owner);
		if ((o && kill(o, 0) == 0) || agent_table(meta)) {
			json_object_put(meta);
			continue;
		}
		json_object_put(meta);
		bj_kernel_del_table(k, id);
		tablemeta_remove(k, id);
	}
	bj_kernel_unlock(k);
}

int cmd_list(int argc, char **argv)
{
	struct bj_kernel k;
	struct bj_kernel_opts ko = { .no_load = true };
	struct json_object *arr = json_object_new_array();
	struct bj_proc p;
	char err[512];
	pid_t pid = 0;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			env.json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: bpfjail list [-j]\n\nEvery jailed process: pid, exe, policy, mode, confined modules, counters.\n");
			json_object_put(arr);
			return EXIT_OK;
		} else {
			json_object_put(arr);
			return fail(EXIT_USAGE, "list: unknown argument '%s'", argv[i]);
		}
	}
	ret = bj_kernel_open(&k, &ko, err, sizeof(err));
	if (ret == 0) {
		collect_tables(&k);
		while (bj_kernel_next_proc(&k, &pid, &p) == 0) {
			struct json_object *o = json_object_new_object(), *meta = tablemeta_read(&k, p.table), *v;
			char path[64], exe[PATH_MAX] = "?";
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%d/exe", pid);
			n = readlink(path, exe, sizeof(exe) - 1);
			if (n > 0)
				exe[n] = '\0';
			json_object_object_add(o, "pid", json_object_new_int(pid));
			json_object_object_add(o, "exe", json_object_new_string(exe));
			json_object_object_add(o, "state", json_object_new_string(
				p.state == BJ_PROC_ACTIVE ? "active" : "armed"));
			json_object_object_add(o, "table", json_object_new_int(p.table));
			json_object_object_add(o, "policy", meta && json_object_object_get_ex(meta, "policy", &v)
								    ? json_object_get(v) : NULL);
			json_object_object_add(o, "command", meta && json_object_object_get_ex(meta, "command", &v)
								     ? json_object_get(v) : NULL);
			json_object_object_add(o, "mode", meta && json_object_object_get_ex(meta, "mode", &v)
								  ? json_object_get(v) : NULL);
			json_object_object_add(o, "confined", meta && json_object_object_get_ex(meta, "confined", &v)
								      ? json_object_get(v) : json_object_new_array());
			json_object_object_add(o, "checked", json_object_new_int64(p.checked));
			json_object_object_add(o, "denied", json_object_new_int64(p.denied));
			json_object_object_add(o, "audited", json_object_new_int64(p.audited));
			json_object_object_add(o, "unknown", json_object_new_int64(p.unknown));
			json_object_array_add(arr, o);
			json_object_put(meta);
		}
		bj_kernel_close(&k);
	}
	if (env.json) {
		json_print(arr);
	} else {
		printf("%-8s %-8s %8s %7s %7s %7s  %-30s %-24s %s\n", "PID", "MODE", "CHECKED",
		       "DENIED", "AUDITED", "UNKNOWN", "EXE", "CONFINED", "POLICY");
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *o = json_object_array_get_idx(arr, i), *v, *m;
			const char *mode = "?", *pol = "?";

			if (json_object_object_get_ex(o, "mode", &v) && v)
				mode = json_object_get_string(v);
			if (json_object_object_get_ex(o, "policy", &v) && v)
				pol = json_object_get_string(v);
			json_object_object_get_ex(o, "confined", &m);
			printf("%-8d %-8s %8lld %7lld %7lld %7lld  %-30s ",
			       json_object_get_int(json_object_object_get(o, "pid")), mode,
			       (long long)json_object_get_int64(json_object_object_get(o, "checked")),
			       (long long)json_object_get_int64(json_object_object_get(o, "denied")),
			       (long long)json_object_get_int64(json_object_object_get(o, "audited")),
			       (long long)json_object_get_int64(json_object_object_get(o, "unknown")),
			       json_object_get_string(json_object_object_get(o, "exe")));
			{
				int w = 0;

				for (size_t j = 0; m && j < json_object_array_length(m); j++)
					w += printf("%s%s", j ? "," : "",
						    json_object_get_string(json_object_array_get_idx(m, j)));
				if (!m || !json_object_array_length(m))
					w += printf("-");
				printf("%*s %s\n", w < 24 ? 24 - w : 0, "", pol);
			}
		}
	}
	json_object_put(arr);
	return EXIT_OK;
}

int cmd_unload(int argc, char **argv)
{
	struct bj_kernel k;
	struct bj_kernel_opts ko = { .no_load = true };
	bool force = argc == 2 && !strcmp(argv[1], "--force");
	char err[512];
	pid_t pid = 0;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: bpfjail unload [--force]\n\nDetach and remove every pinned bpfjail program and map\n"
		       "(all versions). Refuses while a process is jailed, unless --force.\n");
		return EXIT_OK;
	}
	if (argc > 2 || (argc == 2 && !force))
		return fail(EXIT_USAGE, "unload: usage: bpfjail unload [--force]");
	(void)ko;
	(void)k;
	if (!force && bj_kernel_any_jailed(&pid))
		return fail(EXIT_PROCESS, "unload: PID %d (and maybe others) is jailed; "
			    "'bpfjail list' shows them, --force ends every jail", pid);
	if (bj_kernel_unload(err, sizeof(err)))
		return fail(EXIT_FAIL, "unload: %s", err);
	bj_rm_tree("/run/bpfjail");
	if (!env.json)
		printf("unloaded: no bpfjail program is attached\n");
	return EXIT_OK;
}
