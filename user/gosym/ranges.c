// SPDX-License-Identifier: GPL-2.0
/*
 * The range table: which modules' code runs at each PC.
 *
 * Every function with a module gives [entry, end) the set {its module}. Code
 * inlined into a function keeps the physical function's PCs, so on the PC
 * runs where the inline tree says other functions' code runs, the set also
 * holds those functions' modules (every level of the inline chain: a module
 * function inlined into a std helper inlined into main is still that
 * module's code).
 *
 * Functions are sorted and the inline runs of a function come in PC order
 * inside it, so the table is produced in order into one growable array,
 * merging a range into the previous one when they touch and have the same
 * set. Sets are bitmaps of set_words words, interned in a hash table; set 0
 * is the empty set and never appears in a range.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NAME_CACHE 8192		/* direct-mapped name -> module cache, power of two */
#define MAX_CHAIN 64		/* distinct modules collected per inline run before bitmap */

struct rb {
	struct gosym_binary *bin;
	/* output ranges */
	struct gosym_range *r;
	size_t n, cap;
	/* interned sets: nsets * w words; set 0 is the empty set */
	uint64_t *sets;
	size_t nsets, setcap;
	uint32_t w;
	uint32_t *htab;		/* set index, 0 = free slot (set 0 is never hashed) */
	size_t hcap;
	uint32_t *single;	/* per module: its singleton set, 0 = not made yet */
	uint64_t *scratch;	/* w words */
	/* the function being walked */
	const struct gosym_func *f;
	int32_t base_mod;
	uint32_t base_set;
	uint64_t cursor;	/* PCs below it are done */
	bool nomem;
	struct {
		const char *name;
		int32_t mod;
	} cache[NAME_CACHE];
};

static uint64_t hash_words(const uint64_t *v, uint32_t w)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	uint32_t i;

	for (i = 0; i < w; i++) {
		h ^= v[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	return h;
}

static int rb_hash_grow(struct rb *b)
{
	size_t ncap = b->hcap ? b->hcap * 2 : 256, i, j;
	uint32_t *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -1;
	for (i = 1; i < b->nsets; i++) {
		j = (size_t)hash_words(&b->sets[i * b->w], b->w) & (ncap - 1);
		while (nt[j])
			j = (j + 1) & (ncap - 1);
		nt[j] = (uint32_t)i;
	}
	free(b->htab);
	b->htab = nt;
	b->hcap = ncap;
	return 0;
}

/* Index of the (non-empty) set v, adding it if new; 0 on OOM (b->nomem). */
static uint32_t rb_intern(struct rb *b, const uint64_t *v)
{
	size_t j;

	if ((b->nsets + 1) * 2 > b->hcap && rb_hash_grow(b))
		goto nomem;
	j = (size_t)hash_words(v, b->w) & (b->hcap - 1);
	for (; b->htab[j]; j = (j + 1) & (b->hcap - 1))
		if (!memcmp(&b->sets[(size_t)b->htab[j] * b->w], v, b->w * sizeof(*v)))
			return b->htab[j];
	if (b->nsets == b->setcap) {
		size_t ncap = b->setcap * 2;
		uint64_t *ns;

		if (b->nsets >= UINT32_MAX / 2)
			goto nomem;
		ns = realloc(b->sets, ncap * b->w * sizeof(*ns));
		if (!ns)
			goto nomem;
		b->sets = ns;
		b->setcap = ncap;
	}
	memcpy(&b->sets[b->nsets * b->w], v, b->w * sizeof(*v));
	b->htab[j] = (uint32_t)b->nsets;
	return (uint32_t)b->nsets++;
nomem:
	b->nomem = true;
	return 0;
}

static uint32_t rb_single(struct rb *b, int32_t m)
{
	if (m == GOSYM_MOD_NONE)
		return 0;
	if (!b->single[m]) {
		memset(b->scratch, 0, b->w * sizeof(*b->scratch));
		b->scratch[m / 64] |= 1ull << (m % 64);
		b->single[m] = rb_intern(b, b->scratch);
	}
	return b->single[m];
}

static void rb_emit(struct rb *b, uint64_t start, uint64_t end, uint32_t set)
{
	struct gosym_range *last;

	if (start >= end || !set)
		return;
	last = b->n ? &b->r[b->n - 1] : NULL;
	if (last && last->end == start && last->set == set) {
		last->end = end;
		return;
	}
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 4096;
		struct gosym_range *nr;

		if (b->cap >= UINT32_MAX / 2) {
			b->nomem = true;
			return;
		}
		nr = realloc(b->r, ncap * sizeof(*nr));
		if (!nr) {
			b->nomem = true;
			return;
		}
		b->r = nr;
		b->cap = ncap;
	}
	b->r[b->n].start = start;
	b->r[b->n].end = end;
	b->r[b->n].set = set;
	b->n++;
}

/* Names come from the binary's name table, so a pointer identifies a name
 * for the binary's lifetime: cache its module by address. */
static int32_t rb_name_module(struct rb *b, const char *name)
{
	size_t h = (size_t)(((uintptr_t)name * 0x9e3779b97f4a7c15ull) >> 40) & (NAME_CACHE - 1);

	if (b->cache[h].name != name) {
		b->cache[h].name = name;
		b->cache[h].mod = gs_module_of_name(b->bin, name);
	}
	return b->cache[h].mod;
}

