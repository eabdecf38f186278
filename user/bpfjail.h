/* SPDX-License-Identifier: GPL-2.0 */
/* Things every command shares: exit codes, output mode, error reporting. */
#ifndef BPFJAIL_H
#define BPFJAIL_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Exit statuses (docs/bpfjail.md lists them; tests assert them). `run` passes
 * the program's own status through once the program has started.
 */
enum bpfjail_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* internal or unexpected failure (out of memory, libbpf error) */
	EXIT_USAGE = 2,		/* bad command line, bad policy, policy/binary mismatch */
	EXIT_INPUT = 3,		/* input file missing, unreadable, a directory, empty, not ELF */
	EXIT_NOT_GO = 4,	/* ELF without Go tables, or Go tables corrupt */
	EXIT_KERNEL = 5,	/* kernel lacks what was required (BPF LSM for --require enforce, BTF) */
	EXIT_PROCESS = 6,	/* no such process / cannot be attached */
	EXIT_EXEC_FAIL = 126,	/* run: PROG found but could not be executed */
	EXIT_NOT_FOUND = 127,	/* run: PROG not found */
};

/* Global options, set by main(). */
struct bpfjail_env {
	bool json;		/* -j/--json */
	bool pretty;		/* -p/--pretty (implies json) */
	int verbose;		/* -v: libbpf debug output */
	const char *prog;	/* argv[0] basename for messages */
};
extern struct bpfjail_env env;

/*
 * Report an error: one line "bpfjail: <msg>" on stderr, or {"error": "<msg>"}
 * on stdout in JSON mode. Returns code so callers can `return fail(...)`.
 */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a json-c object according to env (pretty or plain), with a newline. */
struct json_object;
void json_print(struct json_object *obj);

/* Parse a hex ("0x...") or decimal address; false on garbage. */
bool parse_u64(const char *s, unsigned long long *out);

/* Commands: int cmd_NAME(int argc, char **argv), argv[0] is the command. */
int cmd_inspect(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_agent(int argc, char **argv);

#endif
