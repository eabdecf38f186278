// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfjail.h"
#include "jail.skel.h"
#include "kernel/jail.h"

#define LOCK_FILE "/run/bpfjail.lock"

struct rbctx;
static void free_ring_ctxs(const struct bj_kernel *k);

static const char *const map_names[] = { "jails", "tables", "ranges", "pathrules", "events", "stats",
					 "binaries", "agent", "control", "jailbits" };

static int kerr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!env.verbose || (level == LIBBPF_DEBUG && env.verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* bpffs at /sys/fs/bpf (mounted if absent: many distributions do not). */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	mkdir("/sys/fs/bpf", 0700);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

/* The pin directory is named after the BPF object, so an upgraded bpfjail
 * never mixes its programs with an older layout of the maps. */
static void pin_dir(char *buf, size_t len)
{
	size_t sz;
	const unsigned char *obj = jail_bpf__elf_bytes(&sz);
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sz; i++)
		h = (h ^ obj[i]) * 1099511628211ull;
	snprintf(buf, len, BJ_PIN_ROOT "/%016llx", (unsigned long long)h);
}

static int mkdirs(const char *dir)
{
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Number of arguments of LSM hook `hook` in the running kernel, or -1. */
static int hook_nargs(const struct btf *vmlinux, const char *hook)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "bpf_lsm_%s", hook);
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	t = btf__type_by_id(vmlinux, id);
	t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
	return t ? btf_vlen(t) : -1;
}

static bool link_pinned(const struct bj_kernel *k, const char *prog)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/links/%s", k->dir, prog);
	return access(path, F_OK) == 0;
}

/*
 * Which programs to load now: those the options need that are not pinned
 * yet. LSM programs only where the kernel has the hook, and of the variants
 * for hooks whose signature changed (names ending in __N), the one with N
 * arguments. Returns the number to load.
 */
static int select_programs(struct bj_kernel *k, struct jail_bpf *skel, const struct bj_kernel_opts *o)
{
	struct btf *vmlinux = NULL;
	struct bpf_program *prog;
	int n = 0;

	if (o->lsm)
		vmlinux = btf__load_vmlinux_btf();
	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *name = bpf_program__name(prog);
		const char *variant = strstr(name, "__");
		bool want;

		if (!strncmp(sec, "lsm/", 4)) {
			int nargs = vmlinux ? hook_nargs(vmlinux, sec + 4) : -1;

			want = o->lsm && nargs >= 0 && (!variant || atoi(variant + 2) == nargs);
			if (o->lsm && nargs < 0 && vmlinux) {
				size_t len = strlen(k->skipped);

				snprintf(k->skipped + len, sizeof(k->skipped) - len, "%s%s", len ? "," : "",
					 sec + 4);
				k->nskipped++;
			}
		} else if (!strcmp(name, "bj_sys_enter")) {
			want = o->syscalls;
		} else {
			want = true; /* lifecycle tracepoints: always */
		}
		if (want && link_pinned(k, name))
			want = false;
		bpf_program__set_autoload(prog, want);
		n += want;
	}
	btf__free(vmlinux);
	return n;
}

static int open_pinned_maps(struct bj_kernel *k)
{
	int *fds[] = { &k->fd_jails, &k->fd_tables, &k->fd_ranges, &k->fd_pathrules, &k->fd_events,
		       &k->fd_stats, &k->fd_binaries, &k->fd_agent, &k->fd_control,
		       &k->fd_jailbits };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/maps/%s", k->dir, map_names[i]);
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0)
			return -errno;
	}
	return 0;
}

/* The name a map is pinned under, or NULL: .bss holds nothing but jailbits
 * (bpf/jail.bpf.c), other internal maps (.rodata, none today) stay unpinned. */
static const char *pin_name(const struct jail_bpf *skel, const struct bpf_map *map)
{
	const char *name = bpf_map__name(map);

	if (map == skel->maps.bss)
		return "jailbits";
	return strchr(name, '.') ? NULL : name;
}

_Static_assert(sizeof(*((struct jail_bpf *)0)->bss) == sizeof(uint64_t) * BJ_JAILBITS_WORDS,
	       "bpf/jail.bpf.c: .bss must hold jailbits and nothing else (it is pinned and mmapped as jailbits)");

