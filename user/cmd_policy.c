// SPDX-License-Identifier: GPL-2.0
/*
 * bpfjail policy show: what the policy decides for each module, and why.
 *
 * Lists every module any policy source names, plus (with --binary) every
 * module the binary contains, so typos ("named but not in the binary") and
 * forgotten modules ("in the binary, unconfined by default") both show up.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfjail.h"
#include "gosym/gosym.h"
#include "policy/policy.h"

struct row {
	const char *module;	/* owned by the policy, the binary or the verdict */
	bool in_policy;		/* some source names it exactly */
	bool in_binary;		/* buildinfo lists it, or functions were attributed to it */
	bool buildinfo;
	uint32_t nfuncs;
	const char *version;
	struct bj_verdict v;
};

static void policy_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfjail policy show [--go-mod FILE] [--policy-file FILE]\n"
		"                           [--policy MODULE=confined|unconfined]... [--binary PROG]\n"
		"\n"
		"Print what the policy decides for every module it names and, with\n"
		"--binary, every module PROG contains: confined or not, why, granted\n"
		"classes and path rules. Precedence: --policy > --policy-file > --go-mod.\n"
		"\n"
		"  --go-mod FILE        go.mod with // gomodjail:confined comments\n"
		"  --policy-file FILE   native YAML policy (docs/policy.md)\n"
		"  --policy M=P         override one module (repeatable)\n"
		"  --binary PROG        also list PROG's modules and function counts\n"
		"  -j, --json           JSON output\n");
}

static int policy_fail(int ret, const struct bj_err *err)
{
	if (ret == -ENOMEM)
		return fail(EXIT_FAIL, "out of memory");
	if (ret == -EINVAL)
		return fail(EXIT_USAGE, "%s", err->msg);
	return fail(EXIT_INPUT, "%s", err->msg);
}

static int gosym_fail(const char *path, int code, const struct gosym_err *gerr)
{
	int ex;

	switch (code) {
	case GOSYM_E_NOMEM:
		ex = EXIT_FAIL;
		break;
	case GOSYM_E_IO:
	case GOSYM_E_NOT_ELF:
		ex = EXIT_INPUT;
		break;
	default:
		ex = EXIT_NOT_GO;
		break;
	}
	return fail(ex, "%s: %s", path, gerr->msg[0] ? gerr->msg : gosym_strerror(code));
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->v.main != y->v.main)
		return x->v.main ? -1 : 1;
	return strcmp(x->module, y->module);
}

static char *paths_str(const struct bj_verdict *v)
{
	size_t size = 2;
	char *s, acc[5];

	if (!v->npaths)
		return strdup("-");
	for (size_t i = 0; i < v->npaths; i++)
		size += strlen(v->paths[i].path) + 7;
	s = malloc(size);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < v->npaths; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, v->paths[i].path);
		strcat(s, ":");
		strcat(s, bj_access_str(v->paths[i].access, acc));
	}
	return s;
}

static const char *policy_word(const struct bj_verdict *v)
{
	return v->main ? "main" : v->confined ? "confined" : "unconfined";
}

static int print_table(struct row *rows, size_t n, bool with_binary)
{
	size_t wmod = strlen("MODULE"), wpol = strlen("unconfined"), wfn = strlen("FUNCS");
	size_t wallow = strlen("ALLOW"), wpaths = strlen("PATHS");
	char **allow = calloc(n ? n : 1, sizeof(char *)), **paths = calloc(n ? n : 1, sizeof(char *));
	char fn[16], buf[256];
	int ret = -ENOMEM;

	if (!allow || !paths)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		const struct bj_verdict *v = &rows[i].v;

		allow[i] = strdup(v->confined ? bj_classes_str(v->allow, buf, sizeof(buf)) : "all");
		paths[i] = paths_str(v);
		if (!allow[i] || !paths[i])
			goto cleanup;
		if (strlen(rows[i].module) > wmod)
			wmod = strlen(rows[i].module);
		if (strlen(allow[i]) > wallow)
			wallow = strlen(allow[i]);
		if (strlen(paths[i]) > wpaths)
			wpaths = strlen(paths[i]);
	}
	if (with_binary)
		printf("%-*s  %-*s  %*s  %-*s  %-*s  %s\n", (int)wmod, "MODULE", (int)wpol, "POLICY",
		       (int)wfn + 2, "FUNCS", (int)wallow, "ALLOW", (int)wpaths, "PATHS", "WHY");
	else
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", (int)wmod, "MODULE", (int)wpol, "POLICY",
		       (int)wallow, "ALLOW", (int)wpaths, "PATHS", "WHY");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%-*s  %-*s  ", (int)wmod, r->module, (int)wpol, policy_word(&r->v));
		if (with_binary) {
			if (r->in_binary)
				snprintf(fn, sizeof(fn), "%u", r->nfuncs);
			else
				snprintf(fn, sizeof(fn), "absent");
			printf("%*s  ", (int)wfn + 2, fn);
		}
		printf("%-*s  %-*s  %s\n", (int)wallow, allow[i], (int)wpaths, paths[i], r->v.why);
	}
	ret = 0;
