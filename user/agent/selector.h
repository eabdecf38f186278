/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Selectors: which binaries a policy file of the agent applies to, and the
 * match of a binary's facts against a policy set.
 *
 *   select:                      a list means OR (any selector matches)
 *     - path: /usr/local/bin/web the keys of one selector mean AND
 *       main_module: example.com/app
 *     - sha256: 9f86d0...        (a single mapping is a list of one)
 *
 * Keys: path (fnmatch glob with FNM_PATHNAME, absolute, matched against the
 * executable's resolved path), sha256 (hex of the file), build_id (Go build
 * ID), main_module (the binary's main module), contains_module (buildinfo
 * lists exactly this module). The SHA-256 of a binary is computed only when a
 * selector still undecided by its other keys needs it (nettle, streamed).
 */
#ifndef BPFJAIL_AGENT_SELECTOR_H
#define BPFJAIL_AGENT_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BJ_SHA256_LEN 32
#define BJ_BUILD_ID_MAX 256

struct bj_selector {
	char *path;			/* glob, or NULL */
	bool has_sha256;
	uint8_t sha256[BJ_SHA256_LEN];
	char *build_id;			/* or NULL */
	char *main_module;		/* or NULL */
	char *contains_module;		/* or NULL */
	int line, col;			/* where it was written */
};

/*
 * What the agent knows about one executable. The strings belong to the
 * caller (or to the binfacts after bj_binfacts_set_gosym); sha256 is filled on
 * first need unless the caller set sha256_state = 1 with the digest.
 */
struct bj_binfacts {
	const char *path;		/* absolute, resolved (/proc/PID/exe) */
	const char *build_id;		/* NULL: none */
	const char *main_module;	/* NULL: unknown */
	const char *const *modules;	/* modules listed by buildinfo */
	size_t nmodules;
	int fd;				/* read for the digest when >= 0, else path is opened */
	int sha256_state;		/* 0 not yet, 1 valid, < 0 errno of the failed attempt */
	uint8_t sha256[BJ_SHA256_LEN];
	const char **owned_modules;	/* set by bj_binfacts_set_gosym */
};

struct gosym_binary;
struct bj_policyset;
struct bj_agent_policy;
struct ay;
struct yaml_node_s;

void bj_binfacts_init(struct bj_binfacts *f);	/* empty facts, fd -1 */
/* Take build ID, main module and buildinfo's modules from a loaded binary
 * (pointers into bin, which must outlive f). 0 or -ENOMEM. */
int bj_binfacts_set_gosym(struct bj_binfacts *f, const struct gosym_binary *bin);
void bj_binfacts_clear(struct bj_binfacts *f);
/* The file's digest, computed once. 0 or the negative errno of the read. */
int bj_binfacts_sha256(struct bj_binfacts *f, const uint8_t **out);

/* SHA-256 of a buffer; of a whole file through fd (pread from offset 0,
 * 64 KiB at a time). Return 0 or a negative errno. */
void bj_sha256_buf(const void *buf, size_t len, uint8_t out[BJ_SHA256_LEN]);
int bj_sha256_fd(int fd, uint8_t out[BJ_SHA256_LEN]);
char *bj_sha256_hex(const uint8_t d[BJ_SHA256_LEN], char out[2 * BJ_SHA256_LEN + 1]);
/* 64 hex digits (either case) to bytes. 0 or -EINVAL. */
int bj_sha256_parse(const char *hex, uint8_t out[BJ_SHA256_LEN]);

/* Parse the value of select: (a mapping or a sequence of mappings).
 * Errors "FILE:LINE:COL: problem" through y. */
int bj_selectors_parse(struct ay *y, struct yaml_node_s *n, struct bj_selector **out, size_t *nout);
void bj_selectors_free(struct bj_selector *s, size_t n);

/* One selector against f: 1 match, 0 no match, < 0 the errno of a digest
 * that was needed and could not be computed. */
int bj_selector_match(const struct bj_selector *s, struct bj_binfacts *f);

struct bj_match {
	const struct bj_agent_policy *policy;	/* NULL: no policy matches */
	size_t selector;			/* index of the matching selector in policy->sel */
};

/*
 * The policy for f: policies are tried in the set's order (priority, then
 * file name) and the first with a matching selector wins. Returns 0, or a
 * negative errno when a digest was needed and could not be read: m->policy
 * is then the policy that could not be decided (its fail_mode applies).
 */
int bj_policyset_match(const struct bj_policyset *set, struct bj_binfacts *f, struct bj_match *m);

#endif
