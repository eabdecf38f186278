// SPDX-License-Identifier: GPL-2.0
/*
 * Per-function facts that need the code or the FUNCDATA tables:
 *
 * - Frameless syscall stubs: a function whose SYSCALL (0f 05) runs with SP
 *   delta 0 (pcsp) has no frame, so the kernel's frame-pointer walk skips
 *   its caller; the caller's return address is the word at the user SP.
 * - syscall.rawVforkSyscall pops its return address into R12 right before
 *   SYSCALL (POPQ R12 = 41 5c; Go 1.15-1.27 alike): flagged by that pattern.
 * - The inline tree: FUNCDATA_InlTree holds inlinedCall records, indexed by
 *   the PCDATA_InlTreeIndex value at a PC (-1 = not inlined).
 *
 * Indexes and records (cmd/internal/objabi/funcdata.go, runtime/symtab.go,
 * runtime/symtabinl.go):
 *   Go 1.9-1.11: PCDATA 1, FUNCDATA 2, {parent, file, line, func int32} (16)
 *   Go 1.12:     PCDATA 1, FUNCDATA 2, {parent int16, funcID u8, _ u8, file,
 *                line, func, parentPc int32} (20)
 *   Go 1.13-1.15: PCDATA 2, FUNCDATA 4 (RegPointerMaps, StackObjects before)
 *   Go 1.16-1.19: PCDATA 2, FUNCDATA 3, same 20-byte record
 *   Go 1.20+:    PCDATA 2, FUNCDATA 3, {funcID u8, _ [3]u8, nameOff,
 *                parentPc, startLine int32} (16); the parent is the
 *                InlTreeIndex value at entry + parentPc.
 * func/nameOff is a funcnametab offset (1.2 format: from the pclntab start,
 * which gs_pcln_name handles the same way).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define INL_MAX_DEPTH	128	/* deeper means a cycle in a corrupt tree */
#define INL_MAX_INDEX	(1u << 20)	/* the runtime's own bound on the tree */
#define RUNS_STACK	256

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* "go1.15.15" -> 15; 0 when unknown or not 1.x. */
static unsigned go_minor(const char *v)
{
	unsigned n = 0;

	if (!v || strncmp(v, "go1.", 4))
		return 0;
	for (v += 4; *v >= '0' && *v <= '9' && n < 1000; v++)
		n = n * 10 + (unsigned)(*v - '0');
	return n;
}

static void inl_config(struct gosym_binary *bin)
{
	struct gs_pcln *pc = &((struct gs_priv *)bin->priv)->pcln;
	unsigned minor = go_minor(bin->go_version);
	bool npcdata3 = false;

	switch (bin->format) {
	case GOSYM_PCLN_GO120:
		pc->inl_pcdata = 2, pc->inl_funcdata = 3, pc->inl_size = 16;
		return;
	case GOSYM_PCLN_GO118:
	case GOSYM_PCLN_GO116:
		pc->inl_pcdata = 2, pc->inl_funcdata = 3, pc->inl_size = 20;
		return;
	default:
		break;
	}
	if (minor >= 13) {
		pc->inl_pcdata = 2, pc->inl_funcdata = 4, pc->inl_size = 20;
		return;
	}
	if (minor == 12) {
		pc->inl_pcdata = 1, pc->inl_funcdata = 2, pc->inl_size = 20;
		return;
	}
	if (minor >= 9) {
		pc->inl_pcdata = 1, pc->inl_funcdata = 2, pc->inl_size = 16;
		return;
	}
	/*
	 * No version (Go <= 1.12 has no .go.buildinfo, or it was removed).
	 * Go 1.13-1.15 set three PCDATA tables in most functions (RegMap or
	 * UnsafePoint, StackMap, InlTree); 1.12 has RegMapIndex as PCDATA 2,
	 * 1.9-1.11 at most two.
	 */
	for (uint32_t i = 0; i < bin->nfuncs && !npcdata3; i++) {
		uint32_t off;

		npcdata3 = gs_func_pcdata(bin, &bin->funcs[i], 2, &off);
	}
	if (npcdata3)
		pc->inl_pcdata = 2, pc->inl_funcdata = 4, pc->inl_size = 20;
	else
		pc->inl_pcdata = 1, pc->inl_funcdata = 2, pc->inl_size = 16;
}

