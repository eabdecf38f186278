// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfjail.h"
#include "jail.skel.h"
#include "kernel/jail.h"

#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && env.verbose < 2)
		return 0;
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
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

/*
 * LSM programs: keep those whose hook exists, and of the variants written for
 * hooks whose signature changed (names ending in __N), the one with N args.
 * Everything else (tracepoints) is always loaded.
 */
static void select_programs(struct bj_kernel *k, const struct bj_kernel_opts *o)
{
	struct btf *vmlinux = o->lsm ? btf__load_vmlinux_btf() : NULL;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, k->skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *name = bpf_program__name(prog);
		const char *variant = strstr(name, "__");
		int n;

		if (!strcmp(name, "bj_sys_enter")) {
			bpf_program__set_autoload(prog, o->syscalls);
			continue;
		}
		if (strncmp(sec, "lsm/", 4) != 0)
			continue;
		if (!o->lsm || !vmlinux) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		n = hook_nargs(vmlinux, sec + 4);
		if (n < 0 || (variant && atoi(variant + 2) != n)) {
			bpf_program__set_autoload(prog, false);
			if (n < 0) {
				size_t len = strlen(k->skipped);

				snprintf(k->skipped + len, sizeof(k->skipped) - len, "%s%s",
					 len ? "," : "", sec + 4);
				k->nskipped++;
			}
		}
	}
	btf__free(vmlinux);
}

struct rbctx {
	bj_event_fn fn;
	void *ctx;
};

static struct rbctx rb_ctx;

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rbctx *c = ctx;

	if (size < sizeof(struct bj_event) || !c->fn)
		return 0;
	return c->fn(c->ctx, data);
}

