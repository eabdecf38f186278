// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/agent/metrics.c: the exposition text (exact), label
 * escaping, bounded label values, value formatting, listen addresses, a
 * concurrency smoke test, and the HTTP endpoint on 127.0.0.1 (a raw socket
 * client: no curl needed here; tests/host/metrics_http.sh uses curl,
 * promtool and a real Prometheus).
 * Prints "ok - NAME" / "not ok - NAME: why" per check; exits 1 on failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent/metrics.h"

static int npass, nfail;

static void check(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", name);
		npass++;
		return;
	}
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	nfail++;
}

/* The rendered text, or "" (freed by the next call; render(NULL) frees). */
static const char *render(struct metrics *m)
{
	static char *last;
	size_t len;

	free(last);
	last = NULL;
	if (!m || metrics_render(m, &last, &len))
		return "";
	return last;
}

/* The first line of text starting with prefix, or NULL (static buffer). */
static const char *line_of(const char *text, const char *prefix)
{
	static char buf[1024];
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len >= n && !strncmp(p, prefix, n) && len < sizeof(buf)) {
			memcpy(buf, p, len);
			buf[len] = '\0';
			return buf;
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

static const char expected_agent[] =
	"# HELP bpfjail_binaries_loaded Binaries whose range table is loaded in the kernel.\n"
	"# TYPE bpfjail_binaries_loaded gauge\n"
	"bpfjail_binaries_loaded 2\n"
	"# HELP bpfjail_build_info Always 1: the agent's version and enforcement mode.\n"
	"# TYPE bpfjail_build_info gauge\n"
	"bpfjail_build_info{version=\"v1.2.3\",mode=\"enforce\"} 1\n"
	"# HELP bpfjail_decisions_total Decisions reported by the kernel for a confined module's "
	"operation (action: allow, deny, audit, kill).\n"
	"# TYPE bpfjail_decisions_total counter\n"
	"bpfjail_decisions_total{action=\"audit\",op=\"connect\",module=\"example.com/b\"} 1\n"
	"bpfjail_decisions_total{action=\"deny\",op=\"exec\",module=\"example.com/dependency\"} 2\n"
	"bpfjail_decisions_total{action=\"deny\",op=\"open-read\",module=\"example.com/dependency\"} 1\n"
	"# HELP bpfjail_events_dropped_total Decision events the kernel dropped because a ring "
	"buffer was full.\n"
	"# TYPE bpfjail_events_dropped_total counter\n"
	"bpfjail_events_dropped_total 7\n"
	"# HELP bpfjail_exec_holds_total Execs the kernel held for the agent's decision, by result.\n"
	"# TYPE bpfjail_exec_holds_total counter\n"
	"bpfjail_exec_holds_total{result=\"jailed\"} 1\n"
	"# HELP bpfjail_jailed_processes Processes currently jailed.\n"
	"# TYPE bpfjail_jailed_processes gauge\n"
	"bpfjail_jailed_processes 3\n"
	"# HELP bpfjail_map_capacity Capacity (max_entries) of a BPF map.\n"
	"# TYPE bpfjail_map_capacity gauge\n"
	"bpfjail_map_capacity{map=\"jails\"} 16384\n"
	"bpfjail_map_capacity{map=\"ranges\"} 262144\n"
	"# HELP bpfjail_map_entries Entries in use in a BPF map.\n"
	"# TYPE bpfjail_map_entries gauge\n"
	"bpfjail_map_entries{map=\"jails\"} 3\n"
	"bpfjail_map_entries{map=\"ranges\"} 1200\n"
	"# HELP bpfjail_metrics_label_overflow_total Updates whose label values were outside the "
	"allowed set or beyond the family's series limit, counted in an \"other\" series instead.\n"
	"# TYPE bpfjail_metrics_label_overflow_total counter\n"
	"# HELP bpfjail_policy_reloads_total Policy reloads by result (success, failure).\n"
	"# TYPE bpfjail_policy_reloads_total counter\n"
	"bpfjail_policy_reloads_total{result=\"success\"} 1\n"
	"# HELP bpfjail_stack_truncated_total Stack walks that hit the depth limit or a bad frame "
	"(verdict unknown).\n"
	"# TYPE bpfjail_stack_truncated_total counter\n"
	"bpfjail_stack_truncated_total 0\n";

static void fill_agent(struct agent_metrics *am)
{
	/* Out of order on purpose: the output is sorted. */
	metric_inc(am->decisions, METRIC_LABELS("deny", "open-read", "example.com/dependency"));
	metric_inc(am->decisions, METRIC_LABELS("deny", "exec", "example.com/dependency"));
	metric_inc(am->decisions, METRIC_LABELS("audit", "connect", "example.com/b"));
	metric_add(am->decisions, METRIC_LABELS("deny", "exec", "example.com/dependency"), 1);
	metric_set(am->jailed, NULL, 3);
	metric_set(am->binaries, NULL, 2);
	metric_inc(am->reloads, METRIC_LABELS("success"));
	metric_set(am->events_dropped, NULL, 7);
	metric_set(am->map_entries, METRIC_LABELS("ranges"), 1200);
	metric_set(am->map_entries, METRIC_LABELS("jails"), 3);
	metric_set(am->map_capacity, METRIC_LABELS("ranges"), 262144);
	metric_set(am->map_capacity, METRIC_LABELS("jails"), 16384);
	metric_inc(am->exec_holds, METRIC_LABELS("jailed"));
}

static void test_exposition(void)
{
	struct metrics *m = metrics_new();
	struct agent_metrics am, am2;
	const char *out;
	int err;

	err = agent_metrics_register(m, &am, "v1.2.3", "enforce");
	check(!err, "agent families register", "err %d", err);
	fill_agent(&am);
	out = render(m);
	check(!strcmp(out, expected_agent), "exposition: exact text of the agent's families",
	      "got:\n%s", out);

	err = agent_metrics_register(m, &am2, "v", "audit");
	check(err == -EEXIST, "register twice: -EEXIST", "err %d", err);

	err = agent_metrics_build_info(&am, "v1.2.4", "audit");
	out = line_of(render(m), "bpfjail_build_info{");
	check(!err && out && !strcmp(out, "bpfjail_build_info{version=\"v1.2.4\",mode=\"audit\"} 1") &&
		      metric_series_count(am.build_info) == 1,
	      "build_info: replaced, one series", "err %d, line %s", err, out ? out : "(none)");

	metric_clear(am.events_dropped);
	out = line_of(render(m), "bpfjail_events_dropped_total ");
	check(out && !strcmp(out, "bpfjail_events_dropped_total 0"),
	      "clear: a family without labels stays, at 0", "%s", out ? out : "(gone)");
	metrics_free(m);
}

static void test_escaping(void)
{
	struct metrics *m = metrics_new();
	struct metric *f;
	const char *out;
	int err;

	err = metrics_register(m, &(struct metric_desc){
		.name = "t_esc", .help = "back\\slash\nnewline \"quoted\"", .type = METRIC_GAUGE,
		.labels = { "v" } }, &f);
	metric_set(f, METRIC_LABELS("a\\b\"c\nd"), 1);
	metric_set(f, METRIC_LABELS(""), 2);
	metric_set(f, METRIC_LABELS("caf\xc3\xa9 \xff\xfe"), 3);
	out = render(m);
	check(!err && strstr(out, "# HELP t_esc back\\\\slash\\nnewline \"quoted\"\n"),
	      "escaping: HELP escapes \\ and newline, not quotes", "%s", out);
	check(strstr(out, "t_esc{v=\"a\\\\b\\\"c\\nd\"} 1\n") != NULL,
	      "escaping: label value \\ \" newline", "%s", out);
	check(strstr(out, "t_esc{v=\"\"} 2\n") != NULL, "escaping: empty label value", "%s", out);
	check(strstr(out, "t_esc{v=\"caf\xc3\xa9 ??\"} 3\n") != NULL,
	      "label value: invalid UTF-8 bytes become '?'", "%s", out);
	metrics_free(m);
}

static void test_values(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { -0.0, "0" }, { 42, "42" }, { -3, "-3" }, { 0.5, "0.5" },
		{ 0.1, "0.1" }, { 1e-3, "0.001" }, { 1.0 / 3, "0.3333333333333333" },
		{ 9007199254740991.0, "9007199254740991" }, { 1e20, "1e+20" },
		{ 1.0 / 0.0, "+Inf" }, { -1.0 / 0.0, "-Inf" }, { 0.0 / 0.0, "NaN" },
	};
	struct metrics *m = metrics_new();
	struct metric *f, *c;
	char want[64], name[64];
	double v;
	int err;

	metrics_register(m, &(struct metric_desc){ .name = "t_val", .help = "h", .type = METRIC_GAUGE }, &f);
	metrics_register(m, &(struct metric_desc){ .name = "t_cnt_total", .help = "h" }, &c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *line;

		metric_set(f, NULL, cases[i].v);
		snprintf(want, sizeof(want), "t_val %s", cases[i].want);
		line = line_of(render(m), "t_val ");
		snprintf(name, sizeof(name), "value format: %s", cases[i].want);
		check(line && !strcmp(line, want), name, "got '%s'", line ? line : "(none)");
	}
	err = metric_add(c, NULL, -1);
	check(err == -EINVAL, "counter: negative add refused", "err %d", err);
	err = metric_add(c, NULL, 0.0 / 0.0);
	check(err == -EINVAL, "counter: NaN add refused", "err %d", err);
	metric_add(c, NULL, 2.5);
	metric_inc(c, NULL);
	err = metric_get(c, NULL, &v);
	check(!err && v == 3.5, "counter: add and inc", "err %d v %g", err, v);
	err = metric_add(f, NULL, -10);
	check(!err, "gauge: negative add", "err %d", err);
	metrics_free(m);
}

