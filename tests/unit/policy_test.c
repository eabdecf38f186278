// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/policy: go.mod comments, the YAML schema, --policy,
 * precedence, path-boundary and longest matching, the main module.
 *
 *   policy_test FIXTURES_DIR      (tests/policy)
 *
 * Fixtures carry their own expectations in header comments:
 *   go.mod:  // expect-confined: MOD...   // expect-unconfined: MOD...
 *            // expect-warnings: N        // expect-error: LINE: TEXT
 *   YAML:    # expect-error: LINE:COL: TEXT
 * Prints "ok - NAME" / "not ok - NAME: why" per check; exits 1 on failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static int npass, nfail;
static const char *fixdir;

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

static struct bj_ruleset *gomod_str(const char *s, struct bj_err *err)
{
	struct bj_ruleset *rs = NULL;

	memset(err, 0, sizeof(*err));
	if (bj_gomod_parse("go.mod", s, strlen(s), &rs, err))
		return NULL;
	return rs;
}

static struct bj_ruleset *yaml_str(const char *s, struct bj_err *err)
{
	struct bj_ruleset *rs = NULL;

	memset(err, 0, sizeof(*err));
	if (bj_yaml_parse("policy.yaml", s, strlen(s), &rs, err))
		return NULL;
	return rs;
}

/* Resolve one module; returns a static verdict (cleared on the next call). */
static struct bj_verdict last_verdict;

static const struct bj_verdict *decide(const struct bj_policy *p, const char *main, const char *mod)
{
	static const struct bj_verdict none = { .why = "(resolve failed)" };

	bj_verdict_clear(&last_verdict);
	if (bj_resolve_one(p, main, mod, &last_verdict))
		return &none;
	return &last_verdict;
}

static char *slurp(const char *path, size_t *len)
{
	struct bj_err err;
	char *buf;

	if (bj_read_file(path, &buf, len, &err))
		return NULL;
	return buf;
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* ---- go.mod fixtures ---------------------------------------------------- */

static void gomod_fixture(const char *file)
{
	char path[512], name[600], *buf, *line, *save = NULL, *copy;
	int want_err_line = -1, want_warnings = 0;
	char want_err[256] = "";
	struct bj_ruleset *rs = NULL;
	struct bj_err err = { 0 };
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/gomod/%s", fixdir, file);
	buf = slurp(path, &len);
	if (!buf) {
		snprintf(name, sizeof(name), "gomod/%s: readable", file);
		check(false, name, "cannot read %s", path);
		return;
	}
	ret = bj_gomod_parse(path, buf, len, &rs, &err);

	copy = strdup(buf);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *r = strchr(line, '\r');

		if (r)
			*r = '\0';
		if (sscanf(line, "// expect-error: %d: %255[^\n]", &want_err_line, want_err) == 2)
			continue;
		sscanf(line, "// expect-warnings: %d", &want_warnings);
	}

	if (want_err_line >= 0) {
		char prefix[600];

		if (want_err_line)
			snprintf(prefix, sizeof(prefix), "%s:%d: ", path, want_err_line);
		else
			snprintf(prefix, sizeof(prefix), "%s: ", path);
		snprintf(name, sizeof(name), "gomod/%s: error at line %d: %s", file, want_err_line, want_err);
		check(ret == -EINVAL && err.line == want_err_line && strstr(err.msg, want_err) &&
			      strncmp(err.msg, prefix, strlen(prefix)) == 0,
		      name, "ret %d line %d msg '%s'", ret, err.line, err.msg);
		goto out;
	}
	snprintf(name, sizeof(name), "gomod/%s: parses", file);
	check(ret == 0, name, "ret %d: %s", ret, err.msg);
	if (ret)
		goto out;
	snprintf(name, sizeof(name), "gomod/%s: %d warning(s)", file, want_warnings);
	check((int)rs->nwarnings == want_warnings, name, "got %zu%s%s", rs->nwarnings,
	      rs->nwarnings ? ", first: " : "", rs->nwarnings ? rs->warnings[0] : "");

	free(copy);
	copy = strdup(buf);
	save = NULL;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct bj_policy pol = { .gomod = rs };
		bool confined;
		char *mods, *mod, *s2 = NULL;

		if (strncmp(line, "// expect-confined:", 19) == 0) {
			confined = true;
			mods = line + 19;
		} else if (strncmp(line, "// expect-unconfined:", 21) == 0) {
			confined = false;
			mods = line + 21;
		} else {
			continue;
		}
		for (mod = strtok_r(mods, " \r", &s2); mod; mod = strtok_r(NULL, " \r", &s2)) {
			const struct bj_verdict *v = decide(&pol, NULL, mod);

			snprintf(name, sizeof(name), "gomod/%s: %s %s", file, mod,
				 confined ? "confined" : "unconfined");
			check(v->module && v->confined == confined, name, "got %s (%s)",
			      v->confined ? "confined" : "unconfined", v->why ? v->why : "?");
		}
	}
