// SPDX-License-Identifier: GPL-2.0
/*
 * bpfjail's kernel side: one decision path (decide) shared by every LSM hook.
 *
 *   hook -> (class, op) -> jailed? -> guarded class? -> walk the user stack
 *        -> each PC: range lookup -> OR group bits -> any group lacks class?
 *        -> -EPERM (enforce) / event (audit)
 *
 * Processes that are not jailed leave after one hash lookup. The stack walk
 * follows Go's frame-pointer chain in a copy of the top of the user stack
 * (one bpf_probe_read_user), falling back to per-frame reads beyond it; the
 * kernel's own walk (bpf_get_stack) is the reference and can be selected
 * with walk_mode = 1 (bench/ compares both).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "jail.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define SIGKILL 9
#define CLONE_THREAD 0x00010000
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_EXEC 0x20
/* In f_flags: what do_open_execat opens with. Kernels before about 6.8 do
 * not copy it into f_mode by the time file_open runs (6.1 does not). */
#define __FMODE_EXEC 0x20
#define PROT_EXEC 0x4
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_PACKET 17
#define SOCK_RAW 3
#define S_IFMT 00170000
#define S_IFREG 0100000
#define ATTR_MODE (1 << 0)
#define ATTR_UID (1 << 1)
#define ATTR_GID (1 << 2)
#define ATTR_SIZE (1 << 3)
#define ATTR_ATIME (1 << 4)
#define ATTR_MTIME (1 << 5)


struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BJ_MAX_JAILS);
	__type(key, __u32);
	__type(value, struct bj_proc);
} jails SEC(".maps");

/*
 * A bit per tgid that may have a jails entry: set before every insert (here
 * and in userspace, with an atomic OR on the mmapped value), cleared when a
 * process's last thread exits. So a clear bit proves "not jailed", and a
 * process that is not jailed leaves after one load from it instead of a hash
 * lookup. A set bit (or a word shared with a jailed tgid) only costs the hash
 * lookup.
 *
 * Global data, not a map of its own: .bss is an array map with one value,
 * and the verifier turns a global's address into a constant (no lookup, no
 * NULL test). Nothing else may live in .bss; userspace pins it as
 * "jailbits" and mmaps it.
 */
__u64 jailbits[BJ_JAILBITS_WORDS];

static __always_inline __u64 *jailbit_word(__u32 tgid)
{
	return &jailbits[(tgid >> 6) & (BJ_JAILBITS_WORDS - 1)];
}

static __always_inline void jailbit_set(__u32 tgid)
{
	__sync_fetch_and_or(jailbit_word(tgid), 1ull << (tgid & 63));
}

static __always_inline void jailbit_clear(__u32 tgid)
{
	__sync_fetch_and_and(jailbit_word(tgid), ~(1ull << (tgid & 63)));
}

static __always_inline bool jailbit(__u32 tgid)
{
	return (*jailbit_word(tgid) >> (tgid & 63)) & 1;
}

/* tgid's jails entry, or NULL; a clear bit answers without the hash. */
static __always_inline struct bj_proc *jail_of(__u32 tgid)
{
	if (!jailbit(tgid))
		return NULL;
	return bpf_map_lookup_elem(&jails, &tgid);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BJ_MAX_TABLES);
	__type(key, __u32);
	__type(value, struct bj_table);
} tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BJ_MAX_RANGES);
	__type(key, __u32);
	__type(value, struct bj_range);
} ranges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BJ_MAX_BINARIES);
	__type(key, struct bj_binkey);
	__type(value, struct bj_binval);
} binaries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bj_agent);
} agent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} control SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BJ_MAX_PATHRULES);
	__type(key, struct bj_pathkey);
	__type(value, struct bj_pathval);
} pathrules SEC(".maps");

/*
 * Per-CPU scratch for one decision: the copied stack window, the PCs seen,
 * and the walk's state (kept here, not on the BPF stack, so the bpf_loop
 * callback needs no pointer from its caller's frame).
 */
#define BJ_REF_DEPTH 128

struct scratch {
	__u64 pcs[BJ_MAX_DEPTH];
	__u64 ref[BJ_REF_DEPTH];	/* compare mode: the kernel's walk */
	/* Two spare slots: the walk reads a pair at a masked offset < 2048. */
	__u64 window[BJ_STACK_WINDOW / 8 + 2];
	__u64 frame[2];
	__u64 fp;
	__u64 sp;	/* window base; ~0 when the window is unusable */
	__u64 win_end;	/* frames start at offsets < win_end of the window (0: none) */
	__u64 bias;
	__u64 text_b;	/* text_start + bias + 1: ra - text_b is the text offset of ra - 1 */
	__u64 text_len;
	__u64 groups;	/* OR of group bits seen */
	__u32 table;
	__u32 n;	/* PCs recorded in pcs[] */
	__u32 n_limit;	/* the walk stops (truncated) at this many PCs */
	__u32 in_text;	/* a frame lies inside the Go text */
	__u32 truncated;
	__u32 done;
	__u32 skip;	/* compare mode: our index 1 is the recovered frameless caller */
	__u32 diff;	/* compare mode: first differing index + 1, 0 if none */
	__u32 no_reanchor;	/* a window copy failed: per-frame reads */
	__u32 record;	/* fill pcs[] (bj_walk_slow only): events and compare mode */
	__u32 copies, reads;	/* this walk's window copies and frame reads (for stats) */
	__u64 r_ip, r_bp, r_sp, r_r12;	/* the system call's user registers */
	__u64 last_pc, last_mask;	/* the walk's last range search (a return address) */
	__u64 busy;	/* a decision holds this slot (scratch_claim; 64-bit: BPF atomics) */
	/* The leaf's last search, by (table, table stamp, link-time pc): a loop
	 * makes the same system call from the same stub again and again. */
	__u64 lc_pc, lc_stamp, lc_mask;
	__u32 lc_table;
	__u32 _pad;
};

/*
 * Two slots per CPU: a decision preempted on this CPU (LSM programs run
 * with migration, not preemption, disabled) must not share its slot with
 * the one that preempted it. scratch_claim takes a free one.
 */
#define BJ_SCRATCH_SLOTS 2

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BJ_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* All counters in one per-CPU value: a decision looks them up once (on 6.1
 * a per-CPU lookup is a helper call). */
struct bj_stats {
	__u64 v[BJ_STAT_COUNT];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bj_stats);
} stats SEC(".maps");

static __always_inline __u64 *stats_get(void)
{
	__u32 zero = 0;
	struct bj_stats *st = bpf_map_lookup_elem(&stats, &zero);

	return st ? st->v : NULL;
}

/* `which` is a constant at every call site: the index needs no check. */
#define stat_add(st, which)	do { if (st) (st)[which]++; } while (0)

static __always_inline void stat_inc(__u32 which)
{
	__u64 *st = stats_get();

	if (st && which < BJ_STAT_COUNT)
		st[which]++;
}

/*
 * Events: one ring buffer per table, so each consumer (a run, attach or the
 * agent) reads only its own. No buffer for a table: the event is dropped.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, BJ_MAX_TABLES);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_RINGBUF);
		__uint(max_entries, BJ_EVENTS_SIZE);
	});
} events SEC(".maps");

/* NULL: dropped (the caller counts it, after one null check the verifier
 * can follow: a second check on the reserved pointer would be a path that
 * leaks the reservation, as far as 6.1's verifier knows). */
static __always_inline struct bj_event *event_reserve(__u32 table)
{
	void *rb = bpf_map_lookup_elem(&events, &table);

	if (!rb)
		return NULL;
	return bpf_ringbuf_reserve(rb, sizeof(struct bj_event), 0);
}

/* A free scratch slot of this CPU, now held (release: s->busy = 0), or
 * NULL when both are held (two decisions preempted on this CPU). */
static __always_inline struct scratch *scratch_claim(void)
{
	__u32 k = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &k);

	if (s && !__sync_fetch_and_or(&s->busy, 1))
		return s;
	k = 1;
	s = bpf_map_lookup_elem(&scratch, &k);
	if (s && !__sync_fetch_and_or(&s->busy, 1))
		return s;
	return NULL;
}

/*
 * Mask of the range containing pc (a link-time address) in table `table`,
 * with BJ_RANGE_IN_TEXT set when pc lies in the Go text. A global function:
 * the verifier checks it once per program instead of at every call site.
 */
__noinline __u64 bj_range_mask(__u32 table, __u64 pc)
{
	struct bj_table *t = bpf_map_lookup_elem(&tables, &table);
	__u32 lo = 0, hi, base;
	__u64 off;

	if (!t || pc < t->text_start || pc >= t->text_end)
		return 0;
	hi = t->range_cnt;
	base = t->range_off;
	off = pc - t->text_start;
	for (int i = 0; i < BJ_RANGE_SEARCH_STEPS && lo < hi; i++) {
		__u32 mid = lo + (hi - lo) / 2, slot = base + mid;
		struct bj_range *r = bpf_map_lookup_elem(&ranges, &slot);

		if (!r)
			break;
		if (off < r->start)
			hi = mid;
		else if (off >= r->end)
			lo = mid + 1;
		else
			return r->mask | BJ_RANGE_IN_TEXT;
	}
	return BJ_RANGE_IN_TEXT;
}

