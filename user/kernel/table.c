// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/table.h"

static int tb_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

uint64_t bj_kernel_dev(uint64_t st_dev)
{
	return ((uint64_t)major(st_dev) << 20) | minor(st_dev);
}

int bj_exec_vaddr(const char *path, uint64_t *out)
{
	uint64_t lowest = UINT64_MAX;
	size_t nphdr;
	Elf *elf;
	int fd, err = -ENOEXEC;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getphdrnum(elf, &nphdr))
		goto out;
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph))
			goto out;
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && ph.p_vaddr < lowest)
			lowest = ph.p_vaddr;
	}
	if (lowest != UINT64_MAX) {
		*out = lowest;
		err = 0;
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

struct seg {
	uint64_t start, end, mask;
};

struct segvec {
	struct seg *v;
	size_t n, cap;
};

static int seg_push(struct segvec *sv, uint64_t start, uint64_t end, uint64_t mask)
{
	if (start >= end || !mask)
		return 0;
	/* Adjacent ranges with the same mask are one range. */
	if (sv->n && sv->v[sv->n - 1].end == start && sv->v[sv->n - 1].mask == mask) {
		sv->v[sv->n - 1].end = end;
		return 0;
	}
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 256;
		struct seg *v = realloc(sv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = (struct seg){ start, end, mask };
	return 0;
}

/* Merge two sorted lists of non-overlapping segments, OR-ing masks where they
 * overlap (stub flags over module ranges, in principle never both). */
static int seg_merge(const struct segvec *a, const struct segvec *b, struct segvec *out)
{
	size_t i = 0, j = 0;
	uint64_t pos = 0;

	while (i < a->n || j < b->n) {
		const struct seg *sa = i < a->n ? &a->v[i] : NULL;
		const struct seg *sb = j < b->n ? &b->v[j] : NULL;
		uint64_t s_a = sa ? (sa->start > pos ? sa->start : pos) : UINT64_MAX;
		uint64_t s_b = sb ? (sb->start > pos ? sb->start : pos) : UINT64_MAX;
		uint64_t start = s_a < s_b ? s_a : s_b, end, mask = 0;
		int err;

		if (sa && s_a >= sa->end) { i++; continue; }
		if (sb && s_b >= sb->end) { j++; continue; }
		end = UINT64_MAX;
		if (sa) {
			if (s_a == start) {
				mask |= sa->mask;
				end = sa->end;
			} else if (s_a < end) {
				end = s_a;
			}
		}
		if (sb) {
			if (s_b == start) {
				mask |= sb->mask;
				if (sb->end < end)
					end = sb->end;
			} else if (s_b < end) {
				end = s_b;
			}
		}
		err = seg_push(out, start, end, mask);
		if (err)
			return err;
		pos = end;
		if (sa && pos >= sa->end)
			i++;
		if (sb && pos >= sb->end)
			j++;
	}
	return 0;
}

static bool same_paths(const struct bj_verdict *a, const struct bj_verdict *b)
{
	if (a->npaths != b->npaths)
		return false;
	for (size_t i = 0; i < a->npaths; i++)
		if (a->paths[i].access != b->paths[i].access || strcmp(a->paths[i].path, b->paths[i].path))
			return false;
	return true;
}

static int add_warning(struct bj_tablebuild *out, const char *fmt, ...)
{
	char buf[512], **w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w = realloc(out->warnings, (out->nwarnings + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	out->warnings = w;
	w[out->nwarnings] = strdup(buf);
	if (!w[out->nwarnings])
		return -ENOMEM;
	out->nwarnings++;
	return 0;
}

/* Resolve group g's path rules (those of verdict v) into out->paths. */
static int add_group_paths(struct bj_tablebuild *out, const struct bj_verdict *v, uint32_t g)
{
	static const uint32_t letters[4] = { BJ_ACCESS_R, BJ_ACCESS_W, BJ_ACCESS_X, BJ_ACCESS_C };

	for (size_t i = 0; i < v->npaths; i++) {
		struct stat st;
		uint64_t dev;
		uint32_t k;
		int err;

		if (stat(v->paths[i].path, &st)) {
			/* A rule can only grant: a missing path grants nothing (fail closed). */
			err = add_warning(out, "%s: path rule %s: %s: grants nothing", v->module,
					  v->paths[i].path, strerror(errno));
			if (err)
				return err;
			continue;
		}
		dev = bj_kernel_dev(st.st_dev);
		for (k = 0; k < out->npaths; k++)
			if (out->paths[k].dev == dev && out->paths[k].ino == st.st_ino)
				break;
		if (k == out->npaths) {
			struct bj_pathent *p;

			if (out->npaths == BJ_MAX_PATHRULES)
				return -E2BIG;
			p = realloc(out->paths, (out->npaths + 1) * sizeof(*p));
			if (!p)
				return -ENOMEM;
			out->paths = p;
			memset(&p[k], 0, sizeof(p[k]));
			p[k].dev = dev;
			p[k].ino = st.st_ino;
			out->npaths++;
		}
		for (int a = 0; a < 4; a++)
			if (v->paths[i].access & letters[a])
				out->paths[k].val.groups[a] |= 1ull << g;
		out->table.path_groups |= 1ull << g;
	}
	return 0;
}

/* The walk's chunk filter (struct bj_table, hot[]): the smallest chunks that
 * cover the text in BJ_HOT_WORDS * 64 bits. */
void bj_hot_filter(struct bj_table *t, const struct bj_range *r, size_t n, uint64_t text_size)
{
	const uint64_t nbits = BJ_HOT_WORDS * 64;
	uint32_t shift = BJ_HOT_MIN_SHIFT;

	while ((text_size + (1ull << shift) - 1) >> shift > nbits)
		shift++;
	t->hot_shift = shift;
	memset(t->hot, 0, sizeof(t->hot));
	for (size_t i = 0; i < n; i++) {
		if (!(r[i].mask & BJ_RANGE_GROUPS) || r[i].end <= r[i].start)
			continue;
		for (uint64_t c = r[i].start >> shift; c <= (uint64_t)(r[i].end - 1) >> shift; c++)
			t->hot[c / 64] |= 1ull << (c % 64);
	}
	/* The walk's fast path takes a clear bit as "a whole chunk inside the
	 * text with no confined code": the last, partial chunk and every bit
	 * past it are hot, so frames there take the exact path. */
	for (uint64_t c = text_size >> shift; c < nbits; c++)
		t->hot[c / 64] |= 1ull << (c % 64);
}

int bj_table_build(const struct gosym_binary *bin, const struct bj_verdict *verdicts,
		   const char *path, uint32_t mode, uint32_t on_unknown,
		   struct bj_tablebuild *out, char *err, size_t errlen)
{
	struct segvec mods = { 0 }, stubs = { 0 }, all = { 0 };
	uint64_t *setmask = NULL;
	uint32_t deny_of_group[BJ_MAX_GROUPS];
	int32_t first_of_group[BJ_MAX_GROUPS];
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->module_group = calloc(bin->nmodules ? bin->nmodules : 1, sizeof(*out->module_group));
	if (!out->module_group)
		return -ENOMEM;

	/* Groups: one per distinct (denied classes, path rules) among confined modules. */
	for (uint32_t m = 0; m < bin->nmodules; m++) {
		const struct bj_verdict *v = &verdicts[m];
		uint32_t deny, g;

		out->module_group[m] = -1;
		if (!v->confined)
			continue;
		deny = BJ_CLASS_ALL & ~v->allow;
		if (!deny)
			continue; /* confined, but granted everything: nothing to check */
		for (g = 0; g < out->ngroups; g++)
			if (deny_of_group[g] == deny && same_paths(&verdicts[first_of_group[g]], v))
				break;
		if (g == out->ngroups) {
			if (g == BJ_MAX_GROUPS) {
				ret = tb_err(err, errlen, -E2BIG,
					     "policy has more than %d distinct sets of grants for confined modules",
					     BJ_MAX_GROUPS);
				goto fail;
			}
			deny_of_group[g] = deny;
			first_of_group[g] = m;
			out->ngroups++;
		}
		out->module_group[m] = g;
		out->nconfined++;
	}

	for (uint32_t g = 0; g < out->ngroups; g++) {
		ret = add_group_paths(out, &verdicts[first_of_group[g]], g);
		if (ret) {
			if (ret == -E2BIG)
				tb_err(err, errlen, ret, "more than %d path rules", BJ_MAX_PATHRULES);
			goto fail;
		}
	}

	/* Each module set's group mask, computed once per set. */
	setmask = calloc(bin->nsets ? bin->nsets : 1, sizeof(*setmask));
	if (!setmask) {
		ret = -ENOMEM;
		goto fail;
	}
	for (uint32_t s = 0; s < bin->nsets; s++)
		for (uint32_t m = 0; m < bin->nmodules; m++)
			if (out->module_group[m] >= 0 && gosym_set_has(bin, s, m))
				setmask[s] |= 1ull << out->module_group[m];

	for (uint32_t i = 0; i < bin->nranges; i++) {
		const struct gosym_range *r = &bin->ranges[i];

		ret = seg_push(&mods, r->start, r->end, setmask[r->set]);
		if (ret)
			goto fail;
	}
	for (uint32_t i = 0; i < bin->nfuncs; i++) {
		const struct gosym_func *f = &bin->funcs[i];
		uint64_t flags = 0;

		if (f->flags & GOSYM_FN_RA_IN_R12)
			flags = BJ_RANGE_RA_R12;
		else if (f->flags & GOSYM_FN_FRAMELESS_SYSCALL)
			flags = BJ_RANGE_FRAMELESS;
		if (!flags)
			continue;
		ret = seg_push(&stubs, f->entry, f->end, flags);
		if (ret)
			goto fail;
		out->nframeless++;
	}
	ret = seg_merge(&mods, &stubs, &all);
	if (ret)
		goto fail;

	if (bin->text_end <= bin->text_start || bin->text_end - bin->text_start > UINT32_MAX) {
		ret = tb_err(err, errlen, -ERANGE, "Go text range %#llx-%#llx unusable",
			     (unsigned long long)bin->text_start, (unsigned long long)bin->text_end);
		goto fail;
	}
	if (all.n > BJ_MAX_RANGES) {
		ret = tb_err(err, errlen, -E2BIG, "range table has %zu entries, the kernel map holds %u",
			     all.n, BJ_MAX_RANGES);
		goto fail;
	}
	out->ranges = calloc(all.n ? all.n : 1, sizeof(*out->ranges));
	if (!out->ranges) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < all.n; i++) {
		if (all.v[i].start < bin->text_start || all.v[i].end > bin->text_end) {
			ret = tb_err(err, errlen, -ERANGE, "range %#llx-%#llx outside the Go text",
				     (unsigned long long)all.v[i].start,
				     (unsigned long long)all.v[i].end);
			goto fail;
		}
		out->ranges[i].start = all.v[i].start - bin->text_start;
		out->ranges[i].end = all.v[i].end - bin->text_start;
		out->ranges[i].mask = all.v[i].mask;
	}
	out->nranges = all.n;

	out->table.text_start = bin->text_start;
	out->table.text_end = bin->text_end;
	bj_hot_filter(&out->table, out->ranges, out->nranges, bin->text_end - bin->text_start);
	out->table.range_cnt = all.n;
	out->table.mode = mode;
	out->table.max_depth = BJ_MAX_DEPTH;
	out->table.on_unknown = on_unknown;
	out->table.ngroups = out->ngroups;
	for (uint32_t g = 0; g < out->ngroups; g++) {
		out->table.deny[g] = deny_of_group[g];
		out->table.guarded |= deny_of_group[g];
		for (uint32_t c = 0; c < BJ_CLASS__COUNT; c++)
			if (deny_of_group[g] & (1u << c))
				out->table.lacking[c] |= 1ull << g;
	}
	if (path) {
		struct stat st;
		uint64_t vaddr;

		if (stat(path, &st)) {
			ret = tb_err(err, errlen, -errno, "%s: %s", path, strerror(errno));
			goto fail;
		}
		out->table.dev = bj_kernel_dev(st.st_dev);
		out->table.ino = st.st_ino;
		ret = bj_exec_vaddr(path, &vaddr);
		if (ret) {
			tb_err(err, errlen, ret, "%s: no executable segment", path);
			goto fail;
		}
		out->table.exec_vaddr = vaddr;
	}
	free(mods.v);
	free(stubs.v);
	free(all.v);
	free(setmask);
	return 0;
fail:
	free(mods.v);
	free(stubs.v);
	free(all.v);
	free(setmask);
	bj_tablebuild_free(out);
	return ret;
}

void bj_tablebuild_free(struct bj_tablebuild *tb)
{
	for (uint32_t i = 0; i < tb->nwarnings; i++)
		free(tb->warnings[i]);
	free(tb->warnings);
	free(tb->paths);
	free(tb->ranges);
	free(tb->module_group);
	tb->warnings = NULL;
	tb->nwarnings = 0;
	tb->paths = NULL;
	tb->ranges = NULL;
	tb->module_group = NULL;
}