out:
	free(copy);
	free(buf);
	bj_ruleset_free(rs);
}

/* ---- YAML fixtures ------------------------------------------------------ */

static void yaml_bad_fixture(const char *file)
{
	char path[512], name[600], want[256] = "", prefix[600];
	struct bj_ruleset *rs = NULL;
	struct bj_err err = { 0 };
	int wl = -1, wc = -1, ret;
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/yaml/%s", fixdir, file);
	buf = slurp(path, &len);
	if (!buf || sscanf(buf, "# expect-error: %d:%d: %255[^\n]", &wl, &wc, want) != 3) {
		snprintf(name, sizeof(name), "yaml/%s: has an expect-error header", file);
		check(false, name, "missing or unreadable");
		free(buf);
		return;
	}
	ret = bj_yaml_parse(path, buf, len, &rs, &err);
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, wl, wc);
	snprintf(name, sizeof(name), "yaml/%s: error at %d:%d: %s", file, wl, wc, want);
	check(ret == -EINVAL && !rs && err.line == wl && err.col == wc && strstr(err.msg, want) &&
		      strncmp(err.msg, prefix, strlen(prefix)) == 0,
	      name, "ret %d at %d:%d msg '%s'", ret, err.line, err.col, err.msg);
	bj_ruleset_free(rs);
	free(buf);
}

