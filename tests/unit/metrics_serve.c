// SPDX-License-Identifier: GPL-2.0
/*
 * A metrics endpoint with the agent's families and known values, for
 * tests/host/metrics_http.sh (curl, promtool, a real Prometheus).
 *
 *   metrics_serve LISTEN
 *
 * Prints "listening PORT" once serving. SIGUSR1: unhealthy, SIGUSR2:
 * healthy again, SIGTERM/SIGINT: stop and exit 0. Exits 1 with the error
 * on stderr when it cannot listen.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "agent/metrics.h"

int main(int argc, char **argv)
{
	struct metrics_server *srv = NULL;
	struct agent_metrics am;
	struct metrics *m;
	char err[256];
	sigset_t set;
	int sig, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: metrics_serve LISTEN\n");
		return 2;
	}
	/* Before any thread: the signals are read with sigwait below. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	m = metrics_new();
	if (!m || agent_metrics_register(m, &am, "test-1.0", "enforce")) {
		fprintf(stderr, "metrics_serve: cannot register the families\n");
		return 1;
	}
	metric_add(am.decisions, METRIC_LABELS("deny", "exec", "example.com/dependency"), 42);
	metric_add(am.decisions, METRIC_LABELS("audit", "connect", "example.com/dependency"), 5);
	metric_inc(am.decisions, METRIC_LABELS("kill", "open-write", "example.com/we\"ird\\mod\nx"));
	metric_inc(am.decisions, METRIC_LABELS("bogus", "exec", "example.com/other"));	/* -> other */
	metric_set(am.jailed, NULL, 3);
	metric_set(am.binaries, NULL, 2);
	metric_inc(am.reloads, METRIC_LABELS("success"));
	metric_inc(am.reloads, METRIC_LABELS("failure"));
	metric_set(am.events_dropped, NULL, 0);
	metric_set(am.stack_truncated, NULL, 11);
	metric_set(am.map_entries, METRIC_LABELS("jails"), 3);
	metric_set(am.map_capacity, METRIC_LABELS("jails"), 16384);
	metric_set(am.map_entries, METRIC_LABELS("ranges"), 1200);
	metric_set(am.map_capacity, METRIC_LABELS("ranges"), 262144);
	metric_inc(am.exec_holds, METRIC_LABELS("jailed"));

	ret = metrics_server_start(m, &(struct metrics_server_opts){ .listen = argv[1] }, &srv, err,
				   sizeof(err));
	if (ret) {
		fprintf(stderr, "metrics_serve: %s\n", err);
		metrics_free(m);
		return 1;
	}
	printf("listening %d\n", metrics_server_port(srv));
	fflush(stdout);

	for (;;) {
		if (sigwait(&set, &sig))
			break;
		if (sig == SIGUSR1)
			metrics_set_health(m, false, "test: told to be unhealthy");
		else if (sig == SIGUSR2)
			metrics_set_health(m, true, NULL);
		else
			break;
	}
	metrics_server_stop(srv);
	metrics_free(m);
	return 0;
}
