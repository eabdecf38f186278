/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's event output: JSON lines, one object per decision and per
 * lifecycle event (jailed, released, policy loaded or rejected), to stdout
 * or to a file opened O_APPEND (eventlog_reopen after a rotation: SIGHUP).
 * One write(2) per line, so lines never interleave.
 *
 * Decisions are rate-limited per (binary, module, op) by a token bucket:
 * burst lines at once, refilled at burst per window. A printed decision
 * says how many of its key were suppressed since the last printed one.
 * Lifecycle events are never suppressed. Schema: docs/operations.md, "Events".
 *
 * Thread-safe (one mutex). Not async-signal-safe: a SIGHUP handler sets a
 * flag (or the agent reads a signalfd) and the loop calls eventlog_reopen.
 */
#ifndef BPFJAIL_AGENT_EVENTLOG_H
#define BPFJAIL_AGENT_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENTLOG_UNLIMITED UINT32_MAX	/* burst: no rate limit */

enum eventlog_kind {
	EVENTLOG_DECISION,
	EVENTLOG_JAILED,
	EVENTLOG_RELEASED,
	EVENTLOG_POLICY_LOADED,
	EVENTLOG_POLICY_REJECTED,
};

struct eventlog_opts {
	const char *path;	/* NULL or "-": stdout */
	uint32_t burst;		/* decisions per key at once; 0: 5; EVENTLOG_UNLIMITED */
	uint64_t window_ns;	/* time to refill the whole burst; 0: 10 s */
	uint32_t max_keys;	/* (binary, module, op) keys tracked; 0: 4096 */
	const char *host;	/* NULL: gethostname() */
	/* Monotonic clock for the rate limit (tests); NULL: CLOCK_MONOTONIC. */
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
};

/*
 * One event. Strings may be NULL (unknown: JSON null). Which fields an
 * event carries depends on its kind (docs/operations.md).
 */
struct eventlog_rec {
	enum eventlog_kind kind;
	uint64_t time_ns;	/* CLOCK_REALTIME, ns since the epoch; 0: now */
	uint32_t pid;		/* tgid */
	uint32_t tid;
	const char *exe;
	const char *binary;	/* binary id: build id, sha256 prefix, ... */
	const char *module;	/* the confined module found on the stack */
	const char *op;		/* "exec", "connect", ... */
	const char *class;	/* permission class: "proc", "inet", ... */
	const char *verdict;	/* "deny", "audit", "kill", "allow" */
	const char *reason;	/* "confined", "stack-truncated", ... */
	const char *func;	/* the symbolized confined frame */
	uint64_t pc;		/* its link-time PC (printed with func) */
	const char *policy;	/* policy source: a file, "go.mod", ... */
	const char *mode;	/* "enforce", "audit", "kill" */
	const char *error;	/* policy rejected: why */
};

struct eventlog_stats {
	uint64_t written;	/* lines */
	uint64_t suppressed;	/* decisions not printed */
	uint64_t write_errors;
};

struct eventlog;

int eventlog_open(const struct eventlog_opts *o, struct eventlog **out);
void eventlog_close(struct eventlog *l);
/* Reopen the file (after logrotate moved it); stdout: nothing to do. On
 * failure the old file stays in use. */
int eventlog_reopen(struct eventlog *l);

/* 1: printed, 0: suppressed by the rate limit, <0: -errno. */
int eventlog_write(struct eventlog *l, const struct eventlog_rec *r);
/* Print a "suppressed" line for every key with suppressed decisions not
 * yet reported (call it now and then, and before exit). Lines or -errno. */
int eventlog_flush(struct eventlog *l);
void eventlog_stats(struct eventlog *l, struct eventlog_stats *st);

const char *eventlog_kind_name(enum eventlog_kind k);
/* RFC 3339, UTC, nanoseconds: 2024-05-01T12:34:56.000000001Z (31 bytes). */
int eventlog_format_time(uint64_t ns, char *buf, size_t len);

#endif