/* ---- pcsp lookups -------------------------------------------------------- */

struct val_at {
	uint64_t pc;
	int32_t val;
	bool found;
};

static int val_at_cb(void *ctx, uint64_t start, uint64_t end, int32_t val)
{
	struct val_at *v = ctx;

	if (v->pc >= start && v->pc < end) {
		v->val = val;
		v->found = true;
		return 1;
	}
	return 0;
}

/* pcsp value at pc; false if unknown. */
static bool sp_delta(const struct gosym_binary *bin, const struct gosym_func *f, uint64_t pc,
		     int32_t *out)
{
	struct val_at v = { .pc = pc };
	uint32_t off;

	if (!gs_func_pcsp(bin, f, &off))
		return false;
	if (gs_pcvalue_walk(bin, f, off, val_at_cb, &v) < 0 || !v.found)
		return false;
	*out = v.val;
	return true;
}

/*
 * Is the 0f 05 at code[i] plausibly an instruction and not the rel32 of a
 * CALL/JMP (e8/e9 xx xx xx xx) or Jcc (0f 8x xx xx xx xx) right before it?
 * A real SYSCALL follows MOVs of arguments, never such a branch.
 */
static bool in_rel32(const uint8_t *code, size_t i)
{
	for (size_t j = 1; j <= 3 && j <= i; j++)
		if (code[i - j] == 0xe8 || code[i - j] == 0xe9)
			return true;
	for (size_t j = 2; j <= 4 && j <= i; j++)
		if (code[i - j] == 0x0f && (code[i - j + 1] & 0xf0) == 0x80)
			return true;
	return false;
}

static uint32_t syscall_flags(const struct gosym_binary *bin, const struct gosym_func *f)
{
	const struct gs_priv *priv = bin->priv;
	struct gs_buf code;
	uint32_t flags = 0;
	const uint8_t *p, *end;

	if (priv->machine != EM_X86_64)
		return 0;
	if (!gs_elf_vaddr(bin, f->entry, (size_t)(f->end - f->entry), &code) || code.len < 2)
		return 0;
	/* Search the second byte: 05 is four times rarer than 0f in Go code. */
	p = code.p + 1;
	end = code.p + code.len;
	while (p < end && (p = memchr(p, 0x05, (size_t)(end - p)))) {
		size_t i = (size_t)(p - code.p) - 1;	/* offset of the 0f */
		int32_t sp;

		p++;
		if (code.p[i] != 0x0f)
			continue;
		if (i >= 2 && code.p[i - 2] == 0x41 && code.p[i - 1] == 0x5c) {
			/* POPQ R12; SYSCALL */
			flags |= GOSYM_FN_RA_IN_R12;
			continue;
		}
		if (in_rel32(code.p, i))
			continue;
		/* The kernel sees the PC after the instruction. */
		if (sp_delta(bin, f, f->entry + i + 2, &sp) && sp == 0)
			flags |= GOSYM_FN_FRAMELESS_SYSCALL;
	}
	return flags;
}

int gs_mark_functions(struct gosym_binary *bin, struct gosym_err *err)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;

	inl_config(bin);
	for (uint32_t i = 0; i < bin->nfuncs; i++) {
		struct gosym_func *f = &bin->funcs[i];
		uint64_t tree;
		uint32_t off;

		f->flags |= syscall_flags(bin, f);
		if (gs_func_funcdata(bin, f, pc->inl_funcdata, &tree) &&
		    gs_func_pcdata(bin, f, pc->inl_pcdata, &off))
			f->flags |= GOSYM_FN_HAS_INLINE;
	}
	return 0;
}

/* ---- inline tree --------------------------------------------------------- */

struct run {
	uint64_t start, end;
	int32_t val;
};

struct runs {
	struct run *v;
	size_t n, cap;
	struct run stack[RUNS_STACK];
	int32_t maxval;
};