static void for_each_fixture(const char *sub, const char *suffix, const char *prefix,
			     void (*fn)(const char *))
{
	char dir[512], name[600];
	struct dirent **ents;
	int n;

	snprintf(dir, sizeof(dir), "%s/%s", fixdir, sub);
	n = scandir(dir, &ents, NULL, cmp_name);
	if (n < 0) {
		snprintf(name, sizeof(name), "%s fixtures present", sub);
		check(false, name, "cannot scan %s", dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (has_suffix(ents[i]->d_name, suffix) &&
		    strncmp(ents[i]->d_name, prefix, strlen(prefix)) == 0)
			fn(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
}

static struct bj_ruleset *load_yaml_fixture(const char *file, struct bj_err *err)
{
	char path[512];
	struct bj_ruleset *rs = NULL;
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/yaml/%s", fixdir, file);
	buf = slurp(path, &len);
	if (!buf)
		return NULL;
	if (bj_yaml_parse(file, buf, len, &rs, err))
		rs = NULL;
	free(buf);
	return rs;
}

static const struct bj_rule *rule(const struct bj_ruleset *rs, const char *mod)
{
	for (size_t i = 0; rs && i < rs->nrules; i++)
		if (strcmp(rs->rules[i].module, mod) == 0)
			return &rs->rules[i];
	return NULL;
}

static void test_yaml_full(void)
{
	struct bj_err err = { 0 };
	struct bj_ruleset *rs = load_yaml_fixture("full.yaml", &err);
	const struct bj_rule *r;
	struct bj_policy pol = { 0 };
	const struct bj_verdict *v;

	check(rs != NULL, "yaml/full.yaml: parses", "%s", err.msg);
	if (!rs)
		return;
	check(rs->nrules == 5 && rs->nwarnings == 0, "yaml/full.yaml: 5 modules", "got %zu", rs->nrules);
	check(rs->main_module && strcmp(rs->main_module, "example.com/app") == 0 &&
		      strcmp(rs->main_where, "full.yaml:2: main_module") == 0,
	      "yaml/full.yaml: main_module", "%s / %s", rs->main_module, rs->main_where);
	check(rs->has_default && !rs->default_confined &&
		      strcmp(rs->default_why, "full.yaml:3: default: unconfined") == 0,
	      "yaml/full.yaml: default", "%s", rs->default_why);
	r = rule(rs, "example.com/foo");
	check(r && r->confined && r->allow == (BJ_CLASS_RPATH | BJ_CLASS_INET) && r->npaths == 2 &&
		      strcmp(r->paths[0].path, "/etc/ssl") == 0 && r->paths[0].access == BJ_ACCESS_R &&
		      strcmp(r->paths[1].path, "/var/cache/foo") == 0 &&
		      r->paths[1].access == (BJ_ACCESS_R | BJ_ACCESS_W | BJ_ACCESS_C),
	      "yaml/full.yaml: example.com/foo grants and normalized paths", "rule %p", (void *)r);
	check(r && strcmp(r->why, "full.yaml:5: modules[example.com/foo]") == 0,
	      "yaml/full.yaml: why names file, line and module", "%s", r ? r->why : "-");
	r = rule(rs, "example.com/foo/sub");
	check(r && !r->confined && r->allow == 0, "yaml/full.yaml: scalar shorthand unconfined", "-");
	r = rule(rs, "example.com/bar");
	check(r && r->confined && r->allow == 0 && r->npaths == 0,
	      "yaml/full.yaml: scalar shorthand confined, no grants", "-");
	r = rule(rs, "example.com/exec-only");
	check(r && r->confined && r->allow == (BJ_CLASS_EXEC | BJ_CLASS_PROT_EXEC),
	      "yaml/full.yaml: mapping entry without policy is confined", "-");
	r = rule(rs, "example.com/all");
	check(r && r->allow == BJ_CLASS_ALL, "yaml/full.yaml: all 20 class names accepted", "%#x",
	      r ? r->allow : 0);

	pol.yaml = rs;
	v = decide(&pol, NULL, "example.com/foo/bar/baz");
	check(v->confined && v->allow == (BJ_CLASS_RPATH | BJ_CLASS_INET) && v->npaths == 2 &&
		      strcmp(v->why, "full.yaml:5: modules[example.com/foo] (via example.com/foo)") == 0,
	      "yaml: nested module inherits grants (via)", "%s", v->why);
	v = decide(&pol, NULL, "example.com/foo/sub/x");
	check(!v->confined && v->allow == BJ_CLASS_ALL && v->npaths == 0,
	      "yaml: longest match foo/sub wins over foo", "%s", v->why);
	v = decide(&pol, NULL, "example.com/foobar");
	check(!v->confined && strcmp(v->why, "full.yaml:3: default: unconfined") == 0,
	      "yaml: foobar is not beneath foo", "%s", v->why);
	v = decide(&pol, NULL, "example.com/app");
	check(v->main && !v->confined, "yaml: main_module is the main module", "%s", v->why);
	bj_ruleset_free(rs);
}

static void test_yaml_misc(void)
{
	struct bj_err err;
	struct bj_ruleset *rs;
	const char *files[] = { "empty.yaml", "empty-doc.yaml" };
	char name[128];

	for (size_t i = 0; i < 2; i++) {
		rs = load_yaml_fixture(files[i], &err);
		snprintf(name, sizeof(name), "yaml/%s: empty policy is valid", files[i]);
		check(rs && rs->nrules == 0 && !rs->has_default, name, "%s", err.msg);
		bj_ruleset_free(rs);
	}
	rs = yaml_str("", &err);
	check(rs && rs->nrules == 0, "yaml: zero-length input is an empty policy", "%s", err.msg);
	bj_ruleset_free(rs);

	rs = yaml_str("modules:\n  \"a\\0b\": confined\n", &err);
	check(!rs && err.line == 2 && strstr(err.msg, "NUL"), "yaml: NUL in a scalar", "%s", err.msg);
	{
		static const char nul[] = "default: conf\0ined\n";

		rs = NULL;
		memset(&err, 0, sizeof(err));
		check(bj_yaml_parse("p.yaml", nul, sizeof(nul) - 1, &rs, &err) == -EINVAL &&
			      strncmp(err.msg, "p.yaml:1:14: ", 13) == 0,
		      "yaml: raw NUL byte is a reader error with line:col", "%s", err.msg);
		bj_ruleset_free(rs);
	}
	rs = yaml_str("modules:\n  example.com/a: &x {allow: [inet]}\n  example.com/b: *x\n", &err);
	check(rs && rule(rs, "example.com/b") && rule(rs, "example.com/b")->allow == BJ_CLASS_INET,
	      "yaml: aliases work", "%s", err.msg);
	bj_ruleset_free(rs);
	rs = yaml_str("modules: {}\n", &err);
	check(rs && rs->nrules == 0, "yaml: empty modules mapping", "%s", err.msg);
	bj_ruleset_free(rs);
	rs = yaml_str("modules:\n  example.com/a:\n    paths:\n      - {path: /, access: x}\n", &err);
	check(rs && rule(rs, "example.com/a") && strcmp(rule(rs, "example.com/a")->paths[0].path, "/") == 0,
	      "yaml: root path rule", "%s", err.msg);
	bj_ruleset_free(rs);
}

/* ---- go.mod inline ------------------------------------------------------ */

static void test_gomod_why(void)
{
	static const char src[] =
		"module example.com/app\n"			/* 1 */
		"\n"						/* 2 */
		"require (\n"					/* 3 */
		"\texample.com/a v1.0.0 // gomodjail:confined\n"	/* 4 */
		"\t// gomodjail:confined\n"			/* 5 */
		"\texample.com/b v1.0.0\n"			/* 6 */
		")\n"						/* 7 */
		"// bpfjail:unconfined\n"			/* 8 */
		"require (\n"					/* 9 */
		"\texample.com/c v1.0.0\n"			/* 10 */
		")\n"						/* 11 */
		"require ( // gomodjail:confined\n"		/* 12 */
		"\texample.com/d v1.0.0\n"			/* 13 */
		")\n";						/* 14 */
	static const char src2[] =
		"// gomodjail:confined\n"			/* 1 */
		"module example.com/app\n"			/* 2 */
		"require example.com/y v1.0.0\n";		/* 3 */
	struct bj_err err;
	struct bj_ruleset *rs = gomod_str(src, &err);
	struct bj_policy pol = { .gomod = rs };
	const struct bj_verdict *v;

	check(rs != NULL, "gomod why: parses", "%s", err.msg);
	if (!rs)
		return;
	check(rs->main_module && strcmp(rs->main_module, "example.com/app") == 0 &&
		      strcmp(rs->main_where, "go.mod:1: module line") == 0,
	      "gomod: module line gives the main module", "%s", rs->main_where);
	v = decide(&pol, NULL, "example.com/a");
	check(strcmp(v->why, "go.mod:4: // gomodjail:confined on require line") == 0,
	      "gomod why: suffix comment", "%s", v->why);
	check(v->source == BJ_SRC_GOMOD && v->allow == 0, "gomod: confined module gets no classes",
	      "allow %#x", v->allow);
	v = decide(&pol, NULL, "example.com/b");
	check(strcmp(v->why, "go.mod:5: // gomodjail:confined above require line 6") == 0,
	      "gomod why: comment above", "%s", v->why);
	v = decide(&pol, NULL, "example.com/c");
	check(!v->confined && strcmp(v->why, "go.mod:8: // bpfjail:unconfined above require block (require at line 10)") == 0,
	      "gomod why: block comment, bpfjail tag", "%s", v->why);
	v = decide(&pol, NULL, "example.com/d");
	check(v->confined && strcmp(v->why, "go.mod:12: // gomodjail:confined on require block (require at line 13)") == 0,
	      "gomod why: tag on the require ( line", "%s", v->why);
	v = decide(&pol, NULL, "example.com/zzz");
	check(!v->confined && v->source == BJ_SRC_NONE && strcmp(v->why, "default (unconfined)") == 0,
	      "gomod why: built-in default", "%s", v->why);
	bj_ruleset_free(rs);

	rs = gomod_str(src2, &err);
	pol.gomod = rs;
	check(rs && rs->has_default && rs->default_confined &&
		      strcmp(rs->default_why, "go.mod:1: // gomodjail:confined above module line (module default)") == 0,
	      "gomod: module default", "%s", rs ? rs->default_why : err.msg);
	if (!rs)
		return;
	v = decide(&pol, NULL, "example.com/y");
	check(v->confined && strcmp(v->why, "go.mod:1: // gomodjail:confined above module line (module default; require at line 3)") == 0,
	      "gomod why: module default on a require", "%s", v->why);
	v = decide(&pol, NULL, "example.com/not-required");
	check(v->confined && strcmp(v->why, rs->default_why) == 0,
	      "gomod: module default covers modules go.mod does not list", "%s", v->why);
	v = decide(&pol, NULL, "example.com/app");
	check(v->main && !v->confined && strcmp(v->why, "main module (never confined)") == 0,
	      "gomod: module default never confines the main module", "%s", v->why);
	v = decide(&pol, NULL, "example.com/app/internal/x");
	check(v->confined, "gomod: a module beneath the main module is a separate module", "%s", v->why);
	bj_ruleset_free(rs);
}

static void test_gomod_inline_errors(void)
{
	static const char nul[] = "module a\nrequire b v1 // gomodjail:\0confined\n";
	struct bj_ruleset *rs = NULL;
	struct bj_err err = { 0 };

	check(bj_gomod_parse("go.mod", nul, sizeof(nul) - 1, &rs, &err) == -EINVAL && err.line == 2 &&
		      strcmp(err.msg, "go.mod:2: NUL byte") == 0,
	      "gomod: NUL byte", "%s", err.msg);
	rs = gomod_str("", &err);
	check(!rs && strcmp(err.msg, "go.mod: no module directive") == 0, "gomod: empty file", "%s", err.msg);
	rs = gomod_str("module", &err);
	check(!rs && err.line == 1 && strstr(err.msg, "usage: module"), "gomod: module without path",
	      "%s", err.msg);
	rs = gomod_str("module a\nrequire\n", &err);
	check(!rs && err.line == 2 && strstr(err.msg, "usage: require"), "gomod: require without path",
	      "%s", err.msg);
	rs = gomod_str("module a\ngo (\n\t1.21 // gomodjail:confined\n)\n", &err);
	check(!rs && err.line == 3 && strstr(err.msg, "go line"), "gomod: tag inside a go block",
	      "%s", err.msg);
	rs = gomod_str("module a\nrequire (\n) x\n", &err);
	check(!rs && err.line == 3, "gomod: junk after )", "%s", err.msg);
	rs = gomod_str("module a\nrequire `example.com/raw` v1 // gomodjail:confined\n", &err);
	check(rs && rule(rs, "example.com/raw") && rule(rs, "example.com/raw")->confined,
	      "gomod: raw-quoted module path", "%s", err.msg);
	bj_ruleset_free(rs);
	rs = gomod_str("module a\nrequire example.com/b v1.0.0//gomodjail:confined\n", &err);
	check(rs && rule(rs, "example.com/b"), "gomod: // right after the version starts a comment",
	      "%s", err.msg);
	bj_ruleset_free(rs);
	rs = gomod_str("module a\nrequire example.com/b // gomodjail:confined\n", &err);
	check(rs && rule(rs, "example.com/b"), "gomod: version is optional (ignored)", "%s", err.msg);
	bj_ruleset_free(rs);
	rs = gomod_str("module a\nrequire example.com/b v1 // gomodjail:confined bpfjail:confined\n", &err);
	check(rs && rule(rs, "example.com/b"), "gomod: both tags agreeing", "%s", err.msg);
	bj_ruleset_free(rs);
	rs = gomod_str("module a\nrequire example.com/b v1 // gomodjail:confined bpfjail:unconfined\n", &err);
	check(!rs && err.line == 2 && strstr(err.msg, "conflicting"), "gomod: both tags disagreeing",
	      "%s", err.msg);
	rs = gomod_str("// gomodjail:confined\n// Package app does things.\nmodule a\n", &err);
	check(rs && rs->has_default && rs->default_confined,
	      "gomod: a plain comment after the tag keeps the module default", "%s", err.msg);
	bj_ruleset_free(rs);
	rs = gomod_str("module a\nrequire example.com/b v1 // gomodjail: confined\n", &err);
	check(!rs && err.line == 2 && strstr(err.msg, "without a space"),
	      "gomod: '// gomodjail: confined' (space) is an error, not ignored", "%s", err.msg);
	rs = gomod_str("module a\n\n// gomodjail:confined\n// indirect deps below\nrequire example.com/b v1\n", &err);
	check(rs && rule(rs, "example.com/b") && rule(rs, "example.com/b")->confined &&
		      strcmp(rule(rs, "example.com/b")->why, "go.mod:3: // gomodjail:confined above require line 5") == 0,
	      "gomod: comment lines directly above a top-level require", "%s", rs && rule(rs, "example.com/b") ? rule(rs, "example.com/b")->why : err.msg);
	bj_ruleset_free(rs);
	rs = gomod_str("module a\n// GOMODJAIL:confined\nrequire example.com/b v1\n", &err);
	check(rs && rs->nrules == 0, "gomod: tags are case-sensitive", "%s", err.msg);
	bj_ruleset_free(rs);
	rs = gomod_str("// gomodjail:unconfined\nmodule a\nrequire (\n\texample.com/foo v1 // gomodjail:confined\n"
		       "\texample.com/foo/sub v1\n)\n", &err);
	if (rs) {
		struct bj_policy pol = { .gomod = rs };

		check(decide(&pol, NULL, "example.com/foo/sub")->confined,
		      "gomod: unconfined module default adds no rules (foo covers foo/sub)", "%s",
		      decide(&pol, NULL, "example.com/foo/sub")->why);
	} else {
		check(false, "gomod: unconfined module default adds no rules (foo covers foo/sub)", "%s", err.msg);
	}
	bj_ruleset_free(rs);
}

/* ---- command line ------------------------------------------------------- */

static void test_cmdline(void)
{
	struct bj_ruleset *rs = bj_ruleset_new(BJ_SRC_CMDLINE, "--policy");
	static const char *const bad[] = {
		"example.com/foo", "=confined", "example.com/foo=", "example.com/foo=Confined",
		"example.com/foo bar=confined", "/abs=confined", "a//b=confined",
	};
	struct bj_err err;
	char name[128];
	const struct bj_rule *r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		snprintf(name, sizeof(name), "cmdline: rejects '%s'", bad[i]);
		check(bj_cmdline_add(rs, bad[i], &err) == -EINVAL && strncmp(err.msg, "--policy '", 10) == 0,
		      name, "%s", err.msg);
	}
	check(bj_cmdline_add(rs, "example.com/foo=confined", &err) == 0 &&
		      bj_cmdline_add(rs, "example.com/foo=unconfined", &err) == 0 && rs->nrules == 1,
	      "cmdline: later --policy for a module replaces the earlier", "%zu rules", rs->nrules);
	r = rule(rs, "example.com/foo");
	check(r && !r->confined && strcmp(r->why, "--policy example.com/foo=unconfined") == 0,
	      "cmdline: why", "%s", r ? r->why : "-");
	bj_ruleset_free(rs);
}

/* ---- precedence --------------------------------------------------------- */

static void test_precedence(void)
{
	static const char gomod[] =
		"// gomodjail:confined\n"
		"module example.com/app\n"
		"require (\n"
		"\texample.com/a v1 // gomodjail:confined\n"
		"\texample.com/b v1 // gomodjail:confined\n"
		"\texample.com/c v1\n"
		"\texample.com/d v1 // gomodjail:unconfined\n"
		"\texample.com/e v1 // gomodjail:confined\n"
		")\n";
	static const char yaml[] =
		"main_module: example.com/app\n"
		"default: unconfined\n"
		"modules:\n"
		"  example.com/a: unconfined\n"
		"  example.com/b:\n"
		"    allow: [inet]\n"
		"    paths: [{path: /etc, access: r}]\n"
		"  example.com/e/sub: confined\n";
	struct bj_err err;
	struct bj_policy pol;
	const struct bj_verdict *v;

	bj_policy_init(&pol);
	pol.gomod = gomod_str(gomod, &err);
	pol.yaml = yaml_str(yaml, &err);
	check(pol.gomod && pol.yaml, "precedence: sources parse", "%s", err.msg);
	if (!pol.gomod || !pol.yaml)
		goto out;
	check(bj_policy_check(&pol, &err) == 0, "precedence: main modules agree", "%s", err.msg);

	v = decide(&pol, NULL, "example.com/a");
	check(!v->confined && v->source == BJ_SRC_YAML, "precedence: YAML beats go.mod", "%s", v->why);
	v = decide(&pol, NULL, "example.com/b");
	check(v->confined && v->source == BJ_SRC_YAML && v->allow == BJ_CLASS_INET && v->npaths == 1,
	      "precedence: YAML grants", "%s", v->why);
	v = decide(&pol, NULL, "example.com/c");
	check(!v->confined && strcmp(v->why, "policy.yaml:2: default: unconfined") == 0,
	      "precedence: YAML default beats go.mod's module default", "%s", v->why);
	v = decide(&pol, NULL, "example.com/d");
	check(!v->confined && v->source == BJ_SRC_GOMOD,
	      "precedence: explicit go.mod rule beats YAML default", "%s", v->why);
	v = decide(&pol, NULL, "example.com/e/sub/x");
	check(v->confined && v->source == BJ_SRC_YAML,
	      "precedence: source before length (YAML e/sub beats go.mod e)", "%s", v->why);

	check(bj_policy_add_override(&pol, "example.com/b=unconfined", &err) == 0 &&
		      bj_policy_add_override(&pol, "example.com/a=confined", &err) == 0 &&
		      bj_policy_add_override(&pol, "example.com=unconfined", &err) == 0,
	      "precedence: overrides parse", "%s", err.msg);
	v = decide(&pol, NULL, "example.com/b");
	check(!v->confined && v->source == BJ_SRC_CMDLINE && v->allow == BJ_CLASS_ALL && v->npaths == 0,
	      "precedence: --policy beats YAML", "%s", v->why);
	v = decide(&pol, NULL, "example.com/a");
	check(v->confined && v->source == BJ_SRC_CMDLINE && v->allow == 0 &&
		      strcmp(v->why, "--policy example.com/a=confined") == 0,
	      "precedence: --policy confines a YAML-unconfined module (no grants)", "%s", v->why);
	v = decide(&pol, NULL, "example.com/e/sub");
	check(!v->confined && strcmp(v->why, "--policy example.com=unconfined (via example.com)") == 0,
	      "precedence: a short --policy rule beats a longer YAML one", "%s", v->why);
	v = decide(&pol, NULL, "example.com/app");
	check(v->main && !v->confined, "precedence: main module stays unconfined", "%s", v->why);
	bj_ruleset_free(pol.cmdline);
	pol.cmdline = NULL;

	check(bj_policy_add_override(&pol, "example.com/b=confined", &err) == 0, "precedence: override b", "%s",
	      err.msg);
	v = decide(&pol, NULL, "example.com/b");
	check(v->confined && v->source == BJ_SRC_CMDLINE && v->allow == BJ_CLASS_INET && v->npaths == 1 &&
		      strcmp(v->why, "--policy example.com/b=confined; grants from policy.yaml:5: modules[example.com/b]") == 0,
	      "precedence: --policy confined keeps the YAML grants", "%s", v->why);
	check(bj_policy_add_override(&pol, "example.com/app=confined", &err) == 0, "precedence: override app",
	      "%s", err.msg);
	v = decide(&pol, NULL, "example.com/app");
	check(v->main && !v->confined && strstr(v->why, "ignores --policy example.com/app=confined"),
	      "precedence: naming the main module confined is ignored and said so", "%s", v->why);
	v = decide(&pol, "example.com/other", "example.com/app");
	check(!v->main && v->confined, "precedence: the binary's main module wins over the policy's", "%s",
	      v->why);
out:
	bj_policy_free(&pol);
}

static void test_policy_api(void)
{
	struct bj_err err;
	struct bj_policy pol;
	const char **mods = NULL;
	size_t n = 0;
	const char *where;

	bj_policy_init(&pol);
	pol.gomod = gomod_str("module example.com/a\nrequire example.com/x v1 // gomodjail:confined\n", &err);
	pol.yaml = yaml_str("main_module: example.com/b\nmodules: {example.com/x: confined, example.com/w: unconfined}\n",
			    &err);
	check(bj_policy_check(&pol, &err) == -EINVAL && err.line == 1 &&
		      strcmp(err.msg, "policy.yaml:1: main_module example.com/b differs from the module line of go.mod (example.com/a at line 1)") == 0,
	      "policy: go.mod and YAML main modules must agree", "%s", err.msg);
	check(strcmp(bj_policy_main_module(&pol, &where), "example.com/b") == 0 &&
		      strcmp(where, "policy.yaml:1: main_module") == 0,
	      "policy: YAML main_module is preferred", "%s", where);
	check(bj_policy_add_override(&pol, "example.com/v=confined", &err) == 0 &&
		      bj_policy_modules(&pol, &mods, &n) == 0 && n == 3 && strcmp(mods[0], "example.com/v") == 0 &&
		      strcmp(mods[1], "example.com/w") == 0 && strcmp(mods[2], "example.com/x") == 0,
	      "policy: modules named by any source, sorted and unique", "n=%zu", n);
	free(mods);
	{
		const char *names[] = { "example.com/x", "example.com/b", "example.com/zz" };
		struct bj_verdict *v = NULL;

		check(bj_resolve(&pol, NULL, names, 3, &v) == 0 && v[0].confined && v[1].main &&
			      !v[2].confined && strcmp(v[2].module, "example.com/zz") == 0,
		      "policy: bj_resolve in input order", "-");
		bj_verdicts_free(v, 3);
	}
	bj_policy_free(&pol);

	memset(&err, 0, sizeof(err));
	check(bj_policy_load_gomod(&pol, "/nonexistent/go.mod", &err) == -ENOENT &&
		      strcmp(err.msg, "/nonexistent/go.mod: No such file or directory") == 0,
	      "policy: missing file is -ENOENT with the path", "%s", err.msg);
	check(bj_policy_load_yaml(&pol, fixdir, &err) == -EISDIR, "policy: directory is -EISDIR", "%s", err.msg);
	bj_policy_free(&pol);
}

/* ---- matching, classes, access, paths ----------------------------------- */

static void test_matching(void)
{
	static const struct {
		const char *rule, *mod;
		bool covers;
	} t[] = {
		{ "example.com/foo", "example.com/foo", true },
		{ "example.com/foo", "example.com/foo/bar", true },
		{ "example.com/foo", "example.com/foo/v2", true },
		{ "example.com/foo", "example.com/foobar", false },
		{ "example.com/foo", "example.com/fo", false },
		{ "example.com/foo", "example.com", false },
		{ "gopkg.in/yaml", "gopkg.in/yaml.v3", false },
		{ "example.com", "example.com/foo", true },
		{ "", "example.com", false },
	};
	char name[160];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "match: '%s' %s '%s'", t[i].rule,
			 t[i].covers ? "covers" : "does not cover", t[i].mod);
		check(bj_module_covers(t[i].rule, t[i].mod) == t[i].covers, name, "wrong");
	}
}

