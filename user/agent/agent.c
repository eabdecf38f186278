// SPDX-License-Identifier: GPL-2.0
/*
 * bpfjail agent: jail every process that execs a binary a policy selects,
 * host-wide, before its first instruction.
 *
 *   kernel (bpf/jail.bpf.c, agent_exec)          agent (this file)
 *   exec of (dev, ino) in `binaries`:            preload: binaries named by path
 *     MATCH   -> jailed now                        globs are judged at start and
 *     NOMATCH -> runs                              reload, so their execs never wait
 *     unknown -> SIGSTOP + hold request  ------>   judge: gosym + selectors
 *                                                  match: table, jail, MATCH
 *                SIGCONT  <-------------------    else:  NOMATCH
 *
 * A matched process is jailed (its table in force) before it is continued,
 * so confined code never runs unjailed. If its table cannot be made, the
 * policy's fail_mode decides: deny kills it, allow continues it unjailed
 * (counted). Holds stop by themselves when the agent stops heartbeating,
 * while jails and MATCH entries stay pinned and keep enforcing: a restarted
 * agent adopts them (its tables are rebuilt and the jails re-pointed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bpfjail.h"
#include "events.h"
#include "gosym/gosym.h"
#include "kernel/jail.h"
#include "kernel/table.h"
#include "procinfo.h"
#include "runpolicy.h"
#include "tablemeta.h"

#include "agent/config.h"
#include "agent/eventlog.h"
#include "agent/metrics.h"
#include "agent/selector.h"
#include "agent/watch.h"

#define HEARTBEAT_MS 250
#define AGENT_META_PREFIX "agent:"

/* A binary a policy matched, with its table in the kernel. */
struct abin {
	struct abin *next;
	struct agent *a;
	uint64_t dev, ino;		/* kernel dev encoding */
	uint32_t table;
	char *exe;
	char *policy;			/* policy file name */
	uint8_t digest[BJ_SHA256_LEN];	/* of that policy file when built */
	char binid[72];
	struct gosym_binary *bin;
	struct bj_verdict *verdicts;
	size_t nverdicts;
	struct bj_tablebuild tb;
	struct bj_logtable lt;
	uint32_t mode;
};

struct agent {
	struct bj_agent_config cfg;
	struct bj_policyset *pols;
	struct bj_kernel k;
	bool lsm_ok;
	bool syscalls_on;
	uint32_t bin_capacity;	/* the binaries map's size in force */
	struct eventlog *log;
	struct metrics *m;
	struct agent_metrics am;
	struct metrics_server *srv;
	struct abin *bins;
	uint32_t nbins;
	struct bj_watch watch;
	bool reload_pending;
	uint64_t holds_late;
	/* Jailed processes seen (scans of the jails map, and our own jailing),
	 * so that their exit can be reported as a `released` event. */
	struct jpid *known;
	size_t nknown;
	struct jpid *scan;
	uint64_t last_sweep_ns;
};

struct jpid {
	pid_t pid;
	uint32_t table;
	/* What its `released` event says, copied while the binary's entry
	 * exists (a reload may drop the entry before the process exits). */
	char *exe, *binary, *policy;
	uint32_t mode;
	bool ours;
};

static void known_add(struct agent *a, pid_t pid, uint32_t table);

static volatile sig_atomic_t stop;

static const char *mode_word(uint32_t mode)
{
	return mode == BJ_MODE_KILL ? "kill" : mode == BJ_MODE_AUDIT ? "audit" : "enforce";
}

static const char *verdict_word(uint32_t v)
{
	switch (v) {
	case BJ_DENY: return "deny";
	case BJ_AUDIT: return "audit";
	case BJ_KILL: return "kill";
	default: return "allow";
	}
}

static void log_lifecycle(struct agent *a, enum eventlog_kind kind, pid_t pid, const struct abin *b,
			  const char *policy, const char *error)
{
	struct eventlog_rec r = {
		.kind = kind,
		.pid = pid,
		.exe = b ? b->exe : NULL,
		.binary = b ? b->binid : NULL,
		.policy = policy ? policy : b ? b->policy : NULL,
		.mode = b ? mode_word(b->mode) : NULL,
		.error = error,
	};

	eventlog_write(a->log, &r);
}

/* A decision from one of our tables: metrics (every one), then the log. */
static int on_event(void *ctx, const struct bj_event *e)
{
	struct abin *b = ctx;
	struct agent *a = b->a;
	struct bj_event_where w;
	const char *op = bj_event_op(e), *cls = bj_class_name(e->class);
	struct eventlog_rec r = { .kind = EVENTLOG_DECISION };

	bj_event_locate(&b->lt, e, &w);
	/* docs/operations.md: module "" when the verdict was not a stack match. */
	metric_inc(a->am.decisions, METRIC_LABELS(verdict_word(e->verdict), op,
						   w.module ? w.module : ""));
	r.pid = e->pid;
	r.tid = e->tid;
	r.exe = b->exe;
	r.binary = b->binid;
	r.module = w.module;
	r.op = op;
	r.class = cls;
	r.verdict = verdict_word(e->verdict);
	r.reason = bj_reason_name(e->reason);
	r.func = w.func;
	r.pc = w.pc;
	r.policy = b->policy;
	r.mode = mode_word(b->mode);
	eventlog_write(a->log, &r);
	return 0;
}