/* Load what select_programs chose into the (pinned or new) maps; pin all. */
static int load_and_pin(struct bj_kernel *k, const struct bj_kernel_opts *o, bool maps_exist,
			char *err, size_t errlen)
{
	struct jail_bpf *skel;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[256];
	double t0;
	int ret, n;

	/* The common case: everything needed is attached already. */
	if (maps_exist && link_pinned(k, "bj_fork") && link_pinned(k, "bj_exec") &&
	    link_pinned(k, "bj_exit") && (!o->lsm || link_pinned(k, "bj_file_open")) &&
	    (!o->syscalls || link_pinned(k, "bj_sys_enter")))
		return 0;
	skel = jail_bpf__open();
	if (!skel)
		return kerr(err, errlen, -errno, "cannot open the BPF object: %s", strerror(errno));
	n = select_programs(k, skel, o);
	if (n == 0 && maps_exist) {
		jail_bpf__destroy(skel);
		return 0;
	}
	if (!maps_exist && o->max_binaries &&
	    (ret = bpf_map__set_max_entries(skel->maps.binaries, o->max_binaries))) {
		kerr(err, errlen, ret, "binaries map size %u: %s", o->max_binaries, strerror(-ret));
		goto out;
	}
	bpf_object__for_each_map(map, skel->obj) {
		const char *name = pin_name(skel, map);

		if (!name)
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", k->dir, name);
		if (maps_exist) {
			int fd = bpf_obj_get(path);

			if (fd < 0 || bpf_map__reuse_fd(map, fd)) {
				ret = -errno;
				if (fd >= 0)
					close(fd);
				kerr(err, errlen, ret, "reusing pinned map %s: %s", path, strerror(-ret));
				goto out;
			}
			close(fd);
		}
	}

	t0 = now_ms();
	ret = jail_bpf__load(skel);
	if (env.verbose)
		fprintf(stderr, "bpfjail: loaded %d programs in %.0f ms\n", n, now_ms() - t0);
	if (ret) {
		ret = ret < 0 ? ret : -errno;
		if (o->lsm && (ret == -EPERM || ret == -524 /* ENOTSUPP */))
			kerr(err, errlen, ret,
			     "BPF LSM is not usable on this kernel: loading the LSM programs failed (%s); "
			     "'bpfjail probe' shows what is available", strerror(-ret));
		else
			kerr(err, errlen, ret, "loading the BPF programs failed: %s (-v -v shows the verifier log)",
			     strerror(-ret));
		goto out;
	}

	if (!maps_exist) {
		ret = mkdirs(k->dir);
		if (!ret) {
			snprintf(path, sizeof(path), "%s/maps", k->dir);
			ret = mkdirs(path);
		}
		bpf_object__for_each_map(map, skel->obj) {
			if (ret || !pin_name(skel, map))
				continue;
			snprintf(path, sizeof(path), "%s/maps/%s", k->dir, pin_name(skel, map));
			if (bpf_map__pin(map, path))
				ret = -errno;
		}
		if (ret) {
			kerr(err, errlen, ret, "pinning maps under %s: %s", k->dir, strerror(-ret));
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/links", k->dir);
	ret = mkdirs(path);
	if (ret) {
		kerr(err, errlen, ret, "%s: %s", path, strerror(-ret));
		goto out;
	}
	t0 = now_ms();
	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			ret = -errno;
			kerr(err, errlen, ret, "attaching %s: %s", bpf_program__section_name(prog),
			     strerror(-ret));
			goto out;
		}
		snprintf(path, sizeof(path), "%s/links/%s", k->dir, bpf_program__name(prog));
		ret = bpf_link__pin(link, path);
		bpf_link__destroy(link); /* the pin keeps it attached */
		if (ret) {
			kerr(err, errlen, ret, "pinning %s: %s", path, strerror(-ret));
			goto out;
		}
	}
	if (env.verbose)
		fprintf(stderr, "bpfjail: attached and pinned in %.0f ms\n", now_ms() - t0);
	k->loaded_now = true;
	ret = 0;
out:
	jail_bpf__destroy(skel);
	return ret;
}

void bj_kernel_init(struct bj_kernel *k)
{
	memset(k, 0, sizeof(*k));
	k->fd_jails = k->fd_tables = k->fd_ranges = k->fd_pathrules = k->fd_events = k->fd_stats = -1;
	k->fd_binaries = k->fd_agent = k->fd_control = k->fd_rb = k->fd_jailbits = -1;
	k->lock_fd = -1;
}

