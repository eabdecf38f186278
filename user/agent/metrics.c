// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus metrics: a registry with bounded label values, the text
 * exposition format 0.0.4, and a libmicrohttpd endpoint. See metrics.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BPFJAIL_STATIC
#include <microhttpd.h>
#endif

#include "agent/metrics.h"

struct series {
	double v;
	bool overflow;		/* made when the family was full: not in nregular */
	char *vals[METRICS_MAX_LABELS];
};

struct metric {
	struct metrics *reg;
	char *name;
	char *help;
	enum metric_type type;
	int nlabels;
	char *labels[METRICS_MAX_LABELS];
	char **allowed[METRICS_MAX_LABELS];	/* NULL-terminated copies, or NULL */
	unsigned int max_series;
	unsigned int nregular;
	struct series **series;	/* sorted by label values */
	size_t nseries, cap;
};

struct metrics {
	pthread_mutex_t lock;
	struct metric **fams;	/* sorted by name */
	size_t nfams, cap;
	struct metric *overflow;	/* bpfjail_metrics_label_overflow_total{metric} */
	bool healthy;
	char reason[256];
};

/* --- names and values ------------------------------------------------------ */

static bool valid_name(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (colon && c == ':') || (p != s && c >= '0' && c <= '9');

		if (!ok)
			return false;
	}
	return true;
}

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
 * Copy a label value into dst (METRICS_MAX_VALUE_LEN + 1 bytes): cut at a
 * character boundary, invalid UTF-8 bytes as '?'. Module paths come from
 * the jailed binary, which need not be honest about its encoding, and a
 * scrape must still parse.
 */
static void value_copy(char *dst, const char *src)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t n = strlen((const char *)s), o = 0;

	while (*s) {
		int k = utf8_seq(s, n);

		if (o + (k ? k : 1) > METRICS_MAX_VALUE_LEN)
			break;
		if (!k) {
			dst[o++] = '?';
			s++, n--;
			continue;
		}
		memcpy(dst + o, s, k);
		o += k, s += k, n -= k;
	}
	dst[o] = '\0';
}

/* --- registry ---------------------------------------------------------------- */

static void series_free(struct series *s)
{
	free(s);	/* values live in the same block */
}

static void family_free(struct metric *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nseries; i++)
		series_free(f->series[i]);
	free(f->series);
	for (int i = 0; i < METRICS_MAX_LABELS; i++) {
		free(f->labels[i]);
		if (f->allowed[i])
			for (char **a = f->allowed[i]; *a; a++)
				free(*a);
		free(f->allowed[i]);
	}
	free(f->name);
	free(f->help);
	free(f);
}

static int series_cmp(const struct metric *f, const struct series *s, char *const *vals)
{
	for (int i = 0; i < f->nlabels; i++) {
		int c = strcmp(s->vals[i], vals[i]);

		if (c)
			return c;
	}
	return 0;
}

/* Binary search; *pos is where it is or would go. */
static struct series *series_find(const struct metric *f, char *const *vals, size_t *pos)
{
	size_t lo = 0, hi = f->nseries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = series_cmp(f, f->series[mid], vals);