static void test_register_errors(void)
{
	const struct {
		const char *name;
		struct metric_desc d;
		int want;
	} cases[] = {
		{ "bad name (digit first)", { .name = "1abc" }, -EINVAL },
		{ "bad name (dash)", { .name = "a-b" }, -EINVAL },
		{ "empty name", { .name = "" }, -EINVAL },
		{ "colon in a metric name is fine", { .name = "a:b" }, 0 },
		{ "bad label name", { .name = "l1", .labels = { "a:b" } }, -EINVAL },
		{ "reserved label __x", { .name = "l2", .labels = { "__x" } }, -EINVAL },
		{ "label le", { .name = "l3", .labels = { "le" } }, -EINVAL },
		{ "duplicate label", { .name = "l4", .labels = { "a", "a" } }, -EINVAL },
		{ "label after the end", { .name = "l5", .labels = { "a", NULL, "b" } }, -EINVAL },
		{ "allowed list without label", { .name = "l6", .labels = { "a" },
						  .allowed = { NULL, (const char *const[]){ "x", NULL } } }, -EINVAL },
		{ "bad type", { .name = "l7", .type = 7 }, -EINVAL },
		{ "four labels", { .name = "l8", .labels = { "a", "b", "c", "d" } }, 0 },
		{ "overflow name taken", { .name = METRICS_OVERFLOW_NAME }, -EEXIST },
	};
	struct metrics *m = metrics_new();
	char name[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = metrics_register(m, &cases[i].d, NULL);

		snprintf(name, sizeof(name), "register: %s", cases[i].name);
		check(err == cases[i].want, name, "want %d, got %d", cases[i].want, err);
	}
	check(metrics_find(m, "a:b") && !metrics_find(m, "l1"), "register: failed families are not kept",
	      "find a:b %p l1 %p", (void *)metrics_find(m, "a:b"), (void *)metrics_find(m, "l1"));
	metrics_free(m);
}

