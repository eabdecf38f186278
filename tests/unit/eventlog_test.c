// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/agent/eventlog.c: the rate limit and the suppressed
 * count (with a fake clock), every line parsed back with json-c, the schema
 * of each kind, file output and reopen after a rotation, stdout.
 *
 *   eventlog_test TMPDIR
 *
 * Prints "ok - NAME" / "not ok - NAME: why" per check; exits 1 on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent/eventlog.h"

static int npass, nfail;
static const char *tmpdir;

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

#define SEC 1000000000ull

static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
	return fake_now;
}

/* The lines of a file, each parsed; returns the count (-1: unreadable). */
#define MAXLINES 4096
static struct json_object *lines[MAXLINES];
static int nlines, nbad;
static char badline[512];

static void lines_free(void)
{
	for (int i = 0; i < nlines; i++)
		json_object_put(lines[i]);
	nlines = 0;
}

static int read_lines(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	lines_free();
	nbad = 0;
	f = fopen(path, "r");
	if (!f)
		return -1;
	while ((n = getline(&buf, &cap, f)) > 0) {
		struct json_tokener *tok = json_tokener_new();
		struct json_object *o;

		/* Strict: trailing junk or a second object on a line fails. */
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(tok, buf, n - 1);
		if (!o || buf[n - 1] != '\n' || json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != (size_t)(n - 1) ||
		    !json_object_is_type(o, json_type_object)) {
			if (!nbad)
				snprintf(badline, sizeof(badline), "%s", buf);
			nbad++;
			json_object_put(o);
		} else if (nlines < MAXLINES) {
			lines[nlines++] = o;
		} else {
			json_object_put(o);
		}
		json_tokener_free(tok);
	}
	free(buf);
	fclose(f);
	return nlines;
}

static const char *sget(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool is_null(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && !v;
}

static int64_t iget(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

/* The keys of an object, comma-separated, in order. */
static const char *keys(struct json_object *o)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	json_object_object_foreach(o, k, v) {
		(void)v;
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", k);
		if (n >= sizeof(buf))
			break;
	}
	return buf;
}

static char *path_in(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static struct eventlog *open_log(const char *name, uint32_t burst, uint64_t window, uint32_t max_keys)
{
	struct eventlog *l = NULL;
	int err;

	unlink(path_in(name));
	err = eventlog_open(&(struct eventlog_opts){
		.path = path_in(name), .burst = burst, .window_ns = window, .max_keys = max_keys,
		.host = "testhost", .clock = fake_clock }, &l);
	if (err)
		printf("# eventlog_open %s: %s\n", name, strerror(-err));
	return l;
}

static struct eventlog_rec decision(const char *bin, const char *mod, const char *op)
{
	return (struct eventlog_rec){
		.kind = EVENTLOG_DECISION, .time_ns = 1700000000123456789ull, .pid = 4242, .tid = 4243,
		.exe = "/usr/bin/victim", .binary = bin, .module = mod, .op = op, .class = "proc",
		.verdict = "deny", .reason = "confined", .func = "example.com/dependency.Double",
		.pc = 0x4d7c99,
	};
}

static void test_time(void)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00.000000000Z" },
		{ 1, "1970-01-01T00:00:00.000000001Z" },
		{ 1700000000123456789ull, "2023-11-14T22:13:20.123456789Z" },
		{ 951782400ull * SEC + 999999999, "2000-02-29T00:00:00.999999999Z" },
	};
	char buf[40], name[80];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = eventlog_format_time(cases[i].ns, buf, sizeof(buf));

		snprintf(name, sizeof(name), "time: %s", cases[i].want);
		check(!err && !strcmp(buf, cases[i].want), name, "err %d got %s", err, buf);
	}
	check(eventlog_format_time(0, buf, 10) == -ENOSPC, "time: short buffer -> -ENOSPC", "%s", buf);
}