static void abin_free(struct abin *b)
{
	if (!b)
		return;
	bj_tablebuild_free(&b->tb);
	if (b->verdicts)
		bj_verdicts_free(b->verdicts, b->nverdicts);
	if (b->bin)
		gosym_close(b->bin);
	free(b->exe);
	free(b->policy);
	free(b);
}

static struct abin *abin_find(struct agent *a, uint64_t dev, uint64_t ino)
{
	for (struct abin *b = a->bins; b; b = b->next)
		if (b->dev == dev && b->ino == ino)
			return b;
	return NULL;
}

/* The kernel mode a policy's settings ask for on this host; -1 if impossible. */
static int table_mode(struct agent *a, const struct bj_agent_settings *s, bool *syscalls)
{
	switch (s->mode) {
	case BJ_AGENT_MODE_ENFORCE:
		*syscalls = false;
		return a->lsm_ok ? BJ_MODE_ENFORCE : -1;
	case BJ_AGENT_MODE_KILL:
		*syscalls = true;
		return BJ_MODE_KILL;
	case BJ_AGENT_MODE_AUDIT:
		*syscalls = !a->lsm_ok;
		return BJ_MODE_AUDIT;
	default:
		*syscalls = !a->lsm_ok;
		return a->lsm_ok ? BJ_MODE_ENFORCE : BJ_MODE_KILL;
	}
}

/* sys_enter is attached on demand: only kill mode (or no LSM) needs it. */
static int ensure_syscalls(struct agent *a)
{
	struct bj_kernel tmp;
	struct bj_kernel_opts ko = { .syscalls = true, .lsm = a->lsm_ok };
	char err[512];
	int ret;

	if (a->syscalls_on)
		return 0;
	ret = bj_kernel_open(&tmp, &ko, err, sizeof(err));
	if (ret) {
		warnx_("agent: attaching sys_enter: %s", err);
		return ret;
	}
	/* The link is pinned: closing this handle leaves it attached (and,
	 * since ring contexts belong to their handle, leaves a->k's alone). */
	bj_kernel_close(&tmp);
	a->syscalls_on = true;
	return 0;
}

/*
 * Build the table of binary `path` (opened as gosym `bin`) under policy p,
 * put it in the kernel and record it. Takes ownership of bin.
 */