int bj_kernel_lock(struct bj_kernel *k)
{
	int fd;

	if (k->lock_depth++)
		return 0;
	mkdir("/run", 0755);
	fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	while (fd >= 0 && flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		k->lock_depth = 0;
		return -errno;
	}
	k->lock_fd = fd;
	return 0;
}

void bj_kernel_unlock(struct bj_kernel *k)
{
	if (k->lock_depth == 0 || --k->lock_depth)
		return;
	close(k->lock_fd);
	k->lock_fd = -1;
}

int bj_kernel_open(struct bj_kernel *k, const struct bj_kernel_opts *o, char *err, size_t errlen)
{
	struct stat st;
	char path[256];
	int ret;

	bj_kernel_init(k);
	libbpf_set_print(libbpf_print);

	if (o->no_load) {
		struct statfs sfs;

		/* Read-only users (list, detach) must not mount anything. */
		if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC)
			return kerr(err, errlen, -ENOENT, "bpffs is not mounted: no process is jailed");
	} else {
		ret = ensure_bpffs();
		if (ret)
			return kerr(err, errlen, ret, "cannot mount bpffs at /sys/fs/bpf: %s", strerror(-ret));
	}
	pin_dir(k->dir, sizeof(k->dir));

	/* One loader at a time: two first invocations must not both load. */
	ret = bj_kernel_lock(k);
	if (ret) {
		kerr(err, errlen, ret, "%s: %s", LOCK_FILE, strerror(-ret));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/maps/jails", k->dir);
	if (o->no_load) {
		ret = stat(path, &st) ? -ENOENT : 0;
		if (ret)
			kerr(err, errlen, ret, "nothing is loaded (%s is empty): no process is jailed", k->dir);
	} else {
		ret = load_and_pin(k, o, stat(path, &st) == 0, err, errlen);
	}
	if (ret)
		goto fail;
	ret = open_pinned_maps(k);
	if (ret) {
		kerr(err, errlen, ret, "opening pinned maps in %s: %s", k->dir, strerror(-ret));
		goto fail;
	}
	/* What is attached now, whoever attached it. */
	k->syscalls = link_pinned(k, "bj_sys_enter");
	k->lsm = link_pinned(k, "bj_file_open");
	{
		DIR *d;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/links", k->dir);
		d = opendir(path);
		while (d && (de = readdir(d)))
			if (!strncmp(de->d_name, "bj_", 3) && strcmp(de->d_name, "bj_fork") &&
			    strcmp(de->d_name, "bj_exec") && strcmp(de->d_name, "bj_exit") &&
			    strcmp(de->d_name, "bj_sys_enter"))
				k->nhooks++;
		if (d)
			closedir(d);
	}
	if (o->lsm && !k->lsm) {
		ret = kerr(err, errlen, -EPERM, "BPF LSM hooks are not attached");
		goto fail;
	}
	bj_kernel_unlock(k);
	return 0;
fail:
	bj_kernel_close(k);
	return ret;
}

void bj_kernel_close(struct bj_kernel *k)
{
	int *fds[] = { &k->fd_jails, &k->fd_tables, &k->fd_ranges, &k->fd_pathrules, &k->fd_events,
		       &k->fd_stats, &k->fd_binaries, &k->fd_agent, &k->fd_control,
		       &k->fd_rb, &k->fd_jailbits };

	ring_buffer__free(k->rb);
	k->rb = NULL;
	if (k->jailbits)
		munmap(k->jailbits, sizeof(uint64_t) * BJ_JAILBITS_WORDS);
	k->jailbits = NULL;
	free_ring_ctxs(k);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (k->lock_fd >= 0)
		close(k->lock_fd);
	k->lock_fd = -1;
	k->lock_depth = 0;
}

/* Find a free table slot and a gap of n range slots among the live tables. */
static int add_table_locked(struct bj_kernel *k, const struct bj_tablebuild *tb, uint32_t *id,
			    char *err, size_t errlen);

int bj_kernel_add_table(struct bj_kernel *k, const struct bj_tablebuild *tb, uint32_t *id,
			char *err, size_t errlen)
{
	int ret = bj_kernel_lock(k);

	if (ret)
		return kerr(err, errlen, ret, "%s: %s", LOCK_FILE, strerror(-ret));
	ret = add_table_locked(k, tb, id, err, errlen);
	bj_kernel_unlock(k);
	return ret;
}