static double overflow_count(struct metrics *m, const char *fam)
{
	double v = 0;

	metric_get(metrics_find(m, METRICS_OVERFLOW_NAME), METRIC_LABELS(fam), &v);
	return v;
}

static void test_overflow(void)
{
	struct metrics *m = metrics_new();
	struct agent_metrics am;
	struct metric *f, *g;
	const char *out;
	char mod[64];
	double v = -1;
	int err;

	agent_metrics_register(m, &am, "v", "enforce");

	/* An action outside the allowed list. */
	metric_inc(am.decisions, METRIC_LABELS("explode", "exec", "m"));
	out = render(m);
	check(strstr(out, "bpfjail_decisions_total{action=\"other\",op=\"exec\",module=\"m\"} 1\n") &&
		      strstr(out, "bpfjail_metrics_label_overflow_total{metric=\"bpfjail_decisions_total\"} 1\n"),
	      "overflow: value outside the allowed list -> other", "%s", out);

	/* Per-pid-like values into a family of at most 3 series. */
	err = metrics_register(m, &(struct metric_desc){
		.name = "t_small_total", .help = "h", .labels = { "action", "module" },
		.allowed = { (const char *const[]){ "deny", "audit", NULL } }, .max_series = 3 }, &f);
	for (int i = 0; i < 1000; i++) {
		snprintf(mod, sizeof(mod), "mod%d", i);
		metric_inc(f, METRIC_LABELS(i % 2 ? "deny" : "audit", mod));
	}
	out = render(m);
	check(!err && metric_series_count(f) == 5, "overflow: 3 series + one other per allowed action",
	      "err %d, %zu series:\n%s", err, metric_series_count(f), out);
	metric_get(f, METRIC_LABELS("deny", "other"), &v);
	check(v == 499, "overflow: free label -> other, allowed label kept", "deny/other = %g", v);
	check(overflow_count(m, "t_small_total") == 997, "overflow: counted per update",
	      "got %g", overflow_count(m, "t_small_total"));
	metric_inc(f, METRIC_LABELS("audit", "mod0"));
	metric_get(f, METRIC_LABELS("audit", "mod0"), &v);
	check(v == 2, "overflow: existing series still updated when full", "got %g", v);

	/* Every label listed: a full family has one all-"other" series. */
	metrics_register(m, &(struct metric_desc){
		.name = "t_listed", .type = METRIC_GAUGE, .labels = { "a" },
		.allowed = { (const char *const[]){ "x", "y", "z", NULL } }, .max_series = 2 }, &g);
	metric_set(g, METRIC_LABELS("x"), 1);
	metric_set(g, METRIC_LABELS("y"), 2);
	metric_set(g, METRIC_LABELS("z"), 3);
	metric_set(g, METRIC_LABELS("q"), 4);
	v = 0;
	metric_get(g, METRIC_LABELS("other"), &v);
	check(metric_series_count(g) == 3 && v == 4, "overflow: all labels listed -> one other series",
	      "%zu series, other=%g", metric_series_count(g), v);

	/* Long values are cut at 128 bytes, on a character boundary. */
	{
		char big[400], want[200];

		memset(big, 'a', 127);
		strcpy(big + 127, "\xc3\xa9tail");
		metric_inc(am.exec_holds, METRIC_LABELS(big));
		snprintf(want, sizeof(want), "bpfjail_exec_holds_total{result=\"%.127s\"} 1", big);
		out = line_of(render(m), "bpfjail_exec_holds_total{");
		check(out && !strcmp(out, want), "label value: cut at 128 bytes, whole characters",
		      "%s", out ? out : "(none)");
	}
	metrics_free(m);
}

