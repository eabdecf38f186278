// SPDX-License-Identifier: GPL-2.0
/*
 * go.mod policy comments, as gomodjail reads them (gomodjail uses
 * golang.org/x/mod/modfile plus AkihiroSuda/gomoddirectivecomments):
 *
 *   // gomodjail:confined             <- on or above "module": module default
 *   module example.com/app
 *   // gomodjail:unconfined           <- above "require (": block default
 *   require (
 *           // gomodjail:confined     <- above a line: that line
 *           example.com/a v1.0.0
 *           example.com/b v1.0.0 // indirect; gomodjail:confined
 *   )
 *
 * Comment attachment follows modfile: at top level only comment lines
 * directly above a directive belong to it (a blank line detaches them);
 * inside a block, comment lines attach to the next line even across blank
 * lines. A comment holds a tag when one of its whitespace-separated fields,
 * minus a leading "//", starts with "gomodjail:" or "bpfjail:".
 *
 * This is a small line lexer, not modfile: it understands directives, blocks,
 * quoted strings and // comments, and ignores what policy does not need
 * (versions, replace, exclude, retract, toolchain, ...).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_TOKS 4	/* we look at the verb and the first two arguments */

static const char *const tag_ns[] = { "gomodjail", "bpfjail" };

struct tok {
	const char *s;
	size_t n;
	bool quoted;
};

struct gline {
	int no;
	struct tok tok[MAX_TOKS];
	int ntok;		/* all tokens, even those not stored */
	const char *cmt;	/* "//..." suffix or whole-line comment, or NULL */
	size_t cmtlen;
};

struct gtag {
	int line;
	bool confined;
	const char *ns;		/* "gomodjail" or "bpfjail" */
};

struct tagvec {
	struct gtag *v;
	size_t n, cap;
};

struct greq {
	char *mod;
	int line;
	int block_line;		/* line of "require (", 0 outside a block */
	bool has_own, own_above;
	struct gtag own;
	bool has_blk, blk_above;
	struct gtag blk;
};

struct gparser {
	const char *name;
	struct bj_ruleset *rs;
	struct bj_err *err;
	struct tagvec pending;	/* tags of comment lines waiting for a directive */
	/* current block */
	bool in_block;
	int block_line;
	char verb[32];
	bool has_blk, blk_above;
	struct gtag blk;
	/* results */
	struct greq *reqs;
	size_t nreqs;
	bool have_module;
	int module_line;
	bool has_default, default_above;
	struct gtag def;
};

static const char *pol_str(bool confined)
{
	return confined ? "confined" : "unconfined";
}