static int runs_cb(void *ctx, uint64_t start, uint64_t end, int32_t val)
{
	struct runs *r = ctx;

	if (r->n && r->v[r->n - 1].val == val && r->v[r->n - 1].end == start) {
		r->v[r->n - 1].end = end;
		return 0;
	}
	if (r->n == r->cap) {
		size_t ncap = r->cap * 2;
		struct run *nv;

		if (r->v == r->stack) {
			nv = malloc(ncap * sizeof(*nv));
			if (nv)
				memcpy(nv, r->v, r->n * sizeof(*nv));
		} else {
			nv = realloc(r->v, ncap * sizeof(*nv));
		}
		if (!nv)
			return GOSYM_E_NOMEM;
		r->v = nv;
		r->cap = ncap;
	}
	r->v[r->n++] = (struct run){ start, end, val };
	if (val > r->maxval)
		r->maxval = val;
	return 0;
}

static void runs_free(struct runs *r)
{
	if (r->v != r->stack)
		free(r->v);
}

/* Value of the InlTreeIndex table at pc (-1 outside every run). */
static int32_t runs_lookup(const struct runs *r, uint64_t pc)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= r->v[lo - 1].end)
		return -1;
	return r->v[lo - 1].val;
}

/*
 * What one function's tree needs. Nodes are decoded once each and cached
 * (name, parent): init functions have thousands of runs over a few nodes.
 */
#define NODES_STACK 128
#define NODE_UNSET INT32_MIN

struct node {
	const char *name;
	int32_t parent;
};

struct tree {
	const struct gosym_binary *bin;
	const struct gosym_func *f;
	struct gs_buf bytes;		/* the tree, up to its section's end */
	uint32_t size;			/* sizeof(inlinedCall) */
	uint32_t nnodes;		/* entries that fit in bytes */
	struct runs runs;
	struct node *nodes;		/* cache for indexes <= runs.maxval */
	uint32_t ncache;
	struct node stack[NODES_STACK];
};

static void tree_close(struct tree *t)
{
	runs_free(&t->runs);
	if (t->nodes != t->stack)
		free(t->nodes);
}

/* 1: tree ready; 0: no inlining in f; < 0: error. tree_close() always. */
static int tree_open(struct tree *t, const struct gosym_binary *bin, const struct gosym_func *f)
{
	const struct gs_pcln *pc = &((const struct gs_priv *)bin->priv)->pcln;
	uint64_t addr;
	uint32_t off;
	int ret;

	memset(t, 0, offsetof(struct tree, stack));
	t->bin = bin;
	t->f = f;
	t->size = pc->inl_size;
	t->runs.v = t->runs.stack;
	t->runs.cap = RUNS_STACK;
	t->runs.maxval = -1;
	t->nodes = t->stack;
	if (!t->size || !gs_func_funcdata(bin, f, pc->inl_funcdata, &addr) ||
	    !gs_func_pcdata(bin, f, pc->inl_pcdata, &off))
		return 0;	/* no inlining here */
	if (!gs_elf_vaddr(bin, addr, (size_t)INL_MAX_INDEX * t->size, &t->bytes) ||
	    t->bytes.len < t->size)
		return GOSYM_E_CORRUPT;
	t->nnodes = (uint32_t)(t->bytes.len / t->size);
	ret = gs_pcvalue_walk(bin, f, off, runs_cb, &t->runs);
	if (ret < 0)
		return ret;
	if (t->runs.maxval >= 0) {
		t->ncache = (uint32_t)t->runs.maxval + 1;
		if (t->ncache > t->nnodes)
			return GOSYM_E_CORRUPT;
		if (t->ncache > NODES_STACK) {
			t->nodes = malloc(t->ncache * sizeof(*t->nodes));
			if (!t->nodes) {
				t->nodes = t->stack;
				return GOSYM_E_NOMEM;
			}
		}
		for (uint32_t i = 0; i < t->ncache; i++)
			t->nodes[i].parent = NODE_UNSET;
	}
	return 1;
}

