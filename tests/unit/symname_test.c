// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of Go symbol-name handling and module attribution (gosym:
 * symname.c, modules.c, ranges.c, buildinfo.c) on hand-made inputs.
 * Prints one "ok - NAME" / "not ok - NAME: why" line per check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gosym/internal.h"

static int failures;

static void check(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		printf("ok - %s\n", name);
		return;
	}
	failures++;
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ---- gosym_pkg_of --------------------------------------------------------- */

static void t_pkg_of(void)
{
	static const struct { const char *name, *pkg; } cases[] = {
		{ "fmt.Println", "fmt" },
		{ "main.main", "main" },
		{ "net/http.(*Client).Do", "net/http" },
		{ "net/http.Header.Get", "net/http" },
		{ "example.com/yaml%2ev3.(*T).M", "example.com/yaml%2ev3" },
		{ "gopkg.in/yaml%2ev3.Unmarshal", "gopkg.in/yaml%2ev3" },
		{ "example%2ecom.F", "example%2ecom" },
		/* real modules under go.* */
		{ "go.uber.org/zap.(*Logger).Info", "go.uber.org/zap" },
		{ "go.uber.org/zap/zapcore.Level.String", "go.uber.org/zap/zapcore" },
		{ "go.opentelemetry.io/otel.GetTracerProvider", "go.opentelemetry.io/otel" },
		{ "go.opentelemetry.io/otel/semconv/v1%2e37%2e0.init", "go.opentelemetry.io/otel/semconv/v1%2e37%2e0" },
		{ "go.etcd.io/bbolt.(*DB).Begin", "go.etcd.io/bbolt" },
		{ "go.yaml.in/yaml/v3.Unmarshal", "go.yaml.in/yaml/v3" },
		{ "go.lsp.dev/protocol.(*Range).UnmarshalJSON", "go.lsp.dev/protocol" },
		/* generics: brackets may hold '/' and '.' */
		{ "example.com/a.F[...]", "example.com/a" },
		{ "example.com/a.F[example.com/b.T]", "example.com/a" },
		{ "example.com/a.F[go.shape.struct { example.com/b/c.X int }]", "example.com/a" },
		{ "example.com/a.(*T[example.com/b/c.U]).M", "example.com/a" },
		{ "example.com/a.(*T[...]).M[...]", "example.com/a" },
		{ "example.com/a.F[...].func1", "example.com/a" },
		{ "sync/atomic.(*Pointer[...]).Load", "sync/atomic" },
		{ "slices.Sort[go.shape.[]string,go.shape.string]", "slices" },
		/* closures, init, glob */
		{ "example.com/a.F.func1", "example.com/a" },
		{ "example.com/a.F.func1.2", "example.com/a" },
		{ "example.com/a.init.0", "example.com/a" },
		{ "example.com/a.glob..func1", "example.com/a" },
		{ "example.com/a.T.M-fm", "example.com/a" },
		/* std vendored packages keep their prefix */
		{ "vendor/golang.org/x/net/http2/hpack.(*Decoder).Write", "vendor/golang.org/x/net/http2/hpack" },
		/* synthetic: no package */
		{ "go.buildid", "" },
		{ "go:buildid", "" },
		{ "go:itab.*os.File,io.Writer", "" },
		{ "go.itab.*os.File,io.Writer", "" },
		{ "go.itab.example.com/a.T,io.Writer", "" },
		{ "type..eq.[2]interface {}", "" },
		{ "type..eq.example.com/a.T", "" },
		{ "type..hash.example.com/a.T", "" },
		{ "type:.eq.main.T", "" },
		{ "type:.eq.[...]", "" },
		{ "type.example.com/a.T", "" },	/* "type.example.com": no such domain element rule? see below */
		{ "go.shape.int", "" },
		{ "go.shape.int_0", "" },
		{ "go:struct { io.Reader; io.Writer }.Read", "" },
		{ "go:(*struct { encoding/json/v2.Marshaler }).MarshalJSONTo", "" },
		{ "go:textfipsstart", "" },
		{ "_rt0_amd64_linux", "" },
		{ "aeshashbody", "" },
		{ "", "" },
		{ "example.com/a", "" },
	};
	char buf[256], name[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = gosym_pkg_of(cases[i].name, buf, sizeof(buf));
		bool same = n >= 0 && !strcmp(buf, cases[i].pkg) && (size_t)n == strlen(cases[i].pkg);

		/* "type.example.com/a.T" looks like a path under a domain
		 * "type.example.com": only data symbols are named like that
		 * (pre-1.20 type descriptors), never functions, so either
		 * answer is acceptable there. */
		if (!strcmp(cases[i].name, "type.example.com/a.T"))
			same = n >= 0;
		snprintf(name, sizeof(name), "pkg_of %zu", i);
		check(same, name, "gosym_pkg_of(\"%s\") = %d \"%s\", want \"%s\"",
		      cases[i].name, n, n >= 0 ? buf : "", cases[i].pkg);
	}

	check(gosym_pkg_of("fmt.Println", buf, 4) == 3 && !strcmp(buf, "fmt"),
	      "pkg_of exact fit", "buffer of 4 must hold \"fmt\"");
	check(gosym_pkg_of("fmt.Println", buf, 3) == -1, "pkg_of too small", "want -1");
	check(gosym_pkg_of("fmt.Println", buf, 0) == -1, "pkg_of zero buffer", "want -1");
	check(gosym_pkg_of(NULL, buf, sizeof(buf)) == 0 && !buf[0], "pkg_of NULL name", "want \"\"");
}