/*
 * The frame-pointer walk: {saved fp, return address} pairs, read from the
 * stack window where they lie inside it, else one read per frame. A frame
 * whose chunk bit is clear (struct bj_table, hot[]) holds no confined code
 * and needs no range search, so the usual frame (runtime, stdlib, main)
 * costs a few instructions. The scratch and table pointers travel in the
 * loop's context: no map lookup per frame. bpf_loop (inlined by the
 * verifier) rather than a bounded loop: the verifier checks the step once,
 * where it would walk a 256-round loop round by round.
 */
struct walk_ctx {
	struct scratch *s;
	struct bj_table *t;
	__u32 table;
};

/*
 * Chunk k of t's filter holds no confined code and lies wholly inside the
 * text (user/kernel/table.c marks the partial last chunk and everything past
 * it hot; out-of-text return addresses give k >= the filter's size).
 */
static __always_inline bool chunk_cold(struct bj_table *t, __u64 k)
{
	return k < BJ_HOT_WORDS * 64 && !((t->hot[(__u32)k >> 6] >> (k & 63)) & 1);
}

/*
 * Groups of the function a return address `ra` returns into (looked up at
 * ra - 1, so a CALL that ends a function or an inlined run is attributed
 * to it); sets s->in_text when it lies in the Go text. The chunk filter
 * skips the search for chunks with no confined code; recursion repeats a
 * return address, so the last search is remembered.
 */
static __always_inline void account_ra(struct scratch *s, struct bj_table *t, __u32 table, __u64 ra)
{
	__u64 k = ra - s->text_b;

	if (k >= s->text_len)
		return;
	s->in_text = 1;
	if (chunk_cold(t, k >> (t->hot_shift & 63)))
		return;
	if (ra != s->last_pc) {
		s->last_pc = ra;
		s->last_mask = bj_range_mask(table, ra - s->bias - 1) & BJ_RANGE_GROUPS;
	}
	s->groups |= s->last_mask;
}

/*
 * The leaf: the PC of the SYSCALL, an exact lookup (not a return address).
 * Searched once per (table, stamp, pc) on this CPU: its flags say whether the
 * stub is frameless, and a loop calls the same stub every time.
 */
static __always_inline __u64 account_leaf(struct scratch *s, struct bj_table *t, __u32 table, __u64 ip)
{
	__u64 pc = ip - s->bias, m;

	s->pcs[0] = ip;
	s->n = 1;
	if (pc != s->lc_pc || table != s->lc_table || t->stamp != s->lc_stamp) {
		s->lc_mask = bj_range_mask(table, pc);
		s->lc_pc = pc;
		s->lc_table = table;
		s->lc_stamp = t->stamp;
	}
	m = s->lc_mask;
	if (m & BJ_RANGE_IN_TEXT)
		s->in_text = 1;
	s->groups |= m & BJ_RANGE_GROUPS;
	return m;
}

/*
 * How much of the stack to re-anchor a window at `at` with: up to the next
 * 2 KiB boundary (BJ_STACK_WINDOW). Go allocates goroutine stacks in powers
 * of two of at least 2 KiB, carved from 8 KiB-aligned spans, so the top of
 * every goroutine's stack is such a boundary: a copy that stops there reads
 * nothing past the goroutine's outermost frame (a copy to the end of the
 * page read up to 2 KiB of someone else's memory, for nothing). When the
 * stack goes on (a larger stack, or a thread's own), the walk re-anchors
 * there. A frame that straddles the boundary (fewer than 16 bytes left)
 * gets a full window: both halves of it are mapped if it is a frame at all.
 * (The first window, 512 bytes from the SP, is not cut: it lies among the
 * frames of the system call's path, where a boundary would cost a copy.)
 */
static __always_inline __u64 window_len(__u64 at)
{
	__u64 len = BJ_STACK_WINDOW - (at & (BJ_STACK_WINDOW - 1));

	return len < 16 ? BJ_STACK_WINDOW : len;
}

/*
 * One frame the general way: re-anchors the window, or reads the frame on
 * its own, and searches its range when its chunk is hot. Returns 1 when the
 * walk ends (s->done: the chain's end; s->truncated: unreadable or corrupt).
 * Global: the fast path leaves for it from many points, and the verifier
 * checks a global function once, not once per way in.
 */
__noinline long bj_walk_slow(struct scratch *s, struct bj_table *t, __u32 table)
{
	__u64 fp, off, next, ra;
	__u32 n;

	if (!s || !t)
		return 1;
	fp = s->fp;
	n = s->n;
	if (fp == 0) {
		s->done = 1;
		return 1;
	}
	if (n >= s->n_limit)
		return 1; /* depth limit: not done, so truncated */
	off = fp - s->sp;
	if ((off >= s->win_end || (off & 7)) && !s->no_reanchor) {
		/*
		 * Outside the window (a large frame lies between): copy the
		 * window again from this frame on, so the frames above it cost
		 * no read of their own.
		 */
		__u64 len = window_len(fp);

		s->copies++;
		if (bpf_probe_read_user(s->window, len & (BJ_STACK_WINDOW * 2 - 1), (void *)fp)) {
			s->no_reanchor = 1;
		} else {
			s->sp = fp;
			s->win_end = len - 15;
			off = 0;
		}
	}
	if (off < s->win_end && !(off & 7)) {
		off &= BJ_STACK_WINDOW - 8;
		next = s->window[off / 8];
		ra = s->window[off / 8 + 1];
	} else {
		s->reads++;
		if (bpf_probe_read_user(s->frame, 16, (void *)fp)) {
			s->truncated = 1;
			return 1;
		}
		next = s->frame[0];
		ra = s->frame[1];
	}
	if (ra == 0) {
		s->done = 1;
		return 1;
	}
	s->pcs[n & (BJ_MAX_DEPTH - 1)] = ra;
	s->n = n + 1;
	account_ra(s, t, table, ra);
	/* Frames grow towards higher addresses; anything else is corrupt. */
	if (next != 0 && next <= fp) {
		s->truncated = 1;
		return 1;
	}
	s->fp = next;
	return 0;
}

/*
 * The walk's state lives in the scratch map value, not in the context on
 * the stack: the verifier tracks no values in map memory, so it finds one
 * step's state equal to the next and checks the step once (6.1 inlines
 * bpf_loop; newer kernels verify the callback until its state converges).
 *
 * Each step first takes up to BJ_WALK_BATCH frames the fast way, with the
 * state in registers: inside the window, and in a whole chunk of the Go
 * text whose filter bit is clear (no confined code: no search). The first
 * frame that needs more (a window copy, a frame read, a search, the end of
 * the chain) goes to bj_walk_slow, which takes it the general way. The fast
 * frames record no PC (a decision that emits an event walks again with
 * s->record set, where every frame goes the general way): with nothing to
 * store per frame but the chain link, the loop's state fits the BPF
 * registers, and a frame costs about 20 BPF instructions.
 */
#define BJ_WALK_BATCH 32

/*
 * One fast frame, in BPF assembly: clang's register allocation spilled and
 * reloaded five of the loop's values on every frame (the loop needs all ten
 * BPF registers); written out, a frame is 20 instructions and no memory
 * access but its two window loads and the filter word. t1 == fp on entry (a
 * frame ends with fp = t1). Exits to xK (K frames taken) at the first frame
 * the general step must take:
 *   off = fp - base; off < end (inside the window; fp == 0 fails it too)
 *   ra = window[off + 8]; next = window[off]
 *   k = (ra - text_b) >> shift; k < 32768 and filter bit k clear (chunk_cold:
 *   a whole chunk of text with no confined code)
 *   next > fp; next == 0 is the chain's end: the frame is taken, fp = 0
 *   (BJ_FAST_END); anything else is a corrupt link
 * A misaligned fp is read where it points, as the kernel's walk does (the
 * window has a spare slot for the last pair).
 */
#define BJ_FAST_FRAME(K)						\
	"%[t1] -= %[base];"						\
	"if %[t1] >= %[end] goto x" #K "_%=;"				\
	"%[t1] &= 2047;"						\
	"%[t1] += %[w];"						\
	"%[j] = *(u64 *)(%[t1] + 8);"					\
	"%[t1] = *(u64 *)(%[t1] + 0);"					\
	"%[j] -= %[tb];"						\
	"%[j] >>= %[sh];"						\
	"if %[j] > 32767 goto x" #K "_%=;"				\
	"%[t3] = %[j];"							\
	"%[t3] >>= 3;"							\
	"%[t3] &= 4088;"						\
	"%[t3] += %[hot];"						\
	"%[t3] = *(u64 *)(%[t3] + 0);"					\
	"%[j] &= 63;"							\
	"%[t3] >>= %[j];"						\
	"%[t3] &= 1;"							\
	"if %[t3] != 0 goto x" #K "_%=;"				\
	"if %[t1] <= %[fp] goto e" #K "_%=;"				\
	"%[fp] = %[t1];"

