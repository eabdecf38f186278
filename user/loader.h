/* SPDX-License-Identifier: GPL-2.0 */
/* Open a Go binary with gosym and turn its errors into bpfjail exit codes. */
#ifndef BPFJAIL_LOADER_H
#define BPFJAIL_LOADER_H

#include "gosym/gosym.h"

/* Map a gosym error code to an exit status (EXIT_INPUT, EXIT_NOT_GO, ...). */
int gosym_exit_code(int gosym_err);

/* gosym_open; on failure prints one line "FILE: problem" via fail() and
 * returns the exit status; 0 on success. */
int load_go_binary(const char *path, const struct gosym_opts *opts, struct gosym_binary **out);

#endif
