// SPDX-License-Identifier: GPL-2.0
/*
 * empty_sysenter OBJ: load and attach the first program of OBJ (the
 * tp_btf/sys_enter one of bench/empty_sysenter.bpf.o for bench/sysenter.sh,
 * the lsm/file_open one of bench/empty_lsm.bpf.o for bench/enforce.sh's test
 * d), print "attached", keep it attached until
 * stdin reaches EOF (or SIGTERM/SIGINT), then detach. Nothing is pinned:
 * the program goes away with this process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

static void on_signal(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct sigaction sa = { .sa_handler = on_signal };
	char buf[64];

	if (argc != 2) {
		fprintf(stderr, "usage: empty_sysenter OBJ\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "empty_sysenter: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "empty_sysenter: load: %s\n", strerror(errno));
		return 1;
	}
	prog = bpf_object__next_program(obj, NULL);
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link || libbpf_get_error(link)) {
		fprintf(stderr, "empty_sysenter: attach: %s\n", strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("attached\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}
