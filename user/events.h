/* SPDX-License-Identifier: GPL-2.0 */
/* Turn kernel events into log lines: symbolize, rate-limit, print. */
#ifndef BPFJAIL_EVENTS_H
#define BPFJAIL_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gosym/gosym.h"
#include "kernel/table.h"

/* What the log says about one jailed binary. */
struct bj_logtable {
	const struct gosym_binary *bin;
	const struct bj_tablebuild *tb;
	const char *exe;
};

#define BJ_RL_SLOTS 256

struct bj_logger {
	FILE *out;
	bool json;
	uint32_t burst;		/* lines per (module, op) per window */
	uint64_t window_ns;
	struct bj_logtable tables[8];	/* indexed by a small local id */
	uint32_t table_ids[8];		/* kernel table id of each */
	int ntables;
	struct {
		uint32_t hash;
		uint64_t start;
		uint32_t count;
		uint32_t suppressed;
	} rl[BJ_RL_SLOTS];
};

void bj_logger_init(struct bj_logger *l, FILE *out, bool json);
void bj_logger_add_table(struct bj_logger *l, uint32_t kernel_id, const struct bj_logtable *t);
/* Print one event (may be suppressed by the rate limit). */
int bj_logger_event(struct bj_logger *l, const struct bj_event *e);

const char *bj_op_name(unsigned int op);
const char *bj_event_op(const struct bj_event *e);
const char *bj_verdict_msg(unsigned int verdict);
const char *bj_reason_name(unsigned int reason);

/* The symbolized confined frame of an event. */
struct bj_event_where {
	const char *module;	/* confined module found on the stack, or NULL */
	const char *func;	/* its innermost function at that PC */
	uint64_t pc;		/* link-time PC */
	int frame;		/* index into e->pcs */
};
void bj_event_locate(const struct bj_logtable *t, const struct bj_event *e, struct bj_event_where *w);

#endif