static void test_classes(void)
{
	static const char *const want[] = {
		"exec", "rpath", "wpath", "cpath", "dpath", "fattr", "inet", "unix", "netlink", "raw",
		"packet", "proc", "ptrace", "id", "prot_exec", "ioctl", "fcntl", "mount", "bpf", "kmod",
	};
	char buf[256], acc[5];
	bool ok = BJ_CLASS__COUNT == 20 && BJ_CLASS_ALL == 0xfffff && bj_class_name(20) == NULL;
	uint32_t a;

	for (int i = 0; i < 20 && ok; i++)
		ok = strcmp(bj_class_name(i), want[i]) == 0 && bj_class_lookup(want[i]) == i;
	check(ok, "classes: exactly the 20 names, in order", "mismatch");
	check(BJ_CLASS_KMOD == 1u << 19 && BJ_CLASS_EXEC == 1 && bj_class_lookup("Inet") == -1 &&
		      bj_class_lookup("all") == -1,
	      "classes: masks and lookup", "-");
	check(strcmp(bj_classes_str(BJ_CLASS_RPATH | BJ_CLASS_INET, buf, sizeof(buf)), "rpath,inet") == 0 &&
		      strcmp(bj_classes_str(0, buf, sizeof(buf)), "none") == 0 &&
		      strcmp(bj_classes_str(BJ_CLASS_ALL, buf, sizeof(buf)), "all") == 0,
	      "classes: formatting", "%s", buf);
	bj_classes_str(BJ_CLASS_ALL & ~BJ_CLASS_EXEC, buf, 10);
	check(strlen(buf) < 10, "classes: formatting truncates safely", "%s", buf);
	check(bj_access_parse("rwxc", &a) == 0 && a == BJ_ACCESS_ALL &&
		      strcmp(bj_access_str(a, acc), "rwxc") == 0 && bj_access_parse("cr", &a) == 0 &&
		      strcmp(bj_access_str(a, acc), "rc") == 0,
	      "access: parse and format", "%s", acc);
	check(bj_access_parse("", &a) == -EINVAL && bj_access_parse("rr", &a) == -EINVAL &&
		      bj_access_parse("R", &a) == -EINVAL && bj_access_parse("rwd", &a) == -EINVAL,
	      "access: rejects empty, repeated, unknown", "-");
}