static const char *const parse_ok[][2] = {
	{ NULL, "127.0.0.1:9477" },
	{ "", "127.0.0.1:9477" },
	{ "127.0.0.1:9477", "127.0.0.1:9477" },
	{ "0.0.0.0:80", "0.0.0.0:80" },
	{ "10.1.2.3:0", "10.1.2.3:0" },
	{ "localhost:1234", "127.0.0.1:1234" },
	{ ":9100", "127.0.0.1:9100" },
	{ "9100", "127.0.0.1:9100" },
	{ "[::1]:9477", "[::1]:9477" },
	{ "[::]:65535", "[::]:65535" },
	{ "[fe80::1]:1", "[fe80::1]:1" },
};

static const char *const parse_bad[] = {
	"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x",
	"::1:9477", "[::1]", "[::1]9477", "[::1:9477", "example.com:80", "127.1:80",
	"1.2.3.4.5:80", "[1.2.3.4]:80", ":", "999999", "127.0.0.1:123456",
};

static void fmt(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in4 = (const void *)ss;

		inet_ntop(AF_INET, &in4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(in4->sin_port));
	}
}

static void test_parse_listen(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char got[128], name[128];

	for (size_t i = 0; i < sizeof(parse_ok) / sizeof(parse_ok[0]); i++) {
		int err = metrics_parse_listen(parse_ok[i][0], &ss, &len);

		fmt(&ss, got, sizeof(got));
		snprintf(name, sizeof(name), "listen: '%s'", parse_ok[i][0] ? parse_ok[i][0] : "(null)");
		check(!err && !strcmp(got, parse_ok[i][1]) &&
			      len == (ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)),
		      name, "err %d, got %s, want %s", err, got, parse_ok[i][1]);
	}
	for (size_t i = 0; i < sizeof(parse_bad) / sizeof(parse_bad[0]); i++) {
		int err = metrics_parse_listen(parse_bad[i], &ss, &len);

		snprintf(name, sizeof(name), "listen: '%s' refused", parse_bad[i]);
		check(err == -EINVAL, name, "err %d", err);
	}
}