static void test_rate_limit(void)
{
	struct eventlog_rec d = decision("bid1", "example.com/dependency", "exec");
	struct eventlog_rec other = decision("bid1", "example.com/dependency", "connect");
	struct eventlog_rec other_bin = decision("bid2", "example.com/dependency", "exec");
	struct eventlog_stats st;
	struct eventlog *l;
	int printed = 0, ret, n;

	fake_now = 1000 * SEC;
	l = open_log("rl.jsonl", 3, 1 * SEC, 0);
	if (!l) {
		check(false, "rate limit: open", "failed");
		return;
	}
	for (int i = 0; i < 10; i++)
		printed += eventlog_write(l, &d) == 1;
	check(printed == 3, "rate limit: burst 3 of 10 printed", "%d", printed);
	/* Other keys have their own buckets. */
	ret = eventlog_write(l, &other);
	check(ret == 1, "rate limit: another op has its own bucket", "ret %d", ret);
	ret = eventlog_write(l, &other_bin);
	check(ret == 1, "rate limit: another binary has its own bucket", "ret %d", ret);

	/* A third of the window refills one token. */
	fake_now += SEC / 3 + 1;
	ret = eventlog_write(l, &d);
	check(ret == 1, "rate limit: 1/3 window -> one more line", "ret %d", ret);
	ret = eventlog_write(l, &d);
	check(ret == 0, "rate limit: ... and only one", "ret %d", ret);

	/* A whole window (and more) refills the burst, no more. */
	fake_now += 5 * SEC;
	printed = 0;
	for (int i = 0; i < 5; i++)
		printed += eventlog_write(l, &d) == 1;
	check(printed == 3, "rate limit: refill capped at the burst", "%d", printed);

	eventlog_stats(l, &st);
	eventlog_close(l);
	n = read_lines(path_in("rl.jsonl"));
	/* d: 0-2, 5, 6-8; other: 3; other_bin: 4; 9: d's last 2, flushed at close. */
	check(n == 10 && !nbad, "rate limit: 10 lines, all valid JSON", "%d lines, %d bad: %s", n, nbad,
	      badline);
	if (n != 10)
		return;
	check(iget(lines[0], "suppressed") == 0 && iget(lines[2], "suppressed") == 0,
	      "suppressed: 0 while within the burst", "%lld %lld",
	      (long long)iget(lines[0], "suppressed"), (long long)iget(lines[2], "suppressed"));
	check(!strcmp(sget(lines[3], "op"), "connect") && iget(lines[3], "suppressed") == 0 &&
		      !strcmp(sget(lines[4], "binary"), "bid2") && iget(lines[4], "suppressed") == 0,
	      "suppressed: other keys unaffected", "%s", json_object_to_json_string(lines[3]));
	check(iget(lines[5], "suppressed") == 7, "suppressed: first line after 7 drops says 7",
	      "%lld", (long long)iget(lines[5], "suppressed"));
	check(iget(lines[6], "suppressed") == 1, "suppressed: next line counts since the last printed",
	      "%lld", (long long)iget(lines[6], "suppressed"));
	check(iget(lines[8], "suppressed") == 0, "suppressed: back to 0", "%lld",
	      (long long)iget(lines[8], "suppressed"));
	check(!strcmp(sget(lines[9], "event"), "suppressed") && iget(lines[9], "suppressed") == 2 &&
		      !strcmp(sget(lines[9], "binary"), "bid1") && !strcmp(sget(lines[9], "op"), "exec"),
	      "close: the last 2 suppressed are reported", "%s", json_object_to_json_string(lines[9]));
	check(st.written == 9 && st.suppressed == 10 && !st.write_errors, "stats: written and suppressed",
	      "written %llu suppressed %llu errors %llu", (unsigned long long)st.written,
	      (unsigned long long)st.suppressed, (unsigned long long)st.write_errors);
	lines_free();
}

