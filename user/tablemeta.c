// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tablemeta.h"

static void meta_path(const struct bj_kernel *k, uint32_t id, char *buf, size_t len, bool dir_only)
{
	const char *hash = strrchr(k->dir, '/');

	hash = hash ? hash + 1 : "default";
	if (dir_only)
		snprintf(buf, len, "/run/bpfjail/%s", hash);
	else
		snprintf(buf, len, "/run/bpfjail/%s/table-%u.json", hash, id);
}

/* Where the policy came from, for `list`: "--go-mod /abs/go.mod; --policy-file
 * /abs/p.yaml; --policy MOD=confined ...". File names are made absolute here,
 * where the relative name still means something. */
static void policy_sources(const struct bj_policy *p, char *buf, size_t len)
{
	const struct bj_ruleset *files[2] = { p->gomod, p->yaml };
	const char *opts[2] = { "--go-mod", "--policy-file" };
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...) do { if (n < len) n += snprintf(buf + n, len - n, __VA_ARGS__); } while (0)
	for (int i = 0; i < 2; i++) {
		char abs[PATH_MAX];

		if (!files[i])
			continue;
		ADD("%s%s %s", n ? "; " : "", opts[i],
		    files[i]->name && realpath(files[i]->name, abs) ? abs : files[i]->name ? files[i]->name : "?");
	}
	if (p->cmdline)
		for (size_t i = 0; i < p->cmdline->nrules; i++)
			ADD("%s--policy %s=%s", n ? (i ? " " : "; ") : "", p->cmdline->rules[i].module,
			    p->cmdline->rules[i].confined ? "confined" : "unconfined");
#undef ADD
	if (!buf[0])
		snprintf(buf, len, "?");
}

int tablemeta_write(const struct bj_kernel *k, uint32_t id, const char *exe,
		    const char *policy_desc, const struct run_policy *rp, uint32_t mode, pid_t owner)
{
	char sources[2048];

	static const char *const modes[] = { "enforce", "audit", "kill" };
	struct json_object *o = json_object_new_object(), *mods = json_object_new_array();
	char path[256], tmp[300];
	int ret = 0;

	mkdir("/run", 0755);
	mkdir("/run/bpfjail", 0700);
	meta_path(k, id, path, sizeof(path), true);
	mkdir(path, 0700);
	meta_path(k, id, path, sizeof(path), false);

	json_object_object_add(o, "exe", json_object_new_string(exe));
	policy_sources(&rp->policy, sources, sizeof(sources));
	json_object_object_add(o, "policy", json_object_new_string(sources));
	json_object_object_add(o, "command", json_object_new_string(policy_desc));
	json_object_object_add(o, "mode", json_object_new_string(mode < 3 ? modes[mode] : "?"));
	json_object_object_add(o, "owner", json_object_new_int(owner));
	for (size_t i = 0; i < rp->nverdicts; i++)
		if (rp->tb.module_group && rp->tb.module_group[i] >= 0)
			json_object_array_add(mods, json_object_new_string(rp->verdicts[i].module));
	json_object_object_add(o, "confined", mods);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN) || rename(tmp, path))
		ret = -errno ?: -EIO;
	json_object_put(o);
	return ret;
}

struct json_object *tablemeta_read(const struct bj_kernel *k, uint32_t id)
{
	char path[256];

	meta_path(k, id, path, sizeof(path), false);
	if (access(path, R_OK))
		return NULL;
	return json_object_from_file(path);
}

void tablemeta_remove(const struct bj_kernel *k, uint32_t id)
{
	char path[256];

	meta_path(k, id, path, sizeof(path), false);
	unlink(path);
}