/* ---- gosym_unescape ------------------------------------------------------- */

static void t_unescape(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "example.com/yaml%2ev3", "example.com/yaml.v3" },
		{ "go.opentelemetry.io/otel/semconv/v1%2e37%2e0", "go.opentelemetry.io/otel/semconv/v1.37.0" },
		{ "example%2ecom", "example.com" },
		{ "a/b%2Ec", "a/b.c" },
		{ "a/b%25c", "a/b%c" },
		{ "a/b%22c", "a/b\"c" },
		{ "a/b%7fc", "a/b\x7f" "c" },
		{ "bad%zz", "bad%zz" },
		{ "trail%2", "trail%2" },
		{ "trail%", "trail%" },
		{ "nul%00x", "nul%00x" },
		{ "plain/path", "plain/path" },
		{ "", "" },
	};
	char buf[128], name[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = gosym_unescape(cases[i].in, buf, sizeof(buf));

		snprintf(name, sizeof(name), "unescape %zu", i);
		check(n >= 0 && (size_t)n == strlen(cases[i].out) && !strcmp(buf, cases[i].out), name,
		      "gosym_unescape(\"%s\") = %d \"%s\", want \"%s\"", cases[i].in, n,
		      n >= 0 ? buf : "", cases[i].out);
	}
	check(gosym_unescape("a%2eb", buf, 4) == 3 && !strcmp(buf, "a.b"), "unescape exact fit",
	      "want 3 \"a.b\"");
	check(gosym_unescape("a%2eb", buf, 3) == -1, "unescape too small", "want -1");
	/* in place, as modules.c does it */
	strcpy(buf, "x/y%2ez");
	check(gosym_unescape(buf, buf, sizeof(buf)) == 5 && !strcmp(buf, "x/y.z"), "unescape in place",
	      "got \"%s\"", buf);
}

/* ---- gosym_classify_pkg --------------------------------------------------- */

static void t_classify(void)
{
	static const struct { const char *pkg, *name; uint32_t kind; } cases[] = {
		{ "runtime", "runtime.main", GOSYM_KIND_RUNTIME },
		{ "runtime/internal/syscall", NULL, GOSYM_KIND_RUNTIME },
		{ "runtime/cgo", NULL, GOSYM_KIND_RUNTIME },
		{ "internal/runtime/syscall", NULL, GOSYM_KIND_RUNTIME },
		{ "internal/runtime/maps", NULL, GOSYM_KIND_RUNTIME },
		{ "runtimex", NULL, GOSYM_KIND_STDLIB },
		{ "internal/runtimex", NULL, GOSYM_KIND_STDLIB },
		{ "fmt", "fmt.Println", GOSYM_KIND_STDLIB },
		{ "net/http", NULL, GOSYM_KIND_STDLIB },
		{ "internal/abi", NULL, GOSYM_KIND_STDLIB },
		{ "vendor/golang.org/x/net/http2/hpack", NULL, GOSYM_KIND_STDLIB },
		{ "main", "main.main", GOSYM_KIND_UNKNOWN },
		{ "example.com/a", "example.com/a.F", GOSYM_KIND_UNKNOWN },
		{ "example.com", NULL, GOSYM_KIND_UNKNOWN },
		{ "go.uber.org/zap", "go.uber.org/zap.F", GOSYM_KIND_UNKNOWN },
		{ "", "go.buildid", GOSYM_KIND_SYNTHETIC },
		{ "", NULL, GOSYM_KIND_SYNTHETIC },
		{ NULL, NULL, GOSYM_KIND_SYNTHETIC },
		{ "fmt", "type:.eq.fmt.T", GOSYM_KIND_SYNTHETIC },
		{ "go", "go.shape.int", GOSYM_KIND_SYNTHETIC },
	};
	char name[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t k = gosym_classify_pkg(cases[i].pkg, cases[i].name);

		snprintf(name, sizeof(name), "classify %zu", i);
		check(k == cases[i].kind, name, "classify(\"%s\", \"%s\") = %s, want %s",
		      cases[i].pkg ? cases[i].pkg : "(null)", cases[i].name ? cases[i].name : "(null)",
		      gosym_kind_str(k), gosym_kind_str(cases[i].kind));
	}
}

