// SPDX-License-Identifier: GPL-2.0
/* --policy MOD=confined|unconfined: the highest-precedence rule source. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int bj_cmdline_add(struct bj_ruleset *rs, const char *arg, struct bj_err *err)
{
	const char *eq = strchr(arg, '=');
	struct bj_rule *r;
	bool confined;
	char *mod;
	long old;

	if (!eq || eq == arg)
		return bj_errf(err, 0, 0, "--policy '%.200s': expected MODULE=confined or MODULE=unconfined", arg);
	if (strcmp(eq + 1, "confined") == 0)
		confined = true;
	else if (strcmp(eq + 1, "unconfined") == 0)
		confined = false;
	else
		return bj_errf(err, 0, 0, "--policy '%.200s': unknown policy '%.64s' (expected confined or unconfined)",
			       arg, eq + 1);
	mod = strndup(arg, eq - arg);
	if (!mod)
		return -ENOMEM;
	if (!bj_module_path_valid(mod)) {
		free(mod);
		return bj_errf(err, 0, 0, "--policy '%.200s': invalid module path", arg);
	}
	/* Later options override earlier ones, as usual on a command line. */
	old = bj_ruleset_find(rs, mod);
	if (old >= 0)
		bj_ruleset_del(rs, old);
	r = bj_ruleset_add(rs, mod, bj_asprintf("--policy %s=%s", mod, confined ? "confined" : "unconfined"));
	free(mod);
	if (!r)
		return -ENOMEM;
	r->confined = confined;
	return 0;
}
