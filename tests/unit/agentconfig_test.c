// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the agent's configuration layer (user/agent: config.c,
 * selector.c, watch.c): config and policy-file parsing with positions,
 * selector AND/OR, globs, SHA-256, trust checks on files and directories,
 * directory loading with per-file errors, the keep-previous merge, inotify.
 *
 *   agentconfig_test FIXTURES_DIR      (tests/agent)
 *
 * Fixtures under config/ and policy/ that carry "# expect-error: L:C: TEXT"
 * must fail with "FILE:L:C: TEXT"; the others must load. Trust tests build
 * their files in a fresh directory under /tmp. Prints "ok - NAME" /
 * "not ok - NAME: why" / "skip - NAME: why"; exits 1 on failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/selector.h"
#include "agent/watch.h"
#include "gosym/gosym.h"

static int npass, nfail, nskip;
static const char *fixdir;
static char tmproot[] = "/tmp/bj-agentconfig.XXXXXX";
static struct bj_trust trust;	/* owner: root, or the tester when unprivileged */

static void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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

static void skip(const char *name, const char *why)
{
	printf("skip - %s: %s\n", name, why);
	nskip++;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
	chmod(path, mode);	/* explicitly: the umask must not decide */
}

static char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *tpath(const char *fmt, ...)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	int n = snprintf(b, 4096, "%s/", tmproot);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b + n, 4096 - (size_t)n, fmt, ap);
	va_end(ap);
	return b;
}

static void rm_rf(const char *path)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

/* A fresh, trusted directory under tmproot. */
static const char *mkdir_fresh(const char *name)
{
	static char bufs[4][4096];	/* apart from tpath's, which turn over fast */
	static int next;
	char *p = bufs[next++ % 4];

	snprintf(p, 4096, "%s/%s", tmproot, name);

	rm_rf(p);
	if (mkdir(p, 0755) || chmod(p, 0755)) {
		fprintf(stderr, "mkdir %s: %s\n", p, strerror(errno));
		exit(1);
	}
	return p;
}

