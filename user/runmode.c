// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfjail.h"
#include "runmode.h"

void run_mode_init(struct run_mode *m)
{
	memset(m, 0, sizeof(*m));
	m->mode = BJ_MODE_ENFORCE;
	m->mode_auto = true;
}

const char *run_mode_name(uint32_t mode)
{
	switch (mode) {
	case BJ_MODE_ENFORCE: return "enforce";
	case BJ_MODE_AUDIT: return "audit";
	case BJ_MODE_KILL: return "kill";
	default: return "?";
	}
}

int run_mode_option(struct run_mode *m, int c, const char *arg, const char *cmd)
{
	if (c == 'r') {
		if (strcmp(arg, "enforce"))
			return fail(EXIT_USAGE, "%s: --require takes 'enforce', not '%s'", cmd, arg);
		m->require_enforce = true;
		return 0;
	}
	m->mode_auto = !strcmp(arg, "auto");
	if (m->mode_auto || !strcmp(arg, "enforce"))
		m->mode = BJ_MODE_ENFORCE;
	else if (!strcmp(arg, "audit"))
		m->mode = BJ_MODE_AUDIT;
	else if (!strcmp(arg, "kill"))
		m->mode = BJ_MODE_KILL;
	else
		return fail(EXIT_USAGE, "%s: --mode must be auto, enforce, kill or audit, not '%s'", cmd, arg);
	return 0;
}

/*
 * A kernel that refused BPF LSM programs once refuses them until it reboots.
 * Remember that for this boot, so that `run` and `attach` in auto or audit
 * mode do not load (and fail to load) every LSM program again each time:
 * that costs about 150 ms per invocation and is not the "reuse what is
 * pinned" the second invocation should be.
 */
#define LSM_UNUSABLE_FILE "/run/bpfjail/lsm-unusable"

static bool boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	bool ok = f && fgets(buf, len, f);

	if (f)
		fclose(f);
	return ok;
}

/* The reason recorded for this boot, or false. */
static bool lsm_known_unusable(char *why, size_t len)
{
	char id[64], line[600];
	FILE *f;
	bool ok;

	if (!boot_id(id, sizeof(id)) || !(f = fopen(LSM_UNUSABLE_FILE, "re")))
		return false;
	ok = fgets(line, sizeof(line), f) && !strcmp(line, id) && fgets(why, len, f);
	fclose(f);
	if (ok)
		why[strcspn(why, "\n")] = '\0';
	return ok;
}

static void lsm_remember_unusable(const char *why)
{
	char id[64], tmp[] = LSM_UNUSABLE_FILE ".XXXXXX";
	FILE *f;
	int fd;

	if (!boot_id(id, sizeof(id)))
		return;
	mkdir("/run", 0755);
	mkdir("/run/bpfjail", 0700);
	fd = mkstemp(tmp);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return;
	}
	fprintf(f, "%s%s\n", id, why);
	if (fclose(f) || rename(tmp, LSM_UNUSABLE_FILE))
		unlink(tmp);
}

int run_mode_open(struct run_mode *m, struct bj_kernel *k, const char *cmd)
{
	struct bj_kernel_opts ko = { 0 };
	char err[512] = "";
	int ret;

	if (m->require_enforce && (m->mode != BJ_MODE_ENFORCE || (!m->mode_auto && m->mode != BJ_MODE_ENFORCE)))
		return fail(EXIT_USAGE, "%s: --require enforce conflicts with --mode %s", cmd,
			    run_mode_name(m->mode));
	/* enforce and audit want the LSM hooks; kill judges at syscall entry. */
	ko.lsm = m->mode != BJ_MODE_KILL;
	ko.syscalls = m->mode == BJ_MODE_KILL;
	if (ko.lsm && !m->require_enforce && (m->mode_auto || m->mode == BJ_MODE_AUDIT) &&
	    lsm_known_unusable(err, sizeof(err))) {
		ret = -EPERM; /* as the last attempt in this boot: fall back at once */
	} else {
		ret = bj_kernel_open(k, &ko, err, sizeof(err));
		if (ret && ko.lsm && strstr(err, "BPF LSM is not usable"))
			lsm_remember_unusable(err);
	}
	if (ret && ko.lsm && strstr(err, "BPF LSM") && !m->require_enforce &&
	    (m->mode_auto || m->mode == BJ_MODE_AUDIT)) {
		if (m->mode_auto)
			m->mode = BJ_MODE_KILL;
		warnx_("BPF LSM is not usable on this kernel: %s mode (%s)", run_mode_name(m->mode),
		       m->mode == BJ_MODE_KILL ? "a denied syscall kills the program"
					       : "denials are logged, not enforced");
		ko.lsm = false;
		ko.syscalls = true;
		ret = bj_kernel_open(k, &ko, err, sizeof(err));
	}
	if (ret)
		return fail(ret == -EPERM || strstr(err, "BPF LSM") ? EXIT_KERNEL : EXIT_FAIL, "%s: %s%s",
			    cmd, err,
			    m->require_enforce ? " (--require enforce)" : "");
	m->syscalls = ko.syscalls;
	return 0;
}
