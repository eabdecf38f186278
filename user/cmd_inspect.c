// SPDX-License-Identifier: GPL-2.0
/* bpfjail inspect: what the loader sees in a Go binary. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfjail.h"
#include "gosym/gosym.h"
#include "loader.h"

#define MAX_PCS 256
#define MAX_FRAMES 32

static void inspect_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfjail [-j|-p] inspect [OPTIONS] BINARY\n"
		"\n"
		"Show what bpfjail reads from a Go binary: Go version, pclntab format,\n"
		"main module, modules with their function and range counts.\n"
		"\n"
		"  -j, --json        JSON output (schema in docs/inspect.md)\n"
		"      --functions   list every function with its package and module\n"
		"      --ranges      list the range table (PC ranges -> module sets)\n"
		"      --pc ADDR     symbolize ADDR (hex or decimal; repeatable)\n"
		"      --module PATH treat PATH as a module (binaries without buildinfo;\n"
		"                    repeatable)\n");
}

static const char *hex(char *buf, uint64_t v)
{
	sprintf(buf, "0x%" PRIx64, v);
	return buf;
}

static struct json_object *jhex(uint64_t v)
{
	char buf[32];

	return json_object_new_string(hex(buf, v));
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static const char *modname(const struct gosym_binary *bin, int32_t m)
{
	return m >= 0 && (uint32_t)m < bin->nmodules ? bin->modules[m].path : NULL;
}

static struct json_object *frame_json(const struct gosym_binary *bin, const struct gosym_frame *fr)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "function", jstr(fr->name));
	json_object_object_add(o, "package", jstr(fr->pkg));
	json_object_object_add(o, "module", jstr(modname(bin, fr->module)));
	json_object_object_add(o, "kind", jstr(gosym_kind_str(fr->kind)));
	return o;
}

static struct json_object *set_json(const struct gosym_binary *bin, uint32_t set)
{
	struct json_object *a = json_object_new_array();

	for (uint32_t m = 0; m < bin->nmodules; m++)
		if (gosym_set_has(bin, set, m))
			json_object_array_add(a, json_object_new_string(bin->modules[m].path));
	return a;
}

static int inspect_json(const struct gosym_binary *bin, bool funcs, bool ranges,
			const unsigned long long *pcs, int npcs)
{
	struct json_object *root = json_object_new_object(), *o, *a;
	const struct gosym_module *main_mod = NULL;

	for (uint32_t i = 0; i < bin->nmodules; i++)
		if (bin->modules[i].main)
			main_mod = &bin->modules[i];

	json_object_object_add(root, "file", jstr(bin->path));
	json_object_object_add(root, "go_version", jstr(bin->go_version));
	o = json_object_new_object();
	{
		char buf[16];

		sprintf(buf, "0x%08x", bin->magic);
		json_object_object_add(o, "magic", json_object_new_string(buf));
	}
	json_object_object_add(o, "format", jstr(gosym_format_str(bin->format)));
	json_object_object_add(o, "section", jstr(bin->pcln_section));
	json_object_object_add(o, "address", jhex(bin->pcln_addr));
	json_object_object_add(root, "pclntab", o);
	json_object_object_add(root, "main_module", jstr(main_mod ? main_mod->path : NULL));
	json_object_object_add(root, "pie", json_object_new_boolean(bin->pie));
	json_object_object_add(root, "stripped", json_object_new_boolean(bin->stripped));
	json_object_object_add(root, "build_id", jstr(bin->build_id));
	o = json_object_new_object();
	json_object_object_add(o, "start", jhex(bin->text_start));
	json_object_object_add(o, "end", jhex(bin->text_end));
	json_object_object_add(root, "text", o);

	a = json_object_new_array();
	for (uint32_t i = 0; i < bin->nmodules; i++) {
		const struct gosym_module *m = &bin->modules[i];
		struct json_object *mo = json_object_new_object(), *r = NULL;

		json_object_object_add(mo, "path", jstr(m->path));
		json_object_object_add(mo, "version", jstr(m->version));
		if (m->replace_path) {
			r = json_object_new_object();
			json_object_object_add(r, "path", jstr(m->replace_path));
			json_object_object_add(r, "version", jstr(m->replace_version));
		}
		json_object_object_add(mo, "replace", r);
		json_object_object_add(mo, "main", json_object_new_boolean(m->main));
		json_object_object_add(mo, "source",
				       json_object_new_string(m->from_buildinfo ? "buildinfo" : "argument"));
		json_object_object_add(mo, "functions", json_object_new_int64(m->nfuncs));
		json_object_object_add(mo, "ranges", json_object_new_int64(m->nranges));
		json_object_array_add(a, mo);
	}
	json_object_object_add(root, "modules", a);
	json_object_object_add(root, "functions_total", json_object_new_int64(bin->nfuncs));
	json_object_object_add(root, "ranges_total", json_object_new_int64(bin->nranges));

	if (funcs) {
		a = json_object_new_array_ext(bin->nfuncs);
		for (uint32_t i = 0; i < bin->nfuncs; i++) {
			const struct gosym_func *f = &bin->funcs[i];
			struct json_object *fo = json_object_new_object();

			json_object_object_add(fo, "entry", jhex(f->entry));
			json_object_object_add(fo, "end", jhex(f->end));
			json_object_object_add(fo, "name", jstr(f->name));
			json_object_object_add(fo, "package", jstr(f->pkg));
			json_object_object_add(fo, "module", jstr(modname(bin, f->module)));
			json_object_object_add(fo, "kind", jstr(gosym_kind_str(f->kind)));
			json_object_object_add(fo, "frameless",
					       json_object_new_boolean(f->flags & (GOSYM_FN_FRAMELESS_SYSCALL |
										   GOSYM_FN_RA_IN_R12)));
			json_object_object_add(fo, "ra_r12",
					       json_object_new_boolean(f->flags & GOSYM_FN_RA_IN_R12));
			json_object_object_add(fo, "inline",
					       json_object_new_boolean(f->flags & GOSYM_FN_HAS_INLINE));
			json_object_array_add(a, fo);
		}
		json_object_object_add(root, "functions", a);
	}
	if (ranges) {
		a = json_object_new_array_ext(bin->nranges);
		for (uint32_t i = 0; i < bin->nranges; i++) {
			const struct gosym_range *r = &bin->ranges[i];
			struct json_object *ro = json_object_new_object();

			json_object_object_add(ro, "start", jhex(r->start));
			json_object_object_add(ro, "end", jhex(r->end));
			json_object_object_add(ro, "modules", set_json(bin, r->set));
			json_object_array_add(a, ro);
		}
		json_object_object_add(root, "ranges", a);
	}
	if (npcs) {
		a = json_object_new_array();
		for (int i = 0; i < npcs; i++) {
			struct gosym_frame frames[MAX_FRAMES];
			struct json_object *po = json_object_new_object(), *inl;
			int n = gosym_frames_at(bin, pcs[i], frames, MAX_FRAMES);

			json_object_object_add(po, "pc", jhex(pcs[i]));
			if (n <= 0) {
				json_object_object_add(po, "function", NULL);
				json_object_object_add(po, "package", NULL);
				json_object_object_add(po, "module", NULL);
				json_object_object_add(po, "inlined", json_object_new_array());
			} else {
				const struct gosym_frame *phys = &frames[n - 1];

				json_object_object_add(po, "function", jstr(phys->name));
				json_object_object_add(po, "package", jstr(phys->pkg));
				json_object_object_add(po, "module", jstr(modname(bin, phys->module)));
				inl = json_object_new_array();
				for (int k = 0; k < n - 1; k++)
					json_object_array_add(inl, frame_json(bin, &frames[k]));
				json_object_object_add(po, "inlined", inl);
			}
			{
				const struct gosym_range *r = gosym_find_range(bin, pcs[i]);

				json_object_object_add(po, "range_modules",
						       r ? set_json(bin, r->set) : json_object_new_array());
			}
			json_object_array_add(a, po);
		}
		json_object_object_add(root, "pcs", a);
	}
	json_print(root);
	json_object_put(root);
	return EXIT_OK;
}

static void print_set(const struct gosym_binary *bin, uint32_t set)
{
	const char *sep = "";

	for (uint32_t m = 0; m < bin->nmodules; m++) {
		if (gosym_set_has(bin, set, m)) {
			printf("%s%s", sep, bin->modules[m].path);
			sep = ",";
		}
	}
}

static int inspect_text(const struct gosym_binary *bin, bool funcs, bool ranges,
			const unsigned long long *pcs, int npcs)
{
	const struct gosym_module *main_mod = NULL;
	size_t w = strlen("MODULE"), wv = strlen("VERSION");
	char b1[32], b2[32];

	for (uint32_t i = 0; i < bin->nmodules; i++) {
		const struct gosym_module *m = &bin->modules[i];

		if (m->main)
			main_mod = m;
		if (strlen(m->path) > w)
			w = strlen(m->path);
		if (m->version && strlen(m->version) > wv)
			wv = strlen(m->version);
	}

	printf("%-13s %s\n", "file", bin->path);
	printf("%-13s %s\n", "go version", bin->go_version ? bin->go_version : "unknown (no buildinfo)");
	printf("%-13s Go %s (magic 0x%08x, %s at %s)\n", "pclntab", gosym_format_str(bin->format),
	       bin->magic, bin->pcln_section, hex(b1, bin->pcln_addr));
	printf("%-13s %s\n", "main module", main_mod ? main_mod->path : "unknown");
	printf("%-13s %s\n", "pie", bin->pie ? "yes (addresses are relative to the load bias)" : "no");
	printf("%-13s %s\n", "stripped", bin->stripped ? "yes" : "no");
	if (bin->build_id)
		printf("%-13s %s\n", "build id", bin->build_id);
	printf("%-13s %s-%s\n", "text", hex(b1, bin->text_start), hex(b2, bin->text_end));
	printf("%-13s %u\n", "functions", bin->nfuncs);
	printf("%-13s %u\n", "ranges", bin->nranges);
	printf("\n%-*s  %-*s  %7s  %6s  %s\n", (int)w, "MODULE", (int)wv, "VERSION", "FUNCS", "RANGES",
	       "NOTE");
	for (uint32_t i = 0; i < bin->nmodules; i++) {
		const struct gosym_module *m = &bin->modules[i];
		char repl[512] = "";

		if (m->replace_path)
			snprintf(repl, sizeof(repl), "=> %s%s%s", m->replace_path,
				 m->replace_version ? " " : "",
				 m->replace_version ? m->replace_version : "");
		if (m->main)
			snprintf(repl, sizeof(repl), "(main module)");
		else if (!m->from_buildinfo)
			snprintf(repl, sizeof(repl), "(from --module)");
		printf("%-*s  %-*s  %7u  %6u  %s\n", (int)w, m->path, (int)wv,
		       m->version ? m->version : "-", m->nfuncs, m->nranges, repl);
	}

	if (funcs) {
		printf("\n%-18s %-18s %-9s %-9s %s\n", "ENTRY", "END", "KIND", "FLAGS", "FUNCTION (MODULE)");
		for (uint32_t i = 0; i < bin->nfuncs; i++) {
			const struct gosym_func *f = &bin->funcs[i];
			const char *mod = modname(bin, f->module);
			char flags[16];

			snprintf(flags, sizeof(flags), "%s%s",
				 f->flags & GOSYM_FN_RA_IN_R12 ? "ra-r12" :
				 f->flags & GOSYM_FN_FRAMELESS_SYSCALL ? "frameless" : "",
				 f->flags & GOSYM_FN_HAS_INLINE ?
					 (f->flags & (GOSYM_FN_FRAMELESS_SYSCALL | GOSYM_FN_RA_IN_R12) ? "+inl"
											: "inline") : "");
			printf("%-18s %-18s %-9s %-9s %s%s%s%s\n", hex(b1, f->entry), hex(b2, f->end),
			       gosym_kind_str(f->kind), flags[0] ? flags : "-", f->name,
			       mod ? " (" : "", mod ? mod : "", mod ? ")" : "");
		}
	}
	if (ranges) {
		printf("\n%-18s %-18s %s\n", "START", "END", "MODULES");
		for (uint32_t i = 0; i < bin->nranges; i++) {
			const struct gosym_range *r = &bin->ranges[i];

			printf("%-18s %-18s ", hex(b1, r->start), hex(b2, r->end));
			print_set(bin, r->set);
			putchar('\n');
		}
	}
	if (npcs) {
		printf("\n%-18s %s\n", "PC", "FUNCTION (MODULE), innermost first");
		for (int i = 0; i < npcs; i++) {
			struct gosym_frame frames[MAX_FRAMES];
			int n = gosym_frames_at(bin, pcs[i], frames, MAX_FRAMES);

			if (n <= 0) {
				printf("%-18s (no Go function)\n", hex(b1, pcs[i]));
				continue;
			}
			for (int k = 0; k < n; k++) {
				const char *mod = modname(bin, frames[k].module);

				printf("%-18s %s%s (%s)\n", k == 0 ? hex(b1, pcs[i]) : "",
				       k < n - 1 ? "inlined: " : "", frames[k].name,
				       mod ? mod : gosym_kind_str(frames[k].kind));
			}
		}
	}
	return EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "pretty", no_argument, 0, 'p' },
		{ "functions", no_argument, 0, 'F' },
		{ "ranges", no_argument, 0, 'R' },
		{ "pc", required_argument, 0, 'P' },
		{ "module", required_argument, 0, 'M' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	unsigned long long pcs[MAX_PCS];
	const char *mods[256];
	struct gosym_opts gopts = { 0 };
	struct gosym_binary *bin = NULL;
	bool funcs = false, ranges = false;
	int npcs = 0, nmods = 0, c, err;

	while ((c = getopt_long(argc, argv, "jph", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			env.json = true;
			break;
		case 'p':
			env.json = env.pretty = true;
			break;
		case 'F':
			funcs = true;
			break;
		case 'R':
			ranges = true;
			break;
		case 'P':
			if (npcs == MAX_PCS)
				return fail(EXIT_USAGE, "inspect: at most %d --pc", MAX_PCS);
			if (!parse_u64(optarg, &pcs[npcs]))
				return fail(EXIT_USAGE, "inspect: --pc '%s' is not an address", optarg);
			npcs++;
			break;
		case 'M':
			if (nmods == (int)(sizeof(mods) / sizeof(mods[0])))
				return fail(EXIT_USAGE, "inspect: too many --module");
			if (!*optarg)
				return fail(EXIT_USAGE, "inspect: --module needs a module path");
			mods[nmods++] = optarg;
			break;
		case 'h':
			inspect_usage(stdout);
			return EXIT_OK;
		default:
			inspect_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		if (optind >= argc)
			fail(EXIT_USAGE, "inspect: missing BINARY");
		else
			fail(EXIT_USAGE, "inspect: expected one BINARY, got %d arguments", argc - optind);
		if (!env.json)
			inspect_usage(stderr);
		return EXIT_USAGE;
	}
	gopts.extra_modules = mods;
	gopts.nextra_modules = nmods;
	err = load_go_binary(argv[optind], &gopts, &bin);
	if (err)
		return err;
	err = env.json ? inspect_json(bin, funcs, ranges, pcs, npcs)
		       : inspect_text(bin, funcs, ranges, pcs, npcs);
	gosym_close(bin);
	return err;
}