int bj_kernel_open(struct bj_kernel *k, const struct bj_kernel_opts *o, bj_event_fn fn,
		   void *fnctx, char *err, size_t errlen)
{
	struct bpf_program *prog;
	int ret;

	memset(k, 0, sizeof(*k));
	libbpf_set_print(libbpf_print);

	k->skel = jail_bpf__open();
	if (!k->skel)
		return kerr(err, errlen, -errno, "cannot open the BPF object: %s", strerror(errno));
	k->skel->rodata->walk_mode = o->walk_mode;
	k->skel->rodata->max_depth = o->max_depth && o->max_depth <= BJ_MAX_DEPTH ? o->max_depth
										 : BJ_MAX_DEPTH;
	select_programs(k, o);

	double t0 = now_ms();
	ret = jail_bpf__load(k->skel);
	if (env.verbose)
		fprintf(stderr, "bpfjail: load %.0f ms\n", now_ms() - t0);
	t0 = now_ms();
	if (ret) {
		ret = ret < 0 ? ret : -errno;
		if (o->lsm && (ret == -EPERM || ret == -EINVAL || ret == -524 /* ENOTSUPP */))
			kerr(err, errlen, ret,
			     "BPF LSM is not usable on this kernel: loading the LSM programs failed (%s); "
			     "'bpfjail probe' shows what is available", strerror(-ret));
		else
			kerr(err, errlen, ret, "loading the BPF programs failed: %s (run with -v for the verifier log)",
			     strerror(-ret));
		goto fail;
	}

	/* Attaches every loaded program (skips those select_programs turned off). */
	ret = jail_bpf__attach(k->skel);
	if (ret) {
		ret = ret < 0 ? ret : -errno;
		kerr(err, errlen, ret, "attaching the BPF programs failed: %s", strerror(-ret));
		goto fail;
	}
	if (env.verbose) {
		fprintf(stderr, "bpfjail: attach %.0f ms\n", now_ms() - t0);
		bpf_object__for_each_program(prog, k->skel->obj) {
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);

			if (!bpf_program__autoload(prog) ||
			    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
				continue;
			fprintf(stderr, "bpfjail: %-28s %6u insns, %6u verified\n", bpf_program__name(prog),
				info.xlated_prog_len / 8, info.verified_insns);
		}
	}
	bpf_object__for_each_program(prog, k->skel->obj)
		if (bpf_program__autoload(prog) && !strncmp(bpf_program__section_name(prog), "lsm/", 4))
			k->nhooks++;
	k->lsm = o->lsm;

	rb_ctx.fn = fn;
	rb_ctx.ctx = fnctx;
	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.events), rb_cb, &rb_ctx, NULL);
	if (!k->rb) {
		ret = -errno;
		kerr(err, errlen, ret, "ring buffer: %s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	bj_kernel_close(k);
	return ret;
}

void bj_kernel_close(struct bj_kernel *k)
{
	ring_buffer__free(k->rb);
	jail_bpf__destroy(k->skel);
	k->rb = NULL;
	k->skel = NULL;
}

/* Find a free table slot and a gap of n range slots among the live tables. */
int bj_kernel_add_table(struct bj_kernel *k, const struct bj_tablebuild *tb, uint32_t *id,
			char *err, size_t errlen)
{
	int tfd = bpf_map__fd(k->skel->maps.tables), rfd = bpf_map__fd(k->skel->maps.ranges);
	struct { uint32_t off, cnt; } used[BJ_MAX_TABLES];
	uint32_t nused = 0, slot = UINT32_MAX, off = 0, n = tb->nranges;
	struct bj_table t;

	for (uint32_t i = 0; i < BJ_MAX_TABLES; i++) {
		if (bpf_map_lookup_elem(tfd, &i, &t))
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

	for (uint32_t i = 0; i < n; i++) {
		uint32_t key = off + i;

		if (bpf_map_update_elem(rfd, &key, &tb->ranges[i], BPF_ANY))
			return kerr(err, errlen, -errno, "writing ranges: %s", strerror(errno));
	}
	t = tb->table;
	t.range_off = off;
	t.range_cnt = n;
	t.valid = 1;
	if (bpf_map_update_elem(tfd, &slot, &t, BPF_ANY))
		return kerr(err, errlen, -errno, "writing table: %s", strerror(errno));
	*id = slot;
	return 0;
}

int bj_kernel_del_table(struct bj_kernel *k, uint32_t id)
{
	struct bj_table t = { 0 };

	if (bpf_map_update_elem(bpf_map__fd(k->skel->maps.tables), &id, &t, BPF_ANY))
		return -errno;
	return 0;
}

int bj_kernel_jail(struct bj_kernel *k, pid_t pid, uint32_t table, uint32_t state, uint64_t bias)
{
	struct bj_proc p = { .table = table, .state = state, .bias = bias };
	uint32_t key = pid;

	if (bpf_map_update_elem(bpf_map__fd(k->skel->maps.jails), &key, &p, BPF_NOEXIST))
		return -errno;
	return 0;
}

int bj_kernel_unjail(struct bj_kernel *k, pid_t pid)
{
	uint32_t key = pid;

	if (bpf_map_delete_elem(bpf_map__fd(k->skel->maps.jails), &key))
		return -errno;
	return 0;
}

int bj_kernel_proc(struct bj_kernel *k, pid_t pid, struct bj_proc *out)
{
	uint32_t key = pid;

	if (bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.jails), &key, out))
		return -errno;
	return 0;
}

int bj_kernel_stats(struct bj_kernel *k, uint64_t out[BJ_STAT_COUNT])
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(k->skel->maps.stats);
	uint64_t *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t i = 0; i < BJ_STAT_COUNT; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

int bj_kernel_poll(struct bj_kernel *k, int timeout_ms)
{
	return ring_buffer__poll(k->rb, timeout_ms);
}

int bj_kernel_events_fd(struct bj_kernel *k)
{
	return ring_buffer__epoll_fd(k->rb);
}

int bj_kernel_consume(struct bj_kernel *k)
{
	return ring_buffer__consume(k->rb);
}