cleanup:
	for (size_t i = 0; i < n; i++) {
		if (allow)
			free(allow[i]);
		if (paths)
			free(paths[i]);
	}
	free(allow);
	free(paths);
	return ret;
}

static struct json_object *jstr_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void print_json(struct row *rows, size_t n, const char *pol_main, const char *pol_where,
		       const char *binary, const char *bin_main, const char **warns, size_t nwarns)
{
	struct json_object *o = json_object_new_object(), *mods = json_object_new_array();
	struct json_object *w = json_object_new_array();

	json_object_object_add(o, "main_module", jstr_or_null(pol_main));
	json_object_object_add(o, "main_module_where", jstr_or_null(pol_where));
	if (binary) {
		struct json_object *b = json_object_new_object();

		json_object_object_add(b, "path", json_object_new_string(binary));
		json_object_object_add(b, "main_module", jstr_or_null(bin_main));
		json_object_object_add(b, "main_module_matches",
				       json_object_new_boolean(!pol_main || !bin_main || strcmp(pol_main, bin_main) == 0));
		json_object_object_add(o, "binary", b);
	}
	for (size_t i = 0; i < nwarns; i++)
		json_object_array_add(w, json_object_new_string(warns[i]));
	json_object_object_add(o, "warnings", w);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct json_object *m = json_object_new_object(), *allow = json_object_new_array();
		struct json_object *paths = json_object_new_array();
		char acc[5];

		json_object_object_add(m, "module", json_object_new_string(r->module));
		json_object_object_add(m, "main", json_object_new_boolean(r->v.main));
		json_object_object_add(m, "confined", json_object_new_boolean(r->v.confined));
		json_object_object_add(m, "why", json_object_new_string(r->v.why));
		for (int c = 0; c < BJ_CLASS__COUNT; c++)
			if (r->v.allow & (1u << c))
				json_object_array_add(allow, json_object_new_string(bj_class_name(c)));
		json_object_object_add(m, "allow", allow);
		for (size_t k = 0; k < r->v.npaths; k++) {
			struct json_object *pr = json_object_new_object();

			json_object_object_add(pr, "path", json_object_new_string(r->v.paths[k].path));
			json_object_object_add(pr, "access",
					       json_object_new_string(bj_access_str(r->v.paths[k].access, acc)));
			json_object_array_add(paths, pr);
		}
		json_object_object_add(m, "paths", paths);
		json_object_object_add(m, "in_policy", json_object_new_boolean(r->in_policy));
		if (binary) {
			json_object_object_add(m, "in_binary", json_object_new_boolean(r->in_binary));
			json_object_object_add(m, "buildinfo", json_object_new_boolean(r->buildinfo));
			json_object_object_add(m, "nfuncs", json_object_new_int64(r->nfuncs));
			json_object_object_add(m, "version", jstr_or_null(r->version));
		}
		json_object_array_add(mods, m);
	}
	json_object_object_add(o, "modules", mods);
	json_print(o);
	json_object_put(o);
}

/* Add a row for mod unless one exists. */
static int add_row(struct row **rows, size_t *n, size_t *cap, const char *mod)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*rows)[i].module, mod) == 0)
			return 0;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct row *r = realloc(*rows, nc * sizeof(*r));

		if (!r)
			return -ENOMEM;
		*rows = r;
		*cap = nc;
	}
	memset(&(*rows)[*n], 0, sizeof(**rows));
	(*rows)[(*n)++].module = mod;
	return 0;
}