		if (!c) {
			*pos = mid;
			return f->series[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static struct series *series_insert(struct metric *f, size_t pos, char *const *vals, bool overflow)
{
	size_t sz = sizeof(struct series), off[METRICS_MAX_LABELS];
	struct series *s;
	char *p;

	for (int i = 0; i < f->nlabels; i++) {
		off[i] = sz;
		sz += strlen(vals[i]) + 1;
	}
	if (f->nseries == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct series **n = realloc(f->series, cap * sizeof(*n));

		if (!n)
			return NULL;
		f->series = n;
		f->cap = cap;
	}
	s = calloc(1, sz);
	if (!s)
		return NULL;
	p = (char *)s;
	for (int i = 0; i < f->nlabels; i++) {
		s->vals[i] = p + off[i];
		strcpy(s->vals[i], vals[i]);
	}
	s->overflow = overflow;
	memmove(&f->series[pos + 1], &f->series[pos], (f->nseries - pos) * sizeof(f->series[0]));
	f->series[pos] = s;
	f->nseries++;
	if (!overflow)
		f->nregular++;
	return s;
}

static bool allowed(char **list, const char *v)
{
	for (; *list; list++)
		if (!strcmp(*list, v))
			return true;
	return false;
}

static void overflow_note(struct metric *f);

/*
 * The series for these label values, made if need be (lock held). A value
 * outside its label's list becomes "other". When the family is full, a new
 * label set has its free labels (those without a list) replaced by "other"
 * and lands in an overflow series; these are bounded by the lists, or are
 * the one all-"other" series when every label has a list.
 */
static struct series *series_get(struct metric *f, const char *const *values, bool create)
{
	char buf[METRICS_MAX_LABELS][METRICS_MAX_VALUE_LEN + 1];
	char *vals[METRICS_MAX_LABELS] = { NULL };
	bool over = false, any_free = false;
	struct series *s;
	size_t pos;

	for (int i = 0; i < f->nlabels; i++) {
		value_copy(buf[i], values ? values[i] : "");
		vals[i] = buf[i];
		if (f->allowed[i] && !allowed(f->allowed[i], vals[i])) {
			strcpy(buf[i], METRICS_OTHER);
			over = true;
		}
		any_free |= !f->allowed[i];
	}
	s = series_find(f, vals, &pos);
	if (s || !create)
		goto out;
	if (f->nregular < f->max_series) {
		s = series_insert(f, pos, vals, false);
		goto out;
	}
	over = true;
	for (int i = 0; i < f->nlabels; i++)
		if (!f->allowed[i] || !any_free)
			strcpy(buf[i], METRICS_OTHER);
	s = series_find(f, vals, &pos);
	if (!s)
		s = series_insert(f, pos, vals, true);
out:
	if (over && s && create)
		overflow_note(f);
	return s;
}

static void overflow_note(struct metric *f)
{
	struct metric *o = f->reg->overflow;
	struct series *s;

	/* Its own label (family names) is bounded by what the code registers. */
	if (!o || o == f)
		return;
	s = series_get(o, (const char *const[]){ f->name }, true);
	if (s)
		s->v += 1;
}

static int family_insert(struct metrics *m, struct metric *f)
{
	size_t pos = 0;

	while (pos < m->nfams) {
		int c = strcmp(m->fams[pos]->name, f->name);

		if (!c)
			return -EEXIST;
		if (c > 0)
			break;
		pos++;
	}
	if (m->nfams == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct metric **n = realloc(m->fams, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->fams = n;
		m->cap = cap;
	}
	memmove(&m->fams[pos + 1], &m->fams[pos], (m->nfams - pos) * sizeof(m->fams[0]));
	m->fams[pos] = f;
	m->nfams++;
	return 0;
}

int metrics_register(struct metrics *m, const struct metric_desc *d, struct metric **out)
{
	struct metric *f;
	int err = -ENOMEM;

	if (out)
		*out = NULL;
	if (!m || !d || !valid_name(d->name, true) || (d->type != METRIC_COUNTER && d->type != METRIC_GAUGE))
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->reg = m;
	f->type = d->type;
	f->max_series = d->max_series ? d->max_series : METRICS_DEFAULT_MAX_SERIES;
	f->name = strdup(d->name);
	f->help = strdup(d->help ? d->help : "");
	if (!f->name || !f->help)
		goto err;
	for (int i = 0; i < METRICS_MAX_LABELS && d->labels[i]; i++) {
		const char *l = d->labels[i];

		/* "le" and "quantile" belong to histograms and summaries. */
		if (!valid_name(l, false) || !strncmp(l, "__", 2) || !strcmp(l, "le") ||
		    !strcmp(l, "quantile")) {
			err = -EINVAL;
			goto err;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(f->labels[k], l)) {
				err = -EINVAL;
				goto err;
			}
		f->labels[i] = strdup(l);
		if (!f->labels[i])
			goto err;
		f->nlabels = i + 1;
		if (d->allowed[i]) {
			size_t n = 0;

			while (d->allowed[i][n])
				n++;
			f->allowed[i] = calloc(n + 1, sizeof(char *));
			if (!f->allowed[i])
				goto err;
			for (size_t k = 0; k < n; k++) {
				char v[METRICS_MAX_VALUE_LEN + 1];

				value_copy(v, d->allowed[i][k]);
				f->allowed[i][k] = strdup(v);
				if (!f->allowed[i][k])
					goto err;
			}
		}
	}
	for (int i = f->nlabels; i < METRICS_MAX_LABELS; i++)
		if (d->allowed[i] || (i < METRICS_MAX_LABELS && d->labels[i])) {
			err = -EINVAL;	/* a list for a missing label, or a label after NULL */
			goto err;
		}

	pthread_mutex_lock(&m->lock);
	err = family_insert(m, f);
	/* A family without labels is one series, there from the start. */
	if (!err && !f->nlabels && !series_get(f, NULL, true))
		err = -ENOMEM;
	if (err && err != -EEXIST) {
		for (size_t i = 0; i < m->nfams; i++)
			if (m->fams[i] == f) {
				memmove(&m->fams[i], &m->fams[i + 1], (m->nfams - i - 1) * sizeof(m->fams[0]));
				m->nfams--;
				break;
			}
	}
	pthread_mutex_unlock(&m->lock);
	if (err)
		goto err;
	if (out)
		*out = f;
	return 0;
err:
	family_free(f);
	return err;
}

struct metric *metrics_find(struct metrics *m, const char *name)
{
	struct metric *f = NULL;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nfams && !f; i++)
		if (!strcmp(m->fams[i]->name, name))
			f = m->fams[i];
	pthread_mutex_unlock(&m->lock);
	return f;
}

struct metrics *metrics_new(void)
{
	static const struct metric_desc overflow = {
		.name = METRICS_OVERFLOW_NAME,
		.help = "Updates whose label values were outside the allowed set or beyond the "
			"family's series limit, counted in an \"other\" series instead.",
		.type = METRIC_COUNTER,
		.labels = { "metric" },
		.max_series = 256,
	};
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->healthy = true;
	if (metrics_register(m, &overflow, &m->overflow)) {
		metrics_free(m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfams; i++)
		family_free(m->fams[i]);
	free(m->fams);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* --- updates ------------------------------------------------------------------ */

enum upd { UPD_ADD, UPD_SET };

static int update(struct metric *f, const char *const *values, double v, enum upd how)
{
	struct series *s;
	int err = 0;

	if (!f)
		return -EINVAL;
	if (f->type == METRIC_COUNTER && how == UPD_ADD && !(v >= 0))
		return -EINVAL;	/* also NaN */
	if (f->nlabels && !values)
		return -EINVAL;
	pthread_mutex_lock(&f->reg->lock);
	s = series_get(f, values, true);
	if (!s)
		err = -ENOMEM;
	else if (how == UPD_ADD)
		s->v += v;
	else
		s->v = v;
	pthread_mutex_unlock(&f->reg->lock);
	return err;
}

int metric_add(struct metric *f, const char *const *values, double v)
{
	return update(f, values, v, UPD_ADD);
}

int metric_inc(struct metric *f, const char *const *values)
{
	return update(f, values, 1, UPD_ADD);
}

int metric_set(struct metric *f, const char *const *values, double v)
{
	return update(f, values, v, UPD_SET);
}

int metric_get(struct metric *f, const char *const *values, double *v)
{
	struct series *s;

	if (!f || (f->nlabels && !values))
		return -EINVAL;
	pthread_mutex_lock(&f->reg->lock);
	s = series_get(f, values, false);
	if (s)
		*v = s->v;
	pthread_mutex_unlock(&f->reg->lock);
	return s ? 0 : -ENOENT;
}

static void clear_locked(struct metric *f)
{
	for (size_t i = 0; i < f->nseries; i++)
		series_free(f->series[i]);
	f->nseries = 0;
	f->nregular = 0;
}

void metric_clear(struct metric *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->reg->lock);
	clear_locked(f);
	if (!f->nlabels)
		series_get(f, NULL, true);	/* back to 0, still exported */
	pthread_mutex_unlock(&f->reg->lock);
}

int metric_replace(struct metric *f, const char *const *values, double v)
{
	struct series *s;

	if (!f || (f->nlabels && !values))
		return -EINVAL;
	/* Under one lock: a scrape sees the old series or the new one. */
	pthread_mutex_lock(&f->reg->lock);
	clear_locked(f);
	s = series_get(f, values, true);
	if (s)
		s->v = v;
	pthread_mutex_unlock(&f->reg->lock);
	return s ? 0 : -ENOMEM;
}

size_t metric_series_count(struct metric *f)
{
	size_t n;

	pthread_mutex_lock(&f->reg->lock);
	n = f->nseries;
	pthread_mutex_unlock(&f->reg->lock);
	return n;
}

void metrics_set_health(struct metrics *m, bool healthy, const char *reason)
{
	pthread_mutex_lock(&m->lock);
	m->healthy = healthy;
	snprintf(m->reason, sizeof(m->reason), "%s", healthy || !reason ? "" : reason);
	/* The reason goes into a one-line body. */
	for (char *p = m->reason; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	pthread_mutex_unlock(&m->lock);
}

bool metrics_health(struct metrics *m, char *reason, size_t len)
{
	bool ok;

	pthread_mutex_lock(&m->lock);
	ok = m->healthy;
	if (reason && len)
		snprintf(reason, len, "%s", m->reason);
	pthread_mutex_unlock(&m->lock);
	return ok;
}

/* --- exposition ------------------------------------------------------------- */

/* Integers as integers (counters read better); else the shortest
 * representation that reads back to the same double. */
static void put_value(FILE *f, double v)
{
	char buf[40];

	if (isnan(v)) {
		fputs("NaN", f);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", f);
		return;
	}
	/* No floor(): the agent does not link libm. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {	/* 2^53 */
		fprintf(f, "%.0f", v == 0 ? 0.0 : v);	/* no "-0" */
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

/* HELP text escapes \ and newline; label values also ". */
static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

int metrics_render(struct metrics *m, char **buf, size_t *len)
{
	FILE *f;
	int err = 0;

	*buf = NULL;
	*len = 0;
	f = open_memstream(buf, len);
	if (!f)
		return -errno;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nfams; i++) {
		struct metric *fam = m->fams[i];

		fprintf(f, "# HELP %s ", fam->name);
		put_escaped(f, fam->help, false);
		fprintf(f, "\n# TYPE %s %s\n", fam->name,
			fam->type == METRIC_COUNTER ? "counter" : "gauge");
		for (size_t k = 0; k < fam->nseries; k++) {
			struct series *s = fam->series[k];

			fputs(fam->name, f);
			for (int l = 0; l < fam->nlabels; l++) {
				fprintf(f, "%c%s=\"", l ? ',' : '{', fam->labels[l]);
				put_escaped(f, s->vals[l], true);
				fputc('"', f);
			}
			fputs(fam->nlabels ? "} " : " ", f);
			put_value(f, s->v);
			fputc('\n', f);
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (ferror(f))
		err = -ENOMEM;
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return err;
}

/* --- listen address ------------------------------------------------------------ */

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int metrics_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 8];
	const char *colon, *port_s;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (!s || !*s)
		s = METRICS_DEFAULT_LISTEN;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, end - s - 1);
		host[end - s - 1] = '\0';
		if (parse_port(end + 2, &port))
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		*sslen = sizeof(*in6);
		return 0;
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':'))
		return -EINVAL;	/* a bare IPv6 address: it needs brackets */
	if (colon) {
		if ((size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, colon - s);
		host[colon - s] = '\0';
		port_s = colon + 1;
	} else {
		host[0] = '\0';
		port_s = s;
	}
	if (parse_port(port_s, &port))
		return -EINVAL;
	if (!host[0] || !strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	/* inet_pton, not inet_aton: no "127.1" or octal surprises. */
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -EINVAL;
	*sslen = sizeof(*in4);
	return 0;
}

/* --- HTTP ------------------------------------------------------------------------ */

struct metrics_server {
	struct metrics *m;
	int port;
#ifndef BPFJAIL_STATIC
	struct MHD_Daemon *d;
#endif
};

int metrics_server_port(const struct metrics_server *s)
{
	return s ? s->port : -EINVAL;
}

#ifdef BPFJAIL_STATIC
/* Debian's libmicrohttpd.a needs GnuTLS, whose static link needs a static
 * p11-kit that Debian does not ship: the static build serves no HTTP. */
int metrics_server_start(struct metrics *m, const struct metrics_server_opts *o,
			 struct metrics_server **out, char *err, size_t errlen)
{
	*out = NULL;
	snprintf(err, errlen, "metrics: this static build has no HTTP server; use the dynamic build");
	return -EOPNOTSUPP;
}

void metrics_server_stop(struct metrics_server *s)
{
	free(s);
}
#else

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in4 = (const void *)ss;

		inet_ntop(AF_INET, &in4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(in4->sin_port));
	}
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *ctype,
			     char *body, size_t len, bool owned)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status != MHD_HTTP_OK)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct metrics_server *s = cls;
	char *buf;
	size_t len;

