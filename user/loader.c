// SPDX-License-Identifier: GPL-2.0
#include "bpfjail.h"
#include "loader.h"

int gosym_exit_code(int gerr)
{
	switch (gerr) {
	case GOSYM_OK:
		return EXIT_OK;
	case GOSYM_E_IO:
	case GOSYM_E_NOT_ELF:
		return EXIT_INPUT;
	case GOSYM_E_NOT_GO:
	case GOSYM_E_CORRUPT:
	case GOSYM_E_UNSUPPORTED:
		return EXIT_NOT_GO;
	default:
		return EXIT_FAIL;
	}
}

int load_go_binary(const char *path, const struct gosym_opts *opts, struct gosym_binary **out)
{
	struct gosym_err gerr = { 0 };
	int err;

	err = gosym_open(path, opts, out, &gerr);
	if (err == GOSYM_OK)
		return EXIT_OK;
	return fail(gosym_exit_code(err), "%s: %s", path,
		    gerr.msg[0] ? gerr.msg : gosym_strerror(err));
}
