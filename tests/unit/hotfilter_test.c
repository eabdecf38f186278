// SPDX-License-Identifier: GPL-2.0
/*
 * The walk's chunk filter (user/kernel/table.c, bj_hot_filter) against a
 * brute-force model. The BPF fast path (bpf/jail.bpf.c, walk_step) takes a
 * frame without a range search when k = off >> hot_shift is below
 * BJ_HOT_WORDS * 64 and bit k is clear, and then counts it as inside the
 * text with no group. Here, for many layouts: every offset that passes that
 * test must lie inside the text and in no range with a group; every chunk
 * with a group, the partial last chunk and every bit past the text must be
 * set; and a cold whole chunk must stay clear (else the filter is useless).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/table.h"

static int failed;

#define check(cond, name, ...)                                       \
	do {                                                         \
		if (cond) {                                          \
			printf("ok - %s\n", name);                   \
		} else {                                             \
			printf("not ok - %s: ", name);               \
			printf(__VA_ARGS__);                         \
			printf("\n");                                \
			failed++;                                    \
		}                                                    \
	} while (0)

static int bit(const struct bj_table *t, uint64_t k)
{
	return (t->hot[k / 64] >> (k % 64)) & 1;
}

/* The fast path's test, as walk_step does it. */
static int fast(const struct bj_table *t, uint64_t off)
{
	uint64_t k = off >> (t->hot_shift & 63);

	return k < BJ_HOT_WORDS * 64 && !bit(t, k);
}

static int grouped(const struct bj_range *r, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		if (off >= r[i].start && off < r[i].end)
			return (r[i].mask & BJ_RANGE_GROUPS) != 0;
	return 0;
}

/* One layout: returns the number of model violations. */
static int run(const char *name, const struct bj_range *r, size_t n, uint64_t text, uint64_t probe_step)
{
	static struct bj_table t;
	uint64_t bad_fast = 0, first_bad = 0, cold_clear = 0, chunk;
	int ok_beyond = 1;

	memset(&t, 0, sizeof(t));
	bj_hot_filter(&t, r, n, text);
	chunk = 1ull << t.hot_shift;
	/* Offsets inside the text, and past it up to where the index ends. */
	for (uint64_t off = 0; off < (BJ_HOT_WORDS * 64ull) << t.hot_shift; off += probe_step) {
		if (fast(&t, off) && (off >= text || grouped(r, n, off))) {
			if (!bad_fast++)
				first_bad = off;
		}
	}
	/* Far out-of-text offsets (ra below text_start wraps to huge). */
	if (fast(&t, ~0ull - 5) || fast(&t, 1ull << 40))
		bad_fast++;
	for (uint64_t k = text / chunk; k < BJ_HOT_WORDS * 64; k++)
		if (!bit(&t, k))
			ok_beyond = 0;
	for (uint64_t k = 0; k < text / chunk; k++) {
		int any = 0;

		for (uint64_t off = k * chunk; off < (k + 1) * chunk; off += 4)
			any |= grouped(r, n, off);
		if (!any && !bit(&t, k))
			cold_clear++;
	}
	{
		char nm[256];

		snprintf(nm, sizeof(nm), "%s: no offset taken by the fast path is out of text or grouped", name);
		check(!bad_fast, nm, "%llu violations, first at 0x%llx (shift %u)", (unsigned long long)bad_fast,
		      (unsigned long long)first_bad, t.hot_shift);
		snprintf(nm, sizeof(nm), "%s: the partial last chunk and every bit past the text are hot", name);
		check(ok_beyond, nm, "text 0x%llx, shift %u", (unsigned long long)text, t.hot_shift);
		snprintf(nm, sizeof(nm), "%s: cold whole chunks stay clear", name);
		check(cold_clear > 0, nm, "no clear chunk (shift %u)", t.hot_shift);
	}
	return (int)bad_fast;
}

int main(void)
{
	/* A small text: 16-byte chunks (BJ_HOT_MIN_SHIFT), a grouped range
	 * in the middle, text not a multiple of the chunk. */
	struct bj_range small[] = {
		{ .start = 0, .end = 0x100, .mask = 0 },
		{ .start = 0x100, .end = 0x133, .mask = 1 },
		{ .start = 0x133, .end = 0x1001, .mask = 0 },
	};
	/* A Go-sized text (~5 MiB: shift 8), groups at both ends and a
	 * one-byte range, text ending mid-chunk. */
	struct bj_range big[] = {
		{ .start = 0, .end = 0x10, .mask = 2 },
		{ .start = 0x10, .end = 0x2ffff, .mask = 0 },
		{ .start = 0x2ffff, .end = 0x30000, .mask = 4 },
		{ .start = 0x30000, .end = 0x4fff00, .mask = 0 },
		{ .start = 0x4fff00, .end = 0x500123, .mask = 8 | BJ_RANGE_FRAMELESS },
	};
	/* Flags without groups do not make a chunk hot. */
	struct bj_range flags[] = {
		{ .start = 0, .end = 0x800, .mask = BJ_RANGE_FRAMELESS },
		{ .start = 0x800, .end = 0x1000, .mask = 0 },
	};

	run("small text", small, 3, 0x1001, 1);
	run("5 MiB text", big, 5, 0x500123, 7);
	run("exact multiple of the chunk", flags, 2, 0x1000, 1);
	{
		static struct bj_table t;

		bj_hot_filter(&t, flags, 2, 0x1000);
		check(!bit(&t, 0), "flags alone (frameless) leave a chunk cold", "bit 0 set");
	}
	printf("# hotfilter: %s\n", failed ? "FAILED" : "all passed");
	return failed ? 1 : 0;
}