	/* Answer at once: no request here has a body worth reading. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "method not allowed\n", 19, false);
	if (!strcmp(url, "/metrics")) {
		if (metrics_render(s->m, &buf, &len))
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "out of memory\n", 14, false);
		return reply(c, MHD_HTTP_OK, METRICS_CONTENT_TYPE, buf, len, true);
	}
	if (!strcmp(url, "/healthz")) {
		char why[256];

		if (metrics_health(s->m, why, sizeof(why)))
			return reply(c, MHD_HTTP_OK, text, "ok\n", 3, false);
		if (asprintf(&buf, "unhealthy: %s\n", why[0] ? why : "unknown") < 0)
			return MHD_NO;
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, buf, strlen(buf), true);
	}
	return reply(c, MHD_HTTP_NOT_FOUND, text, "not found\n", 10, false);
}

int metrics_server_start(struct metrics *m, const struct metrics_server_opts *o,
			 struct metrics_server **out, char *err, size_t errlen)
{
	const struct metrics_server_opts def = { 0 };
	struct metrics_server *s = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen;
	sigset_t all, old;
	char addr[INET6_ADDRSTRLEN + 16];
	const char *listen_s;
	int fd = -1, one = 1, ret;

	*out = NULL;
	if (!o)
		o = &def;
	listen_s = o->listen && *o->listen ? o->listen : METRICS_DEFAULT_LISTEN;
	if (metrics_parse_listen(listen_s, &ss, &sslen)) {
		snprintf(err, errlen, "metrics: bad listen address '%s' (want HOST:PORT, [IPv6]:PORT)",
			 listen_s);
		return -EINVAL;
	}
	format_addr(&ss, addr, sizeof(addr));

	/* Our own socket: a clear EADDRINUSE, port 0 and its bound port. */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "metrics: socket for %s: %s", addr, strerror(-ret));
		return ret;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) || listen(fd, 64)) {
		ret = -errno;
		if (ret == -EADDRINUSE)
			snprintf(err, errlen, "metrics: cannot listen on %s: port already in use "
				 "(another agent or exporter?)", addr);
		else
			snprintf(err, errlen, "metrics: cannot listen on %s: %s", addr, strerror(-ret));
		goto cleanup;
	}
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen)) {
		ret = -errno;
		snprintf(err, errlen, "metrics: getsockname: %s", strerror(-ret));
		goto cleanup;
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		snprintf(err, errlen, "metrics: out of memory");
		goto cleanup;
	}
	s->m = m;
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);

	/* The daemon's thread inherits this mask: signals stay with the agent. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, handle, s,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, o->max_conns ? o->max_conns : 16,
				MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : 10,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->d) {
		ret = -EIO;
		snprintf(err, errlen, "metrics: cannot start the HTTP server on %s", addr);
		goto cleanup;
	}
	/* The daemon owns fd now (MHD_stop_daemon closes it). */
	*out = s;
	return 0;