/* "# expect-error: L:C: TEXT" from a fixture, or NULL. */
static char *expect_error(const char *buf)
{
	const char *p = strstr(buf, "# expect-error: ");
	const char *e;

	if (!p)
		return NULL;
	p += strlen("# expect-error: ");
	e = strchr(p, '\n');
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

/* --- config --------------------------------------------------------------- */

static void test_config_defaults(void)
{
	struct bj_agent_config c;
	bool ok;

	if (bj_agent_config_init(&c)) {
		check(false, "config defaults", "init failed");
		return;
	}
	ok = !strcmp(c.listen, "127.0.0.1:9477") && !strcmp(c.listen_host, "127.0.0.1") && c.listen_port == 9477 &&
	     !strcmp(c.events, "stdout") && !strcmp(c.policy_dir, "/etc/bpfjail/policies.d") &&
	     c.defaults.mode == BJ_AGENT_MODE_AUTO && c.defaults.on_unknown == BJ_AGENT_UNKNOWN_DENY &&
	     c.defaults.fail_mode == BJ_AGENT_FAIL_DENY && c.defaults.hold_timeout_ms == 500 &&
	     c.max_binaries == 65536 && c.events_burst == 5 && c.events_window_ms == 10000 && !c.file;
	check(ok, "config defaults", "listen=%s dir=%s mode=%d hold=%u max=%u", c.listen, c.policy_dir,
	      c.defaults.mode, c.defaults.hold_timeout_ms, c.max_binaries);
	bj_agent_config_free(&c);
}

static int parse_config_file(const char *path, struct bj_agent_config *c, struct bj_err *err)
{
	size_t len;
	char *buf = slurp(path, &len);
	int ret;

	if (!buf)
		return -errno;
	ret = bj_agent_config_parse(c, path, buf, len, err);
	free(buf);
	return ret;
}

static void test_config_values(void)
{
	struct bj_agent_config c;
	struct bj_err err = { 0 };
	char path[4096];
	int ret;

	bj_agent_config_init(&c);
	snprintf(path, sizeof(path), "%s/config/full.yaml", fixdir);
	ret = parse_config_file(path, &c, &err);
	check(!ret && !strcmp(c.listen, "0.0.0.0:9100") && c.listen_port == 9100 &&
	      !strcmp(c.events, "/var/log/bpfjail/events.jsonl") && !strcmp(c.policy_dir, "/srv/bpfjail/policies.d") &&
	      c.defaults.mode == BJ_AGENT_MODE_AUDIT && c.defaults.on_unknown == BJ_AGENT_UNKNOWN_ALLOW &&
	      c.defaults.fail_mode == BJ_AGENT_FAIL_ALLOW && c.defaults.hold_timeout_ms == 750 &&
	      c.max_binaries == 4096 && c.events_burst == 20 && c.events_window_ms == 60000 && c.file &&
	      !strcmp(c.file, path),
	      "config full.yaml: every key", "ret=%d %s listen=%s dir=%s", ret, err.msg, c.listen, c.policy_dir);

	/* A bad document leaves the config as it was. */
	{
		const char *bad = "defaults: {mode: kill}\nbogus: 1\n";

		ret = bj_agent_config_parse(&c, "x.yaml", bad, strlen(bad), &err);
	}
	check(ret == -EINVAL && c.defaults.mode == BJ_AGENT_MODE_AUDIT && !strcmp(c.file, path),
	      "config: a bad document changes nothing", "ret=%d mode=%d", ret, c.defaults.mode);
	bj_agent_config_free(&c);

	bj_agent_config_init(&c);
	snprintf(path, sizeof(path), "%s/config/ipv6-off.yaml", fixdir);
	ret = parse_config_file(path, &c, &err);
	check(!ret && !strcmp(c.listen_host, "::1") && c.listen_port == 9477 && !strcmp(c.events, "stdout") &&
	      c.defaults.hold_timeout_ms == 500, "config: quoted [::1]:9477, others default",
	      "ret=%d %s host=%s", ret, err.msg, c.listen_host);
	snprintf(path, sizeof(path), "%s/config/listen-port-only.yaml", fixdir);
	ret = parse_config_file(path, &c, &err);
	check(!ret && !strcmp(c.listen_host, "127.0.0.1") && c.listen_port == 9100 && !strcmp(c.listen, "9100"),
	      "config: listen \"9100\" is loopback", "ret=%d %s host=%s", ret, err.msg, c.listen_host);
	ret = bj_agent_config_parse(&c, "l.yaml", "metrics: {listen: \"localhost:1\"}", 32, &err);
	check(!ret && !strcmp(c.listen_host, "127.0.0.1") && c.listen_port == 1, "config: listen localhost:1",
	      "ret=%d %s", ret, err.msg);
	snprintf(path, sizeof(path), "%s/config/events-unlimited.yaml", fixdir);
	ret = parse_config_file(path, &c, &err);
	check(!ret && c.events_burst == UINT32_MAX && c.events_window_ms == 10000, "config: events burst unlimited",
	      "ret=%d %s", ret, err.msg);
	snprintf(path, sizeof(path), "%s/config/metrics-off.yaml", fixdir);
	ret = parse_config_file(path, &c, &err);
	check(!ret && !c.listen && c.listen_port == 0, "config: metrics listen off", "ret=%d %s", ret, err.msg);
	bj_agent_config_free(&c);
}

static void test_config_fixtures(void)
{
	char dir[4096], path[4096 + 256], name[512];
	struct dirent **ents;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/config", fixdir);
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		struct bj_agent_config c;
		struct bj_err err = { 0 };
		char *buf, *want, full[8192];
		size_t len;
		int ret;

		if (!strstr(ents[i]->d_name, ".yaml")) {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		snprintf(name, sizeof(name), "config %s", ents[i]->d_name);
		buf = slurp(path, &len);
		want = buf ? expect_error(buf) : NULL;
		bj_agent_config_init(&c);
		ret = buf ? bj_agent_config_parse(&c, path, buf, len, &err) : -EIO;
		if (want) {
			snprintf(full, sizeof(full), "%s:%s", path, want);
			check(ret == -EINVAL && strcmp(err.msg, full) == 0, name, "want '%s', got ret=%d '%s'", full,
			      ret, err.msg);
		} else {
			check(ret == 0, name, "ret=%d '%s'", ret, err.msg);
		}
		bj_agent_config_free(&c);
		free(want);
		free(buf);
		free(ents[i]);
	}
	free(ents);
	check(n > 10, "config fixtures found", "%d entries in %s", n, dir);
}

/* --- policy files --------------------------------------------------------- */

static struct bj_agent_policy *policy_str(const char *file, const char *text, struct bj_err *err)
{
	struct bj_agent_policy *p = NULL;

	memset(err, 0, sizeof(*err));
	bj_agent_policy_parse(file, text, strlen(text), &p, err);
	return p;
}

static void test_policy_fixtures(void)
{
	char dir[4096], path[4096 + 256], name[512];
	struct dirent **ents;
	int n;

	snprintf(dir, sizeof(dir), "%s/policy", fixdir);
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		struct bj_agent_policy *p = NULL;
		struct bj_err err = { 0 };
		char *buf, *want, full[8192];
		size_t len;
		int ret;

		if (!strstr(ents[i]->d_name, ".yaml")) {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		snprintf(name, sizeof(name), "policy %s", ents[i]->d_name);
		buf = slurp(path, &len);
		want = buf ? expect_error(buf) : NULL;
		ret = buf ? bj_agent_policy_parse(path, buf, len, &p, &err) : -EIO;
		if (want) {
			snprintf(full, sizeof(full), "%s:%s", path, want);
			check(ret == -EINVAL && !p && strcmp(err.msg, full) == 0, name, "want '%s', got ret=%d '%s'",
			      full, ret, err.msg);
		} else {
			check(ret == 0 && p, name, "ret=%d '%s'", ret, err.msg);
		}
		bj_agent_policy_put(p);
		free(want);
		free(buf);
		free(ents[i]);
	}
	free(ents);
	check(n > 10, "policy fixtures found", "%d entries in %s", n, dir);
}

static void test_policy_fields(void)
{
	struct bj_agent_policy *p = NULL;
	struct bj_agent_config c;
	struct bj_agent_settings s;
	struct bj_err err = { 0 };
	char path[4096], hex[65];
	const struct bj_rule *r;
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/policy/web.yaml", fixdir);
	buf = slurp(path, &len);
	if (!buf || bj_agent_policy_parse(path, buf, len, &p, &err)) {
		check(false, "policy web.yaml fields", "parse: %s", err.msg);
		free(buf);
		return;
	}
	check(!strcmp(p->name, "web.yaml") && p->priority == 10 && p->nsel == 4 && p->mode == BJ_AGENT_MODE_ENFORCE &&
	      p->on_unknown == BJ_AGENT_UNKNOWN_ALLOW && p->fail_mode == BJ_AGENT_FAIL_ALLOW,
	      "policy web.yaml: priority, modes, 4 selectors", "name=%s prio=%ld nsel=%zu", p->name, p->priority,
	      p->nsel);
	check(p->sel[0].path && !strcmp(p->sel[0].path, "/usr/local/bin/web-*") && p->sel[0].main_module &&
	      !p->sel[0].has_sha256 && p->sel[0].line == 4 && p->sel[0].col == 5 && p->sel[1].has_sha256 &&
	      !strcmp(bj_sha256_hex(p->sel[1].sha256, hex),
		      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") &&
	      p->sel[2].build_id && !strcmp(p->sel[2].build_id, "abc123/def456") && p->sel[3].contains_module,
	      "policy web.yaml: selector keys and positions", "sel0 %d:%d", p->sel[0].line, p->sel[0].col);
	r = bj_ruleset_match(p->rules, "example.com/tls");
	check(p->rules->has_default && !p->rules->default_confined && r && r->confined && r->npaths == 1 &&
	      !strcmp(r->paths[0].path, "/etc/ssl") && r->why && strstr(r->why, "web.yaml:16: modules[example.com/tls]"),
	      "policy web.yaml: the native policy, with the file's lines", "why=%s", r ? r->why : "(none)");
	{
		uint8_t d[32];

		bj_sha256_buf(buf, len, d);
		check(!memcmp(d, p->digest, 32), "policy digest is the file's SHA-256", "differs");
	}

	bj_agent_config_init(&c);
	bj_agent_settings_for(&c, p, &s);
	check(s.mode == BJ_AGENT_MODE_ENFORCE && s.on_unknown == BJ_AGENT_UNKNOWN_ALLOW &&
	      s.fail_mode == BJ_AGENT_FAIL_ALLOW && s.hold_timeout_ms == 500, "settings: policy overrides defaults",
	      "mode=%d", s.mode);
	bj_agent_policy_put(p);
	p = policy_str("/x/plain.yaml", "select: {path: /a}\npolicy: {default: confined}\n", &err);
	bj_agent_settings_for(&c, p, &s);
	check(p && s.mode == BJ_AGENT_MODE_AUTO && s.fail_mode == BJ_AGENT_FAIL_DENY && s.on_unknown == BJ_AGENT_UNKNOWN_DENY &&
	      p->priority == 0, "settings: a policy without overrides takes the defaults", "%s", err.msg);
	bj_agent_policy_put(p);
	bj_agent_config_free(&c);
	free(buf);
}

/* --- selectors and matching ----------------------------------------------- */

static struct bj_policyset *set_of(struct bj_agent_policy **pols, size_t n)
{
	struct bj_policyset *s = calloc(1, sizeof(*s));

	s->dir = strdup("/test");
	s->pols = calloc(n, sizeof(*s->pols));
	for (size_t i = 0; i < n; i++)
		s->pols[s->npols++] = pols[i];
	return s;
}

static void facts(struct bj_binfacts *f, const char *path, const char *main, const char *const *mods, size_t n)
{
	bj_binfacts_init(f);
	f->path = path;
	f->main_module = main;
	f->modules = mods;
	f->nmodules = n;
}

static const char *match_name(const struct bj_policyset *s, struct bj_binfacts *f, int *ret)
{
	struct bj_match m;

	*ret = bj_policyset_match(s, f, &m);
	return m.policy ? m.policy->name : "none";
}

static void test_selectors(void)
{
	const char *mods_ab[] = { "example.com/app", "example.com/a", "example.com/b" };
	const char *mods_c[] = { "example.com/tool", "example.com/c" };
	struct bj_agent_policy *p;
	struct bj_policyset *s;
	struct bj_binfacts f;
	struct bj_err err;
	const char *got;
	int ret;

	/* AND inside one selector; OR across the list. */
	p = policy_str("/d/and-or.yaml",
		       "select:\n"
		       "  - path: /opt/*/bin/app\n"
		       "    main_module: example.com/app\n"
		       "  - contains_module: example.com/c\n"
		       "policy: {default: confined}\n", &err);
	if (!p) {
		check(false, "selectors parse", "%s", err.msg);
		return;
	}
	s = set_of(&p, 1);
	facts(&f, "/opt/x/bin/app", "example.com/app", mods_ab, 3);
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "and-or.yaml") && !ret, "selector AND: path and main_module both hold", "got %s", got);
	facts(&f, "/opt/x/bin/app", "example.com/other", mods_ab, 3);
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "none"), "selector AND: path holds, main_module differs: no match", "got %s", got);
	facts(&f, "/usr/bin/app", "example.com/app", mods_ab, 3);
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "none"), "selector AND: main_module holds, path differs: no match", "got %s", got);
	facts(&f, "/usr/bin/tool", "example.com/tool", mods_c, 2);
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "and-or.yaml"), "selector OR: the second selector alone matches", "got %s", got);
	{
		struct bj_match m;

		bj_policyset_match(s, &f, &m);
		check(m.selector == 1, "match reports which selector matched", "selector %zu", m.selector);
	}
	facts(&f, "/usr/bin/tool", "example.com/tool", mods_c, 1);	/* buildinfo lacks example.com/c */
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "none"), "contains_module: only modules buildinfo lists", "got %s", got);
	bj_policyset_free(s);

	/* contains_module and main_module are exact, not path prefixes. */
	p = policy_str("/d/exact.yaml", "select: {contains_module: example.com/a}\npolicy: {default: confined}\n", &err);
	s = set_of(&p, 1);
	{
		const char *sub[] = { "example.com/a/v2", "example.com/ab" };

		facts(&f, "/bin/x", NULL, sub, 2);
		got = match_name(s, &f, &ret);
		check(!strcmp(got, "none"), "contains_module is exact (not example.com/a/v2, example.com/ab)", "got %s", got);
	}
	bj_policyset_free(s);

	/* build_id */
	p = policy_str("/d/bid.yaml", "select: {build_id: \"aa/bb/cc/dd\"}\npolicy: {default: confined}\n", &err);
	s = set_of(&p, 1);
	facts(&f, "/bin/x", NULL, NULL, 0);
	f.build_id = "aa/bb/cc/dd";
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "bid.yaml"), "build_id matches", "got %s", got);
	f.build_id = NULL;
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "none"), "build_id: a binary without one does not match", "got %s", got);
	bj_policyset_free(s);
}

