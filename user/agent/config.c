// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's configuration file, its policy directory and the trust checks
 * on both (config.h). Schema: docs/operations.md, "Configuration".
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ayaml.h"
#include "config.h"

static const char *const mode_names[] = { "auto", "enforce", "kill", "audit", NULL };
static const char *const deny_allow[] = { "deny", "allow", NULL };

static int errf(struct bj_err *err, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int errf(struct bj_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->line = err->col = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return ret;
}

const char *bj_agent_mode_name(int mode)
{
	return mode >= BJ_AGENT_MODE_AUTO && mode <= BJ_AGENT_MODE_AUDIT ? mode_names[mode - 1] : "unset";
}

const char *bj_agent_unknown_name(int v)
{
	return v == BJ_AGENT_UNKNOWN_DENY ? "deny" : v == BJ_AGENT_UNKNOWN_ALLOW ? "allow" : "unset";
}

const char *bj_agent_fail_name(int v)
{
	return v == BJ_AGENT_FAIL_DENY ? "deny" : v == BJ_AGENT_FAIL_ALLOW ? "allow" : "unset";
}

/* --- trust ---------------------------------------------------------------- */

static uid_t trusted_owner(const struct bj_trust *t)
{
	return t ? t->owner : 0;
}

/* "policy file" -> "policy": what a writable one would be. */
static void noun_of(const char *what, char *out, size_t size)
{
	size_t n = strlen(what);

	if (n > 5 && strcmp(what + n - 5, " file") == 0)
		n -= 5;
	snprintf(out, size, "%.*s", (int)n, what);
}

static int check_owner_mode(const struct stat *st, const char *what, const char *path,
			    const struct bj_trust *t, struct bj_err *err)
{
	uid_t owner = trusted_owner(t);
	char noun[64], who[32];

	noun_of(what, noun, sizeof(noun));
	if (owner == 0)
		snprintf(who, sizeof(who), "root");
	else
		snprintf(who, sizeof(who), "uid %u", (unsigned)owner);
	if (st->st_uid != owner)
		return errf(err, -EPERM, "%s %s is owned by uid %u, not %s: its owner could rewrite it, a bypass",
			    what, path, (unsigned)st->st_uid, who);
	if (st->st_mode & S_IWGRP)
		return errf(err, -EPERM, "%s %s is writable by group: a writable %s is a bypass", what, path, noun);
	if (st->st_mode & S_IWOTH)
		return errf(err, -EPERM, "%s %s is writable by others: a writable %s is a bypass", what, path,
			    noun);
	return 0;
}

/*
 * Every directory above path (resolved) must be root's or the trusted
 * owner's, and not writable by group or others unless sticky: whoever can
 * rename entries there can swap in their own file or directory.
 */
static int check_ancestors(const char *path, const char *what, const struct bj_trust *t,
			   struct bj_err *err)
{
	char *copy = NULL, *real = NULL, *slash;
	uid_t owner = trusted_owner(t);
	char noun[64];
	struct stat st;
	int ret = 0;

	noun_of(what, noun, sizeof(noun));
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	slash = strrchr(copy, '/');
	if (!slash)
		real = realpath(".", NULL);
	else if (slash == copy)
		real = strdup("/");
	else {
		*slash = '\0';
		real = realpath(copy, NULL);
	}
	if (!real) {
		ret = errf(err, -errno, "%s %s: cannot resolve its directory: %s", what, path, strerror(errno));
		goto out;
	}
	for (;;) {
		if (stat(real, &st)) {
			ret = errf(err, -errno, "%s %s: %s: %s", what, path, real, strerror(errno));
			goto out;
		}
		if (st.st_uid != 0 && st.st_uid != owner) {
			ret = errf(err, -EPERM, "%s %s is in %s, which is owned by uid %u: a %s under someone else's directory is a bypass",
				   what, path, real, (unsigned)st.st_uid, noun);
			goto out;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
			ret = errf(err, -EPERM, "%s %s is in %s, which is writable by %s: a %s in a writable directory is a bypass",
				   what, path, real, st.st_mode & S_IWGRP ? "group" : "others", noun);
			goto out;
		}
		if (strcmp(real, "/") == 0)
			break;
		slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
out:
	free(real);
	free(copy);
	return ret;
}

int bj_trusted_read(int dirfd, const char *name, const char *display, const char *what,
		    const struct bj_trust *t, char **buf, size_t *len, struct stat *stp,
		    struct bj_err *err)
{
	const char *path = display ? display : name;
	struct stat lst, st;
	char *data = NULL;
	size_t n = 0;
	int fd = -1, ret;

	*buf = NULL;
	*len = 0;
	/* lstat first for a clear message; the fstat below is what counts. */
	if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW))
		return errf(err, -errno, "%s %s: %s", what, path, strerror(errno));
	if (S_ISLNK(lst.st_mode))
		return errf(err, -EPERM, "%s %s is a symbolic link: it must be a regular file (a link can point anywhere)",
			    what, path);
	if (!S_ISREG(lst.st_mode))
		return errf(err, -EPERM, "%s %s is not a regular file", what, path);
	if (dirfd == AT_FDCWD) {
		ret = check_ancestors(name, what, t, err);
		if (ret)
			return ret;
	}
	/* O_NONBLOCK: a FIFO swapped in after the lstat must not hang the agent. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			return errf(err, -EPERM, "%s %s is a symbolic link: it must be a regular file (a link can point anywhere)",
				    what, path);
		return errf(err, -errno, "%s %s: %s", what, path, strerror(errno));
	}
	if (fstat(fd, &st)) {
		ret = errf(err, -errno, "%s %s: %s", what, path, strerror(errno));
		goto out;
	}
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino || !S_ISREG(st.st_mode)) {
		ret = errf(err, -EAGAIN, "%s %s was replaced while it was being opened", what, path);
		goto out;
	}
	ret = check_owner_mode(&st, what, path, t, err);
	if (ret)
		goto out;
	if (st.st_size > BJ_AGENT_FILE_MAX) {
		ret = errf(err, -EFBIG, "%s %s is larger than %u bytes", what, path, BJ_AGENT_FILE_MAX);
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		ret = -ENOMEM;
		goto out;
	}
	/* The size may change under us; read what is there, up to the limit. */
	for (;;) {
		ssize_t r = read(fd, data + n, (size_t)st.st_size + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = errf(err, -errno, "%s %s: %s", what, path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (size_t)st.st_size) {
			ret = errf(err, -EAGAIN, "%s %s grew while it was being read", what, path);
			goto out;
		}
	}
	data[n] = '\0';
	*buf = data;
	*len = n;
	data = NULL;
	if (stp)
		*stp = st;
	ret = 0;
out:
	free(data);
	close(fd);
	if (ret == -ENOMEM)
		errf(err, ret, "%s %s: out of memory", what, path);
	return ret;
}

int bj_trusted_dir_open(const char *path, const char *what, const struct bj_trust *t,
			struct bj_err *err)
{
	struct stat lst, st;
	int fd, ret;

	if (lstat(path, &lst))
		return errf(err, -errno, "%s %s: %s", what, path, strerror(errno));
	if (S_ISLNK(lst.st_mode))
		return errf(err, -EPERM, "%s %s is a symbolic link: name the real directory", what, path);
	if (!S_ISDIR(lst.st_mode))
		return errf(err, -ENOTDIR, "%s %s is not a directory", what, path);
	ret = check_ancestors(path, what, t, err);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return errf(err, -EPERM, "%s %s is a symbolic link: name the real directory", what, path);
		return errf(err, -errno, "%s %s: %s", what, path, strerror(errno));
	}
	if (fstat(fd, &st)) {
		ret = errf(err, -errno, "%s %s: %s", what, path, strerror(errno));
		goto fail;
	}
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		ret = errf(err, -EAGAIN, "%s %s was replaced while it was being opened", what, path);
		goto fail;
	}
	ret = check_owner_mode(&st, what, path, t, err);
	if (ret)
		goto fail;
	return fd;
