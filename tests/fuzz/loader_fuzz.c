// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the Go binary loader (user/gosym): the input is a whole
 * file. Built by `make fuzz-build` (build/fuzz/loader_fuzz), run for a bounded
 * time by tests/fuzz/loader.sh.
 *
 * Beyond "no crash, no sanitizer report", a successful load must satisfy what
 * gosym.h documents; a violation aborts, so the fuzzer keeps the input:
 *   - funcs sorted by entry, strictly increasing, entry < end, names non-NULL;
 *   - module indices valid; gosym_find_func(entry) returns that function;
 *   - ranges sorted, non-overlapping, non-empty, set in 1..nsets-1;
 *   - gosym_frames_at returns at most max frames with non-NULL names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gosym/gosym.h"

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "loader_fuzz: invariant violated: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);                      \
			abort();                                                 \
		}                                                                \
	} while (0)

static volatile size_t sink;

static void touch(const char *s)
{
	if (s)
		sink += strlen(s);
}

static void frames(const struct gosym_binary *bin, uint64_t pc)
{
	struct gosym_frame fr[16];
	int n = gosym_frames_at(bin, pc, fr, 16);

	CHECK(n <= 16);
	for (int i = 0; i < n; i++) {
		CHECK(fr[i].name != NULL);
		touch(fr[i].name);
		touch(fr[i].pkg);
		touch(fr[i].file);
		CHECK(fr[i].module == GOSYM_MOD_NONE ||
		      (fr[i].module >= 0 && (uint32_t)fr[i].module < bin->nmodules));
	}
	(void)gosym_find_range(bin, pc);
}

static void walk(const struct gosym_binary *bin)
{
	touch(bin->go_version);
	touch(bin->build_id);
	touch(bin->pcln_section);
	for (uint32_t i = 0; i < bin->nmodules; i++) {
		const struct gosym_module *m = &bin->modules[i];

		CHECK(m->path != NULL);
		touch(m->path);
		touch(m->version);
		touch(m->replace_path);
		touch(m->replace_version);
		CHECK(gosym_module_index(bin, m->path) != GOSYM_MOD_NONE);
	}
	for (uint32_t i = 0; i < bin->nfuncs; i++) {
		const struct gosym_func *f = &bin->funcs[i];

		CHECK(f->name != NULL);
		touch(f->name);
		touch(f->pkg);
		touch(gosym_kind_str(f->kind));
		CHECK(f->entry < f->end);
		if (i > 0)
			CHECK(bin->funcs[i - 1].entry < f->entry);
		CHECK(f->module == GOSYM_MOD_NONE ||
		      (f->module >= 0 && (uint32_t)f->module < bin->nmodules));
		CHECK(gosym_find_func(bin, f->entry) == f);
	}
	for (uint32_t i = 0; i < bin->nranges; i++) {
		const struct gosym_range *r = &bin->ranges[i];

		CHECK(r->start < r->end);
		CHECK(r->set != 0 && r->set < bin->nsets);
		if (i > 0)
			CHECK(bin->ranges[i - 1].end <= r->start);
		CHECK(gosym_find_range(bin, r->start) == r);
		for (uint32_t m = 0; m < bin->nmodules; m++)
			sink += gosym_set_has(bin, r->set, m);
	}

	/* A few PCs: entries, middles and ends of functions spread over the
	 * table, and addresses outside the text. */
	if (bin->nfuncs) {
		uint32_t step = bin->nfuncs / 8 + 1;

		for (uint32_t i = 0; i < bin->nfuncs; i += step) {
			const struct gosym_func *f = &bin->funcs[i];

			frames(bin, f->entry);
			frames(bin, f->entry + (f->end - f->entry) / 2);
			frames(bin, f->end - 1);
		}
		frames(bin, bin->funcs[bin->nfuncs - 1].end);
	}
	frames(bin, 0);
	frames(bin, bin->text_start);
	frames(bin, bin->text_end);
	frames(bin, UINT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const extra[] = { "example.com/extra", "github.com/evanw/esbuild" };
	struct gosym_opts opts = { .extra_modules = extra, .nextra_modules = 2 };
	struct gosym_binary *bin = NULL;
	struct gosym_err err = { 0 };
	int rc;

	/* Skip the range table for a quarter of the inputs (last byte's top and
	 * bottom bits set), so the no_ranges path is fuzzed too. */
	opts.no_ranges = size > 0 && (data[size - 1] & 1) && (data[size - 1] & 0x80);
	rc = gosym_open_mem(data, size, &opts, &bin, &err);
	if (rc < 0) {
		CHECK(bin == NULL);
		CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		CHECK(memchr(err.msg, '\n', strlen(err.msg)) == NULL);
		touch(gosym_strerror(rc));
		return 0;
	}
	CHECK(bin != NULL);
	walk(bin);
	gosym_close(bin);
	return 0;
}
