/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Build the kernel's view of one (binary, policy) pair: struct bj_table and
 * its ranges. Pure C (gosym + libelf), no libbpf: unit-tested without root.
 *
 * Confined modules with the same denied classes share one "group" bit, so a
 * range's mask has at most BJ_MAX_GROUPS bits however many modules a binary
 * has; unconfined modules contribute nothing and their ranges vanish.
 */
#ifndef BPFJAIL_TABLE_H
#define BPFJAIL_TABLE_H

#include <stdint.h>
#include <linux/types.h>

#include "gosym/gosym.h"
#include "policy/policy.h"
#include "../bpf/jail.h"

/* One (dev, ino) that path rules name, with the groups each letter grants. */
struct bj_pathent {
	uint64_t dev;
	uint64_t ino;
	struct bj_pathval val;
};

struct bj_tablebuild {
	struct bj_table table;		/* range_off left 0, valid left 0 */
	struct bj_range *ranges;
	uint32_t nranges;
	int32_t *module_group;		/* per gosym module: group, or -1 if not confined */
	uint32_t ngroups;
	uint32_t nconfined;		/* confined modules present in the binary */
	uint32_t nframeless;		/* stub ranges flagged */
	struct bj_pathent *paths;	/* resolved path rules */
	uint32_t npaths;
	char **warnings;		/* e.g. a rule path that does not exist */
	uint32_t nwarnings;
};

/*
 * verdicts[i] is the policy's verdict for bin->modules[i]. path: the file
 * whose (dev, ino) the kernel will match at exec (NULL: leave 0). Returns 0
 * or a negative errno with a message in err.
 */
int bj_table_build(const struct gosym_binary *bin, const struct bj_verdict *verdicts,
		   const char *path, uint32_t mode, uint32_t on_unknown,
		   struct bj_tablebuild *out, char *err, size_t errlen);
void bj_tablebuild_free(struct bj_tablebuild *tb);

/*
 * The walk's chunk filter of t (hot_shift, hot[]) for ranges r
 * (sorted, offsets from text_start) over text_size bytes of text. A clear
 * bit promises: the chunk lies wholly inside the text and no range with a
 * group meets it (bpf/jail.bpf.c, walk_step, trusts exactly that).
 */
void bj_hot_filter(struct bj_table *t, const struct bj_range *r, size_t n, uint64_t text_size);

/* Lowest p_vaddr of an executable PT_LOAD: the kernel's mm->start_code
 * minus this is the load bias. */
int bj_exec_vaddr(const char *path, uint64_t *out);

/* st_dev as the kernel's s_dev (MKDEV: major << 20 | minor). */
uint64_t bj_kernel_dev(uint64_t st_dev);

#endif