static int policy_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "go-mod", required_argument, 0, 'g' },
		{ "policy-file", required_argument, 0, 'f' },
		{ "policy", required_argument, 0, 'P' },
		{ "binary", required_argument, 0, 'b' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	const char *gomod = NULL, *yaml = NULL, *binary = NULL;
	const char *pol_main, *pol_where, *bin_main = NULL;
	const char **names = NULL, **warns = NULL;
	size_t nnames = 0, nwarns = 0, nrows = 0, caprows = 0;
	struct gosym_binary *bin = NULL;
	struct bj_policy pol;
	struct bj_err err = { 0 };
	struct row *rows = NULL;
	char *mismatch = NULL;
	int c, ret, ex = EXIT_OK;

	bj_policy_init(&pol);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
		case 'f':
		case 'b': {
			const char **slot = c == 'g' ? &gomod : c == 'f' ? &yaml : &binary;

			if (*slot) {
				ex = fail(EXIT_USAGE, "policy show: --%s given twice",
					  c == 'g' ? "go-mod" : c == 'f' ? "policy-file" : "binary");
				goto cleanup;
			}
			*slot = optarg;
			break;
		}
		case 'P':
			ret = bj_policy_add_override(&pol, optarg, &err);
			if (ret) {
				ex = policy_fail(ret, &err);
				goto cleanup;
			}
			break;
		case 'j':
			env.json = true;
			break;
		case 'h':
			policy_usage(stdout);
			goto cleanup;
		default:
			policy_usage(stderr);
			ex = EXIT_USAGE;
			goto cleanup;
		}
	}
	if (optind < argc) {
		ex = fail(EXIT_USAGE, "policy show: unexpected argument '%s'", argv[optind]);
		goto cleanup;
	}
	if (gomod && (ret = bj_policy_load_gomod(&pol, gomod, &err))) {
		ex = policy_fail(ret, &err);
		goto cleanup;
	}
	if (yaml && (ret = bj_policy_load_yaml(&pol, yaml, &err))) {
		ex = policy_fail(ret, &err);
		goto cleanup;
	}
	if ((ret = bj_policy_check(&pol, &err))) {
		ex = policy_fail(ret, &err);
		goto cleanup;
	}
	pol_main = bj_policy_main_module(&pol, &pol_where);
	if (bj_policy_modules(&pol, &names, &nnames) || bj_policy_warnings(&pol, &warns, &nwarns))
		goto nomem;

	if (binary) {
		/* Name the policy's modules too: binaries without buildinfo still get counts. */
		struct gosym_opts gopts = {
			.extra_modules = names,
			.nextra_modules = nnames,
			.no_ranges = true,
		};
		struct gosym_err gerr = { 0 };

		ret = gosym_open(binary, &gopts, &bin, &gerr);
		if (ret) {
			ex = gosym_fail(binary, ret, &gerr);
			goto cleanup;
		}
		for (uint32_t i = 0; i < bin->nmodules; i++)
			if (bin->modules[i].main)
				bin_main = bin->modules[i].path;
	}

	if (pol_main && add_row(&rows, &nrows, &caprows, pol_main))
		goto nomem;
	if (bin_main && add_row(&rows, &nrows, &caprows, bin_main))
		goto nomem;
	for (size_t i = 0; i < nnames; i++)
		if (add_row(&rows, &nrows, &caprows, names[i]))
			goto nomem;
	for (uint32_t i = 0; bin && i < bin->nmodules; i++)
		if ((bin->modules[i].from_buildinfo || bin->modules[i].nfuncs) &&
		    add_row(&rows, &nrows, &caprows, bin->modules[i].path))
			goto nomem;

	for (size_t i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		for (size_t k = 0; k < nnames && !r->in_policy; k++)
			r->in_policy = strcmp(names[k], r->module) == 0;
		for (uint32_t k = 0; bin && k < bin->nmodules; k++) {
			const struct gosym_module *m = &bin->modules[k];

			if (strcmp(m->path, r->module) != 0)
				continue;
			r->in_binary |= m->from_buildinfo || m->nfuncs;
			r->buildinfo |= m->from_buildinfo;
			r->nfuncs += m->nfuncs;
			if (m->version && !r->version)
				r->version = m->version;
		}
		/* The binary's main module is the one that is never confined. */
		ret = bj_resolve_one(&pol, bin_main ? bin_main : pol_main, r->module, &r->v);
		if (ret)
			goto nomem;
	}
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), cmp_row);

	if (pol_main && bin_main && strcmp(pol_main, bin_main) != 0) {
		mismatch = NULL;
		if (asprintf(&mismatch, "main module mismatch: the policy is for %s (%s) but %s is %s; 'bpfjail run' will refuse it",
			     pol_main, pol_where, binary, bin_main) < 0)
			goto nomem;
	}
	if (mismatch) {
		const char **w = realloc(warns, (nwarns + 1) * sizeof(*w));

		if (!w)
			goto nomem;
		warns = w;
		warns[nwarns++] = mismatch;
	}

	if (env.json) {
		print_json(rows, nrows, pol_main, pol_where, binary, bin_main, warns, nwarns);
	} else {
		for (size_t i = 0; i < nwarns; i++)
			warnx_("%s", warns[i]);
		if (print_table(rows, nrows, binary != NULL))
			goto nomem;
	}
	goto cleanup;
nomem:
	ex = fail(EXIT_FAIL, "out of memory");
cleanup:
	for (size_t i = 0; i < nrows; i++)
		bj_verdict_clear(&rows[i].v);
	free(rows);
	free(names);
	free(warns);
	free(mismatch);
	if (bin)
		gosym_close(bin);
	bj_policy_free(&pol);
	return ex;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2) {
		policy_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "show") == 0)
		return policy_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		policy_usage(stdout);
		return EXIT_OK;
	}
	return fail(EXIT_USAGE, "policy: unknown subcommand '%s' (try 'bpfjail policy --help')", argv[1]);
}
