// SPDX-License-Identifier: GPL-2.0
/*
 * Function -> module attribution.
 *
 * A package belongs to the module with the longest path that equals it or
 * is a prefix of it ending at a '/': example.com/foo covers example.com/foo
 * and example.com/foo/bar, not example.com/foobar. Module paths go into a
 * hash table; a package's candidates (itself, then each prefix before a
 * '/') are hashed in one pass and probed longest first. Packages are
 * resolved once each (a hash table by escaped package text), and most
 * functions hit the previous function's package.
 *
 * The runtime's packages (runtime/..., internal/runtime/...) never belong to
 * a module. Two packages get a module without a path match:
 *   "main"      the main package: the main module, when buildinfo names one.
 * And one never gets a module:
 *   "vendor/P"  the standard library's vendored copies (GOROOT/src/vendor,
 *               e.g. vendor/golang.org/x/net/http2/hpack). Module-mode builds
 *               never prefix a module's packages with "vendor/", so these are
 *               std code, called by the standard library (DNS resolver,
 *               crypto's CPU detection): confining golang.org/x/net must not
 *               confine net's resolver, so they stay STDLIB.
 * And a name that looks synthetic under the pre-1.20 "go."/"type." rule
 * (symname.c) is still given to a known module whose path covers its raw
 * package, so that no module can hide its code behind such a path.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Open-addressed hash of module paths: priv->modkeys has modkeys_cap()
 * slots for priv->nmodkeys modules. */
struct gs_modkey {
	const char *path;	/* NULL: free slot */
	size_t len;
	uint64_t hash;
	int32_t idx;
};

#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static size_t modkeys_cap(uint32_t n)
{
	size_t cap = 8;

	while (cap < (size_t)n * 2)
		cap *= 2;
	return cap;
}

static int32_t lookup_exact(const struct gs_modkey *keys, size_t cap, const char *s,
			    size_t n, uint64_t h)
{
	size_t i = (size_t)(h ^ (h >> 32)) & (cap - 1);

	for (; keys[i].path; i = (i + 1) & (cap - 1))
		if (keys[i].hash == h && keys[i].len == n && !memcmp(keys[i].path, s, n))
			return keys[i].idx;
	return GOSYM_MOD_NONE;
}

/* Longest module covering pkg[0:n], by path only. */
static int32_t longest_prefix(const struct gosym_binary *bin, const char *pkg, size_t n)
{
	const struct gs_priv *priv = bin->priv;
	int32_t best = GOSYM_MOD_NONE;
	size_t bestlen = 0;
	uint32_t i;

	if (!n)
		return GOSYM_MOD_NONE;
	if (priv && priv->modkeys && priv->nmodkeys == bin->nmodules) {
		/* Hash every prefix ending before a '/' and the whole path in
		 * one pass, then probe the longest first. */
		struct { size_t len; uint64_t h; } cand[32];
		size_t ncand = 0, cap = modkeys_cap(priv->nmodkeys), j;
		uint64_t h = FNV_BASIS;

		for (j = 0; j < n && ncand < 32 - 1; j++) {
			if (pkg[j] == '/')
				cand[ncand].len = j, cand[ncand++].h = h;
			h = (h ^ (uint8_t)pkg[j]) * FNV_PRIME;
		}
		if (j == n) {
			cand[ncand].len = n;
			cand[ncand++].h = h;
			while (ncand--) {
				int32_t m = lookup_exact(priv->modkeys, cap, pkg,
							 cand[ncand].len, cand[ncand].h);

				if (m != GOSYM_MOD_NONE)
					return m;
			}
			return GOSYM_MOD_NONE;
		}
		/* Absurdly deep path: fall through to the scan. */
	}
	/* No index (gs_modules_attribute not run yet): linear scan. */
	for (i = 0; i < bin->nmodules; i++) {
		const char *mp = bin->modules[i].path;
		size_t ml;

		if (!mp || !*mp)
			continue;
		ml = strlen(mp);
		if (ml > n || ml <= bestlen || memcmp(pkg, mp, ml) || (ml < n && pkg[ml] != '/'))
			continue;
		best = (int32_t)i;
		bestlen = ml;
	}
	return best;
}

static int32_t main_module(const struct gosym_binary *bin)
{
	uint32_t i;

	for (i = 0; i < bin->nmodules; i++)
		if (bin->modules[i].main)
			return (int32_t)i;
	return GOSYM_MOD_NONE;
}

static bool is_runtime_pkg(const char *pkg, size_t n)
{
	return (n >= 7 && !memcmp(pkg, "runtime", 7) && (n == 7 || pkg[7] == '/')) ||
	       (n >= 16 && !memcmp(pkg, "internal/runtime", 16) && (n == 16 || pkg[16] == '/'));
}