/* --- concurrency --------------------------------------------------------------- */

#define WRITERS 4
#define INCS 20000

struct conc {
	struct metrics *m;
	struct agent_metrics *am;
	int id;
	volatile int stop;
	int renders, bad;
};

static void *writer(void *arg)
{
	struct conc *c = arg;
	char mod[32];

	for (int i = 0; i < INCS; i++) {
		snprintf(mod, sizeof(mod), "m%d", i % 8);
		metric_inc(c->am->decisions, METRIC_LABELS("deny", "exec", mod));
		metric_set(c->am->jailed, NULL, i);
		if (i % 1000 == 0)
			agent_metrics_build_info(c->am, "v", c->id % 2 ? "audit" : "enforce");
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct conc *c = arg;

	while (!c->stop) {
		char *buf;
		size_t len;

		if (metrics_render(c->m, &buf, &len)) {
			c->bad++;
			continue;
		}
		if (!len || buf[len - 1] != '\n' || strlen(buf) != len ||
		    !strstr(buf, "# TYPE bpfjail_decisions_total counter\n") ||
		    !strstr(buf, "\nbpfjail_build_info{version=\"v\",mode="))
			c->bad++;
		c->renders++;
		free(buf);
	}
	return NULL;
}

static void test_concurrency(void)
{
	struct metrics *m = metrics_new();
	struct agent_metrics am;
	struct conc w[WRITERS], r = { .m = m, .am = &am };
	pthread_t tw[WRITERS], tr;
	double total = 0, v;
	char mod[32];

	agent_metrics_register(m, &am, "v", "enforce");
	pthread_create(&tr, NULL, reader, &r);
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct conc){ .m = m, .am = &am, .id = i };
		pthread_create(&tw[i], NULL, writer, &w[i]);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(tw[i], NULL);
	r.stop = 1;
	pthread_join(tr, NULL);
	for (int i = 0; i < 8; i++) {
		snprintf(mod, sizeof(mod), "m%d", i);
		if (!metric_get(am.decisions, METRIC_LABELS("deny", "exec", mod), &v))
			total += v;
	}
	check(total == WRITERS * INCS, "concurrency: no increment lost",
	      "total %g, want %d", total, WRITERS * INCS);
	check(!r.bad && r.renders > 0, "concurrency: every render whole while writers run",
	      "%d bad of %d", r.bad, r.renders);
	check(metric_series_count(am.build_info) == 1, "concurrency: build_info one series",
	      "%zu", metric_series_count(am.build_info));
	metrics_free(m);
}