/* Strictly increasing within a boot, never 0 (struct bj_table, stamp). */
static uint64_t table_stamp(void)
{
	static uint64_t last;
	struct timespec ts;
	uint64_t v;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	v = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (v <= last)
		v = last + 1;
	last = v;
	return v;
}

static int add_table_locked(struct bj_kernel *k, const struct bj_tablebuild *tb, uint32_t *id,
			    char *err, size_t errlen)
{
	static struct { uint32_t off, cnt; } used[BJ_MAX_TABLES];
	uint32_t nused = 0, slot = UINT32_MAX, off = 0, n = tb->nranges;
	struct bj_table t;

	for (uint32_t i = 0; i < BJ_MAX_TABLES; i++) {
		if (bpf_map_lookup_elem(k->fd_tables, &i, &t))
			return kerr(err, errlen, -errno, "reading table %u: %s", i, strerror(errno));
		if (!t.valid) {
			if (slot == UINT32_MAX)
				slot = i;
			continue;
		}
		used[nused].off = t.range_off;
		used[nused].cnt = t.range_cnt;
		nused++;
	}
	if (slot == UINT32_MAX)
		return kerr(err, errlen, -ENOSPC, "all %d table slots are in use", BJ_MAX_TABLES);
	/* First fit: sort the used slices by offset, take the first gap. */
	for (uint32_t i = 1; i < nused; i++)
		for (uint32_t j = i; j > 0 && used[j - 1].off > used[j].off; j--) {
			typeof(used[0]) tmp = used[j];

			used[j] = used[j - 1];
			used[j - 1] = tmp;
		}
	for (uint32_t i = 0; i < nused; i++) {
		if (used[i].off >= off + n)
			break;
		if (used[i].off + used[i].cnt > off)
			off = used[i].off + used[i].cnt;
	}
	if ((uint64_t)off + n > BJ_MAX_RANGES)
		return kerr(err, errlen, -ENOSPC, "the range map is full (%u slots, %u needed)",
			    BJ_MAX_RANGES, n);

	if (n) {
		/* One syscall for all ranges where the kernel supports batches. */
		uint32_t *keys = malloc(n * sizeof(*keys));
		uint32_t count = n;
		int ret = -ENOMEM;

		if (keys) {
			for (uint32_t i = 0; i < n; i++)
				keys[i] = off + i;
			ret = bpf_map_update_batch(k->fd_ranges, keys, tb->ranges, &count, NULL);
			if (ret) {
				ret = 0;
				for (uint32_t i = 0; i < n && !ret; i++)
					if (bpf_map_update_elem(k->fd_ranges, &keys[i], &tb->ranges[i], BPF_ANY))
						ret = -errno;
			}
			free(keys);
		}
		if (ret)
			return kerr(err, errlen, ret, "writing ranges: %s", strerror(-ret));
	}
	for (uint32_t i = 0; i < tb->npaths; i++) {
		struct bj_pathkey key = { .table = slot, .dev = tb->paths[i].dev, .ino = tb->paths[i].ino };

		if (bpf_map_update_elem(k->fd_pathrules, &key, &tb->paths[i].val, BPF_ANY))
			return kerr(err, errlen, -errno, "writing path rules: %s", strerror(errno));
	}
	t = tb->table;
	t.range_off = off;
	t.range_cnt = n;
	t.valid = 1;
	t.stamp = table_stamp();
	if (bpf_map_update_elem(k->fd_tables, &slot, &t, BPF_ANY))
		return kerr(err, errlen, -errno, "writing table: %s", strerror(errno));
	*id = slot;
	return 0;
}

int bj_kernel_get_table(struct bj_kernel *k, uint32_t id, struct bj_table *out)
{
	if (bpf_map_lookup_elem(k->fd_tables, &id, out))
		return -errno;
	return out->valid ? 0 : -ENOENT;
}

int bj_kernel_del_table(struct bj_kernel *k, uint32_t id)
{
	struct bj_pathkey key, next, *prev = NULL;
	struct bj_table t = { 0 };
	int ret = bj_kernel_lock(k);

	if (ret)
		return ret;
	if (bpf_map_update_elem(k->fd_tables, &id, &t, BPF_ANY)) {
		ret = -errno;
		bj_kernel_unlock(k);
		return ret;
	}
	bpf_map_delete_elem(k->fd_events, &id);
	/* Its path rules; after deleting the current key, restart the walk. */
	while (bpf_map_get_next_key(k->fd_pathrules, prev, &next) == 0) {
		if (next.table == id) {
			bpf_map_delete_elem(k->fd_pathrules, &next);
			prev = NULL;
			continue;
		}
		key = next;
		prev = &key;
	}
	bj_kernel_unlock(k);
	return 0;
}