/* next <= fp: the chain's end (next == 0) takes this frame and stops; a
 * corrupt link is left to the general step. */
#define BJ_FAST_END(K)							\
	"e" #K "_%=: if %[t1] != 0 goto x" #K "_%=;"			\
	"%[fp] = 0; %[j] = " #K " + 1; goto out_%=;"

#define BJ_FAST_EXIT(K) "x" #K "_%=: %[j] = " #K "; goto out_%=;"

/* The batch, written out: BJ_WALK_BATCH copies of each. */
#define BJ_FAST_8(M, a, b, c, d, e, f, g, h) M(a) M(b) M(c) M(d) M(e) M(f) M(g) M(h)
#define BJ_FAST_32(M)								\
	BJ_FAST_8(M, 0, 1, 2, 3, 4, 5, 6, 7) BJ_FAST_8(M, 8, 9, 10, 11, 12, 13, 14, 15)		\
	BJ_FAST_8(M, 16, 17, 18, 19, 20, 21, 22, 23) BJ_FAST_8(M, 24, 25, 26, 27, 28, 29, 30, 31)
#define BJ_FAST_FRAMES BJ_FAST_32(BJ_FAST_FRAME)
#define BJ_FAST_ENDS BJ_FAST_32(BJ_FAST_END)
#define BJ_FAST_EXITS BJ_FAST_32(BJ_FAST_EXIT)

static long walk_step(__u32 i, void *ctx)
{
	struct walk_ctx *c = ctx;
	struct scratch *s = c->s;
	struct bj_table *t = c->t;
	__u64 fp, base, end, text_b, shift, j, t1, t3;
	__u64 *hot;
	void *w;

	if (!s || !t)
		return 1;
	/* Room for a whole batch below the depth limit. */
	if (s->n + BJ_WALK_BATCH > s->n_limit || s->record)
		return bj_walk_slow(s, t, c->table) ? 1 : 0;
	w = s->window;
	fp = s->fp;
	base = s->sp;
	end = s->win_end;
	text_b = s->text_b;
	shift = t->hot_shift & 63;
	hot = t->hot;
	_Static_assert(BJ_WALK_BATCH == 32 && BJ_HOT_WORDS * 64 == 32768 && BJ_STACK_WINDOW == 2048,
		       "BJ_FAST_FRAME's constants");
	asm volatile("%[t1] = %[fp];"
		     BJ_FAST_FRAMES
		     "%[j] = 32; goto out_%=;"
		     BJ_FAST_ENDS
		     BJ_FAST_EXITS
		     "out_%=:"
		     : [fp] "+r"(fp), [j] "=&r"(j), [t1] "=&r"(t1), [t3] "=&r"(t3)
		     : [base] "r"(base), [end] "r"(end), [w] "r"(w), [tb] "r"(text_b),
		       [sh] "r"(shift), [hot] "r"(hot)
		     : "memory");
	if (j) {
		s->n += j;
		s->fp = fp;
		s->in_text = 1;
		if (!fp) {
			s->done = 1; /* the chain's end, taken above */
			return 1;
		}
	}
	return bj_walk_slow(s, t, c->table) ? 1 : 0;
}

static __always_inline void walk(struct scratch *s, struct bj_table *t, __u32 table)
{
	struct walk_ctx c = { .s = s, .t = t, .table = table };
	__u32 lim = s->n + t->max_depth;

	s->no_reanchor = 0;
	s->n_limit = lim < BJ_MAX_DEPTH ? lim : BJ_MAX_DEPTH;
	/* Each step walks at least one frame: n_limit bounds the depth. */
	bpf_loop(BJ_MAX_DEPTH, walk_step, &c, 0);
}

/*
 * The frame-pointer walk of one decision, from the registers of the system
 * call (s->r_*): the leaf, the window copy, the frameless stub's caller, the
 * chain. Returns the leaf's range mask. Global: a decision that emits an event
 * walks a second time, recording (s->record), and one copy serves both.
 */
__noinline __u64 bj_fp_walk(struct scratch *s, struct bj_table *t, __u32 table)
{
	__u64 leaf_mask, sp;

	if (!s || !t)
		return 0;
	sp = s->r_sp;
	s->groups = 0;
	s->in_text = 0;
	s->truncated = 0;
	s->done = 0;
	s->last_pc = ~0ull;
	s->last_mask = 0;
	s->text_b = t->text_start + s->bias + 1;
	s->text_len = t->text_end - t->text_start;
	/* The leaf: regs->ip is inside the syscall stub (an exact lookup). */
	leaf_mask = account_leaf(s, t, table, s->r_ip);
	s->fp = s->r_bp;
	s->sp = sp;
	/*
	 * One copy of the top of the stack; frames inside it cost no helper
	 * call. Small: under it lie the few frames of the system call's path
	 * (os, syscall), often followed by a large frame; the walk re-anchors
	 * a window of up to BJ_STACK_WINDOW at the first frame beyond it.
	 */
	s->win_end = BJ_FIRST_WINDOW - 15;
	s->copies = 1;
	s->reads = 0;
	if (bpf_probe_read_user(s->window, BJ_FIRST_WINDOW, (void *)sp)) {
		s->sp = ~0ull; /* near the end of the stack mapping: re-anchored copies */
		s->win_end = 0;
	}

	/*
	 * A frameless stub (SP delta 0 at SYSCALL) has not pushed RBP: the
	 * chain starts at its caller's caller. Recover the caller from [SP],
	 * or from R12 for rawVforkSyscall.
	 */
	if (leaf_mask & (BJ_RANGE_FRAMELESS | BJ_RANGE_RA_R12)) {
		__u64 ra = 0;

		if (leaf_mask & BJ_RANGE_RA_R12)
			ra = s->r_r12;
		else if (s->sp != ~0ull)
			__builtin_memcpy(&ra, s->window, sizeof(ra));
		else
			bpf_probe_read_user(&ra, sizeof(ra), (void *)sp);
		if (ra) {
			s->pcs[1] = ra;
			s->n = 2;
			account_ra(s, t, table, ra);
		}
	}

	walk(s, t, table);
	if (!s->done)
		s->truncated = 1;
	return leaf_mask;
}

/* bpf_loop context of the steps below: the decision's scratch slot. */
struct slot_ctx {
	struct scratch *s;
};

/* bpf_get_task_stack mode: PCs are already in s->pcs; account them. */
static long pcs_step(__u32 i, void *ctx)
{
	struct scratch *s = ((struct slot_ctx *)ctx)->s;
	__u64 m, idx = i;

	if (!s || i >= BJ_MAX_DEPTH)
		return 1;
	asm volatile("%0 &= 255" : "+r"(idx)); /* BJ_MAX_DEPTH - 1, kept by the verifier */
	m = bj_range_mask(s->table, s->pcs[idx] - s->bias - (i ? 1 : 0));
	if (m & BJ_RANGE_IN_TEXT)
		s->in_text++;
	s->groups |= m & BJ_RANGE_GROUPS;
	return 0;
}

/* compare mode: PC i of the kernel's walk against ours. */
static long cmp_step(__u32 i, void *ctx)
{
	struct scratch *s = ((struct slot_ctx *)ctx)->s;
	__u64 ri = i, oi;

	if (!s)
		return 1;
	oi = i ? i + s->skip : 0;
	asm volatile("%0 &= 127" : "+r"(ri));
	asm volatile("%0 &= 255" : "+r"(oi));
	if (s->ref[ri] != s->pcs[oi]) {
		s->diff = i + 1;
		return 1;
	}
	return 0;
}

static __always_inline void emit(struct scratch *s, __u32 tgid, __u32 class, __u32 op, __u32 arg,
				 __u32 verdict, __u32 reason, __u64 groups)
{
	struct bj_event *e = event_reserve(s->table);

	if (!e) {
		stat_inc(BJ_STAT_EVENTS_DROPPED);
		return;
	}
	e->ts = bpf_ktime_get_ns();
	e->pid = tgid;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->table = s->table;
	e->op = op;
	e->class = class;
	e->verdict = verdict;
	e->reason = reason;
	e->truncated = s->truncated;
	e->_pad = 0;
	e->arg = arg;
	e->groups = groups;
	e->bias = s->bias;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->npcs = s->n < BJ_EVENT_PCS ? s->n : BJ_EVENT_PCS;
	__builtin_memcpy(e->pcs, s->pcs, sizeof(e->pcs));
	bpf_ringbuf_submit(e, 0);
}

/*
 * Groups granted access `acc` on the object at (dentry, vfsmount) by a path
 * rule on it or on a directory above it. Climbs d_parent, and from a mount's
 * root to its mountpoint in the parent mount, like a path walk to "/". By
 * inode, so no string games (.., //, symlinks) matter. Pointers arrive as
 * scalars (a global function takes no kernel pointers) and are read with
 * CO-RE probe reads. Deeper than BJ_PATH_DEPTH: no grant (fail closed).
 */