/* --- HTTP ------------------------------------------------------------------------ */

struct http_resp {
	int status;
	char headers[2048];
	char *body;
	size_t body_len;
};

/* One request on a fresh connection; raw, so the test needs no client. */
static int http(const char *host, int port, const char *method, const char *path,
		struct http_resp *r)
{
	struct sockaddr_storage ss = { 0 };
	struct timeval tv = { .tv_sec = 5 };
	char req[512], *buf = NULL, *hend;
	size_t len = 0, cap = 0;
	int fd, err = -EIO;
	socklen_t sl;

	memset(r, 0, sizeof(*r));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, host, &a->sin6_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, host, &a->sin_addr);
		sl = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, sl)) {
		err = -errno;
		goto out;
	}
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s\r\n%s",
		 method, path, strcmp(method, "POST") ? "" : "Content-Length: 5\r\n",
		 strcmp(method, "POST") ? "" : "hello");
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				goto out;
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	hend = strstr(buf, "\r\n\r\n");
	if (!hend || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		goto out;
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)(hend - buf), buf);
	r->body_len = len - (hend + 4 - buf);
	r->body = malloc(r->body_len + 1);
	if (!r->body)
		goto out;
	memcpy(r->body, hend + 4, r->body_len);
	r->body[r->body_len] = '\0';
	err = 0;
out:
	free(buf);
	close(fd);
	return err;
}

static bool has_header(const struct http_resp *r, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	/* headers lacks the final CRLF: compare with one added. */
	char all[sizeof(r->headers) + 4];
	snprintf(all, sizeof(all), "%s\r\n", r->headers);
	return strcasestr(all, want) != NULL;
}