/* One context per ring (the agent reads many): freed with its handle, and
 * only with its own (a process may hold several handles at once). */
struct rbctx {
	bj_event_fn fn;
	bj_hold_fn hold;
	void *ctx;
	uint32_t table;
	int fd;
	bool pending;	/* added while consuming: fd is ours until then */
	const struct bj_kernel *owner;
	struct rbctx *next;
};

static struct rbctx *rb_ctxs;

static void free_ring_ctxs(const struct bj_kernel *k)
{
	struct rbctx **pp = &rb_ctxs;

	while (*pp) {
		struct rbctx *c = *pp;

		if (c->owner != k) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		if (c->pending)
			close(c->fd);
		free(c);
	}
}

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rbctx *c = ctx;

	if (c->hold)
		return size >= sizeof(struct bj_hold) ? c->hold(c->ctx, data) : 0;
	if (size < sizeof(struct bj_event) || !c->fn)
		return 0;
	return c->fn(c->ctx, data);
}

static int add_ring(struct bj_kernel *k, int fd, struct rbctx *c)
{
	int ret;

	c->fd = fd;
	if (!k->rb) {
		k->rb = ring_buffer__new(fd, rb_cb, c, NULL);
		ret = k->rb ? 0 : -errno;
	} else if (k->consuming) {
		/*
		 * Called from an event callback (the agent builds a table for a
		 * held exec): ring_buffer__add would reallocate the ring array
		 * that ring_buffer__consume is walking. The ring exists and the
		 * kernel writes to it already; it is added when consume returns.
		 */
		c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		c->pending = c->fd >= 0;
		ret = c->fd >= 0 ? 0 : -errno;
	} else {
		ret = ring_buffer__add(k->rb, fd, rb_cb, c);
	}
	if (ret) {
		free(c);
		return ret;
	}
	c->owner = k;
	c->next = rb_ctxs;
	rb_ctxs = c;
	return 0;
}

/* A new ring buffer for `table`, in the events map, read with fn. */
static int watch_table(struct bj_kernel *k, uint32_t table, bj_event_fn fn, void *ctx)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "bj_events", 0, 0, BJ_EVENTS_SIZE, NULL);
	struct rbctx *c;
	int ret;

	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(k->fd_events, &table, &fd, BPF_ANY)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fn = fn;
	c->ctx = ctx;
	c->table = table;
	ret = add_ring(k, fd, c);
	if (ret) {
		close(fd);
		return ret;
	}
	/* libbpf mmaps the ring; the events map entry keeps the map alive. */
	close(fd);
	return 0;
}

int bj_kernel_watch(struct bj_kernel *k, uint32_t table, bj_event_fn fn, void *ctx)
{
	int ret = watch_table(k, table, fn, ctx);

	if (!ret)
		k->rb_table = table;
	return ret;
}

int bj_kernel_watch_more(struct bj_kernel *k, uint32_t table, bj_event_fn fn, void *ctx)
{
	return watch_table(k, table, fn, ctx);
}

/* Stop delivering a table's events (libbpf cannot remove one ring: the map
 * entry goes, so the kernel stops writing, and its callback is muted). */
int bj_kernel_unwatch(struct bj_kernel *k, uint32_t table)
{
	for (struct rbctx *c = rb_ctxs; c; c = c->next)
		if (c->owner == k && !c->hold && c->table == table)
			c->fn = NULL;
	bpf_map_delete_elem(k->fd_events, &table);
	return 0;
}

int bj_kernel_watch_holds(struct bj_kernel *k, bj_hold_fn fn, void *ctx)
{
	struct rbctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->hold = fn;
	c->ctx = ctx;
	return add_ring(k, k->fd_control, c);
}

int bj_kernel_agent_set(struct bj_kernel *k, bool enabled, bool hold)
{
	struct bj_agent a = { 0 };
	struct timespec ts;
	uint32_t zero = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	a.heartbeat_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	a.enabled = enabled;
	a.hold = hold;
	if (bpf_map_update_elem(k->fd_agent, &zero, &a, BPF_ANY))
		return -errno;
	return 0;
}