static void test_flush_and_evict(void)
{
	struct eventlog_rec a = decision("b", "m", "exec"), b = decision("b", "m", "fork");
	struct eventlog *l;
	int ret, n;

	fake_now = 5000 * SEC;
	l = open_log("flush.jsonl", 1, 10 * SEC, 0);
	if (!l) {
		check(false, "flush: open", "failed");
		return;
	}
	eventlog_write(l, &a);
	eventlog_write(l, &a);
	eventlog_write(l, &a);
	ret = eventlog_flush(l);
	check(ret == 1, "flush: one key with pending counts", "ret %d", ret);
	ret = eventlog_flush(l);
	check(ret == 0, "flush: nothing left", "ret %d", ret);
	fake_now += 10 * SEC;
	eventlog_write(l, &a);
	eventlog_write(l, &b);
	eventlog_write(l, &b);
	eventlog_close(l);	/* flushes b's one */
	n = read_lines(path_in("flush.jsonl"));
	check(n == 5 && !nbad, "flush: 5 valid lines", "%d lines, %d bad", n, nbad);
	if (n == 5) {
		check(!strcmp(sget(lines[1], "event"), "suppressed") && iget(lines[1], "suppressed") == 2 &&
			      !strcmp(keys(lines[1]), "time,host,event,binary,module,op,suppressed") &&
			      !strcmp(sget(lines[1], "op"), "exec"),
		      "flush: a 'suppressed' line with the key and the count", "%s",
		      json_object_to_json_string(lines[1]));
		check(iget(lines[2], "suppressed") == 0, "flush: the next decision starts from 0", "%lld",
		      (long long)iget(lines[2], "suppressed"));
		check(!strcmp(sget(lines[4], "event"), "suppressed") && !strcmp(sget(lines[4], "op"), "fork") &&
			      iget(lines[4], "suppressed") == 1,
		      "close: pending counts are flushed", "%s", json_object_to_json_string(lines[4]));
	}

	/* One key slot: alternating keys evict each other; counts are not lost. */
	fake_now = 9000 * SEC;
	l = open_log("evict.jsonl", 1, 100 * SEC, 1);
	eventlog_write(l, &a);	/* a printed */
	eventlog_write(l, &a);	/* a suppressed 1 */
	eventlog_write(l, &a);	/* a suppressed 2 */
	ret = eventlog_write(l, &b);	/* evicts a: "suppressed" 2, then b printed */
	check(ret == 1, "evict: a new key takes the slot", "ret %d", ret);
	eventlog_close(l);
	n = read_lines(path_in("evict.jsonl"));
	check(n == 3 && !nbad && !strcmp(sget(lines[1], "event"), "suppressed") &&
		      iget(lines[1], "suppressed") == 2 && !strcmp(sget(lines[2], "op"), "fork"),
	      "evict: the evicted key's count is printed first", "%d lines", n);
	lines_free();
}

static void test_schema(void)
{
	struct eventlog_rec d = decision("sha256:0123abcd", "example.com/dependency", "exec");
	struct eventlog *l;
	int n;

	fake_now = 100 * SEC;
	l = open_log("schema.jsonl", 1, 10 * SEC, 0);
	if (!l) {
		check(false, "schema: open", "failed");
		return;
	}
	eventlog_write(l, &d);
	/* Unknowns are null; awkward strings survive. */
	eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_DECISION, .time_ns = 1, .pid = 7,
			    .exe = "/tmp/a \"b\"\\c\nd\x01", .binary = "bid", .op = "open-read",
			    .verdict = "audit", .reason = "stack-truncated" });
	eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_DECISION, .time_ns = 1, .pid = 8,
			    .exe = "/tmp/bad\xff\xc3(utf8", .binary = "bid", .module = "m\xe9",
			    .op = "connect", .verdict = "deny" });
	/* Lifecycle events: never rate-limited (burst is 1 here). */
	for (int i = 0; i < 3; i++)
		eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_JAILED, .pid = 100 + i,
				    .exe = "/usr/bin/victim", .binary = "bid", .policy = "/etc/bpfjail/policy.yaml",
				    .mode = "enforce" });
	eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_RELEASED, .pid = 100,
			    .exe = "/usr/bin/victim", .binary = "bid" });
	eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_POLICY_LOADED, .exe = "/usr/bin/victim",
			    .binary = "bid", .policy = "go.mod", .mode = "audit" });
	eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_POLICY_REJECTED, .exe = "/usr/bin/victim",
			    .binary = "bid", .policy = "policy.yaml", .error = "line 3: unknown class \"x\"" });
	check(eventlog_write(l, &(struct eventlog_rec){ .kind = 99 }) == -EINVAL,
	      "schema: unknown kind -> -EINVAL", "accepted");
	eventlog_close(l);

	n = read_lines(path_in("schema.jsonl"));
	check(n == 9 && !nbad, "json: 9 lines, each one strict JSON object", "%d lines, %d bad: %s", n, nbad,
	      badline);
	if (n != 9)
		goto out;
	check(!strcmp(keys(lines[0]), "time,host,event,pid,tid,exe,binary,module,op,class,verdict,reason,func,pc,suppressed"),
	      "decision: keys in order", "%s", keys(lines[0]));
	check(!strcmp(sget(lines[0], "time"), "2023-11-14T22:13:20.123456789Z") &&
		      !strcmp(sget(lines[0], "host"), "testhost") && !strcmp(sget(lines[0], "event"), "decision") &&
		      iget(lines[0], "pid") == 4242 && iget(lines[0], "tid") == 4243 &&
		      !strcmp(sget(lines[0], "exe"), "/usr/bin/victim") &&
		      !strcmp(sget(lines[0], "binary"), "sha256:0123abcd") &&
		      !strcmp(sget(lines[0], "module"), "example.com/dependency") &&
		      !strcmp(sget(lines[0], "op"), "exec") && !strcmp(sget(lines[0], "class"), "proc") &&
		      !strcmp(sget(lines[0], "verdict"), "deny") && !strcmp(sget(lines[0], "reason"), "confined") &&
		      !strcmp(sget(lines[0], "func"), "example.com/dependency.Double") &&
		      !strcmp(sget(lines[0], "pc"), "0x4d7c99") && iget(lines[0], "suppressed") == 0,
	      "decision: values", "%s", json_object_to_json_string(lines[0]));
	check(is_null(lines[1], "module") && is_null(lines[1], "func") && is_null(lines[1], "pc") &&
		      is_null(lines[1], "class") && !strcmp(sget(lines[1], "exe"), "/tmp/a \"b\"\\c\nd\x01") &&
		      !strcmp(sget(lines[1], "time"), "1970-01-01T00:00:00.000000001Z"),
	      "decision: unknowns are null, quotes/backslash/control characters round-trip", "%s",
	      json_object_to_json_string(lines[1]));
	check(!strcmp(sget(lines[2], "exe"), "/tmp/bad\xef\xbf\xbd\xef\xbf\xbd(utf8") &&
		      !strcmp(sget(lines[2], "module"), "m\xef\xbf\xbd"),
	      "decision: invalid UTF-8 -> U+FFFD", "%s", json_object_to_json_string(lines[2]));
	check(!strcmp(keys(lines[3]), "time,host,event,pid,exe,binary,policy,mode") &&
		      !strcmp(sget(lines[3], "event"), "jailed") && iget(lines[5], "pid") == 102 &&
		      !strcmp(sget(lines[3], "mode"), "enforce"),
	      "jailed: keys, and never rate-limited", "%s", keys(lines[3]));
	check(!strcmp(keys(lines[6]), "time,host,event,pid,exe,binary") &&
		      !strcmp(sget(lines[6], "event"), "released"),
	      "released: keys", "%s", keys(lines[6]));
	check(!strcmp(keys(lines[7]), "time,host,event,exe,binary,policy,mode") &&
		      !strcmp(sget(lines[7], "event"), "policy-loaded") && !strcmp(sget(lines[7], "policy"), "go.mod"),
	      "policy-loaded: keys", "%s", keys(lines[7]));
	check(!strcmp(keys(lines[8]), "time,host,event,exe,binary,policy,error") &&
		      !strcmp(sget(lines[8], "event"), "policy-rejected") &&
		      !strcmp(sget(lines[8], "error"), "line 3: unknown class \"x\""),
	      "policy-rejected: keys and error", "%s", json_object_to_json_string(lines[8]));
	{
		/* time "now" when not given: RFC 3339, nanoseconds, Z. */
		const char *t = sget(lines[3], "time");
		bool ok = t && strlen(t) == 30 && t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[29] == 'Z' &&
			  strncmp(t, "2020", 4) > 0;

		check(ok, "time: now, RFC 3339 UTC with nanoseconds", "%s", t ? t : "(none)");
	}