static int tagvec_push(struct tagvec *tv, struct gtag t)
{
	if (tv->n == tv->cap) {
		size_t cap = tv->cap ? tv->cap * 2 : 4;
		struct gtag *v = realloc(tv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		tv->v = v;
		tv->cap = cap;
	}
	tv->v[tv->n++] = t;
	return 0;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return !t->quoted && t->n == strlen(s) && memcmp(t->s, s, t->n) == 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Unquote a token into a new string; NULL and err set on bad input. */
static char *tok_str(struct gparser *gp, int line, const struct tok *t)
{
	char *s = malloc(t->n + 1), *o = s;

	if (!s) {
		bj_errf(gp->err, line, 0, "%s:%d: out of memory", gp->name, line);
		return NULL;
	}
	if (!t->quoted || t->s[0] == '`') {
		size_t off = t->quoted ? 1 : 0;

		memcpy(s, t->s + off, t->n - 2 * off);
		s[t->n - 2 * off] = '\0';
		return s;
	}
	for (size_t i = 1; i + 1 < t->n; i++) {
		char c = t->s[i];

		if (c == '\\') {
			c = t->s[++i];
			if (c != '\\' && c != '"') {
				free(s);
				bj_errf(gp->err, line, 0, "%s:%d: unsupported escape \\%c in quoted string",
					gp->name, line, c);
				return NULL;
			}
		}
		*o++ = c;
	}
	*o = '\0';
	return s;
}

/* Split one physical line into tokens and an optional // comment. */
static int lex_line(struct gparser *gp, const char *p, const char *end, struct gline *ln)
{
	ln->ntok = 0;
	ln->cmt = NULL;
	ln->cmtlen = 0;
	while (end > p && is_space(end[-1]))
		end--;
	while (p < end) {
		struct tok t = { .s = p };

		if (is_space(*p)) {
			p++;
			continue;
		}
		if (*p == '/' && p + 1 < end && p[1] == '/') {
			ln->cmt = p;
			ln->cmtlen = end - p;
			return 0;
		}
		if (*p == '/' && p + 1 < end && p[1] == '*')
			return bj_errf(gp->err, ln->no, 0,
				       "%s:%d: go.mod must use // comments, not /* */", gp->name, ln->no);
		if (strchr("()[]{},", *p)) {
			t.n = 1;
			p++;
		} else if (*p == '"' || *p == '`') {
			char q = *p;
			const char *s = p + 1;

			while (s < end && *s != q) {
				if (q == '"' && *s == '\\' && s + 1 < end)
					s++;
				s++;
			}
			if (s >= end)
				return bj_errf(gp->err, ln->no, 0, "%s:%d: unterminated quoted string",
					       gp->name, ln->no);
			t.quoted = true;
			t.n = s + 1 - p;
			p = s + 1;
		} else {
			/* Identifiers run to space, punctuation, a quote or "//" (as in modfile). */
			while (p < end && !is_space(*p) && !strchr("()[]{},\"`", *p) &&
			       !(*p == '/' && p + 1 < end && (p[1] == '/' || p[1] == '*')))
				p++;
			t.n = p - t.s;
		}
		if (ln->ntok < MAX_TOKS)
			ln->tok[ln->ntok] = t;
		ln->ntok++;
	}
	return 0;
}

/* Collect the tags of one comment ("//..."): gomoddirectivecomments' rule. */
static int comment_tags(struct gparser *gp, int line, const char *c, size_t n, struct tagvec *out)
{
	const char *end = c + n, *p = c + 2;	/* skip the leading "//" */

	while (p < end) {
		const char *f;
		size_t fn;

		while (p < end && is_space(*p))
			p++;
		f = p;
		while (p < end && !is_space(*p))
			p++;
		fn = p - f;
		if (fn >= 2 && f[0] == '/' && f[1] == '/') {
			f += 2;
			fn -= 2;
		}
		for (size_t i = 0; i < sizeof(tag_ns) / sizeof(tag_ns[0]); i++) {
			size_t nl = strlen(tag_ns[i]);
			const char *v = f + nl + 1;
			size_t vn = fn - nl - 1;
			struct gtag t = { .line = line, .ns = tag_ns[i] };

			if (fn <= nl || memcmp(f, tag_ns[i], nl) != 0 || f[nl] != ':')
				continue;
			if (vn == 8 && memcmp(v, "confined", 8) == 0)
				t.confined = true;
			else if (vn == 0)
				/* gomodjail silently ignores "// gomodjail: confined"; say why instead. */
				return bj_errf(gp->err, line, 0,
					       "%s:%d: unknown policy '' in // %s: comment (write %s:confined or %s:unconfined, without a space)",
					       gp->name, line, tag_ns[i], tag_ns[i], tag_ns[i]);
			else if (!(vn == 10 && memcmp(v, "unconfined", 10) == 0))
				return bj_errf(gp->err, line, 0,
					       "%s:%d: unknown policy '%.*s' in // %s: comment (expected confined or unconfined)",
					       gp->name, line, (int)(vn > 64 ? 64 : vn), v, tag_ns[i]);
			if (tagvec_push(out, t))
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * All tags attached to one directive must agree (gomodjail would let the last
 * one win; two different policies for one line are a mistake). *pick gets the
 * last tag, i.e. the suffix comment when there is one.
 */
static int tags_agree(struct gparser *gp, const struct tagvec *tv, const struct gtag **pick)
{
	*pick = NULL;
	for (size_t i = 0; i < tv->n; i++) {
		if (tv->v[i].confined != tv->v[0].confined)
			return bj_errf(gp->err, tv->v[i].line, 0,
				       "%s:%d: conflicting policy comments: '%s' here, '%s' at line %d",
				       gp->name, tv->v[i].line, pol_str(tv->v[i].confined),
				       pol_str(tv->v[0].confined), tv->v[0].line);
		*pick = &tv->v[i];
	}
	return 0;
}

static int warn_unused(struct gparser *gp, const struct tagvec *tv, const char *what)
{
	if (!tv->n)
		return 0;
	return bj_ruleset_warn(gp->rs, bj_asprintf("%s:%d: // %s:%s %s has no effect; ignored",
						   gp->name, tv->v[0].line, tv->v[0].ns,
						   pol_str(tv->v[0].confined), what));
}

static int go_line_error(struct gparser *gp, const struct tagvec *tv)
{
	/* gomodjail: "policy is specified in an invalid position". */
	return bj_errf(gp->err, tv->v[0].line, 0,
		       "%s:%d: // %s:%s on the go line is not allowed (a default goes on or above the module line)",
		       gp->name, tv->v[0].line, tv->v[0].ns, pol_str(tv->v[0].confined));
}

/* Top-level comment lines not followed directly by a directive. */
static int flush_pending(struct gparser *gp, const char *why)
{
	int ret = 0;

	if (gp->pending.n)
		ret = bj_ruleset_warn(gp->rs,
				      bj_asprintf("%s:%d: // %s:%s is not attached to a directive (%s); ignored",
						  gp->name, gp->pending.v[0].line, gp->pending.v[0].ns,
						  pol_str(gp->pending.v[0].confined), why));
	gp->pending.n = 0;
	return ret;
}

static int add_require(struct gparser *gp, const struct gline *ln, const struct tok *path,
		       const struct tagvec *tags)
{
	struct greq *reqs, *r;
	const struct gtag *pick;
	char *mod;
	int ret;

	ret = tags_agree(gp, tags, &pick);
	if (ret)
		return ret;
	mod = tok_str(gp, ln->no, path);
	if (!mod)
		return -EINVAL;
	if (!bj_module_path_valid(mod)) {
		ret = bj_errf(gp->err, ln->no, 0, "%s:%d: invalid module path '%.*s'", gp->name,
			      ln->no, (int)(strlen(mod) > 128 ? 128 : strlen(mod)), mod);
		free(mod);
		return ret;
	}
	reqs = realloc(gp->reqs, (gp->nreqs + 1) * sizeof(*reqs));
	if (!reqs) {
		free(mod);
		return -ENOMEM;
	}
	gp->reqs = reqs;
	r = &reqs[gp->nreqs++];
	memset(r, 0, sizeof(*r));
	r->mod = mod;
	r->line = ln->no;
	if (pick) {
		r->has_own = true;
		r->own = *pick;
		r->own_above = pick->line != ln->no;
	}
	if (gp->in_block) {
		r->block_line = gp->block_line;
		r->has_blk = gp->has_blk;
		r->blk = gp->blk;
		r->blk_above = gp->blk_above;
	}
	return 0;
}

/* One directive: "verb args..." at top level, or "args..." inside "verb (". */
static int directive(struct gparser *gp, const struct gline *ln, struct tagvec *tags)
{
	const struct tok *args = gp->in_block ? ln->tok : ln->tok + 1;
	int nargs = gp->in_block ? ln->ntok : ln->ntok - 1;
	char verb[32];
	int ret;

	if (gp->in_block) {
		strcpy(verb, gp->verb);
	} else {
		size_t n = ln->tok[0].n < sizeof(verb) - 1 ? ln->tok[0].n : sizeof(verb) - 1;

		memcpy(verb, ln->tok[0].s, n);
		verb[n] = '\0';
	}
	if (ln->cmt) {
		ret = comment_tags(gp, ln->no, ln->cmt, ln->cmtlen, tags);
		if (ret)
			return ret;
	}

	if (strcmp(verb, "go") == 0)
		return tags->n ? go_line_error(gp, tags) : 0;

	if (strcmp(verb, "module") == 0) {
		const struct gtag *pick;
		char *mod;

		if (gp->have_module)
			return bj_errf(gp->err, ln->no, 0, "%s:%d: repeated module statement (first at line %d)",
				       gp->name, ln->no, gp->module_line);
		if (nargs < 1)
			return bj_errf(gp->err, ln->no, 0, "%s:%d: usage: module module/path", gp->name, ln->no);
		ret = tags_agree(gp, tags, &pick);
		if (ret)
			return ret;
		mod = tok_str(gp, ln->no, &args[0]);
		if (!mod)
			return -EINVAL;
		if (!bj_module_path_valid(mod)) {
			free(mod);
			return bj_errf(gp->err, ln->no, 0, "%s:%d: invalid module path", gp->name, ln->no);
		}
		gp->rs->main_module = mod;
		gp->rs->main_line = ln->no;
		gp->rs->main_where = bj_asprintf("%s:%d: module line", gp->name, ln->no);
		if (!gp->rs->main_where)
			return -ENOMEM;
		gp->have_module = true;
		gp->module_line = ln->no;
		if (pick) {
			gp->has_default = true;
			gp->def = *pick;
			gp->default_above = pick->line != ln->no;
		}
		return 0;
	}

	if (strcmp(verb, "require") == 0) {
		if (nargs < 1)
			return bj_errf(gp->err, ln->no, 0, "%s:%d: usage: require module/path v1.2.3",
				       gp->name, ln->no);
		if (args[0].n == 1 && strchr("()[]{},", args[0].s[0]) && !args[0].quoted)
			return bj_errf(gp->err, ln->no, 0, "%s:%d: unexpected '%c' in require",
				       gp->name, ln->no, args[0].s[0]);
		return add_require(gp, ln, &args[0], tags);
	}

	/* replace, exclude, retract, toolchain, godebug, tool, ...: no policy. */
	if (tags->n) {
		char what[64];

		snprintf(what, sizeof(what), "on a %s directive", verb);
		return warn_unused(gp, tags, what);
	}
	return 0;
}

/* "verb (" at top level: tags above it and on it apply to the block. */
static int block_start(struct gparser *gp, const struct gline *ln, struct tagvec *tags)
{
	const struct gtag *pick;
	size_t n = ln->tok[0].n < sizeof(gp->verb) - 1 ? ln->tok[0].n : sizeof(gp->verb) - 1;
	int ret;

	memcpy(gp->verb, ln->tok[0].s, n);
	gp->verb[n] = '\0';
	gp->in_block = true;
	gp->block_line = ln->no;
	gp->has_blk = false;
	if (ln->cmt) {
		ret = comment_tags(gp, ln->no, ln->cmt, ln->cmtlen, tags);
		if (ret)
			return ret;
	}
	if (strcmp(gp->verb, "go") == 0)
		return tags->n ? go_line_error(gp, tags) : 0;
	if (strcmp(gp->verb, "require") != 0) {
		char what[64];

		snprintf(what, sizeof(what), "on a %s block", gp->verb);
		return warn_unused(gp, tags, what);
	}
	ret = tags_agree(gp, tags, &pick);
	if (ret)
		return ret;
	if (pick) {
		gp->has_blk = true;
		gp->blk = *pick;
		gp->blk_above = pick->line != ln->no;
	}
	return 0;
}

static char *tag_text(const struct gtag *t)
{
	return bj_asprintf("// %s:%s", t->ns, pol_str(t->confined));
}

/* Turn the require lines into rules. The last require of a module decides. */
static int finish(struct gparser *gp)
{
	struct bj_ruleset *rs = gp->rs;

	if (gp->has_default) {
		char *tt = tag_text(&gp->def);

		rs->has_default = true;
		rs->default_confined = gp->def.confined;
		rs->default_why = tt ? bj_asprintf("%s:%d: %s %s module line (module default)", gp->name,
						   gp->def.line, tt, gp->default_above ? "above" : "on") : NULL;
		free(tt);
		if (!rs->default_why)
			return -ENOMEM;
	}
	for (size_t i = 0; i < gp->nreqs; i++) {
		const struct greq *r = &gp->reqs[i];
		const struct gtag *t = NULL;
		bool implicit = false, later = false;
		char *tt, *why;
		struct bj_rule *rule;

		for (size_t j = i + 1; j < gp->nreqs && !later; j++)
			later = strcmp(gp->reqs[j].mod, r->mod) == 0;
		if (later)
			continue;	/* a later require line decides */
		for (size_t j = 0; j < i; j++) {
			if (strcmp(gp->reqs[j].mod, r->mod) == 0) {
				if (bj_ruleset_warn(rs, bj_asprintf("%s:%d: %s is required again (also at line %d); the last require line decides",
								    gp->name, r->line, r->mod, gp->reqs[j].line)))
					return -ENOMEM;
				break;
			}
		}
		if (r->has_own) {
			t = &r->own;
		} else if (r->has_blk) {
			t = &r->blk;
		} else if (gp->has_default && gp->def.confined) {
			/* An unconfined module default is the same as none: no rule, so a
			 * covering rule (example.com/foo for example.com/foo/sub) still applies,
			 * as gomodjail's prefix match does. */
			t = &gp->def;
			implicit = true;
		}
		if (!t)
			continue;
		tt = tag_text(t);
		if (!tt)
			return -ENOMEM;
		if (r->has_own && r->own_above)
			why = bj_asprintf("%s:%d: %s above require line %d", gp->name, t->line, tt, r->line);
		else if (r->has_own)
			why = bj_asprintf("%s:%d: %s on require line", gp->name, t->line, tt);
		else if (!implicit)
			why = bj_asprintf("%s:%d: %s %s require block (require at line %d)", gp->name, t->line,
					  tt, r->blk_above ? "above" : "on", r->line);
		else
			why = bj_asprintf("%s:%d: %s %s module line (module default; require at line %d)",
					  gp->name, t->line, tt, gp->default_above ? "above" : "on", r->line);
		free(tt);
		rule = bj_ruleset_add(rs, r->mod, why);
		if (!rule)
			return -ENOMEM;
		rule->confined = t->confined;
		rule->implicit = implicit;
		rule->line = t->line;
	}
	return 0;
}

int bj_gomod_parse(const char *name, const char *buf, size_t len,
		   struct bj_ruleset **out, struct bj_err *err)
{
	struct gparser gp = { .name = name, .err = err };
	const char *p = buf, *end = buf + len;
	struct bj_err dummy;
	int ret = 0, no = 0;

	*out = NULL;
	if (!gp.err)
		gp.err = &dummy;
	gp.rs = bj_ruleset_new(BJ_SRC_GOMOD, name);
	if (!gp.rs) {
		ret = -ENOMEM;
		goto out;
	}
	if (memchr(buf, '\0', len)) {
		const char *z = memchr(buf, '\0', len);
		int line = 1;

		for (const char *q = buf; q < z; q++)
			line += *q == '\n';
		ret = bj_errf(gp.err, line, 0, "%s:%d: NUL byte", name, line);
		goto out;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *eol = nl ? nl : end;
		struct gline ln = { .no = ++no };

		ret = lex_line(&gp, p, eol, &ln);
		p = nl ? nl + 1 : end;
		if (ret)
			goto out;

		if (ln.ntok == 0 && !ln.cmt) {
			/* Blank line: detaches comments at top level, not inside a block. */
			if (!gp.in_block) {
				ret = flush_pending(&gp, "a blank line follows it");
				if (ret)
					goto out;
			}
			continue;
		}
		if (ln.ntok == 0) {
			ret = comment_tags(&gp, ln.no, ln.cmt, ln.cmtlen, &gp.pending);
			if (ret)
				goto out;
			continue;
		}
		if (gp.in_block && tok_is(&ln.tok[0], ")")) {
			if (ln.ntok != 1) {
				ret = bj_errf(gp.err, ln.no, 0, "%s:%d: expected newline after ')'", name, ln.no);
				goto out;
			}
			if (ln.cmt) {
				ret = comment_tags(&gp, ln.no, ln.cmt, ln.cmtlen, &gp.pending);
				if (ret)
					goto out;
			}
			/* modfile attaches these to the ')' and gomodjail ignores them. */
			ret = warn_unused(&gp, &gp.pending, "at the end of a block");
			if (ret)
				goto out;
			gp.pending.n = 0;
			gp.in_block = false;
			continue;
		}
		if (!gp.in_block && tok_is(&ln.tok[0], ")")) {
			ret = bj_errf(gp.err, ln.no, 0, "%s:%d: unexpected ')'", name, ln.no);
			goto out;
		}
		if (!gp.in_block && ln.ntok == 2 && tok_is(&ln.tok[1], "(")) {
			ret = block_start(&gp, &ln, &gp.pending);
			gp.pending.n = 0;
			if (ret)
				goto out;
			continue;
		}
		if (!gp.in_block && ln.ntok == 3 && tok_is(&ln.tok[1], "(") && tok_is(&ln.tok[2], ")")) {
			/* "require ()": an empty block; its comments do nothing. */
			if (ln.cmt) {
				ret = comment_tags(&gp, ln.no, ln.cmt, ln.cmtlen, &gp.pending);
				if (ret)
					goto out;
			}
			ret = warn_unused(&gp, &gp.pending, "on an empty block");
			gp.pending.n = 0;
			if (ret)
				goto out;
			continue;
		}
		ret = directive(&gp, &ln, &gp.pending);
		gp.pending.n = 0;
		if (ret)
			goto out;
	}
	if (gp.in_block) {
		ret = bj_errf(gp.err, gp.block_line, 0, "%s:%d: unterminated %s block", name,
			      gp.block_line, gp.verb);
		goto out;
	}
	ret = flush_pending(&gp, "nothing follows it");
	if (ret)
		goto out;
	if (!gp.have_module) {
		ret = bj_errf(gp.err, 0, 0, "%s: no module directive", name);
		goto out;
	}
	ret = finish(&gp);
out:
	for (size_t i = 0; i < gp.nreqs; i++)
		free(gp.reqs[i].mod);
	free(gp.reqs);
	free(gp.pending.v);
	if (ret == -ENOMEM && gp.err)
		bj_errf(gp.err, 0, 0, "%s: out of memory", name), ret = -ENOMEM;
	if (ret) {
		bj_ruleset_free(gp.rs);
		return ret;
	}
	*out = gp.rs;
	return 0;
}
