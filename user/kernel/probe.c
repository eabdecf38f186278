// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel feature probe: load, attach and exercise the programs of
 * bpf/probe.bpf.c. The BPF LSM check is a real one: a file_open program that
 * denies one memfd to this process only is attached, the memfd is reopened,
 * and enforcement counts as verified only if that open() returned EPERM and
 * the program's own counter says it was the one that denied it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probe.skel.h"
#include "kernel/probe.h"

#define SECURITYFS "/sys/kernel/security"

enum probe_prog { PROG_ALL = -1, PROG_LSM, PROG_SYS_ENTER, PROG_SEND_SIGNAL };

/* Read a small text file, strip the trailing newline. 0 or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int probe_ensure_securityfs(void)
{
	if (access(SECURITYFS "/lsm", F_OK) == 0)
		return 0;
	if (mount("securityfs", SECURITYFS, "securityfs", 0, NULL) && errno != EBUSY)
		return -errno;
	return access(SECURITYFS "/lsm", F_OK) == 0 ? 0 : -ENOENT;
}

static bool list_has(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len) {
		bool start = p == list || p[-1] == ',';
		bool end = p[len] == '\0' || p[len] == ',';

		if (start && end)
			return true;
	}
	return false;
}

/*
 * The file the LSM program denies: a memfd, reopened through
 * /proc/self/fd/N (a fresh file_open on the memfd's shmem inode). A memfd
 * lives on the kernel's internal shmem mount, so its (dev, ino) from fstat
 * are the inode's own, whatever filesystem /tmp is on.
 */
struct target {
	int fd;
	char path[64];
	__u64 ino;
	__u32 kdev;
};

static int target_open(struct target *t)
{
	struct stat st;

	t->fd = memfd_create("bpfjail-probe", MFD_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	if (fstat(t->fd, &st)) {
		int err = -errno;

		close(t->fd);
		t->fd = -1;
		return err;
	}
	snprintf(t->path, sizeof(t->path), "/proc/self/fd/%d", t->fd);
	t->ino = st.st_ino;
	/* st_dev is the user-space encoding; the kernel's dev_t is major << 20 | minor. */
	t->kdev = (__u32)((major(st.st_dev) << 20) | minor(st.st_dev));
	return 0;
}

/* open() the target again: 0 if it opened, else the errno. */
static int target_reopen(const struct target *t)
{
	int fd = open(t->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void errname(int err, char *buf, size_t size)
{
	const char *name = strerrorname_np(err);

	snprintf(buf, size, "%s: %s", name ? name : "?", strerror(err));
}

/*
 * Open the skeleton with one program (or all, PROG_ALL) set to load, and the
 * target filled in. NULL with errno set on failure.
 */
static struct probe_bpf *open_one(enum probe_prog which, const struct target *t)
{
	struct bpf_program *want = NULL, *p;
	struct probe_bpf *s;

	s = probe_bpf__open();
	if (!s)
		return NULL;
	switch (which) {
	case PROG_LSM:
		want = s->progs.probe_file_open;
		break;
	case PROG_SYS_ENTER:
		want = s->progs.probe_sys_enter;
		break;
	case PROG_SEND_SIGNAL:
		want = s->progs.probe_send_signal;
		break;
	case PROG_ALL:
		break;
	}
	if (want) {
		bpf_object__for_each_program(p, s->obj)
			bpf_program__set_autoload(p, p == want);
	}
	s->rodata->target_tgid = (__u32)getpid();
	if (t && t->fd >= 0) {
		s->rodata->target_ino = t->ino;
		s->rodata->target_dev = t->kdev;
	}
	return s;
}

/* Attach the loaded lsm/file_open program and see whether it denies. */
static void exercise_lsm(struct probe_bpf *s, const struct target *t, struct probe_result *r)
{
	struct bpf_link *link;
	char why[128];
	int open_err, after_err;
	__u64 denied;

	link = bpf_program__attach_lsm(s->progs.probe_file_open);
	if (!link) {
		r->lsm_attach_err = errno;
		errname(errno, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "the BPF LSM program loaded but could not be attached (%s)", why);
		return;
	}
	r->lsm_attaches = true;

	open_err = target_reopen(t);
	denied = s->bss->denied;
	bpf_link__destroy(link);
	after_err = target_reopen(t);

	if (open_err == EPERM && denied > 0) {
		r->enforce_verified = true;
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "an attached lsm/file_open program denied open() with EPERM");
		if (after_err) {
			errname(after_err, why, sizeof(why));
			snprintf(r->enforce_detail, sizeof(r->enforce_detail),
				 "open() was denied with EPERM, but still failed after detaching (%s)",
				 why);
		}
	} else if (open_err == 0) {
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "lsm/file_open was attached but open() was allowed (%s)",
			 r->lsm_listed ? "the program did not deny it"
				       : "bpf is not an active LSM on this kernel");
	} else if (open_err == EPERM) {
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "open() failed with EPERM, but not because of the probe program");
	} else {
		errname(open_err, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "open() failed with %s instead of EPERM", why);
	}
}