fail:
	close(fd);
	return ret;
}

/* --- the config file ------------------------------------------------------ */

void bj_agent_config_free(struct bj_agent_config *c)
{
	free(c->file);
	free(c->listen);
	free(c->events);
	free(c->policy_dir);
	memset(c, 0, sizeof(*c));
}

/*
 * The rules of metrics_parse_listen (metrics.c), checked here to give a
 * positioned error: "HOST:PORT" with HOST an IPv4 address, "localhost" or a
 * bracketed IPv6 address; "PORT" and ":PORT" mean loopback; port 0 picks a
 * free one. Numeric only: the agent resolves no names.
 */
static int parse_listen(const char *s, char *host, size_t hsize, uint16_t *port, const char **why)
{
	const char *colon, *h = s, *p;
	unsigned char addr[16];
	unsigned long v = 0;
	size_t hl;
	int af = AF_INET;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':') {
			*why = "expected [IPV6]:PORT";
			return -EINVAL;
		}
		h = s + 1;
		hl = (size_t)(end - h);
		p = end + 2;
		af = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			*why = "an IPv6 address needs brackets: [::1]:9477";
			return -EINVAL;
		}
		hl = colon ? (size_t)(colon - s) : 0;
		p = colon ? colon + 1 : s;
	}
	if (hl >= hsize) {
		*why = "the address is too long";
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (af == AF_INET && (!hl || strcmp(host, "localhost") == 0))
		snprintf(host, hsize, "127.0.0.1");
	if (inet_pton(af, host, addr) != 1) {
		*why = af == AF_INET ? "the address must be numeric IPv4, localhost, or [IPv6] (no name lookups)"
				     : "bad IPv6 address";
		return -EINVAL;
	}
	if (!*p || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p)) {
		*why = "bad port";
		return -EINVAL;
	}
	for (; *p; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (v > 65535) {
		*why = "the port must be from 0 to 65535";
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

int bj_agent_config_init(struct bj_agent_config *c)
{
	const char *why;

	memset(c, 0, sizeof(*c));
	c->defaults.mode = BJ_AGENT_MODE_AUTO;
	c->defaults.on_unknown = BJ_AGENT_UNKNOWN_DENY;
	c->defaults.fail_mode = BJ_AGENT_FAIL_DENY;
	c->defaults.hold_timeout_ms = BJ_AGENT_HOLD_MS_DEFAULT;
	c->max_binaries = BJ_AGENT_MAX_BINARIES_DEFAULT;
	c->events_burst = BJ_AGENT_EVENTS_BURST_DEFAULT;
	c->events_window_ms = BJ_AGENT_EVENTS_WINDOW_MS_DEFAULT;
	parse_listen(BJ_AGENT_LISTEN_DEFAULT, c->listen_host, sizeof(c->listen_host), &c->listen_port, &why);
	c->listen = strdup(BJ_AGENT_LISTEN_DEFAULT);
	c->events = strdup(BJ_AGENT_EVENTS_DEFAULT);
	c->policy_dir = strdup(BJ_AGENT_POLICY_DIR_DEFAULT);
	if (!c->listen || !c->events || !c->policy_dir) {
		bj_agent_config_free(c);
		return -ENOMEM;
	}
	return 0;
}

static int set_str(char **slot, const char *s)
{
	char *d = strdup(s);

	if (!d)
		return -ENOMEM;
	free(*slot);
	*slot = d;
	return 0;
}

static int parse_metrics(struct ay *y, const yaml_node_t *map, struct bj_agent_config *c)
{
	int ret = ay_want_map(y, map, "metrics");

	if (ret)
		return ret;
	ay_for_each_pair(map, pair) {
		const char *key, *s, *why;
		yaml_node_t *v;

		ret = ay_pair(y, map, pair, &key, &v);
		if (ret)
			return ret;
		if (strcmp(key, "listen") != 0)
			return ay_err(y, ay_key_node(y, pair)->start_mark,
				      "unknown key '%.64s' in metrics (expected listen)", key);
		if (v->type == YAML_SEQUENCE_NODE)
			return ay_err(y, v->start_mark, "listen must be a scalar, not a sequence (quote an IPv6 address: \"[::1]:9477\")");
		ret = ay_str(y, v, "listen", &s);
		if (ret)
			return ret;
		if (strcmp(s, "off") == 0) {
			free(c->listen);
			c->listen = NULL;
			c->listen_host[0] = '\0';
			c->listen_port = 0;
			continue;
		}
		if (parse_listen(s, c->listen_host, sizeof(c->listen_host), &c->listen_port, &why))
			return ay_err(y, v->start_mark, "listen '%.128s': %s", s, why);
		ret = set_str(&c->listen, s);
		if (ret)
			return ret;
	}
	return 0;
}

static int abs_path(struct ay *y, const yaml_node_t *v, const char *what, const char **out)
{
	int ret = ay_str(y, v, what, out);

	if (ret)
		return ret;
	if ((*out)[0] != '/')
		return ay_err(y, v->start_mark, "%s '%.128s' must be an absolute path", what, *out);
	if (strlen(*out) >= PATH_MAX)
		return ay_err(y, v->start_mark, "%s is too long", what);
	return 0;
}

static int parse_events(struct ay *y, const yaml_node_t *map, struct bj_agent_config *c)
{
	int ret = ay_want_map(y, map, "events");

	if (ret)
		return ret;
	ay_for_each_pair(map, pair) {
		const char *key, *s;
		yaml_node_t *v;
		long l = 0;

		ret = ay_pair(y, map, pair, &key, &v);
		if (ret)
			return ret;
		if (strcmp(key, "output") == 0) {
			ret = ay_str(y, v, "output", &s);
			if (!ret && strcmp(s, "stdout") != 0)
				ret = abs_path(y, v, "output (stdout or an absolute path)", &s);
			if (!ret)
				ret = set_str(&c->events, s);
		} else if (strcmp(key, "burst") == 0) {
			ret = ay_str(y, v, "burst", &s);
			if (!ret && strcmp(s, "unlimited") == 0) {
				c->events_burst = UINT32_MAX;
			} else if (!ret) {
				ret = ay_int(y, v, "burst (or unlimited)", 1, 1000000, &l);
				c->events_burst = (uint32_t)l;
			}
		} else if (strcmp(key, "window_ms") == 0) {
			ret = ay_int(y, v, "window_ms", 1, 3600000, &l);
			c->events_window_ms = (uint32_t)l;
		} else {
			return ay_err(y, ay_key_node(y, pair)->start_mark,
				      "unknown key '%.64s' in events (expected output, burst, window_ms)", key);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_defaults(struct ay *y, const yaml_node_t *map, struct bj_agent_settings *d)
{
	int ret = ay_want_map(y, map, "defaults");

	if (ret)
		return ret;
	ay_for_each_pair(map, pair) {
		const char *key;
		yaml_node_t *v;
		long l = 0;
		int i = 0;

		ret = ay_pair(y, map, pair, &key, &v);
		if (ret)
			return ret;
		if (strcmp(key, "mode") == 0) {
			ret = ay_enum(y, v, "mode", mode_names, &i);
			d->mode = i + 1;
		} else if (strcmp(key, "on_unknown") == 0) {
			ret = ay_enum(y, v, "on_unknown", deny_allow, &i);
			d->on_unknown = i + 1;
		} else if (strcmp(key, "fail_mode") == 0) {
			ret = ay_enum(y, v, "fail_mode", deny_allow, &i);
			d->fail_mode = i + 1;
		} else if (strcmp(key, "hold_timeout_ms") == 0) {
			ret = ay_int(y, v, "hold_timeout_ms", 1, BJ_AGENT_HOLD_MS_MAX, &l);
			d->hold_timeout_ms = (uint32_t)l;
		} else {
			return ay_err(y, ay_key_node(y, pair)->start_mark,
				      "unknown key '%.64s' in defaults (expected mode, on_unknown, hold_timeout_ms, fail_mode)",
				      key);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_limits(struct ay *y, const yaml_node_t *map, struct bj_agent_config *c)
{
	int ret = ay_want_map(y, map, "limits");

	if (ret)
		return ret;
	ay_for_each_pair(map, pair) {
		const char *key;
		yaml_node_t *v;
		long l = 0;

		ret = ay_pair(y, map, pair, &key, &v);
		if (ret)
			return ret;
		if (strcmp(key, "max_binaries") != 0)
			return ay_err(y, ay_key_node(y, pair)->start_mark,
				      "unknown key '%.64s' in limits (expected max_binaries)", key);
		ret = ay_int(y, v, "max_binaries", 1, BJ_AGENT_MAX_BINARIES_MAX, &l);
		if (ret)
			return ret;
		c->max_binaries = (uint32_t)l;
	}
	return 0;
}

static int config_root(struct ay *y, const yaml_node_t *root, struct bj_agent_config *c)
{
	int ret;

	if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
		return 0;	/* only comments: every default */
	ret = ay_want_map(y, root, "the agent config");
	if (ret)
		return ret;
	ay_for_each_pair(root, pair) {
		const char *key, *s;
		yaml_node_t *v;

		ret = ay_pair(y, root, pair, &key, &v);
		if (ret)
			return ret;
		if (strcmp(key, "metrics") == 0) {
			ret = parse_metrics(y, v, c);
		} else if (strcmp(key, "events") == 0) {
			ret = parse_events(y, v, c);
		} else if (strcmp(key, "policy_dir") == 0) {
			ret = abs_path(y, v, "policy_dir", &s);
			if (!ret)
				ret = set_str(&c->policy_dir, s);
			/* "/etc/x/" and "/etc/x" are one directory; O_NOFOLLOW needs the latter. */
			for (size_t n = ret ? 0 : strlen(c->policy_dir); n > 1 && c->policy_dir[n - 1] == '/'; n--)
				c->policy_dir[n - 1] = '\0';
		} else if (strcmp(key, "defaults") == 0) {
			ret = parse_defaults(y, v, &c->defaults);
		} else if (strcmp(key, "limits") == 0) {
			ret = parse_limits(y, v, c);
		} else {
			return ay_err(y, ay_key_node(y, pair)->start_mark,
				      "unknown key '%.64s' (expected metrics, events, policy_dir, defaults, limits)", key);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int dup_config(struct bj_agent_config *dst, const struct bj_agent_config *src)
{
	*dst = *src;
	dst->file = dst->listen = dst->events = dst->policy_dir = NULL;
	if ((src->file && !(dst->file = strdup(src->file))) ||
	    (src->listen && !(dst->listen = strdup(src->listen))) ||
	    (src->events && !(dst->events = strdup(src->events))) ||
	    (src->policy_dir && !(dst->policy_dir = strdup(src->policy_dir)))) {
		bj_agent_config_free(dst);
		return -ENOMEM;
	}
	return 0;
}

int bj_agent_config_parse(struct bj_agent_config *c, const char *name, const char *buf, size_t len,
			  struct bj_err *err)
{
	struct bj_agent_config n;
	yaml_document_t doc;
	struct ay y = { .name = name, .doc = &doc, .err = err };
	yaml_node_t *root;
	int ret;

	/* Parse into a copy: a bad file leaves c as it was. */
	ret = dup_config(&n, c);
	if (ret)
		return errf(err, ret, "%s: out of memory", name);
	ret = ay_load(&y, buf, len);
	if (ret)
		goto fail;
	root = yaml_document_get_root_node(&doc);
	ret = root ? config_root(&y, root, &n) : 0;
	yaml_document_delete(&doc);
	if (ret)
		goto fail;
	ret = set_str(&n.file, name);
	if (ret)
		goto fail;
	bj_agent_config_free(c);
	*c = n;
	return 0;
fail:
	bj_agent_config_free(&n);
	if (ret == -ENOMEM)
		errf(err, ret, "%s: out of memory", name);
	return ret;
}

int bj_agent_config_load(struct bj_agent_config *c, const char *path, const struct bj_trust *t,
			 struct bj_err *err)
{
	char *buf;
	size_t len;
	int ret;

	ret = bj_trusted_read(AT_FDCWD, path, NULL, "config file", t, &buf, &len, NULL, err);
	if (ret)
		return ret;
	ret = bj_agent_config_parse(c, path, buf, len, err);
	free(buf);
	return ret;
}

/* --- policy files --------------------------------------------------------- */

struct bj_agent_policy *bj_agent_policy_get(struct bj_agent_policy *p)
{
	if (p)
		p->refs++;
	return p;
}

void bj_agent_policy_put(struct bj_agent_policy *p)
{
	if (!p || --p->refs > 0)
		return;
	free(p->file);
	free(p->name);
	bj_selectors_free(p->sel, p->nsel);
	bj_ruleset_free(p->rules);
	free(p);
}

void bj_agent_settings_for(const struct bj_agent_config *c, const struct bj_agent_policy *p,
			   struct bj_agent_settings *out)
{
	*out = c->defaults;
	if (!p)
		return;
	if (p->mode)
		out->mode = p->mode;
	if (p->on_unknown)
		out->on_unknown = p->on_unknown;
	if (p->fail_mode)
		out->fail_mode = p->fail_mode;
}

static int policy_root(struct ay *y, yaml_node_t *root, struct bj_agent_policy *p)
{
	yaml_node_t *policy = NULL;
	bool have_sel = false;
	int ret, i = 0;

	if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
		return ay_err(y, root->start_mark, "empty policy file (it needs select: and policy:)");
	ret = ay_want_map(y, root, "a policy file");
	if (ret)
		return ret;
	ay_for_each_pair(root, pair) {
		const char *key;
		yaml_node_t *v;

		ret = ay_pair(y, root, pair, &key, &v);
		if (ret)
			return ret;
		if (strcmp(key, "select") == 0) {
			ret = bj_selectors_parse(y, v, &p->sel, &p->nsel);
			have_sel = true;
		} else if (strcmp(key, "policy") == 0) {
			policy = v;
		} else if (strcmp(key, "priority") == 0) {
			ret = ay_int(y, v, "priority", -BJ_AGENT_PRIORITY_MAX, BJ_AGENT_PRIORITY_MAX, &p->priority);
		} else if (strcmp(key, "mode") == 0) {
			ret = ay_enum(y, v, "mode", mode_names, &i);
			p->mode = i + 1;
		} else if (strcmp(key, "on_unknown") == 0) {
			ret = ay_enum(y, v, "on_unknown", deny_allow, &i);
			p->on_unknown = i + 1;
		} else if (strcmp(key, "fail_mode") == 0) {
			ret = ay_enum(y, v, "fail_mode", deny_allow, &i);
			p->fail_mode = i + 1;
		} else {
			return ay_err(y, ay_key_node(y, pair)->start_mark,
				      "unknown key '%.64s' (expected select, policy, priority, mode, on_unknown, fail_mode)",
				      key);
		}
		if (ret)
			return ret;
	}
	if (!have_sel)
		return ay_err(y, root->start_mark, "no select: (which binaries this policy is for)");
	if (!policy)
		return ay_err(y, root->start_mark, "no policy: (the modules to confine, in the format of docs/policy.md)");
	/* The native parser, on this document: its positions are the file's. */
	ret = bj_yaml_parse_node(y->name, y->doc, policy, &p->rules, y->err);
	if (ret)
		return ret;
	if (p->rules->nrules == 0 && !p->rules->has_default)
		return ay_err(y, policy->start_mark, "policy names no module and no default: it would confine nothing");
	return 0;
}

int bj_agent_policy_parse(const char *file, const char *buf, size_t len,
			  struct bj_agent_policy **out, struct bj_err *err)
{
	struct bj_agent_policy *p;
	yaml_document_t doc;
	struct ay y = { .name = file, .doc = &doc, .err = err };
	const char *base = strrchr(file, '/');
	yaml_node_t *root;
	int ret;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return errf(err, -ENOMEM, "%s: out of memory", file);
	p->refs = 1;
	p->file = strdup(file);
	p->name = strdup(base ? base + 1 : file);
	if (!p->file || !p->name) {
		ret = -ENOMEM;
		goto fail;
	}
	bj_sha256_buf(buf, len, p->digest);
	ret = ay_load(&y, buf, len);
	if (ret)
		goto fail;
	root = yaml_document_get_root_node(&doc);
	if (root) {
		ret = policy_root(&y, root, p);
	} else {
		yaml_mark_t m = { 0 };

		ret = ay_err(&y, m, "empty policy file (it needs select: and policy:)");
	}
	yaml_document_delete(&doc);
	if (ret)
		goto fail;
	*out = p;
	return 0;
fail:
	bj_agent_policy_put(p);
	if (ret == -ENOMEM)
		errf(err, ret, "%s: out of memory", file);
	return ret;
}

/* --- the policy directory ------------------------------------------------- */

bool bj_policy_file_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Match order: higher priority first, then file name. */
static int cmp_policy(const void *a, const void *b)
{
	const struct bj_agent_policy *x = *(struct bj_agent_policy *const *)a;
	const struct bj_agent_policy *y = *(struct bj_agent_policy *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

void bj_policyset_free(struct bj_policyset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npols; i++)
		bj_agent_policy_put(s->pols[i]);
	for (size_t i = 0; i < s->nerrs; i++) {
		free(s->errs[i].name);
		free(s->errs[i].msg);
	}
	free(s->pols);
	free(s->errs);
	free(s->dir);
	free(s);
}

const struct bj_agent_policy *bj_policyset_find(const struct bj_policyset *s, const char *name)
{
	for (size_t i = 0; s && i < s->npols; i++)
		if (strcmp(s->pols[i]->name, name) == 0)
			return s->pols[i];
	return NULL;
}

static const struct bj_policy_error *find_error(const struct bj_policyset *s, const char *name)
{
	for (size_t i = 0; s && i < s->nerrs; i++)
		if (strcmp(s->errs[i].name, name) == 0)
			return &s->errs[i];
	return NULL;
}

/* Read and parse one file; a failure becomes an entry of s->errs. */
static int load_one(struct bj_policyset *s, int dfd, const char *name, const struct bj_trust *t)
{
	struct bj_agent_policy *p = NULL;
	struct bj_policy_error *e;
	struct bj_err err = { 0 };
	char *file, *buf = NULL;
	size_t len;
	int ret;

	if (asprintf(&file, "%s%s%s", s->dir, strcmp(s->dir, "/") ? "/" : "", name) < 0)
		return -ENOMEM;
	ret = bj_trusted_read(dfd, name, file, "policy file", t, &buf, &len, NULL, &err);
	if (!ret)
		ret = bj_agent_policy_parse(file, buf, len, &p, &err);
	free(buf);
	free(file);
	if (ret == -ENOMEM)
		return ret;
	if (!ret) {
		s->pols[s->npols++] = p;
		return 0;
	}
	e = &s->errs[s->nerrs];
	e->name = strdup(name);
	e->msg = strdup(err.msg);
	e->err = ret;
	if (!e->name || !e->msg) {
		free(e->name);
		free(e->msg);
		return -ENOMEM;
	}
	s->nerrs++;
	return 0;
}

int bj_policyset_load(const char *dir, const struct bj_trust *t, struct bj_policyset **out,
		      struct bj_err *err)
{
	struct bj_policyset *s;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int dfd, ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return errf(err, -ENOMEM, "policy directory %s: out of memory", dir);
	s->dir = strdup(dir);
	if (!s->dir) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t l = strlen(s->dir); l > 1 && s->dir[l - 1] == '/'; l--)
		s->dir[l - 1] = '\0';
	dfd = bj_trusted_dir_open(s->dir, "policy directory", t, err);
	if (dfd < 0) {
		ret = dfd;
		goto out;
	}
	d = fdopendir(dfd);
	if (!d) {
		ret = errf(err, -errno, "policy directory %s: %s", s->dir, strerror(errno));
		close(dfd);
		goto out;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!bj_policy_file_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof(*names));

			if (!nn) {
				ret = -ENOMEM;
				goto out;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			goto out;
		}
		n++;
		errno = 0;
	}
	if (errno) {
		ret = errf(err, -errno, "policy directory %s: %s", s->dir, strerror(errno));
		goto out;
	}
	/* The result must not depend on readdir order. */
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	s->pols = calloc(n ? n : 1, sizeof(*s->pols));
	s->errs = calloc(n ? n : 1, sizeof(*s->errs));
	if (!s->pols || !s->errs) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ret = load_one(s, dirfd(d), names[i], t);
		if (ret)
			goto out;
	}
	if (s->npols)
		qsort(s->pols, s->npols, sizeof(*s->pols), cmp_policy);
	*out = s;
	s = NULL;
	ret = 0;
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	bj_policyset_free(s);
	if (ret == -ENOMEM)
		errf(err, ret, "policy directory %s: out of memory", dir);
	return ret;
}

const char *bj_policy_change_name(int kind)
{
	static const char *const names[] = {
		[BJ_POLICY_ADDED] = "added",
		[BJ_POLICY_CHANGED] = "changed",
		[BJ_POLICY_REMOVED] = "removed",
		[BJ_POLICY_KEPT] = "kept",
		[BJ_POLICY_REJECTED] = "rejected",
	};

	return kind >= 0 && kind <= BJ_POLICY_REJECTED ? names[kind] : "?";
}

void bj_policy_changes_free(struct bj_policy_change *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].name);
		free(c[i].msg);
	}
	free(c);
}

static int add_change(struct bj_policy_change **c, size_t *n, int kind, const char *name, const char *msg)
{
	struct bj_policy_change *nc = realloc(*c, (*n + 1) * sizeof(**c));

	if (!nc)
		return -ENOMEM;
	*c = nc;
	nc[*n].kind = kind;
	nc[*n].name = strdup(name);
	nc[*n].msg = msg ? strdup(msg) : NULL;
	if (!nc[*n].name || (msg && !nc[*n].msg)) {
		free(nc[*n].name);
		free(nc[*n].msg);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

static int cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct bj_policy_change *)a)->name, ((const struct bj_policy_change *)b)->name);
}

int bj_policyset_merge(struct bj_policyset *next, const struct bj_policyset *prev,
		       struct bj_policy_change **chg, size_t *nchg)
{
	struct bj_policy_change *c = NULL;
	struct bj_agent_policy **pols;
	size_t nc = 0, nkeep = 0;
	int ret = 0;

	if (prev && strcmp(prev->dir, next->dir) != 0)
		prev = NULL;
	/* What changed, computed first: nothing is touched until memory is in hand. */
	for (size_t i = 0; chg && !ret && i < next->npols; i++) {
		const struct bj_agent_policy *p = next->pols[i], *q = bj_policyset_find(prev, p->name);

		if (!q)
			ret = add_change(&c, &nc, BJ_POLICY_ADDED, p->name, NULL);
		else if (memcmp(p->digest, q->digest, sizeof(p->digest)) != 0)
			ret = add_change(&c, &nc, BJ_POLICY_CHANGED, p->name, NULL);
	}
	for (size_t i = 0; !ret && i < next->nerrs; i++) {
		const struct bj_policy_error *e = &next->errs[i];
		bool keep = bj_policyset_find(prev, e->name) != NULL;

		nkeep += keep;
		if (chg)
			ret = add_change(&c, &nc, keep ? BJ_POLICY_KEPT : BJ_POLICY_REJECTED, e->name, e->msg);
	}
	for (size_t i = 0; chg && prev && !ret && i < prev->npols; i++) {
		const char *name = prev->pols[i]->name;

		if (!bj_policyset_find(next, name) && !find_error(next, name))
			ret = add_change(&c, &nc, BJ_POLICY_REMOVED, name, NULL);
	}
	if (ret)
		goto fail;
	pols = realloc(next->pols, (next->npols + nkeep + 1) * sizeof(*pols));
	if (!pols) {
		ret = -ENOMEM;
		goto fail;
	}
	next->pols = pols;
	for (size_t i = 0; i < next->nerrs; i++) {
		struct bj_agent_policy *q = (struct bj_agent_policy *)bj_policyset_find(prev, next->errs[i].name);

		if (!q)
			continue;
		next->errs[i].kept = true;
		pols[next->npols++] = bj_agent_policy_get(q);
	}
	if (next->npols)
		qsort(next->pols, next->npols, sizeof(*next->pols), cmp_policy);
	if (chg) {
		if (nc)
			qsort(c, nc, sizeof(*c), cmp_change);
		*chg = c;
		*nchg = nc;
	}
	return 0;
fail:
	bj_policy_changes_free(c, nc);
	return ret;
}
