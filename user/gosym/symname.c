// SPDX-License-Identifier: GPL-2.0
/*
 * Package paths of Go function names.
 *
 * A function name in the pclntab is "<escaped package path>.<rest>", where
 * the linker escaped (cmd/internal/objabi.PathToPrefix) every '.' of the
 * path's last element as %2e, and '%', '"', spaces, control bytes and bytes
 * >= 0x7f anywhere in the path. So the package ends at the first '.' after
 * the last '/' of the package part, which is how the runtime (funcpkgpath)
 * and debug/gosym (Sym.PackageName) split names. What follows the package
 * may itself contain '/' and '.':
 *
 *   example.com/a.F[...]                      generic (1.21+ prints "[...]")
 *   example.com/a.F[example.com/b.T]          generic, older: full type args
 *   example.com/a.(*T[example.com/b.U]).M     method of a generic type
 *   example.com/a.(*T).M  example.com/a.T.M   methods
 *   example.com/a.F.func1.2  a.init.0  a.glob..func1   closures, inits
 *
 * so the package part is cut at the first byte that can never occur in an
 * escaped package path but starts those suffixes: '[', '(', '*', '{', ' ',
 * ',', ';'. Go itself drops "[...]" (first '[' to last ']') before looking
 * for the last '/'; cutting at '[' gives the same package, and the other
 * cut bytes only make non-function junk like anonymous struct types safer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memrchr */
#endif
#include <string.h>

#include "internal.h"

/* Bytes that end the package part of a name (see above). */
#define CUT_BYTES "[]()*{ ,;\""

/* Length of the raw package part of name: everything up to the first '.'
 * after the last '/' before the cut. 0 if there is no '.' there. No
 * synthetic-name rule here. (libc's vectorized scans: this runs for every
 * function and inlined frame.) */
static size_t raw_pkg_len(const char *name)
{
	size_t cut = strcspn(name, CUT_BYTES);
	const char *slash = memrchr(name, '/', cut);
	const char *from = slash ? slash : name;
	const char *dot = memchr(from, '.', cut - (size_t)(from - name));

	return dot ? (size_t)(dot - name) : 0;
}

/*
 * Compiler and linker sub-prefixes of "go." (Go <= 1.19) that can look like
 * a domain when followed by a package path, e.g. the itab of a value type,
 * "go.itab.example.com/a.T,io.Writer". Only data symbols use most of them,
 * but the rule below is for any name. A real module whose path starts with
 * one of these would still be found by attribution (modules.c tries the raw
 * package against known modules before trusting this rule).
 */
static const char *const go_reserved[] = {
	"itab", "itablink", "shape", "string", "func", "info", "builtin",
	"importpath", "track", "cuinfo", "constinfo", "link", "loc", "range",
	"debuglines", "weak", "typelink", "map", "dict", "buildid",
	"interface", "struct", "args_stackmap", "inittask",
};

/* First path element of a module path (golang.org/x/mod/module.CheckPath):
 * lower-case letters, digits, '-' and '.', with at least one dot, no empty
 * label, and not starting with '-'. */
static bool is_domain_elem(const char *s, size_t n)
{
	bool dot = false;
	size_t i;

	if (!n || s[0] == '-' || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (s[i - 1] == '.')
				return false;
			dot = true;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			return false;
		}
	}
	return dot;
}

/*
 * Names that belong to no package: compiler-generated equality/hash
 * functions, itabs, the build ID, shape types, ...
 *
 *   "go:" / "type:" (Go 1.20+): always synthetic (':' is never in a path).
 *   "go." / "type." (Go <= 1.19): synthetic unless the name is a real
 *   package path whose first element is a domain: go.uber.org/zap.F,
 *   go.etcd.io/bbolt.F, go.opentelemetry.io/otel.F. Precisely, it is a
 *   package only if a '/' follows within the package part (a path of one
 *   element would have its dots escaped, "go%2eetcd%2eio.F"), the first
 *   element passes is_domain_elem, and the label after "go." is not one of
 *   the linker's reserved words. So "go.buildid", "go.shape.int",
 *   "type..eq.[2]interface {}", "type..eq.example.com/a.T" (empty label),
 *   "go.itab.*os.File,io.Writer" are synthetic.
 *   A name with no package at all (no '.', e.g. an assembly routine like
 *   "_rt0_amd64_linux") is treated as synthetic by gosym_classify_pkg.
 */
