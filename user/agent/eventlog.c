// SPDX-License-Identifier: GPL-2.0
/* JSON-lines event output with a per-(binary, module, op) rate limit. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent/eventlog.h"

#define RL_PROBES 8	/* slots looked at per key; beyond, the LRU one is reused */

struct rl_key {
	bool used;
	uint32_t hash;
	double tokens;
	uint64_t refill_ns;	/* tokens are as of this time */
	uint64_t seen_ns;	/* for eviction */
	uint64_t suppressed;	/* since the last line printed for this key */
	char *binary, *module, *op;	/* one allocation, binary first */
};

struct eventlog {
	pthread_mutex_t lock;
	int fd;
	char *path;		/* NULL: stdout */
	char host[256];
	uint32_t burst;
	uint64_t window_ns;
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
	struct rl_key *keys;
	uint32_t nkeys;
	struct eventlog_stats st;
};

static const char *const kind_names[] = {
	[EVENTLOG_DECISION] = "decision",
	[EVENTLOG_JAILED] = "jailed",
	[EVENTLOG_RELEASED] = "released",
	[EVENTLOG_POLICY_LOADED] = "policy-loaded",
	[EVENTLOG_POLICY_REJECTED] = "policy-rejected",
};

const char *eventlog_kind_name(enum eventlog_kind k)
{
	return (unsigned int)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : NULL;
}

static uint64_t mono_now(void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int eventlog_format_time(uint64_t ns, char *buf, size_t len)
{
	time_t sec = ns / 1000000000ull;
	struct tm tm;
	char day[24];

	if (!gmtime_r(&sec, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s.%09lluZ", day, (unsigned long long)(ns % 1000000000ull)) >= len)
		return -ENOSPC;
	return 0;
}

/* --- JSON ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static int utf8_seq(const unsigned char *s, size_t n)
{
	unsigned int c = s[0], cp, min;
	int len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n < (size_t)len)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A JSON string, or null. json-c copies bytes as they are; paths and module
 * names come from the jailed binary and need not be UTF-8, so invalid bytes
 * become U+FFFD and every line stays valid JSON.
 */
static struct json_object *jstr(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, o = 0;
	struct json_object *j;
	char *buf;
	bool bad = false;

	if (!s)
		return NULL;
	n = strlen(s);
	for (size_t i = 0; i < n;) {
		int k = utf8_seq(p + i, n - i);

		if (!k) {
			bad = true;
			break;
		}
		i += k;
	}
	if (!bad)
		return json_object_new_string_len(s, n);
	buf = malloc(n * 3 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < n;) {
		int k = utf8_seq(p + i, n - i);

		if (k) {
			memcpy(buf + o, p + i, k);
			o += k, i += k;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
		}
	}
	j = json_object_new_string_len(buf, o);
	free(buf);
	return j;
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, jstr(v));
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* A short write only on ENOSPC or a signal: finish the line. */
		buf += n;
		len -= n;
	}
	return 0;
}

/* Print one object as one line with one write(2) (lock held). */
static int emit(struct eventlog *l, struct json_object *o)
{
	const char *s;
	size_t len;
	char *line;
	int err;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
					      &len);
	if (!s)
		return -ENOMEM;
	line = malloc(len + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, s, len);
	line[len] = '\n';
	err = write_all(l->fd, line, len + 1);
	free(line);
	if (err)
		l->st.write_errors++;
	else
		l->st.written++;
	return err;
}

static struct json_object *head(struct eventlog *l, uint64_t time_ns, const char *event)
{
	struct json_object *o = json_object_new_object();
	char ts[40];

	if (!o)
		return NULL;
	if (!time_ns) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		time_ns = now.tv_sec * 1000000000ull + now.tv_nsec;
	}
	eventlog_format_time(time_ns, ts, sizeof(ts));
	add_str(o, "time", ts);
	add_str(o, "host", l->host);
	add_str(o, "event", event);
	return o;
}

static int emit_suppressed(struct eventlog *l, struct rl_key *k)
{
	struct json_object *o = head(l, 0, "suppressed");
	int err;

	if (!o)
		return -ENOMEM;
	add_str(o, "binary", k->binary);
	add_str(o, "module", k->module);
	add_str(o, "op", k->op);
	add_u64(o, "suppressed", k->suppressed);
	err = emit(l, o);
	json_object_put(o);
	if (!err)
		k->suppressed = 0;
	return err;
}