static int32_t module_of_pkg_n(const struct gosym_binary *bin, const char *pkg, size_t n)
{
	int32_t m;

	/* The runtime runs under every module: a module (e.g. a policy's
	 * extra_modules entry) never claims it. */
	if (is_runtime_pkg(pkg, n))
		return GOSYM_MOD_NONE;
	if (n > 7 && !memcmp(pkg, "vendor/", 7))
		return GOSYM_MOD_NONE;
	m = longest_prefix(bin, pkg, n);

	if (m != GOSYM_MOD_NONE)
		return m;
	if (n == 4 && !memcmp(pkg, "main", 4))
		return main_module(bin);
	return GOSYM_MOD_NONE;
}

int32_t gs_module_of_pkg(const struct gosym_binary *bin, const char *pkg)
{
	if (!bin || !pkg)
		return GOSYM_MOD_NONE;
	return module_of_pkg_n(bin, pkg, strlen(pkg));
}

/*
 * Attribute one name. pkgbuf (at least rawlen + 1 bytes) receives the
 * unescaped package ("" for synthetic names); returns the module and sets
 * *kind.
 */
static int32_t attr_name(const struct gosym_binary *bin, const char *name, size_t rawlen,
			 bool synth, char *pkgbuf, uint32_t *kind)
{
	int32_t m;
	int n;

	if (!rawlen) {
		pkgbuf[0] = '\0';
		*kind = GOSYM_KIND_SYNTHETIC;
		return GOSYM_MOD_NONE;
	}
	/* Unescaping never grows the text. */
	memcpy(pkgbuf, name, rawlen);
	pkgbuf[rawlen] = '\0';
	n = gosym_unescape(pkgbuf, pkgbuf, rawlen + 1);
	if (n < 0)
		n = 0, pkgbuf[0] = '\0';
	if (synth) {
		/* Only a path with a '/' can be a module's package here. */
		m = memchr(pkgbuf, '/', (size_t)n) ?
			longest_prefix(bin, pkgbuf, (size_t)n) : GOSYM_MOD_NONE;
		if (m == GOSYM_MOD_NONE) {
			pkgbuf[0] = '\0';
			*kind = GOSYM_KIND_SYNTHETIC;
			return GOSYM_MOD_NONE;
		}
		*kind = GOSYM_KIND_MODULE;
		return m;
	}
	m = module_of_pkg_n(bin, pkgbuf, (size_t)n);
	*kind = m != GOSYM_MOD_NONE ? GOSYM_KIND_MODULE : gosym_classify_pkg(pkgbuf, NULL);
	return m;
}

int32_t gs_module_of_name(const struct gosym_binary *bin, const char *name)
{
	char stackbuf[512], *buf = stackbuf;
	uint32_t kind;
	size_t rawlen;
	bool synth;
	int32_t m;

	if (!bin || !name)
		return GOSYM_MOD_NONE;
	rawlen = gs_raw_pkg_len(name, &synth);
	if (rawlen >= sizeof(stackbuf)) {
		buf = malloc(rawlen + 1);
		if (!buf)
			return GOSYM_MOD_NONE;
	}
	m = attr_name(bin, name, rawlen, synth, buf, &kind);
	if (buf != stackbuf)
		free(buf);
	return m;
}

/* extra_modules: appended after buildinfo's, duplicates skipped. */
static int add_extra(struct gosym_binary *bin, const struct gosym_opts *opts, struct gosym_err *err)
{
	struct gosym_module *mods;
	size_t i, n = bin->nmodules;
	uint32_t j;

	if (!opts || !opts->nextra_modules || !opts->extra_modules)
		return 0;
	if (opts->nextra_modules > UINT32_MAX / 2 - n)
		return gs_err(err, GOSYM_E_NOMEM, "modules: too many extra modules");
	mods = gs_alloc(bin, (n + opts->nextra_modules) * sizeof(*mods));
	if (!mods)
		return gs_err(err, GOSYM_E_NOMEM, "modules: out of memory");
	if (n)
		memcpy(mods, bin->modules, n * sizeof(*mods));
	for (i = 0; i < opts->nextra_modules; i++) {
		const char *p = opts->extra_modules[i];
		size_t len;
		bool dup = false;

		if (!p)
			continue;
		len = strlen(p);
		while (len && p[len - 1] == '/')
			len--;
		if (!len)
			continue;
		for (j = 0; j < n && !dup; j++)
			dup = strlen(mods[j].path) == len && !memcmp(mods[j].path, p, len);
		if (dup)
			continue;
		memset(&mods[n], 0, sizeof(mods[n]));
		mods[n].path = gs_strndup(bin, p, len);
		if (!mods[n].path)
			return gs_err(err, GOSYM_E_NOMEM, "modules: out of memory");
		n++;
	}
	bin->modules = mods;
	bin->nmodules = (uint32_t)n;
	return 0;
}

