/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's configuration: its own file (bpfjail agent --config FILE) and
 * the policy directory, one policy per *.yaml file. Pure C (libyaml; nettle
 * through selector.h); no BPF. Schema: docs/operations.md, "Configuration".
 *
 * Every file the agent trusts (the config, the policy directory, each policy
 * file) must be owned by root, not writable by group or others, not a
 * symbolic link, and every directory above it must be root's and not
 * writable by anyone else (unless sticky, like /tmp): a policy an
 * unprivileged user can edit is a bypass. Files are opened with O_NOFOLLOW
 * and judged by fstat on the descriptor that is then read, so a swap between
 * the check and the read cannot feed the agent another file.
 *
 * Errors are negative errnos with struct bj_err: -EINVAL with
 * "FILE:LINE:COL: problem" for a bad document, -EPERM with "WHAT PATH:
 * problem" for a file that cannot be trusted, or the errno of a failed
 * open/read with "WHAT PATH: strerror".
 */
#ifndef BPFJAIL_AGENT_CONFIG_H
#define BPFJAIL_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "selector.h"

#define BJ_AGENT_CONFIG_DEFAULT "/etc/bpfjail/agent.yaml"
#define BJ_AGENT_LISTEN_DEFAULT "127.0.0.1:9477"
#define BJ_AGENT_EVENTS_DEFAULT "stdout"
#define BJ_AGENT_POLICY_DIR_DEFAULT "/etc/bpfjail/policies.d"
#define BJ_AGENT_EVENTS_BURST_DEFAULT 5		/* eventlog.c's defaults */
#define BJ_AGENT_EVENTS_WINDOW_MS_DEFAULT 10000
#define BJ_AGENT_HOLD_MS_DEFAULT 500
#define BJ_AGENT_HOLD_MS_MAX 60000
#define BJ_AGENT_MAX_BINARIES_DEFAULT 65536	/* BJ_MAX_BINARIES in bpf/jail.h */
#define BJ_AGENT_MAX_BINARIES_MAX (1 << 22)
#define BJ_AGENT_PRIORITY_MAX 1000000
#define BJ_AGENT_FILE_MAX (1u << 20)		/* config and policy files: 1 MiB */

/* Each enum has an UNSET 0: in a policy file, "use the config's default". */
enum bj_agent_mode {
	BJ_AGENT_MODE_UNSET = 0,
	BJ_AGENT_MODE_AUTO,	/* enforce with BPF LSM, else kill (as bpfjail run) */
	BJ_AGENT_MODE_ENFORCE,
	BJ_AGENT_MODE_KILL,
	BJ_AGENT_MODE_AUDIT,
};

enum bj_agent_unknown {
	BJ_AGENT_UNKNOWN_UNSET = 0,
	BJ_AGENT_UNKNOWN_DENY,	/* stack not fully readable: deny */
	BJ_AGENT_UNKNOWN_ALLOW,
};

/* A matching process whose table is not loaded within hold_timeout_ms. */
enum bj_agent_fail {
	BJ_AGENT_FAIL_UNSET = 0,
	BJ_AGENT_FAIL_DENY,	/* kill it */
	BJ_AGENT_FAIL_ALLOW,	/* let it run unjailed, and count it */
};

struct bj_agent_settings {
	int mode;		/* enum bj_agent_mode */
	int on_unknown;		/* enum bj_agent_unknown */
	int fail_mode;		/* enum bj_agent_fail */
	uint32_t hold_timeout_ms;
};

struct bj_agent_config {
	char *file;			/* where it was read from; NULL for built-in defaults */
	char *listen;			/* metrics "HOST:PORT"; NULL when metrics: {listen: off} */
	char listen_host[64];		/* "127.0.0.1", "::1" (no brackets) */
	uint16_t listen_port;
	char *events;			/* "stdout" or an absolute file path */
	uint32_t events_burst;		/* decision lines per (binary, module, op) at once; UINT32_MAX: no limit */
	uint32_t events_window_ms;	/* time to refill the burst */
	char *policy_dir;
	struct bj_agent_settings defaults;	/* every field set */
	uint32_t max_binaries;
};

/* Who may own trusted files. NULL means { .owner = 0 }. Tests that run
 * unprivileged pass their own uid; directories above may always be root's. */
struct bj_trust {
	uid_t owner;
};

const char *bj_agent_mode_name(int mode);
const char *bj_agent_unknown_name(int v);
const char *bj_agent_fail_name(int v);

int bj_agent_config_init(struct bj_agent_config *c);	/* built-in defaults; 0 or -ENOMEM */
void bj_agent_config_free(struct bj_agent_config *c);
/* Parse a config document over c (fields it does not name keep their values). */
int bj_agent_config_parse(struct bj_agent_config *c, const char *name, const char *buf, size_t len,
			  struct bj_err *err);