static int emit_rec(struct eventlog *l, const struct eventlog_rec *r, uint64_t suppressed)
{
	struct json_object *o = head(l, r->time_ns, eventlog_kind_name(r->kind));
	char pc[24];
	int err;

	if (!o)
		return -ENOMEM;
	switch (r->kind) {
	case EVENTLOG_DECISION:
		add_u64(o, "pid", r->pid);
		add_u64(o, "tid", r->tid);
		add_str(o, "exe", r->exe);
		add_str(o, "binary", r->binary);
		add_str(o, "module", r->module);
		add_str(o, "op", r->op);
		add_str(o, "class", r->class);
		add_str(o, "verdict", r->verdict);
		add_str(o, "reason", r->reason);
		add_str(o, "func", r->func);
		snprintf(pc, sizeof(pc), "0x%llx", (unsigned long long)r->pc);
		add_str(o, "pc", r->func || r->pc ? pc : NULL);
		add_u64(o, "suppressed", suppressed);
		break;
	case EVENTLOG_JAILED:
		add_u64(o, "pid", r->pid);
		add_str(o, "exe", r->exe);
		add_str(o, "binary", r->binary);
		add_str(o, "policy", r->policy);
		add_str(o, "mode", r->mode);
		break;
	case EVENTLOG_RELEASED:
		add_u64(o, "pid", r->pid);
		add_str(o, "exe", r->exe);
		add_str(o, "binary", r->binary);
		break;
	case EVENTLOG_POLICY_LOADED:
		add_str(o, "exe", r->exe);
		add_str(o, "binary", r->binary);
		add_str(o, "policy", r->policy);
		add_str(o, "mode", r->mode);
		break;
	case EVENTLOG_POLICY_REJECTED:
		add_str(o, "exe", r->exe);
		add_str(o, "binary", r->binary);
		add_str(o, "policy", r->policy);
		add_str(o, "error", r->error);
		break;
	}
	err = emit(l, o);
	json_object_put(o);
	return err;
}

/* --- rate limit ---------------------------------------------------------------- */