static int build_index(struct gosym_binary *bin, struct gosym_err *err)
{
	struct gs_priv *priv = bin->priv;
	struct gs_modkey *keys;
	size_t cap = modkeys_cap(bin->nmodules);
	uint32_t i;

	priv->modkeys = NULL;
	priv->nmodkeys = 0;
	keys = gs_alloc(bin, cap * sizeof(*keys));
	if (!keys)
		return gs_err(err, GOSYM_E_NOMEM, "modules: out of memory");
	for (i = 0; i < bin->nmodules; i++) {
		const char *p = bin->modules[i].path;
		uint64_t h = FNV_BASIS;
		size_t len, j;

		if (!p || !*p)
			continue;
		len = strlen(p);
		for (j = 0; j < len; j++)
			h = (h ^ (uint8_t)p[j]) * FNV_PRIME;
		/* On duplicate paths the first module keeps the slot. */
		if (lookup_exact(keys, cap, p, len, h) != GOSYM_MOD_NONE)
			continue;
		j = (size_t)(h ^ (h >> 32)) & (cap - 1);
		while (keys[j].path)
			j = (j + 1) & (cap - 1);
		keys[j].path = p;
		keys[j].len = len;
		keys[j].hash = h;
		keys[j].idx = (int32_t)i;
	}
	priv->modkeys = keys;
	priv->nmodkeys = bin->nmodules;
	return 0;
}

/* Resolved packages, keyed by the escaped package text (+ synthetic bit). */
struct pkg_ent {
	const char *raw;	/* into the function name; NULL: empty slot */
	size_t rawlen;
	bool synth;
	const char *pkg;	/* arena copy, unescaped */
	int32_t module;
	uint32_t kind;
};

struct pkg_tab {
	struct pkg_ent *e;
	size_t cap;		/* power of two */
	size_t n;
};

static uint64_t hash_bytes(const char *s, size_t n, bool synth)
{
	uint64_t h = 0xcbf29ce484222325ull ^ synth;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static struct pkg_ent *pkg_tab_slot(struct pkg_tab *t, const char *raw, size_t n, bool synth)
{
	size_t i = (size_t)hash_bytes(raw, n, synth) & (t->cap - 1);

	for (;; i = (i + 1) & (t->cap - 1)) {
		struct pkg_ent *e = &t->e[i];

		if (!e->raw || (e->rawlen == n && e->synth == synth && !memcmp(e->raw, raw, n)))
			return e;
	}
}

static int pkg_tab_grow(struct pkg_tab *t)
{
	struct pkg_tab nt = { .cap = t->cap ? t->cap * 2 : 1024 };
	size_t i;

	nt.e = calloc(nt.cap, sizeof(*nt.e));
	if (!nt.e)
		return -1;
	for (i = 0; i < t->cap; i++)
		if (t->e[i].raw)
			*pkg_tab_slot(&nt, t->e[i].raw, t->e[i].rawlen, t->e[i].synth) = t->e[i];
	nt.n = t->n;
	free(t->e);
	*t = nt;
	return 0;
}

int gs_modules_attribute(struct gosym_binary *bin, const struct gosym_opts *opts,
			 struct gosym_err *err)
{
	struct pkg_tab tab = { 0 };
	struct pkg_ent last = { 0 };	/* a copy: the table moves when it grows */
	char *pkgbuf = NULL;
	size_t pkgcap = 0;
	int ret;
	uint32_t i;

	ret = add_extra(bin, opts, err);
	if (!ret)
		ret = build_index(bin, err);
	if (ret)
		return ret;
	for (i = 0; i < bin->nmodules; i++)
		bin->modules[i].nfuncs = 0;

	for (i = 0; i < bin->nfuncs; i++) {
		struct gosym_func *f = &bin->funcs[i];
		const char *name = f->name ? f->name : "";
		size_t rawlen;
		bool synth;

		rawlen = gs_raw_pkg_len(name, &synth);
		/* Slow path unless it is the previous function's package. */
		if (!last.raw || last.rawlen != rawlen || last.synth != synth ||
		    memcmp(last.raw, name, rawlen)) {
			struct pkg_ent *e;

			if ((tab.n + 1) * 2 > tab.cap && pkg_tab_grow(&tab))
				goto nomem;
			e = pkg_tab_slot(&tab, name, rawlen, synth);
			if (!e->raw) {
				if (rawlen + 1 > pkgcap) {
					char *nb = realloc(pkgbuf, rawlen + 1);

					if (!nb)
						goto nomem;
					pkgbuf = nb;
					pkgcap = rawlen + 1;
				}
				e->module = attr_name(bin, name, rawlen, synth, pkgbuf, &e->kind);
				e->pkg = *pkgbuf ? gs_strndup(bin, pkgbuf, strlen(pkgbuf)) : "";
				if (!e->pkg)
					goto nomem;
				e->raw = name;
				e->rawlen = rawlen;
				e->synth = synth;
				tab.n++;
			}
			last = *e;
		}
		f->pkg = last.pkg;
		f->module = last.module;
		f->kind = last.kind;
		if (last.module != GOSYM_MOD_NONE)
			bin->modules[last.module].nfuncs++;
	}
	ret = 0;
	goto out;
nomem:
	ret = gs_err(err, GOSYM_E_NOMEM, "modules: out of memory");
out:
	free(tab.e);
	free(pkgbuf);
	return ret;
}