/* ---- a binary made by hand ------------------------------------------------ */

static struct gosym_binary *bin_new(void)
{
	struct gosym_binary *bin = calloc(1, sizeof(*bin));
	struct gs_priv *priv = calloc(1, sizeof(*priv));

	if (!bin || !priv) {
		printf("not ok - setup: out of memory\n");
		exit(1);
	}
	priv->fd = -1;
	bin->priv = priv;
	return bin;
}

static void add_module(struct gosym_binary *bin, const char *path, bool main)
{
	struct gosym_module *m;

	m = gs_alloc(bin, (bin->nmodules + 1) * sizeof(*m));
	if (bin->nmodules)
		memcpy(m, bin->modules, bin->nmodules * sizeof(*m));
	bin->modules = m;
	m = &bin->modules[bin->nmodules++];
	memset(m, 0, sizeof(*m));
	m->path = gs_strndup(bin, path, strlen(path));
	m->main = main;
	m->from_buildinfo = true;
}

static int32_t mod_idx(const struct gosym_binary *bin, const char *path)
{
	return path ? gosym_module_index(bin, path) : GOSYM_MOD_NONE;
}

static const char *mod_name(const struct gosym_binary *bin, int32_t m)
{
	return m == GOSYM_MOD_NONE ? "(none)" : bin->modules[m].path;
}

static const struct { const char *pkg, *mod; } attr_cases[] = {
	{ "example.com/foo", "example.com/foo" },
	{ "example.com/foo/bar", "example.com/foo" },
	{ "example.com/foobar", NULL },
	{ "example.com/foo/bar/baz", "example.com/foo/bar/baz" },
	{ "example.com/foo/bar/baz/q", "example.com/foo/bar/baz" },
	{ "example.com/foo/bar/bazooka", "example.com/foo" },
	{ "example.com", NULL },
	{ "example.co", NULL },
	{ "example.com/yaml.v3", "example.com/yaml.v3" },
	{ "example.com/yaml.v3/sub", "example.com/yaml.v3" },
	{ "example.com/yaml", NULL },
	{ "main", "example.com/app" },
	{ "mainx", NULL },
	{ "example.com/app/cmd/x", "example.com/app" },
	{ "vendor/golang.org/x/net/http2/hpack", NULL }, /* std code even when x/net is a dep */
	{ "vendor/golang.org/x/text/unicode/norm", NULL },
	{ "golang.org/x/net", "golang.org/x/net" },
	{ "golang.org/x/netx", NULL },
	{ "fmt", NULL },
	{ "", NULL },
	{ "go.uber.org/zap/zapcore", "go.uber.org/zap" },
	{ "mymod/internal/x", "mymod" },
	{ "mymodule", NULL },
	{ "runtime", NULL },
	{ "runtime/debug", NULL },
	{ "internal/runtime/syscall", NULL },
	{ "runtimex/a", "runtimex" },
};

static void check_attr_cases(const struct gosym_binary *bin, const char *how)
{
	char name[96];

	for (size_t i = 0; i < sizeof(attr_cases) / sizeof(attr_cases[0]); i++) {
		int32_t got = gs_module_of_pkg(bin, attr_cases[i].pkg);
		int32_t want = mod_idx(bin, attr_cases[i].mod);

		snprintf(name, sizeof(name), "module_of_pkg %s %zu", how, i);
		check(got == want, name, "\"%s\" -> %s, want %s", attr_cases[i].pkg,
		      mod_name(bin, got), mod_name(bin, want));
	}
}

