// SPDX-License-Identifier: GPL-2.0
/* Rule sets: storage, lookup with path-boundary matching, shared helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define BJ_FILE_MAX (16u << 20)	/* policies are small; refuse anything huge */

int bj_errf(struct bj_err *err, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

char *bj_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

struct bj_ruleset *bj_ruleset_new(enum bj_source source, const char *name)
{
	struct bj_ruleset *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	rs->source = source;
	rs->name = strdup(name ? name : "");
	if (!rs->name) {
		free(rs);
		return NULL;
	}
	return rs;
}

void bj_rule_clear(struct bj_rule *r)
{
	for (size_t i = 0; i < r->npaths; i++)
		free(r->paths[i].path);
	free(r->paths);
	free(r->module);
	free(r->why);
	memset(r, 0, sizeof(*r));
}

void bj_ruleset_free(struct bj_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nrules; i++)
		bj_rule_clear(&rs->rules[i]);
	for (size_t i = 0; i < rs->nwarnings; i++)
		free(rs->warnings[i]);
	free(rs->rules);
	free(rs->warnings);
	free(rs->name);
	free(rs->main_module);
	free(rs->main_where);
	free(rs->default_why);
	free(rs);
}

long bj_ruleset_find(const struct bj_ruleset *rs, const char *mod)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].module, mod) == 0)
			return (long)i;
	return -1;
}

struct bj_rule *bj_ruleset_add(struct bj_ruleset *rs, const char *mod, char *why)
{
	struct bj_rule *rules, *r;
	char *m;

	if (!why)
		return NULL;
	m = strdup(mod);
	rules = realloc(rs->rules, (rs->nrules + 1) * sizeof(*rules));
	if (!m || !rules) {
		free(m);
		free(why);
		if (rules)
			rs->rules = rules;
		return NULL;
	}
	rs->rules = rules;
	r = &rules[rs->nrules++];
	memset(r, 0, sizeof(*r));
	r->module = m;
	r->why = why;
	return r;
}

void bj_ruleset_del(struct bj_ruleset *rs, size_t idx)
{
	bj_rule_clear(&rs->rules[idx]);
	memmove(&rs->rules[idx], &rs->rules[idx + 1], (rs->nrules - idx - 1) * sizeof(rs->rules[0]));
	rs->nrules--;
}

int bj_ruleset_warn(struct bj_ruleset *rs, char *msg)
{
	char **w;

	if (!msg)
		return -ENOMEM;
	w = realloc(rs->warnings, (rs->nwarnings + 1) * sizeof(*w));
	if (!w) {
		free(msg);
		return -ENOMEM;
	}
	rs->warnings = w;
	w[rs->nwarnings++] = msg;
	return 0;
}

bool bj_module_covers(const char *rule_mod, const char *mod)
{
	size_t n = strlen(rule_mod);

	/* Path boundary: example.com/foo covers example.com/foo/bar, not .../foobar. */
	return n && strncmp(rule_mod, mod, n) == 0 && (mod[n] == '\0' || mod[n] == '/');
}

const struct bj_rule *bj_ruleset_match(const struct bj_ruleset *rs, const char *mod)
{
	const struct bj_rule *best = NULL;
	size_t best_len = 0;

	if (!rs)
		return NULL;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct bj_rule *r = &rs->rules[i];
		size_t n = strlen(r->module);

		if (n > best_len && bj_module_covers(r->module, mod)) {
			best = r;
			best_len = n;
		}
	}
	return best;
}

bool bj_module_path_valid(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > BJ_MODULE_MAX || p[0] == '/' || p[n - 1] == '/' || strstr(p, "//"))
		return false;
	/* Go module paths are ASCII letters, digits and "-._~/" (+ in import paths). */
	for (; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-._~+/", c)))
			return false;
	}
	return true;
}

int bj_path_normalize(const char *in, char *out, const char **why)
{
	size_t o = 0;

	if (in[0] != '/') {
		*why = "must be absolute";
		return -EINVAL;
	}
	if (strlen(in) >= BJ_PATH_MAX) {
		*why = "too long";
		return -EINVAL;
	}
	for (const char *p = in; *p;) {
		const char *e;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		/* Symlinks make "a/.." not mean "." : refuse instead of guessing. */
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
			*why = "must not contain . or .. components";
			return -EINVAL;
		}
		out[o++] = '/';
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

int bj_read_file(const char *path, char **buf, size_t *len, struct bj_err *err)
{
	struct stat st;
	char *b = NULL;
	size_t off = 0;
	int fd, ret;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > BJ_FILE_MAX) {
		ret = -EFBIG;
		goto fail;
	}
	/* Read until EOF rather than trusting st_size (pipes, /proc, growth). */
	for (size_t cap = 0;;) {
		ssize_t n;

		if (off + 1 >= cap) {
			char *nb;

			cap = cap ? cap * 2 : 4096;
			if (cap > BJ_FILE_MAX + 1) {
				ret = -EFBIG;
				goto fail;
			}
			nb = realloc(b, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto fail;
			}
			b = nb;
		}
		n = read(fd, b + off, cap - off - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		off += n;
	}
	close(fd);
	b[off] = '\0';
	*buf = b;
	*len = off;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(b);
	if (err) {
		err->line = err->col = 0;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 ret == -EFBIG ? "file too large" : strerror(-ret));
	}
	return ret;
}