int bj_kernel_agent_heartbeat(struct bj_kernel *k)
{
	struct bj_agent a;
	struct timespec ts;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(k->fd_agent, &zero, &a))
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	a.heartbeat_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (bpf_map_update_elem(k->fd_agent, &zero, &a, BPF_ANY))
		return -errno;
	return 0;
}

int bj_kernel_bin_set(struct bj_kernel *k, uint64_t dev, uint64_t ino, bool match, uint32_t table)
{
	struct bj_binkey key = { .dev = dev, .ino = ino };
	struct bj_binval val = { .table = match ? table : 0, .flags = match ? BJ_BIN_MATCH : BJ_BIN_NOMATCH };

	if (bpf_map_update_elem(k->fd_binaries, &key, &val, BPF_ANY))
		return -errno;
	return 0;
}

int bj_kernel_bin_del(struct bj_kernel *k, uint64_t dev, uint64_t ino)
{
	struct bj_binkey key = { .dev = dev, .ino = ino };

	if (bpf_map_delete_elem(k->fd_binaries, &key))
		return -errno;
	return 0;
}

int bj_kernel_bins_clear_nomatch(struct bj_kernel *k)
{
	struct bj_binkey key, next, *prev = NULL;
	struct bj_binval val;

	while (bpf_map_get_next_key(k->fd_binaries, prev, &next) == 0) {
		if (bpf_map_lookup_elem(k->fd_binaries, &next, &val) == 0 && (val.flags & BJ_BIN_NOMATCH)) {
			bpf_map_delete_elem(k->fd_binaries, &next);
			prev = NULL; /* restart: the walk's key is gone */
			continue;
		}
		key = next;
		prev = &key;
	}
	return 0;
}

int bj_kernel_proc_update(struct bj_kernel *k, pid_t pid, const struct bj_proc *p)
{
	uint32_t key = pid;

	if (bpf_map_update_elem(k->fd_jails, &key, p, BPF_EXIST))
		return -errno;
	return 0;
}

int bj_kernel_bin_count(struct bj_kernel *k, uint32_t *n)
{
	struct bj_binkey key, next, *prev = NULL;

	*n = 0;
	while (bpf_map_get_next_key(k->fd_binaries, prev, &next) == 0) {
		(*n)++;
		key = next;
		prev = &key;
	}
	return 0;
}

int bj_kernel_bin_capacity(struct bj_kernel *k, uint32_t *n)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(k->fd_binaries, &info, &len))
		return -errno;
	*n = info.max_entries;
	return 0;
}

int bj_kernel_events_fd(struct bj_kernel *k)
{
	return k->rb ? ring_buffer__epoll_fd(k->rb) : -1;
}

int bj_kernel_consume(struct bj_kernel *k)
{
	int n;

	if (!k->rb)
		return 0;
	k->consuming = true;
	n = ring_buffer__consume(k->rb);
	k->consuming = false;
	for (struct rbctx *c = rb_ctxs; c; c = c->next) {
		if (c->owner != k || !c->pending)
			continue;
		if (ring_buffer__add(k->rb, c->fd, rb_cb, c))
			fprintf(stderr, "bpfjail: warning: events of table %u cannot be read: %s\n",
				c->table, strerror(errno));
		close(c->fd);
		c->pending = false;
	}
	return n;
}

int bj_kernel_jail(struct bj_kernel *k, pid_t pid, uint32_t table, uint32_t state, uint64_t bias)
{
	struct bj_proc p = { .table = table, .state = state, .bias = bias };
	uint32_t key = pid;

	/*
	 * The hooks test pid's jailbits bit before they look jails up: set it
	 * first, atomically (the BPF side sets bits of other tgids in the same
	 * word at fork).
	 */
	if (!k->jailbits) {
		void *m = mmap(NULL, sizeof(uint64_t) * BJ_JAILBITS_WORDS, PROT_READ | PROT_WRITE,
			       MAP_SHARED, k->fd_jailbits, 0);

		if (m == MAP_FAILED)
			return -errno;
		k->jailbits = m;
	}
	__atomic_fetch_or(&k->jailbits[(key >> 6) & (BJ_JAILBITS_WORDS - 1)], 1ull << (key & 63),
			  __ATOMIC_SEQ_CST);
	if (bpf_map_update_elem(k->fd_jails, &key, &p, BPF_NOEXIST))
		return -errno;
	return 0;
}

int bj_kernel_unjail(struct bj_kernel *k, pid_t pid)
{
	uint32_t key = pid;

	if (bpf_map_delete_elem(k->fd_jails, &key))
		return -errno;
	return 0;
}