static uint32_t key_hash(const char *b, const char *m, const char *op)
{
	const char *parts[3] = { b, m, op };
	uint32_t h = 2166136261u;

	for (int i = 0; i < 3; i++) {
		for (const char *p = parts[i] ? parts[i] : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		h = (h ^ 0xff) * 16777619u;	/* separator: ("ab","c") != ("a","bc") */
	}
	return h;
}

static bool key_eq(const struct rl_key *k, const char *b, const char *m, const char *op)
{
	return !strcmp(k->binary, b ? b : "") && !strcmp(k->module, m ? m : "") &&
	       !strcmp(k->op, op ? op : "");
}

static int key_fill(struct rl_key *k, uint32_t h, const char *b, const char *m, const char *op)
{
	size_t lb, lm, lo;

	b = b ? b : "", m = m ? m : "", op = op ? op : "";
	lb = strlen(b) + 1, lm = strlen(m) + 1, lo = strlen(op) + 1;
	free(k->binary);
	memset(k, 0, sizeof(*k));
	k->binary = malloc(lb + lm + lo);
	if (!k->binary)
		return -ENOMEM;
	k->module = k->binary + lb;
	k->op = k->module + lm;
	memcpy(k->binary, b, lb);
	memcpy(k->module, m, lm);
	memcpy(k->op, op, lo);
	k->hash = h;
	k->used = true;
	return 0;
}

/*
 * The bucket of a key (lock held). Bounded: a key looks at RL_PROBES slots;
 * when all hold other keys, the least recently seen one is reused, and its
 * unreported suppressed count is printed first, so no count is lost.
 */
static struct rl_key *key_get(struct eventlog *l, const char *b, const char *m, const char *op,
			      uint64_t now)
{
	uint32_t h = key_hash(b, m, op);
	struct rl_key *victim = NULL;

	for (uint32_t i = 0; i < RL_PROBES && i < l->nkeys; i++) {
		struct rl_key *k = &l->keys[(h + i) % l->nkeys];

		if (k->used && k->hash == h && key_eq(k, b, m, op))
			return k;
		if (!k->used) {
			if (!victim || victim->used)
				victim = k;
		} else if (!victim || (victim->used && k->seen_ns < victim->seen_ns)) {
			victim = k;
		}
	}
	if (victim->used && victim->suppressed)
		emit_suppressed(l, victim);
	if (key_fill(victim, h, b, m, op))
		return NULL;
	victim->tokens = l->burst;
	victim->refill_ns = now;
	return victim;
}

/* Token bucket: burst tokens, refilled at burst per window. */
static bool key_take(struct eventlog *l, struct rl_key *k, uint64_t now)
{
	if (now > k->refill_ns) {
		k->tokens += (double)(now - k->refill_ns) / l->window_ns * l->burst;
		if (k->tokens > l->burst)
			k->tokens = l->burst;
		k->refill_ns = now;
	}
	k->seen_ns = now;
	if (k->tokens < 1)
		return false;
	k->tokens -= 1;
	return true;
}

/* --- API ------------------------------------------------------------------------- */

int eventlog_write(struct eventlog *l, const struct eventlog_rec *r)
{
	struct rl_key *k = NULL;
	uint64_t suppressed = 0;
	int err;

	if (!l || !r || !eventlog_kind_name(r->kind))
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	if (r->kind == EVENTLOG_DECISION && l->burst != EVENTLOG_UNLIMITED) {
		uint64_t now = l->clock(l->clock_ctx);

		k = key_get(l, r->binary, r->module, r->op, now);

		/* Out of memory for a key: print, rather than lose the decision. */
		if (k && !key_take(l, k, now)) {
			k->suppressed++;
			l->st.suppressed++;
			pthread_mutex_unlock(&l->lock);
			return 0;
		}
		if (k) {
			suppressed = k->suppressed;
			k->suppressed = 0;
		}
	}
	err = emit_rec(l, r, suppressed);
	if (err && k)
		k->suppressed += suppressed;	/* not reported after all */
	pthread_mutex_unlock(&l->lock);
	return err ? err : 1;
}

int eventlog_flush(struct eventlog *l)
{
	int n = 0, err = 0;

	pthread_mutex_lock(&l->lock);
	for (uint32_t i = 0; i < l->nkeys; i++) {
		struct rl_key *k = &l->keys[i];

		if (!k->used || !k->suppressed)
			continue;
		err = emit_suppressed(l, k);
		if (err)
			break;
		n++;
	}
	pthread_mutex_unlock(&l->lock);
	return err ? err : n;
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	return fd < 0 ? -errno : fd;
}

int eventlog_open(const struct eventlog_opts *o, struct eventlog **out)
{
	const struct eventlog_opts def = { 0 };
	struct eventlog *l;
	int err = -ENOMEM;

	*out = NULL;
	if (!o)
		o = &def;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	l->fd = -1;
	l->burst = o->burst ? o->burst : 5;
	l->window_ns = o->window_ns ? o->window_ns : 10ull * 1000000000ull;
	l->nkeys = o->max_keys ? o->max_keys : 4096;
	l->clock = o->clock ? o->clock : mono_now;
	l->clock_ctx = o->clock_ctx;
	if (o->host) {
		snprintf(l->host, sizeof(l->host), "%s", o->host);
	} else if (gethostname(l->host, sizeof(l->host) - 1)) {
		snprintf(l->host, sizeof(l->host), "unknown");
	}
	l->keys = calloc(l->nkeys, sizeof(*l->keys));
	if (!l->keys)
		goto err;
	if (o->path && strcmp(o->path, "-")) {
		l->path = strdup(o->path);
		if (!l->path)
			goto err;
		l->fd = open_out(l->path);
		if (l->fd < 0) {
			err = l->fd;
			goto err;
		}
	} else {
		l->fd = STDOUT_FILENO;
	}
	*out = l;
	return 0;
err:
	free(l->keys);
	free(l->path);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return err;
}

int eventlog_reopen(struct eventlog *l)
{
	int fd, old;

	if (!l->path)
		return 0;
	/* Open the new file first: on failure keep writing to the old one. */
	fd = open_out(l->path);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&l->lock);
	old = l->fd;
	l->fd = fd;
	pthread_mutex_unlock(&l->lock);
	close(old);
	return 0;
}

void eventlog_close(struct eventlog *l)
{
	if (!l)
		return;
	/* Counts not yet reported go out before the log does. */
	eventlog_flush(l);
	if (l->path && l->fd >= 0)
		close(l->fd);
	for (uint32_t i = 0; i < l->nkeys; i++)
		free(l->keys[i].binary);
	free(l->keys);
	free(l->path);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void eventlog_stats(struct eventlog *l, struct eventlog_stats *st)
{
	pthread_mutex_lock(&l->lock);
	*st = l->st;
	pthread_mutex_unlock(&l->lock);
}