static int abin_make(struct agent *a, const char *path, const char *exe, struct gosym_binary *bin,
		     const struct bj_agent_policy *p, struct abin **out, char *err, size_t errlen)
{
	struct bj_policy pol = { 0 };
	struct bj_agent_settings s;
	struct abin *b = calloc(1, sizeof(*b));
	const char **names = NULL;
	const char *mainmod = NULL;
	bool syscalls;
	struct stat st;
	int mode, ret;

	if (!b) {
		gosym_close(bin);
		return -ENOMEM;
	}
	b->a = a;
	b->bin = bin;
	b->exe = strdup(exe);
	b->policy = strdup(p->name);
	memcpy(b->digest, p->digest, sizeof(b->digest));
	if (!b->exe || !b->policy) {
		ret = -ENOMEM;
		goto fail;
	}
	snprintf(b->binid, sizeof(b->binid), "%.70s", bin->build_id ? bin->build_id : "none");
	bj_agent_settings_for(&a->cfg, p, &s);
	mode = table_mode(a, &s, &syscalls);
	if (mode < 0) {
		snprintf(err, errlen, "policy %s asks for enforce mode, but BPF LSM is not usable here",
			 p->name);
		ret = -EOPNOTSUPP;
		goto fail;
	}
	b->mode = mode;
	if (syscalls && (ret = ensure_syscalls(a)))
		goto fail;

	names = calloc(bin->nmodules ? bin->nmodules : 1, sizeof(*names));
	if (!names) {
		ret = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < bin->nmodules; i++) {
		names[i] = bin->modules[i].path;
		if (bin->modules[i].main)
			mainmod = bin->modules[i].path;
	}
	pol.yaml = p->rules; /* borrowed: not freed here */
	ret = bj_resolve(&pol, mainmod, names, bin->nmodules, &b->verdicts);
	free(names);
	if (ret) {
		snprintf(err, errlen, "resolving the policy: %s", strerror(-ret));
		goto fail;
	}
	b->nverdicts = bin->nmodules;
	ret = bj_table_build(bin, b->verdicts, path, mode,
			     s.on_unknown == BJ_AGENT_UNKNOWN_ALLOW ? BJ_UNKNOWN_ALLOW : BJ_UNKNOWN_DENY,
			     &b->tb, err, errlen);
	if (ret)
		goto fail;
	b->tb.table.syscalls = syscalls;
	if (stat(path, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	b->dev = bj_kernel_dev(st.st_dev);
	b->ino = st.st_ino;
	/* Locked until the owner record claims the table (no sweep frees it). */
	bj_kernel_lock(&a->k);
	ret = bj_kernel_add_table(&a->k, &b->tb, &b->table, err, errlen);
	if (ret) {
		bj_kernel_unlock(&a->k);
		goto fail;
	}
	b->lt.bin = b->bin;
	b->lt.tb = &b->tb;
	b->lt.exe = b->exe;
	bj_kernel_watch_more(&a->k, b->table, on_event, b);
	{
		char desc[300];
		struct run_policy rp = { .verdicts = b->verdicts, .nverdicts = b->nverdicts, .tb = b->tb };

		snprintf(desc, sizeof(desc), AGENT_META_PREFIX "%s", p->name);
		/* Owned by this agent: `list` must not free a preloaded table. */
		tablemeta_write(&a->k, b->table, exe, desc, &rp, mode, getpid());
	}
	bj_kernel_unlock(&a->k);
	ret = bj_kernel_bin_set(&a->k, b->dev, b->ino, true, b->table);
	if (ret) {
		snprintf(err, errlen, "binaries map: %s", strerror(-ret));
		bj_kernel_unwatch(&a->k, b->table);
		bj_kernel_del_table(&a->k, b->table);
		tablemeta_remove(&a->k, b->table);
		goto fail;
	}
	b->next = a->bins;
	a->bins = b;
	a->nbins++;
	*out = b;
	return 0;
fail:
	abin_free(b);
	return ret;
}

/* Re-point every jail on table `from` to `to` (policy changed, agent restarted). */
static void repoint_jails(struct agent *a, uint32_t from, uint32_t to)
{
	struct bj_proc p;
	pid_t pid = 0;

	while (bj_kernel_next_proc(&a->k, &pid, &p) == 0) {
		if (p.table != from)
			continue;
		p.table = to;
		bj_kernel_proc_update(&a->k, pid, &p);
	}
}

/*
 * Judge one binary: facts from its gosym tables, the policy set's match.
 * Returns 1 and *out when a policy matches and the table is in force, 0 when
 * no policy matches (or it is not a Go binary), < 0 on failure (err says
 * why; *matched tells whether a policy had matched).
 */
static int judge(struct agent *a, const char *path, const char *exe, struct abin **out,
		 const struct bj_agent_policy **matched, char *err, size_t errlen)
{
	struct gosym_opts go = { 0 };
	struct gosym_binary *bin = NULL;
	struct bj_binfacts f;
	struct bj_match m = { 0 };
	struct gosym_err gerr;
	struct stat st;
	int ret;

	*matched = NULL;
	if (stat(path, &st))
		return -errno;
	{
		struct abin *b = abin_find(a, bj_kernel_dev(st.st_dev), st.st_ino);

		if (b) {
			*out = b;
			return 1;
		}
	}
	if (gosym_open(path, &go, &bin, &gerr))
		return 0; /* not a (readable) Go binary: no Go policy can apply */
	bj_binfacts_init(&f);
	f.path = exe;
	if (bj_binfacts_set_gosym(&f, bin)) {
		gosym_close(bin);
		return -ENOMEM;
	}
	ret = bj_policyset_match(a->pols, &f, &m);
	bj_binfacts_clear(&f);
	*matched = m.policy;
	if (ret || !m.policy) {
		gosym_close(bin);
		if (ret)
			snprintf(err, errlen, "%s: selecting a policy: %s", exe, strerror(-ret));
		return ret;
	}
	ret = abin_make(a, path, exe, bin, m.policy, out, err, errlen);
	return ret ? ret : 1;
}

/* A held exec: judge, jail if it matched, then let it go (or kill it). */
static int on_hold(void *ctx, const struct bj_hold *h)
{
	struct agent *a = ctx;
	const struct bj_agent_policy *matched = NULL;
	struct abin *b = NULL;
	char path[64], exe[PATH_MAX] = "?", err[512] = "";
	struct timespec ts;
	uint64_t now;
	ssize_t n;
	int ret;

	snprintf(path, sizeof(path), "/proc/%u/exe", h->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0) {
		/* Gone already. Nothing to continue; count it. */
		metric_inc(a->am.exec_holds, METRIC_LABELS("gone"));
		return 0;
	}
	exe[n] = '\0';
	ret = judge(a, path, exe, &b, &matched, err, sizeof(err));
	if (ret == 0) {
		bj_kernel_bin_set(&a->k, h->dev, h->ino, false, 0);
		metric_inc(a->am.exec_holds, METRIC_LABELS("nomatch"));
		kill(h->pid, SIGCONT);
		return 0;
	}
	if (ret > 0) {
		struct stat st;
		uint64_t bias = 0;

		if (stat(path, &st) == 0 &&
		    proc_bias(h->pid, st.st_ino, b->tb.table.exec_vaddr, &bias) == 0 &&
		    bj_kernel_jail(&a->k, h->pid, b->table, BJ_PROC_ACTIVE, bias) == 0) {
			log_lifecycle(a, EVENTLOG_JAILED, h->pid, b, NULL, NULL);
			known_add(a, h->pid, b->table);
			clock_gettime(CLOCK_MONOTONIC, &ts);
			now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
			metric_inc(a->am.exec_holds,
				   METRIC_LABELS(now - h->ts > a->cfg.defaults.hold_timeout_ms * 1000000ull
							 ? "jailed_late" : "jailed"));
			kill(h->pid, SIGCONT);
			return 0;
		}
		snprintf(err, sizeof(err), "jailing PID %u failed", h->pid);
	}
	/* A policy matched (or could not be decided) and no jail is in force. */
	{
		struct bj_agent_settings s;

		bj_agent_settings_for(&a->cfg, matched, &s);
		log_lifecycle(a, EVENTLOG_POLICY_REJECTED, h->pid, NULL, matched ? matched->name : NULL,
			      err[0] ? err : "no table");
		if (s.fail_mode == BJ_AGENT_FAIL_ALLOW) {
			metric_inc(a->am.exec_holds, METRIC_LABELS("failed_allowed"));
			kill(h->pid, SIGCONT);
		} else {
			metric_inc(a->am.exec_holds, METRIC_LABELS("failed_killed"));
			kill(h->pid, SIGKILL);
			kill(h->pid, SIGCONT);
		}
	}
	return 0;
}

/* Binaries named by path globs: judged ahead, so their execs never wait. */
static void preload(struct agent *a)
{
	for (size_t i = 0; i < a->pols->npols; i++) {
		const struct bj_agent_policy *p = a->pols->pols[i];

		for (size_t j = 0; j < p->nsel; j++) {
			glob_t g;

			if (!p->sel[j].path || glob(p->sel[j].path, GLOB_NOSORT, NULL, &g))
				continue;
			for (size_t k = 0; k < g.gl_pathc; k++) {
				const struct bj_agent_policy *matched;
				struct abin *b;
				char err[512] = "", real[PATH_MAX];
				struct stat st;

				if (!realpath(g.gl_pathv[k], real) || stat(real, &st) || !S_ISREG(st.st_mode))
					continue;
				if (judge(a, real, real, &b, &matched, err, sizeof(err)) < 0 && matched)
					log_lifecycle(a, EVENTLOG_POLICY_REJECTED, 0, NULL, matched->name, err);
			}
			globfree(&g);
		}
	}
}

static int load_policies(struct agent *a, bool initial)
{
	struct bj_policyset *next = NULL;
	struct bj_policy_change *chg = NULL;
	struct bj_err e = { 0 };
	size_t nchg = 0;
	bool failed;
	int ret;

	ret = bj_policyset_load(a->cfg.policy_dir, NULL, &next, &e);
	if (ret) {
		metric_inc(a->am.reloads, METRIC_LABELS("failure"));
		log_lifecycle(a, EVENTLOG_POLICY_REJECTED, 0, NULL, a->cfg.policy_dir, e.msg);
		if (initial)
			return fail(EXIT_USAGE, "agent: %s", e.msg);
		return 0; /* the previous policies stay in force */
	}
	ret = bj_policyset_merge(next, a->pols, &chg, &nchg);
	if (ret) {
		bj_policyset_free(next);
		return initial ? fail(EXIT_FAIL, "agent: out of memory") : 0;
	}
	failed = next->nerrs > 0;
	for (size_t i = 0; i < next->nerrs; i++)
		log_lifecycle(a, EVENTLOG_POLICY_REJECTED, 0, NULL, next->errs[i].name, next->errs[i].msg);
	for (size_t i = 0; i < next->npols; i++)
		log_lifecycle(a, EVENTLOG_POLICY_LOADED, 0, NULL, next->pols[i]->name, NULL);
	metric_inc(a->am.reloads, METRIC_LABELS(failed ? "failure" : "success"));
	bj_policy_changes_free(chg, nchg);
	if (a->pols)
		bj_policyset_free(a->pols);
	a->pols = next;
	return 0;
}

/*
 * After a reload: binaries whose policy changed get a new table and their
 * running processes are re-pointed to it (no jail is dropped); "no match"
 * verdicts are forgotten, so new policies apply at the next exec.
 */
static void reapply(struct agent *a)
{
	struct abin **pp = &a->bins;

	while (*pp) {
		struct abin *b = *pp, *nb = NULL;
		const struct bj_agent_policy *p = bj_policyset_find(a->pols, b->policy);
		const struct bj_agent_policy *matched;
		char err[512] = "", path[PATH_MAX];

		if (p && !memcmp(p->digest, b->digest, sizeof(b->digest))) {
			pp = &b->next;
			continue;
		}
		/* Unlink b first so judge() builds afresh for this (dev, ino). */
		*pp = b->next;
		a->nbins--;
		snprintf(path, sizeof(path), "%s", b->exe);
		if (judge(a, path, b->exe, &nb, &matched, err, sizeof(err)) > 0) {
			repoint_jails(a, b->table, nb->table);
		} else {
			/* No policy for it now: new execs run free; running
			 * processes keep the jail they had (never dropped). */
			bj_kernel_bin_del(&a->k, b->dev, b->ino);
			if (bj_kernel_table_in_use(&a->k, b->table)) {
				bj_kernel_unwatch(&a->k, b->table); /* its callback points at b */
				b->next = NULL;
				abin_free(b);
				continue;
			}
		}
		bj_kernel_unwatch(&a->k, b->table);
		if (!bj_kernel_table_in_use(&a->k, b->table)) {
			bj_kernel_del_table(&a->k, b->table);
			tablemeta_remove(&a->k, b->table);
		}
		abin_free(b);
	}
	/* Forget "no match": a new or changed policy may match those now. */
	bj_kernel_bins_clear_nomatch(&a->k);
	preload(a);
}

/* A previous agent's tables: rebuild them under today's policies and move
 * their jails over, so no jail is ever without a table. */
static void adopt(struct agent *a)
{
	for (uint32_t id = 0; id < BJ_MAX_TABLES; id++) {
		struct json_object *meta = tablemeta_read(&a->k, id), *v;
		const struct bj_agent_policy *matched;
		struct abin *nb = NULL;
		char exe[PATH_MAX], err[512] = "";
		struct bj_table t;

		if (!meta)
			continue;
		if (!json_object_object_get_ex(meta, "command", &v) ||
		    strncmp(json_object_get_string(v), AGENT_META_PREFIX, strlen(AGENT_META_PREFIX)) ||
		    !json_object_object_get_ex(meta, "exe", &v) || bj_kernel_get_table(&a->k, id, &t)) {
			json_object_put(meta);
			continue;
		}
		snprintf(exe, sizeof(exe), "%s", json_object_get_string(v));
		json_object_put(meta);
		if (judge(a, exe, exe, &nb, &matched, err, sizeof(err)) > 0 && nb->table != id)
			repoint_jails(a, id, nb->table);
		if (!bj_kernel_table_in_use(&a->k, id) && (!nb || nb->table != id)) {
			bj_kernel_del_table(&a->k, id);
			tablemeta_remove(&a->k, id);
		}
	}
}

static int cmp_jpid(const void *x, const void *y)
{
	const struct jpid *a = x, *b = y;

	return (a->pid > b->pid) - (a->pid < b->pid);
}

static const struct abin *abin_of_table(const struct agent *a, uint32_t table)
{
	for (const struct abin *b = a->bins; b; b = b->next)
		if (b->table == table)
			return b;
	return NULL;
}

static void jpid_fill(struct jpid *j, const struct abin *b)
{
	j->ours = b != NULL;
	if (!b)
		return;
	j->exe = strdup(b->exe ? b->exe : "");
	j->binary = strdup(b->binid);
	j->policy = strdup(b->policy ? b->policy : "");
	j->mode = b->mode;
}

static void jpid_clear(struct jpid *j)
{
	free(j->exe);
	free(j->binary);
	free(j->policy);
	j->exe = j->binary = j->policy = NULL;
	j->ours = false;
}

/* Remember a process we jailed, so that its exit is reported even when it
 * ends before the next scan. */
static void known_add(struct agent *a, pid_t pid, uint32_t table)
{
	struct jpid *j;

	if (!a->known || a->nknown >= BJ_MAX_JAILS)
		return;
	j = &a->known[a->nknown++];
	memset(j, 0, sizeof(*j));
	j->pid = pid;
	j->table = table;
	jpid_fill(j, abin_of_table(a, table));
}

/*
 * Every process of ours that was jailed and is no longer in the jails map
 * (exited: sched_process_exit removed it; or detached) gets one `released`
 * event. Scans run with the gauges (every heartbeat), so a release is
 * reported within one heartbeat. cur: this scan, pid and table only.
 */
static void report_released(struct agent *a, struct jpid *cur, size_t ncur)
{
	size_t i = 0, j = 0;

	if (!a->known)
		return;
	qsort(cur, ncur, sizeof(*cur), cmp_jpid);
	if (a->nknown)
		qsort(a->known, a->nknown, sizeof(*a->known), cmp_jpid);
	while (i < a->nknown) {
		struct jpid *k = &a->known[i];

		if (j < ncur && cur[j].pid < k->pid) {
			j++;
		} else if (j < ncur && cur[j].pid == k->pid && !cur[j].ours) {
			/* Still jailed (perhaps re-pointed to a rebuilt table):
			 * carry what we know over. */
			uint32_t table = cur[j].table;

			cur[j] = *k;
			cur[j].table = table;
			memset(k, 0, sizeof(*k));
			i++;
		} else {
			/* Gone (or a duplicate, or its pid now jailed anew). */
			if (k->ours && !(j < ncur && cur[j].pid == k->pid && cur[j].ours)) {
				struct eventlog_rec r = {
					.kind = EVENTLOG_RELEASED, .pid = k->pid, .exe = k->exe,
					.binary = k->binary, .policy = k->policy, .mode = mode_word(k->mode),
				};

				eventlog_write(a->log, &r);
			}
			jpid_clear(k);
			i++;
		}
	}
	/* New in this scan: children of jailed processes, adopted jails. */
	for (j = 0; j < ncur; j++)
		if (!cur[j].ours && !cur[j].exe)
			jpid_fill(&cur[j], abin_of_table(a, cur[j].table));
	memcpy(a->known, cur, ncur * sizeof(*cur));
	a->nknown = ncur;
}

#define SWEEP_NS (10ull * 1000 * 1000 * 1000)

/*
 * Free what can no longer be used: a binary whose file was deleted or
 * replaced (the path now names another inode) can never be exec'd again
 * as that (dev, ino), so its `binaries` entry goes, and its table once no
 * process runs it; the same for tables left behind by earlier reloads.
 * Binaries still on disk keep their tables: they are loaded ahead, so that
 * their next exec is jailed without a hold. Runs at every reload and every
 * 10 s.
 */
static void sweep(struct agent *a)
{
	static uint8_t used[BJ_MAX_TABLES];
	struct abin **pp = &a->bins;
	struct bj_proc p;
	pid_t pid = 0;

	memset(used, 0, sizeof(used));
	if (bj_kernel_lock(&a->k))
		return;
	while (bj_kernel_next_proc(&a->k, &pid, &p) == 0)
		if (p.table < BJ_MAX_TABLES)
			used[p.table] = 1;
	while (*pp) {
		struct abin *b = *pp;
		struct stat st;

		if (b->exe && stat(b->exe, &st) == 0 && bj_kernel_dev(st.st_dev) == b->dev &&
		    st.st_ino == b->ino) {
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		a->nbins--;
		bj_kernel_bin_del(&a->k, b->dev, b->ino);
		bj_kernel_unwatch(&a->k, b->table);
		if (!used[b->table]) {
			bj_kernel_del_table(&a->k, b->table);
			tablemeta_remove(&a->k, b->table);
		}
		abin_free(b);
	}
	for (uint32_t id = 0; id < BJ_MAX_TABLES; id++) {
		struct json_object *meta, *v;
		struct bj_table t;
		bool ours;

		if (used[id] || abin_of_table(a, id) || bj_kernel_get_table(&a->k, id, &t))
			continue;
		meta = tablemeta_read(&a->k, id);
		ours = meta && json_object_object_get_ex(meta, "command", &v) &&
		       !strncmp(json_object_get_string(v), AGENT_META_PREFIX, strlen(AGENT_META_PREFIX));
		json_object_put(meta);
		if (!ours)
			continue;
		bj_kernel_del_table(&a->k, id);
		tablemeta_remove(&a->k, id);
	}
	bj_kernel_unlock(&a->k);
}

static void update_gauges(struct agent *a)
{
	uint64_t st[BJ_STAT_COUNT];
	struct bj_proc p;
	uint32_t njails = 0, nbins = 0, ntables = 0;
	pid_t pid = 0;

	{
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
		if (now - a->last_sweep_ns >= SWEEP_NS) {
			a->last_sweep_ns = now;
			sweep(a);
		}
	}
	while (bj_kernel_next_proc(&a->k, &pid, &p) == 0) {
		if (a->scan && njails < BJ_MAX_JAILS) {
			memset(&a->scan[njails], 0, sizeof(a->scan[njails]));
			a->scan[njails].pid = pid;
			a->scan[njails].table = p.table;
		}
		njails++;
	}
	report_released(a, a->scan, njails < BJ_MAX_JAILS ? njails : BJ_MAX_JAILS);
	bj_kernel_bin_count(&a->k, &nbins);
	for (uint32_t i = 0; i < BJ_MAX_TABLES; i++) {
		struct bj_table t;

		if (bj_kernel_get_table(&a->k, i, &t) == 0)
			ntables++;
	}
	metric_set(a->am.jailed, NULL, njails);
	metric_set(a->am.binaries, NULL, a->nbins);
	metric_set(a->am.map_entries, METRIC_LABELS("jails"), njails);
	metric_set(a->am.map_entries, METRIC_LABELS("binaries"), nbins);
	metric_set(a->am.map_entries, METRIC_LABELS("tables"), ntables);
	metric_set(a->am.map_capacity, METRIC_LABELS("jails"), BJ_MAX_JAILS);
	metric_set(a->am.map_capacity, METRIC_LABELS("binaries"), a->bin_capacity);
	metric_set(a->am.map_capacity, METRIC_LABELS("tables"), BJ_MAX_TABLES);
	if (bj_kernel_stats(&a->k, st) == 0) {
		metric_set(a->am.events_dropped, NULL, st[BJ_STAT_EVENTS_DROPPED]);
		metric_set(a->am.stack_truncated, NULL, st[BJ_STAT_TRUNCATED]);
		if (st[BJ_STAT_JAIL_FULL])
			metrics_set_health(a->m, false, "jails map full: processes were killed");
	}
	if (nbins >= a->bin_capacity)
		metrics_set_health(a->m, false, "binaries map full: unknown binaries run unheld");
}

static void agent_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfjail agent [--config FILE] [--check]\n"
		"\n"
		"Jail every process that execs a binary a policy file selects, host-wide,\n"
		"before its first instruction; serve Prometheus metrics; write events as\n"
		"JSON lines. Config and policies: docs/operations.md (default config\n"
		"%s). SIGHUP reloads policies (and reopens the event file); so does\n"
		"any change in the policy directory. SIGTERM stops the agent; jails stay.\n"
		"\n"
		"  -c, --config FILE  the agent's config file\n"
		"  --check            load and validate the config and every policy file\n"
		"                     (with the same trust rules), print what would load,\n"
		"                     and exit: 0 if all are good, 2 if any is not. Touches\n"
		"                     neither the kernel nor the event file nor the network.\n",
		BJ_AGENT_CONFIG_DEFAULT);
}

/*
 * --check: what a start would load, without BPF, the metrics server or the
 * event file. Unlike a start, where a bad policy file is reported and
 * skipped, any bad file fails the check.
 */
static int agent_check(struct agent *a)
{
	struct bj_policyset *s = NULL;
	struct bj_err e = { 0 };
	int ret;

	ret = bj_policyset_load(a->cfg.policy_dir, NULL, &s, &e);
	if (ret)
		return fail(ret == -ENOMEM ? EXIT_FAIL : EXIT_USAGE, "agent: %s", e.msg);
	if (s->nerrs) {
		for (size_t i = 0; i + 1 < s->nerrs && !env.json; i++)
			fprintf(stderr, "bpfjail: agent: %s\n", s->errs[i].msg);
		ret = fail(EXIT_USAGE, "agent: %s%s", s->errs[s->nerrs - 1].msg,
			   s->nerrs > 1 ? " (and more policy files rejected above)" : "");
		bj_policyset_free(s);
		return ret;
	}
	if (env.json) {
		struct json_object *o = json_object_new_object(), *pols = json_object_new_array();

		json_object_object_add(o, "config", a->cfg.file ? json_object_new_string(a->cfg.file) : NULL);
		json_object_object_add(o, "policy_dir", json_object_new_string(s->dir));
		for (size_t i = 0; i < s->npols; i++)
			json_object_array_add(pols, json_object_new_string(s->pols[i]->name));
		json_object_object_add(o, "policies", pols);
		json_print(o);
		json_object_put(o);
	} else {
		printf("config %s: ok\n", a->cfg.file ? a->cfg.file : "(built-in defaults)");
		printf("policy directory %s: %zu %s\n", s->dir, s->npols, s->npols == 1 ? "policy" : "policies");
		for (size_t i = 0; i < s->npols; i++) {
			const struct bj_agent_policy *p = s->pols[i];
			struct bj_agent_settings st;

			bj_agent_settings_for(&a->cfg, p, &st);
			printf("policy %s: ok (priority %ld, %zu %s, mode %s)\n", p->name, p->priority, p->nsel,
			       p->nsel == 1 ? "selector" : "selectors", bj_agent_mode_name(st.mode));
		}
	}
	bj_policyset_free(s);
	return EXIT_OK;
}

int cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, 0, 'c' },
		{ "check", no_argument, 0, 'C' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	const char *config = NULL;
	struct agent *a = calloc(1, sizeof(*a));
	struct eventlog_opts lo = { 0 };
	struct bj_err e = { 0 };
	char err[512] = "";
	sigset_t mask;
	int c, ret = EXIT_FAIL, sfd = -1, tfd = -1;
	bool check = false;

	if (!a)
		return fail(EXIT_FAIL, "agent: out of memory");
	bj_kernel_init(&a->k);
	a->watch.fd = -1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'h':
			agent_usage(stdout);
			free(a);
			return EXIT_OK;
		default:
			agent_usage(stderr);
			free(a);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		free(a);
		return fail(EXIT_USAGE, "agent: unexpected argument '%s'", argv[optind]);
	}
	if (bj_agent_config_init(&a->cfg)) {
		free(a);
		return fail(EXIT_FAIL, "agent: out of memory");
	}
	if (config || access(BJ_AGENT_CONFIG_DEFAULT, F_OK) == 0) {
		ret = bj_agent_config_load(&a->cfg, config ? config : BJ_AGENT_CONFIG_DEFAULT, NULL, &e);
		if (ret) {
			ret = fail(ret == -EINVAL || ret == -EPERM ? EXIT_USAGE : EXIT_INPUT, "agent: %s", e.msg);
			goto out;
		}
	}
	if (check) {
		ret = agent_check(a);
		goto out;
	}

	/* Bounded by the jails map: allocated once, never per event. */
	a->known = calloc(BJ_MAX_JAILS, sizeof(*a->known));
	a->scan = calloc(BJ_MAX_JAILS, sizeof(*a->scan));
	a->m = metrics_new();
	if (!a->known || !a->scan || !a->m || agent_metrics_register(a->m, &a->am, BPFJAIL_VERSION, "starting")) {
		ret = fail(EXIT_FAIL, "agent: metrics: out of memory");
		goto out;
	}
	lo.path = strcmp(a->cfg.events, "stdout") ? a->cfg.events : NULL;
	/* events.burst / events.window_ms (UINT32_MAX is EVENTLOG_UNLIMITED). */
	lo.burst = a->cfg.events_burst;
	lo.window_ns = (uint64_t)a->cfg.events_window_ms * 1000000ull;
	ret = eventlog_open(&lo, &a->log);
	if (ret) {
		ret = fail(EXIT_INPUT, "agent: event output %s: %s", a->cfg.events, strerror(-ret));
		goto out;
	}

	/* The kernel side: LSM hooks where usable, else sys_enter (kill mode). */
	{
		struct bj_kernel_opts ko = { .lsm = true, .max_binaries = a->cfg.max_binaries };

		ret = bj_kernel_open(&a->k, &ko, err, sizeof(err));
		a->lsm_ok = ret == 0;
		if (ret && strstr(err, "BPF LSM")) {
			ko.lsm = false;
			ko.syscalls = true;
			ret = bj_kernel_open(&a->k, &ko, err, sizeof(err));
			a->syscalls_on = ret == 0;
		}
		if (ret) {
			ret = fail(EXIT_KERNEL, "agent: %s", err);
			goto out;
		}
	}
	ret = bj_kernel_bin_capacity(&a->k, &a->bin_capacity);
	if (ret) {
		ret = fail(EXIT_KERNEL, "agent: reading the binaries map's size: %s", strerror(-ret));
		goto out;
	}
	if (a->bin_capacity != a->cfg.max_binaries)
		warnx_("agent: limits.max_binaries is %u, but the binaries map pinned by an earlier "
		       "bpfjail holds %u entries: that size stays in force until 'bpfjail unload'",
		       a->cfg.max_binaries, a->bin_capacity);
	agent_metrics_build_info(&a->am, BPFJAIL_VERSION, a->lsm_ok ? "enforce" : "kill");
	if (!a->lsm_ok)
		warnx_("agent: BPF LSM is not usable on this kernel: kill mode");

	ret = load_policies(a, true);
	if (ret)
		goto out;
	ret = bj_kernel_watch_holds(&a->k, on_hold, a);
	if (ret) {
		ret = fail(EXIT_FAIL, "agent: control ring buffer: %s", strerror(-ret));
		goto out;
	}
	adopt(a);
	preload(a);
	ret = bj_kernel_agent_set(&a->k, true, true);
	if (ret) {
		ret = fail(EXIT_FAIL, "agent: enabling exec matching: %s", strerror(-ret));
		goto out;
	}

	if (a->cfg.listen) {
		struct metrics_server_opts so = { .listen = a->cfg.listen };

		ret = metrics_server_start(a->m, &so, &a->srv, err, sizeof(err));
		if (ret && ret != -EOPNOTSUPP) {
			ret = fail(EXIT_USAGE, "agent: metrics: %s", err);
			goto out;
		}
		if (ret)
			warnx_("agent: %s", err);
	}
	if (bj_watch_open(&a->watch, a->cfg.policy_dir, BJ_WATCH_DEBOUNCE_MS))
		warnx_("agent: not watching %s for changes (SIGHUP still reloads)", a->cfg.policy_dir);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0) {
		ret = fail(EXIT_FAIL, "agent: %s", strerror(errno));
		goto out;
	}
	{
		struct itimerspec its = { .it_interval = { 0, HEARTBEAT_MS * 1000000 },
					  .it_value = { 0, HEARTBEAT_MS * 1000000 } };

		timerfd_settime(tfd, 0, &its, NULL);
	}
	update_gauges(a);
	fprintf(stderr, "bpfjail: agent running: %zu policies, %u binaries preloaded, mode %s%s%s\n",
		a->pols->npols, a->nbins, a->lsm_ok ? "enforce" : "kill",
		a->srv ? ", metrics on " : "", a->srv ? a->cfg.listen : "");

	for (unsigned int tick = 0; !stop; ) {
		struct pollfd pfd[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = bj_kernel_events_fd(&a->k), .events = POLLIN },
			{ .fd = a->watch.fd, .events = POLLIN },
		};
		int timeout = a->watch.fd >= 0 ? bj_watch_timeout(&a->watch, bj_now_ms()) : -1;

		if (poll(pfd, a->watch.fd >= 0 ? 4 : 3, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[2].revents)
			bj_kernel_consume(&a->k);
		if (pfd[1].revents) {
			uint64_t n;

			if (read(tfd, &n, sizeof(n)) > 0) {
				bj_kernel_agent_heartbeat(&a->k);
				if (++tick % 4 == 0) {
					update_gauges(a);
					eventlog_flush(a->log);
				}
			}
		}
		if (a->watch.fd >= 0 && pfd[3].revents)
			bj_watch_read(&a->watch, bj_now_ms());
		if (a->watch.fd >= 0 && bj_watch_due(&a->watch, bj_now_ms()))
			a->reload_pending = true;
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					eventlog_reopen(a->log);
					a->reload_pending = true;
				} else {
					stop = 1;
				}
			}
		}
		if (a->reload_pending) {
			a->reload_pending = false;
			load_policies(a, false);
			reapply(a);
			sweep(a);
			update_gauges(a);
		}
	}
	/*
	 * Stop holding now: nobody will answer a hold requested after this
	 * loop, and a held process stays stopped (for the 3 s until the
	 * heartbeat goes stale, every new binary on the host would). Matching
	 * stays enabled, so MATCH binaries are still jailed at exec. Then
	 * answer the holds already requested.
	 */
	bj_kernel_agent_set(&a->k, true, false);
	for (int i = 0; i < 5; i++) {
		bj_kernel_consume(&a->k);
		if (i < 4)
			usleep(10000);
	}
	fprintf(stderr, "bpfjail: agent stopping: jails stay in force; holds stopped\n");
	ret = EXIT_OK;
out:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (a->watch.fd >= 0)
		bj_watch_close(&a->watch);
	if (a->srv)
		metrics_server_stop(a->srv);
	while (a->bins) {
		struct abin *b = a->bins;

		a->bins = b->next;
		abin_free(b);
	}
	bj_kernel_close(&a->k);
	if (a->log)
		eventlog_close(a->log);
	if (a->m)
		metrics_free(a->m);
	if (a->pols)
		bj_policyset_free(a->pols);
	bj_agent_config_free(&a->cfg);
	for (size_t i = 0; a->known && i < a->nknown; i++)
		jpid_clear(&a->known[i]);
	free(a->known);
	free(a->scan);
	free(a);
	return ret;
}