out:
	lines_free();
}

static void test_reopen(void)
{
	struct eventlog_rec j = { .kind = EVENTLOG_JAILED, .pid = 1, .binary = "b" };
	char *path = path_in("rot.jsonl"), *rotated = path_in("rot.jsonl.1"), sub[512], subpath[600];
	struct eventlog *l;
	struct stat st;
	int err, n1, n2;

	unlink(rotated);
	l = open_log("rot.jsonl", 0, 0, 0);
	if (!l) {
		check(false, "reopen: open", "failed");
		return;
	}
	check(!stat(path, &st) && (st.st_mode & 0777) == 0640, "file: created 0640", "mode %o", st.st_mode & 0777);
	eventlog_write(l, &j);
	eventlog_write(l, &j);
	rename(path, rotated);		/* logrotate */
	eventlog_write(l, &j);		/* still the old file */
	err = eventlog_reopen(l);
	eventlog_write(l, &j);
	eventlog_close(l);
	n1 = read_lines(rotated);
	n2 = read_lines(path);
	check(!err && n1 == 3 && n2 == 1, "reopen: rotated file keeps 3 lines, new file gets 1",
	      "err %d, rotated %d, new %d", err, n1, n2);

	/* O_APPEND: a second writer's lines are not overwritten. */
	l = NULL;
	eventlog_open(&(struct eventlog_opts){ .path = path, .host = "h" }, &l);
	eventlog_write(l, &j);
	eventlog_close(l);
	n2 = read_lines(path);
	check(n2 == 2 && !nbad, "file: O_APPEND keeps earlier lines", "%d lines", n2);

	/* Reopen failure: the old file stays in use. */
	snprintf(sub, sizeof(sub), "%s/gone", tmpdir);
	mkdir(sub, 0700);
	snprintf(subpath, sizeof(subpath), "%s/x.jsonl", sub);
	l = NULL;
	err = eventlog_open(&(struct eventlog_opts){ .path = subpath, .host = "h" }, &l);
	unlink(subpath);
	rmdir(sub);
	eventlog_write(l, &j);
	{
		int rerr = eventlog_reopen(l);
		int ret = eventlog_write(l, &j);

		check(!err && rerr == -ENOENT && ret == 1, "reopen: failure keeps the old file, -ENOENT",
		      "open %d reopen %d write %d", err, rerr, ret);
	}
	eventlog_close(l);

	err = eventlog_open(&(struct eventlog_opts){ .path = "/nonexistent/dir/x.jsonl" }, &l);
	check(err == -ENOENT && !l, "open: missing directory -> -ENOENT", "err %d", err);
	lines_free();
}