__noinline __u64 bj_path_grants(__u32 table, __u64 dentry, __u64 vfsmnt, __u32 acc)
{
	struct dentry *d = (struct dentry *)dentry;
	struct vfsmount *vm = (struct vfsmount *)vfsmnt;
	__u64 mnt_off = bpf_core_field_offset(struct mount, mnt), granted = 0;
	struct mount *m = vm ? (struct mount *)((char *)vm - mnt_off) : NULL;
	struct bj_pathkey key = { .table = table };
	__u64 ai = acc;

	if (!d || acc >= BJ_ACC_NONE)
		return 0;
	asm volatile("%0 &= 3" : "+r"(ai)); /* a bound the verifier keeps */
	for (int i = 0; i < BJ_PATH_DEPTH; i++) {
		struct inode *inode = BPF_CORE_READ(d, d_inode);
		struct dentry *parent;

		if (inode) {
			struct bj_pathval *v;

			key.ino = BPF_CORE_READ(inode, i_ino);
			key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
			v = bpf_map_lookup_elem(&pathrules, &key);
			if (v)
				granted |= v->groups[ai];
		}
		if (vm && d == BPF_CORE_READ(vm, mnt_root)) {
			struct mount *pm = BPF_CORE_READ(m, mnt_parent);

			if (!pm || pm == m)
				break; /* the root of the namespace */
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = pm;
			vm = (struct vfsmount *)((char *)pm + mnt_off);
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d)
			break;
		d = parent;
	}
	return granted;
}

static __always_inline __u32 class_access(__u32 class)
{
	switch (class) {
	case BJ_CLASS_IDX_RPATH: return BJ_ACC_R;
	case BJ_CLASS_IDX_WPATH: return BJ_ACC_W;
	case BJ_CLASS_IDX_EXEC: return BJ_ACC_X;
	case BJ_CLASS_IDX_CPATH: return BJ_ACC_C;
	default: return BJ_ACC_NONE;
	}
}

/*
 * One decision's question, built on the hook's stack for bj_decide (a
 * global function: it takes memory, not the hook's trusted pointers, which
 * travel here as plain values and are read with CO-RE probe reads).
 */
struct bj_req {
	__u64 dentry;	/* object of a path operation, or 0 */
	__u64 vfsmnt;
	__u32 class;	/* BJ_CLASS_IDX_* */
	__u32 op;	/* enum bj_op */
	__u32 arg;
	__u32 tgid;	/* the caller's, as the hook's lookup used it */
};

/*
 * The decision, in the scratch slot s: t is the process's table, NULL when
 * its slot is gone. Returns 0 or -EPERM; in kill mode sends SIGKILL and
 * returns 0.
 */
/* What failing closed (or a confined match) means in t's mode. */
static __always_inline __u32 mode_verdict(struct bj_table *t)
{
	return t->mode == BJ_MODE_AUDIT ? BJ_AUDIT : t->mode == BJ_MODE_KILL ? BJ_KILL : BJ_DENY;
}

static __always_inline int decide(struct scratch *s, struct bj_req *rq, struct bj_proc *p,
				  struct bj_table *t, __u64 *st)
{
	__u32 tgid = rq->tgid, table = p->table, verdict = BJ_ALLOW;
	__u32 reason = BJ_REASON_CONFINED, class = rq->class, op = rq->op, arg = rq->arg;
	__u64 lacking, leaf_mask, dentry = rq->dentry, vfsmnt = rq->vfsmnt;
	struct task_struct *task;
	struct pt_regs *regs;

	if (!t) {
		/* Jailed, but the table is gone: never run confined code unchecked. */
		stat_add(st, BJ_STAT_UNKNOWN);
		s->table = table;
		s->n = 0;
		s->truncated = 0;
		s->bias = 0;
		emit(s, tgid, class, op, arg, op == BJ_OP_SYSCALL ? BJ_KILL : BJ_DENY, BJ_REASON_NO_TABLE, 0);
		if (op == BJ_OP_SYSCALL)
			bpf_send_signal(SIGKILL); /* a tracepoint's return value denies nothing */
		return -EPERM;
	}
	task = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(task);

	__sync_fetch_and_add(&p->checked, 1);
	stat_add(st, BJ_STAT_DECISIONS);
	s->table = table;
	s->bias = p->bias;
	s->groups = 0;
	s->n = 0;
	s->in_text = 0;
	s->truncated = 0;
	s->done = 0;

	if (t->walk_mode == 1) {
		/* Reference: the kernel's own walk (same FP chain, capped at
		 * kernel.perf_event_max_stack). */
		long sz = bpf_get_task_stack(task, s->pcs, sizeof(s->pcs), BPF_F_USER_STACK);
		__u32 n = sz > 0 ? (__u64)sz / 8 : 0;

		s->n = n;
		struct slot_ctx sc = { .s = s };

		bpf_loop(n, pcs_step, &sc, 0);
		leaf_mask = n ? bj_range_mask(table, s->pcs[0] - s->bias) : 0;
		if (leaf_mask & (BJ_RANGE_FRAMELESS | BJ_RANGE_RA_R12)) {
			__u64 ra = 0;

			if (leaf_mask & BJ_RANGE_RA_R12)
				ra = regs->r12;
			else
				bpf_probe_read_user(&ra, sizeof(ra), (void *)regs->sp);
			s->groups |= bj_range_mask(table, ra - s->bias - 1) & BJ_RANGE_GROUPS;
		}
		s->truncated = n == 0 || n >= t->max_depth || n >= 127;
		goto verdict;
	}

	s->record = t->walk_mode == 2; /* compare mode: the PCs are compared */
	s->r_ip = regs->ip;
	s->r_bp = regs->bp;
	s->r_sp = regs->sp;
	s->r_r12 = regs->r12;
	leaf_mask = bj_fp_walk(s, t, table);
	if (st) {
		/* Counted in the scratch: the walk looks no map up for them. */
		st[BJ_STAT_WINDOW_COPIES] += s->copies;
		st[BJ_STAT_FRAME_READS] += s->reads;
	}

	if (t->walk_mode == 2) {
		/* Same frames as the kernel's walk? (its depth is capped at 127) */
		long sz = bpf_get_task_stack(task, s->ref, sizeof(s->ref), BPF_F_USER_STACK);
		__u32 nref = sz > 0 ? (__u64)sz / 8 : 0, nours;

		s->skip = (leaf_mask & (BJ_RANGE_FRAMELESS | BJ_RANGE_RA_R12)) ? 1 : 0;
		s->diff = 0;
		nours = s->n > s->skip ? s->n - s->skip : 0;
		if (nours > BJ_MAX_DEPTH - 1)
			nours = BJ_MAX_DEPTH - 1;
		if (nref != nours && !(nref >= 127 && nours >= nref))
			s->diff = (nref < nours ? nref : nours) + 1;
		else {
			struct slot_ctx sc = { .s = s };

			bpf_loop(nref, cmp_step, &sc, 0);
		}
		if (s->diff) {
			stat_add(st, BJ_STAT_WALK_MISMATCH);
			/* groups carries the first differing frame's index here */
			emit(s, tgid, class, op, arg, BJ_ALLOW, BJ_REASON_WALK_MISMATCH, s->diff - 1);
		}
	}

verdict:
	{
		__u64 ci = class;

		/* An explicit bound the verifier sees (clang would drop a plain &). */
		asm volatile("%0 &= 31" : "+r"(ci));
		lacking = s->groups & t->lacking[ci];
	}
	/* Path rules can grant what the class list does not. */
	if (lacking & t->path_groups)
		lacking &= ~bj_path_grants(table, dentry, vfsmnt, class_access(class));
	if (lacking) {
		verdict = mode_verdict(t);
	} else if (s->truncated || s->in_text == 0) {
		/* Fail closed: a confined frame may hide where we could not see. */
		reason = s->in_text == 0 ? BJ_REASON_NO_TEXT : BJ_REASON_TRUNCATED;
		stat_add(st, BJ_STAT_UNKNOWN);
		if (s->truncated)
			stat_add(st, BJ_STAT_TRUNCATED);
		__sync_fetch_and_add(&p->unknown, 1);
		if (t->on_unknown == BJ_UNKNOWN_DENY)
			verdict = mode_verdict(t);
	}

	if (verdict == BJ_ALLOW)
		return 0;
	if (!s->record && t->walk_mode == 0) {
		/* The event carries the PCs, which the fast walk did not record:
		 * walk again, recording (same stack: this thread is in the kernel). */
		__u32 truncated = s->truncated;

		s->record = 1;
		bj_fp_walk(s, t, table);
		s->truncated = truncated;
	}
	emit(s, tgid, class, op, arg, verdict, reason, lacking);
	if (verdict == BJ_AUDIT) {
		__sync_fetch_and_add(&p->audited, 1);
		stat_add(st, BJ_STAT_AUDITED);
		return 0;
	}
	if (verdict == BJ_KILL) {
		bpf_send_signal(SIGKILL);
		__sync_fetch_and_add(&p->denied, 1);
		stat_add(st, BJ_STAT_KILLED);
		return 0;
	}
	__sync_fetch_and_add(&p->denied, 1);
	stat_add(st, BJ_STAT_DENIED);
	return -EPERM;
}