static bool is_synthetic_name(const char *name)
{
	size_t plen, elen, lab, i;
	const char *slash;

	if (!strncmp(name, "go:", 3) || !strncmp(name, "type:", 5))
		return true;
	if (!strncmp(name, "go.", 3))
		plen = 3;
	else if (!strncmp(name, "type.", 5))
		plen = 5;
	else
		return false;

	/* The '/' must be inside the package part, not in "[...]" etc. */
	slash = memchr(name, '/', raw_pkg_len(name));
	if (!slash)
		return true;
	elen = (size_t)(slash - name);
	if (!is_domain_elem(name, elen))
		return true;
	if (plen == 3) {
		for (lab = 3; lab < elen && name[lab] != '.'; lab++)
			;
		for (i = 0; i < sizeof(go_reserved) / sizeof(go_reserved[0]); i++)
			if (strlen(go_reserved[i]) == lab - 3 &&
			    !memcmp(name + 3, go_reserved[i], lab - 3))
				return true;
	}
	return false;
}

int gosym_pkg_of(const char *name, char *buf, size_t bufsz)
{
	size_t n;

	if (!buf || !bufsz)
		return -1;
	n = (!name || is_synthetic_name(name)) ? 0 : raw_pkg_len(name);
	if (n >= bufsz)
		return -1;
	if (n)
		memcpy(buf, name, n);
	buf[n] = '\0';
	return (int)n;
}

/* Internal variant for modules.c: raw package length, ignoring the
 * synthetic rule (so that a module path that looks synthetic can still be
 * matched against buildinfo), and whether the name looks synthetic. */
size_t gs_raw_pkg_len(const char *name, bool *synthetic)
{
	if (synthetic)
		*synthetic = is_synthetic_name(name);
	return raw_pkg_len(name);
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

/* Decode %xx anywhere (PathToPrefix escapes in every element, '.' only in
 * the last one). A '%' not followed by two hex digits is kept as is. A
 * decoded NUL is kept as "%00" so that the result stays a C string. */
int gosym_unescape(const char *in, char *buf, size_t bufsz)
{
	size_t o = 0;

	if (!buf || !bufsz)
		return -1;
	if (!in)
		in = "";
	while (*in) {
		char c = *in;
		size_t adv = 1;

		if (c == '%' && in[1] && in[2]) {
			int hi = hexval(in[1]), lo = hexval(in[2]);

			if (hi >= 0 && lo >= 0 && (hi || lo)) {
				c = (char)(hi << 4 | lo);
				adv = 3;
			}
		}
		if (o + 1 >= bufsz)
			return -1;
		buf[o++] = c;
		in += adv;
	}
	buf[o] = '\0';
	return (int)o;
}

/*
 * Kind of a package path (unescaped) given the function name it came from
 * (name may be NULL). Attribution (modules.c) refines UNKNOWN/STDLIB into
 * MODULE when a known module covers the package.
 *
 *   SYNTHETIC  name is synthetic (see is_synthetic_name) or pkg is empty
 *   RUNTIME    runtime, runtime/..., and internal/runtime/... (the runtime's
 *              internals moved there in Go 1.21+, including the syscall
 *              stubs: internal/runtime/syscall.Syscall6 in Go 1.23+)
 *   UNKNOWN    "main": user code, which attribution gives to the main module
 *   STDLIB     first path element has no '.' (fmt, net/http, internal/...,
 *              and vendor/... : the standard library's vendored copies)
 *   UNKNOWN    anything else (a path with a domain, but no module known)
 */
uint32_t gosym_classify_pkg(const char *pkg, const char *name)
{
	const char *slash;
	size_t elen;

	if ((name && is_synthetic_name(name)) || !pkg || !*pkg)
		return GOSYM_KIND_SYNTHETIC;
	if (!strcmp(pkg, "runtime") || !strncmp(pkg, "runtime/", 8) ||
	    !strcmp(pkg, "internal/runtime") || !strncmp(pkg, "internal/runtime/", 17))
		return GOSYM_KIND_RUNTIME;
	if (!strcmp(pkg, "main"))
		return GOSYM_KIND_UNKNOWN;
	slash = strchr(pkg, '/');
	elen = slash ? (size_t)(slash - pkg) : strlen(pkg);
	if (!memchr(pkg, '.', elen))
		return GOSYM_KIND_STDLIB;
	return GOSYM_KIND_UNKNOWN;
}
