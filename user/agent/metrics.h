/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small Prometheus metrics registry and its HTTP endpoint (libmicrohttpd).
 *
 * Families have a fixed label schema. Label values are bounded: a label may
 * list its allowed values, and a family has a maximum number of series.
 * Values outside the list, and new series beyond the maximum, are counted in
 * an "other" series and in bpfjail_metrics_label_overflow_total{metric}; a
 * caller can never grow the registry without bound (no per-pid labels).
 *
 * Thread-safe: one mutex per registry. The agent thread writes, the HTTP
 * thread renders. Output is the text exposition format 0.0.4, families
 * sorted by name, series by label values (bytewise): deterministic.
 */
#ifndef BPFJAIL_AGENT_METRICS_H
#define BPFJAIL_AGENT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define METRICS_MAX_LABELS 4
#define METRICS_MAX_VALUE_LEN 128	/* bytes; longer label values are cut */
#define METRICS_DEFAULT_MAX_SERIES 1024
#define METRICS_OTHER "other"
#define METRICS_DEFAULT_PORT 9477
#define METRICS_DEFAULT_LISTEN "127.0.0.1:9477"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_OVERFLOW_NAME "bpfjail_metrics_label_overflow_total"

/* Label values of one update, in schema order: METRIC_LABELS("deny", "exec", mod). */
#define METRIC_LABELS(...) ((const char *const[]){ __VA_ARGS__ })

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
};

struct metric_desc {
	const char *name;	/* [a-zA-Z_:][a-zA-Z0-9_:]* */
	const char *help;
	enum metric_type type;
	/* Label names; the first NULL ends the list. */
	const char *labels[METRICS_MAX_LABELS];
	/* Per label: NULL (any value, bounded by max_series) or a
	 * NULL-terminated list of the allowed values. */
	const char *const *allowed[METRICS_MAX_LABELS];
	unsigned int max_series;	/* 0: METRICS_DEFAULT_MAX_SERIES */
};

struct metrics;
struct metric;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Register a family; the desc strings are copied. -EEXIST, -EINVAL (bad
 * name, label or schema), -ENOMEM. A family without labels is exported
 * (at 0) from the start; a labelled one from its first update. */
int metrics_register(struct metrics *m, const struct metric_desc *d, struct metric **out);
struct metric *metrics_find(struct metrics *m, const char *name);

/*
 * Updates. values: one per label of the schema (NULL for a family without
 * labels; a NULL value is ""). Counters refuse negative increments
 * (-EINVAL). metric_set on a counter mirrors a monotonic source (a kernel
 * counter read from a map): the caller owns the monotonicity.
 */
int metric_add(struct metric *f, const char *const *values, double v);
int metric_inc(struct metric *f, const char *const *values);
int metric_set(struct metric *f, const char *const *values, double v);
/* Read one series back (tests, the agent's own decisions): -ENOENT if absent. */
int metric_get(struct metric *f, const char *const *values, double *v);
/* Drop every series (gauges whose label set changes: maps). */
void metric_clear(struct metric *f);
/* Drop every series and set this one, atomically for a scrape (build_info). */
int metric_replace(struct metric *f, const char *const *values, double v);
size_t metric_series_count(struct metric *f);

/* The exposition text (malloc'd, not NUL-terminated in *len; a NUL follows). */
int metrics_render(struct metrics *m, char **buf, size_t *len);

/* /healthz: 200 "ok\n", or 503 "unhealthy: REASON\n". Healthy at start. */
void metrics_set_health(struct metrics *m, bool healthy, const char *reason);
bool metrics_health(struct metrics *m, char *reason, size_t len);

/*
 * "HOST:PORT" -> address. HOST is an IPv4 address, "localhost", or an IPv6
 * address in brackets ([::1]:9477). NULL, "" -> 127.0.0.1:9477; "PORT" and
 * ":PORT" -> 127.0.0.1:PORT (loopback unless told otherwise: every
 * interface is 0.0.0.0:PORT or [::]:PORT). No name resolution. -EINVAL.
 */
int metrics_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen);

struct metrics_server_opts {
	const char *listen;		/* see metrics_parse_listen */
	unsigned int max_conns;		/* 0: 16 */
	unsigned int timeout_s;		/* idle connection timeout; 0: 10 */
};

struct metrics_server;

/*
 * Serve GET /metrics and GET /healthz from an internal thread (404 for
 * other paths, 405 for methods other than GET and HEAD). The thread
 * blocks every signal: they stay with the agent's threads. Errors:
 * -EINVAL (address), -EADDRINUSE, -EACCES, -EOPNOTSUPP (static build),
 * ...; err says what, with the address.
 */
int metrics_server_start(struct metrics *m, const struct metrics_server_opts *o,
			 struct metrics_server **out, char *err, size_t errlen);
/* The bound port (the chosen one when listening on port 0). */
int metrics_server_port(const struct metrics_server *s);
void metrics_server_stop(struct metrics_server *s);

/* The agent's families (docs/operations.md, "Metrics"). */
struct agent_metrics {
	struct metric *decisions;	/* counter {action,op,module} */
	struct metric *jailed;		/* gauge */
	struct metric *binaries;	/* gauge */
	struct metric *reloads;		/* counter {result} */
	struct metric *events_dropped;	/* counter */
	struct metric *stack_truncated;	/* counter */
	struct metric *map_entries;	/* gauge {map} */
	struct metric *map_capacity;	/* gauge {map} */
	struct metric *exec_holds;	/* counter {result} */
	struct metric *build_info;	/* gauge {version,mode} = 1 */
};

/* decisions_total's action values (other values count as "other"). */
#define AGENT_ACTIONS "allow", "deny", "audit", "kill"
/* policy_reloads_total's result values. */
#define AGENT_RELOAD_RESULTS "success", "failure"

int agent_metrics_register(struct metrics *m, struct agent_metrics *am, const char *version,
			   const char *mode);
/* Replace build_info's one series (the mode can change at reload). */
int agent_metrics_build_info(struct agent_metrics *am, const char *version, const char *mode);

#endif