/*
 * The decision for a jailed, active process (p: its jails entry, from the
 * hook's lookup) asking for a guarded class. Global (verified once per
 * program), so every hook shares one copy; its arguments are memory the
 * verifier checks by size.
 */
__noinline int bj_decide(struct bj_req *rq, struct bj_proc *p)
{
	struct scratch *s;
	struct bj_table *t;
	__u32 table;
	__u64 *st;
	int ret;

	if (!rq || !p)
		return 0;
	table = p->table;
	t = bpf_map_lookup_elem(&tables, &table);
	if (t && !t->valid)
		t = NULL;
	if (t) {
		/* Each table is judged by one mechanism: LSM hooks, or sys_enter.
		 * A class no group lacks needs no walk. Both before any lookup. */
		if ((rq->op == BJ_OP_SYSCALL) != (t->syscalls != 0))
			return 0;
		if (rq->class >= BJ_CLASS__COUNT || !(t->guarded & (1u << rq->class)))
			return 0;
	}
	st = stats_get();
	s = scratch_claim();
	if (s) {
		ret = decide(s, rq, p, t, st);
		s->busy = 0;
		return ret;
	}
	/*
	 * Both slots held: two decisions preempted on this CPU. Nothing to walk
	 * the stack with, so this one is unknown: fail closed as --on-unknown
	 * says (no event: an event carries the scratch's PCs).
	 */
	stat_add(st, BJ_STAT_UNKNOWN);
	stat_add(st, BJ_STAT_SCRATCH_BUSY);
	__sync_fetch_and_add(&p->unknown, 1);
	if (!t)
		return -EPERM;
	if (t->on_unknown == BJ_UNKNOWN_ALLOW || mode_verdict(t) == BJ_AUDIT)
		return 0;
	if (mode_verdict(t) == BJ_KILL) {
		bpf_send_signal(SIGKILL);
		return 0;
	}
	return -EPERM;
}

/*
 * Every hook's first test, before it reads anything out of its arguments:
 * a process whose jailbits bit is clear (every process that is not jailed)
 * leaves after one helper call and one load. What follows for the others
 * (the jails lookup, the arguments, the decision) is in a __noinline
 * subprogram, a judge_*() function: the JIT saves only the callee-saved
 * registers a function uses, so the hook itself pushes one where a body
 * inlined into it would push four on every call.
 */
static __always_inline bool maybe_jailed(void)
{
	return jailbit(bpf_get_current_pid_tgid() >> 32);
}

/*
 * Jailed and judged now? Armed processes (before their exec) and processes
 * inside an exec past the point of no return (their old stack is gone) are
 * not judged.
 */
static __always_inline struct bj_proc *jailed(void)
{
	struct bj_proc *p = jail_of(bpf_get_current_pid_tgid() >> 32);

	if (p && p->state == BJ_PROC_ACTIVE && !(p->flags & BJ_PROC_F_IN_EXEC))
		return p;
	return NULL;
}

/* For a process jailed() said yes to (p is what it returned). */
static __always_inline int decide_at(struct bj_proc *p, __u32 class, __u32 op, __u32 arg,
				     const void *dentry, const void *vfsmnt)
{
	/* The hook's trusted pointers travel as bytes in memory: a global
	 * function takes no kernel pointers, and bj_path_grants reads through
	 * them with CO-RE probe reads. */
	struct bj_req rq = {
		.dentry = (__u64)dentry,
		.vfsmnt = (__u64)vfsmnt,
		.class = class,
		.op = op,
		.arg = arg,
		.tgid = bpf_get_current_pid_tgid() >> 32,
	};

	return bj_decide(&rq, p);
}

static __noinline int judge_at(__u32 class, __u32 op, __u32 arg, const void *dentry,
			       const void *vfsmnt)
{
	struct bj_proc *p = jailed();

	if (!p)
		return 0;
	return decide_at(p, class, op, arg, dentry, vfsmnt);
}

/* Arguments already read (or constant): evaluated before the test, so they
 * must cost no helper call. */
static __always_inline int check_at(__u32 class, __u32 op, __u32 arg, const void *dentry,
				    const void *vfsmnt)
{
	return maybe_jailed() ? judge_at(class, op, arg, dentry, vfsmnt) : 0;
}

#define check(ctx, class, op, arg) check_at(class, op, arg, NULL, NULL)

/* An operation on a path: rules on it or a directory above may grant it. */
static __noinline int judge_path(__u32 class, __u32 op, __u32 arg, const struct path *path)
{
	struct bj_proc *p = jailed();

	if (!p)
		return 0;
	return decide_at(p, class, op, arg, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt));
}

static __always_inline int check_path(__u32 class, __u32 op, __u32 arg, const struct path *path)
{
	return maybe_jailed() ? judge_path(class, op, arg, path) : 0;
}

/* Creating/removing `dentry` in directory `dir`: rules on dir or above. */
static __noinline int judge_in_dir(__u32 class, __u32 op, __u32 arg, const struct path *dir,
				   struct dentry *dentry)
{
	struct bj_proc *p = jailed();

	if (!p)
		return 0;
	return decide_at(p, class, op, arg, dentry, BPF_CORE_READ(dir, mnt));
}

static __always_inline int check_in_dir(__u32 class, __u32 op, __u32 arg, const struct path *dir,
					struct dentry *dentry)
{
	return maybe_jailed() ? judge_in_dir(class, op, arg, dir, dentry) : 0;
}

static __always_inline __u32 sock_class(int family, int type)
{
	switch (family) {
	case AF_INET:
	case AF_INET6:
		return (type & 0xf) == SOCK_RAW ? BJ_CLASS_IDX_RAW : BJ_CLASS_IDX_INET;
	case AF_UNIX:
		return BJ_CLASS_IDX_UNIX;
	case AF_NETLINK:
		return BJ_CLASS_IDX_NETLINK;
	case AF_PACKET:
		return BJ_CLASS_IDX_PACKET;
	default:
		/* Other families (vsock, bluetooth, alg, ...) are raw access. */
		return BJ_CLASS_IDX_RAW;
	}
}

static __noinline int judge_sock(struct socket *sock, __u32 op)
{
	struct bj_proc *p = jailed();
	int family, type;

	if (!p)
		return 0;
	family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	type = BPF_CORE_READ(sock, type);
	return decide_at(p, sock_class(family, type), op, family, NULL, NULL);
}

static __always_inline int check_sock(struct socket *sock, __u32 op)
{
	return maybe_jailed() ? judge_sock(sock, op) : 0;
}

/* ---- exec ---------------------------------------------------------------- */

static __noinline int judge_bprm(struct linux_binprm *bprm)
{
	struct bj_proc *p = jailed();

	if (!p)
		return 0;
	return decide_at(p, BJ_CLASS_IDX_EXEC, BJ_OP_EXEC, 0, BPF_CORE_READ(bprm, file, f_path.dentry),
			 BPF_CORE_READ(bprm, file, f_path.mnt));
}

SEC("lsm/bprm_check_security")
int BPF_PROG(bj_bprm_check, struct linux_binprm *bprm, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_bprm(bprm);
}

/* Past the point of no return: the old user stack is gone until the exec
 * tracepoint, and the kernel's own opens/mmaps of the new image follow. */
SEC("lsm/bprm_committing_creds")
int BPF_PROG(bj_bprm_committing, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct bj_proc *p = jail_of(tgid);

	if (p)
		p->flags |= BJ_PROC_F_IN_EXEC;
	return 0;
}

/* ---- files ----------------------------------------------------------------- */

static __noinline int judge_file_open(struct file *file)
{
	struct bj_proc *p = jailed();
	struct dentry *dentry;
	struct vfsmount *mnt;
	__u32 mode, flags;

	if (!p)
		return 0;
	/* Direct loads (the hook's argument is a trusted BTF pointer), not
	 * probe-read helper calls: this is the hottest hook. */
	mode = file->f_mode;
	flags = file->f_flags;
	dentry = file->f_path.dentry;
	mnt = file->f_path.mnt;
	/* execve opens its file first: judge it as exec, not as a read. */
	if ((mode & FMODE_EXEC) || (flags & __FMODE_EXEC))
		return decide_at(p, BJ_CLASS_IDX_EXEC, BJ_OP_EXEC, 0, dentry, mnt);
	if (mode & FMODE_WRITE)
		return decide_at(p, BJ_CLASS_IDX_WPATH, BJ_OP_OPEN_WRITE, mode, dentry, mnt);
	return decide_at(p, BJ_CLASS_IDX_RPATH, BJ_OP_OPEN_READ, mode, dentry, mnt);
}

SEC("lsm/file_open")
int BPF_PROG(bj_file_open, struct file *file, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_file_open(file);
}

