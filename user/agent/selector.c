// SPDX-License-Identifier: GPL-2.0
/*
 * Selectors of the agent's policy files and matching a binary against them
 * (selector.h). SHA-256 is nettle's (docs/libraries.md): small, no global
 * state or configuration files, GPL-2.0-compatible, links statically.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>
#include <nettle/version.h>

#include "ayaml.h"
#include "config.h"
#include "gosym/gosym.h"
#include "selector.h"

/* nettle 3.10 dropped the length argument of the digest functions. */
#if NETTLE_VERSION_MAJOR > 3 || (NETTLE_VERSION_MAJOR == 3 && NETTLE_VERSION_MINOR >= 10)
#define sha256_final(ctx, out) sha256_digest(ctx, out)
#else
#define sha256_final(ctx, out) sha256_digest(ctx, SHA256_DIGEST_SIZE, out)
#endif

#define SHA_CHUNK (64 * 1024)

/* --- digests -------------------------------------------------------------- */

void bj_sha256_buf(const void *buf, size_t len, uint8_t out[BJ_SHA256_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, buf);
	sha256_final(&ctx, out);
}

int bj_sha256_fd(int fd, uint8_t out[BJ_SHA256_LEN])
{
	struct sha256_ctx ctx;
	uint8_t *buf;
	off_t off = 0;
	int ret = 0;

	buf = malloc(SHA_CHUNK);
	if (!buf)
		return -ENOMEM;
	sha256_init(&ctx);
	/* pread: the caller's file offset (an exec'd binary's fd) stays put. */
	for (;;) {
		ssize_t n = pread(fd, buf, SHA_CHUNK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		sha256_update(&ctx, (size_t)n, buf);
		off += n;
	}
	sha256_final(&ctx, out);
out:
	free(buf);
	return ret;
}

char *bj_sha256_hex(const uint8_t d[BJ_SHA256_LEN], char out[2 * BJ_SHA256_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < BJ_SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * BJ_SHA256_LEN] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int bj_sha256_parse(const char *hex, uint8_t out[BJ_SHA256_LEN])
{
	if (strlen(hex) != 2 * BJ_SHA256_LEN)
		return -EINVAL;
	for (int i = 0; i < BJ_SHA256_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* --- binary facts --------------------------------------------------------- */

void bj_binfacts_init(struct bj_binfacts *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

int bj_binfacts_set_gosym(struct bj_binfacts *f, const struct gosym_binary *bin)
{
	const char **mods;
	size_t n = 0;

	mods = calloc(bin->nmodules ? bin->nmodules : 1, sizeof(*mods));
	if (!mods)
		return -ENOMEM;
	f->main_module = NULL;
	for (uint32_t i = 0; i < bin->nmodules; i++) {
		const struct gosym_module *m = &bin->modules[i];

		/* contains_module means "buildinfo lists it"; the caller's extras do not count. */
		if (!m->from_buildinfo)
			continue;
		if (m->main && !f->main_module)
			f->main_module = m->path;
		mods[n++] = m->path;
	}
	free(f->owned_modules);
	f->owned_modules = mods;
	f->modules = mods;
	f->nmodules = n;
	f->build_id = bin->build_id;
	return 0;
}

void bj_binfacts_clear(struct bj_binfacts *f)
{
	free(f->owned_modules);
	bj_binfacts_init(f);
}

int bj_binfacts_sha256(struct bj_binfacts *f, const uint8_t **out)
{
	int fd = f->fd, ret;

	*out = NULL;
	if (f->sha256_state < 0)
		return f->sha256_state;	/* failed once: do not retry per selector */
	if (f->sha256_state == 0) {
		if (fd < 0) {
			if (!f->path)
				return f->sha256_state = -ENOENT;
			fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
			if (fd < 0)
				return f->sha256_state = -errno;
		}
		ret = bj_sha256_fd(fd, f->sha256);
		if (fd != f->fd)
			close(fd);
		if (ret)
			return f->sha256_state = ret;
		f->sha256_state = 1;
	}
	*out = f->sha256;
	return 0;
}

/* --- parsing -------------------------------------------------------------- */

void bj_selectors_free(struct bj_selector *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].path);
		free(s[i].build_id);
		free(s[i].main_module);
		free(s[i].contains_module);
	}
	free(s);
}

static int set_once(char **slot, const char *s)
{
	*slot = strdup(s);
	return *slot ? 0 : -ENOMEM;
}

static int parse_selector(struct ay *y, yaml_node_t *map, struct bj_selector *sel)
{
	int ret;

	if (map->type != YAML_MAPPING_NODE)
		return ay_err(y, map->start_mark, "a selector must be a mapping (path, sha256, build_id, main_module, contains_module), not %s",
			      ay_kind(map));
	sel->line = (int)map->start_mark.line + 1;
	sel->col = (int)map->start_mark.column + 1;
	ay_for_each_pair(map, pair) {
		const char *key, *s;
		yaml_node_t *v;

		ret = ay_pair(y, map, pair, &key, &v);
		if (ret)
			return ret;
		ret = ay_str(y, v, key, &s);
		if (ret)
			return ret;
		if (strcmp(key, "path") == 0) {
			if (s[0] != '/')
				return ay_err(y, v->start_mark, "path '%.128s' must be absolute", s);
			if (strlen(s) >= BJ_PATH_MAX)
				return ay_err(y, v->start_mark, "path is too long");
			ret = set_once(&sel->path, s);
		} else if (strcmp(key, "sha256") == 0) {
			if (bj_sha256_parse(s, sel->sha256))
				return ay_err(y, v->start_mark, "sha256 must be 64 hex digits, not '%.80s'", s);
			sel->has_sha256 = true;
		} else if (strcmp(key, "build_id") == 0) {
			if (strlen(s) > BJ_BUILD_ID_MAX || strpbrk(s, " \t\n"))
				return ay_err(y, v->start_mark, "build_id '%.80s' is not a Go build ID", s);
			ret = set_once(&sel->build_id, s);
		} else if (strcmp(key, "main_module") == 0 || strcmp(key, "contains_module") == 0) {
			if (!bj_module_path_valid(s))
				return ay_err(y, v->start_mark, "%s: invalid module path '%.128s'", key, s);
			ret = set_once(key[0] == 'm' ? &sel->main_module : &sel->contains_module, s);
		} else {
			return ay_err(y, ay_key_node(y, pair)->start_mark,
				      "unknown key '%.64s' in a selector (expected path, sha256, build_id, main_module, contains_module)",
				      key);
		}
		if (ret)
			return ret;
	}
	/* An empty selector would match every binary on the host. */
	if (!sel->path && !sel->has_sha256 && !sel->build_id && !sel->main_module && !sel->contains_module)
		return ay_err(y, map->start_mark, "empty selector: name at least one of path, sha256, build_id, main_module, contains_module");
	return 0;
}

int bj_selectors_parse(struct ay *y, struct yaml_node_s *n, struct bj_selector **out, size_t *nout)
{
	struct bj_selector *sel;
	size_t cnt;
	int ret = 0;

	*out = NULL;
	*nout = 0;
	if (n->type == YAML_MAPPING_NODE)
		cnt = 1;
	else if (n->type == YAML_SEQUENCE_NODE)
		cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	else
		return ay_err(y, n->start_mark, "select must be a selector or a list of selectors, not %s", ay_kind(n));
	if (cnt == 0)
		return ay_err(y, n->start_mark, "select: an empty list matches nothing");
	sel = calloc(cnt, sizeof(*sel));
	if (!sel)
		return -ENOMEM;
	for (size_t i = 0; i < cnt && !ret; i++) {
		yaml_node_t *m = n->type == YAML_MAPPING_NODE ? n : ay_node(y, n->data.sequence.items.start[i]);

		ret = m ? parse_selector(y, m, &sel[i]) : ay_err(y, n->start_mark, "malformed sequence");
	}
	if (ret) {
		bj_selectors_free(sel, cnt);
		return ret;
	}
	*out = sel;
	*nout = cnt;
	return 0;
}

/* --- matching ------------------------------------------------------------- */

int bj_selector_match(const struct bj_selector *s, struct bj_binfacts *f)
{
	const uint8_t *d;
	int ret;

	/* Cheap keys first: the digest is read only if they all hold. */
	if (s->path && (!f->path || fnmatch(s->path, f->path, FNM_PATHNAME) != 0))
		return 0;
	if (s->build_id && (!f->build_id || strcmp(s->build_id, f->build_id) != 0))
		return 0;
	if (s->main_module && (!f->main_module || strcmp(s->main_module, f->main_module) != 0))
		return 0;
	if (s->contains_module) {
		size_t i;

		for (i = 0; i < f->nmodules; i++)
			if (strcmp(f->modules[i], s->contains_module) == 0)
				break;
		if (i == f->nmodules)
			return 0;
	}
	if (s->has_sha256) {
		ret = bj_binfacts_sha256(f, &d);
		if (ret)
			return ret;
		if (memcmp(d, s->sha256, BJ_SHA256_LEN) != 0)
			return 0;
	}
	return 1;
}

int bj_policyset_match(const struct bj_policyset *set, struct bj_binfacts *f, struct bj_match *m)
{
	m->policy = NULL;
	m->selector = 0;
	for (size_t i = 0; set && i < set->npols; i++) {
		const struct bj_agent_policy *p = set->pols[i];
		int failed = 0;

		for (size_t j = 0; j < p->nsel; j++) {
			int ret = bj_selector_match(&p->sel[j], f);

			if (ret > 0) {
				m->policy = p;
				m->selector = j;
				return 0;
			}
			if (ret < 0 && !failed) {
				failed = ret;
				m->selector = j;
			}
		}
		/* Undecidable: a lower policy must not win by default. */
		if (failed) {
			m->policy = p;
			return failed;
		}
	}
	return 0;
}