/* ---- robustness: mutate fixtures, parsers must not crash or leak -------- */

static void mutate_one(const char *sub, const char *file, bool yaml)
{
	char path[512];
	size_t len;
	char *buf;
	unsigned int seed = 12345;

	snprintf(path, sizeof(path), "%s/%s/%s", fixdir, sub, file);
	buf = slurp(path, &len);
	if (!buf || !len) {
		free(buf);
		return;
	}
	for (int i = 0; i < 300; i++) {
		char *m = malloc(len);
		struct bj_ruleset *rs = NULL;
		struct bj_err err;
		size_t mlen = len;

		memcpy(m, buf, len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245 + 12345;
			m[(seed >> 8) % len] = "\n\t /#:()[]{}\"'`-,\0xa"[(seed >> 20) % 20];
		}
		seed = seed * 1103515245 + 12345;
		if (seed & 1)
			mlen = (seed >> 4) % len;
		if (yaml)
			bj_yaml_parse("m", m, mlen, &rs, &err);
		else
			bj_gomod_parse("m", m, mlen, &rs, &err);
		if (rs) {
			struct bj_policy pol = { .gomod = yaml ? NULL : rs, .yaml = yaml ? rs : NULL };

			for (size_t r = 0; r < rs->nrules; r++)
				decide(&pol, NULL, rs->rules[r].module);
		}
		bj_ruleset_free(rs);
		free(m);
	}
	free(buf);
}

static void mutate_gomod(const char *f) { mutate_one("gomod", f, false); }
static void mutate_yaml(const char *f) { mutate_one("yaml", f, true); }

int main(int argc, char **argv)
{
	fixdir = argc > 1 ? argv[1] : "tests/policy";
	setvbuf(stdout, NULL, _IOLBF, 0);

	for_each_fixture("gomod", ".mod", "", gomod_fixture);
	test_gomod_why();
	test_gomod_inline_errors();
	for_each_fixture("yaml", ".yaml", "bad-", yaml_bad_fixture);
	test_yaml_full();
	test_yaml_misc();
	test_cmdline();
	test_precedence();
	test_policy_api();
	test_matching();
	test_classes();

	for_each_fixture("gomod", ".mod", "", mutate_gomod);
	for_each_fixture("yaml", ".yaml", "", mutate_yaml);
	check(true, "mutated fixtures parse without crashing", "-");

	bj_verdict_clear(&last_verdict);
	printf("# policy: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