int bj_kernel_proc(struct bj_kernel *k, pid_t pid, struct bj_proc *out)
{
	uint32_t key = pid;

	if (bpf_map_lookup_elem(k->fd_jails, &key, out))
		return -errno;
	return 0;
}

int bj_kernel_next_proc(struct bj_kernel *k, pid_t *pid, struct bj_proc *out)
{
	uint32_t cur = *pid, next;

	if (bpf_map_get_next_key(k->fd_jails, *pid ? &cur : NULL, &next))
		return -ENOENT;
	*pid = next;
	if (bpf_map_lookup_elem(k->fd_jails, &next, out))
		return -errno;
	return 0;
}

int bj_kernel_stats(struct bj_kernel *k, uint64_t out[BJ_STAT_COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t zero = 0;
	uint64_t *vals;

	if (ncpu <= 0)
		return -EINVAL;
	/* One per-CPU value holding all counters (bpf/jail.bpf.c, struct bj_stats). */
	vals = calloc((size_t)ncpu * BJ_STAT_COUNT, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	memset(out, 0, BJ_STAT_COUNT * sizeof(out[0]));
	if (bpf_map_lookup_elem(k->fd_stats, &zero, vals) == 0)
		for (int c = 0; c < ncpu; c++)
			for (uint32_t i = 0; i < BJ_STAT_COUNT; i++)
				out[i] += vals[(size_t)c * BJ_STAT_COUNT + i];
	free(vals);
	return 0;
}

int bj_rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			ret = bj_rm_tree(path) ?: ret;
		else if (unlink(path))
			ret = -errno;
	}
	closedir(d);
	if (rmdir(dir))
		ret = ret ?: -errno;
	return ret;
}

bool bj_kernel_any_jailed(pid_t *pid)
{
	DIR *d = opendir(BJ_PIN_ROOT);
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		char path[512];
		uint32_t next;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), BJ_PIN_ROOT "/%s/maps/jails", de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (bpf_map_get_next_key(fd, NULL, &next) == 0) {
			*pid = next;
			found = true;
		}
		close(fd);
	}
	if (d)
		closedir(d);
	return found;
}

static int hold_release_cb(void *ctx, void *data, size_t size)
{
	const struct bj_hold *h = data;

	if (size == sizeof(*h) && h->pid > 0 && kill((pid_t)h->pid, SIGCONT) == 0)
		(*(int *)ctx)++;
	return 0;
}

/*
 * Processes the kernel stopped for an agent's verdict that no agent will
 * give (the agent died; the holds are still in the pinned control ring):
 * without their pins nothing would ever continue them. Stop new holds, then
 * continue every queued one. With the pins gone they run unjailed, as
 * everything does after unload.
 */
static int release_holds(const char *dir)
{
	char path[PATH_MAX + 16];
	struct ring_buffer *rb;
	struct bj_agent ag;
	uint32_t zero = 0;
	int fd, n = 0;

	snprintf(path, sizeof(path), "%s/maps/agent", dir);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, &ag) == 0) {
			ag.hold = 0;
			bpf_map_update_elem(fd, &zero, &ag, BPF_ANY);
		}
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/maps/control", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	rb = ring_buffer__new(fd, hold_release_cb, &n, NULL);
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
	close(fd);
	return n;
}

int bj_kernel_unload(char *err, size_t errlen)
{
	struct statfs sfs;
	struct dirent *de;
	DIR *d;
	int ret;

	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC)
		return 0; /* nothing can be pinned */
	d = opendir(BJ_PIN_ROOT);
	while (d && (de = readdir(d))) {
		char dir[512];
		int n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", BJ_PIN_ROOT, de->d_name);
		n = release_holds(dir);
		if (n && env.verbose)
			fprintf(stderr, "bpfjail: unload: continued %d held process(es)\n", n);
	}
	if (d)
		closedir(d);
	ret = bj_rm_tree(BJ_PIN_ROOT);
	if (ret)
		return kerr(err, errlen, ret, "removing %s: %s", BJ_PIN_ROOT, strerror(-ret));
	return 0;
}

bool bj_kernel_table_in_use(struct bj_kernel *k, uint32_t id)
{
	struct bj_proc p;
	pid_t pid = 0;

	while (bj_kernel_next_proc(k, &pid, &p) == 0)
		if (p.table == id)
			return true;
	return false;
}