static void test_globs(void)
{
	static const struct {
		const char *glob, *path;
		bool match;
	} cases[] = {
		{ "/usr/bin/*", "/usr/bin/app", true },
		{ "/usr/bin/*", "/usr/bin/sub/app", false },	/* FNM_PATHNAME: * stops at / */
		{ "/usr/bin/*", "/usr/bin/", true },
		{ "/opt/*/bin/app", "/opt/a/bin/app", true },
		{ "/opt/*/bin/app", "/opt/a/b/bin/app", false },
		{ "/srv/app-[0-9]", "/srv/app-7", true },
		{ "/srv/app-[0-9]", "/srv/app-x", false },
		{ "/srv/app-?", "/srv/app-x", true },
		{ "/srv/app-?", "/srv/app-/", false },	/* ? does not match / either */
		{ "/srv/app", "/srv/app", true },
		{ "/srv/app", "/srv/app2", false },
		{ "/srv/.hidden*", "/srv/.hidden-x", true },	/* no FNM_PERIOD */
	};
	char name[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bj_selector sel = { .path = (char *)cases[i].glob };
		struct bj_binfacts f;
		int ret;

		facts(&f, cases[i].path, NULL, NULL, 0);
		ret = bj_selector_match(&sel, &f);
		snprintf(name, sizeof(name), "glob %s %s %s", cases[i].glob, cases[i].match ? "matches" : "does not match",
			 cases[i].path);
		check(ret == (cases[i].match ? 1 : 0), name, "got %d", ret);
	}
}

static void test_priority(void)
{
	struct bj_policyset *s = NULL;
	struct bj_binfacts f;
	const char *dir = mkdir_fresh("prio");
	struct bj_err err = { 0 };
	const char *got;
	int ret;

	/* Three policies for the same binary: b has priority 5; a and c tie at 0. */
	write_file(tpath("prio/c.yaml"), "select: {path: /bin/x}\npolicy: {default: confined}\n", 0644);
	write_file(tpath("prio/a.yaml"), "select: {path: /bin/x}\npolicy: {default: confined}\n", 0644);
	write_file(tpath("prio/b.yaml"), "priority: 5\nselect: {path: /bin/*}\npolicy: {default: confined}\n", 0644);
	ret = bj_policyset_load(dir, &trust, &s, &err);
	if (ret || s->npols != 3) {
		check(false, "priority: load", "ret=%d %s", ret, err.msg);
		bj_policyset_free(s);
		return;
	}
	check(!strcmp(s->pols[0]->name, "b.yaml") && !strcmp(s->pols[1]->name, "a.yaml") &&
	      !strcmp(s->pols[2]->name, "c.yaml"), "policy order: priority, then file name",
	      "%s %s %s", s->pols[0]->name, s->pols[1]->name, s->pols[2]->name);
	facts(&f, "/bin/x", NULL, NULL, 0);
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "b.yaml"), "several match: the higher priority wins", "got %s", got);
	facts(&f, "/bin/y", NULL, NULL, 0);
	got = match_name(s, &f, &ret);
	check(!strcmp(got, "b.yaml"), "only b's glob matches /bin/y", "got %s", got);
	bj_policyset_free(s);

	write_file(tpath("prio/b.yaml"), "priority: -1\nselect: {path: /bin/*}\npolicy: {default: confined}\n", 0644);
	ret = bj_policyset_load(dir, &trust, &s, &err);
	facts(&f, "/bin/x", NULL, NULL, 0);
	got = ret ? "(load failed)" : match_name(s, &f, &ret);
	check(!strcmp(got, "a.yaml"), "equal priority: the first file name wins; a negative priority goes last",
	      "got %s", got);
	bj_policyset_free(s);
}

