// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfjail.h"
#include "loader.h"
#include "runpolicy.h"

void run_policy_init(struct run_policy *rp)
{
	memset(rp, 0, sizeof(*rp));
	bj_policy_init(&rp->policy);
}

void run_policy_free(struct run_policy *rp)
{
	if (rp->have_tb)
		bj_tablebuild_free(&rp->tb);
	if (rp->verdicts)
		bj_verdicts_free(rp->verdicts, rp->nverdicts);
	if (rp->bin)
		gosym_close(rp->bin);
	bj_policy_free(&rp->policy);
	memset(rp, 0, sizeof(*rp));
}

static int policy_fail(int ret, const struct bj_err *e, const char *what)
{
	if (ret == -ENOMEM)
		return fail(EXIT_FAIL, "%s: out of memory", what);
	/* A policy file that cannot be read is bad input (as in `policy
	 * show`); one that reads but says something wrong is a policy error. */
	return fail(ret == -EINVAL ? EXIT_USAGE : EXIT_INPUT, "%s", e->msg[0] ? e->msg : what);
}

int run_policy_option(struct run_policy *rp, int c, const char *arg)
{
	struct bj_err e = { 0 };
	int ret;

	switch (c) {
	case 'g':
		ret = bj_policy_load_gomod(&rp->policy, arg, &e);
		break;
	case 'f':
		ret = bj_policy_load_yaml(&rp->policy, arg, &e);
		break;
	case 'P':
		ret = bj_policy_add_override(&rp->policy, arg, &e);
		break;
	default:
		return fail(EXIT_FAIL, "internal: policy option %c", c);
	}
	if (ret)
		return policy_fail(ret, &e, arg);
	rp->any_source = true;
	return 0;
}

int run_policy_resolve(struct run_policy *rp, const char *prog, bool force, uint32_t mode,
		       uint32_t on_unknown)
{
	struct gosym_opts gopts = { 0 };
	struct bj_err e = { 0 };
	const char **mods = NULL, **names = NULL, *want, *where = NULL, *have = NULL;
	size_t nmods = 0;
	char err[512] = "";
	int ret;

	if (!rp->any_source)
		return fail(EXIT_USAGE, "no policy: give --go-mod, --policy-file or --policy MOD=confined");
	ret = bj_policy_check(&rp->policy, &e);
	if (ret)
		return policy_fail(ret, &e, "policy");
	ret = bj_policy_modules(&rp->policy, &mods, &nmods);
	if (ret)
		return fail(EXIT_FAIL, "policy: %s", strerror(-ret));

	/* Modules named by the policy also attribute code in binaries that
	 * lack buildinfo (stripped of it, or built outside module mode). */
	gopts.extra_modules = mods;
	gopts.nextra_modules = nmods;
	if (rp->display) {
		struct gosym_err gerr = { 0 };

		ret = gosym_open(prog, &gopts, &rp->bin, &gerr);
		free(mods);
		if (ret)
			return fail(gosym_exit_code(ret), "%s: not a readable Go binary: %s", rp->display,
				    gerr.msg[0] ? gerr.msg : gosym_strerror(ret));
	} else {
		ret = load_go_binary(prog, &gopts, &rp->bin);
		free(mods);
		if (ret)
			return ret;
	}

	for (uint32_t i = 0; i < rp->bin->nmodules; i++)
		if (rp->bin->modules[i].main)
			have = rp->bin->modules[i].path;
	want = bj_policy_main_module(&rp->policy, &where);
	if (want && have && strcmp(want, have) != 0) {
		if (!force)
			return fail(EXIT_USAGE,
				    "%s: the policy is for module %s (%s) but the binary's main module is %s "
				    "(use --force to run anyway)", rp->display ? rp->display : prog, want, where ? where : "policy", have);
		warnx_("%s: policy module %s differs from the binary's main module %s (--force)",
		       rp->display ? rp->display : prog, want, have);
	}

	names = calloc(rp->bin->nmodules ? rp->bin->nmodules : 1, sizeof(*names));
	if (!names)
		return fail(EXIT_FAIL, "out of memory");
	for (uint32_t i = 0; i < rp->bin->nmodules; i++)
		names[i] = rp->bin->modules[i].path;
	ret = bj_resolve(&rp->policy, have, names, rp->bin->nmodules, &rp->verdicts);
	free(names);
	if (ret)
		return fail(EXIT_FAIL, "policy resolution: %s", strerror(-ret));
	rp->nverdicts = rp->bin->nmodules;

	ret = bj_table_build(rp->bin, rp->verdicts, prog, mode, on_unknown, &rp->tb, err, sizeof(err));
	if (ret)
		return fail(ret == -ENOMEM ? EXIT_FAIL : ret == -E2BIG ? EXIT_USAGE : EXIT_NOT_GO, "%s: %s",
			    rp->display ? rp->display : prog, err);
	rp->have_tb = true;
	for (uint32_t i = 0; i < rp->tb.nwarnings; i++)
		warnx_("%s", rp->tb.warnings[i]);
	return 0;
}