/* Name and parent of tree entry ix. */
static int tree_node(struct tree *t, int32_t ix, const char **name, int32_t *parent)
{
	const uint8_t *e;
	int32_t nameoff;

	if (ix < 0 || (uint32_t)ix >= t->nnodes)
		return GOSYM_E_CORRUPT;
	if ((uint32_t)ix < t->ncache && t->nodes[ix].parent != NODE_UNSET) {
		*name = t->nodes[ix].name;
		*parent = t->nodes[ix].parent;
		return 0;
	}
	e = t->bytes.p + (size_t)ix * t->size;
	if (t->size == 20) {
		int16_t p16;

		memcpy(&p16, e, 2);
		*parent = p16;
		nameoff = (int32_t)rd32(e + 12);
	} else if (t->bin->format == GOSYM_PCLN_GO120) {
		uint32_t ppc = rd32(e + 8);

		nameoff = (int32_t)rd32(e + 4);
		*parent = ppc < t->f->end - t->f->entry ? runs_lookup(&t->runs, t->f->entry + ppc) : -1;
	} else {
		*parent = (int32_t)rd32(e);
		nameoff = (int32_t)rd32(e + 12);
	}
	if (*parent < -1)
		*parent = -1;
	*name = gs_pcln_name(t->bin, nameoff);
	if (!*name)
		return GOSYM_E_CORRUPT;
	if ((uint32_t)ix < t->ncache) {
		t->nodes[ix].name = *name;
		t->nodes[ix].parent = *parent;
	}
	return 0;
}

/*
 * Chain of inlined names at index ix, innermost first; returns the count.
 * From Go 1.20 the parent is whatever index the table has at entry +
 * parentPc, and the compiler leaves parentPc 0 when the call site's code was
 * optimized away (seen in Go 1.27 static init code): the lookup then lands
 * on the same chain again. The runtime would loop there; the chain is cut
 * at the first repeated index instead. With explicit parents (before 1.20)
 * a cycle means a corrupt table.
 */
static int tree_chain(struct tree *t, int32_t ix, const char **names, int max)
{
	int32_t seen[INL_MAX_DEPTH];
	int n = 0, depth = 0;

	while (ix >= 0) {
		const char *name;
		int32_t parent;
		int ret;

		for (int i = 0; i < depth; i++) {
			if (seen[i] != ix)
				continue;
			if (t->bin->format != GOSYM_PCLN_GO120)
				return GOSYM_E_CORRUPT;
			return n;
		}
		if (depth >= INL_MAX_DEPTH)
			return GOSYM_E_CORRUPT;
		seen[depth++] = ix;
		ret = tree_node(t, ix, &name, &parent);
		if (ret)
			return ret;
		if (n < max)
			names[n++] = name;
		ix = parent;
	}
	return n;
}

int gs_inline_walk(const struct gosym_binary *bin, const struct gosym_func *f,
		   gs_inline_cb cb, void *ctx)
{
	const char *names[INL_MAX_DEPTH];
	struct tree t;
	int ret;

	ret = tree_open(&t, bin, f);
	if (ret <= 0)
		goto out;
	ret = 0;
	for (size_t i = 0; i < t.runs.n && !ret; i++) {
		const struct run *r = &t.runs.v[i];
		int n;

		if (r->val < 0)
			continue;
		n = tree_chain(&t, r->val, names, INL_MAX_DEPTH);
		if (n < 0) {
			ret = n;
			break;
		}
		if (n > 0)
			ret = cb(ctx, r->start, r->end, names, n);
	}
out:
	tree_close(&t);
	return ret;
}

int gs_inline_at(const struct gosym_binary *bin, const struct gosym_func *f, uint64_t pc,
		 const char **names, int max)
{
	struct tree t;
	int32_t ix;
	int ret, n = 0;

	if (max <= 0)
		return 0;
	ret = tree_open(&t, bin, f);
	if (ret < 0)
		goto out;
	if (ret > 0 && pc >= f->entry && pc < f->end) {
		ix = runs_lookup(&t.runs, pc);
		n = tree_chain(&t, ix, names, max - 1);
		if (n < 0) {
			ret = n;
			goto out;
		}
	}
	names[n++] = f->name;
	ret = n;
out:
	tree_close(&t);
	return ret;
}