/* --- sha256 ---------------------------------------------------------------- */

static void test_sha256(void)
{
	uint8_t d[32];
	char hex[65], path[4096], cmd[4200], want[80] = "";
	const uint8_t *dp;
	struct bj_binfacts f;
	int fd, ret;
	FILE *pf;

	snprintf(path, sizeof(path), "%s/abc.txt", fixdir);
	fd = open(path, O_RDONLY);
	ret = fd < 0 ? -errno : bj_sha256_fd(fd, d);
	check(!ret && !strcmp(bj_sha256_hex(d, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	      "sha256 of fixture abc.txt (FIPS 180-2 vector)", "ret=%d %s", ret, hex);
	/* pread: the fd's offset does not matter, and stays. */
	if (fd >= 0) {
		lseek(fd, 2, SEEK_SET);
		ret = bj_sha256_fd(fd, d);
		check(!ret && !strcmp(bj_sha256_hex(d, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") &&
		      lseek(fd, 0, SEEK_CUR) == 2, "sha256 reads from offset 0 whatever the fd offset", "%s", hex);
		close(fd);
	}

	/* A file larger than the read buffer, against coreutils' sha256sum. */
	snprintf(path, sizeof(path), "%s/big.bin", tmproot);
	{
		FILE *o = fopen(path, "wb");
		uint32_t x = 12345;

		for (size_t i = 0; i < 300000 + 7; i++) {
			x = x * 1103515245u + 12345u;
			fputc((int)(x >> 16), o);
		}
		fclose(o);
	}
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	pf = popen(cmd, "r");
	if (!pf || !fgets(want, sizeof(want), pf)) {
		skip("sha256 of a 300 KB file equals sha256sum's", "sha256sum not available");
	} else {
		want[64] = '\0';
		facts(&f, path, NULL, NULL, 0);
		ret = bj_binfacts_sha256(&f, &dp);
		check(!ret && !strcmp(bj_sha256_hex(dp, hex), want), "sha256 of a 300 KB file equals sha256sum's",
		      "ret=%d %s vs %s", ret, hex, want);
	}
	if (pf)
		pclose(pf);

	check(bj_sha256_parse("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", d) == 0 &&
	      d[0] == 0xba && d[31] == 0xad && bj_sha256_parse("ba78", d) == -EINVAL &&
	      bj_sha256_parse("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", d) == -EINVAL,
	      "sha256 hex parse: either case, exactly 64 digits", "parse");
}

static void test_sha256_lazy(void)
{
	struct bj_agent_policy *p[2];
	struct bj_policyset *s;
	struct bj_binfacts f;
	struct bj_match m;
	struct bj_err err;
	char path[4096], sel[512];
	int ret;

	snprintf(path, sizeof(path), "%s/abc.txt", fixdir);
	snprintf(sel, sizeof(sel),
		 "select:\n  - {path: /nowhere/*, sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad}\n"
		 "policy: {default: confined}\n");
	p[0] = policy_str("/d/gated.yaml", sel, &err);
	s = set_of(p, 1);
	facts(&f, "/nonexistent/file", NULL, NULL, 0);
	ret = bj_policyset_match(s, &f, &m);
	check(!ret && !m.policy && f.sha256_state == 0, "sha256 not computed when the path already fails",
	      "ret=%d state=%d", ret, f.sha256_state);
	bj_policyset_free(s);

	p[0] = policy_str("/d/hash.yaml",
			  "select: {sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad}\n"
			  "policy: {default: confined}\n", &err);
	p[1] = policy_str("/d/path.yaml", "priority: -1\nselect: {path: /nonexistent/*}\npolicy: {default: confined}\n",
			  &err);
	s = set_of(p, 2);
	facts(&f, path, NULL, NULL, 0);
	ret = bj_policyset_match(s, &f, &m);
	check(!ret && m.policy && !strcmp(m.policy->name, "hash.yaml") && f.sha256_state == 1,
	      "sha256 selector matches the fixture, computed once", "ret=%d state=%d", ret, f.sha256_state);
	/* Already computed: the cached digest is used even if the file is gone. */
	f.path = "/nonexistent/file";
	ret = bj_policyset_match(s, &f, &m);
	check(!ret && m.policy && !strcmp(m.policy->name, "hash.yaml"), "sha256 is cached in the facts", "ret=%d", ret);

	/* Unreadable: the undecided higher policy is reported, not the lower one that matches. */
	facts(&f, "/nonexistent/file", NULL, NULL, 0);
	ret = bj_policyset_match(s, &f, &m);
	check(ret == -ENOENT && m.policy && !strcmp(m.policy->name, "hash.yaml"),
	      "sha256 unreadable: error and the undecided policy (its fail_mode applies)", "ret=%d policy=%s", ret,
	      m.policy ? m.policy->name : "none");
	/* A digest supplied by the caller is used as is. */
	facts(&f, "/nonexistent/file", NULL, NULL, 0);
	bj_sha256_parse("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", f.sha256);
	f.sha256_state = 1;
	ret = bj_policyset_match(s, &f, &m);
	check(!ret && m.policy && !strcmp(m.policy->name, "hash.yaml"), "sha256 given by the caller", "ret=%d", ret);
	bj_policyset_free(s);
}

static void test_gosym_facts(void)
{
	struct gosym_module mods[] = {
		{ .path = "example.com/app", .main = true, .from_buildinfo = true },
		{ .path = "example.com/dep", .from_buildinfo = true },
		{ .path = "example.com/extra", .from_buildinfo = false },
	};
	struct gosym_binary bin = { .build_id = "x/y/z", .modules = mods, .nmodules = 3 };
	struct bj_binfacts f;
	int ret;

	bj_binfacts_init(&f);
	ret = bj_binfacts_set_gosym(&f, &bin);
	check(!ret && f.main_module && !strcmp(f.main_module, "example.com/app") && f.nmodules == 2 &&
	      !strcmp(f.modules[1], "example.com/dep") && !strcmp(f.build_id, "x/y/z") && f.fd == -1,
	      "facts from gosym: main module, build id, buildinfo modules only", "n=%zu", f.nmodules);
	bj_binfacts_clear(&f);
}

/* --- trust ----------------------------------------------------------------- */

static const char *good_policy = "select: {path: /usr/bin/x}\npolicy: {default: confined}\n";

/* Load dir expecting exactly one error for name whose message contains want. */
static void expect_file_rejected(const char *test, const char *dir, const char *name, const char *want)
{
	struct bj_policyset *s = NULL;
	struct bj_err err = { 0 };
	int ret = bj_policyset_load(dir, &trust, &s, &err);
	const struct bj_policy_error *e = NULL;

	for (size_t i = 0; !ret && i < s->nerrs; i++)
		if (!strcmp(s->errs[i].name, name))
			e = &s->errs[i];
	check(!ret && e && strstr(e->msg, want) && !bj_policyset_find(s, name) && bj_policyset_find(s, "good.yaml"),
	      test, "ret=%d err=%s msg=%s", ret, err.msg, e ? e->msg : "(no error for the file)");
	bj_policyset_free(s);
}

static void test_trust_files(void)
{
	const char *dir = mkdir_fresh("trust");
	char want[8192];
	struct passwd *nobody = getpwnam("nobody");

	write_file(tpath("trust/good.yaml"), good_policy, 0644);

	write_file(tpath("trust/gw.yaml"), good_policy, 0664);
	snprintf(want, sizeof(want), "policy file %s/gw.yaml is writable by group: a writable policy is a bypass", dir);
	expect_file_rejected("trust: group-writable policy file rejected, others load", dir, "gw.yaml", want);
	unlink(tpath("trust/gw.yaml"));

	write_file(tpath("trust/ow.yaml"), good_policy, 0646);
	snprintf(want, sizeof(want), "policy file %s/ow.yaml is writable by others: a writable policy is a bypass", dir);
	expect_file_rejected("trust: other-writable policy file rejected", dir, "ow.yaml", want);
	unlink(tpath("trust/ow.yaml"));

	if (geteuid() != 0 || !nobody) {
		skip("trust: policy file owned by nobody rejected", "needs root and a 'nobody' user");
	} else {
		write_file(tpath("trust/nobody.yaml"), good_policy, 0644);
		if (chown(tpath("trust/nobody.yaml"), nobody->pw_uid, nobody->pw_gid)) {
			check(false, "trust: policy file owned by nobody rejected", "chown: %s", strerror(errno));
		} else {
			snprintf(want, sizeof(want), "policy file %s/nobody.yaml is owned by uid %u, not root", dir,
				 (unsigned)nobody->pw_uid);
			expect_file_rejected("trust: policy file owned by nobody rejected", dir, "nobody.yaml", want);
		}
		unlink(tpath("trust/nobody.yaml"));
	}

	/* Even a link to a good file in the same directory: a link can be re-pointed. */
	if (symlink("good.yaml", tpath("trust/link.yaml")) == 0) {
		snprintf(want, sizeof(want), "policy file %s/link.yaml is a symbolic link", dir);
		expect_file_rejected("trust: symlinked policy file rejected", dir, "link.yaml", want);
		unlink(tpath("trust/link.yaml"));
	}

	if (mkfifo(tpath("trust/fifo.yaml"), 0644) == 0) {
		chmod(tpath("trust/fifo.yaml"), 0644);
		snprintf(want, sizeof(want), "policy file %s/fifo.yaml is not a regular file", dir);
		expect_file_rejected("trust: a FIFO named .yaml is rejected without blocking", dir, "fifo.yaml", want);
		unlink(tpath("trust/fifo.yaml"));
	}

	write_file(tpath("trust/syntax.yaml"), "select: {path: /x}\npolicy: {modules: {example.com/a: maybe}}\n", 0644);
	snprintf(want, sizeof(want), "%s/syntax.yaml:2:35: example.com/a: unknown policy 'maybe'", dir);
	expect_file_rejected("trust: a bad policy file's error names the file with line:col", dir, "syntax.yaml", want);
	unlink(tpath("trust/syntax.yaml"));
}

static void test_trust_dirs(void)
{
	struct bj_policyset *s = NULL;
	struct bj_err err = { 0 };
	struct passwd *nobody = getpwnam("nobody");
	const char *dir = mkdir_fresh("tdir");
	char want[8192];
	int ret;

	write_file(tpath("tdir/good.yaml"), good_policy, 0644);
	ret = bj_policyset_load(dir, &trust, &s, &err);
	check(!ret && s->npols == 1 && s->nerrs == 0, "trust: a root-owned 0755 directory loads", "ret=%d %s", ret,
	      err.msg);
	bj_policyset_free(s);
	s = NULL;

	chmod(dir, 0775);
	ret = bj_policyset_load(dir, &trust, &s, &err);
	snprintf(want, sizeof(want), "policy directory %s is writable by group: a writable policy directory is a bypass",
		 dir);
	check(ret == -EPERM && !s && !strcmp(err.msg, want), "trust: group-writable policy directory rejected",
	      "ret=%d %s", ret, err.msg);
	chmod(dir, 0757);
	ret = bj_policyset_load(dir, &trust, &s, &err);
	check(ret == -EPERM && strstr(err.msg, "is writable by others"), "trust: other-writable policy directory rejected",
	      "ret=%d %s", ret, err.msg);
	chmod(dir, 0755);

	if (symlink(dir, tpath("tdir-link")) == 0) {
		ret = bj_policyset_load(tpath("tdir-link"), &trust, &s, &err);
		check(ret == -EPERM && strstr(err.msg, "is a symbolic link"), "trust: symlinked policy directory rejected",
		      "ret=%d %s", ret, err.msg);
		unlink(tpath("tdir-link"));
	}

	/* A parent anyone in the group can write lets them rename policies.d away. */
	mkdir_fresh("parent");
	mkdir(tpath("parent/policies.d"), 0755);
	chmod(tpath("parent"), 0775);
	ret = bj_policyset_load(tpath("parent/policies.d"), &trust, &s, &err);
	snprintf(want, sizeof(want), "policy directory %s is in %s, which is writable by group", tpath("parent/policies.d"),
		 tpath("parent"));
	check(ret == -EPERM && strstr(err.msg, want), "trust: policy directory in a group-writable parent rejected",
	      "ret=%d %s", ret, err.msg);
	/* Sticky (like /tmp): others cannot rename root's entries. */
	chmod(tpath("parent"), 01777);
	ret = bj_policyset_load(tpath("parent/policies.d"), &trust, &s, &err);
	check(!ret, "trust: a sticky world-writable parent (like /tmp) is fine", "ret=%d %s", ret, err.msg);
	bj_policyset_free(s);
	s = NULL;
	chmod(tpath("parent"), 0755);

	if (geteuid() != 0 || !nobody) {
		skip("trust: policy directory owned by nobody rejected", "needs root and a 'nobody' user");
	} else {
		ret = chown(dir, nobody->pw_uid, nobody->pw_gid) ? -errno : 0;
		if (!ret)
			ret = bj_policyset_load(dir, &trust, &s, &err);
		check(ret == -EPERM && strstr(err.msg, "is owned by uid"), "trust: policy directory owned by nobody rejected",
		      "ret=%d %s", ret, err.msg);
		if (chown(dir, 0, 0))
			fprintf(stderr, "chown back: %s\n", strerror(errno));
	}

	ret = bj_policyset_load(tpath("missing.d"), &trust, &s, &err);
	check(ret == -ENOENT && strstr(err.msg, "No such file"), "trust: a missing policy directory is an error",
	      "ret=%d %s", ret, err.msg);
}

static void test_trust_config(void)
{
	struct bj_agent_config c;
	struct bj_err err = { 0 };
	struct passwd *nobody = getpwnam("nobody");
	char *path = tpath("agent.yaml"), want[8192];
	int ret;

	write_file(path, "defaults: {hold_timeout_ms: 250}\n", 0600);
	bj_agent_config_init(&c);
	ret = bj_agent_config_load(&c, path, &trust, &err);
	check(!ret && c.defaults.hold_timeout_ms == 250, "config file: trusted file loads", "ret=%d %s", ret, err.msg);
	bj_agent_config_free(&c);

	chmod(path, 0620);
	bj_agent_config_init(&c);
	ret = bj_agent_config_load(&c, path, &trust, &err);
	snprintf(want, sizeof(want), "config file %s is writable by group: a writable config is a bypass", path);
	check(ret == -EPERM && !strcmp(err.msg, want) && c.defaults.hold_timeout_ms == 500,
	      "config file: group-writable rejected", "ret=%d %s", ret, err.msg);
	bj_agent_config_free(&c);
	chmod(path, 0600);

	if (symlink(path, tpath("agent-link.yaml")) == 0) {
		bj_agent_config_init(&c);
		ret = bj_agent_config_load(&c, tpath("agent-link.yaml"), &trust, &err);
		check(ret == -EPERM && strstr(err.msg, "is a symbolic link"), "config file: symlink rejected", "ret=%d %s",
		      ret, err.msg);
		bj_agent_config_free(&c);
		unlink(tpath("agent-link.yaml"));
	}
	if (geteuid() == 0 && nobody && chown(path, nobody->pw_uid, nobody->pw_gid) == 0) {
		bj_agent_config_init(&c);
		ret = bj_agent_config_load(&c, path, &trust, &err);
		check(ret == -EPERM && strstr(err.msg, "is owned by uid"), "config file: owned by nobody rejected",
		      "ret=%d %s", ret, err.msg);
		bj_agent_config_free(&c);
	} else {
		skip("config file: owned by nobody rejected", "needs root and a 'nobody' user");
	}

	/* The owner is injectable: trusting nobody's uid accepts nobody's file. */
	if (geteuid() == 0 && nobody) {
		struct bj_trust t = { .owner = nobody->pw_uid };

		bj_agent_config_init(&c);
		ret = bj_agent_config_load(&c, path, &t, &err);
		check(!ret, "config file: the trusted owner is injectable", "ret=%d %s", ret, err.msg);
		bj_agent_config_free(&c);
	}
	unlink(path);
}

/* --- directory loading and merge ----------------------------------------- */

static void test_dir_load(void)
{
	struct bj_policyset *s = NULL;
	struct bj_err err = { 0 };
	const char *dir = mkdir_fresh("load");
	int ret;

	write_file(tpath("load/a.yaml"), good_policy, 0644);
	write_file(tpath("load/b.yaml"), "select: {path: /x}\npolicy: {default: confined}\nbogus: 1\n", 0644);
	write_file(tpath("load/.hidden.yaml"), "garbage: [", 0644);
	write_file(tpath("load/c.yaml~"), "garbage: [", 0644);
	write_file(tpath("load/c.yaml.swp"), "garbage: [", 0644);
	write_file(tpath("load/README"), "garbage: [", 0644);
	write_file(tpath("load/x.yml"), "garbage: [", 0644);
	ret = bj_policyset_load(dir, &trust, &s, &err);
	check(!ret && s->npols == 1 && !strcmp(s->pols[0]->name, "a.yaml") && s->nerrs == 1 &&
	      !strcmp(s->errs[0].name, "b.yaml") && s->errs[0].err == -EINVAL && strstr(s->errs[0].msg, "b.yaml:3:1: unknown key 'bogus'") &&
	      !s->errs[0].kept,
	      "dir load: good files load, a bad one is listed with its error, other names are ignored",
	      "ret=%d %s npols=%zu nerrs=%zu", ret, err.msg, s ? s->npols : 0, s ? s->nerrs : 0);
	bj_policyset_free(s);

	mkdir_fresh("empty");
	ret = bj_policyset_load(tpath("empty/"), &trust, &s, &err);
	check(!ret && s->npols == 0 && s->nerrs == 0 && !strcmp(s->dir, tpath("empty")),
	      "dir load: an empty directory (trailing slash) is an empty set", "ret=%d %s", ret, err.msg);
	bj_policyset_free(s);
}

static const struct bj_policy_change *find_change(const struct bj_policy_change *c, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	return NULL;
}

static void test_merge(void)
{
	struct bj_policyset *prev = NULL, *next = NULL, *third = NULL;
	struct bj_policy_change *chg = NULL;
	const struct bj_policy_change *ch;
	const struct bj_agent_policy *p, *kept;
	struct bj_err err = { 0 };
	const char *dir = mkdir_fresh("merge");
	size_t nchg = 0;
	int ret;

	write_file(tpath("merge/keep.yaml"), "select: {path: /bin/keep}\npolicy: {default: confined}\n", 0644);
	write_file(tpath("merge/same.yaml"), "select: {path: /bin/same}\npolicy: {default: confined}\n", 0644);
	write_file(tpath("merge/edit.yaml"), "select: {path: /bin/edit}\npolicy: {default: confined}\n", 0644);
	write_file(tpath("merge/gone.yaml"), "select: {path: /bin/gone}\npolicy: {default: confined}\n", 0644);
	ret = bj_policyset_load(dir, &trust, &prev, &err);
	if (!ret)
		ret = bj_policyset_merge(prev, NULL, &chg, &nchg);
	check(!ret && prev->npols == 4 && nchg == 4 && chg[0].kind == BJ_POLICY_ADDED,
	      "merge with no previous set: everything added", "ret=%d %s nchg=%zu", ret, err.msg, nchg);
	bj_policy_changes_free(chg, nchg);
	kept = bj_policyset_find(prev, "keep.yaml");

	/* keep.yaml broken, edit.yaml changed, gone.yaml deleted, new.yaml added, bad.yaml new and bad. */
	write_file(tpath("merge/keep.yaml"), "select: {path: /bin/keep}\npolicy: {default: confinde}\n", 0644);
	write_file(tpath("merge/edit.yaml"), "select: {path: /bin/edit2}\npolicy: {default: confined}\n", 0644);
	write_file(tpath("merge/same.yaml"), "select: {path: /bin/same}\npolicy: {default: confined}\n", 0644);
	unlink(tpath("merge/gone.yaml"));
	write_file(tpath("merge/new.yaml"), "select: {path: /bin/new}\npolicy: {default: confined}\n", 0644);
	write_file(tpath("merge/bad.yaml"), "select: {path: bin/new}\npolicy: {default: confined}\n", 0644);
	ret = bj_policyset_load(dir, &trust, &next, &err);
	check(!ret && next->npols == 3 && next->nerrs == 2, "merge: the new load alone has 3 good, 2 bad",
	      "ret=%d npols=%zu nerrs=%zu", ret, next ? next->npols : 0, next ? next->nerrs : 0);
	if (ret)
		goto out;
	ret = bj_policyset_merge(next, prev, &chg, &nchg);
	p = bj_policyset_find(next, "keep.yaml");
	check(!ret && p == kept && next->npols == 4 && p->refs == 2, "merge: a bad file keeps its previous policy (shared)",
	      "ret=%d p=%p kept=%p npols=%zu", ret, (void *)p, (void *)kept, next->npols);
	p = bj_policyset_find(next, "edit.yaml");
	check(p && !strcmp(p->sel[0].path, "/bin/edit2"), "merge: a good edit replaces the previous version", "edit");
	check(!bj_policyset_find(next, "gone.yaml"), "merge: a deleted file's policy goes", "gone is still there");
	check(!bj_policyset_find(next, "bad.yaml"), "merge: a new bad file has nothing to keep", "bad is there");
	{
		const struct bj_policy_error *ek = NULL, *eb = NULL;

		for (size_t i = 0; i < next->nerrs; i++) {
			if (!strcmp(next->errs[i].name, "keep.yaml"))
				ek = &next->errs[i];
			if (!strcmp(next->errs[i].name, "bad.yaml"))
				eb = &next->errs[i];
		}
		check(ek && ek->kept && eb && !eb->kept && strstr(ek->msg, "keep.yaml:2:19: default: unknown policy 'confinde'"),
		      "merge: errors say whether the previous version stays", "msg=%s", ek ? ek->msg : "-");
	}
	ch = find_change(chg, nchg, "keep.yaml");
	check(ch && ch->kind == BJ_POLICY_KEPT && ch->msg && strstr(ch->msg, "confinde"), "merge change: keep.yaml kept", "%s",
	      ch ? bj_policy_change_name(ch->kind) : "missing");
	ch = find_change(chg, nchg, "edit.yaml");
	check(ch && ch->kind == BJ_POLICY_CHANGED, "merge change: edit.yaml changed", "%s",
	      ch ? bj_policy_change_name(ch->kind) : "missing");
	ch = find_change(chg, nchg, "gone.yaml");
	check(ch && ch->kind == BJ_POLICY_REMOVED, "merge change: gone.yaml removed", "%s",
	      ch ? bj_policy_change_name(ch->kind) : "missing");
	ch = find_change(chg, nchg, "new.yaml");
	check(ch && ch->kind == BJ_POLICY_ADDED, "merge change: new.yaml added", "%s",
	      ch ? bj_policy_change_name(ch->kind) : "missing");
	ch = find_change(chg, nchg, "bad.yaml");
	check(ch && ch->kind == BJ_POLICY_REJECTED, "merge change: bad.yaml rejected", "%s",
	      ch ? bj_policy_change_name(ch->kind) : "missing");
	check(!find_change(chg, nchg, "same.yaml") && nchg == 5, "merge change: rewriting identical bytes is no change",
	      "nchg=%zu", nchg);
	bj_policy_changes_free(chg, nchg);
	chg = NULL;

	/* Still bad on the next reload: the kept version survives another round. */
	bj_policyset_free(prev);
	prev = next;
	next = NULL;
	ret = bj_policyset_load(dir, &trust, &third, &err);
	if (!ret)
		ret = bj_policyset_merge(third, prev, NULL, NULL);
	p = third ? bj_policyset_find(third, "keep.yaml") : NULL;
	check(!ret && p == kept && p && !strcmp(p->sel[0].path, "/bin/keep"),
	      "merge: the kept version survives further bad reloads", "ret=%d", ret);
	bj_policyset_free(third);
	third = NULL;

	/* Fixed: the new version takes over; permissions broken: previous kept. */
	write_file(tpath("merge/keep.yaml"), "select: {path: /bin/keep-fixed}\npolicy: {default: confined}\n", 0644);
	chmod(tpath("merge/edit.yaml"), 0646);
	ret = bj_policyset_load(dir, &trust, &third, &err);
	if (!ret)
		ret = bj_policyset_merge(third, prev, &chg, &nchg);
	p = third ? bj_policyset_find(third, "keep.yaml") : NULL;
	check(!ret && p && !strcmp(p->sel[0].path, "/bin/keep-fixed"), "merge: a fixed file replaces the kept version",
	      "ret=%d", ret);
	p = third ? bj_policyset_find(third, "edit.yaml") : NULL;
	ch = chg ? find_change(chg, nchg, "edit.yaml") : NULL;
	check(!ret && p && !strcmp(p->sel[0].path, "/bin/edit2") && ch && ch->kind == BJ_POLICY_KEPT &&
	      strstr(ch->msg, "is writable by others"),
	      "merge: a file made writable keeps its previous policy", "ch=%s", ch ? ch->msg : "-");
	bj_policy_changes_free(chg, nchg);
	bj_policyset_free(third);

	/* Sets of different directories share nothing. */
	{
		struct bj_policyset *other = NULL;

		mkdir_fresh("merge2");
		write_file(tpath("merge2/keep.yaml"), "select: {path: [x]}\npolicy: {default: confined}\n", 0644);
		ret = bj_policyset_load(tpath("merge2"), &trust, &other, &err);
		if (!ret)
			ret = bj_policyset_merge(other, prev, NULL, NULL);
		check(!ret && other->npols == 0 && !other->errs[0].kept, "merge: another directory keeps nothing",
		      "ret=%d", ret);
		bj_policyset_free(other);
	}
out:
	bj_policyset_free(prev);
	bj_policyset_free(next);
}

/* --- inotify --------------------------------------------------------------- */

/* Wait up to 2 s for the watch fd, then drain it. Returns relevant events. */
static int wait_events(struct bj_watch *w)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	int total = 0, r;

	/* Read until 100 ms pass without events: one edit can be several. */
	for (int timeout = 2000; poll(&pfd, 1, timeout) > 0; timeout = 100) {
		r = bj_watch_read(w, bj_now_ms());
		if (r < 0)
			return r;
		total += r;
	}
	return total;
}

static void test_watch(void)
{
	const char *dir = mkdir_fresh("watch");
	struct bj_watch w;
	int n, ret;

	ret = bj_watch_open(&w, dir, 200);
	if (ret) {
		check(false, "inotify: watch opens", "%s", strerror(-ret));
		return;
	}
	check(w.fd >= 0 && bj_watch_timeout(&w, bj_now_ms()) == -1 && !w.pending,
	      "inotify: watch opens, nothing pending", "fd=%d", w.fd);

	write_file(tpath("watch/a.yaml"), good_policy, 0644);
	n = wait_events(&w);
	check(n > 0 && w.pending, "inotify: writing a policy file is seen", "n=%d", n);
	bj_watch_due(&w, UINT64_MAX / 2);

	write_file(tpath("watch/a.yaml.tmp"), good_policy, 0644);
	n = wait_events(&w);
	check(n == 0 && !w.pending, "inotify: a temporary name is ignored", "n=%d", n);
	if (rename(tpath("watch/a.yaml.tmp"), tpath("watch/b.yaml")) == 0) {
		n = wait_events(&w);
		check(n > 0 && w.pending, "inotify: renaming into a .yaml name is seen (IN_MOVED_TO)", "n=%d", n);
		bj_watch_due(&w, UINT64_MAX / 2);
	}
	chmod(tpath("watch/a.yaml"), 0664);
	n = wait_events(&w);
	check(n > 0 && w.pending, "inotify: chmod of a policy file is seen (IN_ATTRIB)", "n=%d", n);
	bj_watch_due(&w, UINT64_MAX / 2);
	unlink(tpath("watch/a.yaml"));
	n = wait_events(&w);
	check(n > 0 && w.pending, "inotify: deleting a policy file is seen", "n=%d", n);
	bj_watch_due(&w, UINT64_MAX / 2);
	if (rename(tpath("watch/b.yaml"), tpath("b.yaml.out")) == 0) {
		n = wait_events(&w);
		check(n > 0 && w.pending, "inotify: moving a policy file out is seen (IN_MOVED_FROM)", "n=%d", n);
		bj_watch_due(&w, UINT64_MAX / 2);
	}
	chmod(dir, 0775);
	n = wait_events(&w);
	check(n > 0 && w.pending && !w.dir_gone, "inotify: chmod of the directory itself is seen", "n=%d", n);
	chmod(dir, 0755);
	wait_events(&w);
	bj_watch_due(&w, UINT64_MAX / 2);
	rm_rf(dir);
	n = wait_events(&w);
	check(n > 0 && w.pending && w.dir_gone, "inotify: removing the directory sets dir_gone", "n=%d", n);
	bj_watch_close(&w);
	check(w.fd == -1 && bj_watch_read(&w, 0) == -EBADF, "inotify: close", "fd=%d", w.fd);
	check(bj_watch_open(&w, tpath("watch-missing"), 0) == -ENOENT && w.fd == -1,
	      "inotify: a missing directory is -ENOENT", "fd=%d", w.fd);
}

static void test_debounce(void)
{
	struct bj_watch w = { .fd = -1, .debounce_ms = 200 };
	bool ok = true;

	/* Drive the debounce by hand: events at t=1000, 1100, 1250. */
	w.pending = true;
	w.first_ms = w.last_ms = 1000;
	ok &= bj_watch_timeout(&w, 1000) == 200 && !bj_watch_due(&w, 1199);
	w.last_ms = 1100;
	ok &= bj_watch_timeout(&w, 1150) == 150 && !bj_watch_due(&w, 1250);
	w.last_ms = 1250;
	ok &= !bj_watch_due(&w, 1449) && bj_watch_timeout(&w, 1449) == 1;
	ok &= bj_watch_due(&w, 1450) && !w.pending && bj_watch_timeout(&w, 1450) == -1 && !bj_watch_due(&w, 5000);
	check(ok, "debounce: due 200 ms after the last event, once", "timeout/due sequence wrong");

	/* A steady trickle (an event every 100 ms) still fires after 10 x 200 ms. */
	w.pending = true;
	w.first_ms = 0;
	for (uint64_t t = 0; t < 1999; t += 100) {
		w.last_ms = t;
		if (bj_watch_due(&w, t)) {
			ok = false;
			break;
		}
	}
	w.last_ms = 1999;
	check(ok && bj_watch_timeout(&w, 1999) == 1 && bj_watch_due(&w, 2000),
	      "debounce: a steady trickle is cut off at 10 x debounce", "trickle");

	{
		struct bj_watch r;
		const char *dir = mkdir_fresh("deb");
		int n;

		if (bj_watch_open(&r, dir, 200) == 0) {
			uint64_t t0;

			write_file(tpath("deb/x.yaml"), good_policy, 0644);
			n = wait_events(&r);
			t0 = bj_now_ms();
			check(n > 0 && !bj_watch_due(&r, r.last_ms + 199) && bj_watch_timeout(&r, r.last_ms) == 200 &&
			      bj_watch_due(&r, t0 + 200), "debounce: real events arm a 200 ms timer", "n=%d", n);
			bj_watch_close(&r);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
		return 2;
	}
	fixdir = argv[1];
	if (access(fixdir, R_OK)) {
		fprintf(stderr, "%s: %s\n", fixdir, strerror(errno));
		return 2;
	}
	if (!mkdtemp(tmproot)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	chmod(tmproot, 0755);
	umask(022);
	trust.owner = geteuid();

	test_config_defaults();
	test_config_values();
	test_config_fixtures();
	test_policy_fixtures();
	test_policy_fields();
	test_selectors();
	test_globs();
	test_priority();
	test_sha256();
	test_sha256_lazy();
	test_gosym_facts();
	test_trust_files();
	test_trust_dirs();
	test_trust_config();
	test_dir_load();
	test_merge();
	test_watch();
	test_debounce();

	rm_rf(tmproot);
	printf("# %d passed, %d failed, %d skipped\n", npass, nfail, nskip);
	return nfail ? 1 : 0;
}