static void test_http(void)
{
	struct metrics *m = metrics_new();
	struct metrics_server *s = NULL, *s2 = NULL;
	struct agent_metrics am;
	struct http_resp r;
	char err[256] = "", lst[64];
	int ret, port;

	agent_metrics_register(m, &am, "v1.2.3", "enforce");
	fill_agent(&am);
	ret = metrics_server_start(m, &(struct metrics_server_opts){ .listen = "127.0.0.1:0" }, &s,
				   err, sizeof(err));
	port = metrics_server_port(s);
	check(!ret && port > 0, "http: start on 127.0.0.1:0", "ret %d: %s", ret, err);
	if (ret)
		goto out;

	ret = http("127.0.0.1", port, "GET", "/metrics", &r);
	check(!ret && r.status == 200 && r.body_len == strlen(expected_agent) &&
		      !strcmp(r.body, expected_agent),
	      "http: GET /metrics 200, the exposition text", "ret %d status %d body:\n%s", ret, r.status,
	      r.body ? r.body : "");
	check(has_header(&r, "Content-Type: text/plain; version=0.0.4; charset=utf-8"),
	      "http: /metrics Content-Type 0.0.4", "%s", r.headers);
	free(r.body);

	ret = http("127.0.0.1", port, "GET", "/metrics?x=1", &r);
	check(!ret && r.status == 200, "http: GET /metrics?query 200", "ret %d status %d", ret, r.status);
	free(r.body);

	ret = http("127.0.0.1", port, "HEAD", "/metrics", &r);
	check(!ret && r.status == 200 && r.body_len == 0, "http: HEAD /metrics 200, no body",
	      "ret %d status %d body %zu", ret, r.status, r.body_len);
	free(r.body);

	ret = http("127.0.0.1", port, "GET", "/healthz", &r);
	check(!ret && r.status == 200 && !strcmp(r.body, "ok\n"), "http: GET /healthz 200 ok",
	      "ret %d status %d body '%s'", ret, r.status, r.body ? r.body : "");
	free(r.body);

	metrics_set_health(m, false, "policy reload failed:\nbad yaml");
	ret = http("127.0.0.1", port, "GET", "/healthz", &r);
	check(!ret && r.status == 503 && !strcmp(r.body, "unhealthy: policy reload failed: bad yaml\n"),
	      "http: unhealthy -> 503 with the reason", "ret %d status %d body '%s'", ret, r.status,
	      r.body ? r.body : "");
	free(r.body);
	metrics_set_health(m, true, NULL);
	ret = http("127.0.0.1", port, "GET", "/healthz", &r);
	check(!ret && r.status == 200, "http: healthy again -> 200", "status %d", r.status);
	free(r.body);

	ret = http("127.0.0.1", port, "GET", "/", &r);
	check(!ret && r.status == 404, "http: GET / 404", "ret %d status %d", ret, r.status);
	free(r.body);
	ret = http("127.0.0.1", port, "GET", "/metricsx", &r);
	check(!ret && r.status == 404, "http: GET /metricsx 404", "ret %d status %d", ret, r.status);
	free(r.body);

	ret = http("127.0.0.1", port, "POST", "/metrics", &r);
	check(!ret && r.status == 405 && has_header(&r, "Allow: GET, HEAD"),
	      "http: POST /metrics 405 with Allow", "ret %d status %d headers %s", ret, r.status, r.headers);
	free(r.body);
	ret = http("127.0.0.1", port, "DELETE", "/healthz", &r);
	check(!ret && r.status == 405, "http: DELETE /healthz 405", "ret %d status %d", ret, r.status);
	free(r.body);

	/* The same port again: a clear error. */
	snprintf(lst, sizeof(lst), "127.0.0.1:%d", port);
	ret = metrics_server_start(m, &(struct metrics_server_opts){ .listen = lst }, &s2, err, sizeof(err));
	check(ret == -EADDRINUSE && !s2 && strstr(err, "already in use") && strstr(err, lst),
	      "http: port in use -> -EADDRINUSE, says so", "ret %d: %s", ret, err);
	metrics_server_stop(s2);

	ret = metrics_server_start(m, &(struct metrics_server_opts){ .listen = "nonsense" }, &s2, err,
				   sizeof(err));
	check(ret == -EINVAL && strstr(err, "nonsense"), "http: bad address -> -EINVAL, names it",
	      "ret %d: %s", ret, err);

	/* Stop, then the port is free again (SO_REUSEADDR, listen socket closed). */
	metrics_server_stop(s);
	s = NULL;
	ret = metrics_server_start(m, &(struct metrics_server_opts){ .listen = lst }, &s, err, sizeof(err));
	check(!ret && metrics_server_port(s) == port, "http: stop frees the port", "ret %d: %s", ret, err);
	metrics_server_stop(s);
	s = NULL;

	/* IPv6 loopback, where this machine has it. */
	ret = metrics_server_start(m, &(struct metrics_server_opts){ .listen = "[::1]:0" }, &s, err,
				   sizeof(err));
	if (ret == -EAFNOSUPPORT || ret == -EADDRNOTAVAIL) {
		printf("skip - http: [::1]: no IPv6 loopback here (%s)\n", err);
	} else {
		port = metrics_server_port(s);
		ret = ret ? ret : http("::1", port, "GET", "/healthz", &r);
		check(!ret && r.status == 200, "http: [::1]:0 serves", "ret %d: %s", ret, err);
		if (!ret)
			free(r.body);
	}
out:
	metrics_server_stop(s);
	metrics_free(m);
}

int main(void)
{
	test_exposition();
	test_escaping();
	test_values();
	test_register_errors();
	test_overflow();
	test_parse_listen();
	test_concurrency();
	test_http();
	render(NULL);
	printf("# metrics_test: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
