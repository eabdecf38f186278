/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Watching the policy directory: an inotify descriptor for the agent's poll
 * loop and a debounce, so that an editor's write-rename-chmod sequence, or a
 * configuration manager dropping twenty files, is one reload.
 *
 *   bj_watch_open(&w, dir, 200);
 *   poll: { w.fd, POLLIN } with timeout bj_watch_timeout(&w, now)
 *   on POLLIN: bj_watch_read(&w, now)
 *   if (bj_watch_due(&w, now)) reload (and reopen if w.dir_gone)
 *
 * Times are CLOCK_MONOTONIC milliseconds (bj_now_ms), passed in so tests can
 * drive the debounce without sleeping.
 */
#ifndef BPFJAIL_AGENT_WATCH_H
#define BPFJAIL_AGENT_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define BJ_WATCH_DEBOUNCE_MS 200
#define BJ_WATCH_MAX_DELAY_FACTOR 10	/* a steady trickle still reloads after 10 x debounce */

struct bj_watch {
	int fd;			/* inotify, non-blocking, close-on-exec; -1 when closed */
	int wd;
	uint32_t debounce_ms;
	bool pending;		/* a relevant change not yet reported by bj_watch_due */
	bool dir_gone;		/* the directory was removed or renamed: reopen the watch */
	uint64_t first_ms;	/* first event of the pending burst */
	uint64_t last_ms;	/* latest event */
};

uint64_t bj_now_ms(void);
/* 0 or a negative errno (w->fd is then -1). debounce_ms 0 means the default. */
int bj_watch_open(struct bj_watch *w, const char *dir, uint32_t debounce_ms);
void bj_watch_close(struct bj_watch *w);
/* Drain w->fd. Returns how many relevant events it held (0 when only other
 * files changed), or a negative errno. */
int bj_watch_read(struct bj_watch *w, uint64_t now_ms);
/* Milliseconds until bj_watch_due turns true: -1 when nothing is pending
 * (poll's "no timeout"), 0 when due. */
int bj_watch_timeout(const struct bj_watch *w, uint64_t now_ms);
/* True once the burst has been quiet for debounce_ms (or has lasted
 * BJ_WATCH_MAX_DELAY_FACTOR times that); clears pending. */
bool bj_watch_due(struct bj_watch *w, uint64_t now_ms);

#endif