static void t_attribution(void)
{
	static const char *const extra[] = {
		"example.com/extra", "example.com/foo", "example.com/extra2/", "", NULL,
		"go.itab.evil.com/x", "example.com/extra",
	};
	static const struct { const char *name, *pkg, *mod; uint32_t kind; } fcases[] = {
		{ "example.com/foo/bar.F", "example.com/foo/bar", "example.com/foo", GOSYM_KIND_MODULE },
		{ "example.com/foo/bar.(*T).M", "example.com/foo/bar", "example.com/foo", GOSYM_KIND_MODULE },
		{ "example.com/foobar.F", "example.com/foobar", NULL, GOSYM_KIND_UNKNOWN },
		{ "example.com/yaml%2ev3.(*T).M", "example.com/yaml.v3", "example.com/yaml.v3", GOSYM_KIND_MODULE },
		{ "example.com/yaml%2ev3.F[...]", "example.com/yaml.v3", "example.com/yaml.v3", GOSYM_KIND_MODULE },
		{ "main.main", "main", "example.com/app", GOSYM_KIND_MODULE },
		{ "main.main.func1", "main", "example.com/app", GOSYM_KIND_MODULE },
		{ "fmt.Println", "fmt", NULL, GOSYM_KIND_STDLIB },
		{ "runtime.main", "runtime", NULL, GOSYM_KIND_RUNTIME },
		{ "runtime/debug.Stack", "runtime/debug", NULL, GOSYM_KIND_RUNTIME },
		{ "runtimex.F", "runtimex", "runtimex", GOSYM_KIND_MODULE },
		{ "go.buildid", "", NULL, GOSYM_KIND_SYNTHETIC },
		{ "type:.eq.example.com/foo.T", "", NULL, GOSYM_KIND_SYNTHETIC },
		{ "type..eq.example.com/foo.T", "", NULL, GOSYM_KIND_SYNTHETIC },
		{ "go.uber.org/zap.(*Logger).Info", "go.uber.org/zap", "go.uber.org/zap", GOSYM_KIND_MODULE },
		{ "vendor/golang.org/x/net/idna.ToASCII", "vendor/golang.org/x/net/idna", NULL, GOSYM_KIND_STDLIB },
		{ "vendor/golang.org/x/text/unicode/norm.F", "vendor/golang.org/x/text/unicode/norm", NULL, GOSYM_KIND_STDLIB },
		{ "example.com/extra/p.F", "example.com/extra/p", "example.com/extra", GOSYM_KIND_MODULE },
		{ "example.com/extra2.F", "example.com/extra2", "example.com/extra2", GOSYM_KIND_MODULE },
		/* a module whose path looks like a pre-1.20 synthetic name */
		{ "go.itab.evil.com/x.F", "go.itab.evil.com/x", "go.itab.evil.com/x", GOSYM_KIND_MODULE },
		{ "go.itab.other.com/x.F", "", NULL, GOSYM_KIND_SYNTHETIC },
		{ "mymod/internal/x.F", "mymod/internal/x", "mymod", GOSYM_KIND_MODULE },
		{ "github.com/a/b.F", "github.com/a/b", NULL, GOSYM_KIND_UNKNOWN },
		{ "_rt0_amd64_linux", "", NULL, GOSYM_KIND_SYNTHETIC },
	};
	struct gosym_opts opts = { .extra_modules = extra, .nextra_modules = sizeof(extra) / sizeof(extra[0]) };
	struct gosym_binary *bin = bin_new();
	struct gosym_err err = { 0 };
	uint32_t nbi, counts[64] = { 0 };
	char name[96];
	int ret;

	add_module(bin, "example.com/app", true);
	add_module(bin, "example.com/foo", false);
	add_module(bin, "example.com/foo/bar/baz", false);
	add_module(bin, "example.com/yaml.v3", false);
	add_module(bin, "golang.org/x/net", false);
	add_module(bin, "go.uber.org/zap", false);
	add_module(bin, "mymod", false);
	add_module(bin, "runtime", false);	/* must never claim the runtime */
	add_module(bin, "runtimex", false);
	nbi = bin->nmodules;

	/* before gs_modules_attribute: the linear scan */
	check_attr_cases(bin, "linear");

	bin->nfuncs = sizeof(fcases) / sizeof(fcases[0]);
	bin->funcs = gs_alloc(bin, bin->nfuncs * sizeof(*bin->funcs));
	for (uint32_t i = 0; i < bin->nfuncs; i++) {
		bin->funcs[i].entry = 0x1000 + 0x10 * i;
		bin->funcs[i].end = bin->funcs[i].entry + 0x10;
		bin->funcs[i].name = fcases[i].name;
	}
	ret = gs_modules_attribute(bin, &opts, &err);
	check(ret == 0, "attribute returns 0", "ret %d: %s", ret, err.msg);
	if (ret)
		goto out;

	/* extras: duplicates, "", NULL skipped; trailing '/' dropped */
	check(bin->nmodules == nbi + 3, "extra modules count", "nmodules %u, want %u",
	      bin->nmodules, nbi + 3);
	check(bin->nmodules == nbi + 3 && !strcmp(bin->modules[nbi].path, "example.com/extra") &&
	      !strcmp(bin->modules[nbi + 1].path, "example.com/extra2") &&
	      !strcmp(bin->modules[nbi + 2].path, "go.itab.evil.com/x"),
	      "extra modules order", "got %s, %s, %s", bin->modules[nbi].path,
	      bin->modules[nbi + 1].path, bin->modules[nbi + 2].path);
	check(!bin->modules[nbi].from_buildinfo && bin->modules[0].from_buildinfo &&
	      bin->modules[0].main && !bin->modules[nbi].main,
	      "extra modules flags", "from_buildinfo/main flags wrong");

	/* after: the hash index; must agree with the linear scan */
	check(((struct gs_priv *)bin->priv)->modkeys != NULL, "module index built", "modkeys NULL");
	check_attr_cases(bin, "index");

	for (uint32_t i = 0; i < bin->nfuncs; i++) {
		const struct gosym_func *f = &bin->funcs[i];
		int32_t want = mod_idx(bin, fcases[i].mod);

		snprintf(name, sizeof(name), "attribute %s", fcases[i].name);
		check(f->pkg && !strcmp(f->pkg, fcases[i].pkg) && f->module == want &&
		      f->kind == fcases[i].kind, name, "pkg \"%s\" module %s kind %s, want \"%s\" %s %s",
		      f->pkg ? f->pkg : "(null)", mod_name(bin, f->module), gosym_kind_str(f->kind),
		      fcases[i].pkg, mod_name(bin, want), gosym_kind_str(fcases[i].kind));
		snprintf(name, sizeof(name), "module_of_name %s", fcases[i].name);
		check(gs_module_of_name(bin, fcases[i].name) == want, name, "got %s, want %s",
		      mod_name(bin, gs_module_of_name(bin, fcases[i].name)), mod_name(bin, want));
		if (f->module >= 0 && f->module < 64)
			counts[f->module]++;
	}
	for (uint32_t m = 0; m < bin->nmodules && m < 64; m++) {
		snprintf(name, sizeof(name), "nfuncs %s", bin->modules[m].path);
		check(bin->modules[m].nfuncs == counts[m], name, "nfuncs %u, want %u",
		      bin->modules[m].nfuncs, counts[m]);
	}
	/* one package string per package */
	check(bin->funcs[0].pkg == bin->funcs[1].pkg, "pkg strings shared",
	      "consecutive functions of one package got two copies");
out:
	gosym_close(bin);
}