cleanup:
	free(s);
	if (fd >= 0)
		close(fd);
	return ret;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	free(s);
}
#endif /* BPFJAIL_STATIC */

/* --- the agent's families --------------------------------------------------------- */

int agent_metrics_build_info(struct agent_metrics *am, const char *version, const char *mode)
{
	return metric_replace(am->build_info, METRIC_LABELS(version ? version : "unknown",
							   mode ? mode : "unknown"), 1);
}

int agent_metrics_register(struct metrics *m, struct agent_metrics *am, const char *version,
			   const char *mode)
{
	static const char *const actions[] = { AGENT_ACTIONS, NULL };
	static const char *const results[] = { AGENT_RELOAD_RESULTS, NULL };
	const struct {
		struct metric **out;
		struct metric_desc d;
	} fams[] = {
		{ &am->decisions, { "bpfjail_decisions_total",
			"Decisions reported by the kernel for a confined module's operation "
			"(action: allow, deny, audit, kill).",
			METRIC_COUNTER, { "action", "op", "module" }, { actions }, 2048 } },
		{ &am->jailed, { "bpfjail_jailed_processes",
			"Processes currently jailed.", METRIC_GAUGE } },
		{ &am->binaries, { "bpfjail_binaries_loaded",
			"Binaries whose range table is loaded in the kernel.", METRIC_GAUGE } },
		{ &am->reloads, { "bpfjail_policy_reloads_total",
			"Policy reloads by result (success, failure).",
			METRIC_COUNTER, { "result" }, { results } } },
		{ &am->events_dropped, { "bpfjail_events_dropped_total",
			"Decision events the kernel dropped because a ring buffer was full.",
			METRIC_COUNTER } },
		{ &am->stack_truncated, { "bpfjail_stack_truncated_total",
			"Stack walks that hit the depth limit or a bad frame (verdict unknown).",
			METRIC_COUNTER } },
		{ &am->map_entries, { "bpfjail_map_entries",
			"Entries in use in a BPF map.", METRIC_GAUGE, { "map" }, { NULL }, 32 } },
		{ &am->map_capacity, { "bpfjail_map_capacity",
			"Capacity (max_entries) of a BPF map.", METRIC_GAUGE, { "map" }, { NULL }, 32 } },
		{ &am->exec_holds, { "bpfjail_exec_holds_total",
			"Execs the kernel held for the agent's decision, by result.",
			METRIC_COUNTER, { "result" }, { NULL }, 16 } },
		{ &am->build_info, { "bpfjail_build_info",
			"Always 1: the agent's version and enforcement mode.",
			METRIC_GAUGE, { "version", "mode" }, { NULL }, 4 } },
	};
	int err;

	memset(am, 0, sizeof(*am));
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		err = metrics_register(m, &fams[i].d, fams[i].out);
		if (err)
			return err;
	}
	return agent_metrics_build_info(am, version, mode);
}