/* Attach the loaded tp_btf/sys_enter program and see it fire. */
static void exercise_tp(struct probe_bpf *s, struct probe_result *r)
{
	struct bpf_link *link;

	link = bpf_program__attach_trace(s->progs.probe_sys_enter);
	if (!link) {
		r->tp_attach_err = errno;
		return;
	}
	r->tp_attaches = true;
	for (int i = 0; i < 3; i++)
		(void)getppid();
	r->tp_fires = s->bss->sys_enter_hits > 0;
	bpf_link__destroy(link);
}

static void lsm_load_failed(struct probe_result *r, int err, const char *what)
{
	char why[128];

	r->lsm_load_err = err;
	errname(err, why, sizeof(why));
	snprintf(r->enforce_detail, sizeof(r->enforce_detail), "%s (%s)", what, why);
}

/*
 * Load one program alone (after the all-in-one load failed) and exercise
 * it. Each load parses the kernel's BTF, which is slow under emulation, so
 * this is only the fallback.
 */
static void probe_one(enum probe_prog which, const struct target *t, struct probe_result *r)
{
	struct probe_bpf *s;
	int err;

	s = open_one(which, t);
	err = s ? probe_bpf__load(s) : -errno;
	switch (which) {
	case PROG_LSM:
		if (!s)
			lsm_load_failed(r, -err, "could not open the probe BPF object");
		else if (err)
			lsm_load_failed(r, -err, "the kernel refused to load a BPF LSM program");
		else {
			r->lsm_loads = true;
			exercise_lsm(s, t, r);
		}
		break;
	case PROG_SYS_ENTER:
		if (err) {
			r->tp_load_err = -err;
		} else {
			r->tp_loads = true;
			exercise_tp(s, r);
		}
		break;
	case PROG_SEND_SIGNAL:	/* load only: fire_signal stays 0 */
		if (err)
			r->sig_load_err = -err;
		else
			r->sig_loads = true;
		break;
	default:
		break;
	}
	probe_bpf__destroy(s);
}

static void probe_programs(struct probe_result *r)
{
	struct target t = { .fd = -1 };
	struct probe_bpf *s;
	char why[128];
	int err;

	err = target_open(&t);
	if (err) {
		errname(-err, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "could not make a test file (memfd_create: %s)", why);
	} else if ((err = target_reopen(&t))) {
		errname(err, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "could not reopen the test file before attaching (%s; is /proc mounted?)",
			 why);
		close(t.fd);
		t.fd = -1;
	}

	/* Fast path: everything in one load (one BTF parse). */
	s = open_one(PROG_ALL, &t);
	if (s && t.fd >= 0 && probe_bpf__load(s) == 0) {
		r->lsm_loads = r->tp_loads = r->sig_loads = true;
		exercise_lsm(s, &t, r);
		exercise_tp(s, r);
		probe_bpf__destroy(s);
		goto out;
	}
	probe_bpf__destroy(s);

	if (t.fd >= 0)
		probe_one(PROG_LSM, &t, r);
	probe_one(PROG_SYS_ENTER, NULL, r);
	probe_one(PROG_SEND_SIGNAL, NULL, r);
out:
	if (t.fd >= 0)
		close(t.fd);
}

void probe_kernel(struct probe_result *r)
{
	struct utsname u;
	char buf[128];
	int err;

	memset(r, 0, sizeof(*r));
	r->perf_max_stack = -1;

	if (uname(&u) == 0)
		snprintf(r->kernel, sizeof(r->kernel), "%s", u.release);
	r->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	err = probe_ensure_securityfs();
	if (!err)
		err = read_text(SECURITYFS "/lsm", r->lsm_list, sizeof(r->lsm_list));
	if (err) {
		r->lsm_list_err = -err;
	} else {
		r->lsm_list_known = true;
		r->lsm_listed = list_has(r->lsm_list, "bpf");
	}
	/* "none [integrity] confidentiality": keep the bracketed one. */
	if (read_text(SECURITYFS "/lockdown", buf, sizeof(buf)) == 0) {
		char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;

		if (a && b) {
			*b = '\0';
			snprintf(r->lockdown, sizeof(r->lockdown), "%s", a + 1);
		}
	}

	if (read_text("/proc/sys/kernel/perf_event_max_stack", buf, sizeof(buf)) == 0)
		r->perf_max_stack = strtol(buf, NULL, 10);

	probe_programs(r);
}