static int rb_inline_cb(void *ctx, uint64_t start, uint64_t end, const char *const *names, int n)
{
	struct rb *b = ctx;
	int32_t mods[MAX_CHAIN];
	int nm = 0, i, j;
	bool overflow = false;
	uint32_t set;

	/* Defensive: runs are expected in order and inside the function. */
	if (start < b->cursor)
		start = b->cursor;
	if (end > b->f->end)
		end = b->f->end;
	if (start >= end)
		return 0;

	if (b->base_mod != GOSYM_MOD_NONE)
		mods[nm++] = b->base_mod;
	for (i = 0; i < n; i++) {
		int32_t m = names[i] ? rb_name_module(b, names[i]) : GOSYM_MOD_NONE;

		if (m == GOSYM_MOD_NONE)
			continue;
		for (j = 0; j < nm && mods[j] != m; j++)
			;
		if (j < nm)
			continue;
		if (nm == MAX_CHAIN)
			overflow = true;
		else
			mods[nm++] = m;
	}
	if (!nm) {
		set = 0;
	} else if (nm == 1) {
		set = rb_single(b, mods[0]);
	} else {
		memset(b->scratch, 0, b->w * sizeof(*b->scratch));
		for (j = 0; j < nm; j++)
			b->scratch[mods[j] / 64] |= 1ull << (mods[j] % 64);
		/* Only hostile input has chains this long: take every name. */
		for (i = 0; overflow && i < n; i++) {
			int32_t m = names[i] ? rb_name_module(b, names[i]) : GOSYM_MOD_NONE;

			if (m != GOSYM_MOD_NONE)
				b->scratch[m / 64] |= 1ull << (m % 64);
		}
		set = rb_intern(b, b->scratch);
	}
	if (b->nomem)
		return GOSYM_E_NOMEM;
	rb_emit(b, b->cursor, start, b->base_set);
	rb_emit(b, start, end, set);
	b->cursor = end;
	return b->nomem ? GOSYM_E_NOMEM : 0;
}

static void rb_free(struct rb *b)
{
	free(b->r);
	free(b->sets);
	free(b->htab);
	free(b->single);
	free(b->scratch);
	free(b);
}

int gs_ranges_build(struct gosym_binary *bin, struct gosym_err *err)
{
	struct rb *b;
	uint64_t *counts = NULL;
	uint64_t prev_end = 0;
	uint32_t i;
	int ret = 0;

	bin->ranges = NULL;
	bin->nranges = 0;
	bin->set_words = bin->nmodules ? (bin->nmodules + 63) / 64 : 1;

	b = calloc(1, sizeof(*b));
	if (!b)
		return gs_err(err, GOSYM_E_NOMEM, "ranges: out of memory");
	b->bin = bin;
	b->w = bin->set_words;
	b->setcap = 64;
	b->sets = calloc(b->setcap, b->w * sizeof(*b->sets));
	b->single = calloc(bin->nmodules ? bin->nmodules : 1, sizeof(*b->single));
	b->scratch = calloc(b->w, sizeof(*b->scratch));
	if (!b->sets || !b->single || !b->scratch || rb_hash_grow(b))
		goto nomem;
	b->nsets = 1;	/* set 0: empty */

	/* No module, no range: skip the inline walks. */
	for (i = 0; i < bin->nfuncs && bin->nmodules; i++) {
		const struct gosym_func *f = &bin->funcs[i];
		int32_t m = f->module;

		if (m < 0 || (uint32_t)m >= bin->nmodules)
			m = GOSYM_MOD_NONE;
		b->f = f;
		b->base_mod = m;
		b->base_set = rb_single(b, m);
		b->cursor = f->entry > prev_end ? f->entry : prev_end;
		if (f->end <= b->cursor)
			continue;
		if (f->flags & GOSYM_FN_HAS_INLINE) {
			ret = gs_inline_walk(bin, f, rb_inline_cb, b);
			if (ret < 0) {
				if (ret == GOSYM_E_NOMEM || b->nomem)
					goto nomem;
				ret = gs_err(err, ret, "ranges: bad inline tree in %s",
					     f->name ? f->name : "?");
				goto out;
			}
			ret = 0;
		}
		rb_emit(b, b->cursor, f->end, b->base_set);
		if (b->nomem)
			goto nomem;
		prev_end = f->end;
	}

	/* Per-module range counts: count ranges per set, then spread. */
	counts = calloc(b->nsets, sizeof(*counts));
	if (!counts)
		goto nomem;
	for (i = 0; i < b->n; i++)
		counts[b->r[i].set]++;
	for (i = 0; i < bin->nmodules; i++)
		bin->modules[i].nranges = 0;
	for (size_t s = 1; s < b->nsets; s++) {
		uint32_t wi;

		if (!counts[s])
			continue;
		for (wi = 0; wi < b->w; wi++) {
			uint64_t v = b->sets[s * b->w + wi];

			while (v) {
				uint32_t mod = wi * 64 + (uint32_t)__builtin_ctzll(v);

				v &= v - 1;
				if (mod < bin->nmodules)
					bin->modules[mod].nranges += (uint32_t)counts[s];
			}
		}
	}

	/* Into the arena, which lives as long as the binary. */
	bin->sets = gs_alloc(bin, b->nsets * b->w * sizeof(*bin->sets));
	if (!bin->sets)
		goto nomem;
	memcpy(bin->sets, b->sets, b->nsets * b->w * sizeof(*bin->sets));
	bin->nsets = (uint32_t)b->nsets;
	if (b->n) {
		bin->ranges = gs_alloc(bin, b->n * sizeof(*bin->ranges));
		if (!bin->ranges)
			goto nomem;
		memcpy(bin->ranges, b->r, b->n * sizeof(*bin->ranges));
	}
	bin->nranges = (uint32_t)b->n;
	ret = 0;
	goto out;
nomem:
	ret = gs_err(err, GOSYM_E_NOMEM, "ranges: out of memory");
	bin->ranges = NULL;
	bin->nranges = 0;
out:
	free(counts);
	rb_free(b);
	return ret;
}
