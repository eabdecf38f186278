// SPDX-License-Identifier: GPL-2.0
/* inotify on the policy directory, with a debounce (watch.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "watch.h"

/*
 * IN_MOVED_FROM and IN_DELETE: a file renamed away or deleted takes its
 * policy with it. IN_ATTRIB: a chmod g+w or chown makes a file untrusted.
 * The *_SELF events: the directory itself went away.
 */
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

uint64_t bj_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int bj_watch_open(struct bj_watch *w, const char *dir, uint32_t debounce_ms)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->debounce_ms = debounce_ms ? debounce_ms : BJ_WATCH_DEBOUNCE_MS;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	w->wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (w->wd < 0) {
		ret = -errno;
		close(w->fd);
		w->fd = -1;
		return ret;
	}
	return 0;
}

void bj_watch_close(struct bj_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->pending = false;
}

static bool relevant(const struct inotify_event *ev, struct bj_watch *w)
{
	if (ev->mask & (IN_Q_OVERFLOW))
		return true;	/* events were lost: assume anything changed */
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
		w->dir_gone = true;
		return true;
	}
	if (ev->len == 0)
		return true;	/* the directory's own attributes (chmod, chown) */
	/* A new "x.yaml.tmp" is nothing until it is renamed to "x.yaml". */
	return bj_policy_file_name(ev->name);
}

int bj_watch_read(struct bj_watch *w, uint64_t now_ms)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int count = 0;

	if (w->fd < 0)
		return -EBADF;
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (!relevant(ev, w))
				continue;
			count++;
			if (!w->pending) {
				w->pending = true;
				w->first_ms = now_ms;
			}
			w->last_ms = now_ms;
		}
	}
	return count;
}

static uint64_t due_at(const struct bj_watch *w)
{
	uint64_t quiet = w->last_ms + w->debounce_ms;
	uint64_t cap = w->first_ms + (uint64_t)w->debounce_ms * BJ_WATCH_MAX_DELAY_FACTOR;

	return quiet < cap ? quiet : cap;
}

int bj_watch_timeout(const struct bj_watch *w, uint64_t now_ms)
{
	uint64_t at;

	if (!w->pending)
		return -1;
	at = due_at(w);
	if (at <= now_ms)
		return 0;
	return at - now_ms > INT_MAX ? INT_MAX : (int)(at - now_ms);
}

bool bj_watch_due(struct bj_watch *w, uint64_t now_ms)
{
	if (!w->pending || due_at(w) > now_ms)
		return false;
	w->pending = false;
	return true;
}