/* extra_modules alone, no buildinfo */
static void t_extra_only(void)
{
	static const char *const extra[] = { "github.com/evanw/esbuild" };
	struct gosym_opts opts = { .extra_modules = extra, .nextra_modules = 1 };
	struct gosym_binary *bin = bin_new();
	struct gosym_err err = { 0 };
	static struct gosym_func funcs[2] = {
		{ .entry = 0x10, .end = 0x20, .name = "github.com/evanw/esbuild/internal/js_parser.Parse" },
		{ .entry = 0x20, .end = 0x30, .name = "main.main" },
	};
	int ret;

	bin->funcs = funcs;
	bin->nfuncs = 2;
	ret = gs_modules_attribute(bin, &opts, &err);
	check(ret == 0 && bin->nmodules == 1 && !bin->modules[0].from_buildinfo &&
	      funcs[0].module == 0 && funcs[0].kind == GOSYM_KIND_MODULE,
	      "extra modules without buildinfo", "ret %d nmodules %u module %d", ret,
	      bin->nmodules, funcs[0].module);
	check(funcs[1].module == GOSYM_MOD_NONE && funcs[1].kind == GOSYM_KIND_UNKNOWN,
	      "main without a main module", "module %d kind %s", funcs[1].module,
	      gosym_kind_str(funcs[1].kind));
	gosym_close(bin);
}

/* ---- ranges (no inline trees here) ---------------------------------------- */