/* Read the trusted file path and parse it over c (normally fresh from init). */
int bj_agent_config_load(struct bj_agent_config *c, const char *path, const struct bj_trust *t,
			 struct bj_err *err);

/*
 * Trusted reads. what names the file in messages ("config file", "policy
 * file"). bj_trusted_read opens name relative to dirfd (AT_FDCWD for a plain
 * path); display is the path for messages (NULL: name). *buf is
 * NUL-terminated; st (optional) gets the fstat of what was read.
 */
int bj_trusted_read(int dirfd, const char *name, const char *display, const char *what,
		    const struct bj_trust *t, char **buf, size_t *len, struct stat *st,
		    struct bj_err *err);
/* Open a trusted directory (O_DIRECTORY|O_NOFOLLOW); returns the fd or a negative errno. */
int bj_trusted_dir_open(const char *path, const char *what, const struct bj_trust *t,
			struct bj_err *err);

/* One policy file. Shared between loads by reference count. */
struct bj_agent_policy {
	int refs;
	char *file;			/* "/etc/bpfjail/policies.d/web.yaml" */
	char *name;			/* "web.yaml": the key across reloads */
	long priority;			/* higher is tried first; default 0 */
	struct bj_selector *sel;	/* OR of these */
	size_t nsel;
	int mode;			/* enum bj_agent_mode, UNSET: the config's */
	int on_unknown;			/* enum bj_agent_unknown, UNSET: the config's */
	int fail_mode;			/* enum bj_agent_fail, UNSET: the config's */
	struct bj_ruleset *rules;	/* the native policy under policy: */
	uint8_t digest[BJ_SHA256_LEN];	/* of the file's bytes: changed or only touched */
};

/* Parse one policy file's content; file names it in messages and ->file. */
int bj_agent_policy_parse(const char *file, const char *buf, size_t len,
			  struct bj_agent_policy **out, struct bj_err *err);
struct bj_agent_policy *bj_agent_policy_get(struct bj_agent_policy *p);
void bj_agent_policy_put(struct bj_agent_policy *p);
/* The config's defaults with p's overrides (p may be NULL). */
void bj_agent_settings_for(const struct bj_agent_config *c, const struct bj_agent_policy *p,
			   struct bj_agent_settings *out);

/* A policy file that could not be used. */
struct bj_policy_error {
	char *name;			/* "x.yaml" */
	int err;			/* negative errno */
	char *msg;			/* "/etc/.../x.yaml:3:7: unknown key 'selct' ..." */
	bool kept;			/* set by merge: the previous version stays in force */
};

struct bj_policyset {
	char *dir;
	struct bj_agent_policy **pols;	/* match order: priority descending, then name */
	size_t npols;
	struct bj_policy_error *errs;	/* name order */
	size_t nerrs;
};

/*
 * Load every policy file of dir: names ending in ".yaml" and not starting
 * with "." (editors' temporaries, "x.yaml~", "x.yaml.swp" are ignored). A bad
 * file goes to ->errs and the others load. Fails as a whole (negative errno,
 * err set) only when the directory itself cannot be trusted or read, or on
 * ENOMEM.
 */
int bj_policyset_load(const char *dir, const struct bj_trust *t, struct bj_policyset **out,
		      struct bj_err *err);
void bj_policyset_free(struct bj_policyset *s);
const struct bj_agent_policy *bj_policyset_find(const struct bj_policyset *s, const char *name);

enum bj_policy_change_kind {
	BJ_POLICY_ADDED,	/* new good file */
	BJ_POLICY_CHANGED,	/* good, and its bytes differ from the previous version */
	BJ_POLICY_REMOVED,	/* gone from the directory (its policy goes too) */
	BJ_POLICY_KEPT,		/* bad now; the previous version stays in force */
	BJ_POLICY_REJECTED,	/* bad, and no previous version to keep */
};

struct bj_policy_change {
	int kind;		/* enum bj_policy_change_kind */
	char *name;
	char *msg;		/* the error for KEPT and REJECTED, else NULL */
};

const char *bj_policy_change_name(int kind);

/*
 * After loading next, carry over from prev (the set in force, may be NULL)
 * the previous version of every file that is bad in next, so a broken edit
 * never unjails anything; such errors get ->kept. A file deleted from the
 * directory is dropped. prev is left as it was (policies are shared by
 * reference). If chg is non-NULL it gets what changed, by name (unchanged
 * files are not listed); free with bj_policy_changes_free. Sets whose dirs
 * differ share nothing. 0 or -ENOMEM (next is then unchanged).
 */
int bj_policyset_merge(struct bj_policyset *next, const struct bj_policyset *prev,
		       struct bj_policy_change **chg, size_t *nchg);
void bj_policy_changes_free(struct bj_policy_change *c, size_t n);

/* Does this directory entry name a policy file? */
bool bj_policy_file_name(const char *name);

#endif