SEC("lsm/inode_getattr")
int BPF_PROG(bj_inode_getattr, const struct path *path, int ret)
{
	return ret ?: check_path(BJ_CLASS_IDX_RPATH, BJ_OP_STAT, 0, path);
}

SEC("lsm/inode_readlink")
int BPF_PROG(bj_inode_readlink, struct dentry *dentry, int ret)
{
	/* No vfsmount here: rules above a mount point do not apply (fail closed). */
	return ret ?: check_at(BJ_CLASS_IDX_RPATH, BJ_OP_READLINK, 0, dentry, NULL);
}

SEC("lsm/path_truncate")
int BPF_PROG(bj_path_truncate, const struct path *path, int ret)
{
	return ret ?: check_path(BJ_CLASS_IDX_WPATH, BJ_OP_TRUNCATE, 0, path);
}

SEC("lsm/path_mknod")
int BPF_PROG(bj_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	/* open(O_CREAT) of a new file lands here with S_IFREG. */
	if ((mode & S_IFMT) == 0 || (mode & S_IFMT) == S_IFREG)
		return check_in_dir(BJ_CLASS_IDX_CPATH, BJ_OP_CREATE, mode, dir, dentry);
	return check(ctx, BJ_CLASS_IDX_DPATH, BJ_OP_MKNOD, mode);
}

SEC("lsm/path_mkdir")
int BPF_PROG(bj_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	return ret ?: check_in_dir(BJ_CLASS_IDX_CPATH, BJ_OP_MKDIR, 0, dir, dentry);
}

SEC("lsm/path_rmdir")
int BPF_PROG(bj_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	return ret ?: check_in_dir(BJ_CLASS_IDX_CPATH, BJ_OP_RMDIR, 0, dir, dentry);
}

SEC("lsm/path_unlink")
int BPF_PROG(bj_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	return ret ?: check_in_dir(BJ_CLASS_IDX_CPATH, BJ_OP_UNLINK, 0, dir, dentry);
}

SEC("lsm/path_symlink")
int BPF_PROG(bj_path_symlink, const struct path *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	return ret ?: check_in_dir(BJ_CLASS_IDX_CPATH, BJ_OP_SYMLINK, 0, dir, dentry);
}

/* Both ends must be allowed: the existing file (same mount) and the new name. */
static __noinline int judge_link(struct dentry *old_dentry, const struct path *new_dir,
				 struct dentry *new_dentry)
{
	struct bj_proc *p = jailed();
	const void *mnt;

	if (!p)
		return 0;
	mnt = BPF_CORE_READ(new_dir, mnt);
	return decide_at(p, BJ_CLASS_IDX_CPATH, BJ_OP_LINK, 0, old_dentry, mnt) ?:
	       decide_at(p, BJ_CLASS_IDX_CPATH, BJ_OP_LINK, 0, new_dentry, mnt);
}

SEC("lsm/path_link")
int BPF_PROG(bj_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_link(old_dentry, new_dir, new_dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(bj_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	return ret ?: check_in_dir(BJ_CLASS_IDX_CPATH, BJ_OP_RENAME, 0, old_dir, old_dentry) ?:
		      check_in_dir(BJ_CLASS_IDX_CPATH, BJ_OP_RENAME, 1, new_dir, new_dentry);
}

SEC("lsm/path_chmod")
int BPF_PROG(bj_path_chmod, const struct path *path, umode_t mode, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_FATTR, BJ_OP_CHMOD, 0);
}

SEC("lsm/path_chown")
int BPF_PROG(bj_path_chown, const struct path *path, __u32 uid, __u32 gid, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_FATTR, BJ_OP_CHOWN, 0);
}

/*
 * inode_setattr gained an idmap argument (6.3): two programs, the loader
 * keeps the one whose argument count matches the running kernel's BTF
 * (program names end in __NARGS). utimes only reaches this hook.
 */
#define ATTR_FILE (1 << 13)

static __noinline int judge_setattr(struct iattr *attr)
{
	unsigned int valid = BPF_CORE_READ(attr, ia_valid);

	if (valid & ATTR_SIZE) {
		/* truncate(2) and open(O_TRUNC) were judged, with their path, by
		 * path_truncate; ftruncate(2) carries its file: judge it here. */
		if (!(valid & ATTR_FILE))
			return 0;
		return judge_at(BJ_CLASS_IDX_WPATH, BJ_OP_TRUNCATE, 0,
				BPF_CORE_READ(attr, ia_file, f_path.dentry),
				BPF_CORE_READ(attr, ia_file, f_path.mnt));
	}
	if (valid & (ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME))
		return judge_at(BJ_CLASS_IDX_FATTR, BJ_OP_CHMOD, valid, NULL, NULL);
	return 0;
}

SEC("lsm/inode_setattr")
int BPF_PROG(bj_inode_setattr__2, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_setattr(attr);
}

SEC("lsm/inode_setattr")
int BPF_PROG(bj_inode_setattr__3, void *idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_setattr(attr);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(bj_inode_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_FATTR, BJ_OP_SETXATTR, 0);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(bj_inode_removexattr, void *idmap, struct dentry *dentry, const char *name, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_FATTR, BJ_OP_SETXATTR, 0);
}

/* ---- sockets ---------------------------------------------------------------- */

SEC("lsm/socket_create")
int BPF_PROG(bj_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret || kern)
		return ret;
	return check(ctx, sock_class(family, type), BJ_OP_SOCKET, family);
}

SEC("lsm/socket_socketpair")
int BPF_PROG(bj_socket_socketpair, struct socket *socka, struct socket *sockb, int ret)
{
	return ret ?: check_sock(socka, BJ_OP_SOCKET);
}

SEC("lsm/socket_connect")
int BPF_PROG(bj_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	return ret ?: check_sock(sock, BJ_OP_CONNECT);
}

SEC("lsm/socket_bind")
int BPF_PROG(bj_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	return ret ?: check_sock(sock, BJ_OP_BIND);
}

SEC("lsm/socket_listen")
int BPF_PROG(bj_socket_listen, struct socket *sock, int backlog, int ret)
{
	return ret ?: check_sock(sock, BJ_OP_LISTEN);
}

SEC("lsm/socket_accept")
int BPF_PROG(bj_socket_accept, struct socket *sock, struct socket *newsock, int ret)
{
	return ret ?: check_sock(sock, BJ_OP_ACCEPT);
}

static __noinline int judge_sendto(struct socket *sock, struct msghdr *msg)
{
	if (!BPF_CORE_READ(msg, msg_name) || BPF_CORE_READ(msg, msg_namelen) == 0)
		return 0;
	return judge_sock(sock, BJ_OP_SENDTO);
}

/* write()/send() on a connected socket is I/O on an open descriptor: only a
 * send that names a destination (sendto/sendmsg with msg_name) is guarded. */
SEC("lsm/socket_sendmsg")
int BPF_PROG(bj_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_sendto(sock, msg);
}

/* ---- processes ---------------------------------------------------------------- */

SEC("lsm/task_alloc")
int BPF_PROG(bj_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	if (ret || (clone_flags & CLONE_THREAD))
		return ret;
	return check(ctx, BJ_CLASS_IDX_PROC, BJ_OP_FORK, (__u32)clone_flags);
}

/* Signals and rlimits are judged only when they reach another process. */
static __noinline int judge_other(struct task_struct *p, __u32 op, __u32 arg)
{
	if (BPF_CORE_READ(p, tgid) == (__u32)(bpf_get_current_pid_tgid() >> 32))
		return 0;
	return judge_at(BJ_CLASS_IDX_PROC, op, arg, NULL, NULL);
}

SEC("lsm/task_kill")
int BPF_PROG(bj_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_other(p, BJ_OP_KILL, sig);
}

SEC("lsm/task_setpgid")
int BPF_PROG(bj_task_setpgid, struct task_struct *p, pid_t pgid, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_PROC, BJ_OP_SETPGID, pgid);
}

SEC("lsm/task_setrlimit")
int BPF_PROG(bj_task_setrlimit, struct task_struct *p, unsigned int resource,
	     struct rlimit *new_rlim, int ret)
{
	if (ret || !maybe_jailed())
		return ret;
	return judge_other(p, BJ_OP_SETRLIMIT, resource);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(bj_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_PTRACE, BJ_OP_PTRACE, mode);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(bj_ptrace_traceme, struct task_struct *parent, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_PTRACE, BJ_OP_PTRACE, 0);
}

SEC("lsm/task_fix_setuid")
int BPF_PROG(bj_task_fix_setuid, struct cred *new, const struct cred *old, int flags, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_ID, BJ_OP_SETUID, flags);
}

SEC("lsm/task_fix_setgid")
int BPF_PROG(bj_task_fix_setgid, struct cred *new, const struct cred *old, int flags, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_ID, BJ_OP_SETGID, flags);
}

SEC("lsm/task_fix_setgroups")
int BPF_PROG(bj_task_fix_setgroups, struct cred *new, const struct cred *old, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_ID, BJ_OP_SETGROUPS, 0);
}