static void t_ranges(void)
{
	struct gosym_binary *bin = bin_new();
	struct gosym_err err = { 0 };
	char path[32];
	int ret;
	/* A A none B B, then 68 more modules so that sets take 2 words */
	static const int8_t fmod[] = { 0, 0, -1, 1, 1, 69, 2 };
	const uint32_t nf = sizeof(fmod) / sizeof(fmod[0]);

	for (int i = 0; i < 70; i++) {
		snprintf(path, sizeof(path), "example.com/m%d", i);
		add_module(bin, path, false);
	}
	bin->nfuncs = nf;
	bin->funcs = gs_alloc(bin, nf * sizeof(*bin->funcs));
	for (uint32_t i = 0; i < nf; i++) {
		bin->funcs[i].entry = 0x1000 + 0x10 * i;
		bin->funcs[i].end = bin->funcs[i].entry + 0x10;
		bin->funcs[i].name = "x.F";
		bin->funcs[i].module = fmod[i];
	}
	bin->funcs[nf - 1].entry += 0x8;	/* a gap before the last one */
	bin->funcs[nf - 1].end += 0x8;
	bin->funcs[nf - 2].end = bin->funcs[nf - 1].entry;
	ret = gs_ranges_build(bin, &err);
	check(ret == 0, "ranges build", "ret %d: %s", ret, err.msg);
	if (ret)
		goto out;
	check(bin->set_words == 2, "ranges set_words", "set_words %u, want 2", bin->set_words);
	check(bin->nranges == 4, "ranges merged", "nranges %u, want 4", bin->nranges);
	if (bin->nranges == 4) {
		const struct gosym_range *r = bin->ranges;

		check(r[0].start == 0x1000 && r[0].end == 0x1020 && gosym_set_has(bin, r[0].set, 0) &&
		      !gosym_set_has(bin, r[0].set, 1), "range A", "[%#lx,%#lx)",
		      (unsigned long)r[0].start, (unsigned long)r[0].end);
		check(r[1].start == 0x1030 && r[1].end == 0x1050 && gosym_set_has(bin, r[1].set, 1),
		      "range B", "[%#lx,%#lx)", (unsigned long)r[1].start, (unsigned long)r[1].end);
		check(r[2].start == 0x1050 && r[2].end == 0x1068 && gosym_set_has(bin, r[2].set, 69) &&
		      !gosym_set_has(bin, r[2].set, 5), "range module 69 (second word)",
		      "[%#lx,%#lx)", (unsigned long)r[2].start, (unsigned long)r[2].end);
		check(r[3].start == 0x1068 && r[3].end == 0x1078, "range after gap",
		      "[%#lx,%#lx)", (unsigned long)r[3].start, (unsigned long)r[3].end);
		check(gosym_find_range(bin, 0x1025) == NULL && gosym_find_range(bin, 0x1045) == &r[1],
		      "find_range", "lookup mismatch");
	}
	check(bin->nsets == 5 && !bin->sets[0] && !bin->sets[1], "sets interned, set 0 empty",
	      "nsets %u", bin->nsets);
	check(bin->modules[0].nranges == 1 && bin->modules[1].nranges == 1 &&
	      bin->modules[3].nranges == 0 && bin->modules[69].nranges == 1,
	      "module nranges", "%u %u %u %u", bin->modules[0].nranges, bin->modules[1].nranges,
	      bin->modules[3].nranges, bin->modules[69].nranges);
out:
	gosym_close(bin);
}

/* ---- buildinfo ------------------------------------------------------------ */

#define SENT_START "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6"
#define SENT_END "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2"

