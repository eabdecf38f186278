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

enum probe_prog { PROG_LSM, PROG_SYS_ENTER, PROG_SEND_SIGNAL };

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

/* Open the skeleton with only one program set to load. */
static struct probe_bpf *open_one(enum probe_prog which)
{
	struct bpf_program *want, *p;
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
	default:
		want = s->progs.probe_send_signal;
		break;
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, p == want);
	s->rodata->target_tgid = (__u32)getpid();
	return s;
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

static void probe_lsm(struct probe_result *r)
{
	struct bpf_link *link = NULL;
	struct probe_bpf *s = NULL;
	struct target t = { .fd = -1 };
	char why[128];
	__u64 denied;
	int err, open_err, after_err;

	err = target_open(&t);
	if (err) {
		errname(-err, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "could not make a test file (memfd_create: %s)", why);
		goto cleanup;
	}
	err = target_reopen(&t);
	if (err) {
		errname(err, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "could not reopen the test file before attaching (%s; is /proc mounted?)", why);
		goto cleanup;
	}

	s = open_one(PROG_LSM);
	if (!s) {
		r->lsm_load_err = errno;
		errname(errno, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "could not open the probe BPF object (%s)", why);
		goto cleanup;
	}
	s->rodata->target_ino = t.ino;
	s->rodata->target_dev = t.kdev;
	err = probe_bpf__load(s);
	if (err) {
		r->lsm_load_err = -err;
		errname(-err, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "the kernel refused to load a BPF LSM program (%s)", why);
		goto cleanup;
	}
	r->lsm_loads = true;

	link = bpf_program__attach_lsm(s->progs.probe_file_open);
	if (!link) {
		r->lsm_attach_err = errno;
		errname(errno, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "the BPF LSM program loaded but could not be attached (%s)", why);
		goto cleanup;
	}
	r->lsm_attaches = true;

	open_err = target_reopen(&t);
	denied = s->bss->denied;
	bpf_link__destroy(link);
	link = NULL;
	after_err = target_reopen(&t);

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
			 "lsm/file_open was attached but open() was allowed (program ran %llu times denying)",
			 (unsigned long long)denied);
	} else if (open_err == EPERM) {
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "open() failed with EPERM, but not because of the probe program");
	} else {
		errname(open_err, why, sizeof(why));
		snprintf(r->enforce_detail, sizeof(r->enforce_detail),
			 "open() failed with %s instead of EPERM", why);
	}

cleanup:
	bpf_link__destroy(link);
	probe_bpf__destroy(s);
	if (t.fd >= 0)
		close(t.fd);
}

static void probe_tp_btf(struct probe_result *r)
{
	struct bpf_link *link;
	struct probe_bpf *s;
	int err;

	s = open_one(PROG_SYS_ENTER);
	if (!s) {
		r->tp_load_err = errno;
		return;
	}
	err = probe_bpf__load(s);
	if (err) {
		r->tp_load_err = -err;
		goto cleanup;
	}
	r->tp_loads = true;
	link = bpf_program__attach_trace(s->progs.probe_sys_enter);
	if (!link) {
		r->tp_attach_err = errno;
		goto cleanup;
	}
	r->tp_attaches = true;
	for (int i = 0; i < 3; i++)
		(void)getppid();
	r->tp_fires = s->bss->sys_enter_hits > 0;
	bpf_link__destroy(link);
cleanup:
	probe_bpf__destroy(s);
}

static void probe_send_signal(struct probe_result *r)
{
	struct probe_bpf *s;
	int err;

	s = open_one(PROG_SEND_SIGNAL);
	if (!s) {
		r->sig_load_err = errno;
		return;
	}
	err = probe_bpf__load(s);	/* load only: fire_signal stays 0 */
	if (err)
		r->sig_load_err = -err;
	else
		r->sig_loads = true;
	probe_bpf__destroy(s);
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

	probe_lsm(r);
	probe_tp_btf(r);
	probe_send_signal(r);
}