SEC("lsm/capset")
int BPF_PROG(bj_capset, struct cred *new, const struct cred *old, const kernel_cap_t *effective,
	     const kernel_cap_t *inheritable, const kernel_cap_t *permitted, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_ID, BJ_OP_CAPSET, 0);
}

/* ---- memory, descriptors ---------------------------------------------------- */

SEC("lsm/mmap_file")
int BPF_PROG(bj_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !(prot & PROT_EXEC))
		return ret;
	return check(ctx, BJ_CLASS_IDX_PROT_EXEC, BJ_OP_MMAP_EXEC, prot);
}

SEC("lsm/file_mprotect")
int BPF_PROG(bj_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	if (ret || !(prot & PROT_EXEC))
		return ret;
	return check(ctx, BJ_CLASS_IDX_PROT_EXEC, BJ_OP_MPROTECT_EXEC, prot);
}

SEC("lsm/file_ioctl")
int BPF_PROG(bj_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	/* Descriptor housekeeping the runtime and stdio need (pledge "stdio"). */
	switch (cmd) {
	case 0x5421: /* FIONBIO */
	case 0x5451: /* FIOCLEX */
	case 0x5450: /* FIONCLEX */
	case 0x541B: /* FIONREAD */
		return 0;
	}
	return check(ctx, BJ_CLASS_IDX_IOCTL, BJ_OP_IOCTL, cmd);
}

SEC("lsm/file_fcntl")
int BPF_PROG(bj_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	switch (cmd) {
	case 0: /* F_DUPFD */
	case 1: /* F_GETFD */
	case 2: /* F_SETFD */
	case 3: /* F_GETFL */
	case 4: /* F_SETFL */
	case 1030: /* F_DUPFD_CLOEXEC */
		return 0;
	}
	return check(ctx, BJ_CLASS_IDX_FCNTL, BJ_OP_FCNTL, cmd);
}

/* ---- system ------------------------------------------------------------------ */

SEC("lsm/sb_mount")
int BPF_PROG(bj_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_MOUNT, BJ_OP_MOUNT, 0);
}

SEC("lsm/sb_umount")
int BPF_PROG(bj_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_MOUNT, BJ_OP_UMOUNT, 0);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(bj_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_MOUNT, BJ_OP_PIVOT_ROOT, 0);
}

SEC("lsm/move_mount")
int BPF_PROG(bj_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_MOUNT, BJ_OP_MOUNT, 0);
}

/* bpf() gained a 4th argument (kernel) in 6.14: see inode_setattr. */
SEC("lsm/bpf")
int BPF_PROG(bj_bpf__3, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_BPF, BJ_OP_BPF, cmd);
}

SEC("lsm/bpf")
int BPF_PROG(bj_bpf__4, int cmd, union bpf_attr *attr, unsigned int size, bool kernel, int ret)
{
	return ret ?: check(ctx, BJ_CLASS_IDX_BPF, BJ_OP_BPF, cmd);
}

SEC("lsm/kernel_read_file")
int BPF_PROG(bj_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	if (ret || id != bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return ret;
	return check(ctx, BJ_CLASS_IDX_KMOD, BJ_OP_KMOD, id);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(bj_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret || id != bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE))
		return ret;
	return check(ctx, BJ_CLASS_IDX_KMOD, BJ_OP_KMOD, id);
}

/* ---- lifecycle (tp_btf: also on kernels without BPF LSM) ---------------------- */

/* A new process inherits its parent's jail before it first runs. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(bj_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct bj_proc *p, c;

	if (ptgid == ctgid)
		return 0; /* a thread: the jail is per tgid */
	p = jail_of(ptgid);
	if (!p)
		return 0;
	__builtin_memset(&c, 0, sizeof(c));
	c.table = p->table;
	c.state = p->state;
	c.bias = p->bias;
	jailbit_set(ctgid);
	if (bpf_map_update_elem(&jails, &ctgid, &c, BPF_NOEXIST)) {
		/*
		 * The child cannot be jailed (map full). It is not ours to
		 * signal from here; the jailed parent is: end it, so it cannot
		 * go on forking unjailed copies of itself.
		 */
		stat_inc(BJ_STAT_JAIL_FULL);
		bpf_send_signal(SIGKILL);
	}
	return 0;
}

#define SIGSTOP 19

/*
 * The agent's side of exec: a binary it matched is jailed now, before the
 * new image runs; one it has not seen is held (SIGSTOP, delivered before the
 * first user instruction) and reported, if an agent is alive to answer.
 */
static __always_inline void agent_exec(struct task_struct *task, __u32 tgid, __u64 dev, __u64 ino)
{
	struct bj_binkey key = { .dev = dev, .ino = ino };
	__u32 zero = 0;
	struct bj_agent *a = bpf_map_lookup_elem(&agent, &zero);
	struct bj_binval *b;
	struct bj_hold *h;

	if (!a || !a->enabled)
		return;
	b = bpf_map_lookup_elem(&binaries, &key);
	if (b) {
		__u32 table = b->table;
		struct bj_table *t;
		struct bj_proc p = {};

		if (!(b->flags & BJ_BIN_MATCH))
			return;
		t = bpf_map_lookup_elem(&tables, &table);
		if (!t || !t->valid) {
			/* Matched, but its table is gone: fail closed. */
			bpf_send_signal(SIGKILL);
			stat_inc(BJ_STAT_KILLED);
			return;
		}
		p.table = table;
		p.state = BJ_PROC_ACTIVE;
		p.bias = BPF_CORE_READ(task, mm, start_code) - t->exec_vaddr;
		jailbit_set(tgid);
		if (bpf_map_update_elem(&jails, &tgid, &p, BPF_ANY)) {
			bpf_send_signal(SIGKILL); /* cannot jail it: never run it unjailed */
			stat_inc(BJ_STAT_JAIL_FULL);
			return;
		}
		stat_inc(BJ_STAT_AGENT_JAILED);
		return;
	}
	if (!a->hold || bpf_ktime_get_ns() - a->heartbeat_ns > BJ_AGENT_STALE_NS)
		return;
	h = bpf_ringbuf_reserve(&control, sizeof(*h), 0);
	if (!h) {
		stat_inc(BJ_STAT_AGENT_HOLD_LOST);
		return;
	}
	bpf_send_signal(SIGSTOP);
	h->ts = bpf_ktime_get_ns();
	h->dev = dev;
	h->ino = ino;
	h->pid = tgid;
	h->_pad = 0;
	bpf_ringbuf_submit(h, 0);
	stat_inc(BJ_STAT_AGENT_HELD);
}

/*
 * exec: the same binary (re-exec of /proc/self/exe) stays jailed with a new
 * load bias; another binary leaves the jail. An armed process (bpfjail run's
 * child) that execs anything but the binary it was armed for is killed, so
 * the program never runs unconfined.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(bj_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid, table, armed;
	struct bj_proc *p = bpf_map_lookup_elem(&jails, &tgid);
	struct bj_table *t;
	struct inode *inode;
	__u64 ino, dev;

	inode = BPF_CORE_READ(bprm, file, f_inode);
	ino = BPF_CORE_READ(inode, i_ino);
	dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (!p) {
		agent_exec(task, tgid, dev, ino);
		return 0;
	}
	table = p->table;
	t = bpf_map_lookup_elem(&tables, &table);
	if (t && t->valid && t->ino == ino && t->dev == dev) {
		p->bias = BPF_CORE_READ(task, mm, start_code) - t->exec_vaddr;
		p->state = BJ_PROC_ACTIVE;
		p->flags &= ~BJ_PROC_F_IN_EXEC;
		return 0;
	}
	armed = p->state == BJ_PROC_ARMED;
	if (armed) {
		struct bj_event *e;

		bpf_send_signal(SIGKILL);
		stat_inc(BJ_STAT_KILLED);
		e = event_reserve(table);
		if (!e) {
			stat_inc(BJ_STAT_EVENTS_DROPPED);
		} else {
			e->ts = bpf_ktime_get_ns();
			e->pid = tgid;
			e->tid = (__u32)bpf_get_current_pid_tgid();
			e->table = table;
			e->op = BJ_OP_EXEC;
			e->class = BJ_CLASS_IDX_EXEC;
			e->verdict = BJ_KILL;
			e->reason = BJ_REASON_EXEC_MISMATCH;
			e->npcs = 0;
			e->truncated = 0;
			e->_pad = 0;
			e->arg = 0;
			e->groups = 0;
			e->bias = 0;
			bpf_get_current_comm(e->comm, sizeof(e->comm));
			bpf_ringbuf_submit(e, 0);
		}
	}
	bpf_map_delete_elem(&jails, &tgid);
	if (!armed)
		agent_exec(task, tgid, dev, ino); /* the new binary may have a policy */
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(bj_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (!jail_of(tgid))
		return 0;
	/*
	 * Per thread; the jail goes with the last one. Its bit too: nothing
	 * can insert this tgid again before the pid is freed (no fork makes
	 * it, no exec of it is left), and a pid is freed after this runs.
	 */
	if (BPF_CORE_READ(task, signal, live.counter) == 0) {
		bpf_map_delete_elem(&jails, &tgid);
		jailbit_clear(tgid);
	}
	return 0;
}