/* stdout: fd 1 redirected to a file for the duration. */
static void test_stdout(void)
{
	char *path = path_in("stdout.jsonl");
	struct eventlog *l = NULL;
	int fd, saved, err, n;

	fflush(stdout);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved = dup(1);
	dup2(fd, 1);
	close(fd);
	err = eventlog_open(&(struct eventlog_opts){ .path = "-", .host = "h" }, &l);
	if (!err) {
		eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_RELEASED, .pid = 3 });
		eventlog_reopen(l);	/* nothing to reopen: fd 1 stays */
		eventlog_write(l, &(struct eventlog_rec){ .kind = EVENTLOG_RELEASED, .pid = 4 });
		eventlog_close(l);
	}
	dup2(saved, 1);
	close(saved);
	n = read_lines(path);
	check(!err && n == 2 && !nbad && iget(lines[1], "pid") == 4 && fcntl(1, F_GETFD) >= 0,
	      "stdout: lines on fd 1, which stays open", "err %d, %d lines", err, n);
	lines_free();
}

/* /dev/full: ENOSPC on every write. */
static void test_write_error(void)
{
	struct eventlog_rec d = decision("b", "m", "exec");
	struct eventlog_stats st = { 0 };
	struct eventlog *l = NULL;
	int err, ret;

	err = eventlog_open(&(struct eventlog_opts){ .path = "/dev/full", .burst = 1, .window_ns = SEC,
						     .clock = fake_clock }, &l);
	if (err) {
		printf("skip - write error: cannot open /dev/full (%s)\n", strerror(-err));
		return;
	}
	fake_now = 20000 * SEC;
	ret = eventlog_write(l, &d);
	eventlog_stats(l, &st);
	check(ret == -ENOSPC && st.write_errors == 1 && st.written == 0, "write error: -ENOSPC, counted",
	      "ret %d errors %llu", ret, (unsigned long long)st.write_errors);
	eventlog_close(l);
}

struct conc {
	struct eventlog *l;
	int id;
};

static void *writer(void *arg)
{
	struct conc *c = arg;
	char mod[32];

	snprintf(mod, sizeof(mod), "mod%d", c->id);
	for (int i = 0; i < 500; i++) {
		struct eventlog_rec d = decision("b", mod, "exec");

		d.exe = "/a/long/enough/path/to/make/the/line/longer/than/a/few/hundred/bytes/xxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
		eventlog_write(c->l, &d);
		if (i % 100 == 0)
			eventlog_reopen(c->l);
	}
	return NULL;
}

static void test_concurrency(void)
{
	struct conc c[4];
	pthread_t t[4];
	struct eventlog *l;
	int n;

	l = open_log("conc.jsonl", EVENTLOG_UNLIMITED, 0, 0);
	if (!l) {
		check(false, "concurrency: open", "failed");
		return;
	}
	for (int i = 0; i < 4; i++) {
		c[i] = (struct conc){ .l = l, .id = i };
		pthread_create(&t[i], NULL, writer, &c[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	eventlog_close(l);
	n = read_lines(path_in("conc.jsonl"));
	check(n == 2000 && !nbad, "concurrency: 4 threads x 500 lines, none torn, reopens between",
	      "%d lines, %d bad: %s", n, nbad, badline);
	lines_free();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: eventlog_test TMPDIR\n");
		return 2;
	}
	tmpdir = argv[1];
	umask(022);	/* the 0640 check */
	test_time();
	test_rate_limit();
	test_flush_and_evict();
	test_schema();
	test_reopen();
	test_stdout();
	test_write_error();
	test_concurrency();
	printf("# eventlog_test: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