static size_t put_varstr(uint8_t *p, const char *s, size_t n)
{
	size_t o = 0, v = n;

	do {
		p[o++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	memcpy(p + o, s, n);
	return o + n;
}

static struct gosym_binary *bi_bin(uint8_t *data, size_t len, uint64_t addr)
{
	struct gosym_binary *bin = bin_new();
	struct gs_priv *priv = bin->priv;

	priv->secs = calloc(1, sizeof(*priv->secs));
	priv->nsecs = 1;
	priv->secs[0].name = ".go.buildinfo";
	priv->secs[0].addr = addr;
	priv->secs[0].size = len;
	priv->secs[0].type = SHT_PROGBITS;
	priv->secs[0].flags = SHF_ALLOC | SHF_WRITE;
	priv->secs[0].data = data;
	priv->secs[0].data_len = len;
	priv->file = data;
	priv->file_len = len;
	return bin;
}

/* New (1.18+) layout with the given modinfo text (framed here). */
static size_t bi_new_layout(uint8_t *buf, const char *vers, const char *mod, bool frame)
{
	char m[2048];
	size_t o = 32;

	memset(buf, 0, 32);
	memcpy(buf, "\xff Go buildinf:", 14);
	buf[14] = 8;
	buf[15] = 2;
	o += put_varstr(buf + o, vers, strlen(vers));
	if (frame) {
		size_t n = strlen(mod);

		memcpy(m, SENT_START, 16);
		memcpy(m + 16, mod, n);
		memcpy(m + 16 + n, SENT_END, 16);
		o += put_varstr(buf + o, m, n + 32);
	} else {
		o += put_varstr(buf + o, mod, strlen(mod));
	}
	return o;
}

static void t_buildinfo(void)
{
	static uint8_t buf[4096];
	struct gosym_binary *bin;
	struct gosym_err err = { 0 };
	size_t len;
	int ret;

	len = bi_new_layout(buf, "go1.21.5",
			    "path\texample.com/app/cmd/x\n"
			    "mod\texample.com/app\t(devel)\t\n"
			    "dep\texample.com/poisoned\tv0.0.0\n"
			    "=>\t../poisoned\t(devel)\t\n"
			    "dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n"
			    "dep\tgithub.com/r/p\tv1.0.0\n"
			    "=>\tgithub.com/fork/p\tv1.0.1\th1:fork=\n"
			    "build\t-compiler=gc\n", true);
	bin = bi_bin(buf, len, 0x500000);
	ret = gs_buildinfo_load(bin, &err);
	check(ret == 0 && bin->go_version && !strcmp(bin->go_version, "go1.21.5"),
	      "buildinfo new layout version", "ret %d (%s) version %s", ret, err.msg,
	      bin->go_version ? bin->go_version : "(null)");
	check(ret == 0 && bin->nmodules == 4, "buildinfo module count", "nmodules %u", bin->nmodules);
	if (!ret && bin->nmodules == 4) {
		const struct gosym_module *m = bin->modules;

		check(m[0].main && !strcmp(m[0].path, "example.com/app") &&
		      !strcmp(m[0].version, "(devel)") && !m[0].sum && m[0].from_buildinfo,
		      "buildinfo main module", "%s %s", m[0].path, m[0].version);
		check(!m[1].main && !strcmp(m[1].path, "example.com/poisoned") &&
		      !strcmp(m[1].version, "v0.0.0") && m[1].replace_path &&
		      !strcmp(m[1].replace_path, "../poisoned") && !strcmp(m[1].replace_version, "(devel)") &&
		      !m[1].sum, "buildinfo local replacement", "%s => %s", m[1].path,
		      m[1].replace_path ? m[1].replace_path : "(null)");
		check(!strcmp(m[2].path, "golang.org/x/sys") && !strcmp(m[2].sum, "h1:abc=") &&
		      !m[2].replace_path, "buildinfo dep with sum", "%s %s", m[2].path,
		      m[2].sum ? m[2].sum : "(null)");
		check(!strcmp(m[3].path, "github.com/r/p") && m[3].replace_path &&
		      !strcmp(m[3].replace_path, "github.com/fork/p") &&
		      !strcmp(m[3].replace_version, "v1.0.1") && m[3].sum && !strcmp(m[3].sum, "h1:fork="),
		      "buildinfo module replacement", "%s", m[3].path);
	}
	gosym_close(bin);

	/* go run x.go: path without mod */
	len = bi_new_layout(buf, "go1.19.8", "path\tcommand-line-arguments\nbuild\tGOOS=linux\n", true);
	bin = bi_bin(buf, len, 0x500000);
	ret = gs_buildinfo_load(bin, &err);
	check(ret == 0 && bin->nmodules == 1 && bin->modules[0].main &&
	      !strcmp(bin->modules[0].path, "command-line-arguments") && !bin->modules[0].version,
	      "buildinfo path without mod", "ret %d nmodules %u", ret, bin->nmodules);
	gosym_close(bin);

	/* GOPATH mode: no module info at all */
	len = bi_new_layout(buf, "go1.19.8", "", false);
	bin = bi_bin(buf, len, 0x500000);
	ret = gs_buildinfo_load(bin, &err);
	check(ret == 0 && bin->go_version && bin->nmodules == 0, "buildinfo without modinfo",
	      "ret %d nmodules %u", ret, bin->nmodules);
	gosym_close(bin);

	/* a length past the end */
	len = bi_new_layout(buf, "go1.21.5", "mod\tx\tv1\n", true);
	bin = bi_bin(buf, len - 5, 0x500000);
	memset(&err, 0, sizeof(err));
	ret = gs_buildinfo_load(bin, &err);
	check(ret == GOSYM_E_CORRUPT && strstr(err.msg, "past end of section"),
	      "buildinfo truncated modinfo", "ret %d msg \"%s\"", ret, err.msg);
	gosym_close(bin);

	/* a huge varint */
	memcpy(buf + 32, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
	bin = bi_bin(buf, 64, 0x500000);
	memset(&err, 0, sizeof(err));
	ret = gs_buildinfo_load(bin, &err);
	check(ret == GOSYM_E_CORRUPT, "buildinfo huge length", "ret %d msg \"%s\"", ret, err.msg);
	gosym_close(bin);

	/* replacement with no module before it */
	len = bi_new_layout(buf, "go1.21.5", "=>\ta\tb\tc\n", true);
	bin = bi_bin(buf, len, 0x500000);
	memset(&err, 0, sizeof(err));
	ret = gs_buildinfo_load(bin, &err);
	check(ret == GOSYM_E_CORRUPT, "buildinfo orphan replacement", "ret %d msg \"%s\"", ret, err.msg);
	gosym_close(bin);

	/* bad column count */
	len = bi_new_layout(buf, "go1.21.5", "dep\tonlypath\n", true);
	bin = bi_bin(buf, len, 0x500000);
	ret = gs_buildinfo_load(bin, &err);
	check(ret == GOSYM_E_CORRUPT, "buildinfo bad columns", "ret %d", ret);
	gosym_close(bin);

	/* no magic: not an error, no version */
	memset(buf, 0, 64);
	bin = bi_bin(buf, 64, 0x500000);
	ret = gs_buildinfo_load(bin, &err);
	check(ret == 0 && !bin->go_version && !bin->nmodules, "buildinfo absent", "ret %d", ret);
	gosym_close(bin);

	/* old (<= 1.17) pointer layout: header, two string headers, data */
	{
		const char *vers = "go1.15";
		char mod[256];
		size_t nmod, o;
		uint64_t base = 0x400000, v;

		memcpy(mod, SENT_START, 16);
		strcpy(mod + 16, "path\tx/cmd\nmod\tx\t(devel)\t\ndep\ty.org/z\tv1.0.0\th1:q=\n");
		nmod = strlen(mod + 16) + 16;
		memcpy(mod + nmod, SENT_END, 16);
		nmod += 16;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, "\xff Go buildinf:", 14);
		buf[14] = 8;
		buf[15] = 0;
		v = base + 64;	/* version string header */
		memcpy(buf + 16, &v, 8);
		v = base + 80;	/* modinfo string header */
		memcpy(buf + 24, &v, 8);
		v = base + 128;
		memcpy(buf + 64, &v, 8);
		v = strlen(vers);
		memcpy(buf + 72, &v, 8);
		v = base + 160;
		memcpy(buf + 80, &v, 8);
		memcpy(buf + 88, &nmod, 8);
		memcpy(buf + 128, vers, strlen(vers));
		memcpy(buf + 160, mod, nmod);
		o = 160 + nmod;
		bin = bi_bin(buf, o, base);
		ret = gs_buildinfo_load(bin, &err);
		check(ret == 0 && bin->go_version && !strcmp(bin->go_version, "go1.15") &&
		      bin->nmodules == 2 && !strcmp(bin->modules[0].path, "x") &&
		      !strcmp(bin->modules[1].path, "y.org/z") && !strcmp(bin->modules[1].sum, "h1:q="),
		      "buildinfo old pointer layout", "ret %d (%s) nmodules %u", ret, err.msg,
		      bin->nmodules);
		gosym_close(bin);

		/* modinfo length past the end of the section */
		v = nmod + 100;
		memcpy(buf + 88, &v, 8);
		bin = bi_bin(buf, o, base);
		memset(&err, 0, sizeof(err));
		ret = gs_buildinfo_load(bin, &err);
		check(ret == GOSYM_E_CORRUPT && strstr(err.msg, "past end of section"),
		      "buildinfo old layout bad length", "ret %d msg \"%s\"", ret, err.msg);
		gosym_close(bin);
	}
}

int main(void)
{
	t_pkg_of();
	t_unescape();
	t_classify();
	t_attribution();
	t_extra_only();
	t_ranges();
	t_buildinfo();
	return failures ? 1 : 0;
}
