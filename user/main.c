// SPDX-License-Identifier: GPL-2.0
/* bpfjail: confine Go modules with BPF. Command table in bpftool style. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfjail.h"

struct bpfjail_env env = { .prog = "bpfjail" };

int fail(int code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (env.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(buf));
		json_print(o);
		json_object_put(o);
	} else {
		fprintf(stderr, "bpfjail: %s\n", buf);
	}
	return code;
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	fputs("bpfjail: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void json_print(struct json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= env.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			    : JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(obj, flags));
}

bool parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0';
}

static int cmd_help(int argc, char **argv);

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} cmds[] = {
	{ "inspect", cmd_inspect, "show a Go binary's modules, functions and range table" },
	{ "run", cmd_run, "run a Go program with confined modules jailed" },
	{ "attach", cmd_attach, "jail a running Go process" },
	{ "detach", cmd_detach, "end a process's jail" },
	{ "list", cmd_list, "show jailed processes and their counters" },
	{ "unload", cmd_unload, "remove bpfjail's programs from the kernel" },
	{ "agent", cmd_agent, "jail matching binaries host-wide; metrics and events" },
	{ "probe", cmd_probe, "report which BPF features this kernel offers" },
	{ "policy", cmd_policy, "show which modules a policy confines, and why" },
	{ "help", cmd_help, "this text" },
	{ 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bpfjail [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Confine third-party Go modules inside a process with BPF.\n"
		"\n"
		"Commands:\n");
	for (const struct cmd *c = cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -j, --json     JSON output (errors as {\"error\": ...})\n"
		"  -p, --pretty   pretty-printed JSON (implies -j)\n"
		"  -v, --verbose  timings and libbpf warnings on stderr (-vv: libbpf debug)\n"
		"  -V, --version  print the version\n"
		"  -h, --help     this text\n"
		"\n"
		"Run 'bpfjail COMMAND --help' for a command's options. Exit statuses:\n"
		"0 ok, 1 failure, 2 usage/policy error, 3 bad input file, 4 not a Go\n"
		"binary or corrupt Go tables, 5 kernel feature missing, 6 process error.\n");
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "pretty", no_argument, 0, 'p' },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c;

	/* '+': stop at the command name; commands parse their own options. */
	while ((c = getopt_long(argc, argv, "+jpvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			env.json = true;
			break;
		case 'p':
			env.json = env.pretty = true;
			break;
		case 'v':
			env.verbose++;
			break;
		case 'V':
			printf("bpfjail %s\n", BPFJAIL_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (const struct cmd *cmd = cmds; cmd->name; cmd++) {
		if (strcmp(cmd->name, argv[optind]) == 0) {
			int rest = argc - optind;

			optind = 0; /* reset getopt for the command (GNU: 0 reinitializes) */
			return cmd->fn(rest, argv + argc - rest);
		}
	}
	return fail(EXIT_USAGE, "unknown command '%s' (try 'bpfjail help')", argv[optind]);
}