/* ---- kill / audit mode: kernels without BPF LSM --------------------------------- */

#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define NO_CLASS 0xff

/* Family of the socket behind descriptor fd of the current task, or -1. */
static __always_inline int fd_family(int fd, int *type)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fdarr = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
	struct file *file = NULL;
	struct socket *sock;

	if (fd < 0 || (unsigned int)fd >= max)
		return -1;
	bpf_probe_read_kernel(&file, sizeof(file), &fdarr[fd]);
	if (!file)
		return -1;
	sock = BPF_CORE_READ(file, private_data);
	/* Not every file is a socket: check the file's ops are socket ops is
	 * not possible portably; a socket inode has S_IFSOCK. */
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != 0140000)
		return -1;
	*type = BPF_CORE_READ(sock, type);
	return BPF_CORE_READ(sock, sk, __sk_common.skc_family);
}

static __always_inline bool other_process(long pid)
{
	return pid != (long)(bpf_get_current_pid_tgid() >> 32);
}

/*
 * Guarded syscalls (x86_64 numbers), with the same classes as the LSM hooks
 * where the arguments tell (docs/design.md has the table). No path rules
 * here: there is no resolved path at syscall entry, so a class granted only
 * through a path rule is not granted in this mode (fail closed).
 */
#define NEEDS_READS 0xfe	/* syscall_class(..., false): guarded, but the class needs reads */

/*
 * deep = false: from the registers alone (the id and arguments), before
 * anything is known about the caller: NO_CLASS for the syscalls that are
 * never judged, NEEDS_READS where the class depends on memory (a socket's
 * family, clone3's flags), else the class. One switch for both passes, so
 * the first can never drop a syscall the second would judge.
 */
/*
 * An argument register, loaded where a case needs it: each load through the
 * tracepoint's pt_regs is a checked (PROBE_MEM) load of about 7 x86
 * instructions, and clang would otherwise hoist all of them above the
 * switch, for the syscalls that are never judged too.
 */
#define SC_ARG(f) ({ struct pt_regs *__r = regs; barrier_var(__r); __r->f; })
#define a0 SC_ARG(di)
#define a1 SC_ARG(si)
#define a2 SC_ARG(dx)
#define a4 SC_ARG(r8)

static __always_inline __u32 syscall_class(struct pt_regs *regs, long id, bool deep)
{
	__u64 flags = 0;
	int type = 0, fam;

	switch (id) {
	case 59: case 322:			/* execve, execveat */
		return BJ_CLASS_IDX_EXEC;
	case 57: case 58:			/* fork, vfork */
		return BJ_CLASS_IDX_PROC;
	case 56:				/* clone */
		return a0 & CLONE_THREAD ? NO_CLASS : BJ_CLASS_IDX_PROC;
	case 435:				/* clone3 */
		if (!deep)
			return NEEDS_READS;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)a0);
		return flags & CLONE_THREAD ? NO_CLASS : BJ_CLASS_IDX_PROC;
	case 2: case 257: case 437:		/* open, openat, openat2 */
		if (id == 2)
			flags = a1;
		else if (id == 257)
			flags = a2;
		else if (!deep)
			return NEEDS_READS;
		else
			bpf_probe_read_user(&flags, sizeof(flags), (void *)a2);
		if (flags & O_CREAT)
			return BJ_CLASS_IDX_CPATH;
		if (flags & (O_WRONLY | O_RDWR | O_TRUNC))
			return BJ_CLASS_IDX_WPATH;
		return BJ_CLASS_IDX_RPATH;
	case 85:				/* creat */
		return BJ_CLASS_IDX_CPATH;
	case 4: case 5: case 6: case 262: case 332:	/* stat, fstat, lstat, newfstatat, statx */
	case 89: case 267:			/* readlink, readlinkat */
		return BJ_CLASS_IDX_RPATH;
	case 76: case 77:			/* truncate, ftruncate */
		return BJ_CLASS_IDX_WPATH;
	case 83: case 258: case 84: case 87: case 263: case 82: case 264: case 316:
	case 86: case 265: case 88: case 266:	/* mkdir*, rmdir, unlink*, rename*, link*, symlink* */
		return BJ_CLASS_IDX_CPATH;
	case 133: case 259: {			/* mknod, mknodat */
		__u64 mode = id == 133 ? a1 : a2;

		return (mode & S_IFMT) == 0 || (mode & S_IFMT) == S_IFREG ? BJ_CLASS_IDX_CPATH
									 : BJ_CLASS_IDX_DPATH;
	}
	case 90: case 91: case 268: case 92: case 93: case 94: case 260: case 132: case 235:
	case 261: case 280: case 188: case 189: case 190: case 197: case 198: case 199:
		return BJ_CLASS_IDX_FATTR;	/* chmod*, chown*, utime*, *xattr */
	case 41: case 53:			/* socket, socketpair */
		return sock_class(a0, a1);
	case 42: case 49: case 50: case 43: case 288:	/* connect, bind, listen, accept, accept4 */
		if (!deep)
			return NEEDS_READS;
		fam = fd_family(a0, &type);
		return fam < 0 ? NO_CLASS : sock_class(fam, type);
	case 44:				/* sendto: only with a destination */
		if (!a4)
			return NO_CLASS;
		if (!deep)
			return NEEDS_READS;
		fam = fd_family(a0, &type);
		return fam < 0 ? NO_CLASS : sock_class(fam, type);
	case 46: {				/* sendmsg: msg_name is the first field */
		__u64 name = 0;

		if (!deep)
			return NEEDS_READS;
		bpf_probe_read_user(&name, sizeof(name), (void *)a1);
		if (!name)
			return NO_CLASS;
		fam = fd_family(a0, &type);
		return fam < 0 ? NO_CLASS : sock_class(fam, type);
	}
	case 62: case 129:			/* kill, rt_sigqueueinfo: to another process */
	case 234: case 297:			/* tgkill, rt_tgsigqueueinfo */
		return other_process((long)(int)a0) ? BJ_CLASS_IDX_PROC : NO_CLASS;
	case 200: case 424:			/* tkill, pidfd_send_signal */
	case 109: case 112:			/* setpgid, setsid */
		return BJ_CLASS_IDX_PROC;
	case 302:				/* prlimit64 on another process */
		return a0 && other_process((long)(int)a0) ? BJ_CLASS_IDX_PROC : NO_CLASS;
	case 101:				/* ptrace */
		return BJ_CLASS_IDX_PTRACE;
	case 105: case 106: case 113: case 114: case 117: case 119: case 122: case 123:
	case 116: case 126:			/* set*id, setgroups, capset */
		return BJ_CLASS_IDX_ID;
	case 9: case 10: case 329:		/* mmap, mprotect, pkey_mprotect */
		return a2 & PROT_EXEC ? BJ_CLASS_IDX_PROT_EXEC : NO_CLASS;
	case 16:				/* ioctl */
		switch ((__u32)a1) {
		case 0x5421: case 0x5451: case 0x5450: case 0x541B:
			return NO_CLASS;
		}
		return BJ_CLASS_IDX_IOCTL;
	case 72:				/* fcntl */
		switch ((__u32)a1) {
		case 0: case 1: case 2: case 3: case 4: case 1030:
			return NO_CLASS;
		}
		return BJ_CLASS_IDX_FCNTL;
	case 165: case 166: case 155: case 429:	/* mount, umount2, pivot_root, move_mount */
		return BJ_CLASS_IDX_MOUNT;
	case 321:				/* bpf */
		return BJ_CLASS_IDX_BPF;
	case 175: case 313:			/* init_module, finit_module */
		return BJ_CLASS_IDX_KMOD;
	}
	return NO_CLASS;
}
#undef a0
#undef a1
#undef a2
#undef a4
#undef SC_ARG

/*
 * Runs on every syscall of every process once attached: stay cheap. A
 * syscall that is never judged leaves on its number (no register is read
 * for it); a judged one from a process that is not jailed, on its jailbits
 * bit, as the LSM hooks do.
 */
static __noinline int judge_syscall(struct pt_regs *regs, long id, __u32 class)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct bj_proc *p = jail_of(tgid);
	struct bj_req rq = { .op = BJ_OP_SYSCALL, .arg = id, .tgid = tgid };

	if (!p || p->state != BJ_PROC_ACTIVE)
		return 0;
	if (class == NEEDS_READS)
		class = syscall_class(regs, id, true);
	if (class == NO_CLASS)
		return 0;
	rq.class = class;
	return bj_decide(&rq, p);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bj_sys_enter, struct pt_regs *regs, long id)
{
	__u32 class;

	/* Most syscalls are never judged (read, write, futex, getpid, ...):
	 * they leave on their number and registers, before any lookup. */
	class = syscall_class(regs, id, false);
	if (class == NO_CLASS)
		return 0;
	if (!maybe_jailed())
		return 0;
	return judge_syscall(regs, id, class);
}
